"""Role dashboards (PGD-4.6, 4.7, 5.1.2, 5.3.1; TLK-2.2, 5.4.1): the panels'
selectors against hand computations, the page per role, bad input, and a
constant number of queries with three years of history."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from programs.models import Membership, Role
from reporting.models import MonthlyReport, ReportStatus
from reporting.selectors import dashboards
from sampling.models import ContactImport, ImportStatus, PlanStatus
from scoring.models import Shop, ShopState
from tests.dashboard_data import DONE, OPEN, History
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
NOV, DEC, JAN = date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)
# 10 December 2026, 10:00 in Jakarta: "today" of the role panels below.
TODAY = datetime(2026, 12, 10, 10, 0, tzinfo=JAKARTA)


@pytest.fixture
def world(pgd, member):
    """Pegadaian with November (60, 80) and December (100, 90, 80, 70 of 6 planned)."""
    h = History(pgd, member)
    h.month(NOV, [60, 80])
    h.month(
        DEC,
        [100, 90, 80, 70],
        planned=6,
        critical={3: "CACE"},
        defects=[(0, 0, DEC), (1, 0, DEC), (2, 1, date(2026, 12, 20))],
        follow_ups=[(0, OPEN, date(2026, 12, 5)), (1, DONE, DEC), (2, OPEN, date(2026, 12, 30))],
        calibrations=1,
        other_team={1},
    )
    return h


# --- manager / viewer: the month's health ------------------------------------------


def test_pgd_5_1_2_health_of_the_month_by_hand(world):
    pgd = world.program
    health = dashboards.health(pgd, DEC)
    f = health.figures
    assert f.overall.mean == Decimal("85.00") and f.overall.n == 4
    assert f.target_met is False  # 85 < 95
    assert health.below_target == 3  # 90, 80, 70 (100 is not)
    assert (health.planned, health.done) == (6, 4)
    assert health.done_percent == pytest.approx(66.666, abs=0.01)
    assert health.critical == [("CACE", 25.0), ("BACE", 0.0), ("CoACE", 0.0)]
    assert (health.follow_up_open, health.follow_up_done) == (2, 1)
    assert f.calibrations_held == 1
    # Month over month: 85 against November's 70.
    assert f.change.previous == Decimal("70.00") and f.change.difference == Decimal("15.00")
    # Drill-down: teams, channels link to the shop list's filters; bands have none.
    teams = {r.label: r for r in health.teams}
    assert teams["Tim 1"].score.mean == Decimal("83.33")  # 100, 80, 70
    assert teams["Tim 1"].query == f"team={world.team.pk}"
    assert teams["Tim 2"].score.mean == Decimal("90.00")
    assert health.channels[0].query == f"channel={world.channel.pk}"
    assert [r.query for r in health.bands] == [""]
    # Pareto: the first parameter twice, the second once.
    assert health.pareto_total == 3
    assert [
        (p.defects, round(share, 2), round(cum, 2)) for p, share, cum in health.pareto_rows
    ] == [
        (2, 66.67, 66.67),
        (1, 33.33, 100.0),
    ]
    assert health.uncovered == []
    assert (health.previous_month, health.next_month) == (NOV, JAN)


def test_health_charts_carry_the_same_numbers_as_the_tables(world):
    health = dashboards.health(world.program, DEC)
    trend = health.charts["chart-trend"]
    assert trend["kind"] == "trend" and len(trend["labels"]) == 12
    assert trend["labels"][-2:] == ["2026-11", "2026-12"]
    assert trend["mean"][-2:] == [70.0, 85.0]
    assert trend["n"][-2:] == [2, 4]
    assert trend["target"] == 95.0
    assert trend["mean"][0] is None  # a month without shops is a gap, not a zero
    sections = health.charts["chart-sections"]
    assert sections["mean"] == [float(r.score.mean) for r in health.sections]
    pareto = health.charts["chart-pareto"]
    assert pareto["defects"] == [2, 1] and pareto["cumulative"] == [66.7, 100.0]


def test_a_planned_stratum_without_shops_is_flagged(pgd, member):
    h = History(pgd, member)
    h.month(DEC, [], planned=3)
    health = dashboards.health(pgd, DEC)
    assert (health.planned, health.done) == (3, 0)
    assert [s.planned for s in health.uncovered] == [3]
    assert health.figures.overall.mean is None


def test_names_used_twice_get_no_link():
    assert dashboards._ids_by_name([(1, "A"), (2, "B"), (3, "A"), (4, "A")]) == {"B": 2}


# --- QC analyst: the work queue -------------------------------------------------------


def test_pgd_4_7_report_due_at_the_end_of_the_5th_in_the_program_zone(pgd):
    due = dashboards.report_due_at(pgd, NOV)
    assert due == datetime(2026, 12, 6, 0, 0, tzinfo=JAKARTA)
    assert due.astimezone(UTC) == datetime(2026, 12, 5, 17, 0, tzinfo=UTC)


def _queue(world, when):
    pgd = world.program
    with time_machine.travel(when, tick=False):
        return dashboards.analyst_queue(pgd, world.analyst, dashboards.today_in(pgd))


@pytest.fixture
def analyst(world, member):
    world.analyst = member(world.program, Role.QC_ANALYST)
    world.program.user_roles = frozenset({Role.QC_ANALYST})
    return world


def test_analyst_queue_by_hand(analyst):
    world, pgd = analyst, analyst.program
    queue = _queue(world, TODAY)
    assert queue.last_month == NOV and not queue.data_imported and queue.contact_import is None
    # December's plan exists (6 shops, all assigned), January's does not.
    assert [(p.month, p.plan is not None, p.shops, p.unassigned) for p in queue.plans] == [
        (DEC, True, 6, 0),
        (JAN, False, 0, 0),
    ]
    assert queue.review_count == 0
    assert queue.report is None and not queue.report_submitted
    assert queue.report_due_day == date(2026, 12, 5) and queue.report_overdue is True
    assert (queue.calibrations_held, queue.calibrations_planned) == (1, 0)
    # Defects due on Dec 1 (two) are overdue on Dec 10; the one due Dec 20 is open.
    assert (queue.defects_open, queue.defects_overdue) == (3, 2)
    # Follow-ups: due Dec 5 (open, overdue), Dec 30 (open), one done.
    assert (queue.follow_ups_open, queue.follow_ups_overdue) == (2, 1)

    # A failed upload then a good one of November: imported.
    ContactImport.objects.create(
        program=pgd, month=NOV, original_name="a.csv", status=ImportStatus.SUCCEEDED
    )
    ContactImport.objects.create(
        program=pgd, month=NOV, original_name="b.csv", status=ImportStatus.FAILED
    )
    # A shop waiting for review; the report submitted on time.
    planned = world.program.plans.get(month=DEC).shops.filter(shop__isnull=True).first()
    Shop.objects.create(
        planned_shop=planned,
        program=pgd,
        scorecard=world.scorecard,
        shopper=world.shopper,
        state=ShopState.SUBMITTED,
    )
    MonthlyReport.objects.create(
        program=pgd,
        month=NOV,
        status=ReportStatus.SUBMITTED,
        due_at=datetime(2026, 12, 6, tzinfo=JAKARTA),
        submitted_at=datetime(2026, 12, 4, 9, tzinfo=JAKARTA),
    )
    queue = _queue(world, TODAY)
    assert queue.data_imported and queue.contact_import.original_name == "a.csv"
    assert queue.review_count == 1
    assert queue.report_submitted and queue.report.on_time and not queue.report_overdue


def test_report_overdue_turns_at_midnight_of_the_due_day_in_jakarta(analyst):
    just_before = datetime(2026, 12, 5, 23, 59, 59, tzinfo=JAKARTA)
    assert _queue(analyst, just_before).report_overdue is False
    assert _queue(analyst, just_before + timedelta(seconds=1)).report_overdue is True


# --- supervisor, team leader, shopper --------------------------------------------------


def test_pgd_4_6_supervisor_sees_progress_and_their_teams_overdue_defects(world):
    pgd = world.program
    pgd.user_roles = frozenset({Role.SUPERVISOR})
    panel = dashboards.supervisor_panel(pgd, world.supervisor, date(2026, 12, 10))
    # 6 planned; shops dated Dec 1..6, all due by the 10th; 4 done.
    assert (panel.total.planned, panel.total.due, panel.total.done) == (6, 6, 4)
    assert panel.total.behind is True
    # Overdue defects: Dec 1 on shop 0 (Tim 1, supervised) and shop 1 (Tim 2, not).
    assert panel.overdue_count == 1
    assert [d.agent.name for d in panel.overdue_defects] == ["Agus"]
    assert panel.charts["chart-progress"]["done"] == [r.done for r in panel.weeks]


def test_pgd_5_3_2_team_leader_sees_their_agents_items_only(world):
    pgd = world.program
    pgd.user_roles = frozenset({Role.TEAM_LEADER})
    panel = dashboards.team_leader_panel(pgd, world.leader, date(2026, 12, 10))
    # Tim 1: defects on shops 0 (due Dec 1: overdue) and 2 (due Dec 20);
    # follow-ups on shop 0 (open, due Dec 5: overdue) and 2 (open, Dec 30).
    assert (panel.defects_open, panel.defects_overdue) == (2, 1)
    assert (panel.follow_ups_open, panel.follow_ups_overdue) == (2, 1)
    assert [(a.agent, a.team) for a in panel.agents] == [("Agus", "Tim 1")]
    assert {d.agent.name for d in panel.defects} == {"Agus"}
    other = dashboards.team_leader_panel(pgd, world.other_leader, date(2026, 12, 10))
    assert (other.defects_open, other.follow_ups_open) == (1, 0)  # shop 1: Bima, Tim 2


def test_shopper_agenda_lists_only_their_own_shops_from_today(world, member):
    pgd = world.program
    other = member(pgd, Role.SHOPPER)
    plan = pgd.plans.get(month=DEC)
    free = list(plan.shops.filter(shop__isnull=True).order_by("number"))  # Dec 5 and 6
    free[1].shopper = other
    free[1].save()
    agenda = dashboards.shopper_agenda(pgd, world.shopper, date(2026, 12, 5))
    assert [s.number for s in agenda.today_shops] == [5]
    assert agenda.next_shops == []
    assert dashboards.shopper_agenda(pgd, other, date(2026, 12, 5)).next_shops == [free[1]]
    plan.status = PlanStatus.DRAFT  # a draft plan is nobody's agenda yet
    plan.save()
    assert dashboards.shopper_agenda(pgd, world.shopper, date(2026, 12, 5)).today_shops == []


# --- the page -------------------------------------------------------------------------

PANELS = {
    Role.MANAGER: 'id="health"',
    Role.VIEWER: 'id="health"',
    Role.QC_ANALYST: 'id="analyst-queue"',
    Role.SUPERVISOR: 'id="supervisor-panel"',
    Role.TEAM_LEADER: 'id="team-leader-panel"',
    Role.SHOPPER: 'id="shopper-agenda"',
}


@time_machine.travel(TODAY, tick=False)
def test_every_role_gets_its_panel_and_no_other(client, world, member):
    for role in Role.values:
        client.force_login(member(world.program, role))
        response = client.get(reverse("dashboard", args=["PGD"]))
        assert response.status_code == 200
        html = response.content.decode()
        for other, marker in PANELS.items():
            assert (marker in html) == (PANELS[role] == marker), (role, other)


@time_machine.travel(TODAY, tick=False)
def test_shoppers_see_no_figures_nor_others_schedule(client, world, member):
    other = member(world.program, Role.SHOPPER, full_name="Other Shopper")
    plan = world.program.plans.get(month=DEC)
    later = plan.shops.filter(shop__isnull=True).order_by("number").last()
    later.shopper = other
    later.date = date(2026, 12, 11)
    later.save()
    client.force_login(world.shopper)
    html = client.get(reverse("dashboard", args=["PGD"])).content.decode()
    assert 'id="health"' not in html and "chart-trend" not in html
    assert f"shop #{later.number}" not in html  # the other shopper's shop of the 11th
    client.force_login(other)
    html = client.get(reverse("dashboard", args=["PGD"])).content.decode()
    assert f"shop #{later.number}" in html


@time_machine.travel(TODAY, tick=False)
def test_a_user_with_several_roles_sees_each_panel(client, world):
    Membership.objects.create(user=world.leader, program=world.program, role=Role.MANAGER)
    client.force_login(world.leader)
    html = client.get(reverse("dashboard", args=["PGD"]) + "?month=2026-12").content.decode()
    assert 'id="health"' in html and 'id="team-leader-panel"' in html
    # Numbers link to what is behind them: the month's finalized shops, a team's.
    shops = reverse("shop_list", args=["PGD"])
    assert f"{shops}?month=2026-12&amp;state=finalized&amp;team={world.team.pk}" in html
    assert f"{shops}?month=2026-12&amp;state=finalized&amp;below_target=on" in html
    assert 'data-chart="chart-trend"' in html and 'id="table-trend"' in html
    assert 'id="chart-data"' in html


@time_machine.travel(TODAY, tick=False)
def test_a_bad_month_shows_a_message_next_to_the_picker(client, world, member):
    client.force_login(member(world.program, Role.MANAGER))
    for value in ["2026-13", "abc", "12-2026"]:
        response = client.get(reverse("dashboard", args=["PGD"]), {"month": value})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="month-error"' in html and "YYYY-MM" in html
        assert f'value="{value}"' in html  # what was typed is kept
        assert response.context["health"].month == NOV  # the last complete month instead


def test_the_dashboard_opens_on_the_last_complete_month_in_the_program_zone(client, world, member):
    """Not the month barely started (a Welch test on two shops): the last one
    that has ended. 31 December 20:00 UTC is already 1 January in Jakarta, so
    December has ended."""
    viewer = member(world.program, Role.VIEWER)
    for moment, month in [
        (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), DEC),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), NOV),
    ]:
        with time_machine.travel(moment, tick=False):
            client.force_login(viewer)
            response = client.get(reverse("dashboard", args=["PGD"]))
        assert response.context["health"].month == month, moment


def test_outsider_404_and_anonymous_to_login(client, world, outsider):
    url = reverse("dashboard", args=["PGD"])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_program_page_links_to_the_dashboard(client, world, member):
    client.force_login(member(world.program, Role.VIEWER))
    html = client.get(reverse("program_detail", args=["PGD"])).content.decode()
    assert f'href="{reverse("dashboard", args=["PGD"])}"' in html


# --- constant query counts --------------------------------------------------------------


def _everyone(program, member):
    user = member(program, Role.MANAGER, full_name="All Roles")
    for role in set(Role.values) - {Role.MANAGER}:
        Membership.objects.create(user=user, program=program, role=role)
    return user


@time_machine.travel(TODAY, tick=False)
def test_dashboard_query_count_is_constant_with_three_years_of_history(client, pgd, member):
    h = History(pgd, member)
    user = _everyone(pgd, member)
    # The user leads and supervises the first team: their panels have rows too.
    h.team.team_leader = h.team.supervisor = user
    h.team.save()
    client.force_login(user)
    # Both months measured have shops in both runs: an empty month skips a query
    # of monthly_figures (the KPI names), which is not growth with the data.
    h.years(DEC, months=2, per_month=2)
    urls = [
        reverse("dashboard", args=["PGD"]),
        reverse("dashboard", args=["PGD"]) + "?month=2026-11",
    ]
    small = [page_queries(client, url) for url in urls]
    # Three years of history, and far more shops, defects and follow-ups in
    # every month (the two measured months included).
    h.years(DEC, months=36, per_month=12)
    for before, url in zip(small, urls, strict=True):
        assert_same_query_count(before, page_queries(client, url))
    html = client.get(urls[0]).content.decode()
    for marker in PANELS.values():
        assert marker in html


@time_machine.travel(TODAY, tick=False)
def test_the_analyst_queue_links_each_item_to_its_page(client, world, member):
    client.force_login(member(world.program, Role.QC_ANALYST))
    html = client.get(reverse("dashboard", args=["PGD"])).content.decode()
    queue = html.split('id="analyst-queue"')[1].split("</section>")[0]
    for url in [
        reverse("contact_import_list", args=["PGD"]),
        reverse("plan_detail", args=["PGD", "2026-12"]),
        reverse("plan_list", args=["PGD"]) + "?month=2027-01",
        reverse("review_queue", args=["PGD"]),
        reverse("report_detail", args=["PGD", "2026-11"]),
        reverse("calibration_list", args=["PGD"]),
        reverse("defect_inbox", args=["PGD"]),
        reverse("follow_up_list", args=["PGD"]) + "?status=open",
    ]:
        assert f'href="{url}"' in queue, url
