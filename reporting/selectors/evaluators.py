"""The quality of the evaluators: how well each shopper did their own work in a
month (issue #23), as SASSIE grades every report and MaestroQA scores the graders.

A shop belongs to the month of its planned day (as in the monthly report) and to
the person who filled it in (`Shop.shopper`). Per shopper:

- **handed in**: shops with a submission (a `submit` review event);
- **returns**: `return` events on those shops, each with its comment;
- **first time right**: the share of the finalized shops never returned;
- **late**: shops first handed in after the end of the day after the planned
  day (`LATE_AFTER_DAYS`), in the program's time zone; a night slot that runs
  past midnight is covered by that day;
- **off slot**: shops whose contact started more minutes outside the planned
  slot than the program's `contact_time_tolerance_minutes`;
- **without evidence**: finalized shops with no evidence file (now);
- **disputes changed**: disputes of a team leader that ended with the answer
  changed (`DisputeStatus.CHANGED`): the shopper's scoring did not hold;
- **calibration**: in the blind ratings of calibration sessions held in the month
  (followup.stats): per parameter, whether the shopper's answer is the modal
  answer of all the case's raters, counted on cases with at least
  `MIN_RATERS` raters (with two there is no majority); and how far the
  shopper's score is from the mean of the raters' scores (mean absolute
  difference, in points).

**Coaching on scoring** is flagged when first time right is below
`COACHING_BELOW` (with at least one finalized shop) or the calibration
agreement is below it (when the shopper rated).

The queries are fixed: the shops, their submit/return events, the changed
disputes, the month's ratings and the parameters they answer.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from followup import stats
from followup.models import CalibrationRating
from followup.selectors.calibration import _answer_order
from mysteryshop.spreadsheets import Sheet
from programs.models import Parameter, Program
from programs.months import add_months
from scoring.models import (
    Dispute,
    DisputeStatus,
    Evidence,
    ReviewAction,
    ReviewEvent,
    Shop,
    ShopState,
)

LATE_AFTER_DAYS = 1  # a shop is handed in by the end of the day after its planned day
MIN_RATERS = 3  # raters a calibration case needs before it has a majority
COACHING_BELOW = Fraction(4, 5)  # first time right or agreement under 80 %


@dataclass(frozen=True)
class ReturnNote:
    shop_number: int
    shop_date: date
    at: datetime
    by: str
    comment: str


@dataclass(frozen=True)
class ShopNote:
    """A shop that counts against the shopper, with what to read about it."""

    shop_number: int
    shop_date: date
    detail: str


@dataclass
class ShopperQuality:
    shopper_id: int
    name: str
    email: str
    shops: int = 0
    handed_in: int = 0
    finalized: int = 0
    first_time_right: int = 0
    returns: list[ReturnNote] = field(default_factory=list)
    late: list[ShopNote] = field(default_factory=list)
    off_slot: list[ShopNote] = field(default_factory=list)
    without_evidence: list[ShopNote] = field(default_factory=list)
    disputes_changed: list[ShopNote] = field(default_factory=list)
    cases_rated: int = 0
    parameters_rated: int = 0
    parameters_agreed: int = 0
    score_offsets: list[Decimal] = field(default_factory=list)

    @property
    def first_time_right_share(self) -> Fraction | None:
        return Fraction(self.first_time_right, self.finalized) if self.finalized else None

    @property
    def agreement_share(self) -> Fraction | None:
        if not self.parameters_rated:
            return None
        return Fraction(self.parameters_agreed, self.parameters_rated)

    @property
    def score_offset(self) -> Decimal | None:
        """Mean absolute difference of the shopper's score from the raters' mean."""
        if not self.score_offsets:
            return None
        return sum(self.score_offsets, Decimal(0)) / len(self.score_offsets)

    @property
    def low_first_time_right(self) -> bool:
        share = self.first_time_right_share
        return share is not None and share < COACHING_BELOW

    @property
    def low_agreement(self) -> bool:
        share = self.agreement_share
        return share is not None and share < COACHING_BELOW

    @property
    def needs_coaching(self) -> bool:
        return self.low_first_time_right or self.low_agreement

    @property
    def has_details(self) -> bool:
        return bool(self.returns or self.late or self.off_slot or self.without_evidence) or bool(
            self.disputes_changed
        )


@dataclass
class EvaluatorQuality:
    month: date
    previous_month: date
    next_month: date
    tolerance_minutes: int
    rows: list[ShopperQuality]

    @property
    def flagged(self) -> list[ShopperQuality]:
        return [r for r in self.rows if r.needs_coaching]


def late_after(program: Program, planned_day: date) -> datetime:
    """The instant after which a shop of `planned_day` is handed in late."""
    limit_day = planned_day + timedelta(days=1 + LATE_AFTER_DAYS)
    return datetime.combine(limit_day, time.min, program.zone)


def _shopper_name(user) -> str:
    return user.full_name or user.email


def evaluator_quality(program: Program, month: date) -> EvaluatorQuality:
    """The month's shoppers and the quality of their own work (module docstring)."""
    month = month.replace(day=1)
    end = add_months(month, 1)
    tolerance = program.contact_time_tolerance_minutes
    shops = list(
        Shop.objects.filter(
            program=program, planned_shop__date__gte=month, planned_shop__date__lt=end
        )
        .annotate(has_evidence=Exists(Evidence.objects.filter(shop=OuterRef("pk"))))
        .select_related("shopper", "planned_shop")
        .only(
            "pk",
            "state",
            "submitted_at",
            "time_deviation_minutes",
            "time_deviation_reason",
            "shopper__id",
            "shopper__full_name",
            "shopper__email",
            "planned_shop__number",
            "planned_shop__date",
        )
        .order_by("planned_shop__date", "planned_shop__number")
    )
    by_shop = {s.pk: s for s in shops}
    rows: dict[int, ShopperQuality] = {}
    for s in shops:
        rows.setdefault(
            s.shopper_id,
            ShopperQuality(s.shopper_id, _shopper_name(s.shopper), s.shopper.email),
        )

    events = defaultdict(list)
    for e in (
        ReviewEvent.objects.filter(
            shop__in=[s.pk for s in shops], action__in=[ReviewAction.SUBMIT, ReviewAction.RETURN]
        )
        .select_related("by")
        .order_by("at", "pk")
    ):
        events[e.shop_id].append(e)

    for s in shops:
        row = rows[s.shopper_id]
        planned = s.planned_shop
        row.shops += 1
        own = events[s.pk]
        submits = [e.at for e in own if e.action == ReviewAction.SUBMIT]
        first = min(submits) if submits else s.submitted_at
        returns = [e for e in own if e.action == ReviewAction.RETURN]
        for e in returns:
            row.returns.append(
                ReturnNote(
                    planned.number,
                    planned.date,
                    e.at,
                    _shopper_name(e.by) if e.by else "",
                    e.comment,
                )
            )
        if first is None:
            continue
        row.handed_in += 1
        if s.state == ShopState.FINALIZED:
            row.finalized += 1
            if not returns:
                row.first_time_right += 1
            if not s.has_evidence:
                row.without_evidence.append(ShopNote(planned.number, planned.date, ""))
        deadline = late_after(program, planned.date)
        if first >= deadline:
            hours = int((first - deadline).total_seconds() // 3600)
            row.late.append(
                ShopNote(
                    planned.number,
                    planned.date,
                    _("handed in %(when)s, %(hours)s h after the limit")
                    % {
                        "when": f"{first.astimezone(program.zone):%Y-%m-%d %H:%M}",
                        "hours": hours,
                    },
                )
            )
        minutes = s.time_deviation_minutes
        if minutes is not None and minutes > tolerance:
            detail = _("%(minutes)s min off the slot") % {"minutes": minutes}
            if s.time_deviation_reason:
                detail = f"{detail}: {s.time_deviation_reason}"
            row.off_slot.append(ShopNote(planned.number, planned.date, detail))

    for d in (
        Dispute.objects.filter(shop__in=list(by_shop), status=DisputeStatus.CHANGED)
        .select_related("parameter")
        .order_by("resolved_at", "pk")
    ):
        planned = by_shop[d.shop_id].planned_shop
        rows[by_shop[d.shop_id].shopper_id].disputes_changed.append(
            ShopNote(planned.number, planned.date, f"{d.parameter.text}: {d.resolution}")
        )

    _calibration(program, month, end, rows)
    ordered = sorted(rows.values(), key=lambda r: (r.name.lower(), r.shopper_id))
    return EvaluatorQuality(
        month=month,
        previous_month=add_months(month, -1),
        next_month=end,
        tolerance_minutes=tolerance,
        rows=ordered,
    )


def _calibration(program: Program, month: date, end: date, rows: dict[int, ShopperQuality]):
    """Add each listed shopper's agreement with the other raters of the month's
    calibration cases they rated."""
    ratings = list(
        CalibrationRating.objects.filter(
            session__program=program,
            session__held_on__gte=month,
            session__held_on__lt=end,
        )
        .select_related("shop")
        .only("pk", "session_id", "shop_id", "rater_id", "answers", "score", "shop__scorecard_id")
        .order_by("pk")
    )
    cases = defaultdict(list)
    for r in ratings:
        cases[(r.session_id, r.shop_id)].append(r)
    wanted = {
        key
        for key, given in cases.items()
        if len(given) >= MIN_RATERS and any(r.rater_id in rows for r in given)
    }
    if not wanted:
        return
    scorecards = {cases[key][0].shop.scorecard_id for key in wanted}
    parameters = defaultdict(list)
    for p in Parameter.objects.filter(section__scorecard__in=scorecards).select_related("section"):
        parameters[p.section.scorecard_id].append(p)
    for key in wanted:
        given = cases[key]
        mean = stats.spread([r.score for r in given]).mean
        for mine in given:
            row = rows.get(mine.rater_id)
            if row is None:
                continue
            row.cases_rated += 1
            if mine.score is not None and mean is not None:
                row.score_offsets.append(abs(Decimal(mine.score) - mean))
            for p in parameters[mine.shop.scorecard_id]:
                answer = mine.answers.get(str(p.pk), "")
                answers = [r.answers.get(str(p.pk), "") for r in given]
                answers = [a for a in answers if a]
                if not answer or len(answers) < MIN_RATERS:
                    continue
                row.parameters_rated += 1
                if answer == stats.agreement(answers, _answer_order(p)).modal:
                    row.parameters_agreed += 1


# --- The workbook ----------------------------------------------------------------------


def _share(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def evaluator_sheets(quality: EvaluatorQuality) -> list[Sheet]:
    """The page's table and its detail rows, as two sheets."""
    shoppers = Sheet(
        title=_("Shoppers"),
        headers=[
            _("Shopper"),
            _("E-mail"),
            _("Shops"),
            _("Handed in"),
            _("Returns"),
            _("Finalized"),
            _("First time right"),
            _("Late"),
            _("Off slot past tolerance"),
            _("Finalized without evidence"),
            _("Disputes that changed the answer"),
            _("Calibration cases rated"),
            _("Agreement with the majority"),
            _("Score off the raters' mean (points)"),
            _("Coaching on scoring"),
        ],
        rows=[
            [
                r.name,
                r.email,
                r.shops,
                r.handed_in,
                len(r.returns),
                r.finalized,
                _share(r.first_time_right_share),
                len(r.late),
                len(r.off_slot),
                len(r.without_evidence),
                len(r.disputes_changed),
                r.cases_rated,
                _share(r.agreement_share),
                r.score_offset,
                _("yes") if r.needs_coaching else "",
            ]
            for r in quality.rows
        ],
        widths=[28, 28, 8, 10, 9, 10, 12, 8, 14, 14, 14, 12, 14, 14, 12],
        number_formats={6: "0.0%", 12: "0.0%", 13: "0.00"},
    )
    details = []
    for r in quality.rows:
        for note in r.returns:
            details.append(
                [r.name, _("Return"), note.shop_number, note.shop_date, note.by, note.comment]
            )
        for kind, notes in [
            (_("Late"), r.late),
            (_("Off slot"), r.off_slot),
            (_("Without evidence"), r.without_evidence),
            (_("Dispute changed"), r.disputes_changed),
        ]:
            for note in notes:
                details.append([r.name, kind, note.shop_number, note.shop_date, "", note.detail])
    detail_sheet = Sheet(
        title=_("Details"),
        headers=[_("Shopper"), _("Finding"), _("Shop"), _("Planned day"), _("By"), _("Comment")],
        rows=details,
        widths=[28, 18, 8, 12, 24, 60],
        number_formats={3: "yyyy-mm-dd"},
    )
    return [shoppers, detail_sheet]
