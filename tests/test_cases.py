"""High-impact customer cases (PGD-4.8, PGD-5.5.1) and the supervisor's
pass-on step of nonconformity notes (TLK-5.6.2): the services and the sweeps,
as of times in Asia/Jakarta, each reminder exactly once."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from followup.models import CaseSource, CaseStatus, CustomerCase, Defect, DefectStatus
from followup.selectors.defects import defects_for, defects_to_pass_on
from followup.services import calibration as calibration_services
from followup.services import cases as services
from followup.services import defects as defect_services
from followup.services import reminders
from followup.tasks import sweep_followup_reminders
from notifications.models import Kind, Notification
from programs.models import Agent, Parameter, Role, Team
from programs.workdays import add_working_days
from scoring import services as scoring
from scoring.models import Answer, Shop, ShopState
from tests.scoring_data import ready_shop

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
ALL = frozenset({Role.MANAGER, Role.QC_ANALYST})


def at(day: str, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=WIB)


def finalized(program, member, *, fail: int = 2, supervisor=None, team_leader=None):
    """A finalized shop with `fail` not-met answers (the first parameters), made
    without the form's submit rules, and its defects routed."""
    planned, shopper, agent = ready_shop(program, member, team_leader=team_leader)
    if supervisor is not None:
        Team.objects.filter(pk=agent.team_id).update(supervisor=supervisor)
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    params = list(
        Parameter.objects.filter(section__scorecard=shop.scorecard).order_by(
            "section__order", "order"
        )
    )
    Answer.objects.bulk_create(
        Answer(
            shop=shop,
            parameter=p,
            value="not_met" if i < fail else "met",
            nonconformity="Salah info tarif" if i < fail else "",
            correct_solution="Tarif 1,2 % per 15 hari" if i < fail else "",
        )
        for i, p in enumerate(params)
    )
    Shop.objects.filter(pk=shop.pk).update(
        agent=agent, state=ShopState.FINALIZED, finalized_at=timezone.now(), score=Decimal("90")
    )
    shop.refresh_from_db()
    defect_services.shop_follow_up(shop=shop)
    return shop, agent


@pytest.fixture
def people(pgd, member):
    return {
        "analyst": member(pgd, Role.QC_ANALYST, full_name="Andi Analyst"),
        "analyst_id": member(pgd, Role.QC_ANALYST, full_name="Ayu Analis", language="id"),
        "manager": member(pgd, Role.MANAGER, full_name="Maya Manager"),
        "viewer": member(pgd, Role.VIEWER),
    }


@pytest.fixture
def agent(pgd):
    team = Team.objects.create(program=pgd, code="t9", name="Tim Gadai")
    return Agent.objects.create(program=pgd, employee_id="A9", name="Budi", team=team)


def log(pgd, user, agent, *, now="2026-12-21", roles=ALL, **fields):
    return services.case_log(
        program=pgd,
        user=user,
        roles=roles,
        occurred_at=fields.pop("occurred_at", at("2026-12-20", 19)),
        source=fields.pop("source", CaseSource.SOCIAL_MEDIA),
        description=fields.pop("description", "Video viral: agen salah info tarif gadai."),
        agent=agent,
        now=at(now, 10),
        **fields,
    )


# --- Logging a case -----------------------------------------------------------------


def test_pgd_4_8_a_case_makes_a_calibration_due_in_working_days_around_a_holiday(
    pgd, people, agent
):
    """Logged on Monday 21 December 2026: five working days skip the weekend and
    Christmas (Friday 25th), so the calibration is due on Tuesday 29th."""
    assert pgd.case_calibration_days == 5
    case = log(pgd, people["analyst"], agent)
    assert case.calibration_due_on == date(2026, 12, 29)
    assert case.team == agent.team  # the agent's team is recorded with them
    assert case.status == CaseStatus.OPEN and case.logged_by == people["analyst"]
    assert case.get_source_display() == "Social media / viral post"
    assert case.history.count() == 1  # audited


def test_the_reminder_day_is_the_working_day_before_the_due_day(pgd):
    # Due Monday 28th: the working day before is Thursday 24th (Christmas, weekend).
    assert services.working_day_before(pgd, date(2026, 12, 28)) == date(2026, 12, 24)
    assert services.working_day_before(pgd, date(2026, 12, 29)) == date(2026, 12, 28)


@pytest.mark.parametrize(
    "role", [Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.TEAM_LEADER]
)
def test_the_roles_that_hear_of_a_case_log_it(pgd, member, agent, role):
    user = member(pgd, role)
    assert log(pgd, user, agent, roles=frozenset({role})).pk


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SHOPPER])
def test_viewers_and_shoppers_do_not_log_cases(pgd, member, agent, role):
    with pytest.raises(PermissionDenied):
        log(pgd, member(pgd, role), agent, roles=frozenset({role}))


