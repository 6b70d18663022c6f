"""Defects to team leaders and follow-up items (PGD-4.6, 4.9, 5.3.2, 5.5.2;
TLK-5.5, 5.6.2)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from followup.models import Defect, DefectStatus, FollowUp, FollowUpStatus
from followup.services import defects as services
from programs.models import Parameter, Role, Team
from programs.workdays import add_working_days
from scoring import services as scoring
from scoring.services import AnswerInput
from tests.scoring_data import ready_shop
from tests.test_shop_workflow import _filled, _params

pytestmark = pytest.mark.django_db


def _finalize(program, member, fail=(), *, by_section=None):
    planned, shopper, agent = ready_shop(program, member)
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    params = _params(shop)
    if by_section:
        fail = [p.pk for p in params if p.section.code in by_section]
    fail_ids = (
        [params[i].pk for i in fail]
        if fail and isinstance(fail[0], int) and not by_section
        else fail
    )
    shop = scoring.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent, fail=fail_ids), version=shop.version
    )
    shop = scoring.shop_submit(shop=shop, user=shopper, version=shop.version)
    analyst = member(program, Role.QC_ANALYST)
    with TestCase.captureOnCommitCallbacks(execute=True):
        shop = scoring.shop_finalize(shop=shop, user=analyst)
    return shop, analyst, agent


def test_pgd_5_3_2_each_not_met_parameter_becomes_a_defect_for_the_team_leader(pgd, member):
    shop, _analyst, agent = _finalize(pgd, member, fail=[3, 5])
    defects = list(Defect.objects.filter(shop=shop).order_by("parameter__order"))
    assert len(defects) == 2
    for d in defects:
        assert d.team_leader == agent.team.team_leader
        assert d.nonconformity == "Salah info tarif"
        assert d.correct_solution == "Tarif 1,2 % per 15 hari"
        assert d.status == DefectStatus.OPEN
    finalized_on = shop.finalized_at.astimezone(pgd.zone).date()
    assert defects[0].due_on == add_working_days(pgd, finalized_on, pgd.defect_ack_days)


def test_the_event_twice_creates_nothing_twice(pgd, member):
    shop, _analyst, _agent = _finalize(pgd, member, fail=[3])
    services.shop_follow_up(shop=shop)
    services.shop_follow_up(shop=shop)
    assert Defect.objects.filter(shop=shop).count() == 1


def test_routing_follows_the_agents_team_when_the_shop_is_final(pgd, member):
    planned, shopper, agent = ready_shop(pgd, member)
    new_leader = member(pgd, Role.TEAM_LEADER, full_name="New TL")
    new_team = Team.objects.create(program=pgd, code="t2", name="Tim 2", team_leader=new_leader)
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    fail = [_params(shop)[3].pk]
    shop = scoring.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent, fail=fail), version=shop.version
    )
    shop = scoring.shop_submit(shop=shop, user=shopper, version=shop.version)
    agent.team = new_team  # moved between the contact and the review
    agent.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        scoring.shop_finalize(shop=shop, user=member(pgd, Role.QC_ANALYST))
    assert Defect.objects.get(shop=shop).team_leader == new_leader


def test_tlk_5_5_solution_zero_gives_coaching(tlk, member):
    shop, _analyst, _agent = _finalize(tlk, member, by_section=["solution"])
    kinds = set(FollowUp.objects.filter(shop=shop).values_list("kind", flat=True))
    assert "coaching" in kinds


def test_tlk_5_5_process_and_attitude_below_target_gives_coaching_or_sgd(tlk, member):
    planned, shopper, agent = ready_shop(tlk, member)
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    process = next(p for p in _params(shop) if p.section.code == "process")
    shop = scoring.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent, fail=[process.pk]), version=shop.version
    )
    shop = scoring.shop_submit(shop=shop, user=shopper, version=shop.version)
    with TestCase.captureOnCommitCallbacks(execute=True):
        shop = scoring.shop_finalize(shop=shop, user=member(tlk, Role.QC_ANALYST))
    assert list(FollowUp.objects.filter(shop=shop).values_list("kind", flat=True)) == [
        "coaching_or_sgd"
    ]


def test_tlk_5_5_a_perfect_shop_needs_no_follow_up(tlk, member):
    shop, _analyst, _agent = _finalize(tlk, member)
    assert not FollowUp.objects.filter(shop=shop).exists()
    assert not Defect.objects.filter(shop=shop).exists()


def test_pgd_4_9_below_target_gives_brief_and_debrief(pgd, member):
    shop, _analyst, _agent = _finalize(pgd, member, fail=[5])
    assert shop.score < pgd.target_score
    assert list(FollowUp.objects.filter(shop=shop).values_list("kind", flat=True)) == [
        "brief_debrief"
    ]


def test_a_correction_withdraws_defects_and_unneeded_items(pgd, member):
    shop, analyst, _agent = _finalize(pgd, member, fail=[5])
    param = Parameter.objects.get(pk=Defect.objects.get(shop=shop).parameter_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        scoring.shop_revise(
            shop=shop,
            user=analyst,
            reason="Recording re-checked",
            answers={param.pk: AnswerInput("met")},
        )
    assert Defect.objects.get(shop=shop).status == DefectStatus.WITHDRAWN
    assert not FollowUp.objects.filter(shop=shop).exists()


def test_team_leader_acknowledges_with_a_comment(pgd, member):
    shop, _analyst, agent = _finalize(pgd, member, fail=[3])
    defect = Defect.objects.get(shop=shop)
    with pytest.raises(PermissionDenied):
        services.defect_acknowledge(
            defect=defect, user=member(pgd, Role.TEAM_LEADER), comment="not mine"
        )
    with pytest.raises(ValidationError):
        services.defect_acknowledge(defect=defect, user=agent.team.team_leader, comment=" ")
    defect = services.defect_acknowledge(
        defect=defect, user=agent.team.team_leader, comment="Dibahas saat briefing pagi"
    )
    assert defect.status == DefectStatus.ACKNOWLEDGED


def test_team_leader_logs_the_session(pgd, member):
    shop, _analyst, agent = _finalize(pgd, member, fail=[5])
    item = FollowUp.objects.get(shop=shop)
    with pytest.raises(ValidationError) as exc:
        services.follow_up_log(
            item=item,
            user=agent.team.team_leader,
            held_on=None,
            session_type="",
            participants="",
            notes="",
            commitment="",
            outcome="",
        )
    assert {"held_on", "session_type", "outcome"} <= set(exc.value.message_dict)
    item = services.follow_up_log(
        item=item,
        user=agent.team.team_leader,
        held_on=timezone.localdate(),
        session_type="brief_debrief",
        participants="Agus, Tari",
        notes="Review rekaman",
        commitment="Cek tarif sebelum menjawab",
        outcome="Paham",
        retest_requested=True,
    )
    assert item.status == FollowUpStatus.DONE and item.retest_requested


def _ask_for_a_retest(shop, agent) -> None:
    """The team leader logs the coaching session of `shop` and asks for a re-test."""
    services.follow_up_log(
        item=FollowUp.objects.get(shop=shop),
        user=agent.team.team_leader,
        held_on=timezone.localdate(),
        session_type="brief_debrief",
        participants="",
        notes="",
        commitment="",
        outcome="Paham",
        retest_requested=True,
    )


def test_a_requested_retest_is_planned_next_month_and_linked_back(pgd, member):
    from datetime import date

    from sampling import services as sampling
    from sampling.models import PlannedShop
    from tests.sampling_data import contact_month

    shop, _analyst, agent = _finalize(pgd, member, fail=[5])  # a December 2026 shop
    _ask_for_a_retest(shop, agent)
    contact_month(pgd, date(2026, 12, 1))
    from django.utils import translation

    with translation.override("id"):  # whatever language is active, the note is stored alike
        plan = sampling.plan_generate(program=pgd, month=date(2027, 1, 1), user=None, seed=9)
    retest = PlannedShop.objects.get(plan=plan, retest_of=shop.planned_shop)
    assert plan.shops.count() == pgd.monthly_sample_size + 1  # on top of the sample
    assert retest.scenario_id == shop.planned_shop.scenario_id
    assert retest.channel_id == shop.planned_shop.channel_id
    assert "Re-test of shop" in retest.change_reason
    again = sampling.plan_generate(program=pgd, month=date(2027, 1, 1), user=None, seed=9)
    assert again.shops.filter(retest_of=shop.planned_shop).count() == 1


def test_the_item_list_says_a_retest_not_yet_done_is_planned(client, pgd, member):
    """The walkthrough saw "(still below target)" beside a re-test still planned."""
    from datetime import date

    from sampling import services as sampling
    from tests.sampling_data import contact_month

    shop, analyst, agent = _finalize(pgd, member, fail=[5])
    _ask_for_a_retest(shop, agent)
    contact_month(pgd, date(2026, 12, 1))
    sampling.plan_generate(program=pgd, month=date(2027, 1, 1), user=None, seed=9)
    client.force_login(analyst)
    # The item was logged (done): the list of all items shows it.
    html = client.get(reverse("follow_up_list", args=[pgd.code]) + "?status=all").content.decode()
    assert "still below target" not in html and "fixed" not in html
    assert ": planned" in html
    # The plan counts it apart from the sample (56 + 1, not "57" here and "56" there).
    html = client.get(reverse("plan_list", args=[pgd.code])).content.decode()
    assert f"{pgd.monthly_sample_size} <span" in html and "+ 1 re-test</span>" in html
    html = client.get(reverse("plan_detail", args=[pgd.code, "2027-01"])).content.decode()
    assert html.count('<span class="badge text-bg-info">re-test</span>') == 1
