"""The program's documented-information list (PGD-6, TLK-6): its controlled
documents — the work instruction in each of its revisions (PGD-7, TLK-7) and
the forms it prescribes (F-27, F-28, F-31, F-32) — each with its retention.

A revision of the instruction is kept for the "documented-information list"
years (PGD-6: 3) after the next revision superseded it; the one in force is
kept while it is. A form's filled-in records are kept for their record type's
years, counted from the record's own date (see `retention.services`).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import CharField, DateField, F, Q, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from followup.models.calibration import CalibrationCase
from programs.models import DocumentRevision, Program, RecordType
from programs.months import add_months
from retention import services as retention
from retention.models import LegalHold

FORMS = [  # (the program's field with the code, what the form is, its records)
    ("form_code_report", _("MS recap and report"), RecordType.MONTHLY_REPORT),
    ("form_code_followup", _("Follow-up monitoring of MS results"), RecordType.FOLLOW_UP),
    ("form_code_ms_form", _("Mystery shopping form"), RecordType.MS_FORM),
    (
        "form_code_execution",
        _("Mystery shopping execution monitoring"),
        RecordType.EXECUTION_RECORD,
    ),
]


@dataclass(frozen=True)
class InstructionRevision:
    """One revision of the work instruction, a controlled document."""

    code: str
    title: str
    revision: str
    effective_date: date | None
    description: str
    superseded_on: date | None  # None: in force
    years: int | None  # the documented-information list's rule

    @property
    def kept_until(self) -> date | None:
        """The last day a superseded revision is kept."""
        if self.superseded_on is None or self.years is None:
            return None
        return retention.due_on(self.superseded_on, self.years) - timedelta(days=1)


@dataclass(frozen=True)
class ControlledForm:
    """A form of the instruction and the records filled in on it."""

    code: str
    title: str
    record_type: str
    years: int | None
    dated_from: str  # what a record's date is: "submitted", "uploaded"…
    stored: int  # records of it kept now

    @property
    def record_type_label(self) -> str:
        return RecordType(self.record_type).label


@dataclass(frozen=True)
class DocumentList:
    instruction: list[InstructionRevision]
    forms: list[ControlledForm]
    years: int | None


def form_code(program: Program, code: str) -> str:
    """A form's full code: "IN.QCC.TELK.F-27" beside "IN.QCC.TELK.W-10"."""
    prefix = program.document_code.rsplit(".", 1)[0] + "." if "." in program.document_code else ""
    return f"{prefix}{code}"


def documented_information(*, program: Program) -> DocumentList:
    """The program's controlled documents with their retention, in a fixed
    number of queries."""
    years = {r.record_type: r.years for r in program.retention_rules.all()}
    list_years = years.get(RecordType.DOCUMENT_LIST)
    revisions = list(
        DocumentRevision.objects.filter(program=program).order_by("effective_date", "revision")
    )
    rows = [(r.revision, r.effective_date, r.description) for r in revisions]
    if program.revision and program.revision not in {r[0] for r in rows}:
        rows.append((program.revision, program.effective_date, ""))  # the one in force
    title = program.document_title or program.name
    instruction = [
        InstructionRevision(
            program.document_code,
            title,
            revision,
            effective,
            description,
            rows[i + 1][1] if i + 1 < len(rows) else None,
            list_years,
        )
        for i, (revision, effective, description) in enumerate(rows)
    ]
    forms = []
    for field, form_title, record_type in FORMS:
        kind = retention.RECORDS[record_type]
        forms.append(
            ControlledForm(
                form_code(program, getattr(program, field)),
                str(form_title),
                record_type,
                years.get(record_type),
                # "made / held" when the later of the dates counts, else the first one set.
                " / ".join(str(label) for _f, label in kind.clock)
                if kind.latest
                else str(kind.clock[0][1]),
                kind.records(program).count(),
            )
        )
    return DocumentList(instruction, forms, list_years)


# --- Any record of the program, due or not: to hold it ------------------------------

# Per record type: the field that dates the month it is about (a month field, or
# a day whose month counts), the path to its shop and the paths to its agent.
_SEARCH = {
    RecordType.MONTHLY_REPORT: ("month", None, ()),
    RecordType.CONTACT_DATA: ("month", None, ()),
    RecordType.SAMPLE_PLAN: ("month", None, ()),
    RecordType.MS_FORM: ("planned_shop__date", "", ("agent",)),
    RecordType.EXECUTION_RECORD: ("shop__planned_shop__date", "shop__", ("shop__agent",)),
    RecordType.FOLLOW_UP: ("shop__planned_shop__date", "shop__", ("agent", "shop__agent")),
    RecordType.CALIBRATION: ("held_on", "related_shop__", ("related_shop__agent",)),
}


