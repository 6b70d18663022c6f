"""Bulk import of agents, and of the teams and areas they name, from CSV or XLSX.

One file, one row per agent (PGD-4.2, TLK-5.1.2). The file is validated whole
before anything is written: any error and nothing is saved, and every error is
reported with its row number (the header is row 1, as in a spreadsheet) and
column. Existing agents (same employee id) are updated, new ones created.
"""

import codecs
import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from mysteryshop.uploads import (
    SAMPLE_BYTES,
    FileRejected,
    RowError,
    sniff,
    text_encoding,
    xlsx_rejection,
)
from programs.models import Agent, Area, Channel, Program, Team

COLUMNS: tuple[str, ...] = (
    "employee_id",
    "name",
    "team_code",
    "team_name",
    "area_code",
    "area_name",
    "skills",
    "channels",
    "active_from",
    "active_to",
)
CHANNEL_SEPARATOR = ";"
MAX_FILE_BYTES = 5 * 1024 * 1024
# What a workbook of MAX_FILE_BYTES may unpack to (real ones: 5-20 times their size).
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_SHOWN_ERRORS = 100
ALLOWED_EXTENSIONS = (".csv", ".xlsx")

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Control characters never found in a text file; their presence means binary data.
BINARY_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Model field -> the file column its validation errors belong to.
AGENT_FIELD_COLUMNS = {
    "employee_id": "employee_id",
    "name": "name",
    "skills": "skills",
    "active_from": "active_from",
    "active_to": "active_to",
}


@dataclass
class ImportResult:
    """What an import found and did. Nothing was saved unless `ok`."""

    file_name: str = ""
    file_format: str = ""  # "CSV" or "XLSX"
    encoding: str = ""  # for CSV: the encoding the text was read with
    file_error: str = ""  # a problem with the file as a whole
    file_error_details: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    agents_created: int = 0
    agents_updated: int = 0
    agents_unchanged: int = 0
    teams_created: int = 0
    areas_created: int = 0

    error_total: int = 0  # errors found, when `errors` holds only the first ones (stored)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    @property
    def error_count(self) -> int:
        return max(len(self.errors), self.error_total)

    @property
    def shown_errors(self) -> list[RowError]:
        return self.errors[:MAX_SHOWN_ERRORS]

    @property
    def hidden_error_count(self) -> int:
        return max(0, self.error_count - MAX_SHOWN_ERRORS)

    def to_json(self) -> dict:
        """What the import page shows, to store (only the errors it lists)."""
        return {
            **{
                name: getattr(self, name)
                for name in (
                    "file_name",
                    "file_format",
                    "encoding",
                    "file_error",
                    "file_error_details",
                    "rows",
                    "agents_created",
                    "agents_updated",
                    "agents_unchanged",
                    "teams_created",
                    "areas_created",
                )
            },
            "errors": [[e.row, e.column, e.message] for e in self.shown_errors],
            "error_total": self.error_count,
        }

    @classmethod
    def from_json(cls, data: dict) -> "ImportResult":
        fields = {k: v for k, v in data.items() if k != "errors"}
        errors = [
            RowError(row, column, message) for row, column, message in data.get("errors", [])
        ]
        return cls(**fields, errors=errors)


@dataclass
class _AgentPlan:
    row: int
    agent: Agent
    team_key: str
    area_key: str
    channel_ids: set[int]
    is_new: bool
    fields_changed: bool = True
    channels_changed: bool = True

    @property
    def changed(self) -> bool:
        return self.fields_changed or self.channels_changed


# --- Reading the file --------------------------------------------------------


