"""Calibration (PGD-4.8, PGD-5.5.1): agreement statistics, the "calibration
needed" item of a high-impact shop, attendance, minutes, the improvement plan,
blind calibration scoring and the PDF evidence."""

import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone

from followup import pdf, stats
from followup.forms.calibration import WINDOW, CaseForm, DefectsForm
from followup.models import (
    ActionStatus,
    Attendee,
    CalibrationItem,
    CalibrationRating,
    SessionKind,
    SessionStatus,
)
from followup.selectors import calibration
from followup.services import calibration as services
from programs.models import Role
from sampling.models import PlannedShop
from scoring import engine
from scoring import services as scoring
from scoring.services import parameter_specs
from tests.test_followup import _finalize
from tests.test_shop_workflow import _filled, _params

# --- Agreement statistics (pure) -------------------------------------------------------

# Wikipedia's worked example of Fleiss' kappa: 10 subjects, 14 raters, 5 categories.
WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_on_wikipedias_worked_example():
    result = stats.fleiss_kappa(WIKIPEDIA)
    assert (result.subjects, result.raters) == (10, 14)
    assert float(result.observed) == pytest.approx(0.378, abs=5e-4)
    assert float(result.expected) == pytest.approx(0.213, abs=5e-4)
    assert float(result.kappa) == pytest.approx(0.210, abs=5e-4)
    assert stats.kappa_strength(result.kappa) == "fair"


def test_fleiss_kappa_by_hand():
    # Two raters, three subjects: agree on met, agree on not met, split.
    # P_i = 1, 1, 0 -> P̄ = 2/3; p = 1/2, 1/2 -> P̄e = 1/2; κ = (2/3 - 1/2) / (1/2) = 1/3.
    result = stats.fleiss_kappa([[2, 0], [0, 2], [1, 1]])
    assert result.observed == Fraction(2, 3)
    assert result.expected == Fraction(1, 2)
    assert result.kappa == Fraction(1, 3)
    # Three raters, four subjects over met / not met / n.a.:
    # P_i = 1, 1/3, 1/3, 1 -> P̄ = 2/3; p = 7/12, 4/12, 1/12 -> P̄e = 66/144;
    # κ = (96/144 - 66/144) / (78/144) = 30/78 = 5/13.
    result = stats.fleiss_kappa([[3, 0, 0], [2, 1, 0], [2, 0, 1], [0, 3, 0]])
    assert result.observed == Fraction(2, 3)
    assert result.expected == Fraction(66, 144)
    assert result.kappa == Fraction(5, 13)


def test_fleiss_kappa_degenerate_cases_are_labelled():
    assert stats.fleiss_kappa([[3, 0], [0, 3]]).kappa == 1  # full agreement, two categories
    same = stats.fleiss_kappa([[3, 0, 0], [3, 0, 0]])
    assert same.kappa is None and same.reason == stats.NO_VARIATION
    assert same.observed == 1 and same.expected == 1
    one = stats.fleiss_kappa([[1, 0], [0, 1]])
    assert one.kappa is None and one.reason == stats.TOO_FEW_RATERS
    assert stats.fleiss_kappa([]).reason == stats.NO_SUBJECTS
    with pytest.raises(ValueError):
        stats.fleiss_kappa([[2, 0], [1, 0]])


def test_count_table_and_agreement():
    ratings = [["met", "met", "met", "not_met"], ["na", "met", "na", "na"]]
    assert stats.count_table(ratings, ["met", "not_met", "na"]) == [[3, 1, 0], [1, 0, 3]]
    found = stats.agreement(ratings[0], ["met", "not_met", "na"])
    assert (found.modal, found.count, found.raters, found.share) == ("met", 3, 4, Fraction(3, 4))
    tie = stats.agreement(["not_met", "met"], ["met", "not_met", "na"])
    assert tie.modal == "met" and tie.share == Fraction(1, 2)  # ties follow the given order
    assert stats.agreement([]).share is None


def test_score_spread():
    s = stats.spread([Decimal("80"), Decimal("100"), Decimal("90"), None])
    assert (s.n, s.minimum, s.maximum, s.mean, s.range) == (3, 80, 100, 90, 20)
    assert s.stdev == Decimal(10)  # sample standard deviation (n - 1)
    single = stats.spread([Decimal("95.50")])
    assert single.stdev is None and single.mean == Decimal("95.50")
    assert stats.spread([None]).n == 0


