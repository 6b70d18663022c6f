"""Reads of the scoring app, as plain data for the review pages and the export.

Who sees which shop (PGD-5.1.2, TLK-5.3.4): managers, QC analysts, supervisors
and viewers see every shop of the program; a shopper sees the shops they made;
a team leader also sees the shops of the agents in the teams they lead. Those
who may not read the schedule (programs.access.READ_SCHEDULE) never see
another person's draft: its contact may still be ahead, and its date, slot
and scenario would tip off the agents' side.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.access import READ_SCENARIOS, READ_SCHEDULE
from programs.models import (
    AnswerType,
    CriticalScope,
    CriticalType,
    Parameter,
    Program,
    Role,
    ScoringMode,
    Section,
    User,
)
from programs.selectors.scorecards import MsForm, ScorecardOutline, ms_form, scorecard_outline
from scoring.models import Dispute, DisputeStatus, Evidence, ReviewEvent, Shop, ShopState
from scoring.signals import shop_read_asked

ALL_SHOPS_ROLES = frozenset({Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.VIEWER})
REVIEWERS = frozenset({Role.MANAGER, Role.QC_ANALYST})  # return, finalize, correct, resolve
FORWARDERS = frozenset({Role.SUPERVISOR})  # pass team leaders' forms on (TLK-5.3.4)
QUEUE_ROLES = REVIEWERS | FORWARDERS

# What every shop list and the export read with the shop, in the same query.
SHOP_RELATED = (
    "planned_shop__slot__band",
    "planned_shop__stratum__reason__category",
    "planned_shop__stratum__band",
    "planned_shop__channel",
    "channel",
    "shopper",
    "agent__team",
)

MET, NOT_MET, NA = "met", "not_met", "na"


# --- Who sees what -------------------------------------------------------------------


def sees_all_shops(program: Program) -> bool:
    return bool(program.user_roles & ALL_SHOPS_ROLES)


def visible_shops(program: Program, user: User) -> QuerySet[Shop]:
    """The program's shops `user` may read (program.user_roles set by the gate)."""
    shops = Shop.objects.filter(program=program)
    if not program.user_roles & READ_SCHEDULE:
        shops = shops.filter(~Q(state=ShopState.DRAFT) | Q(shopper=user))
    if sees_all_shops(program):
        return shops
    mine = Q(shopper=user)
    if Role.TEAM_LEADER in program.user_roles:
        mine |= Q(agent__team__team_leader=user)
    return shops.filter(mine)


def can_view(program: Program, user: User, shop: Shop) -> bool:
    """The same rule as visible_shops, for one shop whose agent's team is loaded."""
    if shop.shopper_id == user.pk:
        return True
    if shop.state == ShopState.DRAFT and not program.user_roles & READ_SCHEDULE:
        return False
    if sees_all_shops(program):
        return True
    return (
        Role.TEAM_LEADER in program.user_roles
        and shop.agent_id is not None
        and shop.agent.team.team_leader_id == user.pk
    ) or read_granted(user, shop)


def read_granted(user: User, shop: Shop) -> bool:
    """Whether a later stage lets `user` read `shop` for now (signals.shop_read_asked),
    e.g. a calibration rater while the session lasts."""
    return any(answer is True for _r, answer in shop_read_asked.send(Shop, user=user, shop=shop))


def can_see_scenario(program: Program, user: User, shop: Shop) -> bool:
    """The scenario is kept from the agents' side (programs.access.READ_SCENARIOS)."""
    return shop.shopper_id == user.pk or bool(program.user_roles & READ_SCENARIOS)


def review_queue(program: Program) -> QuerySet[Shop]:
    """Forms waiting for the current user, oldest submission first: submitted
    shops for analysts and managers, team leaders' forms with the supervisor
    for supervisors (TLK-5.3.4)."""
    states = []
    if program.user_roles & REVIEWERS:
        states.append(ShopState.SUBMITTED)
    if program.user_roles & FORWARDERS:
        states.append(ShopState.SUPERVISOR_REVIEW)
    return (
        Shop.objects.filter(program=program, state__in=states)
        .select_related(*SHOP_RELATED)
        .order_by("submitted_at", "pk")
    )


