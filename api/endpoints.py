"""The REST API, /api/v1/ (django-ninja): each endpoint gets its program through
api.access.program_for (the pages' gate, or a program token), then reads through
the other apps' selectors or writes through their services. Errors are RFC 9457
problem details."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from api import problems, selectors
from api.access import ProgramToken, Session, acting_user, hides_schedule, program_for
from api.jsonl import JSONL_TYPES, jsonl_upload
from api.schemas import (
    DefectOut,
    FiguresOut,
    ImportAccepted,
    ImportOut,
    InvalidProblem,
    PlannedShopOut,
    PlanOut,
    ProblemOut,
    ShopOut,
)
from followup.models import DefectStatus
from followup.views.defects import READERS as DEFECT_READERS
from programs.access import READ_SCHEDULE
from programs.months import month_from_url
from reporting.selectors.dashboards import today_in
from reporting.services import reports
from sampling import services as sampling_services
from sampling.forms import ContactImportForm
from sampling.views.imports import DATA_ROLES

# The OpenAPI document is for developers and is checked in: English, not translated
# (a translated text would freeze in the language of the request that loaded it).
DESCRIPTION = (
    "Read a program's imports, plans, finalized shops, defects and monthly figures, "
    "and push a month of contact data. Authenticate with a program API token "
    "(`Authorization: Bearer mst_…`, made by the program's manager under Setup → "
    "API tokens) or with a signed-in session. Errors are RFC 9457 problem details "
    "(`application/problem+json`) whose `type` is `about:blank` (the HTTP status says "
    "it all) or one of: `urn:mysteryshop:problem:invalid-request` (`errors` lists "
    "each field and its message), `urn:mysteryshop:problem:import-rejected` and "
    "`urn:mysteryshop:problem:values-to-map` (in an import's `problem`: `groups` of "
    "errors by cause as the import page words them, the first row `errors`, and "
    "`errors_url` for all of them as CSV), `urn:mysteryshop:problem:schedule-hidden` "
    "(a running month's plan stays with the planners)."
)

api = NinjaAPI(
    title="mysteryshop API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,  # /api/docs is api.views.api_docs: Swagger UI served from our static files
    openapi_url="/openapi.json",
    auth=[ProgramToken(), Session()],
)

REPORT_READERS = reports.viewer_roles()
PAGE_MAX = 500  # rows a list gives at most at once (?limit=…, 100 by default)
ERRORS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: InvalidProblem}


# --- Problems ------------------------------------------------------------------------


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problems.problem_response(
        401,
        _("Send a program API token (Authorization: Bearer …) or sign in."),
        headers={"WWW-Authenticate": 'Bearer realm="mysteryshop"'},
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problems.problem_response(404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    detail = str(exc) if str(exc) else _("Your role in this program does not give access to this.")
    return problems.problem_response(403, detail)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body",
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    return problems.problem_response(
        422, _("The request is not valid."), type=problems.INVALID, errors=errors
    )


@api.exception_handler(DjangoValidationError)
def _refused(request, exc):
    errors = [
        {"field": field, "message": message}
        for field, messages in (
            exc.message_dict.items() if hasattr(exc, "error_dict") else [("body", exc.messages)]
        )
        for message in messages
    ]
    return problems.problem_response(
        422, " ".join(e["message"] for e in errors), type=problems.INVALID, errors=errors
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return problems.problem_response(exc.status_code, str(exc.message))


def _month(value: str | None) -> date | None:
    """`?month=2026-11` → its first day; a bad value is a field error."""
    if not value:
        return None
    try:
        return month_from_url(value)
    except Http404:
        raise DjangoValidationError(
            {"month": [_("“%(value)s” is not a month: write YYYY-MM.") % {"value": value}]}
        ) from None


def _schedule_hidden() -> HttpResponse:
    return problems.problem_response(
        403,
        _("What is planned for a month still running stays with the planners."),
        type=problems.SCHEDULE_HIDDEN,
    )


# --- Contact data --------------------------------------------------------------------


@api.get(
    "/programs/{code}/imports",
    response={200: list[ImportOut], **ERRORS},
    url_name="import_list",
    tags=["contact data"],
    summary="Contact data imports",
)
@paginate(LimitOffsetPagination, max_limit=PAGE_MAX)
def import_list(request: HttpRequest, code: str, month: str | None = None):
    """The program's imports, newest first; `month` (YYYY-MM) keeps those of one month."""
    program = program_for(request, code, roles=DATA_ROLES)
    return selectors.imports_of(program, _month(month))


