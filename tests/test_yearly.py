"""The yearly summary (PGD-5.1.2, 5.4; TLK-2.2, 5.4.1): the monthly figures of a
year side by side and the year's mean with its 95 % CI, by hand; the same
numbers as the monthly selector; the page per role; the XLSX read back; a
constant number of queries with three years of history."""

import io
import math
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followup.models import Defect, DefectStatus
from programs.models import Membership, Role
from reporting import stats
from reporting.selectors.reports import monthly_figures
from reporting.selectors.yearly import yearly_summary
from tests.dashboard_data import DONE, OPEN, History
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 12, 10, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def history(pgd, member):
    h = History(pgd, member)
    h.month(date(2025, 12, 1), [50])  # the year before: not counted
    h.month(NOV, [60, 80], planned=3, defects=[(0, 0, NOV)], follow_ups=[(0, DONE, NOV)])
    shops = h.month(
        DEC,
        [100, 90, 80, 70],
        planned=6,
        critical={3: "CACE", 2: "BACE"},
        defects=[(0, 0, DEC), (1, 0, DEC), (2, 1, DEC)],
        follow_ups=[(0, OPEN, DEC), (1, DONE, DEC)],
        calibrations=2,
    )
    # A corrected score withdraws its defect: not counted, as in the monthly figures.
    Defect.objects.filter(shop=shops[2]).update(status=DefectStatus.WITHDRAWN)
    h.month(date(2027, 1, 1), [40])  # the year after: not counted
    return h


def test_pgd_5_1_2_the_year_by_hand(history):
    s = yearly_summary(history.program, 2026)
    # The year: 60, 80, 100, 90, 80, 70 -> mean exactly 80, s = sqrt(1000 / 5); six
    # shops are too few for a bootstrap interval (reporting.stats.MIN_INTERVAL_N).
    assert (s.overall.n, s.overall.mean, s.overall.exact) == (6, Decimal("80.00"), 80)
    assert s.overall.sd == pytest.approx(math.sqrt(200))
    assert (s.overall.low, s.overall.high, s.overall.reason) == (None, None, stats.TOO_FEW)
    assert s.target_met is False
    assert [m.month for m in s.months] == [date(2026, k, 1) for k in range(1, 13)]
    nov, dec = s.months[10], s.months[11]
    # November: 60, 80; two shops give no interval (the t-interval gave 0-100).
    assert (nov.score.n, nov.score.mean, nov.score.low, nov.score.high) == (
        2,
        Decimal("70.00"),
        None,
        None,
    )
    assert (nov.planned, nov.done, nov.defects, nov.follow_ups_done, nov.calibrations_held) == (
        3,
        2,
        1,
        1,
        0,
    )
    assert (dec.score.mean, dec.score.low, dec.target_met) == (
        Decimal("85.00"),
        None,  # four shops
        False,
    )
    assert dec.critical_rates == {"CACE": 0.25, "BACE": 0.25, "CoACE": 0.0}
    assert (dec.planned, dec.done, dec.defects) == (6, 4, 2)
    assert (dec.follow_ups_open, dec.follow_ups_done, dec.calibrations_held) == (1, 1, 2)
    empty = s.months[0]
    assert (empty.score.n, empty.score.mean, empty.target_met, empty.planned) == (0, None, None, 0)
    # The year's totals.
    assert (s.planned, s.done, s.defects) == (9, 6, 3)
    assert (s.follow_ups_open, s.follow_ups_done, s.calibrations_held) == (1, 2, 2)
    assert s.critical_list == [
        ("CACE", 1, pytest.approx(100 / 6)),
        ("BACE", 1, pytest.approx(100 / 6)),
        ("CoACE", 0, 0.0),
    ]
    assert (s.months_met, s.months_with_shops, s.months_without_calibration) == (0, 2, 1)


def test_each_month_agrees_with_the_monthly_figures(history):
    s = yearly_summary(history.program, 2026)
    for row in s.months:
        f = monthly_figures(history.program, row.month)
        assert row.score == f.overall, row.month
        assert row.target_met == f.target_met
        assert row.planned == sum(c.planned for c in f.coverage)
        assert row.done == sum(c.done for c in f.coverage)
        assert row.critical_rates == f.critical_rates
        assert row.defects == sum(p.defects for p in f.pareto)
        assert (row.follow_ups_open, row.follow_ups_done) == (
            f.follow_up["open"],
            f.follow_up["done"],
        )
        assert row.calibrations_held == f.calibrations_held


def test_the_charts_carry_the_table_numbers(history):
    from reporting.selectors.yearly import yearly_charts

    s = yearly_summary(history.program, 2026)
    charts = yearly_charts(s)
    assert charts["chart-year"]["mean"][-2:] == [70.0, 85.0]
    assert charts["chart-year"]["mean"][0] is None
    assert charts["chart-year-shops"]["planned"][-2:] == [3, 6]
    assert charts["chart-year-shops"]["done"][-2:] == [2, 4]
    assert charts["chart-year-shops"]["due"] is None


# --- the page and the XLSX ------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_every_role_but_shoppers(client, history, member):
    for role in Role.values:
        client.force_login(member(history.program, role))
        for name in ("yearly_summary", "yearly_summary_xlsx"):
            response = client.get(reverse(name, args=["PGD"]))
            assert response.status_code == (403 if role == Role.SHOPPER else 200), (role, name)


