"""The ISO audit pack of a program's month (PGD-6, TLK-6): one ZIP with what an
ISO 9001 auditor asks for — the sample plan, every F-31 MS form and F-32
execution record of the month's finalized shops as PDF, the F-28 follow-up
list, the submitted F-27 report, the calibration attendance lists and minutes —
and a manifest giving each file's size and SHA-256.

Requesting a pack queues a Celery task (a broker outage never breaks the
request; the sweep queues it again). The build writes the ZIP to a temporary
file and attaches it to the pack only when every document is in, so a failed
or interrupted build never serves a half-written pack. `done` / `total` count
the documents written, for the progress bar.
"""

import hashlib
import json
import logging
import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followup.exports import follow_up_sheet, recap_sheet
from followup.models import CalibrationSession, Defect, FollowUp, SessionStatus
from followup.pdf import session_pdf
from followup.selectors import calibration
from followup.selectors.defects import recap_rows
from mysteryshop import queueing
from mysteryshop.pdf import html_to_pdf
from mysteryshop.spreadsheets import Sheet, workbook_bytes
from notifications.models import Kind
from notifications.services import notify
from programs.models import Parameter, Program, Role, User
from programs.months import add_months
from reporting.models import AuditPack, MonthlyReport, PackStatus, ReportStatus
from reporting.services.reports import report_filename
from sampling.models import OTHER_AREA, PlannedShop, SamplePlan
from scoring.models import Shop, ShopState
from scoring.selectors import SHOP_RELATED, ShopRecord, answer_label, is_not_met, shop_record

logger = logging.getLogger(__name__)

# Who requests and downloads packs: the records' keeper (TLK-6) and the manager.
AUDIT_PACK_ROLES: frozenset[str] = frozenset({Role.MANAGER, Role.QC_ANALYST})
ACTIVE = (PackStatus.QUEUED, PackStatus.RUNNING)
MANIFEST, CHECKSUMS = "manifest.json", "SHA256SUMS.txt"
# A queued pack not started after this was lost by the broker; a running one
# older than this was left by a worker that died (a build takes seconds to minutes).
QUEUED_STALE = timedelta(minutes=5)
RUNNING_STALE = timedelta(minutes=60)


def month_start(value: date) -> date:
    return value.replace(day=1)


# --- Requesting a pack -------------------------------------------------------------


@transaction.atomic
def audit_pack_request(*, program: Program, month: date, user: User) -> AuditPack:
    """Queue the pack of `month`, or return the one already queued or being built.

    Raises ValidationError({"month": …}) for a month that has not started."""
    month = month_start(month)
    this_month = month_start(timezone.localdate(timezone.now(), program.zone))
    if month > this_month:
        raise ValidationError(
            {"month": _("This month has not started yet: choose this month or an earlier one.")}
        )
    # Requests of one program wait for each other here, so two clicks make one pack.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    existing = (
        AuditPack.objects.filter(program=program, month=month, status__in=ACTIVE)
        .order_by("created_at", "pk")
        .first()
    )
    if existing:
        return existing
    pack = AuditPack.objects.create(program=program, month=month, requested_by=user)
    transaction.on_commit(lambda: enqueue_build(pack.pk))
    return pack


def enqueue_build(pack_id: int) -> bool:
    """Send the build to the worker; False (logged) when the broker is down:
    the pack stays queued and the sweep sends it again."""
    from reporting.tasks import build_audit_pack

    return queueing.send(build_audit_pack, pack_id, what="audit pack")