def check_upload(file, name: str) -> bytes:
    """The checks an upload gets before it is stored (cheap, in the request):
    its name, its size, and for a workbook that it unpacks to a sane size.
    Returns its bytes; raises FileRejected."""
    if not name.lower().endswith(ALLOWED_EXTENSIONS):
        raise FileRejected(
            _("“%(name)s” is not a CSV (.csv) or Excel (.xlsx) file.") % {"name": name}
        )
    data = file.read(MAX_FILE_BYTES + 1)
    if not data:
        raise FileRejected(_("The file is empty (0 bytes)."))
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(
            _("The file is larger than %(size)d MB. Split it into smaller files.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if sniff(data[:SAMPLE_BYTES]) == "xlsx":
        rejection = xlsx_rejection(io.BytesIO(data), max_uncompressed=XLSX_MAX_UNCOMPRESSED)
        if rejection:
            raise rejection
    return data


def read_table(file, result: ImportResult) -> list[list[str]]:
    """The file's cells as text, one list per row, the header first."""
    name = result.file_name
    data = check_upload(file, name)
    if sniff(data[:SAMPLE_BYTES]) == "xlsx":
        result.file_format = "XLSX"
        return _read_xlsx(data)
    if name.lower().endswith(".xlsx"):
        raise FileRejected(
            _(
                "“%(name)s” is named like an Excel workbook but its content is not one. "
                "Save it again from Excel as .xlsx, or as CSV UTF-8."
            )
            % {"name": name}
        )
    result.file_format = "CSV"
    text, result.encoding = _decode(data)
    return _read_csv(text)


ENCODING_NAMES = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp1252": "Windows-1252"}


def _decode(data: bytes) -> tuple[str, str]:
    """Text of a CSV file and the name of its encoding: UTF-8 (with or without
    BOM), else Windows-1252."""
    encoding = text_encoding(lambda: [data])
    if encoding is None:
        raise FileRejected(
            _(
                "The characters of the file could not be read: it is neither UTF-8 nor "
                "Windows-1252 text. Save it as CSV UTF-8 and upload it again."
            )
        )
    text = data.decode(encoding)
    if BINARY_CHARS.search(text):
        raise FileRejected(
            _(
                "The file is neither CSV text nor an Excel workbook (.xlsx). Upload the "
                "agents as CSV or XLSX, for example from the template."
            )
        )
    return text, ENCODING_NAMES[encoding]


def _read_csv(text: str) -> list[list[str]]:
    first_line = text.split("\n", 1)[0]
    # Excel in an Indonesian locale writes ';'-separated CSV; the header tells which.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise FileRejected(
            _("The file is not valid CSV: %(problem)s.") % {"problem": exc}
        ) from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    """Cells of the first sheet (checked by `check_upload`); formulas give
    their cached values."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, IndexError, OSError):
        raise FileRejected(
            _(
                "The file could not be read as an Excel workbook (.xlsx). Save it again "
                "from Excel as .xlsx, or as CSV UTF-8."
            )
        ) from None
    return [[_cell_text(value) for value in row] for row in rows]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 1001 as 1001.0
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _header_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def check_header(header: list[str]) -> dict[str, int]:
    """Column name -> position; every expected column exactly once, nothing else."""
    names = [_header_name(cell) for cell in header]
    while names and not names[-1]:
        names.pop()  # empty cells right of the table
    if not names:
        raise FileRejected(
            _("The file is empty: the first row must be the header with the column names."),
            details=[_("Expected columns: %(columns)s.") % {"columns": ", ".join(COLUMNS)}],
        )
    missing = [c for c in COLUMNS if c not in names]
    unexpected = [n or _("(blank)") for n in names if n not in COLUMNS]
    repeated = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    if missing or unexpected or repeated:
        details = [_("Expected columns: %(columns)s.") % {"columns": ", ".join(COLUMNS)}]
        if missing:
            details.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        if unexpected:
            details.append(
                _("Columns not expected: %(columns)s.") % {"columns": ", ".join(unexpected)}
            )
        if repeated:
            details.append(
                _("Columns given more than once: %(columns)s.") % {"columns": ", ".join(repeated)}
            )
        raise FileRejected(
            _(
                "The columns of the file are not the expected ones. The first row must name "
                "these columns, in any order, and no others."
            ),
            details=details,
        )
    return {name: position for position, name in enumerate(names)}


def data_rows(
    table: list[list[str]], positions: dict[str, int], result: ImportResult
) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for every non-blank row after the header."""
    width = len(positions)
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        if any(cells[width:]):
            result.errors.append(
                RowError(
                    number,
                    "",
                    _(
                        "The row has more cells than the header has columns. Is a value "
                        "with a separator in it missing its quotes?"
                    ),
                )
            )
            continue
        padded = [*cells, *[""] * (width - len(cells))]
        rows.append((number, {name: padded[pos] for name, pos in positions.items()}))
    result.rows = len(rows)
    return rows


# --- Validating --------------------------------------------------------------


def column_order(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else -1


def _parse_date(value: str) -> datetime.date | None:
    if not value:
        return None
    if ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(value)


def _clean_skills(value: str) -> str:
    return ", ".join(s.strip() for s in value.split(",") if s.strip())


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _new_groups(rows, code_column: str, name_column: str, existing: dict, model, result):
    """Teams or areas the file creates: code (lower-cased) -> unsaved instance.

    A code that is not in the program is created when a row gives its name; rows
    that give the same new code two different names are errors.
    """
    created: dict[str, tuple[int, object]] = {}
    for number, values in rows:
        code, name = values[code_column], values[name_column]
        key = code.lower()
        if not code or not name or key in existing:
            continue
        if key not in created:
            obj = model(code=code, name=name)
            try:
                obj.full_clean(
                    exclude=["program", "area", "team_leader", "supervisor"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as exc:
                for field_name, messages in _messages(exc).items():
                    column = name_column if field_name == "name" else code_column
                    result.errors.extend(RowError(number, column, m) for m in messages)
            created[key] = (number, obj)
        elif created[key][1].name != name:
            first_row, obj = created[key]
            result.errors.append(
                RowError(
                    number,
                    name_column,
                    _(
                        "The new code “%(code)s” is named “%(name)s” here but “%(first)s” "
                        "on row %(row)d."
                    )
                    % {"code": code, "name": name, "first": obj.name, "row": first_row},
                )
            )
    return {key: obj for key, (_row, obj) in created.items()}


def validate(program: Program, rows, result: ImportResult):
    """Build the agents, teams and areas of the file without saving anything."""
    teams = {
        t.code.lower(): t for t in Team.objects.filter(program=program).select_related("area")
    }
    areas = {a.code.lower(): a for a in Area.objects.filter(program=program)}
    channels = {c.code.lower(): c for c in Channel.objects.filter(program=program)}
    agents = {
        a.employee_id: a
        for a in Agent.objects.filter(program=program).prefetch_related("channels")
    }
    new_areas = _new_groups(rows, "area_code", "area_name", areas, Area, result)
    new_teams = _new_groups(rows, "team_code", "team_name", teams, Team, result)
    all_teams = {**teams, **new_teams}
    all_areas = {**areas, **new_areas}
    # A new team lies in the area of the first row that creates it.
    for number, values in rows:
        key = values["team_code"].lower()
        if key in new_teams and not hasattr(new_teams[key], "_area_key"):
            new_teams[key]._area_key = values["area_code"].lower()
            new_teams[key]._row = number

    seen_ids: dict[str, int] = {}
    plans = []
    for number, values in rows:
        errors_before = len(result.errors)

        def error(column, message, number=number):
            result.errors.append(RowError(number, column, message))

        employee_id = values["employee_id"]
        if not employee_id:
            error("employee_id", _("The employee id is required."))
        elif employee_id in seen_ids:
            error(
                "employee_id",
                _("The employee id “%(id)s” is on both row %(first)d and row %(row)d.")
                % {"id": employee_id, "first": seen_ids[employee_id], "row": number},
            )
        else:
            seen_ids[employee_id] = number
        if not values["name"]:
            error("name", _("The name is required."))

        team_key = values["team_code"].lower()
        if not team_key:
            error("team_code", _("The team code is required."))
        elif team_key not in all_teams:
            error(
                "team_code",
                _(
                    "Unknown team “%(code)s”. Give a team_name to create the team, or use "
                    "the code of an existing team."
                )
                % {"code": values["team_code"]},
            )
        area_key = values["area_code"].lower()
        if area_key and area_key not in all_areas:
            error(
                "area_code",
                _(
                    "Unknown area “%(code)s”. Give an area_name to create the area, or use "
                    "the code of an existing area."
                )
                % {"code": values["area_code"]},
            )
        elif not area_key and values["area_name"]:
            error("area_code", _("An area_name needs its area_code."))

        codes = [c.strip() for c in values["channels"].split(CHANNEL_SEPARATOR) if c.strip()]
        unknown = [c for c in codes if c.lower() not in channels]
        if unknown:
            error(
                "channels",
                _(
                    "Unknown channel code(s): %(unknown)s. The program's channel codes are: "
                    "%(known)s. Separate several codes with “;”."
                )
                % {
                    "unknown": ", ".join(unknown),
                    "known": ", ".join(sorted(c.code for c in channels.values())) or "—",
                },
            )
        dates = {}
        for column in ("active_from", "active_to"):
            try:
                dates[column] = _parse_date(values[column])
            except ValueError:
                error(
                    column,
                    _("“%(value)s” is not a date in the format YYYY-MM-DD, e.g. 2024-01-31.")
                    % {"value": values[column]},
                )
                dates[column] = None

        existing = agents.get(employee_id)
        agent = existing or Agent(program=program)
        before = _agent_fields(agent) if existing else None
        agent.employee_id = employee_id
        agent.name = values["name"]
        agent.skills = _clean_skills(values["skills"])
        agent.active_from = dates["active_from"]
        agent.active_to = dates["active_to"]
        if len(result.errors) == errors_before:
            try:
                agent.full_clean(
                    exclude=["program", "team", "area", "channels"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as exc:
                for field_name, messages in _messages(exc).items():
                    column = AGENT_FIELD_COLUMNS.get(field_name, "")
                    result.errors.extend(RowError(number, column, m) for m in messages)
        if len(result.errors) > errors_before:
            continue
        team = all_teams[team_key]
        if area_key:
            area_key_final = area_key
        elif team_key in new_teams:
            area_key_final = new_teams[team_key]._area_key
        else:
            area_key_final = team.area.code.lower() if team.area_id else ""
        plan = _AgentPlan(
            row=number,
            agent=agent,
            team_key=team_key,
            area_key=area_key_final,
            channel_ids={channels[c.lower()].pk for c in codes},
            is_new=existing is None,
        )
        if existing:
            agent.team, agent.area = team, all_areas.get(area_key_final)
            plan.fields_changed = _agent_fields(agent) != before
            plan.channels_changed = plan.channel_ids != {c.pk for c in existing.channels.all()}
        plans.append(plan)
    return plans, new_teams, new_areas


def _agent_fields(agent: Agent) -> tuple:
    return (
        agent.name,
        agent.team_id,
        agent.area_id,
        agent.skills,
        agent.active_from,
        agent.active_to,
    )


# --- Writing -----------------------------------------------------------------


# --- The template ------------------------------------------------------------


def template_rows(program: Program) -> list[list]:
    """The header and two example rows, using the program's own channel codes."""
    codes = list(
        Channel.objects.filter(program=program, is_active=True)
        .order_by("kind", "parent_id", "code")
        .values_list("code", flat=True)[:2]
    )
    return [
        list(COLUMNS),
        [
            "EMP-0001",
            "Siti Rahmawati",
            "team-a",
            "Team A",
            "jakarta",
            "Jakarta",
            "gadai, emas",
            CHANNEL_SEPARATOR.join(codes),
            datetime.date(2024, 1, 2),
            None,
        ],
        [
            "EMP-0002",
            "Budi Santoso",
            "team-a",
            "",
            "",
            "",
            "gadai",
            codes[0] if codes else "",
            datetime.date(2024, 3, 1),
            datetime.date(2024, 12, 31),
        ],
    ]


def template_csv(program: Program) -> bytes:
    """The template as CSV UTF-8 with a BOM, so Excel opens it in the right encoding."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in template_rows(program):
        writer.writerow(["" if v is None else _cell_text(v) for v in row])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def template_xlsx(program: Program) -> bytes:
    """The template as an Excel workbook; ids are text cells, dates real dates."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "agents"
    for row in template_rows(program):
        sheet.append(row)
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.number_format = "@"  # keep leading zeros of employee ids
    for row in sheet.iter_rows(min_row=2, min_col=9, max_col=10):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHIJ", (14, 22, 12, 16, 12, 16, 18, 14, 12, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