# --- The world: a finalized Pegadaian shop with defects, an analyst, a team leader ------


def make_world(pgd, member) -> SimpleNamespace:
    """A finalized Pegadaian shop with two defects, and a monthly session of
    today to which the analyst invited the agent's team leader."""
    shop, analyst, agent = _finalize(pgd, member, fail=[3, 5])
    analyst.full_name = "Andi Analyst"
    analyst.save()
    leader = agent.team.team_leader
    session = services.session_create(
        program=pgd,
        user=analyst,
        held_on=timezone.localdate(),
        title="Kalibrasi bulanan",
        kind=SessionKind.MONTHLY,
        invitees=[analyst, leader],
    )
    return SimpleNamespace(
        program=pgd, shop=shop, analyst=analyst, leader=leader, agent=agent, session=session
    )


@pytest.fixture
def world(pgd, member):
    return make_world(pgd, member)


def roles(*values):
    return frozenset(values)


def answers_for(shop, not_met=()):
    return {p.pk: ("not_met" if i in not_met else "met") for i, p in enumerate(_params(shop))}


# --- "Calibration needed" -------------------------------------------------------------------


@pytest.mark.django_db
def test_pgd_4_8_flagging_a_shop_high_impact_makes_one_calibration_item(world):
    shop = world.shop
    shop.high_impact = True
    shop.save()
    shop.save()
    shop.save(update_fields=["high_impact"])
    services.calibration_needed_for(shop)
    items = CalibrationItem.objects.filter(shop=shop)
    assert items.count() == 1
    assert items.get().program == world.program
    assert [i.shop for i in calibration.open_items(world.program)] == [shop]


@pytest.mark.django_db
def test_an_ordinary_save_makes_no_item(world):
    world.shop.save()
    world.shop.high_impact = True
    world.shop.save(update_fields=["notes"])  # the flag was not what was saved
    assert not CalibrationItem.objects.exists()


@pytest.mark.django_db
def test_the_review_toggle_makes_the_item(world):
    scoring.shop_set_high_impact(shop=world.shop, high_impact=True)
    assert CalibrationItem.objects.filter(shop=world.shop).count() == 1


@pytest.mark.django_db
def test_an_unflagged_shop_no_longer_waits_and_a_held_session_resolves_the_item(world):
    shop = world.shop
    shop.high_impact = True
    shop.save()
    shop.high_impact = False
    shop.save()
    assert calibration.open_items(world.program) == []
    shop.high_impact = True
    shop.save()
    session = services.session_create(
        program=world.program,
        user=world.analyst,
        held_on=timezone.localdate(),
        title="Kasus berdampak tinggi",
        kind=SessionKind.HIGH_IMPACT,
        invitees=[world.analyst],
        related_shop=shop,
    )
    assert [i.shop.planned_sessions for i in calibration.open_items(world.program)] == [[session]]
    services.attendance_confirm(session=session, user=world.analyst)
    services.minutes_save(
        session=session, user=world.analyst, agenda="", discussion="Dibahas", decisions="Ok"
    )
    services.session_mark_held(session=session, user=world.analyst)
    assert CalibrationItem.objects.get(shop=shop).resolved_by_session == session
    assert calibration.open_items(world.program) == []


@pytest.mark.django_db
def test_a_high_impact_session_names_its_shop(world):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            program=world.program,
            user=world.analyst,
            held_on=timezone.localdate(),
            title="x",
            kind=SessionKind.HIGH_IMPACT,
            invitees=[world.analyst],
        )
    assert "customer_cases" in exc.value.message_dict


# --- Sessions, attendance, minutes ----------------------------------------------------------


@pytest.mark.django_db
def test_invitees_must_be_participants_of_the_program(world, member, other_program):
    shopper = member(world.program, Role.SHOPPER)
    stranger = member(other_program, Role.QC_ANALYST)
    for people in ([], [shopper], [stranger]):
        with pytest.raises(ValidationError) as exc:
            services.session_create(
                program=world.program,
                user=world.analyst,
                held_on=timezone.localdate(),
                title="x",
                kind=SessionKind.MONTHLY,
                invitees=people,
            )
        assert "invitees" in exc.value.message_dict


