"""The monthly report's renderings: the page's and the PDF's template context,
the XLSX and the PDF — all made from one `MonthlyFigures`, never from the
database.

The PDF is kept quick (issue #20: tables dominate WeasyPrint's time): tables
have a fixed layout with their column widths in the print CSS, and the long
texts of the nonconformity table are clipped, with a note that the XLSX has
them whole. A draft's PDF is cached by a hash of what it shows.
"""

import dataclasses
import hashlib
import json
import math

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followup.exports import recap_sheet
from followup.models import FollowUpStatus
from mysteryshop.pdf import html_to_pdf
from mysteryshop.spreadsheets import Chart, Formatted, Sheet, workbook_bytes
from reporting import snapshot
from reporting.charts import Bar, bar_chart, bars_from_groups, trend_chart
from reporting.dates import report_due_day
from reporting.models import MonthlyReport
from reporting.selectors.reports import Group, MonthlyFigures

CRITICAL_KINDS = ("CACE", "BACE", "CoACE")
PERCENT = "0.0%"
SCORE = "0.00"
# Longest nonconformity or correct solution the PDF prints, in characters; the
# XLSX carries them whole.
PDF_TEXT_LIMIT = 240
PDF_TEXT_LINES = 4
# Bump when pdf.html, _figures.html or report_pdf change what a PDF shows: the
# cached drafts of the old layout are then never served.
PDF_TEMPLATE_VERSION = 3
DRAFT_PDF_SECONDS = 24 * 3600


def breakdowns(figures: MonthlyFigures) -> list[tuple[str, str, str, list[Group]]]:
    """(key, title, sheet name, groups) of every breakdown, in the report's order."""
    return [
        ("sections", _("Score per KPI / section"), _("KPIs"), figures.sections),
        ("channels", _("Score per channel"), _("Channels"), figures.channels),
        (
            "categories",
            _("Score per interaction category"),
            _("Categories"),
            figures.categories,
        ),
        ("bands", _("Score per time band"), _("Time bands"), figures.bands),
        ("teams", _("Score per team"), _("Teams"), figures.teams),
        ("agents", _("Score per agent"), _("Agents"), figures.agents),
        ("areas", _("Score per area"), _("Areas"), figures.areas),  # plans framed per area
    ]


def report_context(figures: MonthlyFigures, report: MonthlyReport | None) -> dict:
    """What the page and the PDF show: the figures, their charts and tables."""
    target = float(figures.target)
    return {
        "figures": figures,
        "report": report,
        "breakdowns": [
            {
                "key": key,
                "title": title,
                "groups": groups,
                "chart": bar_chart(bars_from_groups(groups), target=target, title=title),
            }
            for key, title, _sheet, groups in breakdowns(figures)
            if groups
        ],
        "trend_chart": trend_chart(figures.trend, target=target, title=_("12-month trend")),
        "critical": [(k, figures.critical_rates.get(k, 0.0)) for k in CRITICAL_KINDS],
        "critical_chart": bar_chart(
            [Bar(k, figures.critical_rates.get(k, 0.0) * 100) for k in CRITICAL_KINDS],
            # The axis to the next ten above the highest rate: a 3 % bar stays visible.
            maximum=float(
                min(100, 10 * math.ceil(max([*figures.critical_rates.values(), 0.01]) * 10))
            ),
            unit="%",
            title=_("Critical-error rates"),
        ),
        "pareto_chart": bar_chart(
            [Bar(f"{p.parameter}", float(p.defects)) for p in figures.pareto[:10]],
            maximum=float(max((p.defects for p in figures.pareto), default=1)),
            title=_("Defect Pareto"),
        ),
        "follow_up": follow_up_rows(figures),
        "nonconformities": figures.nonconformities,
    }


def clip(text: str, limit: int = PDF_TEXT_LIMIT, lines: int = PDF_TEXT_LINES) -> str:
    """`text` cut to `limit` characters and `lines` lines, at a word, with "…"
    when cut."""
    kept = text.strip()
    parts = kept.splitlines()
    if len(parts) > lines:
        kept = "\n".join(parts[:lines])
    if len(kept) > limit:
        kept = kept[:limit].rsplit(None, 1)[0] if " " in kept[:limit] else kept[:limit]
    if kept == text.strip():
        return text
    return kept.rstrip(" ,.;:") + " …"


