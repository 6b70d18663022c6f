"""Fuzzing the two importers (issue 9): the contact-data parser and the agent importer.

Whatever the file, the importers never raise an unexpected exception; a refused
file says why (a file-level message, or row + column + message for each bad
row); an accepted file is applied whole and a refused one not at all. Where the
input is generated from known parts, an oracle says what the result must be.

Examples are few enough for CI (a few seconds per test on two cores); in CI the
generation is derandomized, so a run there never fails by chance. Locally every
run draws new examples; FUZZ_SCALE=20 searches twenty times longer.
"""

import csv
import io
import random
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from programs.importer import COLUMNS
from programs.models import Agent, Area, Role, Team
from programs.services.people import agents_import
from sampling import importer, services
from sampling.models import ContactImport, ContactStat, ImportStatus
from tests.fuzzing import fuzz

# --- The contact-data parser (sampling.importer) -------------------------------------

JAKARTA = ZoneInfo("Asia/Jakarta")
YEAR, MONTH = 2026, 10
CHANNELS = {"inbound": 1, "Inbound (call 1500 569)": 1, "digital-chat": 2, "Chat": 2}
CATEGORIES = {"information": 11, "Informasi (information)": 11, "complaint": 12}
KNOWN_COLUMNS = {*importer.REQUIRED, *importer.OPTIONAL}


def parse_bytes(tmp_path: Path, content: bytes, name="contacts.csv"):
    """importer.parse on `content`: the result, or the FileRejected raised."""
    path = tmp_path / name
    path.write_bytes(content)
    try:
        return importer.parse(
            path,
            time_zone="Asia/Jakarta",
            year=YEAR,
            month=MONTH,
            channels=CHANNELS,
            categories=CATEGORIES,
        )
    except importer.FileRejected as exc:
        return exc


def check_parse_result(outcome) -> None:
    """What every outcome must look like, whatever the file."""
    if isinstance(outcome, importer.FileRejected):
        assert str(outcome).strip(), "a refused file must say why"
        return
    assert outcome.encoding in {"xlsx", "utf-8", "utf-8-sig", "cp1252", "latin-1"}
    if outcome.ok:
        assert outcome.rows > 0
        assert sum(c[-1] for c in outcome.counts) == outcome.rows
        for reason, category, channel, weekday, hour, area, n in outcome.counts:
            assert reason.strip() == reason and 0 < len(reason) <= 200
            assert category in CATEGORIES.values() and channel in CHANNELS.values()
            assert 1 <= weekday <= 7 and 0 <= hour <= 23 and n > 0
            assert area == area.strip()
    else:
        assert outcome.errors
        assert len(outcome.errors) == min(outcome.error_total, importer.ERRORS_SHOWN)
        assert sum(g["n"] for g in outcome.error_groups) == outcome.error_total
        assert not outcome.counts, "nothing is counted from a refused file"
        rows = [e.row for e in outcome.errors]
        assert rows == sorted(rows) and min(rows) >= 2, "errors carry spreadsheet row numbers"
        for error in outcome.errors:
            assert error.column in {*importer.REQUIRED, "area", ""} and error.message.strip()


@fuzz(150)
@given(content=st.binary(max_size=3000))
def test_contact_parser_survives_arbitrary_bytes(tmp_path_factory, content):
    check_parse_result(parse_bytes(tmp_path_factory.mktemp("bytes"), content))


@fuzz(150)
@given(
    header=st.sampled_from(
        [
            b"timestamp,channel,reason,category\n",
            b"\xef\xbb\xbfTimestamp;Channel;Reason;Category;Area\r\n",
            b"timestamp\tchannel\treason\tcategory\tskill\n",
            b"TIMESTAMP|CHANNEL|REASON|CATEGORY\n",
            b"",
        ]
    ),
    body=st.binary(max_size=1500)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=500).map(
        lambda t: t.encode("utf-8")
    ),
)
def test_contact_parser_survives_any_body_under_a_good_header(tmp_path_factory, header, body):
    check_parse_result(parse_bytes(tmp_path_factory.mktemp("body"), header + body))


