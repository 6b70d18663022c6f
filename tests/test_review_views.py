"""The review pages (TLK-5.3.4, TLK-5.6.1, PGD-2.3, PGD-5.1.2): queue, the shop's
page and its actions (pass on, return, finalize, correct, high impact,
dispute, resolve), who may do each, and constant query counts.

The helpers at the top are shared with test_shop_list.py and
test_browser_review.py."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from programs.models import Agent, Parameter, Role, Scenario, Team, User
from sampling.models import PlannedShop
from scoring import services
from scoring.models import (
    Dispute,
    DisputeStatus,
    Evidence,
    ReviewAction,
    ReviewEvent,
    Revision,
    Shop,
    ShopState,
)
from scoring.services import AnswerInput, ShopInput
from tests.querycount import assert_same_query_count, page_queries
from tests.scoring_data import OFF_SLOT_REASON, ready_shop

pytestmark = pytest.mark.django_db

# --- Shared helpers ------------------------------------------------------------------


def params_of(shop) -> list[Parameter]:
    return list(
        Parameter.objects.filter(section__scorecard=shop.scorecard_id)
        .select_related("section")
        .order_by("section__order", "order", "pk")
    )


def filled(shop, agent, *, fail=()) -> ShopInput:
    """A complete form: every parameter met except those in `fail`."""
    answers = {
        p.pk: (
            AnswerInput("not_met", "Salah info tarif", "Tarif 1,2 % per 15 hari")
            if p.pk in fail
            else AnswerInput("met")
        )
        for p in params_of(shop)
    }
    return ShopInput(
        executed_at=timezone.now(),
        channel_id=shop.planned_shop.channel_id,
        contact_handle="1500569",
        agent_id=agent.pk,
        recognised="no",
        time_deviation_reason=OFF_SLOT_REASON,
        answers=answers,
    )


def submit(planned, shopper, agent, *, fail_index=(), critical=False) -> Shop:
    """Start, fill and submit the planned shop as its shopper; `fail_index`
    lists positions of non-critical parameters to fail, `critical` fails the CACE."""
    planned.shopper = shopper
    planned.save()
    shop = services.shop_start(planned_shop=planned, user=shopper)
    params = params_of(shop)
    plain = [p for p in params if not p.critical_type]
    fail = [plain[i].pk for i in fail_index]
    if critical:
        fail.append(next(p.pk for p in params if p.critical_type == "CACE"))
    shop = services.shop_save(
        shop=shop, user=shopper, data=filled(shop, agent, fail=fail), version=shop.version
    )
    return services.shop_submit(shop=shop, user=shopper, version=shop.version)


@dataclass
class World:
    program: object
    shop: Shop  # submitted, by `shopper`, of `agent` led by `team_leader`
    planned: list[PlannedShop]  # the plan's other planned shops, in number order
    agent: Agent
    users: dict[str, User]  # one per role; the shopper and team leader own the shop

    def url(self, name, shop=None, *args):
        return reverse(name, args=[self.program.code, (shop or self.shop).pk, *args])


def make_world(program, member, **submit_kw) -> World:
    planned, shopper, agent = ready_shop(program, member)
    team_leader = agent.team.team_leader
    users = {
        Role.MANAGER: member(program, Role.MANAGER, full_name="Maya Manager"),
        Role.QC_ANALYST: member(program, Role.QC_ANALYST, full_name="Andi Analyst"),
        Role.SHOPPER: shopper,
        Role.SUPERVISOR: member(program, Role.SUPERVISOR, full_name="Susi Supervisor"),
        Role.TEAM_LEADER: team_leader,
        Role.VIEWER: member(program, Role.VIEWER, full_name="Vina Viewer"),
    }
    shop = submit(planned, shopper, agent, **submit_kw)
    others = list(
        PlannedShop.objects.filter(plan=planned.plan).exclude(pk=planned.pk).order_by("number")
    )
    return World(program, shop, others, agent, users)


def finalize(world, shop=None) -> Shop:
    return services.shop_finalize(shop=shop or world.shop, user=world.users[Role.QC_ANALYST])


def second_shop(world, state=ShopState.SUBMITTED, **submit_kw) -> Shop:
    """Another shop of the same shopper and agent, brought to `state`."""
    shop = submit(world.planned.pop(0), world.users[Role.SHOPPER], world.agent, **submit_kw)
    if state == ShopState.FINALIZED:
        shop = finalize(world, shop)
    elif state != ShopState.SUBMITTED:
        Shop.objects.filter(pk=shop.pk).update(state=state)
        shop.refresh_from_db()
    return shop


@pytest.fixture
def world(pgd, member):
    return make_world(pgd, member, fail_index=[2])


# --- Who may do what -----------------------------------------------------------------

ROLES = list(Role.values)
REVIEWERS = {Role.MANAGER, Role.QC_ANALYST}


def _post_status(client, url, data) -> int:
    """POST and undo whatever it changed, so each action starts from the same world."""
    with transaction.atomic():
        status = client.post(url, data).status_code
        transaction.set_rollback(True)
    return status


@pytest.mark.parametrize("role", ROLES)
def test_every_role_against_every_page_and_action(client, world, role):
    w = world
    pending = second_shop(w, ShopState.SUPERVISOR_REVIEW)
    final = second_shop(w, ShopState.FINALIZED, fail_index=[1])
    param = next(a.parameter for a in final.answers.all() if a.value == "not_met")
    disputed = next(p for p in params_of(final) if p != param)
    dispute = services.dispute_open(
        shop=final, parameter=disputed, user=w.users[Role.TEAM_LEADER], reason="x"
    )
    client.force_login(w.users[role])
    code = w.program.code
    pages = {
        "shop_list": (reverse("shop_list", args=[code]), 200),
        "shop_list_export": (reverse("shop_list_export", args=[code]), 200),
        "review_queue": (
            reverse("review_queue", args=[code]),
            200 if role in REVIEWERS | {Role.SUPERVISOR} else 403,
        ),
        "shop_detail": (w.url("shop_detail"), 200),
        "shop_revise": (w.url("shop_revise", final), 200 if role in REVIEWERS else 403),
    }
    for name, (url, expected) in pages.items():
        assert client.get(url).status_code == expected, (role, name)
    allowed = 302
    actions = {
        "shop_forward": (w.url("shop_forward", pending), {}, {Role.SUPERVISOR}),
        "shop_return": (w.url("shop_return"), {"return-comment": "Isi tiket"}, REVIEWERS),
        "shop_finalize": (w.url("shop_finalize"), {}, REVIEWERS),
        "shop_high_impact": (w.url("shop_high_impact"), {"high_impact": "1"}, REVIEWERS),
        "shop_revise": (
            w.url("shop_revise", final),
            {"reason": "Rekaman dicek", **_answers_post(final, {param.pk: "met"})},
            REVIEWERS,
        ),
        "dispute_open": (
            w.url("dispute_open", final),
            {"dispute-parameter": param.pk, "dispute-reason": "Sesuai SOP"},
            {Role.TEAM_LEADER},
        ),
        "dispute_resolve": (
            w.url("dispute_resolve", final, dispute.pk),
            {f"resolve-{dispute.pk}-decision": "keep", f"resolve-{dispute.pk}-comment": "OK"},
            REVIEWERS,
        ),
    }
    for name, (url, data, roles) in actions.items():
        expected = allowed if role in roles else 403
        assert _post_status(client, url, data) == expected, (role, name)


def test_outsiders_get_404_everywhere(client, world, outsider):
    client.force_login(outsider)
    code = world.program.code
    for url in [
        reverse("shop_list", args=[code]),
        reverse("shop_list_export", args=[code]),
        reverse("review_queue", args=[code]),
        world.url("shop_detail"),
        world.url("shop_revise"),
    ]:
        assert client.get(url).status_code == 404, url
    for name in ["shop_return", "shop_finalize", "shop_forward", "dispute_open"]:
        assert client.post(world.url(name), {}).status_code == 404, name


def test_a_shop_of_another_program_is_not_found(client, world, tlk, member):
    analyst = member(tlk, Role.QC_ANALYST)
    client.force_login(analyst)
    url = reverse("shop_detail", args=[tlk.code, world.shop.pk])
    assert client.get(url).status_code == 404
    assert client.post(reverse("shop_finalize", args=[tlk.code, world.shop.pk])).status_code == 404


def test_writes_need_post(client, world):
    client.force_login(world.users[Role.QC_ANALYST])
    assert client.get(world.url("shop_finalize")).status_code == 405
    assert client.get(world.url("dispute_open")).status_code == 405


def test_other_shoppers_and_team_leaders_get_403(client, world, member):
    for role in [Role.SHOPPER, Role.TEAM_LEADER]:
        client.force_login(member(world.program, role))
        assert client.get(world.url("shop_detail")).status_code == 403


# --- The queue -----------------------------------------------------------------------


def test_queue_lists_submitted_shops_oldest_first_for_the_analyst(client, world):
    later = second_shop(world)
    Shop.objects.filter(pk=later.pk).update(submitted_at=world.shop.submitted_at - timedelta(1))
    finalize(world, second_shop(world))
    client.force_login(world.users[Role.QC_ANALYST])
    response = client.get(reverse("review_queue", args=[world.program.code]))
    rows = [row.pk for row in response.context["rows"]]
    assert rows == [later.pk, world.shop.pk]


def test_queue_shows_team_leader_forms_to_the_supervisor(client, world):
    pending = second_shop(world, ShopState.SUPERVISOR_REVIEW)
    client.force_login(world.users[Role.SUPERVISOR])
    response = client.get(reverse("review_queue", args=[world.program.code]))
    assert [row.pk for row in response.context["rows"]] == [pending.pk]
    client.force_login(world.users[Role.QC_ANALYST])
    response = client.get(reverse("review_queue", args=[world.program.code]))
    assert [row.pk for row in response.context["rows"]] == [world.shop.pk]


# --- The workflow --------------------------------------------------------------------


def test_return_without_comment_keeps_the_error_and_changes_nothing(client, world):
    client.force_login(world.users[Role.QC_ANALYST])
    response = client.post(world.url("shop_return"), {"return-comment": "   "})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_return-comment"' in body and "is-invalid" in body
    assert "This field is required." in body
    world.shop.refresh_from_db()
    assert world.shop.state == ShopState.SUBMITTED
    assert not world.shop.events.filter(action=ReviewAction.RETURN).exists()


def test_return_with_comment_then_a_second_click_does_nothing(client, world):
    client.force_login(world.users[Role.QC_ANALYST])
    data = {"return-comment": "Isi nomor tiket"}
    response = client.post(world.url("shop_return"), data)
    assert response.status_code == 302
    again = client.post(world.url("shop_return"), data, follow=True)
    assert "Only a submitted shop can be returned." in again.content.decode()
    world.shop.refresh_from_db()
    assert world.shop.state == ShopState.RETURNED
    events = world.shop.events.filter(action=ReviewAction.RETURN)
    assert [e.comment for e in events] == ["Isi nomor tiket"]
    assert "Isi nomor tiket" in again.content.decode()  # on the timeline


def test_finalize_twice_gives_one_event(client, world):
    client.force_login(world.users[Role.QC_ANALYST])
    assert client.post(world.url("shop_finalize"), {}).status_code == 302
    again = client.post(world.url("shop_finalize"), {}, follow=True)
    assert "This shop was finalized already." in again.content.decode()
    world.shop.refresh_from_db()
    assert world.shop.state == ShopState.FINALIZED
    assert world.shop.finalized_by == world.users[Role.QC_ANALYST]
    assert world.shop.events.filter(action=ReviewAction.FINALIZE).count() == 1


def test_a_returned_shop_cannot_be_finalized(client, world):
    client.force_login(world.users[Role.QC_ANALYST])
    client.post(world.url("shop_return"), {"return-comment": "Isi tiket"})
    response = client.post(world.url("shop_finalize"), {}, follow=True)
    assert "Only a submitted shop can be finalized." in response.content.decode()


def test_supervisor_passes_a_team_leader_form_on_once(client, world):
    pending = second_shop(world, ShopState.SUPERVISOR_REVIEW)
    client.force_login(world.users[Role.SUPERVISOR])
    page = client.get(world.url("shop_detail", pending)).content.decode()
    assert 'id="forward-form"' in page and 'id="finalize-form"' not in page
    response = client.post(world.url("shop_forward", pending), {"forward-comment": "Cek"})
    assert response.status_code == 302
    again = client.post(world.url("shop_forward", pending), {}, follow=True)
    assert "This shop is not waiting for the supervisor." in again.content.decode()
    pending.refresh_from_db()
    assert pending.state == ShopState.SUBMITTED
    assert pending.events.filter(action=ReviewAction.FORWARD).count() == 1


def test_tlk_5_3_4_team_leader_form_through_the_supervisor(client, tlk, member):
    tlk.team_leader_forms_via_supervisor = True
    tlk.save()
    team_leader = member(tlk, Role.TEAM_LEADER, full_name="TL helping")
    from programs.models import Membership

    Membership.objects.create(user=team_leader, program=tlk, role=Role.SHOPPER)
    planned, _shopper, agent = ready_shop(tlk, member, shopper=team_leader)
    shop = submit(planned, team_leader, agent)
    assert shop.state == ShopState.SUPERVISOR_REVIEW
    supervisor = member(tlk, Role.SUPERVISOR)
    client.force_login(supervisor)
    queue = client.get(reverse("review_queue", args=[tlk.code]))
    assert [row.pk for row in queue.context["rows"]] == [shop.pk]
    client.post(reverse("shop_forward", args=[tlk.code, shop.pk]), {})
    shop.refresh_from_db()
    assert shop.state == ShopState.SUBMITTED


def test_the_page_shows_score_target_sections_and_critical_errors(client, pgd, member):
    w = make_world(pgd, member, critical=True)
    client.force_login(w.users[Role.VIEWER])
    response = client.get(w.url("shop_detail"))
    body = response.content.decode()
    assert response.status_code == 200
    record = response.context["record"]
    assert w.shop.score == 0 and record.below_target
    assert "Below target" in body and "95.00" in body
    assert [e.critical_type for _n, _p, e in record.critical_errors] == ["CACE"]
    assert 'id="critical-errors"' in body and "Customer-affecting (CACE)" in body
    assert {s.section.code for s in record.sections} == set(w.shop.section_scores)
    # read-only answers: the MS form with its inputs disabled
    assert "ms-form" in body and "disabled" in body
    # a viewer is offered no action
    assert 'id="actions"' not in body


def test_high_impact_is_set_not_toggled(client, world):
    client.force_login(world.users[Role.QC_ANALYST])
    for _ in range(2):
        client.post(world.url("shop_high_impact"), {"high_impact": "1"})
    world.shop.refresh_from_db()
    assert world.shop.high_impact
    client.post(world.url("shop_high_impact"), {"high_impact": "0"})
    world.shop.refresh_from_db()
    assert not world.shop.high_impact


# --- Corrections ---------------------------------------------------------------------


def _answers_post(shop, overrides: dict[int, str]) -> dict[str, str]:
    """The revise form's POST: the shop's answers now, with `overrides`."""
    data = {}
    for answer in shop.answers.all():
        value = overrides.get(answer.parameter_id, answer.value)
        data[f"answer-{answer.parameter_id}"] = value
        if value == "not_met":
            data[f"nonconformity-{answer.parameter_id}"] = answer.nonconformity
            data[f"correct_solution-{answer.parameter_id}"] = answer.correct_solution
    return data


def test_revision_requires_a_reason_and_shows_before_and_after(client, world):
    shop = finalize(world)
    failing = next(a for a in shop.answers.all() if a.value == "not_met")
    before = shop.score
    client.force_login(world.users[Role.QC_ANALYST])
    assert client.get(world.url("shop_revise")).status_code == 200
    data = _answers_post(shop, {failing.parameter_id: "met"})
    response = client.post(world.url("shop_revise"), {**data, "reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    lines = [line for s in response.context["form_view"].sections for line in s.lines]
    typed = next(line for line in lines if line.parameter.pk == failing.parameter_id)
    assert [c.value for c in typed.choices if c.checked] == ["met"]  # what was typed is kept
    assert not Revision.objects.exists()

    response = client.post(world.url("shop_revise"), {**data, "reason": "Rekaman dicek ulang"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.score == 100 and before < 100
    (revision,) = Revision.objects.filter(shop=shop)
    assert revision.by == world.users[Role.QC_ANALYST]
    page = client.get(world.url("shop_detail"))
    (shown,) = page.context["record"].revisions
    assert shown.reason == "Rekaman dicek ulang"
    assert (shown.score_before, shown.score_after) == (before, Decimal("100.00"))
    assert [(c.before, c.after) for c in shown.changes] == [("Not met", "Met")]
    body = page.content.decode()
    assert "Rekaman dicek ulang" in body and "Revision 1 by Andi Analyst" in body


def test_revision_without_a_change_or_with_a_bad_answer_saves_nothing(client, world):
    shop = finalize(world)
    client.force_login(world.users[Role.QC_ANALYST])
    same = _answers_post(shop, {})
    response = client.post(world.url("shop_revise"), {**same, "reason": "Cek"})
    assert response.status_code == 200
    assert "Change at least one answer" in response.content.decode()
    met = next(a for a in shop.answers.all() if a.value == "met")
    bad = _answers_post(shop, {met.parameter_id: "not_met"})  # no nonconformity given
    response = client.post(world.url("shop_revise"), {**bad, "reason": "Cek"})
    assert response.status_code == 200
    assert "Describe the nonconformity." in response.content.decode()
    assert not Revision.objects.exists()


def test_only_a_finalized_shop_is_revised(client, world):
    client.force_login(world.users[Role.QC_ANALYST])
    response = client.get(world.url("shop_revise"), follow=True)
    assert "Only a finalized shop is corrected by revision." in response.content.decode()


# --- Disputes ------------------------------------------------------------------------


def _dispute_data(param, reason="Agent sudah sesuai SOP"):
    return {"dispute-parameter": param.pk, "dispute-reason": reason}


def test_team_leader_disputes_within_the_window_once(client, world):
    shop = finalize(world)
    param = next(a.parameter for a in shop.answers.all() if a.value == "not_met")
    client.force_login(world.users[Role.TEAM_LEADER])
    page = client.get(world.url("shop_detail")).content.decode()
    assert 'id="dispute-form"' in page
    assert client.post(world.url("dispute_open"), _dispute_data(param)).status_code == 302
    again = client.post(world.url("dispute_open"), _dispute_data(param))
    assert again.status_code == 200
    assert "This parameter is disputed already." in again.content.decode()
    assert Dispute.objects.filter(shop=shop).count() == 1


def test_a_dispute_without_reason_is_kept_on_the_page(client, world):
    finalize(world)
    param = params_of(world.shop)[0]
    client.force_login(world.users[Role.TEAM_LEADER])
    response = client.post(world.url("dispute_open"), _dispute_data(param, reason=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Dispute.objects.exists()


def test_a_dispute_after_the_window_is_refused_with_the_reason(client, world):
    shop = finalize(world)
    param = params_of(shop)[0]
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        client.force_login(world.users[Role.TEAM_LEADER])  # sessions end after a day idle
        page = client.get(world.url("shop_detail")).content.decode()
        assert 'id="dispute-closed"' in page and 'id="dispute-form"' not in page
        response = client.post(world.url("dispute_open"), _dispute_data(param))
    assert response.status_code == 200
    assert "The dispute window of 5 days after finalizing has passed." in (
        response.content.decode()
    )
    assert not Dispute.objects.exists()


def test_another_team_leader_cannot_dispute(client, world, member):
    finalize(world)
    stranger = member(world.program, Role.TEAM_LEADER)
    client.force_login(stranger)
    response = client.post(world.url("dispute_open"), _dispute_data(params_of(world.shop)[0]))
    assert response.status_code == 403


def _open_dispute(world):
    shop = finalize(world)
    param = next(a.parameter for a in shop.answers.all() if a.value == "not_met")
    dispute = services.dispute_open(
        shop=shop, parameter=param, user=world.users[Role.TEAM_LEADER], reason="Sesuai SOP"
    )
    return shop, param, dispute


def test_analyst_keeps_the_score_once(client, world):
    shop, _param, dispute = _open_dispute(world)
    client.force_login(world.users[Role.QC_ANALYST])
    page = client.get(world.url("shop_detail")).content.decode()
    assert f'id="dispute-{dispute.pk}"' in page and "data-resolve" in page
    prefix = f"resolve-{dispute.pk}"
    data = {f"{prefix}-decision": "keep", f"{prefix}-comment": "Rekaman menunjukkan salah info"}
    url = world.url("dispute_resolve", shop, dispute.pk)
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "This dispute is resolved already." in again.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.KEPT
    assert dispute.resolved_by == world.users[Role.QC_ANALYST]
    assert not Revision.objects.exists()


def test_analyst_changes_the_answer_by_revision(client, world):
    shop, _param, dispute = _open_dispute(world)
    client.force_login(world.users[Role.QC_ANALYST])
    prefix = f"resolve-{dispute.pk}"
    url = world.url("dispute_resolve", shop, dispute.pk)
    missing = client.post(url, {f"{prefix}-decision": "change", f"{prefix}-comment": "Benar"})
    assert missing.status_code == 200
    assert "Give the new answer." in missing.content.decode()
    data = {
        f"{prefix}-decision": "change",
        f"{prefix}-value": "met",
        f"{prefix}-comment": "Rekaman membuktikan sesuai",
    }
    assert client.post(url, data).status_code == 302
    dispute.refresh_from_db()
    shop.refresh_from_db()
    assert dispute.status == DisputeStatus.CHANGED and shop.score == 100
    assert Revision.objects.filter(shop=shop).count() == 1


# --- Team leaders and shoppers see their own -----------------------------------------


def test_team_leader_sees_only_their_agents_shops(client, world, member):
    other_leader = member(world.program, Role.TEAM_LEADER, full_name="Other TL")
    team = Team.objects.create(
        program=world.program, code="t2", name="Tim 2", team_leader=other_leader
    )
    other_agent = Agent.objects.create(
        program=world.program, employee_id="A2", name="Budi", team=team
    )
    theirs = submit(world.planned.pop(0), world.users[Role.SHOPPER], other_agent)
    client.force_login(world.users[Role.TEAM_LEADER])
    listing = client.get(reverse("shop_list", args=[world.program.code]))
    assert [row.pk for row in listing.context["rows"]] == [world.shop.pk]
    assert client.get(world.url("shop_detail", theirs)).status_code == 403
    client.force_login(other_leader)
    listing = client.get(reverse("shop_list", args=[world.program.code]))
    assert [row.pk for row in listing.context["rows"]] == [theirs.pk]
    assert client.get(world.url("shop_detail")).status_code == 403


def test_shopper_sees_only_their_own_shops(client, world, member):
    other = member(world.program, Role.SHOPPER)
    theirs = submit(world.planned.pop(0), other, world.agent)
    client.force_login(world.users[Role.SHOPPER])
    listing = client.get(reverse("shop_list", args=[world.program.code]))
    assert [row.pk for row in listing.context["rows"]] == [world.shop.pk]
    assert client.get(world.url("shop_detail", theirs)).status_code == 403


def test_drafts_and_scenarios_are_kept_from_the_agents_side(client, world):
    """A draft's contact may still be ahead; team leaders and viewers must not
    learn its date, slot or scenario (programs.access.READ_SCHEDULE)."""
    planned = world.planned.pop(0)
    planned.shopper = world.users[Role.SHOPPER]
    planned.save()
    draft = services.shop_start(planned_shop=planned, user=world.users[Role.SHOPPER])
    draft.agent = world.agent
    draft.save()
    scenario = Scenario.objects.create(
        program=world.program,
        reason=world.shop.planned_shop.stratum.reason,
        channel=world.shop.planned_shop.channel,
        title="Tanya tarif gadai emas",
        customer_script="Berapa tarif sewa modal?",
        expected_answer="1,2 % per 15 hari",
    )
    PlannedShop.objects.filter(pk=world.shop.planned_shop_id).update(scenario=scenario)
    for role in [Role.VIEWER, Role.TEAM_LEADER]:
        client.force_login(world.users[role])
        listing = client.get(reverse("shop_list", args=[world.program.code]))
        assert draft.pk not in _row_pks(listing), role
        assert client.get(world.url("shop_detail", draft)).status_code == 403, role
        page = client.get(world.url("shop_detail")).content.decode()
        assert "Tanya tarif gadai emas" not in page, role
    for role in [Role.QC_ANALYST, Role.SUPERVISOR, Role.SHOPPER]:
        client.force_login(world.users[role])
        listing = client.get(reverse("shop_list", args=[world.program.code]))
        assert draft.pk in _row_pks(listing), role
        page = client.get(world.url("shop_detail")).content.decode()
        assert "Tanya tarif gadai emas" in page, role


def _row_pks(response) -> list[int]:
    return [row.pk for row in response.context["rows"]]


# --- Constant queries ----------------------------------------------------------------


def _grow(world, shop, n: int) -> None:
    """Add `n` events, revisions, closed disputes and evidence files to `shop`,
    and `n` submitted shops to the program."""
    analyst = world.users[Role.QC_ANALYST]
    params = params_of(shop)
    for i in range(n):
        ReviewEvent.objects.create(shop=shop, action=ReviewAction.RETURN, by=analyst, comment="x")
        Revision.objects.create(
            shop=shop,
            number=shop.revisions.count() + 1,
            reason="r",
            by=analyst,
            before={"score": "50.00", "answers": {str(params[i].pk): ["not_met", "a", "b"]}},
            after={"score": "60.00", "answers": {str(params[i].pk): ["met", "", ""]}},
        )
        Dispute.objects.create(
            shop=shop,
            parameter=params[i],
            raised_by=world.users[Role.TEAM_LEADER],
            reason="d",
            status=DisputeStatus.KEPT,
            resolved_by=analyst,
        )
        Evidence.objects.create(
            shop=shop,
            kind="recording",
            file=f"evidence/x{i}.mp3",
            original_name=f"x{i}.mp3",
            content_type="audio/mpeg",
            size=10,
            uploaded_by=world.users[Role.SHOPPER],
        )
    bulk_shops(world, n, state=ShopState.SUBMITTED)


def bulk_shops(world, n: int, *, state=ShopState.FINALIZED, **fields) -> list[Shop]:
    """`n` shops straight through the ORM (fast), on the plan's next planned shops."""
    cace = next(p for p in params_of(world.shop) if p.critical_type == "CACE")
    shops = []
    for i in range(n):
        planned = world.planned.pop(0)
        shops.append(
            Shop.objects.create(
                planned_shop=planned,
                program=world.program,
                scorecard=world.shop.scorecard,
                shopper=world.users[Role.SHOPPER],
                channel=planned.channel,
                agent=world.agent,
                state=state,
                score=Decimal(0) if i % 3 == 0 else Decimal("80") + i,
                section_scores={"solution": "100.00", "process": "75.50", "attitude": None},
                critical_failures=(
                    [{"parameter": cace.pk, "type": "CACE", "scope": "shop"}] if i % 3 == 0 else []
                ),
                submitted_at=timezone.now() - timedelta(hours=i),
                finalized_at=timezone.now() if state == ShopState.FINALIZED else None,
                **fields,
            )
        )
    return shops


