"""The month's figures of a program (PGD-4.7, 5.1.2, 5.4; TLK-5.4.1): one
selector returning plain data that the report page, the XLSX and the PDF all
render (none of them queries the database itself).

Statistics, documented so anyone can check them:
- The mean score comes with a 95 % confidence interval: mean ± t(0.975, n-1) ×
  s / √n, with s the sample standard deviation; with n < 2 there is no interval.
- The target is met when the mean (rounded to 2 decimals) is at least the target.
- Month over month: Welch's t-test at 5 % (two-sided). The change is called
  significant when |difference| > t(0.975, Welch–Satterthwaite df) × its
  standard error.
- t quantiles come from the standard table (df 1–30, 40, 60, 120, ∞),
  interpolated linearly in 1/df between table rows.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.db.models import Count, Q

from followup.models import (
    CalibrationSession,
    Defect,
    DefectStatus,
    FollowUp,
    FollowUpStatus,
    SessionStatus,
)
from followup.selectors.defects import RecapRow, recap_rows
from programs.models import Program, Section
from programs.months import add_months
from sampling.models import PlanStratum
from scoring.models import Shop, ShopState

# Two-sided 95 %: t(0.975, df).
T_TABLE = [
    (1, 12.706),
    (2, 4.303),
    (3, 3.182),
    (4, 2.776),
    (5, 2.571),
    (6, 2.447),
    (7, 2.365),
    (8, 2.306),
    (9, 2.262),
    (10, 2.228),
    (11, 2.201),
    (12, 2.179),
    (13, 2.160),
    (14, 2.145),
    (15, 2.131),
    (16, 2.120),
    (17, 2.110),
    (18, 2.101),
    (19, 2.093),
    (20, 2.086),
    (21, 2.080),
    (22, 2.074),
    (23, 2.069),
    (24, 2.064),
    (25, 2.060),
    (26, 2.056),
    (27, 2.052),
    (28, 2.048),
    (29, 2.045),
    (30, 2.042),
    (40, 2.021),
    (60, 2.000),
    (120, 1.980),
    (math.inf, 1.960),
]


def t_975(df: float) -> float:
    """The 97.5 % quantile of Student's t with `df` degrees of freedom."""
    if df <= 1:
        return T_TABLE[0][1]
    for (d0, t0), (d1, t1) in pairwise(T_TABLE):
        if d0 <= df <= d1:
            if d1 == math.inf:
                w = (1 / d0 - 1 / df) / (1 / d0)
            else:
                w = (1 / d0 - 1 / df) / (1 / d0 - 1 / d1)
            return t0 + w * (t1 - t0)
    return 1.960


