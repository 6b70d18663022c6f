"""Reads of calibration (PGD-4.8, PGD-5.5.1): the list of sessions with the
month's status and the open "calibration needed" items, and one session as
plain data that both its page and its PDF render. Constant query counts."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followup import stats
from followup.models import (
    ActionStatus,
    Attendee,
    CalibrationAction,
    CalibrationCase,
    CalibrationItem,
    CalibrationRating,
    CalibrationSession,
    CaseStatus,
    CustomerCase,
    ReviewedDefect,
    RootCause,
    SessionStatus,
)
from followup.services.calibration import EDITORS, can_close_action, can_rate
from mysteryshop.history import HistoryEntry, history_entries
from programs.models import Membership, Parameter, Program, ScoringMode, User
from scoring.models import Shop

# --- The list ----------------------------------------------------------------------


def sessions_for(program: Program) -> QuerySet[CalibrationSession]:
    """The program's sessions, newest first, with attendance and action counts."""
    return (
        CalibrationSession.objects.filter(program=program)
        .select_related("related_shop__planned_shop")
        .annotate(
            invited_count=Count("attendees", distinct=True),
            present_count=Count("attendees", filter=Q(attendees__present=True), distinct=True),
            open_actions=Count(
                "actions", filter=Q(actions__status=ActionStatus.OPEN), distinct=True
            ),
        )
        .order_by("-held_on", "-pk")
    )


def open_items(program: Program) -> list[CalibrationItem]:
    """High-impact shops still waiting for their calibration (a shop whose flag
    was taken off again no longer waits, nor one whose open customer case is
    listed instead), each with its planned sessions."""
    return list(
        CalibrationItem.objects.filter(
            program=program, resolved_by_session=None, shop__high_impact=True
        )
        .exclude(shop__customer_cases__status=CaseStatus.OPEN)
        .select_related("shop__planned_shop", "shop__agent", "shop__program")
        .prefetch_related(
            Prefetch(
                "shop__calibration_sessions",
                queryset=CalibrationSession.objects.filter(status=SessionStatus.PLANNED),
                to_attr="planned_sessions",
            )
        )
        .order_by("created_at", "pk")
    )


def open_cases(program: Program) -> list[CustomerCase]:
    """High-impact customer cases still waiting for their calibration, the
    soonest due first, each with the sessions planned about it."""
    return list(
        CustomerCase.objects.filter(program=program, status=CaseStatus.OPEN)
        .select_related("agent", "team")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=CalibrationSession.objects.filter(status=SessionStatus.PLANNED),
                to_attr="planned_sessions",
            )
        )
        .order_by("calibration_due_on", "pk")
    )


@dataclass(frozen=True)
class MonthStatus:
    """Whether the month has its calibration (PGD-4.8: at least monthly)."""

    month: date
    held: list[CalibrationSession]
    planned: list[CalibrationSession]


def month_status(program: Program, today: date) -> MonthStatus:
    sessions = list(
        CalibrationSession.objects.filter(
            program=program, held_on__year=today.year, held_on__month=today.month
        ).order_by("held_on", "pk")
    )
    return MonthStatus(
        month=today.replace(day=1),
        held=[s for s in sessions if s.is_held],
        planned=[s for s in sessions if not s.is_held],
    )


# --- Answers as people read them ------------------------------------------------------

MET, NOT_MET, NA = "met", "not_met", "na"
CATEGORIES = (MET, NOT_MET, NA)
CATEGORY_LABELS = {MET: _("Met"), NOT_MET: _("Not met"), NA: _("Not applicable")}
BINARY_LABELS = {MET: "1", NOT_MET: "0", NA: _("N/A")}


def answer_label(value: str, binary: bool) -> str:
    if value in CATEGORY_LABELS:
        return str((BINARY_LABELS if binary else CATEGORY_LABELS)[value])
    return value  # a point on a scale


def answer_category(value: str, parameter: Parameter) -> str:
    """Met / not met / not applicable; a scale answer is met at full marks."""
    if value in CATEGORIES:
        return value
    if parameter.answer_type == "scale" and parameter.scale_max:
        return MET if value == str(parameter.scale_max) else NOT_MET
    return NOT_MET


def _answer_order(parameter: Parameter) -> list[str]:
    if parameter.answer_type == "scale" and parameter.scale_max:
        return [str(v) for v in range(parameter.scale_max, -1, -1)] + [NA]
    return list(CATEGORIES)


# --- One session -----------------------------------------------------------------------