def shops_keeping_mode(program: Program, mode: str) -> int:
    """How many of the program's shops keep a scoring mode other than `mode`:
    if the program switched to `mode`, they would still be scored (revised,
    finalized, calibrated) under theirs. Registered in programs' MODE_KEEPERS."""
    return Shop.objects.filter(program=program).exclude(scoring_mode=mode).count()


# --- Answers -------------------------------------------------------------------------


def shop_outline(shop: Shop) -> ScorecardOutline:
    """The shop's scorecard version under the shop's own scoring mode (not the
    program's current one): what its form, its page and its ratings show."""
    return scorecard_outline(shop.scorecard, mode=shop.scoring_mode)


def answer_choices(parameter: Parameter, binary: bool) -> list[tuple[str, str]]:
    """(value, label) of the answers the MS form offers for `parameter`."""
    if parameter.answer_type == AnswerType.SCALE and not binary:
        choices = [(str(v), str(v)) for v in range((parameter.scale_max or 1) + 1)]
    elif binary:
        choices = [(MET, _("1 (correct)")), (NOT_MET, _("0 (wrong)"))]
    else:
        choices = [(MET, _("Met")), (NOT_MET, _("Not met"))]
    if parameter.allow_not_applicable:
        choices.append((NA, _("Not applicable")))
    return choices


def answer_label(parameter: Parameter | None, value: str, binary: bool) -> str:
    if not value:
        return str(_("not answered"))
    if parameter is not None:
        for choice, label in answer_choices(parameter, binary):
            if choice == value:
                return str(label)
    return value


def is_not_met(parameter: Parameter, value: str) -> bool:
    return value == NOT_MET or (parameter.answer_type == AnswerType.SCALE and value == "0")


# --- Lists and the export ------------------------------------------------------------


@dataclass(frozen=True)
class CriticalError:
    critical_type: str
    type_label: str
    parameter: str
    scope_label: str


@dataclass(frozen=True)
class ShopRow:
    """One shop as the list page and the XLSX export show it."""

    pk: int
    number: int
    date: date
    slot: str
    channel: str
    reason: str
    category: str
    time_band: str
    shopper: str
    agent: str
    team: str
    state: str
    state_label: str
    score: Decimal | None
    below_target: bool
    sections: dict[str, Decimal | None]
    critical_errors: list[CriticalError]
    high_impact: bool
    notes: str
    submitted_at: datetime | None
    handin_due: date | None = None
    time_deviation_minutes: int | None = None


def _decimal(value) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def _critical_error(failure: dict, parameters: dict[int, Parameter]) -> CriticalError:
    parameter = parameters.get(failure.get("parameter"))
    kind = failure.get("type", "")
    return CriticalError(
        critical_type=kind,
        type_label=str(CriticalType(kind).label) if kind in CriticalType.values else kind,
        parameter=parameter.text if parameter else "",
        scope_label=str(CriticalScope(failure.get("scope", "shop")).label),
    )


# Who may see which mystery shopper made a shop: not the agents' side (team
# leaders, viewers), so that nobody can tip agents off about the shoppers.
SHOPPER_VISIBLE = frozenset({Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR})


def sees_shoppers(program: Program) -> bool:
    """Whether the current user (program.user_roles) may see every shop's shopper."""
    return bool(program.user_roles & SHOPPER_VISIBLE)