PUSH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "month"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "month": {"type": "string", "example": "2026-11"},
                        "replace_approved": {"type": "boolean"},
                    },
                }
            },
            "application/x-ndjson": {
                "schema": {
                    "type": "string",
                    "example": '{"timestamp": "2026-11-02T08:15:00+07:00", "channel": '
                    '"Inbound", "reason": "Gadai emas", "category": "Information"}',
                }
            },
        },
    }
}


@api.post(
    "/programs/{code}/imports",
    response={
        202: ImportAccepted,
        401: ProblemOut,
        403: ProblemOut,
        404: ProblemOut,
        415: ProblemOut,
        422: InvalidProblem,
    },
    url_name="import_list",
    tags=["contact data"],
    summary="Push a month of contact data",
    openapi_extra=PUSH_BODY,
)
def import_push(
    request: HttpRequest,
    response: HttpResponse,
    code: str,
    month: str | None = None,
    replace_approved: bool = False,
):
    """A month of contacts, as the file the contact data page takes (multipart
    `file` and `month`) or as JSON lines (`?month=YYYY-MM`, one contact object a
    line, with the file's column names as keys). The same checks, importer,
    mappings and error texts as an upload on the page; the import runs in the
    background: poll the returned URL. Needs a read-write token."""
    program = program_for(request, code, roles=DATA_ROLES, push=True)
    if request.content_type == "multipart/form-data":
        data = {"month": request.POST.get("month", month or "")}
        replace = request.POST.get("replace_approved", "") or replace_approved
        files = request.FILES
    elif request.content_type in JSONL_TYPES:
        data = {"month": month or ""}
        replace = replace_approved
        files = {"file": jsonl_upload(request)}
    else:
        return problems.problem_response(
            415,
            _("Send the file as multipart/form-data, or the contacts as application/x-ndjson."),
        )
    if str(replace).lower() in {"1", "true", "on", "yes"}:
        data["replace_approved"] = "on"
    form = ContactImportForm(data, files, program=program)
    if not form.is_valid():
        errors = [
            {"field": field, "message": message}
            for field, messages in form.errors.items()
            for message in messages
        ]
        return problems.problem_response(
            422, " ".join(e["message"] for e in errors), type=problems.INVALID, errors=errors
        )
    record = sampling_services.contact_import_start(
        program=program,
        month=form.cleaned_data["month"],
        upload=form.cleaned_data["file"],
        user=acting_user(request),
    )
    url = reverse("api:import_detail", args=[program.code, record.pk])
    response["Location"] = url
    return 202, {"id": record.pk, "status": record.status, "url": url}


@api.get(
    "/programs/{code}/imports/{import_id}",
    response={200: ImportOut, **ERRORS},
    url_name="import_detail",
    tags=["contact data"],
    summary="One import: its status, and why it was rejected",
)
def import_detail(request: HttpRequest, code: str, import_id: int):
    """Poll this until `status` is `succeeded`, `failed` or `mapping`. A rejected
    import has a `problem` with the page's texts grouped by cause and the first
    row errors."""
    program = program_for(request, code, roles=DATA_ROLES)
    record = selectors.imports_of(program).filter(pk=import_id).first()
    if record is None:
        raise Http404
    return record


# --- Plans ---------------------------------------------------------------------------