def clipped_nonconformities(figures: MonthlyFigures) -> tuple[list, int]:
    """The nonconformity rows as the PDF prints them, and how many were clipped."""
    rows, cut = [], 0
    for row in figures.nonconformities:
        short = dataclasses.replace(
            row,
            nonconformity=clip(row.nonconformity),
            correct_solution=clip(row.correct_solution),
        )
        cut += short != row
        rows.append(short)
    return rows, cut


def _mean_row(label: str, group: Group) -> list:
    s = group.score
    return [label, s.n, s.mean, s.low, s.high]


def _group_sheet(sheet: str, title: str, groups: list[Group]) -> Sheet:
    return Sheet(
        title=sheet,
        headers=[title, _("Shops"), _("Mean score"), _("95 % CI low"), _("95 % CI high")],
        rows=[_mean_row(g.label, g) for g in groups],
        widths=[36, 8, 12, 12, 12],
        number_formats={2: SCORE, 3: SCORE, 4: SCORE},
        charts=[Chart(title, values=[2], y_title=_("Mean score"), number_format=SCORE)],
    )


def _percent(share: float | None) -> Formatted | None:
    return None if share is None else Formatted(share, PERCENT)


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("yes") if value else _("no")


def report_sheets(
    figures: MonthlyFigures, report: MonthlyReport | None, *, signoff=()
) -> list[Sheet]:
    program = figures.program
    o = figures.overall
    summary = [
        [_("Program"), program.name],
        [_("Document"), f"{program.document_code} {program.form_code_report}".strip()],
        [_("Work instruction revision"), program.revision],
        [_("Effective date"), program.effective_date],
        [_("Period"), f"{figures.month:%Y-%m}"],
        [_("Report revision"), report.revision if report else "—"],
        [_("Shops planned"), figures.planned],
        [_("Shops done"), figures.done],
        [_("Mean score"), o.mean],
        [_("Mean score, exact"), o.exact_text or o.mean],
        [_("95 % CI low"), o.low],
        [_("95 % CI high"), o.high],
        [_("Interval"), figures.no_interval_note or figures.method_note],
        [_("Design-weighted mean"), figures.weighted if figures.weighted is not None else o.mean],
        [_("Target"), figures.target],
        [_("Target met"), _yes_no(figures.target_met)],
        [_("Shops at or above target"), figures.at_target.k],
        [_("Share at or above target"), _percent(figures.at_target.share)],
        [_("Share at target, 95 % Wilson low"), _percent(figures.at_target.low)],
        [_("Share at target, 95 % Wilson high"), _percent(figures.at_target.high)],
        [_("Previous month's mean"), figures.change.previous],
        [_("Change"), figures.change.difference],
        [_("Change significant (Welch, 5 %)"), _yes_no(figures.change.significant)],
        *[
            [_("%(kind)s rate") % {"kind": kind}, _percent(rate)]
            for kind, rate in figures.critical_rates.items()
        ],
        [_("Re-tests (not in the sample)"), figures.retests.n],
        [_("Re-tests' mean score"), figures.retests.mean],
        [_("Calibration sessions held"), figures.calibrations_held],
        [_("Strata left uncovered"), len(figures.uncovered)],
    ]
    zone = program.zone
    for signature in signoff:
        when = timezone.localtime(signature.when, zone) if signature.when else None
        who = f"{signature.name} ({signature.roles})" if signature.roles else signature.name
        summary.append([signature.step, f"{who} · {when:%Y-%m-%d %H:%M}" if when else "—"])
    if report and report.submitted_at:
        summary += [
            [_("Submitted"), timezone.localtime(report.submitted_at, zone)],
            [_("Due"), _due_on(figures)],
            [_("On time"), _yes_no(report.on_time)],
        ]
    sheets = [
        Sheet(_("Summary"), [_("Figure"), _("Value")], summary, widths=[36, 40]),
        *[
            _group_sheet(sheet, title, groups)
            for key, title, sheet, groups in breakdowns(figures)
            if groups or key != "areas"
        ],
        Sheet(
            _("Coverage"),
            [
                _("Area"),
                _("Contact reason"),
                _("Time band"),
                _("Planned"),
                _("Done"),
                _("Uncovered"),
            ],
            [
                [s.area, s.reason, s.band, s.planned, s.done, _("yes") if s.uncovered else ""]
                for s in figures.coverage
            ],
            widths=[20, 36, 20, 10, 10, 12],
        ),
        Sheet(
            _("Defect Pareto"),
            [_("Parameter"), _("Section"), _("Defects"), _("Share"), _("Cumulative")],
            [[p.parameter, p.section, p.defects, p.share, p.cumulative] for p in figures.pareto],
            widths=[50, 24, 10, 10, 12],
            number_formats={3: PERCENT, 4: PERCENT},
            charts=[Chart(_("Defect Pareto"), values=[2], y_title=_("Defects"))],
        ),
        recap_sheet(figures.nonconformities),
        Sheet(
            _("Follow-up (F-28)"),
            [_("Status"), _("Items")],
            [[label, n] for label, n in follow_up_rows(figures)],
            widths=[30, 10],
        ),
        Sheet(
            _("12-month trend"),
            [_("Month"), _("Shops"), _("Mean score"), _("95 % CI low"), _("95 % CI high")],
            [[f"{m:%Y-%m}", s.n, s.mean, s.low, s.high] for m, s in figures.trend],
            widths=[12, 8, 12, 12, 12],
            number_formats={2: SCORE, 3: SCORE, 4: SCORE},
            charts=[
                Chart(
                    _("12-month trend"),
                    values=[2, 3, 4],
                    kind="line",
                    y_title=_("Mean score"),
                    number_format=SCORE,
                )
            ],
        ),
        Sheet(
            _("Analysis"),
            [_("Analysis"), _("Recommendations")],
            [[report.analysis, report.recommendations]] if report else [],
            widths=[80, 80],
        ),
    ]
    return sheets