@pytest.mark.django_db
def test_attendance_is_confirmed_only_by_the_attendee_themselves(world, member):
    session = world.session
    line = services.attendance_confirm(session=session, user=world.leader)
    assert line.user == world.leader and line.present is True and line.confirmed_at
    first = line.confirmed_at
    assert services.attendance_confirm(session=session, user=world.leader).confirmed_at == first
    others = Attendee.objects.get(session=session, user=world.analyst)
    assert others.confirmed_at is None  # confirming one line never touches another
    with pytest.raises(PermissionDenied):
        services.attendance_confirm(session=session, user=member(world.program, Role.TEAM_LEADER))
    # The analyst records someone's absence, but never overrides a confirmation.
    with pytest.raises(ValidationError):
        services.attendance_record(attendee=line, user=world.analyst, present=False)
    services.attendance_record(attendee=others, user=world.analyst, present=False)
    others.refresh_from_db()
    assert others.present is False and others.recorded_by == world.analyst
    with pytest.raises(ValidationError):  # recorded absent: the analyst corrects it
        services.attendance_confirm(session=session, user=world.analyst)


@pytest.mark.django_db
def test_attendance_cannot_be_confirmed_before_the_day(world):
    session = world.session
    session.held_on = timezone.localdate() + timedelta(days=3)
    session.save()
    with pytest.raises(ValidationError):
        services.attendance_confirm(session=session, user=world.leader)


@pytest.mark.django_db
def test_a_session_is_held_only_with_attendance_and_minutes(world):
    session = world.session
    with pytest.raises(ValidationError) as exc:
        services.session_mark_held(session=session, user=world.analyst)
    assert len(exc.value.messages) == 2  # nobody present, no minutes
    services.attendance_confirm(session=session, user=world.leader)
    services.minutes_save(
        session=session,
        user=world.analyst,
        agenda="Review cacat bulan ini",
        discussion="Verifikasi data sering terlewat",
        decisions="Briefing ulang SOP verifikasi",
    )
    session = services.session_mark_held(session=session, user=world.analyst)
    assert session.status == SessionStatus.HELD and session.held_marked_at
    changes = [h.history_type for h in session.history.all()]
    assert changes.count("~") == 2 and changes[-1] == "+"  # minutes, held; audited


@pytest.mark.django_db
def test_defects_root_causes_and_the_improvement_plan(world, member, other_program):
    session = world.session
    defects = list(world.shop.defects.all())
    reviewed = services.defects_review(session=session, user=world.analyst, defects=defects)
    assert len(reviewed) == 2
    assert services.defects_review(session=session, user=world.analyst, defects=defects) == []
    cause = services.root_cause_add(
        session=session,
        user=world.analyst,
        category="knowledge",
        description="Agen belum paham tarif baru",
        defects=reviewed[:1],
    )
    action = services.action_add(
        session=session,
        user=world.analyst,
        description="Refreshment tarif",
        owner=world.leader,
        due_on=timezone.localdate(),
        root_cause=cause,
    )
    page = calibration.session_page(world.program, session, world.analyst)
    groups = {g.cause: g for g in page.groups}
    assert [r.pk for r in groups[cause].defects] == [reviewed[0].pk]
    assert [r.pk for r in groups[None].defects] == [reviewed[1].pk]
    assert groups[cause].actions == [action]
    with pytest.raises(PermissionDenied):  # another team leader cannot close it
        services.action_done(
            action=action,
            user=member(world.program, Role.TEAM_LEADER),
            roles=roles(Role.TEAM_LEADER),
        )
    done = services.action_done(action=action, user=world.leader, roles=roles(Role.TEAM_LEADER))
    assert done.status == ActionStatus.DONE and done.done_on == timezone.localdate()
    with pytest.raises(ValidationError):
        services.action_add(
            session=session,
            user=world.analyst,
            description="x",
            owner=member(world.program, Role.SHOPPER),
            due_on=timezone.localdate(),
        )
    assert done.history.count() == 2


# --- Blind calibration scoring --------------------------------------------------------------


def _rater(world, member, name):
    person = member(world.program, Role.TEAM_LEADER, full_name=name)
    services.attendee_add(session=world.session, user=world.analyst, person=person, invited=True)
    return person