@dataclass(frozen=True)
class FoundRecord:
    """One record of the program, with its retention and its hold."""

    record_type: str
    object_id: int
    description: str
    record_date: date
    clock: str
    years: int | None
    hold: LegalHold | None  # on the record itself
    held_above: str  # a record above it on hold, which keeps it ("" if none)

    @property
    def record_type_label(self) -> str:
        return RecordType(self.record_type).label

    @property
    def due_on(self) -> date | None:
        """The first day it is past its retention (None: its type is kept)."""
        return None if self.years is None else retention.due_on(self.record_date, self.years)

    @property
    def key(self) -> str:
        return f"{self.record_type}-{self.object_id}"


def _matching(
    program: Program,
    record_type: str,
    *,
    month: date | None,
    shop: int | None,
    agent: str,
):
    """The ids of the program's records of `record_type` that match, or None
    when the type cannot match (a shop or an agent asked of a report)."""
    month_field, shop_path, agent_paths = _SEARCH[record_type]
    kind = retention.RECORDS[record_type]
    qs = kind.records(program)
    if month is not None:
        qs = qs.filter(
            **{f"{month_field}__gte": month, f"{month_field}__lt": add_months(month, 1)}
        )
    if shop is not None:
        if shop_path is None:
            return None
        by_shop = Q(**{f"{shop_path}planned_shop__number": shop}) | Q(
            **{f"{shop_path}pk" if shop_path else "pk": shop}
        )
        if record_type == RecordType.CALIBRATION:  # or one of the cases it reviewed
            by_shop |= Q(
                pk__in=CalibrationCase.objects.filter(
                    Q(shop__planned_shop__number=shop) | Q(shop_id=shop)
                ).values("session_id")
            )
        qs = qs.filter(by_shop)
    if agent:
        if not agent_paths:
            return None
        by_agent = Q()
        for path in agent_paths:
            by_agent |= Q(**{f"{path}__employee_id__iexact": agent}) | Q(
                **{f"{path}__name__icontains": agent}
            )
        qs = qs.filter(by_agent)
    return (
        qs.order_by()
        .annotate(
            _rtype=Value(record_type, output_field=CharField()),
            _rid=F("pk"),
            _rday=Cast(F(month_field), DateField()),
        )
        .values_list("_rtype", "_rid", "_rday")
    )


def record_ids(
    *,
    program: Program,
    record_type: str = "",
    month: date | None = None,
    shop: int | None = None,
    agent: str = "",
):
    """A narrow query of (type, id, month day) of every matching record of the
    program, newest first: to page on. Empty criteria match everything."""
    types = [record_type] if record_type else list(retention.PURGE_ORDER)
    parts = [
        qs
        for t in types
        if (qs := _matching(program, t, month=month, shop=shop, agent=agent)) is not None
    ]
    if not parts:
        return LegalHold.objects.none().values_list("record_type", "object_id", "object_id")
    first, *rest = parts
    found = first.union(*rest, all=True) if rest else first
    return found.order_by("-_rday", "_rtype", "-_rid")


def found_records(*, program: Program, ids: list[tuple[str, int, date]]) -> list[FoundRecord]:
    """The page's records with what the page shows: one query per record type
    on the page, and one for their holds and those of the records above them."""
    zone = program.zone
    years = {r.record_type: r.years for r in program.retention_rules.all()}
    wanted: dict[str, list[int]] = {}
    for record_type, pk, _day in ids:
        wanted.setdefault(record_type, []).append(pk)
    records = {}
    for record_type, pks in wanted.items():
        kind = retention.RECORDS[record_type]
        qs = kind.records(program).filter(pk__in=pks)
        qs = qs.annotate(
            **{f"_anc_{i}": F(lookup) for i, (_t, lookup) in enumerate(kind.ancestors)}
        )
        for record in qs:
            ancestors = [
                (t, getattr(record, f"_anc_{i}"))
                for i, (t, _lookup) in enumerate(kind.ancestors)
                if getattr(record, f"_anc_{i}", None) is not None
            ]
            records[(record_type, record.pk)] = (record, ancestors)
    keys = set(records) | {a for _r, ancestors in records.values() for a in ancestors}
    holds: dict[tuple[str, int], LegalHold] = {}
    if keys:
        match = Q()
        for record_type, pk in keys:
            match |= Q(record_type=record_type, object_id=pk)
        holds = {
            (h.record_type, h.object_id): h
            for h in LegalHold.objects.filter(match, program=program).select_related("created_by")
        }
    found = []
    for record_type, pk, _day in ids:
        if (record_type, pk) not in records:
            continue  # gone since the ids were read
        record, ancestors = records[(record_type, pk)]
        kind = retention.RECORDS[record_type]
        day, clock = kind.date_of(record, zone)
        above = next((a for a in ancestors if a in holds), None)
        found.append(
            FoundRecord(
                record_type,
                pk,
                kind.describe(record)[:300],
                day,
                clock,
                years.get(record_type),
                holds.get((record_type, pk)),
                retention.ref(*above) if above else "",
            )
        )
    return found


def found_record(*, program: Program, record_type: str, object_id: int) -> FoundRecord | None:
    """One record of the program (None: no such record, or a type not purged)."""
    if record_type not in retention.RECORDS:
        return None
    rows = found_records(program=program, ids=[(record_type, object_id, None)])
    return rows[0] if rows else None