@pytest.mark.parametrize("role", [Role.QC_ANALYST, Role.TEAM_LEADER])
def test_pages_have_constant_query_counts(client, pgd, member, role):
    w = make_world(pgd, member, critical=True)
    shop = finalize(w)
    client.force_login(w.users[role])
    urls = [
        reverse("shop_list", args=[pgd.code]),
        reverse("shop_list", args=[pgd.code]) + "?sort=score&below_target=on&state=finalized",
        w.url("shop_detail", shop),
    ]
    if role == Role.QC_ANALYST:
        urls.append(reverse("review_queue", args=[pgd.code]))
    bulk_shops(w, 2)
    _grow(w, shop, 1)
    small = [page_queries(client, url) for url in urls]
    bulk_shops(w, 30)
    _grow(w, shop, 8)
    large = [page_queries(client, url) for url in urls]
    for s, lg in zip(small, large, strict=True):
        assert_same_query_count(s, lg)


def test_shoppers_stay_anonymous_to_the_agents_side(client, world):
    """A team leader sees their agents' shops, never who the mystery shopper was."""
    finalize(world)
    client.force_login(world.users[Role.TEAM_LEADER])
    for name in ("shop_detail",):
        body = client.get(world.url(name)).content.decode()
        assert "Sari Shopper" not in body and "Anonymous to the agent" in body
    listing = client.get(reverse("shop_list", args=[world.program.code])).content.decode()
    assert "Sari Shopper" not in listing
    client.force_login(world.users[Role.SUPERVISOR])
    assert "Sari Shopper" in client.get(world.url("shop_detail")).content.decode()


def test_tlk_2_1_the_analyst_sees_first_hand_how_the_agent_served(client, world):
    """TLK-2.1: the shop's page shows who served, through which channel, and for
    each parameter not met what the agent did and what was right."""
    finalize(world)
    client.force_login(world.users[Role.QC_ANALYST])
    body = client.get(world.url("shop_detail")).content.decode()
    assert world.agent.name in body and "1500569" in body
    assert "Salah info tarif" in body and "Tarif 1,2 % per 15 hari" in body
