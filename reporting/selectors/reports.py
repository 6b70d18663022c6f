"""The month's figures of a program (PGD-4.7, 5.1.2, 5.4; TLK-5.4.1): one
selector returning plain data that the report page, the XLSX and the PDF all
render (none of them queries the database itself).

The statistics (exact means rounded once, the BCa bootstrap interval, the
Wilson interval of the share at target, Welch's test, the design-weighted
mean) are in `reporting.stats`, documented there. The sample is the month's
finalized shops drawn by the plan: re-tests (shops put in the plan because an
agent failed before) are shown apart and are not in the mean, its interval or
the groups.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

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
from reporting.stats import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    GROUP_RESAMPLES,
    INTERVAL_METHOD,
    MIN_INTERVAL_N,
    NO_VARIATION,
    T_INTERVAL,
    Change,
    Mean,
    Share,
    half_up,
    mean_ci,
    share_at_target,
    weighted_mean,
    welch,
)
from sampling.models import OTHER_AREA, PlanStratum
from scoring.models import Shop, ShopState

__all__ = ["Change", "Mean", "MonthlyFigures", "Share", "mean_ci", "monthly_figures", "welch"]


INTERVAL_LABELS = {
    INTERVAL_METHOD: _(
        "The 95 %% interval of a mean is a BCa bootstrap interval (%(resamples)s "
        "resamples, %(rows)s for each row of a breakdown; seed %(seed)s): it follows "
        "scores that pile up at 100 and stays "
        "within them; it needs at least %(min)s shops. The share at target has a 95 %% "
        "Wilson interval. Re-tests are not in the sample. Month over month uses "
        "Welch's t-test at 5 %%."
    ),
    T_INTERVAL: _(
        "Figures frozen before exact figures: the interval is mean ± t(0.975, n−1)·s/√n. "
        "Month over month uses Welch's t-test at 5 %%."
    ),
}


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
    at_target: Share = field(default_factory=lambda: Share(0, 0, None, None))
    weighted: Decimal | None = None  # design-weighted mean, when it differs from the plain
    retests: Mean = field(default_factory=lambda: mean_ci([]))  # apart from the sample
    areas: list[Group] = field(default_factory=list)  # on plans framed per area (TLK-5.1.2)
    off_slot: int = 0  # shops started past the program's tolerance of their slot (TLK-5.3.1)
    interval_method: str = INTERVAL_METHOD  # a frozen report keeps the method it was made with

    @property
    def method_note(self) -> str:
        """How the intervals were computed, in the reader's language."""
        label = INTERVAL_LABELS.get(self.interval_method, INTERVAL_LABELS[INTERVAL_METHOD])
        return label % {
            "resamples": number_format(BOOTSTRAP_RESAMPLES, force_grouping=True),
            "rows": number_format(GROUP_RESAMPLES, force_grouping=True),
            "seed": BOOTSTRAP_SEED,
            "min": MIN_INTERVAL_N,
        }

    @property
    def exact_note(self) -> str:
        """The exact mean, when its rounding would seem to decide the target the
        other way (95.00 shown, 94.995 tested), else ""."""
        o = self.overall
        if o.mean is None or self.target_met is None or (o.mean >= self.target) == self.target_met:
            return ""
        return o.exact_text

    @property
    def no_interval_note(self) -> str:
        """Why the month's mean has no interval ("" when it has one)."""
        if self.overall.low is not None or self.overall.mean is None:
            return ""
        if self.overall.reason == NO_VARIATION:
            return str(_("Every score is the same: there is no interval to resample."))
        return str(
            _("Too few shops for an interval (%(n)s of at least %(min)s).")
            % {"n": self.overall.n, "min": MIN_INTERVAL_N}
        )

    @property
    def planned(self) -> int:
        return sum(s.planned for s in self.coverage)

    @property
    def done(self) -> int:
        return sum(s.done for s in self.coverage)

    @property
    def uncovered(self) -> list[StratumCoverage]:
        return [s for s in self.coverage if s.uncovered]


def _finalized(program: Program, first: date, last_excl: date, *, retests: bool = False):
    """The finalized shops of the months [first, last_excl): the sample, or with
    `retests` the re-tests (which are not part of it)."""
    return Shop.objects.filter(
        program=program,
        state=ShopState.FINALIZED,
        planned_shop__date__gte=first,
        planned_shop__date__lt=last_excl,
        planned_shop__retest_of__isnull=not retests,
    )


def _groups(rows, key) -> list[Group]:
    buckets: dict[str, list[Decimal]] = defaultdict(list)
    for row in rows:
        label = key(row)
        if label is not None and row["score"] is not None:
            buckets[label].append(row["score"])
    return [Group(label, _row(values)) for label, values in sorted(buckets.items())]


def _row(values) -> Mean:
    """A breakdown's or trend's row: fewer resamples than the month's mean."""
    return mean_ci(values, GROUP_RESAMPLES)


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
    return [Group(names.get(c, (0, c))[1], _row(values[c])) for c in codes]


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
            "planned_shop__stratum_id",
            "planned_shop__stratum__area__name",
            "planned_shop__stratum__reason__category__name",
            "planned_shop__slot__band__name",
            "agent__name",
            "agent__team__name",
            "time_deviation_minutes",
        )
    )
    scores = [r["score"] for r in rows if r["score"] is not None]
    overall = mean_ci(scores)
    previous = _finalized(program, add_months(month, -1), month).exclude(score=None)
    section_values: dict[str, list] = defaultdict(list)
    critical = Counter()
    for r in rows:
        for code, value in (r["section_scores"] or {}).items():
            if value is not None:
                section_values[code].append(value)
        for kind in {f["type"] for f in r["critical_failures"] or []}:
            critical[kind] += 1
    figures = MonthlyFigures(
        program=program,
        month=month,
        target=program.target_score,
        overall=overall,
        target_met=overall.meets(program.target_score),
        change=welch(scores, previous.values_list("score", flat=True)),
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
        at_target=share_at_target(scores, program.target_score),
        off_slot=sum(
            1
            for r in rows
            if (r["time_deviation_minutes"] or 0) > program.contact_time_tolerance_minutes
        ),
        retests=mean_ci(
            _finalized(program, month, following, retests=True)
            .exclude(score=None)
            .values_list("score", flat=True)
        ),
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
    by_stratum: dict[int, list] = defaultdict(list)
    for r in rows:
        if r["score"] is not None and r["planned_shop__stratum_id"]:
            by_stratum[r["planned_shop__stratum_id"]].append(r["score"])
    weighted = half_up(weighted_mean(by_stratum, {s.pk: s.planned for s in strata}))
    figures.weighted = weighted if weighted != overall.mean else None
    if any(s.plan.frame_per_area for s in strata):
        other = str(OTHER_AREA)
        figures.areas = _groups(rows, lambda r: r["planned_shop__stratum__area__name"] or other)
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
    by_month: dict[date, list] = defaultdict(list)
    for day, score in (
        _finalized(program, first, following)
        .exclude(score=None)
        .values_list("planned_shop__date", "score")
    ):
        by_month[day.replace(day=1)].append(score)
    figures.trend = [
        (m, _row(by_month.get(m, []))) for m in (add_months(month, -k) for k in range(11, -1, -1))
    ]
    figures.nonconformities = recap_rows(Defect.objects.filter(program=program), month)
    return figures
