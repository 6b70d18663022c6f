"""What the API returns, as ninja schemas (they make the OpenAPI document).

Resolvers read only what the endpoint's queryset selected, so a page of rows
costs the same queries whatever its length."""

from datetime import date, datetime
from decimal import Decimal

from django.urls import reverse
from ninja import Schema


class ProblemOut(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None


class FieldError(Schema):
    field: str
    message: str


class InvalidProblem(ProblemOut):
    errors: list[FieldError] = []


class RowError(Schema):
    row: int | None = None
    column: str | None = None
    message: str


class ErrorGroup(Schema):
    code: int
    column: str = ""
    value: str = ""
    n: int
    rows: list[int]
    text: str  # the sentence the import page shows, in the reader's language


class ImportProblem(ProblemOut):
    """Why an import did not go in: the same texts as its page, grouped by cause,
    and the first row errors (all of them in `errors_url`, as CSV)."""

    groups: list[ErrorGroup] = []
    errors: list[RowError] = []
    error_count: int = 0
    errors_url: str | None = None


class ValueToMap(Schema):
    kind: str
    value: str
    qualifier: str = ""
    n: int
    rows: list[int] = []


class ImportOut(Schema):
    id: int
    month: str
    status: str
    status_label: str
    progress: int
    file_name: str
    rows: int
    rows_left_out: int
    uploaded_at: datetime
    finished_at: datetime | None
    plan_month: str | None
    page_url: str
    problem: ImportProblem | None
    values_to_map: list[ValueToMap]

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_file_name(obj) -> str:
        return obj.original_name

    @staticmethod
    def resolve_rows(obj) -> int:
        return obj.row_count

    @staticmethod
    def resolve_rows_left_out(obj) -> int:
        return obj.ignored_rows

    @staticmethod
    def resolve_uploaded_at(obj) -> datetime:
        return obj.created_at

    @staticmethod
    def resolve_plan_month(obj) -> str | None:
        plans = getattr(obj, "plan_list", None)  # api.selectors.imports_of
        plan = plans[0] if plans else None
        return f"{plan.month:%Y-%m}" if plan else None

    @staticmethod
    def resolve_page_url(obj) -> str:
        return reverse("contact_import_detail", args=[obj.program.code, obj.pk])

    @staticmethod
    def resolve_values_to_map(obj) -> list[dict]:
        return [
            {"kind": kind, **{k: v for k, v in value.items() if k in ValueToMap.model_fields}}
            for kind, values in (obj.unknown_values or {}).items()
            for value in values
        ]

    @staticmethod
    def resolve_problem(obj) -> dict | None:
        from api.selectors import import_problem

        return import_problem(obj)


class ImportAccepted(Schema):
    id: int
    status: str
    url: str


class PlanOut(Schema):
    id: int
    month: str
    status: str
    sample_size: int
    seed: int
    frame_total: int
    frame_per_area: bool
    starts_on: date | None
    approved_at: datetime | None
    contact_import_id: int
    notes: list[str]
    shops_url: str

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_notes(obj) -> list[str]:
        return [str(n) for n in obj.note_messages]

    @staticmethod
    def resolve_shops_url(obj) -> str:
        return reverse("api:planned_shop_list", args=[obj.program.code, f"{obj.month:%Y-%m}"])


class PlannedShopOut(Schema):
    id: int
    number: int
    date: date
    slot: str
    time_band: str
    reason: str
    category: str
    area: str | None
    channel: str
    scenario: str | None
    shopper: str | None
    status: str
    status_label: str
    retest_of: int | None

    @staticmethod
    def resolve_slot(obj) -> str:
        return f"{obj.slot.start:%H:%M}–{obj.slot.end:%H:%M}"

    @staticmethod
    def resolve_time_band(obj) -> str:
        return obj.stratum.band.name

    @staticmethod
    def resolve_reason(obj) -> str:
        return obj.stratum.reason.name

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.stratum.reason.category.name

    @staticmethod
    def resolve_area(obj) -> str | None:
        return obj.area.name if obj.area_id else None

    @staticmethod
    def resolve_channel(obj) -> str:
        return obj.channel.name

    @staticmethod
    def resolve_scenario(obj) -> str | None:
        return obj.scenario.title if obj.scenario_id else None

    @staticmethod
    def resolve_shopper(obj) -> str | None:
        return str(obj.shopper) if obj.shopper_id else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_retest_of(obj) -> int | None:
        return obj.retest_of_id


class ShopOut(Schema):
    """A finalized shop with its scores (the total and one per section, by code)."""

    id: int
    number: int
    month: str
    date: date
    executed_at: datetime | None
    finalized_at: datetime | None
    channel: str
    reason: str
    category: str
    time_band: str
    agent: str | None
    team: str | None
    scoring_mode: str
    score: Decimal | None
    below_target: bool
    sections: dict[str, Decimal | None]
    critical_errors: list[str]
    high_impact: bool

    @staticmethod
    def resolve_number(obj) -> int:
        return obj.planned_shop.number

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.planned_shop.plan.month:%Y-%m}"

    @staticmethod
    def resolve_date(obj) -> date:
        return obj.planned_shop.date

    @staticmethod
    def resolve_channel(obj) -> str:
        return (obj.channel or obj.planned_shop.channel).name

    @staticmethod
    def resolve_reason(obj) -> str:
        return obj.planned_shop.stratum.reason.name

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.planned_shop.stratum.reason.category.name

    @staticmethod
    def resolve_time_band(obj) -> str:
        return obj.planned_shop.stratum.band.name

    @staticmethod
    def resolve_agent(obj) -> str | None:
        return obj.agent.name if obj.agent_id else None

    @staticmethod
    def resolve_team(obj) -> str | None:
        return obj.agent.team.name if obj.agent_id else None

    @staticmethod
    def resolve_below_target(obj) -> bool:
        return obj.score is not None and obj.score < obj.program.target_score

    @staticmethod
    def resolve_sections(obj) -> dict:
        return dict(obj.section_scores or {})

    @staticmethod
    def resolve_critical_errors(obj) -> list[str]:
        return [f.get("type", "") for f in obj.critical_failures or []]