@pytest.mark.django_db
def test_ratings_are_scored_by_the_engine_and_compared(world, member):
    session, shop = world.session, world.shop
    case = services.case_add(session=session, user=world.analyst, shop=shop)
    budi, citra = _rater(world, member, "Budi TL"), _rater(world, member, "Citra TL")
    tl = roles(Role.TEAM_LEADER)
    services.rating_submit(case=case, user=budi, roles=tl, answers=answers_for(shop))
    services.rating_submit(case=case, user=citra, roles=tl, answers=answers_for(shop, [3]))
    analyst = services.rating_submit(
        case=case, user=world.analyst, roles=roles(Role.QC_ANALYST), answers=answers_for(shop, [3])
    )
    specs = parameter_specs(shop.scorecard)
    expected = engine.compute(
        specs, {int(k): v for k, v in analyst.answers.items()}, shop.scoring_mode
    ).total_rounded
    assert analyst.score == expected == Decimal("95.00")  # parameter 4 weighs 5 of 100

    result = calibration.session_page(world.program, session, world.analyst).cases[0]
    assert result.visible and len(result.ratings) == 3
    assert (result.spread.minimum, result.spread.maximum) == (Decimal(95), Decimal(100))
    assert float(result.spread.mean) == pytest.approx(96.667, abs=1e-3)
    assert float(result.spread.stdev) == pytest.approx(2.887, abs=1e-3)
    split = result.low_agreement
    assert [p.number for p in split] == ["1.4"]
    assert split[0].agreement.share == Fraction(2, 3) and split[0].modal_label == "Not met"
    assert split[0].shop_answer == "Not met"  # the finalized form failed it too
    # 12 parameters, 3 raters: 11 unanimous "met", one split 2 not met / 1 met.
    table = [[3, 0, 0]] * 11 + [[1, 2, 0]]
    assert result.kappa.kappa == stats.fleiss_kappa(table).kappa


@pytest.mark.django_db
def test_raters_score_blind(world, member):
    session, shop = world.session, world.shop
    case = services.case_add(session=session, user=world.analyst, shop=shop)
    services.rating_submit(
        case=case, user=world.leader, roles=roles(Role.TEAM_LEADER), answers=answers_for(shop)
    )
    before = calibration.session_page(world.program, session, world.analyst).cases[0]
    assert before.can_rate and not before.visible
    after = calibration.session_page(world.program, session, world.leader).cases[0]
    assert after.visible and not after.can_rate and after.mine.rater == world.leader
    viewer = member(world.program, Role.VIEWER)
    world.program.user_roles = roles(Role.VIEWER)
    assert calibration.session_page(world.program, session, viewer).cases[0].visible
    one = after.kappa
    assert one.kappa is None and one.reason == stats.TOO_FEW_RATERS


@pytest.mark.django_db
def test_a_rating_is_complete_once_and_only_by_a_participant(world, member):
    session, shop = world.session, world.shop
    case = services.case_add(session=session, user=world.analyst, shop=shop)
    tl = roles(Role.TEAM_LEADER)
    partial = dict(list(answers_for(shop).items())[:5])
    with pytest.raises(ValidationError) as exc:
        services.rating_submit(case=case, user=world.leader, roles=tl, answers=partial)
    assert len(exc.value.message_dict) == 7
    bad = {**answers_for(shop), _params(shop)[0].pk: "7"}
    with pytest.raises(ValidationError):
        services.rating_submit(case=case, user=world.leader, roles=tl, answers=bad)
    assert not CalibrationRating.objects.exists()
    with pytest.raises(PermissionDenied):  # not on the attendance list
        services.rating_submit(
            case=case, user=member(world.program, Role.TEAM_LEADER), roles=tl, answers=partial
        )
    services.rating_submit(case=case, user=world.leader, roles=tl, answers=answers_for(shop))
    with pytest.raises(ValidationError):
        services.rating_submit(case=case, user=world.leader, roles=tl, answers=answers_for(shop))
    with pytest.raises(ValidationError):
        services.case_add(session=session, user=world.analyst, shop=shop)  # twice


@pytest.mark.django_db
def test_only_finalized_shops_of_the_program_are_scored(world):
    planned = PlannedShop.objects.filter(plan__program=world.program).order_by("number")[1]
    planned.shopper = world.shop.shopper
    planned.save()
    draft = scoring.shop_start(planned_shop=planned, user=world.shop.shopper)
    with pytest.raises(ValidationError):
        services.case_add(session=world.session, user=world.analyst, shop=draft)