def shop_rows(program: Program, shops: Iterable[Shop], *, user=None) -> list[ShopRow]:
    """Rows of shops read with SHOP_RELATED; one more query for the texts of
    the critical parameters that failed. With `user`, a shopper's name is only
    shown to those who may see shoppers, or to the shopper themself."""
    shops = list(shops)
    all_names = user is None or sees_shoppers(program)
    # The agents' side (team leaders, viewers) reads a score once the QC analyst
    # has finalized it, and never the shopper's internal notes.
    inside = user is None or sees_shoppers(program)
    failed_ids = {f.get("parameter") for s in shops for f in s.critical_failures or []}
    parameters = Parameter.objects.in_bulk([pk for pk in failed_ids if pk])
    rows = []
    for shop in shops:
        planned = shop.planned_shop
        channel = shop.channel or planned.channel
        scored = inside or shop.state == ShopState.FINALIZED
        rows.append(
            ShopRow(
                pk=shop.pk,
                number=planned.number,
                date=planned.date,
                slot=str(planned.slot),
                channel=channel.name,
                reason=planned.stratum.reason.name,
                category=planned.stratum.reason.category.name,
                time_band=planned.stratum.band.name,
                shopper=str(shop.shopper) if all_names or shop.shopper_id == user.pk else "",
                agent=shop.agent.name if shop.agent_id else "",
                team=shop.agent.team.name if shop.agent_id else "",
                state=shop.state,
                state_label=str(shop.get_state_display()),
                score=shop.score if scored else None,
                below_target=scored
                and shop.score is not None
                and shop.score < program.target_score,
                sections={k: _decimal(v) for k, v in (shop.section_scores or {}).items()}
                if scored
                else {},
                critical_errors=[
                    _critical_error(f, parameters) for f in shop.critical_failures or []
                ]
                if scored
                else [],
                high_impact=shop.high_impact,
                notes=shop.notes if inside else "",
                submitted_at=shop.submitted_at,
                handin_due=shop.handin_due,
                time_deviation_minutes=shop.time_deviation_minutes,
            )
        )
    return rows


def section_columns(shops: QuerySet[Shop]) -> list[tuple[str, str]]:
    """(code, name) of every section of the scorecards the shops were scored
    with, in scorecard order; a code shared by versions is one column. One query."""
    columns: dict[str, str] = {}
    sections = (
        Section.objects.filter(scorecard__in=shops.values("scorecard"))
        .order_by("order", "scorecard__version", "pk")
        .values_list("code", "name")
    )
    for code, name in sections:
        columns[code] = name  # the newest version's name wins
    return list(columns.items())


# --- One shop ------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionScore:
    section: Section
    number: int
    score: Decimal | None
    below_target: bool


@dataclass(frozen=True)
class AnswerChange:
    number: str
    parameter: str
    before: str
    after: str
    before_note: str
    after_note: str


@dataclass(frozen=True)
class RevisionView:
    number: int
    reason: str
    by: User | None
    at: datetime
    score_before: Decimal | None
    score_after: Decimal | None
    changes: list[AnswerChange]


@dataclass(frozen=True)
class DisputeView:
    dispute: Dispute
    number: str
    parameter: Parameter | None
    current_answer: str

    @property
    def is_open(self) -> bool:
        return self.dispute.status == DisputeStatus.OPEN


@dataclass
class ShopRecord:
    """Everything the shop's page shows; read in a fixed number of queries."""

    shop: Shop
    outline: ScorecardOutline
    ms_form: MsForm
    binary: bool
    target: Decimal
    below_target: bool
    sections: list[SectionScore]
    critical_errors: list[tuple[str, Parameter | None, CriticalError]]
    evidence: list[Evidence]
    events: list[ReviewEvent]
    revisions: list[RevisionView]
    disputes: list[DisputeView]
    answers: dict[int, dict[str, str]]
    numbers: dict[int, str] = field(default_factory=dict)  # parameter id -> "2.3"
    parameters: dict[int, Parameter] = field(default_factory=dict)
    dispute_until: datetime | None = None

    @property
    def dispute_window_open(self) -> bool:
        return self.dispute_until is not None and timezone.now() <= self.dispute_until

    def parameter_choices(self) -> list[tuple[str, list[tuple[int, str]]]]:
        """(section, [(parameter id, "2.3 text (answer)"), …]) for a select's optgroups."""
        groups = []
        for section in self.outline.sections:
            options = []
            for parameter in section.parameters:
                value = self.answers.get(parameter.pk, {}).get("answer", "")
                label = answer_label(parameter, value, self.binary)
                options.append(
                    (parameter.pk, f"{self.numbers[parameter.pk]} {parameter.text} ({label})")
                )
            groups.append((section.section.name, options))
        return groups


