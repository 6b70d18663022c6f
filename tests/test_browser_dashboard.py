"""Journey (issue: reporting, dashboards): a manager opens the dashboard, sees
the charts drawn and reads the same numbers in their tables; the yearly summary
likewise. Screenshots (English and Indonesian, desktop and a 390 px phone) go
to $DASH_SHOTS when it is set."""

import os
from datetime import date
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from followup.models import FollowUpStatus
from programs.models import Membership, Role
from tests.dashboard_data import History

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("DASH_SHOTS")
DEC = date(2026, 12, 1)


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _world(pgd, member, *, leader=None) -> History:
    h = History(pgd, member)
    if leader is not None:  # leads and supervises the first team
        h.team.team_leader = h.team.supervisor = leader
        h.team.save()
    h.years(date(2026, 11, 1), months=11, per_month=6)  # January to November
    h.month(
        DEC,
        [100, 96, 92, 88, 84, 70],
        planned=8,
        critical={5: "CACE"},
        defects=[(0, 0, DEC), (1, 0, DEC), (2, 1, DEC), (5, 2, date(2026, 12, 20))],
        follow_ups=[(5, FollowUpStatus.OPEN, date(2026, 12, 15))],
        calibrations=1,
        other_team={1, 3},
    )
    return h


def _still(page) -> None:
    """Charts without animation (prefers-reduced-motion, which charts.js honours):
    a full-page screenshot resizes the page and would catch them mid-animation."""
    page.emulate_media(reduced_motion="reduce")


def _charts_drawn(page, *keys: str) -> None:
    for key in keys:
        page.locator(f'canvas[data-chart="{key}"][data-chart-ready="true"]').wait_for()


@time_machine.travel("2026-12-10 10:00 +0700", tick=True)
def test_manager_reads_the_dashboard_charts_and_tables(page, live_server, login, pgd, member):
    _world(pgd, member)
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    _still(page)
    login(page, manager)
    page.goto(f"{live_server.url}/p/PGD/")
    page.locator("#open-dashboard").click()
    page.wait_for_url(f"{live_server.url}/p/PGD/dashboard/")
    # It opens on the last complete month (November); December is one click on.
    _charts_drawn(page, "chart-trend")
    assert "November 2026" in page.locator("h2").first.inner_text()
    page.locator("#month-next").click()
    page.wait_for_url(f"{live_server.url}/p/PGD/dashboard/?month=2026-12")
    _charts_drawn(page, "chart-trend", "chart-sections", "chart-pareto")
    assert page.locator("#mean-value").inner_text() == "88.33"  # (100+96+92+88+84+70) / 6
    assert page.locator("#target-badge").inner_text().strip() == "Target not met"
    # The trend chart's numbers are in its table, one click away.
    page.get_by_text("Show the table").click()
    december = page.locator("#table-trend tbody tr").last
    expect(december).to_be_visible()
    assert december.inner_text().split("\t")[:3] == ["Dec 2026", "6", "88.33"]
    expect(page.locator("#table-sections")).to_be_visible()
    assert page.locator("#table-pareto tbody tr").count() == 3
    _shot(page, "dashboard-manager-en")
    # Drill down: the shops scored under the target in December.
    page.locator("#link-below").click()
    page.wait_for_url("**/shops/?month=2026-12&state=finalized&below_target=on")
    assert page.locator("#shops tbody tr").count() == 4  # 92, 88, 84, 70
    # The month picker: from the page's own November back to October.
    page.goto(f"{live_server.url}/p/PGD/dashboard/")
    page.locator("#month-previous").click()
    page.wait_for_url("**/dashboard/?month=2026-10")
    _charts_drawn(page, "chart-trend")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/p/PGD/dashboard/")
    _charts_drawn(page, "chart-trend", "chart-sections")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    _shot(page, "dashboard-manager-en-390")


@time_machine.travel("2026-12-10 10:00 +0700", tick=True)
def test_yearly_summary_and_every_panel_in_both_languages(page, live_server, login, pgd, member):
    boss = member(pgd, Role.MANAGER, full_name="Maya Manager", language="id")
    for role in (Role.QC_ANALYST, Role.SUPERVISOR, Role.TEAM_LEADER, Role.SHOPPER):
        Membership.objects.create(user=boss, program=pgd, role=role)
    _world(pgd, member, leader=boss)
    # Today's shop and the next ones for the shopper's panel.
    plan = pgd.plans.get(month=DEC)
    plan.shops.filter(shop__isnull=True).update(shopper=boss, date=date(2026, 12, 10))
    _still(page)
    login(page, boss)
    page.goto(f"{live_server.url}/p/PGD/dashboard/")
    _charts_drawn(page, "chart-trend", "chart-progress")
    for panel in ("#health", "#analyst-queue", "#supervisor-panel", "#team-leader-panel"):
        expect(page.locator(panel)).to_be_visible()
    assert page.locator("#leader-agents tbody tr").count() == 1  # Agus, of the boss's team
    assert page.locator("#shopper-agenda .agenda li").count() == 2
    _shot(page, "dashboard-all-roles-id")

    page.goto(f"{live_server.url}/p/PGD/reports/year/")
    _charts_drawn(page, "chart-year", "chart-year-shops")
    assert page.locator("#table-scores tbody tr").count() == 12
    _shot(page, "yearly-id")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _charts_drawn(page, "chart-year")
    _shot(page, "yearly-id-390")
    page.goto(f"{live_server.url}/p/PGD/dashboard/")
    _charts_drawn(page, "chart-trend")
    _shot(page, "dashboard-all-roles-id-390")

    boss.language = "en"
    boss.save()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/p/PGD/reports/year/?year=2026")
    _charts_drawn(page, "chart-year")
    expect(page.locator("#year-mean")).to_be_visible()
    _shot(page, "yearly-en")
    page.goto(f"{live_server.url}/p/PGD/dashboard/")
    _charts_drawn(page, "chart-trend")
    _shot(page, "dashboard-all-roles-en")