def requeue_stale(*, now: datetime | None = None) -> int:
    """Queue again packs a broker outage left waiting and packs whose worker
    died mid-build (their ZIP was never attached). Returns how many."""
    now = now or timezone.now()
    # Stale from when its build started, not from when it was asked for: a pack
    # that waited long in the queue is not taken from the worker building it.
    stale_running = AuditPack.objects.annotate(since=Coalesce("started_at", "created_at")).filter(
        status=PackStatus.RUNNING, since__lt=now - RUNNING_STALE
    )
    stale_running.update(status=PackStatus.QUEUED)
    ids = list(
        AuditPack.objects.filter(
            status=PackStatus.QUEUED, created_at__lt=now - QUEUED_STALE
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue_build(pk)
    return len(ids)


# --- What goes in ------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One file of the pack; `content()` makes its bytes when it is written."""

    path: str
    description: str
    content: Callable[[], bytes]


@dataclass(frozen=True)
class AnswerLine:
    """One parameter of the MS form as the PDF prints it."""

    number: str
    parameter: Parameter
    answer: str  # the answer as the review page words it
    state: str  # "met", "not_met", "na" or "" (not answered)
    nonconformity: str
    correct_solution: str


def _safe(text: str, fallback: str) -> str:
    """A form code or program code as part of a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text or "").strip("-.") or fallback


def folders(program: Program) -> dict[str, str]:
    return {
        "plan": "01-sample-plan",
        "ms_form": f"02-{_safe(program.form_code_ms_form, 'F-31')}-ms-forms",
        "execution": f"03-{_safe(program.form_code_execution, 'F-32')}-execution-records",
        "follow_up": f"04-{_safe(program.form_code_followup, 'F-28')}-follow-up",
        "report": f"05-{_safe(program.form_code_report, 'F-27')}-monthly-report",
        "calibration": "06-calibration",
    }


def _note(text: str) -> Callable[[], bytes]:
    return lambda: (text.strip() + "\n").encode()


def pack_documents(program: Program, month: date, user: User | None) -> list[Document]:
    """Every file of the month's pack, in order, made lazily; reads what it
    needs to list them in a fixed number of queries."""
    code = _safe(program.code, "program")
    ym = f"{month:%Y-%m}"
    following = add_months(month, 1)
    dirs = folders(program)
    docs: list[Document] = []

    # 01: the sample plan (PGD-4.3, TLK-5.2.1.2).
    plan = (
        SamplePlan.objects.select_related("contact_import", "created_by", "approved_by")
        .filter(program=program, month=month)
        .first()
    )
    if plan is None:
        docs.append(
            Document(
                f"{dirs['plan']}/README.txt",
                _("Note: no sample plan"),
                _note(_("No sample plan was made for %(month)s.") % {"month": ym}),
            )
        )
    else:
        docs.append(
            Document(
                f"{dirs['plan']}/{code}-sample-plan-{ym}.xlsx",
                _("Sample plan of %(month)s: allocation per stratum and the planned shops")
                % {"month": ym},
                lambda: plan_xlsx(program, plan),
            )
        )

    # 02 and 03: the F-31 MS form and the F-32 execution record of every finalized shop.
    shops = list(
        Shop.objects.filter(
            program=program,
            state=ShopState.FINALIZED,
            planned_shop__date__gte=month,
            planned_shop__date__lt=following,
        )
        .select_related(
            *SHOP_RELATED,
            "planned_shop__scenario",
            "scorecard__program",
            "agent__team__team_leader",
            "finalized_by",
        )
        .prefetch_related("answers")
        .order_by("planned_shop__date", "planned_shop__slot__start", "planned_shop__number")
    )
    if not shops:
        for key in ("ms_form", "execution"):
            docs.append(
                Document(
                    f"{dirs[key]}/README.txt",
                    _("Note: no finalized shop"),
                    _note(_("No shop of %(month)s was finalized.") % {"month": ym}),
                )
            )
    records: dict[int, ShopRecord] = {}

    def record_of(shop: Shop) -> ShopRecord:
        # Read once for both forms of the shop, then let go.
        if shop.pk not in records:
            records.clear()
            records[shop.pk] = shop_record(program, shop)
        return records[shop.pk]

    for shop in shops:
        planned = shop.planned_shop
        name = f"{planned.date:%Y-%m-%d}-shop-{planned.number:03d}"
        agent = shop.agent.name if shop.agent_id else _("not identified")
        words = {"number": planned.number, "date": f"{planned.date:%Y-%m-%d}", "agent": agent}
        docs.append(
            Document(
                f"{dirs['ms_form']}/{code}-{_safe(program.form_code_ms_form, 'F-31')}-{name}.pdf",
                _("MS form of shop %(number)s on %(date)s (agent %(agent)s)") % words,
                lambda shop=shop: ms_form_pdf(program, record_of(shop)),
            )
        )
        docs.append(
            Document(
                f"{dirs['execution']}/{code}-{_safe(program.form_code_execution, 'F-32')}-"
                f"{name}.pdf",
                _("Execution record of shop %(number)s on %(date)s") % words,
                lambda shop=shop: execution_pdf(program, record_of(shop)),
            )
        )

    # 04: the F-28 follow-up list of the month's shops, and their nonconformities.
    items = list(
        FollowUp.objects.filter(
            program=program,
            shop__planned_shop__date__gte=month,
            shop__planned_shop__date__lt=following,
        )
        .select_related("shop__planned_shop", "agent__team")
        .order_by("shop__planned_shop__date", "shop__planned_shop__number", "due_on", "pk")
    )
    docs.append(
        Document(
            f"{dirs['follow_up']}/{code}-{_safe(program.form_code_followup, 'F-28')}-{ym}.xlsx",
            _(
                "Follow-up list of the shops of %(month)s (%(n)s items), with the month's "
                "nonconformities and their correct solutions"
            )
            % {"month": ym, "n": len(items)},
            lambda: follow_up_xlsx(program, month, items),
        )
    )

    # 05: the F-27 report as it was sent: the latest revision that is not a draft
    # (a submitted one stays the one sent while its correction is being written).
    report = (
        MonthlyReport.objects.filter(program=program, month=month)
        .exclude(status=ReportStatus.DRAFT)
        .select_related("program")
        .order_by("-revision", "-pk")
        .first()
    )
    report_files = []
    if report is not None:
        for field, kind in ((report.pdf_file, "pdf"), (report.xlsx_file, "xlsx")):
            if field:
                report_files.append((field, kind))
    if not report_files:
        docs.append(
            Document(
                f"{dirs['report']}/README.txt",
                _("Note: the monthly report was not submitted yet"),
                _note(
                    _(
                        "The monthly report of %(month)s was not submitted yet when this pack "
                        "was made. Request the pack again once it is submitted."
                    )
                    % {"month": ym}
                ),
            )
        )
    for field, kind in report_files:
        status = report.get_status_display()
        docs.append(
            Document(
                f"{dirs['report']}/{_safe(report_filename(report, kind), 'report')}",
                _("Monthly report of %(month)s, revision %(revision)s (%(status)s), %(kind)s")
                % {
                    "month": ym,
                    "revision": report.revision,
                    "status": status,
                    "kind": kind.upper(),
                },
                lambda field=field: _read(field),
            )
        )

    # 06: attendance list and minutes of every calibration held in the month (PGD-4.8).
    sessions = list(
        CalibrationSession.objects.filter(
            program=program,
            status=SessionStatus.HELD,
            held_on__gte=month,
            held_on__lt=following,
        ).order_by("held_on", "pk")
    )
    if not sessions:
        docs.append(
            Document(
                f"{dirs['calibration']}/README.txt",
                _("Note: no calibration session held"),
                _note(
                    _(
                        "No calibration session was held in %(month)s "
                        "(PGD-4.8 asks for one a month)."
                    )
                    % {"month": ym}
                ),
            )
        )
    reader = user or AnonymousUser()
    for session in sessions:
        docs.append(
            Document(
                f"{dirs['calibration']}/{code}-calibration-{session.held_on:%Y-%m-%d}-"
                f"{session.pk}.pdf",
                _("Calibration of %(date)s: attendance list and minutes of meeting (%(title)s)")
                % {"date": f"{session.held_on:%Y-%m-%d}", "title": session.title},
                lambda session=session: session_pdf(
                    program, calibration.session_page(program, session, reader)
                ),
            )
        )
    return docs


def _read(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


# --- The spreadsheets ----------------------------------------------------------------


def _local(value: datetime | None, program: Program) -> datetime | None:
    return timezone.localtime(value, program.zone) if value else None


def plan_xlsx(program: Program, plan: SamplePlan) -> bytes:
    """The plan as its page shows it: the facts, the allocation anyone can
    check by hand, and every planned shop with what became of it."""
    strata = list(plan.strata.select_related("reason__category", "band", "area"))
    shops = list(
        PlannedShop.objects.filter(plan=plan)
        .select_related(
            "slot__band",
            "stratum__reason__category",
            "stratum__band",
            "channel",
            "scenario",
            "shopper",
            "retest_of",
            "shop",
            "area",
        )
        .order_by("date", "slot__start", "number")
    )
    facts = [
        (_("Program"), f"{program.code} · {program.name}"),
        (_("Month"), f"{plan.month:%Y-%m}"),
        (_("Status"), plan.get_status_display()),
        (_("Random seed"), plan.seed),
        (_("Sample size"), plan.sample_size),
        (_("Contacts in the frame"), plan.frame_total),
        (_("Contact data of"), f"{plan.contact_import.month:%Y-%m}"),
        (_("Generated"), _local(plan.created_at, program)),
        (_("Generated by"), str(plan.created_by or "—")),
        (_("Approved"), _local(plan.approved_at, program)),
        (_("Approved by"), str(plan.approved_by or "—")),
        (_("Time zone"), program.time_zone),
        *((_("Note"), note) for note in plan.note_messages),
    ]
    return workbook_bytes(
        [
            Sheet(
                title=_("Plan"),
                headers=[_("Field"), _("Value")],
                rows=facts,
                widths=[26, 60],
            ),
            Sheet(
                title=_("Strata"),
                headers=[
                    _("Area"),
                    _("Reason"),
                    _("Category"),
                    _("Time band"),
                    _("Contacts"),
                    _("Share"),
                    _("Exact quota"),
                    _("Allocated"),
                    _("Lifted by a coverage rule"),
                ],
                rows=[
                    [
                        s.area_label if plan.frame_per_area else "",
                        s.reason.name,
                        s.reason.category.name,
                        s.band.name,
                        s.population,
                        s.share,
                        s.quota,
                        s.allocated,
                        _("yes") if s.lifted else "",
                    ]
                    for s in strata
                ],
                widths=[20, 34, 18, 14, 12, 10, 12, 10, 12],
                number_formats={5: "0.0000", 6: "0.0000"},
            ),
            Sheet(
                title=_("Shops"),
                headers=[
                    _("Shop"),
                    _("Date"),
                    _("Slot"),
                    _("Time band"),
                    _("Reason"),
                    _("Category"),
                    _("Channel"),
                    _("Scenario"),
                    _("Shopper"),
                    _("Status"),
                    _("Form"),
                    _("Score"),
                    _("Re-test of"),
                    _("Reason for the last change"),
                    _("Area"),
                ],
                rows=[_plan_shop_row(p, per_area=plan.frame_per_area) for p in shops],
                widths=[7, 12, 13, 12, 30, 16, 14, 30, 20, 14, 16, 8, 9, 30, 20],
                number_formats={1: "yyyy-mm-dd", 11: "0.00"},
            ),
        ]
    )


def _plan_shop_row(planned: PlannedShop, *, per_area: bool) -> list:
    shop = getattr(planned, "shop", None)
    return [
        planned.number,
        planned.date,
        str(planned.slot),
        planned.slot.band.name if planned.slot.band_id else "",
        planned.stratum.reason.name,
        planned.stratum.reason.category.name,
        planned.channel.name,
        planned.scenario.title if planned.scenario_id else "",
        str(planned.shopper or ""),
        planned.get_status_display(),
        shop.get_state_display() if shop else "",
        shop.score if shop else None,
        planned.retest_of.number if planned.retest_of_id else None,
        planned.change_reason,
        (planned.area.name if planned.area_id else str(OTHER_AREA)) if per_area else "",
    ]


def follow_up_xlsx(program: Program, month: date, items: list[FollowUp]) -> bytes:
    """F-28: the follow-up items of the month's shops (the sheet of the follow-up
    page), and the month's nonconformities with their correct solutions (TLK-5.6.2)."""
    defects = recap_rows(Defect.objects.filter(program=program), month)
    return workbook_bytes([follow_up_sheet(program, items), recap_sheet(defects)])


# --- The PDFs of a shop -----------------------------------------------------------------


def answer_lines(record: ShopRecord) -> list[tuple]:
    """[(section outline, section score, [AnswerLine, …]), …] in form order."""
    scores = {s.section.pk: s for s in record.sections}
    out = []
    for section in record.outline.sections:
        lines = []
        for parameter in section.parameters:
            given = record.answers.get(parameter.pk, {})
            value = given.get("answer", "")
            if not value:
                state = ""
            elif value == "na":
                state = "na"
            elif is_not_met(parameter, value):
                state = "not_met"
            else:
                state = "met"
            lines.append(
                AnswerLine(
                    number=record.numbers.get(parameter.pk, ""),
                    parameter=parameter,
                    answer=answer_label(parameter, value, record.binary),
                    state=state,
                    nonconformity=given.get("nonconformity", ""),
                    correct_solution=given.get("correct_solution", ""),
                )
            )
        out.append((section, scores.get(section.section.pk), lines))
    return out


def _pdf(template: str, context: dict) -> bytes:
    with timezone.override(context["program"].zone):  # times in the program's zone
        html = render_to_string(template, context)
    return html_to_pdf(html)  # the shared fetcher: local files only, no SSL per document


def _shop_context(program: Program, record: ShopRecord) -> dict:
    finalize = [e for e in record.events if e.action == "finalize"]
    return {
        "program": program,
        "record": record,
        "shop": record.shop,
        "planned": record.shop.planned_shop,
        "finalize_event": finalize[-1] if finalize else None,
        "printed_at": timezone.localtime(timezone.now(), program.zone),
    }


def ms_form_pdf(program: Program, record: ShopRecord) -> bytes:
    """The F-31 MS form of a finalized shop: answers per section and parameter,
    nonconformities with their correct solutions, critical errors, scores, and
    who finalized it when."""
    context = _shop_context(program, record)
    context["sections"] = answer_lines(record)
    return _pdf("reporting/auditpack/ms_form_pdf.html", context)


def execution_pdf(program: Program, record: ShopRecord) -> bytes:
    """The F-32 execution record: the planned contact and how it was made,
    its evidence files and the review workflow."""
    return _pdf("reporting/auditpack/execution_pdf.html", _shop_context(program, record))


# --- Building the ZIP ---------------------------------------------------------------------


def _zip_info(path: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=when.timetuple()[:6])
    compressed = path.endswith((".pdf", ".xlsx"))  # already compressed inside
    info.compress_type = zipfile.ZIP_STORED if compressed else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_zip(
    target, documents: list[Document], *, header: dict, when: datetime, progress=None
) -> list[dict]:
    """Write `documents`, then manifest.json and SHA256SUMS.txt (which do not
    list themselves), to the file object `target`; returns the manifest entries."""
    entries = []
    with zipfile.ZipFile(target, "w") as archive:
        for index, doc in enumerate(documents, start=1):
            try:
                content = doc.content()
            except Exception as exc:
                raise BuildError(doc.path, exc) from exc
            archive.writestr(_zip_info(doc.path, when), content)
            entries.append(
                {
                    "path": doc.path,
                    "bytes": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "description": str(doc.description),
                }
            )
            if progress:
                progress(index)
        manifest = {**header, "files": entries}
        archive.writestr(
            _zip_info(MANIFEST, when),
            json.dumps(manifest, ensure_ascii=False, indent=2).encode(),
        )
        sums = "".join(f"{e['sha256']}  {e['path']}\n" for e in entries)
        archive.writestr(_zip_info(CHECKSUMS, when), sums.encode())
    return entries


class BuildError(Exception):
    """A document of the pack could not be made."""

    def __init__(self, path: str, cause: Exception):
        self.path = path
        super().__init__(f"{path}: {type(cause).__name__}: {cause}")


def audit_pack_build(*, pack: AuditPack) -> AuditPack:
    """Build a queued pack. Idempotent: a pack that is done, failed or being
    built by another worker is returned as it is. On any error the pack is
    marked failed with the reason and no file is attached."""
    claimed = AuditPack.objects.filter(pk=pack.pk, status=PackStatus.QUEUED).update(
        status=PackStatus.RUNNING,
        done=0,
        total=0,
        error="",
        manifest=[],
        started_at=timezone.now(),
        finished_at=None,
    )
    pack = AuditPack.objects.select_related("program", "requested_by").get(pk=pack.pk)
    if not claimed:
        return pack
    program = pack.program
    user = pack.requested_by
    started = time.monotonic()
    language = (user.language if user else "") or settings.LANGUAGE_CODE
    stored = ""

    def progress(done: int) -> None:
        AuditPack.objects.filter(pk=pack.pk).update(done=done)

    try:
        with (
            translation.override(language),
            timezone.override(program.zone),
            tempfile.TemporaryFile(suffix=".zip") as tmp,
        ):
            documents = pack_documents(program, pack.month, user)
            total = len(documents) + 2  # and the manifest and checksums, written last
            AuditPack.objects.filter(pk=pack.pk).update(total=total)
            now = timezone.localtime(timezone.now(), program.zone)
            header = {
                "program": program.code,
                "program_name": program.name,
                "document_code": program.document_code,
                "revision": program.revision,
                "month": f"{pack.month:%Y-%m}",
                "generated_at": now.isoformat(timespec="seconds"),
                "time_zone": program.time_zone,
                "language": language,
                "requested_by": str(user or ""),
                "pack": pack.pk,
            }
            entries = write_zip(tmp, documents, header=header, when=now, progress=progress)
            tmp.seek(0)
            name = f"{_safe(program.code, 'program')}-audit-pack-{pack.month:%Y-%m}-{pack.pk}.zip"
            pack.file.save(name, File(tmp, name=name), save=False)
            stored = pack.file.name
            # Attached only now, and only if no one else finished or reset it meanwhile.
            attached = AuditPack.objects.filter(pk=pack.pk, status=PackStatus.RUNNING).update(
                status=PackStatus.DONE,
                file=stored,
                manifest=entries,
                done=total,
                total=total,
                finished_at=timezone.now(),
            )
    except Exception as exc:
        logger.exception("Audit pack %s failed", pack.pk)
        stored = stored or pack.file.name  # a save that failed half-way
        if stored:
            pack.file.storage.delete(stored)
        # Conditional too: a duplicate build that fails does not undo one that finished.
        AuditPack.objects.filter(pk=pack.pk, status=PackStatus.RUNNING).update(
            status=PackStatus.FAILED,
            file="",
            manifest=[],
            error=(str(exc) if isinstance(exc, BuildError) else f"{type(exc).__name__}: {exc}")[
                :2000
            ],
            finished_at=timezone.now(),
        )
        return AuditPack.objects.select_related("program", "requested_by").get(pk=pack.pk)
    if not attached:
        pack.file.storage.delete(stored)
        return AuditPack.objects.select_related("program", "requested_by").get(pk=pack.pk)
    logger.info(
        "Audit pack %s (%s %s): %s files in %.1f s",
        pack.pk,
        program.code,
        f"{pack.month:%Y-%m}",
        len(entries),
        time.monotonic() - started,
    )
    pack = AuditPack.objects.select_related("program", "requested_by").get(pk=pack.pk)
    _notify_ready(pack)
    return pack


def _notify_ready(pack: AuditPack) -> None:
    user = pack.requested_by
    if user is None:
        return
    program = pack.program
    words = {
        "code": program.code,
        "program": program.name,
        "month": f"{pack.month:%Y-%m}",
        "n": len(pack.manifest),
    }

    def message(_user):
        return (
            _("Audit pack ready: %(code)s %(month)s") % words,
            _(
                "The ISO audit pack of %(program)s for %(month)s is ready to download "
                "(%(n)s files with their SHA-256 manifest)."
            )
            % words,
        )

    notify(
        user=user,
        kind=Kind.AUDIT_PACK_READY,
        occasion=str(pack.pk),
        program=program,
        message=message,
        url=reverse("audit_pack_list", args=[program.code]),
    )


# --- The list page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PackRow:
    pack: AuditPack
    size: int | None  # bytes of the ZIP, None while there is none

    @property
    def percent(self) -> int:
        if self.pack.status == PackStatus.DONE:
            return 100
        if not self.pack.total:
            return 0
        return min(100, self.pack.done * 100 // self.pack.total)

    @property
    def step(self) -> int:
        """The percentage rounded down to 5, for the bar's CSS width class."""
        return self.percent // 5 * 5

    @property
    def file_count(self) -> int:
        """Files in the ZIP: the documents and the two manifest files."""
        return len(self.pack.manifest) + 2 if self.pack.manifest else 0

    @property
    def active(self) -> bool:
        return self.pack.status in ACTIVE

    @property
    def downloadable(self) -> bool:
        return self.pack.status == PackStatus.DONE and self.size is not None


def pack_row(pack: AuditPack) -> PackRow:
    size = None
    if pack.status == PackStatus.DONE and pack.file:
        try:
            size = pack.file.size
        except OSError:  # the file went missing: nothing to download
            size = None
    return PackRow(pack, size)