def shop_for_page(program: Program, pk: int) -> Shop:
    """The shop with what its page and its access check read; raises DoesNotExist."""
    return Shop.objects.select_related(
        *SHOP_RELATED,
        "planned_shop__scenario",
        "scorecard__program",
        "agent__team__team_leader",
        "finalized_by",
    ).get(program=program, pk=pk)


def _order(numbers: dict[int, str], key: str) -> tuple[int, ...]:
    number = numbers.get(int(key))
    return tuple(int(part) for part in number.split(".")) if number else (10**6, int(key))


def _revision_view(revision, record: ShopRecord) -> RevisionView:
    before = revision.before.get("answers", {})
    after = revision.after.get("answers", {})
    changes = []
    for key in sorted(set(before) | set(after), key=lambda k: _order(record.numbers, k)):
        old, new = before.get(key, ["", "", ""]), after.get(key, ["", "", ""])
        if old == new:
            continue
        parameter = record.parameters.get(int(key))
        changes.append(
            AnswerChange(
                number=record.numbers.get(int(key), ""),
                parameter=parameter.text if parameter else key,
                before=answer_label(parameter, old[0], record.binary),
                after=answer_label(parameter, new[0], record.binary),
                before_note=old[1],
                after_note=new[1],
            )
        )
    return RevisionView(
        number=revision.number,
        reason=revision.reason,
        by=revision.by,
        at=revision.at,
        score_before=_decimal(revision.before.get("score")),
        score_after=_decimal(revision.after.get("score")),
        changes=changes,
    )


def shop_record(program: Program, shop: Shop, *, applies=None) -> ShopRecord:
    """The shop's page (PGD-5.1.2, PGD-2.3, TLK-5.3.4, TLK-5.6.1): record,
    evidence, answers, scores against the target, timeline, revisions, disputes.
    With `applies` (parameter ids, #23) the others are hidden from its form."""
    outline = shop_outline(shop)
    binary = shop.scoring_mode == ScoringMode.BINARY
    answers = {
        a.parameter_id: {
            "answer": a.value,
            "nonconformity": a.nonconformity,
            "correct_solution": a.correct_solution,
        }
        for a in shop.answers.all()
    }
    numbers, parameters = {}, {}
    for s_number, section in enumerate(outline.sections, start=1):
        for p_number, parameter in enumerate(section.parameters, start=1):
            numbers[parameter.pk] = f"{s_number}.{p_number}"
            parameters[parameter.pk] = parameter
    target = program.target_score
    sections = []
    for number, section in enumerate(outline.sections, start=1):
        score = _decimal((shop.section_scores or {}).get(section.section.code))
        sections.append(
            SectionScore(section.section, number, score, score is not None and score < target)
        )
    record = ShopRecord(
        shop=shop,
        outline=outline,
        ms_form=ms_form(outline, answers=answers, applies=applies),
        binary=binary,
        target=target,
        below_target=shop.score is not None and shop.score < target,
        sections=sections,
        critical_errors=[
            (
                numbers.get(f.get("parameter"), ""),
                parameters.get(f.get("parameter")),
                _critical_error(f, parameters),
            )
            for f in shop.critical_failures or []
        ],
        evidence=list(shop.evidence.select_related("uploaded_by")),
        events=list(shop.events.select_related("by")),
        revisions=[],
        disputes=[],
        answers=answers,
        numbers=numbers,
        parameters=parameters,
    )
    record.revisions = [
        _revision_view(r, record) for r in shop.revisions.select_related("by").order_by("number")
    ]
    record.disputes = [
        DisputeView(
            dispute=d,
            number=numbers.get(d.parameter_id, ""),
            parameter=parameters.get(d.parameter_id),
            current_answer=answer_label(
                parameters.get(d.parameter_id),
                answers.get(d.parameter_id, {}).get("answer", ""),
                binary,
            ),
        )
        for d in shop.disputes.select_related("raised_by", "resolved_by")
    ]
    if shop.state == ShopState.FINALIZED and shop.finalized_at:
        record.dispute_until = shop.finalized_at + timedelta(days=program.dispute_window_days)
    return record
