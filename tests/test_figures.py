"""The monthly figures selector (PGD-5.1.2, PGD-4.7, TLK-5.4.1) against hand
computations on a small fixed data set."""

import math
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from programs.models import Role
from reporting.selectors.reports import mean_ci, monthly_figures, t_975, welch
from sampling import services as sampling
from scoring.models import Shop, ShopState
from tests.report_data import report_month
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db


def test_t_quantiles_from_the_table_and_between_rows():
    assert t_975(3) == pytest.approx(3.182)
    assert t_975(30) == pytest.approx(2.042)
    assert 2.000 < t_975(50) < 2.021  # between df 40 and 60
    assert t_975(10_000) == pytest.approx(1.960, abs=0.001)


def test_pgd_5_1_2_mean_with_a_95_percent_interval_by_hand():
    result = mean_ci([100, 90, 80, 70])
    sd = math.sqrt(500 / 3)
    assert result.mean == Decimal("85.00")
    assert result.low == Decimal(str(round(85 - 3.182 * sd / 2, 2)))  # 64.46
    assert result.high == Decimal("100.00")  # capped at 100
    assert mean_ci([88]).low is None and mean_ci([]).mean is None


def test_month_over_month_significance_welch():
    assert welch([100, 90, 80, 70], [60, 62, 64, 66]).significant is True
    same = welch([90, 92, 94], [91, 93, 95])
    assert same.significant is False and same.difference == Decimal("-1.00")


def test_tlk_5_4_1_the_figures_of_a_month(tlk, member):
    report_month(tlk, member(tlk, Role.SHOPPER))
    figures = monthly_figures(tlk, date(2026, 12, 1))
    assert figures.overall.mean == Decimal("85.00") and figures.overall.n == 4
    assert figures.target_met is False  # 85 < 95
    kpis = {g.label: g.score.mean for g in figures.sections}
    assert kpis == {"Solusi (Solution)": Decimal("66.67"), "Proses (Process)": Decimal("100.00")}
    assert [g.label for g in figures.sections] == ["Solusi (Solution)", "Proses (Process)"]
    assert figures.critical_rates == {"CACE": 0.25, "BACE": 0.0, "CoACE": 0.0}
    assert [(p.defects, p.share, p.cumulative) for p in figures.pareto] == [
        (3, 0.75, 0.75),
        (1, 0.25, 1.0),
    ]
    assert sum(c.planned for c in figures.coverage) == 40
    assert sum(c.done for c in figures.coverage) == 4
    assert any(c.uncovered for c in figures.coverage)
    assert len(figures.trend) == 12 and figures.trend[-1][1].mean == Decimal("85.00")


def test_the_selector_runs_a_fixed_number_of_queries(pgd, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shopper = member(pgd, Role.SHOPPER)
    contact_month(pgd, date(2026, 11, 1))
    plan = sampling.plan_generate(program=pgd, month=date(2026, 12, 1), user=None, seed=3)
    scorecard = pgd.scorecards.filter(status="published", channel__code="inbound").get()

    def queries_with(n):
        for ps in plan.shops.filter(shop__isnull=True).order_by("number")[:n]:
            Shop.objects.create(
                planned_shop=ps,
                program=pgd,
                scorecard=scorecard,
                shopper=shopper,
                state=ShopState.FINALIZED,
                finalized_at=timezone.now(),
                score=90,
                section_scores={"solution": "90.00"},
            )
        with CaptureQueriesContext(connection) as ctx:
            monthly_figures(pgd, date(2026, 12, 1))
        return len(ctx)

    assert queries_with(2) == queries_with(20)