def test_bad_input_is_refused_field_by_field(pgd, people, agent, tlk):
    other_team = Team.objects.create(program=tlk, code="x", name="Tim lain")
    with pytest.raises(ValidationError) as exc:
        services.case_log(
            program=pgd,
            user=people["analyst"],
            roles=ALL,
            occurred_at=at("2026-12-22", 8),  # after "now"
            source=CaseSource.MEDIA,
            description="  ",
            team=other_team,
            now=at("2026-12-21", 10),
        )
    errors = exc.value.message_dict
    assert errors["occurred_at"] == ["The case cannot have happened in the future."]
    assert errors["description"] == ["Describe what happened."]
    assert errors["team"] == ["Choose a team of this program."]
    with pytest.raises(ValidationError) as exc:
        services.case_log(
            program=pgd,
            user=people["analyst"],
            roles=ALL,
            occurred_at=at("2026-12-20"),
            source=CaseSource.OTHER,
            description="Surat pembaca",
            now=at("2026-12-21"),
        )
    assert exc.value.message_dict == {"agent": ["Choose the agent or the team the case is about."]}
    assert not CustomerCase.objects.exists()


# --- Reminder, escalation, closing -------------------------------------------------------


def test_reminder_to_the_analysts_then_escalation_to_the_managers_exactly_once(pgd, people, agent):
    case = log(pgd, people["analyst"], agent)  # due Tuesday 29th

    def sweep(day, hour=8):
        return reminders.run_sweeps(now=at(day, hour), only=["cases"])["cases"]

    assert sweep("2026-12-24") == 0  # Thursday: not yet
    assert sweep("2026-12-27") == 0  # Sunday: still not the working day before
    assert sweep("2026-12-28") == 2  # Monday: both analysts
    assert sweep("2026-12-28", 15) == 0  # a later sweep the same day
    assert sweep("2026-12-29") == 0  # the due day itself: already reminded
    due = Notification.objects.filter(kind=Kind.CASE_CALIBRATION_DUE)
    assert {n.user for n in due} == {people["analyst"], people["analyst_id"]}
    english = due.get(user=people["analyst"])
    assert english.title == "Calibration of a customer case due 2026-12-29"
    assert "Social media / viral post about Budi · Tim Gadai" in english.body
    assert english.url.endswith(f"/followup/cases/{case.pk}/")

    assert sweep("2026-12-30") == 1  # overdue: the manager
    assert sweep("2026-12-31") == 0
    escalated = Notification.objects.get(kind=Kind.CASE_CALIBRATION_OVERDUE)
    assert escalated.user == people["manager"]
    assert Notification.objects.count() == 3


def test_holding_the_session_that_evaluates_the_case_closes_it(pgd, people, agent):
    case = log(pgd, people["analyst"], agent)
    other = log(pgd, people["analyst"], agent, source=CaseSource.REGULATOR)
    analyst = people["analyst"]
    session = calibration_services.session_create(
        program=pgd,
        user=analyst,
        held_on=timezone.localdate(),
        title="Kasus viral",
        kind="high_impact",
        invitees=[analyst],
        customer_cases=[case],
    )
    assert list(session.customer_cases.all()) == [case]
    calibration_services.minutes_save(
        session=session,
        user=analyst,
        agenda="Kasus viral",
        discussion="Agen memberi tarif lama.",
        decisions="Refresh tarif ke semua agen.",
    )
    calibration_services.attendance_confirm(session=session, user=analyst)
    calibration_services.session_mark_held(session=session, user=analyst)
    case.refresh_from_db()
    other.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_by_session == session
    assert case.closed_at is not None
    assert case.history.count() == 2  # logged, then closed
    assert other.status == CaseStatus.OPEN
    # A closed case is reminded of no more.
    made = reminders.run_sweeps(now=at("2027-01-05"), only=["cases"])["cases"]
    assert made == 1  # only the other case's escalation
    assert not Notification.objects.filter(key__contains=f":{case.pk}:").exists()


def test_a_session_takes_only_open_cases_of_its_program(pgd, people, agent):
    case = log(pgd, people["analyst"], agent)
    CustomerCase.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, closed_at=timezone.now()
    )
    case.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        calibration_services.session_create(
            program=pgd,
            user=people["analyst"],
            held_on=timezone.localdate(),
            title="x",
            kind="high_impact",
            invitees=[people["analyst"]],
            customer_cases=[case],
        )
    assert "customer_cases" in exc.value.message_dict


def test_the_beat_task_runs_the_sweeps(pgd, people, agent):
    log(pgd, people["analyst"], agent, now="2026-11-02", occurred_at=at("2026-11-01"))
    assert sweep_followup_reminders.delay().get() == {"cases": 1, "pass_on": 0}


# --- TLK-5.6.2: nonconformity notes through the supervisor ---------------------------------


@pytest.fixture
def via_supervisor(pgd, member):
    pgd.defect_notes_via_supervisor = True
    pgd.save()
    supervisor = member(pgd, Role.SUPERVISOR, full_name="Sinta Supervisor")
    leader = member(pgd, Role.TEAM_LEADER, full_name="Tari TL")
    shop, agent = finalized(pgd, member, supervisor=supervisor, team_leader=leader)
    return shop, agent, supervisor, leader


def _program_for(program, user, *roles):
    program.user_roles = frozenset(roles)
    return program


