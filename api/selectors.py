"""Reads of the API: querysets of the rows an endpoint lists (read with what
their schema shows, so a page costs the same queries whatever its length) and
the plain data of one import's problem and one month's figures."""

from datetime import date

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from api import problems
from api.models import ApiToken
from followup.selectors.defects import defects_for
from programs.models import Program, User
from reporting.models import MonthlyReport
from reporting.services import reports
from sampling import importer
from sampling.models import ContactImport, ImportStatus, PlannedShop, SamplePlan
from scoring.models import Shop, ShopState
from scoring.selectors import SHOP_RELATED, visible_shops


def tokens_of(program: Program) -> list[ApiToken]:
    """The program's tokens, newest first, revoked ones too. One query."""
    return list(
        ApiToken.objects.filter(program=program).select_related("created_by", "revoked_by")
    )


# --- Imports -------------------------------------------------------------------------


def imports_of(program: Program, month: date | None = None) -> QuerySet[ContactImport]:
    imports = ContactImport.objects.filter(program=program).select_related("program")
    if month is not None:
        imports = imports.filter(month=month)
    return imports.prefetch_related(
        "program__categories",
        "program__channels",
        Prefetch("plans", queryset=SamplePlan.objects.order_by("-month"), to_attr="plan_list"),
    ).order_by("-created_at", "-pk")


def with_plan(record: ContactImport) -> ContactImport:
    """The plan made from the import (as on the import list), from the prefetch."""
    plans = getattr(record, "plan_list", None)
    record.plan = plans[0] if plans else None
    return record


def import_problem(record: ContactImport) -> dict | None:
    """Why the import is not in, as a problem document in the reader's language:
    the message and the groups of errors worded as on the import page."""
    if record.status not in (ImportStatus.FAILED, ImportStatus.NEEDS_MAPPING):
        return None
    program = record.program
    known = {
        importer.UNKNOWN_CATEGORY: ", ".join(c.name for c in program.categories.all()),
        importer.UNKNOWN_CHANNEL: ", ".join(c.name for c in program.channels.all()),
    }
    groups = [
        {**g, "text": importer.describe_group(g, known.get(g["code"], ""))}
        for g in record.error_groups
    ]
    errors_url = (
        reverse("contact_import_errors", args=[program.code, record.pk])
        if record.errors_file
        else None
    )
    if record.status == ImportStatus.NEEDS_MAPPING:
        return problems.problem(
            422,
            _(
                "The file has values this program does not know. Map them on the import "
                "page; the file is then read again."
            ),
            type=problems.VALUES_TO_MAP,
            title=str(ImportStatus.NEEDS_MAPPING.label),
            groups=groups,
            errors=record.errors_preview,
            error_count=record.error_count,
            errors_url=errors_url,
        )
    return problems.problem(
        422,
        record.message_shown,
        type=problems.IMPORT_REJECTED,
        title=str(ImportStatus.FAILED.label),
        groups=groups,
        errors=record.errors_preview,
        error_count=record.error_count,
        errors_url=errors_url,
    )


# --- Plans ---------------------------------------------------------------------------


def plans_of(program: Program, month: date | None = None) -> QuerySet[SamplePlan]:
    plans = SamplePlan.objects.filter(program=program).select_related("program")
    if month is not None:
        plans = plans.filter(month=month)
    return plans.order_by("-month")


def planned_shops_of(plan: SamplePlan) -> QuerySet[PlannedShop]:
    return (
        PlannedShop.objects.filter(plan=plan)
        .select_related(
            "slot",
            "stratum__band",
            "stratum__reason__category",
            "area",
            "channel",
            "scenario",
            "shopper",
        )
        .order_by("date", "slot__start", "number")
    )


# --- Shops and defects ---------------------------------------------------------------


def finalized_shops(program: Program, user: User | None, month: date | None) -> QuerySet[Shop]:
    """The finalized shops the caller may read (scoring.selectors.visible_shops)."""
    shops = visible_shops(program, user).filter(state=ShopState.FINALIZED)
    if month is not None:
        shops = shops.filter(planned_shop__plan__month=month)
    return shops.select_related(*SHOP_RELATED, "planned_shop__plan", "program").order_by(
        "-finalized_at", "-pk"
    )


def defects_of(program: Program, user: User | None, month: date | None, status: str | None):
    """The defects the caller may read (followup.selectors.defects.defects_for)."""
    defects = defects_for(program, user).select_related("shop__planned_shop__plan")
    if month is not None:
        defects = defects.filter(shop__planned_shop__plan__month=month)
    if status:
        defects = defects.filter(status=status)
    return defects.order_by("-created_at", "-pk")


# --- Monthly figures -----------------------------------------------------------------


def _mean(m) -> dict:
    return {"n": m.n, "mean": m.mean, "low": m.low, "high": m.high}


def _groups(groups) -> list[dict]:
    return [{"label": str(g.label), "score": _mean(g.score)} for g in groups]


def month_figures(program: Program, month: date) -> dict:
    """The month's figures as its report shows them (frozen once submitted) and
    the links to the report's files."""
    report: MonthlyReport | None = reports.current_report(program, month)
    figures = reports.report_figures(report, program, month)
    code, key = program.code, f"{month:%Y-%m}"
    report_out = None
    if report is not None:
        frozen = bool(report.frozen)
        report_out = {
            "status": report.status,
            "revision": report.revision,
            "submitted_at": report.submitted_at,
            "acknowledged_at": report.acknowledged_at,
            "xlsx_url": reverse("api:report_file", args=[code, key, "xlsx"])
            if frozen and report.xlsx_file
            else None,
            "pdf_url": reverse("api:report_file", args=[code, key, "pdf"])
            if frozen and report.pdf_file
            else None,
        }
    return {
        "month": key,
        "target": figures.target,
        "overall": _mean(figures.overall),
        "target_met": figures.target_met,
        "at_target": figures.at_target.k,
        "sections": _groups(figures.sections),
        "channels": _groups(figures.channels),
        "categories": _groups(figures.categories),
        "bands": _groups(figures.bands),
        "teams": _groups(figures.teams),
        "agents": _groups(figures.agents),
        "areas": _groups(figures.areas),
        "critical_rates": dict(figures.critical_rates),
        "planned": figures.planned,
        "done": figures.done,
        "coverage": [
            {
                "area": str(c.area),
                "reason": str(c.reason),
                "band": str(c.band),
                "planned": c.planned,
                "done": c.done,
                "uncovered": c.uncovered,
            }
            for c in figures.coverage
        ],
        "pareto": [
            {
                "parameter": str(p.parameter),
                "section": str(p.section),
                "defects": p.defects,
                "share": p.share,
                "cumulative": p.cumulative,
            }
            for p in figures.pareto
        ],
        "follow_up": {str(k): v for k, v in figures.follow_up.items()},
        "calibrations_held": figures.calibrations_held,
        "report": report_out,
        "page_url": reverse("report_detail", args=[code, key]),
    }


def frozen_report(program: Program, month: date) -> MonthlyReport | None:
    report = reports.current_report(program, month)
    return report if report is not None and report.frozen else None