def test_outsider_404_and_anonymous_to_login(client, history, outsider):
    url = reverse("yearly_summary", args=["PGD"])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_the_page_shows_the_year_and_its_table(client, history, member):
    client.force_login(member(history.program, Role.VIEWER))
    response = client.get(reverse("yearly_summary", args=["PGD"]))
    assert response.context["year"] == 2026  # this year in the program's zone
    html = response.content.decode()
    assert 'id="table-scores"' in html and 'data-chart="chart-year"' in html
    assert "80.00" in html and "No interval: too few shops" in html
    assert "?year=2025" in html and "?year=2027" in html
    assert f"{reverse('yearly_summary_xlsx', args=['PGD'])}?year=2026" in html


@time_machine.travel(TODAY, tick=False)
def test_a_bad_year_shows_a_message_next_to_the_picker(client, history, member):
    client.force_login(member(history.program, Role.MANAGER))
    for value in ["abc", "1800", "20266"]:
        response = client.get(reverse("yearly_summary", args=["PGD"]), {"year": value})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="year-error"' in html and f'value="{value}"' in html
        assert response.context["year"] == 2026
        xlsx = client.get(reverse("yearly_summary_xlsx", args=["PGD"]), {"year": value})
        assert xlsx.status_code == 200  # this year's workbook, never a 500


@time_machine.travel(TODAY, tick=False)
def test_the_xlsx_read_back_cell_by_cell(client, history, member):
    pgd = history.program
    pgd.name = '=HYPERLINK("http://x")'  # text a spreadsheet would run as a formula
    pgd.save()
    client.force_login(member(pgd, Role.MANAGER))
    response = client.get(reverse("yearly_summary_xlsx", args=["PGD"]), {"year": "2026"})
    assert response["Content-Disposition"] == 'attachment; filename="PGD-2026-summary.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Year",
        "Scores per month",
        "Critical errors",
        "Shops and follow-up",
    ]
    year = {row[0]: row[1] for row in book["Year"].iter_rows(min_row=2, values_only=True)}
    assert year["Program"] == 'PGD · =HYPERLINK("http://x")'  # starts with PGD: safe
    assert year["Year"] == 2026 and year["Mean score"] == 80
    assert (year["95 % CI low"], year["95 % CI high"]) == (None, None)  # six shops: too few
    assert (year["Scored shops"], year["Target met"]) == (6, "no")
    assert (year["Planned"], year["Done"], year["Defects"]) == (9, 6, 3)
    assert year["Shops with a CACE error"] == 1
    scores = book["Scores per month"]
    assert [c.value for c in scores[1]] == [
        "Month",
        "Scored shops",
        "Mean score",
        "95 % CI low",
        "95 % CI high",
        "Target met",
    ]
    assert scores[1][0].font.bold and scores.freeze_panes == "A2"
    dec = [c.value for c in scores[13]]
    assert dec == [datetime(2026, 12, 1), 4, 85, None, None, "no"]  # four shops: no interval
    assert scores["A13"].number_format == "yyyy-mm" and scores["C13"].number_format == "0.00"
    assert [c.value for c in scores[2]][1:] == [0, None, None, None, None]  # January: no shop
    critical = [c.value for c in book["Critical errors"][13]]
    assert critical == [datetime(2026, 12, 1), 4, 1, 1, 0, 0.25, 0.25, 0]
    activity = book["Shops and follow-up"]
    assert [c.value for c in activity[13]][1:3] == [6, 4]
    assert (
        activity["D13"].value == pytest.approx(4 / 6) and activity["D13"].number_format == "0.0%"
    )
    assert [c.value for c in activity[13]][4:] == [2, 1, 1, 2]


def test_formula_like_text_is_escaped_in_the_xlsx(history):
    from mysteryshop.spreadsheets import workbook_bytes
    from reporting.selectors.yearly import yearly_sheets

    pgd = history.program
    pgd.code = "=X"  # codes are validated to start with a letter or digit; the writer copes anyway
    book = openpyxl.load_workbook(
        io.BytesIO(workbook_bytes(yearly_sheets(yearly_summary(pgd, 2026))))
    )
    assert book["Year"]["B2"].value == "'=X · Contact Center Pegadaian"
    assert book["Year"]["B2"].data_type == "s"


# --- constant query counts --------------------------------------------------------------


def test_the_selector_and_pages_run_a_fixed_number_of_queries(client, pgd, member):
    h = History(pgd, member)
    user = member(pgd, Role.MANAGER)
    Membership.objects.create(user=user, program=pgd, role=Role.QC_ANALYST)
    client.force_login(user)
    urls = [
        reverse("yearly_summary", args=["PGD"]) + "?year=2026",
        reverse("yearly_summary_xlsx", args=["PGD"]) + "?year=2026",
        reverse("yearly_summary", args=["PGD"]) + "?year=2024",
    ]
    h.years(DEC, months=1, per_month=2)
    h.month(date(2024, 6, 1), [88, 92])

    def selector_queries():
        with CaptureQueriesContext(connection) as ctx:
            yearly_summary(pgd, 2026)
        return len(ctx)

    small = [page_queries(client, url) for url in urls]
    small_selector = selector_queries()
    h.years(DEC, months=36, per_month=12)  # three years, and more in every month
    assert selector_queries() == small_selector == 5
    for before, url in zip(small, urls, strict=True):
        assert_same_query_count(before, page_queries(client, url))