# A row is drawn as (kind, cells); the oracle knows what each kind must give.
VALID_CHANNELS = [c for c in CHANNELS if c]
VALID_CATEGORIES = list(CATEGORIES)
BAD_TIMESTAMPS = [
    "yesterday",
    "2026-10-32 08:00",
    "2026-13-01 08:00",
    "2026-10-01",
    "2026-10-01 25:00",
    "99999999999999999999",
    "-1",
    "1e308",
    "2026-10-01 08:00:00+99:00",
]
TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cs", "Cc"], blacklist_characters="\u2028\u2029\x85"
    )
    | st.sampled_from([",", ";", "\t", "|", '"', "'", "\n", " ", "é", "–", "="]),
    max_size=30,
)


def _spaced(draw, value: str) -> str:
    """The value as a person types it: any case, stray spaces around."""
    value = draw(st.sampled_from([value, value.upper(), value.lower(), value.title()]))
    return draw(st.sampled_from(["", " ", "  "])) + value + draw(st.sampled_from(["", " "]))


@st.composite
def moments(draw, *, inside: bool = True):
    """A local (Jakarta) time in the month, or just outside it."""
    if inside:
        start = datetime(YEAR, MONTH, 1, tzinfo=JAKARTA)
        seconds = draw(st.integers(0, 31 * 86400 - 1))
    else:
        start = datetime(YEAR, MONTH, 1, tzinfo=JAKARTA) - timedelta(days=3)
        seconds = draw(st.integers(0, 3 * 86400 - 1) | st.integers(34 * 86400, 40 * 86400))
    return (start + timedelta(seconds=seconds)).replace(microsecond=0)


def render(draw, moment: datetime, aware: bool) -> str:
    """A timestamp as the contact-logging system may write it."""
    sep = draw(st.sampled_from([" ", "T"]))
    seconds = draw(st.booleans())
    if aware:
        offset = draw(st.sampled_from([7, 0, -5, 5.5, 9]))
        shown = moment.astimezone(timezone(timedelta(hours=offset)))
    else:
        shown = moment
    # Dropping the seconds changes neither the hour nor the day the oracle counts.
    text = shown.strftime(f"%Y-%m-%d{sep}%H:%M" + (":%S" if seconds else ""))
    if aware:
        if shown.utcoffset() == timedelta(0) and draw(st.booleans()):
            text += "Z"
        else:
            text += shown.strftime("%z")[:3] + ":" + shown.strftime("%z")[3:]
    return text


@st.composite
def contact_rows(draw, *, aware_file: bool):
    """(kind, local moment, cells by column name, timestamp has an offset). Kinds:
    "good", an error, "blank", or "style" (the file's other time-zone style)."""
    kind = draw(
        st.sampled_from(
            ["good"] * 12
            + ["bad_time", "outside", "channel", "category", "empty_reason", "long", "blank"]
            + ["style"]
        )
    )
    moment = draw(moments(inside=kind != "outside"))
    aware = (not aware_file) if kind == "style" else aware_file
    timestamp = render(draw, moment, aware)
    cells = {
        "timestamp": draw(st.sampled_from(["", " "]))
        + timestamp
        + draw(st.sampled_from(["", " "])),
        "channel": _spaced(draw, draw(st.sampled_from(VALID_CHANNELS))),
        "category": _spaced(draw, draw(st.sampled_from(VALID_CATEGORIES))),
        "reason": draw(TEXT.filter(lambda t: t.strip())),
        "area": draw(TEXT),
        "skill": draw(TEXT),
        "note": draw(TEXT),
    }
    if kind == "bad_time":
        cells["timestamp"] = draw(st.sampled_from(BAD_TIMESTAMPS))
    elif kind == "channel":
        cells["channel"] = draw(st.sampled_from(["fax", "", "inbound-x", "99"]))
    elif kind == "category":
        cells["category"] = draw(st.sampled_from(["other", "", "-7"]))
    elif kind == "empty_reason":
        cells["reason"] = draw(st.sampled_from(["", "   ", "\t"]))
    elif kind == "long":
        cells["reason"] = "x" * draw(st.integers(201, 400))
    elif kind == "blank":
        cells = dict.fromkeys(cells, "")
    return kind, moment, cells, aware


def _lookup(table: dict, text: str) -> int:
    return {k.strip().lower(): v for k, v in table.items()}[text.strip().lower()]