STRENGTH_LABELS = {
    "poor": _("poor agreement"),
    "slight": _("slight agreement"),
    "fair": _("fair agreement"),
    "moderate": _("moderate agreement"),
    "substantial": _("substantial agreement"),
    "almost_perfect": _("almost perfect agreement"),
}
UNDEFINED_LABELS = {
    stats.TOO_FEW_RATERS: _("Not defined yet: it needs at least two raters."),
    stats.NO_SUBJECTS: _("Not defined: no parameter was answered by every rater."),
    stats.NO_VARIATION: _(
        "Not defined: every rater gave the same answer to every parameter, so the agreement "
        "cannot be told apart from chance. The raters agree completely."
    ),
}


@dataclass(frozen=True)
class ParameterResult:
    number: str
    parameter: Parameter
    agreement: stats.Agreement
    counts: list[tuple[str, int]]  # (answer label, raters)
    modal_label: str
    shop_answer: str  # the finalized shop's answer, as a label

    @property
    def percent(self) -> float | None:
        share = self.agreement.share
        return None if share is None else float(share * 100)

    @property
    def split(self) -> bool:
        return self.agreement.share is not None and self.agreement.share < 1


@dataclass
class CaseResult:
    """A shop scored blind in the session, and how far its raters agree."""

    case: CalibrationCase
    ratings: list[CalibrationRating]
    mine: CalibrationRating | None
    can_rate: bool
    visible: bool  # the results may be shown to the current user
    spread: stats.Spread
    kappa: stats.FleissKappa
    parameters: list[ParameterResult]

    @property
    def shop(self) -> Shop:
        return self.case.shop

    @property
    def kappa_value(self) -> float | None:
        return None if self.kappa.kappa is None else float(self.kappa.kappa)

    @property
    def strength(self) -> str:
        return str(STRENGTH_LABELS.get(stats.kappa_strength(self.kappa.kappa), ""))

    @property
    def undefined(self) -> str:
        return str(UNDEFINED_LABELS.get(self.kappa.reason, ""))

    @property
    def low_agreement(self) -> list[ParameterResult]:
        return [p for p in self.parameters if p.split]


@dataclass
class CauseGroup:
    """A root cause with the reviewed defects it explains and its actions;
    `cause` None gathers the defects no root cause explains yet."""

    cause: RootCause | None
    defects: list[ReviewedDefect] = field(default_factory=list)
    actions: list[CalibrationAction] = field(default_factory=list)


@dataclass
class SessionPage:
    session: CalibrationSession
    attendees: list[Attendee]
    me: Attendee | None  # the signed-in user's line of the attendance list
    groups: list[CauseGroup]
    root_causes: list[RootCause]
    actions: list[CalibrationAction]
    reviewed: list[ReviewedDefect]
    cases: list[CaseResult]
    can_edit: bool
    today: date

    @property
    def present(self) -> list[Attendee]:
        return [a for a in self.attendees if a.present]

    @property
    def overdue_actions(self) -> list[CalibrationAction]:
        return [a for a in self.actions if a.status == ActionStatus.OPEN and a.due_on < self.today]


def _numbered(parameters: list[Parameter]) -> list[tuple[str, Parameter]]:
    """The "1.2"-style numbers the MS form shows, by section and parameter order."""
    numbered, sections = [], {}
    count: dict[int, int] = {}
    for p in parameters:
        s = sections.setdefault(p.section_id, len(sections) + 1)
        count[p.section_id] = count.get(p.section_id, 0) + 1
        numbered.append((f"{s}.{count[p.section_id]}", p))
    return numbered


def _case_result(
    case: CalibrationCase,
    parameters: list[Parameter],
    binary: bool,
    *,
    user: User,
    may_rate: bool,
    held: bool,
) -> CaseResult:
    ratings = list(case.ratings)
    mine = next((r for r in ratings if r.rater_id == user.pk), None)
    shop_answers = {a.parameter_id: a.value for a in case.shop.answers.all()}
    rows = []
    subjects = []
    for number, p in _numbered(parameters):
        given = [r.answers.get(str(p.pk), "") for r in ratings]
        given = [g for g in given if g]
        found = stats.agreement(given, _answer_order(p))
        rows.append(
            ParameterResult(
                number=number,
                parameter=p,
                agreement=found,
                counts=[(answer_label(a, binary), n) for a, n in found.counts.items()],
                modal_label=answer_label(found.modal, binary) if found.modal else "",
                shop_answer=answer_label(shop_answers.get(p.pk, ""), binary),
            )
        )
        if len(given) == len(ratings):
            subjects.append([answer_category(g, p) for g in given])
    kappa = stats.fleiss_kappa(stats.count_table(subjects, CATEGORIES))
    return CaseResult(
        case=case,
        ratings=ratings,
        mine=mine,
        can_rate=may_rate and mine is None,
        visible=held or mine is not None or not may_rate,
        spread=stats.spread([r.score for r in ratings]),
        kappa=kappa,
        parameters=rows,
    )