def test_tlk_5_6_2_the_notes_go_to_the_supervisor_first(pgd, via_supervisor):
    shop, _agent, supervisor, leader = via_supervisor
    defects = list(Defect.objects.filter(shop=shop))
    assert len(defects) == 2
    finalized_on = timezone.localdate(shop.finalized_at, pgd.zone)
    for d in defects:
        assert d.status == DefectStatus.WITH_SUPERVISOR
        assert d.supervisor == supervisor and d.team_leader == leader
        assert d.sent_to_supervisor_at is not None and d.passed_on_at is None
        assert d.supervisor_due_on == add_working_days(pgd, finalized_on, pgd.defect_ack_days)
    # The team leader does not see them yet; the supervisor does, in their inbox.
    assert not defects_for(_program_for(pgd, leader, Role.TEAM_LEADER), leader).exists()
    waiting = defects_to_pass_on(_program_for(pgd, supervisor, Role.SUPERVISOR), supervisor)
    assert set(waiting) == set(defects)
    with pytest.raises(ValidationError):
        defect_services.defect_acknowledge(defect=defects[0], user=leader, comment="Sudah")


def test_the_supervisor_passes_them_on_and_the_leaders_deadline_runs_from_then(
    pgd, member, via_supervisor
):
    shop, _agent, supervisor, leader = via_supervisor
    defect = Defect.objects.filter(shop=shop).first()
    with pytest.raises(PermissionDenied):
        defect_services.defect_pass_on(defect=defect, user=member(pgd, Role.SUPERVISOR))
    passed_at = at("2026-12-23", 14)  # Wednesday; Christmas is on Friday
    defect = defect_services.defect_pass_on(
        defect=defect, user=supervisor, note="Tolong bahas saat briefing pagi.", now=passed_at
    )
    assert defect.status == DefectStatus.OPEN
    assert defect.passed_on_at == passed_at and defect.passed_on_by == supervisor
    assert defect.supervisor_note == "Tolong bahas saat briefing pagi."
    assert defect.due_on == date(2026, 12, 29)  # 3 working days: Thu 24, Mon 28, Tue 29
    assert defect.history.count() == 2  # routed, passed on
    assert (
        defects_for(_program_for(pgd, leader, Role.TEAM_LEADER), leader)
        .filter(pk=defect.pk)
        .exists()
    )
    with pytest.raises(ValidationError):  # once only
        defect_services.defect_pass_on(defect=defect, user=supervisor)
    defect = defect_services.defect_acknowledge(defect=defect, user=leader, comment="Dibahas")
    assert defect.status == DefectStatus.ACKNOWLEDGED


def test_the_supervisor_is_reminded_once_of_notes_not_passed_on(pgd, via_supervisor):
    shop, _agent, supervisor, _leader = via_supervisor
    due = Defect.objects.filter(shop=shop).first().supervisor_due_on
    on_time = datetime.combine(due, datetime.min.time(), WIB).replace(hour=16)
    assert reminders.run_sweeps(now=on_time, only=["pass_on"])["pass_on"] == 0
    late = datetime.combine(add_working_days(pgd, due, 1), datetime.min.time(), WIB)
    assert reminders.run_sweeps(now=late.replace(hour=8), only=["pass_on"])["pass_on"] == 2
    assert reminders.run_sweeps(now=late.replace(hour=9), only=["pass_on"])["pass_on"] == 0
    notes = Notification.objects.filter(kind=Kind.DEFECT_TO_PASS_ON)
    assert {n.user for n in notes} == {supervisor}
    assert notes.first().title.startswith("Nonconformity notes to pass on:")


def test_with_the_option_off_defects_go_straight_to_the_team_leader(pgd, member):
    assert not pgd.defect_notes_via_supervisor
    supervisor = member(pgd, Role.SUPERVISOR)
    shop, agent = finalized(pgd, member, supervisor=supervisor)
    for d in Defect.objects.filter(shop=shop):
        assert d.status == DefectStatus.OPEN and d.team_leader == agent.team.team_leader
        assert d.supervisor is None and d.sent_to_supervisor_at is None
    assert reminders.run_sweeps(now=at("2027-02-01"), only=["pass_on"])["pass_on"] == 0


def test_a_team_without_a_supervisor_gets_the_notes_directly(pgd, member):
    pgd.defect_notes_via_supervisor = True
    pgd.save()
    shop, _agent = finalized(pgd, member)
    assert set(Defect.objects.filter(shop=shop).values_list("status", flat=True)) == {"open"}


def test_the_dashboards_count_notes_waiting_with_the_supervisor(pgd, via_supervisor):
    """Defects still with the supervisor are open, and overdue past the pass-on day."""
    from reporting.selectors.dashboards import UNSETTLED_DEFECTS, overdue_defects

    shop, _agent, _supervisor, _leader = via_supervisor
    waiting = Defect.objects.filter(shop=shop)
    assert waiting.filter(status__in=UNSETTLED_DEFECTS).count() == 2
    due = waiting.first().supervisor_due_on
    assert not waiting.filter(overdue_defects(due)).exists()
    assert waiting.filter(overdue_defects(due + timedelta(days=1))).count() == 2