@st.composite
def contact_files(draw):
    """A CSV file drawn from known parts, and what parsing it must give."""
    columns = [*importer.REQUIRED]
    columns += draw(st.lists(st.sampled_from(["area", "skill", "note"]), unique=True))
    columns = draw(st.permutations(columns))
    aware_file = draw(st.booleans())
    rows = draw(st.lists(contact_rows(aware_file=aware_file), min_size=0, max_size=25))
    separator = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    header = [_spaced(draw, c) for c in columns]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator=newline)
    writer.writerow(header)
    for _kind, _moment, cells, _aware in rows:
        if all(v == "" for v in cells.values()) and draw(st.booleans()):
            out.write(newline)  # a truly empty line rather than a row of separators
        else:
            writer.writerow([cells[c] for c in columns])
    text = out.getvalue()
    if draw(st.booleans()):
        text = text.removesuffix(newline)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    try:
        content = text.encode(encoding)
    except UnicodeEncodeError:
        encoding, content = "utf-8", text.encode("utf-8")
    if encoding == "cp1252":
        try:  # bytes that are UTF-8 too are read as UTF-8: keep the oracle simple
            content.decode("utf-8")
            encoding, content = "utf-8", text.encode("utf-8")
        except UnicodeDecodeError:
            pass
    return columns, rows, content


@fuzz(150)
@given(drawn=contact_files())
def test_contact_parser_agrees_with_an_oracle(tmp_path_factory, drawn):
    columns, rows, content = drawn
    outcome = parse_bytes(tmp_path_factory.mktemp("oracle"), content)
    check_parse_result(outcome)
    counted = [row for row in rows if row[0] != "blank"]
    if not counted:
        assert isinstance(outcome, importer.FileRejected)
        assert "no contact rows" in str(outcome)
        return
    assert not isinstance(outcome, importer.FileRejected), str(outcome)
    assert outcome.rows == len(counted)
    errors = [kind for kind, *_ in counted if kind not in ("good", "style")]
    styles = {aware for _kind, _moment, _cells, aware in counted}
    if errors or len(styles) > 1:  # a bad row, or offsets on some timestamps only
        assert not outcome.ok
        return
    assert outcome.ok, outcome.errors[:5]
    expected = Counter()
    for _kind, moment, cells, _aware in counted:
        area = cells["area"].strip() if "area" in columns else ""
        expected[
            (
                re.sub(r"\s{2,}", " ", cells["reason"].strip()),
                _lookup(CATEGORIES, cells["category"]),
                _lookup(CHANNELS, cells["channel"]),
                moment.isoweekday(),
                moment.hour,
                area,
            )
        ] += 1
    got = Counter({tuple(c[:-1]): c[-1] for c in outcome.counts})
    assert got == expected


# XLSX: a workbook with random cells of every type Excel stores.
CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    TEXT,
    st.sampled_from(["=1+1", "=NOW()", "#N/A", "2026-10-05 08:00", "inbound", "information"]),
)


@st.composite
def workbooks(draw):
    header = draw(
        st.permutations(
            [*importer.REQUIRED, *draw(st.lists(st.sampled_from(["area", "skill", "x"])))]
        )
    )
    header = [_spaced(draw, str(h)) for h in header]
    if draw(st.integers(0, 9)) == 0:
        header = draw(st.lists(CELL, max_size=6))  # anything at all as the header
    good = st.fixed_dictionaries(
        {
            "timestamp": moments().map(lambda m: m.replace(tzinfo=None)),
            "channel": st.sampled_from(VALID_CHANNELS),
            "category": st.sampled_from(VALID_CATEGORIES),
            "reason": TEXT.filter(lambda t: t.strip() and not t.startswith("=")),
        }
    )
    rows = draw(
        st.lists(
            st.one_of(
                good.map(lambda cells: [cells.get(str(h).strip().lower(), "") for h in header]),
                st.lists(CELL, max_size=len(header) + 2),
            ),
            max_size=15,
        )
    )
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@fuzz(60)
@given(content=workbooks())
def test_contact_parser_survives_random_workbooks(tmp_path_factory, content):
    outcome = parse_bytes(tmp_path_factory.mktemp("xlsx"), content, name="contacts.xlsx")
    check_parse_result(outcome)
    if not isinstance(outcome, importer.FileRejected):
        assert outcome.encoding == "xlsx"