class DefectOut(Schema):
    id: int
    shop_id: int
    shop_number: int
    month: str
    section: str
    parameter: str
    critical_type: str
    agent: str
    team: str
    team_leader: str | None
    status: str
    status_label: str
    due_on: date
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    comment: str
    nonconformity: str
    correct_solution: str
    created_at: datetime

    @staticmethod
    def resolve_shop_number(obj) -> int:
        return obj.shop.planned_shop.number

    @staticmethod
    def resolve_month(obj) -> str:
        return f"{obj.shop.planned_shop.plan.month:%Y-%m}"

    @staticmethod
    def resolve_section(obj) -> str:
        return obj.parameter.section.name

    @staticmethod
    def resolve_parameter(obj) -> str:
        return obj.parameter.text

    @staticmethod
    def resolve_agent(obj) -> str:
        return obj.agent.name

    @staticmethod
    def resolve_team(obj) -> str:
        return obj.team.name

    @staticmethod
    def resolve_team_leader(obj) -> str | None:
        return str(obj.team_leader) if obj.team_leader_id else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_acknowledged_by(obj) -> str | None:
        return str(obj.acknowledged_by) if obj.acknowledged_by_id else None


class MeanOut(Schema):
    n: int
    mean: Decimal | None
    low: Decimal | None
    high: Decimal | None


class GroupOut(Schema):
    label: str
    score: MeanOut


class CoverageOut(Schema):
    area: str
    reason: str
    band: str
    planned: int
    done: int
    uncovered: bool


class ParetoOut(Schema):
    parameter: str
    section: str
    defects: int
    share: float
    cumulative: float


class ReportOut(Schema):
    status: str
    revision: int
    submitted_at: datetime | None
    acknowledged_at: datetime | None
    xlsx_url: str | None
    pdf_url: str | None


class FiguresOut(Schema):
    """The month's figures as the monthly report (F-27) shows them: frozen once
    the report is submitted, live before."""

    month: str
    target: Decimal
    overall: MeanOut
    target_met: bool | None
    at_target: int
    sections: list[GroupOut]
    channels: list[GroupOut]
    categories: list[GroupOut]
    bands: list[GroupOut]
    teams: list[GroupOut]
    agents: list[GroupOut]
    areas: list[GroupOut]
    critical_rates: dict[str, float]
    planned: int
    done: int
    coverage: list[CoverageOut]
    pareto: list[ParetoOut]
    follow_up: dict[str, int]
    calibrations_held: int
    report: ReportOut | None
    page_url: str
