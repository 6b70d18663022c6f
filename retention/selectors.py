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

from django.utils.translation import gettext_lazy as _

from programs.models import DocumentRevision, Program, RecordType
from retention import services as retention

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