def session_page(program: Program, session: CalibrationSession, user: User) -> SessionPage:
    """Everything the session's page and its PDF show, for `user`."""
    roles = getattr(program, "user_roles", frozenset())
    attendees = list(session.attendees.select_related("user", "recorded_by"))
    roles_of: dict[int, list[str]] = {}
    for m in Membership.objects.filter(
        program=program, user__in=[a.user_id for a in attendees]
    ).order_by("role"):
        roles_of.setdefault(m.user_id, []).append(m.get_role_display())
    for a in attendees:
        a.roles = roles_of.get(a.user_id, [])
    root_causes = list(session.root_causes.select_related("created_by"))
    reviewed = list(
        session.reviewed_defects.select_related(
            "defect__shop__planned_shop", "defect__parameter__section", "defect__agent"
        ).order_by("defect__shop__planned_shop__date", "defect__shop_id", "pk")
    )
    actions = list(session.actions.select_related("owner", "root_cause"))
    groups = {c.pk: CauseGroup(c) for c in root_causes}
    loose = CauseGroup(None)
    for r in reviewed:
        groups.get(r.root_cause_id, loose).defects.append(r)
    for a in actions:
        groups.get(a.root_cause_id, loose).actions.append(a)
        a.closable = can_close_action(a, user, roles) and a.status == ActionStatus.OPEN
    cases = list(
        session.cases.select_related(
            "shop__planned_shop", "shop__agent", "shop__scorecard", "shop__program"
        ).prefetch_related(
            Prefetch(
                "shop__calibration_ratings",
                queryset=CalibrationRating.objects.filter(session=session).select_related("rater"),
                to_attr="session_ratings",
            ),
            "shop__answers",
        )
    )
    parameters: dict[int, list[Parameter]] = {}
    if cases:
        for p in (
            Parameter.objects.filter(section__scorecard__in={c.shop.scorecard_id for c in cases})
            .select_related("section")
            .order_by("section__order", "section_id", "order", "pk")
        ):
            parameters.setdefault(p.section.scorecard_id, []).append(p)
    attendee_ids = {a.user_id for a in attendees}
    may_rate = can_rate(session, user, roles, attendee_ids)
    results = []
    for c in cases:
        c.ratings = c.shop.session_ratings
        results.append(
            _case_result(
                c,
                parameters.get(c.shop.scorecard_id, []),
                c.shop.scoring_mode == ScoringMode.BINARY,  # the shop's own mode
                user=user,
                may_rate=may_rate,
                held=session.is_held,
            )
        )
    return SessionPage(
        session=session,
        attendees=attendees,
        me=next((a for a in attendees if a.user_id == user.pk), None),
        groups=[*groups.values(), *([loose] if loose.defects or loose.actions else [])],
        root_causes=root_causes,
        actions=actions,
        reviewed=reviewed,
        cases=results,
        can_edit=bool(roles & EDITORS),
        today=timezone.localdate(timezone.now(), program.zone),
    )


def session_history(session: CalibrationSession) -> list[HistoryEntry]:
    """Who changed the session (its minutes) and its improvement plan, newest
    first. Attendance carries its own who and when (confirmed_at, recorded_by)."""
    entries = [
        *history_entries(session.history.all(), limit=30),
        *history_entries(
            CalibrationAction.history.filter(session_id=session.pk), related=("owner",), limit=30
        ),
    ]
    return sorted(entries, key=lambda e: e.when, reverse=True)[:40]


# --- Retention (PGD-6, TLK-6) ----------------------------------------------------------


def shops_in_calibration(shops: list[Shop]) -> set[int]:
    """The ids of those of `shops` that a calibration session still refers to
    (as its high-impact case, a scored case, or through a reviewed defect): such
    a shop stays until the session itself goes. Four queries whatever the number
    of shops."""
    ids = [s.pk for s in shops]
    return (
        set(
            CalibrationSession.objects.filter(related_shop__in=ids).values_list(
                "related_shop_id", flat=True
            )
        )
        | set(CalibrationCase.objects.filter(shop__in=ids).values_list("shop_id", flat=True))
        | set(CalibrationRating.objects.filter(shop__in=ids).values_list("shop_id", flat=True))
        | set(
            ReviewedDefect.objects.filter(defect__shop__in=ids).values_list(
                "defect__shop_id", flat=True
            )
        )
    )


def sessions_dated_before(program: Program, cutoff: date) -> QuerySet[CalibrationSession]:
    """The program's sessions held before `cutoff`: past their retention when
    `cutoff` is today minus the program's calibration years. Deleting one
    deletes its attendance, minutes, root causes, actions and ratings."""
    return CalibrationSession.objects.filter(program=program, held_on__lt=cutoff)
