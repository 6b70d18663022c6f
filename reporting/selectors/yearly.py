"""The yearly summary of a program (PGD-5.1.2, 5.4; TLK-2.2, 5.4.1): the monthly
figures of the twelve months side by side, and the year's overall mean with
its 95 % confidence interval. Plain data for the page and the XLSX.

The statistics and the rules of what counts are those of
`reporting.selectors.reports.monthly_figures` (imported, not copied): a month's mean is
over its finalized shops by planned date; planned vs done over the shops of
the month's plan; defects without the withdrawn ones; calibrations held. Five
queries whatever the number of shops or months of history.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _

from followup.models import (
    CalibrationSession,
    Defect,
    DefectStatus,
    FollowUp,
    FollowUpStatus,
    SessionStatus,
)
from mysteryshop.spreadsheets import Sheet
from programs.models import Program
from reporting.selectors.reports import Mean, _finalized, mean_ci
from sampling.models import PlannedShop
from scoring.models import ShopState

CRITICAL_KINDS = ("CACE", "BACE", "CoACE")
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class MonthRow:
    """One month of the year."""

    month: date
    score: Mean
    target_met: bool | None
    finalized: int  # finalized shops (the critical-rate denominator)
    critical: dict[str, int]  # shops with a CACE / BACE / CoACE failure
    planned: int
    done: int
    defects: int
    follow_ups_open: int
    follow_ups_done: int
    calibrations_held: int

    @property
    def critical_rates(self) -> dict[str, float]:
        return {
            kind: (self.critical.get(kind, 0) / self.finalized if self.finalized else 0.0)
            for kind in CRITICAL_KINDS
        }

    @property
    def critical_list(self) -> list[tuple[str, int, float]]:
        """(kind, shops, % of the finalized shops), CACE, BACE, CoACE."""
        rates = self.critical_rates
        return [(k, self.critical.get(k, 0), 100 * rates[k]) for k in CRITICAL_KINDS]

    @property
    def done_share(self) -> float | None:
        return self.done / self.planned if self.planned else None

    @property
    def done_percent(self) -> float | None:
        return 100 * self.done / self.planned if self.planned else None

    @property
    def follow_ups(self) -> int:
        return self.follow_ups_open + self.follow_ups_done


@dataclass
class YearlySummary:
    program: Program
    year: int
    target: Decimal
    overall: Mean  # over every finalized shop of the year
    target_met: bool | None
    months: list[MonthRow] = field(default_factory=list)

    def _total(self, name: str) -> int:
        return sum(getattr(m, name) for m in self.months)

    @property
    def finalized(self) -> int:
        return self._total("finalized")

    @property
    def planned(self) -> int:
        return self._total("planned")

    @property
    def done(self) -> int:
        return self._total("done")

    @property
    def done_percent(self) -> float | None:
        return 100 * self.done / self.planned if self.planned else None

    @property
    def defects(self) -> int:
        return self._total("defects")

    @property
    def follow_ups_open(self) -> int:
        return self._total("follow_ups_open")

    @property
    def follow_ups_done(self) -> int:
        return self._total("follow_ups_done")

    @property
    def calibrations_held(self) -> int:
        return self._total("calibrations_held")

    @property
    def critical(self) -> dict[str, int]:
        return {k: sum(m.critical.get(k, 0) for m in self.months) for k in CRITICAL_KINDS}

    @property
    def critical_list(self) -> list[tuple[str, int, float]]:
        """(kind, shops, % of the year's finalized shops), CACE, BACE, CoACE."""
        counts, n = self.critical, self.finalized
        return [(k, counts[k], 100 * counts[k] / n if n else 0.0) for k in CRITICAL_KINDS]

    @property
    def months_with_shops(self) -> int:
        return sum(1 for m in self.months if m.score.n)

    @property
    def months_met(self) -> int:
        return sum(1 for m in self.months if m.target_met)

    @property
    def months_without_calibration(self) -> int:
        """Months with shops but no calibration session held (PGD-4.8)."""
        return sum(1 for m in self.months if m.score.n and not m.calibrations_held)


def _met(mean: Mean, target: Decimal) -> bool | None:
    # As in monthly_figures: the exact mean against the target.
    return mean.meets(target)


def yearly_summary(program: Program, year: int) -> YearlySummary:
    """The twelve months of `year` and the year as a whole."""
    first, following = date(year, 1, 1), date(year + 1, 1, 1)
    scores: dict[int, list[Decimal]] = defaultdict(list)
    finalized: Counter = Counter()
    critical: dict[int, Counter] = defaultdict(Counter)
    for day, score, failures in _finalized(program, first, following).values_list(
        "planned_shop__date", "score", "critical_failures"
    ):
        finalized[day.month] += 1
        if score is not None:
            scores[day.month].append(score)
        for kind in {f.get("type") for f in failures or []}:
            critical[day.month][kind] += 1
    plan = {
        row["plan__month"].month: row
        for row in PlannedShop.objects.filter(
            plan__program=program, plan__month__gte=first, plan__month__lt=following
        )
        .values("plan__month")
        .annotate(planned=Count("pk"), done=Count("pk", filter=Q(shop__state=ShopState.FINALIZED)))
        .order_by()
    }
    defects = dict(
        Defect.objects.filter(
            program=program,
            shop__planned_shop__date__gte=first,
            shop__planned_shop__date__lt=following,
        )
        .exclude(status=DefectStatus.WITHDRAWN)
        .annotate(m=ExtractMonth("shop__planned_shop__date"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("m", "n")
    )
    follow_ups: dict[int, Counter] = defaultdict(Counter)
    for m, status, n in (
        FollowUp.objects.filter(
            program=program,
            shop__planned_shop__date__gte=first,
            shop__planned_shop__date__lt=following,
        )
        .annotate(m=ExtractMonth("shop__planned_shop__date"))
        .values("m", "status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("m", "status", "n")
    ):
        follow_ups[m][status] += n
    calibrations = dict(
        CalibrationSession.objects.filter(
            program=program,
            status=SessionStatus.HELD,
            held_on__gte=first,
            held_on__lt=following,
        )
        .annotate(m=ExtractMonth("held_on"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("m", "n")
    )
    target = program.target_score
    overall = mean_ci([s for values in scores.values() for s in values])
    summary = YearlySummary(
        program=program,
        year=year,
        target=target,
        overall=overall,
        target_met=_met(overall, target),
    )
    for m in range(1, 13):
        score = mean_ci(scores.get(m, []))
        summary.months.append(
            MonthRow(
                month=date(year, m, 1),
                score=score,
                target_met=_met(score, target),
                finalized=finalized[m],
                critical=dict(critical.get(m, {})),
                planned=plan[m]["planned"] if m in plan else 0,
                done=plan[m]["done"] if m in plan else 0,
                defects=defects.get(m, 0),
                follow_ups_open=follow_ups[m][FollowUpStatus.OPEN],
                follow_ups_done=follow_ups[m][FollowUpStatus.DONE],
                calibrations_held=calibrations.get(m, 0),
            )
        )
    return summary


def yearly_charts(summary: YearlySummary) -> dict:
    """Chart specs of the page (static/js/charts.js): the monthly means with their
    interval against the target, and the shops planned and done."""
    from reporting.selectors.dashboards import progress_chart, trend_chart

    return {
        "chart-year": trend_chart(
            [(m.month, m.score) for m in summary.months],
            summary.target,
            title=_("Mean score per month"),
        ),
        "chart-year-shops": progress_chart(
            [f"{m.month:%Y-%m}" for m in summary.months],
            [m.planned for m in summary.months],
            [m.done for m in summary.months],
            None,
            title=_("Shops planned and done per month"),
        ),
    }


# --- The XLSX: one sheet per table of the page ---------------------------------------

PERCENT, SCORE, MONTH = "0.0%", "0.00", "yyyy-mm"


def yearly_sheets(summary: YearlySummary) -> list[Sheet]:
    """The page's four tables as sheets, in the active language."""
    yes_no = {True: _("yes"), False: _("no"), None: ""}
    at_a_glance = [
        (_("Program"), f"{summary.program.code} · {summary.program.name}"),
        (_("Year"), summary.year),
        (_("Target"), summary.target),
        (_("Mean score"), summary.overall.mean),
        (_("95 % CI low"), summary.overall.low),
        (_("95 % CI high"), summary.overall.high),
        (_("Scored shops"), summary.overall.n),
        (_("Target met"), yes_no[summary.target_met]),
        (_("Months meeting the target"), summary.months_met),
        (_("Planned"), summary.planned),
        (_("Done"), summary.done),
        (_("Defects"), summary.defects),
        (_("Follow-up items to do"), summary.follow_ups_open),
        (_("Follow-up items done"), summary.follow_ups_done),
        (_("Calibrations held"), summary.calibrations_held),
        *(
            (_("Shops with a %(kind)s error") % {"kind": kind}, count)
            for kind, count, _rate in summary.critical_list
        ),
    ]
    return [
        Sheet(
            title=_("Year"),
            headers=[_("Figure"), _("Value")],
            rows=at_a_glance,
            widths=[36, 40],
        ),
        Sheet(
            title=_("Scores per month"),
            headers=[
                _("Month"),
                _("Scored shops"),
                _("Mean score"),
                _("95 % CI low"),
                _("95 % CI high"),
                _("Target met"),
            ],
            rows=[
                [m.month, m.score.n, m.score.mean, m.score.low, m.score.high, yes_no[m.target_met]]
                for m in summary.months
            ],
            number_formats={0: MONTH, 2: SCORE, 3: SCORE, 4: SCORE},
        ),
        Sheet(
            title=_("Critical errors"),
            headers=[
                _("Month"),
                _("Finalized shops"),
                *CRITICAL_KINDS,
                *(f"{k} %" for k in CRITICAL_KINDS),
            ],
            rows=[
                [
                    m.month,
                    m.finalized,
                    *(m.critical.get(k, 0) for k in CRITICAL_KINDS),
                    *(m.critical_rates[k] for k in CRITICAL_KINDS),
                ]
                for m in summary.months
            ],
            number_formats={0: MONTH, 5: PERCENT, 6: PERCENT, 7: PERCENT},
        ),
        Sheet(
            title=_("Shops and follow-up"),
            headers=[
                _("Month"),
                _("Planned"),
                _("Done"),
                _("Done (%)"),
                _("Defects"),
                _("Follow-up items to do"),
                _("Follow-up items done"),
                _("Calibrations held"),
            ],
            rows=[
                [
                    m.month,
                    m.planned,
                    m.done,
                    m.done_share,
                    m.defects,
                    m.follow_ups_open,
                    m.follow_ups_done,
                    m.calibrations_held,
                ]
                for m in summary.months
            ],
            number_formats={0: MONTH, 3: PERCENT},
        ),
    ]