def _round(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Mean:
    """A mean score with its 95 % confidence interval."""

    n: int
    mean: Decimal | None
    low: Decimal | None
    high: Decimal | None
    sd: float | None


def mean_ci(values: list[float]) -> Mean:
    n = len(values)
    if not n:
        return Mean(0, None, None, None, None)
    mean = sum(values) / n
    if n < 2:
        return Mean(n, _round(mean), None, None, None)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_975(n - 1) * sd / math.sqrt(n)
    return Mean(
        n, _round(mean), _round(max(0.0, mean - half)), _round(min(100.0, mean + half)), sd
    )


@dataclass(frozen=True)
class Change:
    """Month over month: the difference of means and whether it is significant."""

    previous: Decimal | None
    difference: Decimal | None
    significant: bool


def welch(current: list[float], previous: list[float]) -> Change:
    if len(current) < 2 or len(previous) < 2:
        prev = _round(sum(previous) / len(previous)) if previous else None
        cur = sum(current) / len(current) if current else None
        diff = _round(cur - float(prev)) if cur is not None and prev is not None else None
        return Change(prev, diff, False)
    m1, m2 = sum(current) / len(current), sum(previous) / len(previous)
    v1 = sum((x - m1) ** 2 for x in current) / (len(current) - 1) / len(current)
    v2 = sum((x - m2) ** 2 for x in previous) / (len(previous) - 1) / len(previous)
    se = math.sqrt(v1 + v2)
    if se == 0:
        return Change(_round(m2), _round(m1 - m2), m1 != m2)
    df = (
        (v1 + v2) ** 2 / (v1**2 / (len(current) - 1) + v2**2 / (len(previous) - 1))
        if (v1 or v2)
        else math.inf
    )
    return Change(_round(m2), _round(m1 - m2), abs(m1 - m2) > t_975(df) * se)


@dataclass(frozen=True)
class Group:
    label: str
    score: Mean


@dataclass(frozen=True)
class StratumCoverage:
    reason: str
    band: str
    planned: int
    done: int
    uncovered: bool  # no finalized shop (none planned, or none finalized)
    area: str = ""  # on a plan framed per area (TLK-5.1.2): the stratum's area


@dataclass(frozen=True)
class ParetoRow:
    parameter: str
    section: str
    defects: int
    share: float
    cumulative: float


@dataclass
class MonthlyFigures:
    program: Program
    month: date
    target: Decimal
    overall: Mean
    target_met: bool | None
    change: Change
    sections: list[Group] = field(default_factory=list)  # KPIs (TLK-5.4.1)
    channels: list[Group] = field(default_factory=list)
    categories: list[Group] = field(default_factory=list)
    bands: list[Group] = field(default_factory=list)
    teams: list[Group] = field(default_factory=list)
    agents: list[Group] = field(default_factory=list)
    critical_rates: dict[str, float] = field(default_factory=dict)  # CACE/BACE/CoACE share
    coverage: list[StratumCoverage] = field(default_factory=list)
    pareto: list[ParetoRow] = field(default_factory=list)
    follow_up: dict[str, int] = field(default_factory=dict)
    calibrations_held: int = 0
    trend: list[tuple[date, Mean]] = field(default_factory=list)  # 12 months
    nonconformities: list[RecapRow] = field(default_factory=list)  # with correct solutions

    @property
    def planned(self) -> int:
        return sum(s.planned for s in self.coverage)

    @property
    def done(self) -> int:
        return sum(s.done for s in self.coverage)

    @property
    def uncovered(self) -> list[StratumCoverage]:
        return [s for s in self.coverage if s.uncovered]


def _finalized(program: Program, first: date, last_excl: date):
    return Shop.objects.filter(
        program=program,
        state=ShopState.FINALIZED,
        planned_shop__date__gte=first,
        planned_shop__date__lt=last_excl,
    )


def _groups(rows, key) -> list[Group]:
    buckets: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        label = key(row)
        if label is not None and row["score"] is not None:
            buckets[label].append(float(row["score"]))
    return [Group(label, mean_ci(values)) for label, values in sorted(buckets.items())]


def _sections(program: Program, values: dict[str, list[float]]) -> list[Group]:
    """Section (KPI) scores named and ordered as in the newest scorecard that has
    the section's code."""
    names: dict[str, tuple[int, str]] = {}
    for code, name, order in (
        Section.objects.filter(scorecard__program=program, code__in=list(values))
        .order_by("scorecard__version")
        .values_list("code", "name", "order")
    ):
        names[code] = (order, name)
    codes = sorted(values, key=lambda c: names.get(c, (999, c)))
    return [Group(names.get(c, (0, c))[1], mean_ci(values[c])) for c in codes]


def monthly_figures(program: Program, month: date) -> MonthlyFigures:
    """The figures of `month` (its first day) for the monthly report. A fixed
    number of queries, whatever the number of shops."""
    month = month.replace(day=1)
    following = add_months(month, 1)
    rows = list(
        _finalized(program, month, following).values(
            "pk",
            "score",
            "section_scores",
            "critical_failures",
            "channel__name",
            "planned_shop__stratum__reason__category__name",
            "planned_shop__slot__band__name",
            "agent__name",
            "agent__team__name",
        )
    )
    scores = [float(r["score"]) for r in rows if r["score"] is not None]
    overall = mean_ci(scores)
    previous = [
        float(s)
        for s in _finalized(program, add_months(month, -1), month)
        .exclude(score=None)
        .values_list("score", flat=True)
    ]
    section_values: dict[str, list[float]] = defaultdict(list)
    critical = Counter()
    for r in rows:
        for code, value in (r["section_scores"] or {}).items():
            if value is not None:
                section_values[code].append(float(value))
        for kind in {f["type"] for f in r["critical_failures"] or []}:
            critical[kind] += 1
    figures = MonthlyFigures(
        program=program,
        month=month,
        target=program.target_score,
        overall=overall,
        target_met=(overall.mean >= program.target_score) if overall.mean is not None else None,
        change=welch(scores, previous),
        sections=_sections(program, section_values),
        channels=_groups(rows, lambda r: r["channel__name"]),
        categories=_groups(rows, lambda r: r["planned_shop__stratum__reason__category__name"]),
        bands=_groups(rows, lambda r: r["planned_shop__slot__band__name"]),
        teams=_groups(rows, lambda r: r["agent__team__name"]),
        agents=_groups(rows, lambda r: r["agent__name"]),
        critical_rates={
            kind: (critical[kind] / len(rows) if rows else 0.0)
            for kind in ("CACE", "BACE", "CoACE")
        },
    )
    strata = (
        PlanStratum.objects.filter(plan__program=program, plan__month=month)
        .annotate(
            planned=Count("shops", distinct=True),
            done=Count("shops", filter=Q(shops__shop__state=ShopState.FINALIZED), distinct=True),
        )
        .select_related("reason", "band", "area", "plan")
        .order_by("order")
    )
    figures.coverage = [
        StratumCoverage(
            s.reason.name,
            s.band.name,
            s.planned,
            s.done,
            s.done == 0,  # planned but not finalized, or allocated no shop at all
            s.area_label if s.plan.frame_per_area else "",
        )
        for s in strata
    ]
    pareto = list(
        Defect.objects.filter(
            program=program,
            shop__planned_shop__date__gte=month,
            shop__planned_shop__date__lt=following,
        )
        .exclude(status=DefectStatus.WITHDRAWN)
        .values("parameter__text", "parameter__section__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "parameter__text")
    )
    total = sum(p["n"] for p in pareto)
    running = 0
    for p in pareto:
        running += p["n"]
        figures.pareto.append(
            ParetoRow(
                p["parameter__text"],
                p["parameter__section__name"],
                p["n"],
                p["n"] / total,
                running / total,
            )
        )
    figures.follow_up = dict(
        FollowUp.objects.filter(
            program=program,
            shop__planned_shop__date__gte=month,
            shop__planned_shop__date__lt=following,
        )
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    for status in FollowUpStatus.values:
        figures.follow_up.setdefault(status, 0)
    figures.calibrations_held = CalibrationSession.objects.filter(
        program=program, status=SessionStatus.HELD, held_on__gte=month, held_on__lt=following
    ).count()
    first = add_months(month, -11)
    by_month: dict[date, list[float]] = defaultdict(list)
    for day, score in (
        _finalized(program, first, following)
        .exclude(score=None)
        .values_list("planned_shop__date", "score")
    ):
        by_month[day.replace(day=1)].append(float(score))
    figures.trend = [
        (m, mean_ci(by_month.get(m, [])))
        for m in (add_months(month, -k) for k in range(11, -1, -1))
    ]
    figures.nonconformities = recap_rows(Defect.objects.filter(program=program), month)
    return figures