def finalized_shop(world, number: int):
    """Another finalized shop of the same plan, with everything met."""
    planned = PlannedShop.objects.filter(plan__program=world.program).order_by("number")[number]
    shopper = world.shop.shopper
    planned.shopper = shopper
    planned.save()
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    shop = scoring.shop_save(
        shop=shop, user=shopper, data=_filled(shop, world.agent), version=shop.version
    )
    shop = scoring.shop_submit(shop=shop, user=shopper, version=shop.version)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return scoring.shop_finalize(shop=shop, user=world.analyst)


# --- The PDF ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pdf_carries_the_attendance_list_and_minutes(world, tmp_path):
    session = world.session
    services.attendance_confirm(session=session, user=world.leader)
    session = services.minutes_save(
        session=session,
        user=world.analyst,
        agenda="Review cacat",
        discussion="Verifikasi data sering terlewat",
        decisions="Briefing ulang SOP verifikasi",
    )
    services.action_add(
        session=session,
        user=world.analyst,
        description="Refreshment SOP verifikasi",
        owner=world.leader,
        due_on=timezone.localdate(),
    )
    world.program.user_roles = roles(Role.QC_ANALYST)
    page = calibration.session_page(world.program, session, world.analyst)
    content = pdf.session_pdf(world.program, page)
    assert content.startswith(b"%PDF")
    path = tmp_path / "session.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert 1 <= len(pngs) <= 2 and pngs[0].stat().st_size > 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "IK-CC-PGD-MS" in text and "Rev. 00" in text
    assert session.held_on.strftime("%Y-%m-%d") in text
    assert world.leader.full_name in text and "Andi Analyst" in text
    assert "Briefing ulang SOP verifikasi" in text and "Refreshment SOP verifikasi" in text
    assert "Signature" in text and "Time" in text  # #22: the attendance list is signed
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        assert "A4" in info or "595.28 x 841.89" in info


@pytest.mark.django_db
def test_retention_keeps_a_shop_while_its_calibration_is_kept(world):
    session, shop = world.session, world.shop
    assert shop.pk not in calibration.shops_in_calibration([shop])
    services.defects_review(session=session, user=world.analyst, defects=shop.defects.all())
    assert shop.pk in calibration.shops_in_calibration([shop])
    later = session.held_on + timedelta(days=1)
    assert list(calibration.sessions_dated_before(world.program, later)) == [session]
    assert not calibration.sessions_dated_before(world.program, session.held_on).exists()
    session.delete()  # the whole record goes at once
    assert shop.pk not in calibration.shops_in_calibration([shop])
    assert not Attendee.objects.exists()


@pytest.mark.django_db
def test_the_page_offers_defects_and_shops_within_three_months_of_the_session(world):
    """Bounded on both sides: an old session's page does not list years of later
    defects (the page grew with history)."""
    day = world.shop.planned_shop.date
    session = world.session
    one = timedelta(days=1)
    for held_on, offered in [
        (day, True),
        (day - WINDOW, True),
        (day - WINDOW - one, False),
        (day + WINDOW, True),
        (day + WINDOW + one, False),
    ]:
        session.held_on = held_on
        defects = DefectsForm(session=session).fields["defects"].queryset
        shops = CaseForm(session=session).fields["shop"].queryset
        assert defects.exists() is offered, held_on
        assert shops.filter(pk=world.shop.pk).exists() is offered, held_on


@pytest.mark.django_db
def test_a_rater_is_asked_only_what_applies_to_the_shop(tlk, member):
    """#23: Telkom's escalation parameter counts only for an escalated complaint;
    a rater of a shop about something else is not asked for it."""
    from programs.models import Parameter
    from scoring import engine
    from scoring.services import shop_context
    from tests.scoring_data import ready_shop

    planned, shopper, _agent = ready_shop(tlk, member)
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    escalation = Parameter.objects.get(
        section__scorecard=shop.scorecard, text__startswith="Melakukan eskalasi"
    )
    others = {
        p.pk: "met"
        for p in Parameter.objects.filter(section__scorecard=shop.scorecard).exclude(
            pk=escalation.pk
        )
    }
    applies = escalation.pk in engine.possible(parameter_specs(shop.scorecard), shop_context(shop))
    errors = services.rating_errors(shop, others)
    assert (f"answer-{escalation.pk}" in errors) is applies
    assert len(errors) == int(applies)  # every other parameter was answered
