"""The shop's life (TLK-5.3.1–5.3.4, TLK-5.6.1, PGD-2.1, PGD-2.3): start, save,
submit, review, finalize, revise, dispute."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from programs.models import Parameter, Role
from programs.services.scorecards import scorecard_new_version, scorecard_publish
from sampling.models import ShopStatus
from scoring import services
from scoring.models import DisputeStatus, ReviewAction, ShopState
from scoring.services import AnswerInput, ShopInput, StaleEdit
from scoring.signals import shop_finalized
from tests.scoring_data import OFF_SLOT_REASON, ready_shop

pytestmark = pytest.mark.django_db


def _params(shop):
    return list(
        Parameter.objects.filter(section__scorecard=shop.scorecard)
        .select_related("section")
        .order_by("section__order", "order")
    )


def _filled(shop, agent, *, fail=(), na=()):
    answers = {}
    for p in _params(shop):
        if p.pk in fail:
            answers[p.pk] = AnswerInput("not_met", "Salah info tarif", "Tarif 1,2 % per 15 hari")
        elif p.pk in na:
            answers[p.pk] = AnswerInput("na")
        else:
            answers[p.pk] = AnswerInput("met")
    return ShopInput(
        executed_at=timezone.now(),
        channel_id=shop.planned_shop.channel_id,
        contact_handle="1500569",
        agent_id=agent.pk,
        recognised="no",
        time_deviation_reason=OFF_SLOT_REASON,
        answers=answers,
    )


@pytest.fixture
def started(pgd, member):
    planned, shopper, agent = ready_shop(pgd, member)
    shop = services.shop_start(planned_shop=planned, user=shopper)
    return shop, shopper, agent


def test_start_is_idempotent_and_uses_the_published_scorecard(pgd, member, started):
    shop, shopper, _agent = started
    assert services.shop_start(planned_shop=shop.planned_shop, user=shopper) == shop
    assert shop.scorecard.status == "published"


def test_only_the_assigned_shopper_starts(pgd, member, started):
    shop, _shopper, _agent = started
    other = member(pgd, Role.SHOPPER)
    from scoring.models import Shop

    Shop.objects.all().delete()
    with pytest.raises(PermissionDenied):
        services.shop_start(planned_shop=shop.planned_shop, user=other)


def test_pgd_2_1_a_weighted_shop_scores_as_by_hand(started):
    shop, shopper, agent = started
    params = _params(shop)
    failing = next(p for p in params if not p.critical_type and p.section.code == "process")
    shop = services.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent, fail=[failing.pk]), version=shop.version
    )
    total = sum(p.weight for p in params)
    expected = (Decimal(100) * (total - failing.weight) / total).quantize(Decimal("0.01"))
    assert shop.score == expected


def test_pgd_2_3_a_failed_critical_parameter_zeroes_the_shop(started):
    shop, shopper, agent = started
    cace = next(p for p in _params(shop) if p.critical_type == "CACE")
    shop = services.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent, fail=[cace.pk]), version=shop.version
    )
    assert shop.score == 0
    assert shop.critical_failures == [{"parameter": cace.pk, "type": "CACE", "scope": "shop"}]


def test_tlk_5_3_3_binary_shop_is_the_share_of_ones(tlk, member):
    planned, shopper, agent = ready_shop(tlk, member)
    shop = services.shop_start(planned_shop=planned, user=shopper)
    params = _params(shop)
    data = _filled(shop, agent, fail=[params[0].pk, params[1].pk])
    shop = services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    # The preset's escalation parameter counts only for an escalated complaint (#23).
    skipped = services.shop_score(shop, {}).not_applying
    applies = [p for p in params if p.pk not in skipped]
    n = len(applies)
    assert shop.score == (Decimal(100) * (n - 2) / n).quantize(Decimal("0.01"))
    solution = [p for p in applies if p.section.code == "solution"]
    expected = Decimal(100) * (len(solution) - 2) / len(solution)
    assert shop.section_scores["solution"] == str(expected.quantize(Decimal("0.01")))


def test_tlk_5_6_1_not_met_needs_nonconformity_and_correct_solution(started):
    shop, shopper, agent = started
    data = _filled(shop, agent)
    first = _params(shop)[3]
    data.answers[first.pk] = AnswerInput("not_met")
    shop = services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    with pytest.raises(ValidationError) as exc:
        services.shop_submit(shop=shop, user=shopper, version=shop.version)
    assert set(exc.value.message_dict) == {
        f"nonconformity-{first.pk}",
        f"correct_solution-{first.pk}",
    }


def test_tlk_3_and_tlk_5_3_2_the_execution_record_names_the_agent_contacted(started):
    shop, shopper, agent = started
    data = _filled(shop, agent)
    data.executed_at, data.agent_id, data.recognised = None, None, ""
    shop = services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    with pytest.raises(ValidationError) as exc:
        services.shop_submit(shop=shop, user=shopper, version=shop.version)
    assert {"executed_at", "agent_id", "recognised"} <= set(exc.value.message_dict)


def test_a_contact_started_in_the_future_cannot_be_submitted(started):
    shop, shopper, agent = started
    data = _filled(shop, agent)
    data.executed_at = timezone.now() + timedelta(hours=1)
    shop = services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    with pytest.raises(ValidationError) as exc:
        services.shop_submit(shop=shop, user=shopper, version=shop.version)
    assert exc.value.message_dict["executed_at"] == [
        "The contact cannot have started in the future."
    ]
    data.executed_at = timezone.now() + timedelta(minutes=2)  # a clock a little ahead
    shop = services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    assert services.shop_submit(shop=shop, user=shopper, version=shop.version).submitted_at


def test_two_editors_do_not_overwrite_each_other(started):
    shop, shopper, agent = started
    loaded = shop.version
    services.shop_save(shop=shop, user=shopper, data=_filled(shop, agent), version=loaded)
    with pytest.raises(StaleEdit):
        services.shop_save(shop=shop, user=shopper, data=_filled(shop, agent), version=loaded)


def test_double_submit_creates_nothing_twice(started):
    shop, shopper, agent = started
    shop = services.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent), version=shop.version
    )
    version = shop.version
    first = services.shop_submit(shop=shop, user=shopper, version=version)
    second = services.shop_submit(shop=shop, user=shopper, version=version)
    assert first.state == second.state == ShopState.SUBMITTED
    assert first.events.filter(action=ReviewAction.SUBMIT).count() == 1
    first.planned_shop.refresh_from_db()
    assert first.planned_shop.status == ShopStatus.SUBMITTED


def test_tlk_5_3_4_review_return_fix_finalize_and_the_event(pgd, member, started):
    shop, shopper, agent = started
    analyst = member(pgd, Role.QC_ANALYST)
    shop = services.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent), version=shop.version
    )
    shop = services.shop_submit(shop=shop, user=shopper, version=shop.version)
    with pytest.raises(ValidationError):
        services.shop_return(shop=shop, user=analyst, comment="  ")
    shop = services.shop_return(shop=shop, user=analyst, comment="Isi nomor tiket")
    assert shop.state == ShopState.RETURNED
    data = _filled(shop, agent)
    data.interaction_id = "TIK-1"
    shop = services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    shop = services.shop_submit(shop=shop, user=shopper, version=shop.version)
    received = []
    shop_finalized.connect(
        lambda sender, shop, **kw: received.append(shop.pk),
        weak=False,
        dispatch_uid="test-receiver",
    )
    try:
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            shop = services.shop_finalize(shop=shop, user=analyst)
        services.shop_finalize(shop=shop, user=analyst)  # idempotent, no second event
    finally:
        shop_finalized.disconnect(dispatch_uid="test-receiver")
    assert shop.state == ShopState.FINALIZED and received == [shop.pk]
    with pytest.raises(ValidationError):
        services.shop_save(
            shop=shop, user=shopper, data=_filled(shop, agent), version=shop.version
        )


def test_tlk_5_3_4_team_leader_forms_go_to_the_supervisor_first(tlk, member):
    team_leader = member(tlk, Role.TEAM_LEADER, full_name="TL helping")
    from programs.models import Membership

    Membership.objects.create(user=team_leader, program=tlk, role=Role.SHOPPER)
    planned, shopper, agent = ready_shop(tlk, member, shopper=team_leader)
    shop = services.shop_start(planned_shop=planned, user=shopper)
    shop = services.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent), version=shop.version
    )
    shop = services.shop_submit(shop=shop, user=shopper, version=shop.version)
    assert shop.state == ShopState.SUPERVISOR_REVIEW
    supervisor = member(tlk, Role.SUPERVISOR)
    assert services.shop_forward(shop=shop, user=supervisor).state == ShopState.SUBMITTED


def test_tlk_5_3_4_only_the_team_leaders_own_supervisor_passes_the_form_on(tlk, member):
    from programs.models import Membership, Team

    team_leader = member(tlk, Role.TEAM_LEADER)
    Membership.objects.create(user=team_leader, program=tlk, role=Role.SHOPPER)
    own, other = member(tlk, Role.SUPERVISOR), member(tlk, Role.SUPERVISOR)
    Team.objects.create(program=tlk, name="Tim Helpdesk", team_leader=team_leader, supervisor=own)
    planned, shopper, agent = ready_shop(tlk, member, shopper=team_leader)
    shop = services.shop_start(planned_shop=planned, user=shopper)
    shop = services.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent), version=shop.version
    )
    shop = services.shop_submit(shop=shop, user=shopper, version=shop.version)
    with pytest.raises(ValidationError, match="supervisor of the team leader"):
        services.shop_forward(shop=shop, user=other)
    assert services.shop_forward(shop=shop, user=own).state == ShopState.SUBMITTED


def _final(pgd, member, started, fail=()):
    shop, shopper, agent = started
    analyst = member(pgd, Role.QC_ANALYST)
    shop = services.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent, fail=fail), version=shop.version
    )
    shop = services.shop_submit(shop=shop, user=shopper, version=shop.version)
    return services.shop_finalize(shop=shop, user=analyst), analyst


def test_a_correction_is_an_audited_revision(pgd, member, started):
    param = _params(started[0])[4]
    shop, analyst = _final(pgd, member, started, fail=[param.pk])
    before = shop.score
    with pytest.raises(ValidationError):
        services.shop_revise(shop=shop, user=analyst, reason="", answers={})
    revision = services.shop_revise(
        shop=shop,
        user=analyst,
        reason="Rekaman dicek ulang",
        answers={param.pk: AnswerInput("met")},
    )
    shop.refresh_from_db()
    assert shop.score == 100 and before < 100
    assert revision.before["score"] == str(before) and revision.after["score"] == "100.00"


def test_a_later_scorecard_version_never_changes_a_past_score(pgd, member, started):
    shop, analyst = _final(pgd, member, started)
    draft = scorecard_new_version(scorecard=shop.scorecard)
    p = Parameter.objects.filter(section__scorecard=draft).first()
    p.weight = Decimal(90)
    p.save()
    scorecard_publish(scorecard=draft, user=analyst, change_note="heavier")
    services.rescore(shop)
    assert shop.score == 100 and shop.scorecard.version == 1


def test_disputes_by_the_agents_team_leader_within_the_window(pgd, member, started):
    param = _params(started[0])[4]
    shop, analyst = _final(pgd, member, started, fail=[param.pk])
    team_leader = shop.agent.team.team_leader
    stranger = member(pgd, Role.TEAM_LEADER)
    with pytest.raises(PermissionDenied):
        services.dispute_open(shop=shop, parameter=param, user=stranger, reason="x")
    dispute = services.dispute_open(
        shop=shop, parameter=param, user=team_leader, reason="Agent sudah sesuai SOP"
    )
    with pytest.raises(ValidationError):
        services.dispute_open(shop=shop, parameter=param, user=team_leader, reason="again")
    dispute = services.dispute_resolve(
        dispute=dispute,
        user=analyst,
        keep=False,
        comment="Rekaman membuktikan sesuai",
        new_answer=AnswerInput("met"),
    )
    shop.refresh_from_db()
    assert dispute.status == DisputeStatus.CHANGED and shop.score == 100
    other = _params(shop)[5]
    with (
        time_machine.travel(timezone.now() + timedelta(days=6)),
        pytest.raises(ValidationError, match="window"),
    ):
        services.dispute_open(shop=shop, parameter=other, user=team_leader, reason="late")


def test_not_executed_sends_the_shop_back_for_rescheduling(started):
    shop, shopper, _agent = started
    services.shop_not_executed(planned_shop=shop.planned_shop, user=shopper, reason="busy")
    shop.planned_shop.refresh_from_db()
    assert shop.planned_shop.status == ShopStatus.RESCHEDULE


M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom"
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("name", "content", "kind", "refused"),
    [
        ("call.m4a", M4A, "recording", None),
        ("call.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00 mp3", "recording", None),
        ("call.mp3", b"\xff\xfb\x90\x64" + bytes(60), "recording", None),
        ("call.wav", b"RIFF\x24\x08\x00\x00WAVEfmt ", "recording", None),
        ("screen.png", PNG, "screenshot", None),
        ("chat.txt", b"Agen: Selamat pagi, ada yang bisa dibantu?", "transcript", None),
        ("ticket.pdf", b"%PDF-1.7 ...", "transcript", None),
        # The cases: the name says one thing, the bytes another.
        ("fake.png", b"Agen: Selamat pagi, ada yang bisa dibantu?", "recording", "plain text"),
        ("song.mp3", b"<!DOCTYPE html><html><script>alert(1)</script>", "recording", "web page"),
        ("call.m4a", MOV, "recording", "video"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", "other", "unknown type"),
        ("screen.png", PNG, "recording", "cannot be a"),  # an image is no call recording
        ("empty.txt", b"", "transcript", "empty"),
    ],
)
def test_evidence_is_checked_by_content_name_and_kind(started, name, content, kind, refused):
    from django.core.files.uploadedfile import SimpleUploadedFile

    shop, shopper, _agent = started
    upload = SimpleUploadedFile(name, content)
    if refused is None:
        evidence = services.evidence_add(shop=shop, user=shopper, upload=upload, kind=kind)
        assert evidence.content_type == services.sniff(content)
        assert shop.events.filter(action=ReviewAction.EVIDENCE_ADDED, comment=name).exists()
    else:
        with pytest.raises(ValidationError) as caught:
            services.evidence_add(shop=shop, user=shopper, upload=upload, kind=kind)
        message = " ".join(m for ms in caught.value.message_dict.values() for m in ms)
        assert refused in message and (name in message or "cannot be a" in message)
        assert not shop.evidence.exists()
