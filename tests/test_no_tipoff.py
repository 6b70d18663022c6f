"""No tip-offs (issue #19): whatever a plan says about shops still to come must
not change what a team leader or a viewer sees.

Every page and export they can reach about the running and the next month is
rendered (a) with those months' plans drawn from two different seeds and (b) on
two consecutive days; the output must be the same apart from tokens and the
date of today. The check does not read wording: it compares whole responses.
"""

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, translation
from openpyxl import load_workbook

from devdata.traffic import realistic_contact_month
from programs.models import Role
from sampling import services as sampling
from sampling.models import SamplePlan
from tests.dashboard_data import History

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
NOV, DEC, JAN = date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)
DAYS = [datetime(2026, 12, 9, 8, 0, tzinfo=JAKARTA), datetime(2026, 12, 10, 8, 0, tzinfo=JAKARTA)]
AGENTS_SIDE = (Role.TEAM_LEADER, Role.VIEWER)


def _pages(code: str) -> list[str]:
    urls = []
    for month in ("2026-12", "2027-01"):
        urls += [
            reverse("dashboard", args=[code]) + f"?month={month}",
            reverse("sample_progress", args=[code]) + f"?month={month}",
            reverse("report_detail", args=[code, month]),
            reverse("report_xlsx", args=[code, month]),
            reverse("report_pdf", args=[code, month]),
        ]
    return [
        *urls,
        reverse("dashboard", args=[code]),
        reverse("report_list", args=[code]),
        reverse("yearly_summary", args=[code]),
        reverse("yearly_summary_xlsx", args=[code]) + "?year=2026",
    ]


def _today_strings(moment: datetime) -> list[str]:
    day = moment.date()
    return sorted(
        {
            formats.date_format(day, fmt)
            for fmt in ("l j F Y", "j F Y", "Y-m-d", "j M Y", "DATE_FORMAT", "SHORT_DATE_FORMAT")
        },
        key=len,
        reverse=True,
    )


def _normalized(response, moment: datetime) -> tuple[int, str]:
    """The response as comparable text: tokens, nonces and today's date blanked;
    a workbook read as its cells (its file carries the time it was written)."""
    if response.status_code != 200:
        return response.status_code, ""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheet" in kind:
        book = load_workbook(io.BytesIO(body))
        text = repr([[c.value for row in sheet.iter_rows() for c in row] for sheet in book])
    elif "pdf" in kind:
        return 200, "pdf"  # made on the fly, only by the planners' side (see below)
    else:
        text = body.decode()
    text = re.sub(r'(nonce|value|content)="[A-Za-z0-9+/=_-]{20,}"', r'\1="…"', text)
    for today in _today_strings(moment):
        text = text.replace(today, "TODAY")
    return 200, text


def _seen(client, users, urls) -> dict:
    seen = {}
    for moment in DAYS:
        with time_machine.travel(moment, tick=False), translation.override("en"):
            for role, user in users.items():
                client.force_login(user)
                for url in urls:
                    seen[(role, moment.date(), url)] = _normalized(client.get(url), moment)
    return seen


def _plans(program, seed: int) -> None:
    SamplePlan.objects.filter(program=program, month__in=[DEC, JAN]).delete()
    with time_machine.travel(datetime(2026, 12, 1, 7, 0, tzinfo=JAKARTA), tick=False):
        for month in (DEC, JAN):
            plan = sampling.plan_generate(program=program, month=month, user=None, seed=seed)
            assert plan.shops.exists()


def test_the_agents_side_sees_the_same_whatever_the_plan_and_the_day(client, pgd, member):
    history = History(pgd, member)
    history.month(NOV, [60, 80, 100])  # a month that is over: the same in every run
    realistic_contact_month(pgd, NOV, rows=4000, seed=3)
    realistic_contact_month(pgd, DEC, rows=4000, seed=4)
    users = {role: member(pgd, role) for role in AGENTS_SIDE}
    urls = _pages(pgd.code)

    _plans(pgd, seed=1)
    first = _seen(client, users, urls)
    _plans(pgd, seed=2)
    second = _seen(client, users, urls)

    # The two plans differ, so identical pages are not an accident of the data.
    assert first.keys() == second.keys()
    for key, (status, text) in first.items():
        role, day, url = key
        assert status in (200, 403), key
        assert (status, text) == second[key], f"{role} sees the plan in {url} on {day}"
        other_day = next(d for d in (m.date() for m in DAYS) if d != day)
        assert (status, text) == first[(role, other_day, url)], (
            f"{role} sees the day move in {url} ({day} vs {other_day})"
        )
    # A running month's draft report and its files stay with the planners.
    assert (
        first[(Role.VIEWER, DAYS[0].date(), reverse("report_pdf", args=[pgd.code, "2026-12"]))][0]
        == 403
    )


def test_the_planners_still_see_the_running_months_plan(client, pgd, member):
    """The rule hides the schedule from the agents' side only."""
    History(pgd, member).month(NOV, [60, 80, 100])
    realistic_contact_month(pgd, NOV, rows=4000, seed=3)
    realistic_contact_month(pgd, DEC, rows=4000, seed=4)
    _plans(pgd, seed=1)
    with time_machine.travel(DAYS[0], tick=False):
        for role in (Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR):
            client.force_login(member(pgd, role))
            html = client.get(
                reverse("report_detail", args=[pgd.code, "2026-12"])
            ).content.decode()
            assert 'id="coverage"' in html and 'id="schedule-hidden"' not in html, role
        client.force_login(member(pgd, Role.VIEWER))
        progress = client.get(reverse("sample_progress", args=[pgd.code]) + "?month=2026-12")
        assert 'id="schedule-hidden"' in progress.content.decode()
        assert 'id="progress-strata"' not in progress.content.decode()