@st.composite
def good_workbooks(draw):
    moments_ = draw(st.lists(moments(), min_size=1, max_size=12))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Timestamp", "Channel", "Reason", "Category"])
    for moment in moments_:
        sheet.append([moment.replace(tzinfo=None), "inbound", "Informasi", "information"])
        if draw(st.integers(0, 4)) == 0:
            sheet.append([None, None, None, None])  # a blank row is skipped
    out = io.BytesIO()
    book.save(out)
    return moments_, out.getvalue()


@fuzz(40)
@given(drawn=good_workbooks())
def test_contact_workbook_datetimes_count_in_the_program_zone(tmp_path_factory, drawn):
    moments_, content = drawn
    outcome = parse_bytes(tmp_path_factory.mktemp("goodxlsx"), content, name="c.xlsx")
    assert not isinstance(outcome, importer.FileRejected), str(outcome)
    assert outcome.ok, outcome.errors[:3]
    expected = Counter((m.isoweekday(), m.hour) for m in moments_)
    got = Counter()
    for _reason, _category, _channel, weekday, hour, _area, n in outcome.counts:
        got[(weekday, hour)] += n
    assert got == expected


# --- The contact import service: all or nothing ------------------------------------


@pytest.fixture
def analyst(pgd, member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return member(pgd, Role.QC_ANALYST)


@fuzz(25)
@given(drawn=contact_files(), seed=st.integers(0, 2**16))
def test_contact_import_is_all_or_nothing(pgd, analyst, drawn, seed):
    _columns, _rows, content = drawn
    if random.Random(seed).random() < 0.2:  # now and then, bytes damaged in transit
        position = random.Random(seed).randrange(len(content) + 1)
        content = content[:position] + bytes([seed % 256]) + content[position:]
    upload = SimpleUploadedFile("contacts.csv", content)
    record = services.contact_import_start(
        program=pgd, month=date(YEAR, MONTH, 1), upload=upload, user=analyst
    )
    record = services.contact_import_process(import_id=record.pk)
    stats = ContactStat.objects.filter(contact_import=record)
    assert record.status in {
        ImportStatus.SUCCEEDED,
        ImportStatus.FAILED,
        ImportStatus.NEEDS_MAPPING,
    }
    assert record.progress == 100 and record.finished_at
    if record.status == ImportStatus.SUCCEEDED:
        assert sum(s.count for s in stats) == record.row_count > 0
        assert not record.message and not record.error_count
    else:
        assert not stats.exists(), "a refused file leaves no counts"
        # A file waiting for mappings has no message: its page asks for them.
        assert record.message.strip() or record.status == ImportStatus.NEEDS_MAPPING
        assert sum(g["n"] for g in record.error_groups) == record.error_count
        assert record.error_count == 0 or len(record.errors_preview) == min(
            record.error_count, importer.ERRORS_SHOWN
        )
        for error in record.errors_preview:
            assert error["row"] >= 2 and error["column"] and error["message"]
    assert ContactImport.objects.filter(status=ImportStatus.RUNNING).count() == 0


# --- The agent importer (programs.importer) ---------------------------------------


@pytest.fixture
def people(pgd, member):
    """The PGD program with one team, one area and one agent to update."""
    area = Area.objects.create(program=pgd, code="jkt", name="Jakarta")
    team = Team.objects.create(program=pgd, code="t1", name="Tim 1", area=area)
    Agent.objects.create(program=pgd, employee_id="E1", name="Ani", team=team)
    return pgd, member(pgd, Role.QC_ANALYST)


def snapshot(program) -> tuple:
    """Everything an agent import may change, to compare before and after."""
    agents = sorted(
        (
            a.employee_id,
            a.name,
            a.team_id,
            a.area_id,
            a.skills,
            a.active_from,
            a.active_to,
            tuple(sorted(a.channels.values_list("pk", flat=True))),
        )
        for a in Agent.objects.filter(program=program).prefetch_related("channels")
    )
    teams = sorted(Team.objects.filter(program=program).values_list("code", "name", "area_id"))
    areas = sorted(Area.objects.filter(program=program).values_list("code", "name"))
    history = (Agent.history.count(), Team.history.count())
    return agents, teams, areas, history


def check_agent_result(result, before, after) -> None:
    if result.ok:
        assert result.rows == (
            result.agents_created + result.agents_updated + result.agents_unchanged
        )
        assert len(after[0]) == len(before[0]) + result.agents_created
        assert len(after[1]) == len(before[1]) + result.teams_created
        assert len(after[2]) == len(before[2]) + result.areas_created
        return
    assert after == before, "a refused file changes nothing"
    if result.file_error:
        assert result.file_error.strip()
    else:
        assert result.errors
        for error in result.errors:
            assert error.row >= 2 and error.message.strip()
            assert error.column in COLUMNS or error.column == ""


def run_agents(program, user, content: bytes, name: str):
    before = snapshot(program)
    result = agents_import(program=program, file=SimpleUploadedFile(name, content), user=user)
    after = snapshot(program)
    check_agent_result(result, before, after)
    return result


@fuzz(100)
@given(
    content=st.binary(max_size=2000),
    name=st.sampled_from(["agents.csv", "agents.xlsx", "AGENTS.CSV", "agents.txt"]),
)
def test_agent_importer_survives_arbitrary_bytes(people, content, name):
    run_agents(*people, content, name)


AGENT_VALUES = {
    "employee_id": st.sampled_from(["E1", "E2", "E3", "e1", "", "x" * 41, " E4 ", "0001"]),
    "name": st.sampled_from(["Budi", "", "Siti Rahmawati", "=HYPERLINK(1)", "n" * 151]) | TEXT,
    "team_code": st.sampled_from(["t1", "T1", "t2", "tim baru", "", "t-3"]),
    "team_name": st.sampled_from(["", "Tim 2", "Tim Dua", "x" * 101]),
    "area_code": st.sampled_from(["", "jkt", "bdg", "sby"]),
    "area_name": st.sampled_from(["", "Bandung", "Surabaya"]),
    "skills": st.sampled_from(["", "gadai, emas", " , ,", "s" * 301]),
    "channels": st.sampled_from(["", "inbound", "inbound;outbound", "fax", "INBOUND ; chat"]),
    "active_from": st.sampled_from(["", "2024-01-02", "2024-13-01", "02/01/2024", "99999"]),
    "active_to": st.sampled_from(["", "2024-12-31", "2023-01-01", "2024-02-30"]),
}


@st.composite
def agent_files(draw):
    columns = list(draw(st.permutations(COLUMNS)))
    damage = draw(st.integers(0, 9))
    if damage == 0:
        columns.pop(draw(st.integers(0, len(columns) - 1)))  # a column missing
    elif damage == 1:
        columns.append(draw(st.sampled_from(["note", "name", ""])))  # unexpected or twice
    header = [
        draw(st.sampled_from([c, c.upper(), c.replace("_", " "), c.replace("_", "-")]))
        for c in columns
    ]
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        values = {c: draw(AGENT_VALUES.get(c, TEXT)) for c in columns}
        row = [values[c] for c in columns]
        if draw(st.integers(0, 12)) == 0:
            row.append("stray")  # more cells than columns
        rows.append(row)
    if draw(st.booleans()):
        separator = draw(st.sampled_from([",", ";", "\t"]))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
        writer.writerows([header, *rows])
        if draw(st.booleans()):
            out.write("\r\n\r\n")  # blank lines at the end
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
        return out.getvalue().encode(encoding, errors="replace"), "agents.csv"
    book = openpyxl.Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "agents.xlsx"


@fuzz(80)
@given(drawn=agent_files())
def test_agent_import_is_all_or_nothing_and_idempotent(people, drawn):
    program, user = people
    content, name = drawn
    result = run_agents(program, user, content, name)
    if result.ok:  # the same file again finds nothing to change
        again = run_agents(program, user, content, name)
        assert again.ok
        assert (again.agents_created, again.agents_updated, again.teams_created) == (0, 0, 0)
        assert again.agents_unchanged == result.rows


def test_a_blank_row_inside_a_contact_file_is_skipped(tmp_path):
    """Found by the fuzz: a blank line used to be an error "not a date and time"."""
    head = "timestamp,channel,reason,category\n"
    good = "2026-10-01 08:00,inbound,Informasi,information\n"
    bad = "bad,inbound,Informasi,information\n"
    outcome = parse_bytes(tmp_path, (head + good + "\n,,,\n" + good + bad).encode())
    assert [(e.row, e.column) for e in outcome.errors] == [(6, "timestamp")]
    outcome = parse_bytes(tmp_path, (head + good + "\n\n" + good).encode())
    assert outcome.ok and outcome.rows == 2


def test_a_column_given_twice_is_refused_with_its_name(tmp_path):
    """Found by the fuzz: "timestamp" and "Timestamp" crashed the parser."""
    content = b"timestamp,channel,reason,category,Timestamp\n2026-10-01 08:00,inbound,R,x,y\n"
    outcome = parse_bytes(tmp_path, content)
    assert isinstance(outcome, importer.FileRejected)
    assert "more than once: timestamp" in str(outcome)
    book = openpyxl.Workbook()
    book.active.append(["timestamp", "channel", "reason", "category", "reason"])
    book.active.append(["2026-10-01 08:00", "inbound", "R", "information", "S"])
    out = io.BytesIO()
    book.save(out)
    outcome = parse_bytes(tmp_path, out.getvalue(), name="c.xlsx")
    assert isinstance(outcome, importer.FileRejected)
    assert "more than once: reason" in str(outcome)


def test_an_unforeseen_reader_crash_fails_the_import_with_a_message(pgd, analyst, monkeypatch):
    """Defence in depth: an exception the parser did not foresee ends the import
    failed, with a message, instead of leaving it running forever."""

    def crash(*args, **kwargs):
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(importer, "parse", crash)
    upload = SimpleUploadedFile("contacts.csv", b"timestamp,channel,reason,category\n")
    record = services.contact_import_start(
        program=pgd, month=date(YEAR, MONTH, 1), upload=upload, user=analyst
    )
    record = services.contact_import_process(import_id=record.pk)
    assert record.status == ImportStatus.FAILED
    assert "could not be read" in record.message


def test_a_workbook_contact_at_midnight_counts_and_bare_dates_do_not(tmp_path):
    """Found by the fuzz: the workbook reader gives 2026-10-01 00:00 as a bare
    date, and midnight contacts were refused. A column of dates alone still is."""
    book = openpyxl.Workbook()
    book.active.append(["timestamp", "channel", "reason", "category"])
    book.active.append([datetime(2026, 10, 1, 0, 0), "inbound", "R", "information"])
    book.active.append([datetime(2026, 10, 1, 8, 30), "inbound", "R", "information"])
    out = io.BytesIO()
    book.save(out)
    outcome = parse_bytes(tmp_path, out.getvalue(), name="c.xlsx")
    assert outcome.ok and sorted(c[4] for c in outcome.counts) == [0, 8]
    book = openpyxl.Workbook()
    book.active.append(["timestamp", "channel", "reason", "category"])
    for day in range(1, 31):
        book.active.append([date(2026, 10, day), "inbound", "R", "information"])
    out = io.BytesIO()
    book.save(out)
    outcome = parse_bytes(tmp_path, out.getvalue(), name="d.xlsx")
    assert [(e.row, e.column) for e in outcome.errors] == [(n, "timestamp") for n in range(2, 32)]


def test_a_windows_1252_file_with_any_letter_is_read(tmp_path):
    """Found by the fuzz: "Á", "Í", "Ý"… (UTF-8 bytes 0x81, 0x8d, 0x9d once transcoded)
    crashed the separator sniffing of a Windows-1252 file."""
    text = "timestamp;channel;reason;category\n2026-10-01 08:00;inbound;ÁÍÝÐ;information\n"
    outcome = parse_bytes(tmp_path, text.encode("cp1252"))
    assert outcome.encoding == "cp1252" and outcome.ok
    assert outcome.counts[0][0] == "ÁÍÝÐ"


def test_an_unclosed_quote_is_refused_with_a_message(tmp_path):
    """Found by the fuzz: a lone quote crashed the sampling of timestamp formats."""
    outcome = parse_bytes(tmp_path, b'timestamp,channel,reason,category\n"')
    assert isinstance(outcome, importer.FileRejected)
    assert "cannot be read as CSV" in str(outcome)