@api.get(
    "/programs/{code}/plans",
    response={200: list[PlanOut], **ERRORS},
    url_name="plan_list",
    tags=["plans"],
    summary="Sample plans",
)
@paginate(LimitOffsetPagination, max_limit=PAGE_MAX)
def plan_list(request: HttpRequest, code: str, month: str | None = None):
    program = program_for(request, code, roles=READ_SCHEDULE)
    return selectors.plans_of(program, _month(month))


@api.get(
    "/programs/{code}/plans/{month}/shops",
    response={200: list[PlannedShopOut], **ERRORS},
    url_name="planned_shop_list",
    tags=["plans"],
    summary="The planned shops of a month's plan",
)
@paginate(LimitOffsetPagination, max_limit=PAGE_MAX)
def planned_shop_list(request: HttpRequest, code: str, month: str):
    program = program_for(request, code, roles=READ_SCHEDULE)
    first = _month(month)
    if hides_schedule(program, first, today_in(program)):
        raise PermissionDenied(
            _("What is planned for a month still running stays with the planners.")
        )
    plan = selectors.plans_of(program, first).first()
    if plan is None:
        raise Http404
    return selectors.planned_shops_of(plan)


# --- Shops and defects ---------------------------------------------------------------


@api.get(
    "/programs/{code}/shops",
    response={200: list[ShopOut], **ERRORS},
    url_name="shop_list",
    tags=["shops"],
    summary="Finalized shops with their scores",
)
@paginate(LimitOffsetPagination, max_limit=PAGE_MAX)
def shop_list(request: HttpRequest, code: str, month: str | None = None):
    """The finalized shops the caller may read (as on the shop list page), newest
    first, with the total score and the score of each section by its code."""
    program = program_for(request, code)
    return selectors.finalized_shops(program, acting_user(request), _month(month))


@api.get(
    "/programs/{code}/defects",
    response={200: list[DefectOut], **ERRORS},
    url_name="defect_list",
    tags=["defects"],
    summary="Defects and their acknowledgement",
)
@paginate(LimitOffsetPagination, max_limit=PAGE_MAX)
def defect_list(
    request: HttpRequest,
    code: str,
    month: str | None = None,
    status: str | None = Query(None, description="open, acknowledged or withdrawn"),
):
    program = program_for(request, code, roles=DEFECT_READERS)
    if status and status not in DefectStatus.values:
        raise DjangoValidationError(
            {
                "status": [
                    _("“%(value)s” is not a status (accepted: %(accepted)s).")
                    % {"value": status, "accepted": ", ".join(DefectStatus.values)}
                ]
            }
        )
    return selectors.defects_of(program, acting_user(request), _month(month), status)


# --- Monthly figures and reports -----------------------------------------------------


@api.get(
    "/programs/{code}/figures/{month}",
    response={200: FiguresOut, **ERRORS},
    url_name="figures",
    tags=["reports"],
    summary="A month's figures, and its report files",
)
def figures(request: HttpRequest, code: str, month: str):
    program = program_for(request, code, roles=REPORT_READERS)
    first = _month(month)
    if hides_schedule(program, first, today_in(program)):
        return _schedule_hidden()
    return selectors.month_figures(program, first)


@api.get(
    "/programs/{code}/reports/{month}/{ext}",
    response={200: None, **ERRORS},
    url_name="report_file",
    tags=["reports"],
    summary="A submitted report's file (xlsx or pdf)",
)
def report_file(request: HttpRequest, code: str, month: str, ext: str):
    program = program_for(request, code, roles=REPORT_READERS)
    first = _month(month)
    if ext not in reports.REPORT_TYPES:
        raise Http404
    if hides_schedule(program, first, today_in(program)):
        return _schedule_hidden()
    report = selectors.frozen_report(program, first)
    stored = getattr(report, f"{ext}_file", None) if report else None
    if not stored:
        raise Http404
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=reports.report_filename(report, ext),
        content_type=reports.REPORT_TYPES[ext],
    )