def follow_up_rows(figures: MonthlyFigures) -> list[tuple[str, int]]:
    labels = dict(FollowUpStatus.choices)
    return [(str(labels.get(status, status)), n) for status, n in figures.follow_up.items()]


def _due_on(figures: MonthlyFigures):
    return report_due_day(figures.program, figures.month)


def report_xlsx(figures: MonthlyFigures, report: MonthlyReport | None, *, signoff=()) -> bytes:
    """One sheet per section of the report, formatted, formula-safe."""
    return workbook_bytes(report_sheets(figures, report, signoff=signoff))


def _pdf_html(figures: MonthlyFigures, report: MonthlyReport | None, *, signoff=()) -> str:
    program = figures.program
    nonconformities, clipped = clipped_nonconformities(figures)
    return render_to_string(
        "reporting/report/pdf.html",
        {
            **report_context(figures, report),
            "program": program,
            "due_on": _due_on(figures),
            "printed_at": timezone.localtime(timezone.now(), program.zone),
            "signoff": signoff,
            "nonconformities": nonconformities,
            "clipped": clipped,
            "pdf": True,
        },
    )


def report_pdf(figures: MonthlyFigures, report: MonthlyReport | None, *, signoff=()) -> bytes:
    """A4: a cover with the document code, revision and period, then every
    section with its vector chart and the table behind it."""
    return html_to_pdf(_pdf_html(figures, report, signoff=signoff))


def draft_key(figures: MonthlyFigures, report: MonthlyReport | None, *, signoff=()) -> str:
    """What a draft's PDF shows, hashed: the figures (as they would be frozen),
    the report's texts and revision, the sign-off, the language and the
    template version. Same key, same PDF."""
    shown = {
        "figures": snapshot.dump(figures),
        "program": [
            figures.program.pk,
            figures.program.name,
            figures.program.document_code,
            figures.program.form_code_report,
            figures.program.revision,
            str(figures.program.effective_date),
        ],
        "report": (
            [
                report.pk,
                report.revision,
                report.status,
                report.analysis,
                report.recommendations,
                report.correction_reason,
            ]
            if report is not None
            else None
        ),
        "signoff": [[s.step, s.name, s.roles, str(s.when)] for s in signoff],
        "language": translation.get_language(),
        "template": PDF_TEMPLATE_VERSION,
    }
    data = json.dumps(shown, sort_keys=True, default=str).encode()
    return f"reporting:draft-pdf:{hashlib.sha256(data).hexdigest()}"


def draft_pdf(figures: MonthlyFigures, report: MonthlyReport | None, *, signoff=()) -> bytes:
    """The PDF of a report not submitted yet, rendered once per state of what it
    shows (`draft_key`): downloading it again without a change costs no
    rendering. Its "printed" time is the first rendering's."""
    key = draft_key(figures, report, signoff=signoff)
    content = cache.get(key)
    if content is None:
        content = report_pdf(figures, report, signoff=signoff)
        cache.set(key, content, DRAFT_PDF_SECONDS)
    return content
