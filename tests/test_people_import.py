"""Bulk import of agents and teams from CSV or XLSX: all or nothing, row-level errors."""

import codecs
import datetime
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from programs.importer import COLUMNS, MAX_SHOWN_ERRORS
from programs.models import Agent, AgentImport, Area, Channel, Role, Team
from programs.services.people import agents_import

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def upload(content: bytes | str, name="agents.csv", encoding="utf-8"):
    if isinstance(content, str):
        content = content.encode(encoding)
    return SimpleUploadedFile(name, content)


def csv_text(*rows: str, header=HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def snapshot():
    """Row counts of everything an import may write, history included."""
    return (
        Agent.objects.count(),
        Agent.history.count(),
        Agent.channels.through.objects.count(),
        Team.objects.count(),
        Team.history.count(),
        Area.objects.count(),
    )


@pytest.fixture
def channels(program):
    inbound = Channel.objects.create(
        program=program, code="inbound", name="Inbound", kind="inbound"
    )
    chat = Channel.objects.create(program=program, code="chat", name="Chat", kind="digital")
    return {"inbound": inbound, "chat": chat}


@pytest.fixture
def analyst(program, member):
    return member(program, Role.QC_ANALYST, full_name="Andi Analyst")


def run(program, analyst, content, name="agents.csv", encoding="utf-8"):
    return agents_import(program=program, file=upload(content, name, encoding), user=analyst)


def messages_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


GOOD = csv_text(
    'E001,Siti Rahmawati,team-a,Team A,jkt,Jakarta,"gadai, emas",inbound;chat,2024-01-02,',
    "E002,Budi Santoso,team-a,,,,gadai,inbound,2024-03-01,2024-12-31",
)


# --- A good file ---------------------------------------------------------------------


def test_a_good_csv_creates_agents_teams_and_areas(program, channels, analyst):
    result = run(program, analyst, GOOD)
    assert result.ok, messages_of(result)
    assert (result.file_format, result.encoding) == ("CSV", "UTF-8")
    assert (result.agents_created, result.agents_updated, result.agents_unchanged) == (2, 0, 0)
    assert (result.teams_created, result.areas_created) == (1, 1)

    team = Team.objects.get(program=program, code="team-a")
    assert team.name == "Team A"
    assert team.area.name == "Jakarta"
    siti = Agent.objects.get(program=program, employee_id="E001")
    assert (siti.name, siti.team, siti.area, siti.skills) == (
        "Siti Rahmawati",
        team,
        team.area,
        "gadai, emas",
    )
    assert set(siti.channels.all()) == {channels["inbound"], channels["chat"]}
    assert siti.active_from == datetime.date(2024, 1, 2)
    budi = Agent.objects.get(program=program, employee_id="E002")
    assert budi.area == team.area  # blank area_code: the team's area
    assert budi.active_to == datetime.date(2024, 12, 31)
    record = siti.history.first()
    assert record.history_user == analyst
    assert record.history_change_reason == "Imported from agents.csv"


def test_utf8_with_bom_and_semicolons(program, channels, analyst):
    text = GOOD.replace(",", ";").replace('"gadai; emas"', "gadai").replace("inbound;chat", "")
    result = run(program, analyst, codecs.BOM_UTF8 + text.encode())
    assert result.ok, messages_of(result)
    assert result.encoding == "UTF-8 (BOM)"
    assert Agent.objects.filter(program=program).count() == 2


def test_codes_match_whatever_their_case(program, channels, analyst):
    Team.objects.create(program=program, code="team-a", name="Team A")
    result = run(program, analyst, csv_text("E1,Ani,TEAM-A,,,,,Inbound;CHAT,,"))
    assert result.ok, messages_of(result)
    assert result.teams_created == 0
    assert Agent.objects.get().channels.count() == 2


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(program, analyst):
    Team.objects.create(program=program, code="t", name="T")
    result = run(program, analyst, csv_text("E1,Ani,t,,,,,,,", ",,,,,,,,,", "", "E2,,t,,,,,,,"))
    assert messages_of(result) == [(5, "name", "The name is required.")]


def test_updates_existing_agents_and_leaves_unchanged_ones_alone(program, channels, analyst):
    team = Team.objects.create(program=program, code="team-a", name="Team A")
    old = Agent.objects.create(program=program, employee_id="E001", name="Siti R", team=team)
    old.channels.add(channels["inbound"])
    same = Agent.objects.create(program=program, employee_id="E009", name="Same", team=team)
    untouched = Agent.objects.create(
        program=program, employee_id="E777", name="Not in file", team=team
    )
    history_before = (old.history.count(), same.history.count(), untouched.history.count())

    result = run(
        program,
        analyst,
        csv_text(
            "E001,Siti Rahmawati,team-a,,,,emas,chat,,2024-06-30",
            "E009,Same,team-a,,,,,,,",
        ),
    )
    assert result.ok, messages_of(result)
    assert (result.agents_created, result.agents_updated, result.agents_unchanged) == (0, 1, 1)
    old.refresh_from_db()
    assert (old.name, old.skills, old.active_to) == (
        "Siti Rahmawati",
        "emas",
        datetime.date(2024, 6, 30),
    )
    assert list(old.channels.all()) == [channels["chat"]]
    assert old.history.count() > history_before[0]
    assert old.history.first().history_user == analyst
    assert (same.history.count(), untouched.history.count()) == history_before[1:]
    assert Agent.objects.filter(program=program).count() == 3


def test_a_change_of_channels_only_adds_one_history_record(program, channels, analyst):
    team = Team.objects.create(program=program, code="t", name="T")
    agent = Agent.objects.create(program=program, employee_id="E1", name="Ani", team=team)
    agent.channels.add(channels["inbound"])
    before = agent.history.count()
    long_name = "agents-" + "x" * 150 + ".csv"
    result = run(program, analyst, csv_text("E1,Ani,t,,,,,inbound;chat,,"), name=long_name)
    assert result.ok, messages_of(result)
    assert result.agents_updated == 1
    assert agent.history.count() == before + 1
    record = agent.history.first()
    assert record.history_user == analyst
    assert len(record.history_change_reason) == 100


def test_an_agent_of_another_program_with_the_same_id_is_not_touched(
    program, other_program, analyst
):
    foreign_team = Team.objects.create(program=other_program, code="team-a", name="Theirs")
    foreign = Agent.objects.create(
        program=other_program, employee_id="E001", name="Other", team=foreign_team
    )
    result = run(program, analyst, csv_text("E001,Mine,team-a,Team A,,,,,,"))
    assert result.ok
    assert result.agents_created == 1
    foreign.refresh_from_db()
    assert foreign.name == "Other"
    assert Team.objects.get(program=program).name == "Team A"


# --- Row errors: nothing is saved -------------------------------------------------------


def test_duplicate_employee_ids_name_both_rows(program, analyst):
    before = snapshot()
    result = run(
        program,
        analyst,
        csv_text("E1,Ani,t,T,,,,,,", "E2,Budi,t,,,,,,,", "E1,Ani again,t,,,,,,,"),
    )
    assert messages_of(result) == [
        (4, "employee_id", "The employee id “E1” is on both row 2 and row 4.")
    ]
    assert snapshot() == before


def test_unknown_team_is_an_error_unless_named(program, analyst):
    before = snapshot()
    result = run(program, analyst, csv_text("E1,Ani,nope,,,,,,,", "E2,Budi,new,New team,,,,,,"))
    ((row, column, message),) = messages_of(result)
    assert (row, column) == (2, "team_code")
    assert message.startswith("Unknown team “nope”.")
    assert snapshot() == before


def test_a_team_named_later_in_the_file_is_known_earlier(program, analyst):
    result = run(program, analyst, csv_text("E1,Ani,new,,,,,,,", "E2,Budi,new,New team,,,,,,"))
    assert result.ok, messages_of(result)
    assert Team.objects.get(program=program).name == "New team"


def test_two_names_for_one_new_team_and_bad_codes(program, analyst):
    before = snapshot()
    result = run(
        program,
        analyst,
        csv_text(
            "E1,Ani,new,New A,,,,,,",
            "E2,Budi,new,New B,,,,,,",
            "E3,Citra,bad code,Bad,,,,,,",
            "E4,Dewi,t,,nowhere,,,,,",
            "E5,Eka,x,X,,Jakarta,,,,",
        ),
    )
    found = messages_of(result)
    assert found[0] == (
        3,
        "team_name",
        "The new code “new” is named “New B” here but “New A” on row 2.",
    )
    assert [(r, c) for r, c, _m in found[1:]] == [
        (4, "team_code"),
        (5, "team_code"),
        (5, "area_code"),
        (6, "area_code"),
    ]
    assert snapshot() == before


def test_unknown_channels_are_errors(program, channels, analyst):
    before = snapshot()
    result = run(program, analyst, csv_text("E1,Ani,t,T,,,,inbound;phone;fax,,"))
    ((row, column, message),) = messages_of(result)
    assert (row, column) == (2, "channels")
    assert "phone, fax" in message
    assert "chat, inbound" in message  # the codes the program has
    assert snapshot() == before


@pytest.mark.parametrize("value", ["31/01/2024", "2024-1-31", "2024-02-30", "Jan 2024"])
def test_bad_dates_say_the_expected_format(program, analyst, value):
    result = run(program, analyst, csv_text(f"E1,Ani,t,T,,,,,{value},"))
    ((row, column, message),) = messages_of(result)
    assert (row, column) == (2, "active_from")
    assert "YYYY-MM-DD" in message
    assert not Agent.objects.exists()


def test_end_before_start_and_too_long_values(program, analyst):
    long_name = "N" * 151
    result = run(
        program,
        analyst,
        csv_text("E1,Ani,t,T,,,,,2024-05-01,2024-04-01", f"E2,{long_name},t,,,,,,,"),
    )
    assert messages_of(result) == [
        (2, "active_to", "The end date is before the start date."),
        (3, "name", "Ensure this value has at most 150 characters (it has 151)."),
    ]


def test_one_bad_row_among_good_ones_saves_nothing(program, channels, analyst):
    Team.objects.create(program=program, code="team-a", name="Team A")
    Agent.objects.create(
        program=program, employee_id="E001", name="Before", team=Team.objects.get()
    )
    before = snapshot()
    rows = [f"E{i:03d},Agent {i},team-b,Team B,sby,Surabaya,,inbound,," for i in range(1, 40)]
    rows.append("E999,Broken,team-a,,,,,inbound,yesterday,")
    result = run(program, analyst, csv_text(*rows))
    assert not result.ok
    assert len(result.errors) == 1
    assert snapshot() == before
    assert Agent.objects.get(employee_id="E001").name == "Before"


def test_a_row_with_more_cells_than_the_header(program, analyst):
    result = run(program, analyst, csv_text("E1,Wijaya, Ani,t,T,,,,,2024-01-01,2024-12-31"))
    ((row, column, message),) = messages_of(result)
    assert (row, column) == (2, "")
    assert "more cells than the header" in message


def test_only_the_first_errors_are_listed(program, analyst):
    rows = [f"E{i},,t,T,,,,,," for i in range(MAX_SHOWN_ERRORS + 7)]
    result = run(program, analyst, csv_text(*rows))
    assert len(result.errors) == MAX_SHOWN_ERRORS + 7
    assert len(result.shown_errors) == MAX_SHOWN_ERRORS
    assert result.hidden_error_count == 7


# --- File errors -------------------------------------------------------------------------


def test_wrong_columns_list_the_expected_ones(program, analyst):
    header = "employee_id,name,team,area_code,area_name,skills,channels,active_from,active_to,name"
    result = run(program, analyst, csv_text("E1,Ani,t,,,,,,,Ani", header=header))
    assert "The columns of the file are not the expected ones" in result.file_error
    details = " ".join(result.file_error_details)
    assert f"Expected columns: {', '.join(COLUMNS)}." in details
    assert "Missing columns: team_code, team_name." in details
    assert "Columns not expected: team." in details
    assert "Columns given more than once: name." in details
    assert not result.errors
    assert not Agent.objects.exists()


def test_header_names_are_forgiving_about_case_and_spaces(program, analyst):
    header = ",".join(c.replace("_", " ").title() for c in COLUMNS)
    result = run(program, analyst, csv_text("E1,Ani,t,T,,,,,,", header=header))
    assert result.ok, (result.file_error, result.file_error_details)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "agents.csv", "The file is empty (0 bytes)."),
        (b"\r\n\r\n", "agents.csv", "The file is empty: the first row must be the header"),
        (
            HEADER.encode() + b"\r\n,,,\r\n",
            "agents.csv",
            "The file has a header but no agent rows.",
        ),
        (b"E1,Ani", "agents.pdf", "is not a CSV (.csv) or Excel (.xlsx) file."),
        (HEADER.encode(), "agents.xlsx", "is named like an Excel workbook but its content is not"),
        (b"PK\x03\x04not really a zip", "agents.xlsx", "could not be read as an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "agents.csv", "old Excel 97-2003"),
        (codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"), "agents.csv", "UTF-16"),
    ],
)
def test_files_that_cannot_be_read_are_rejected_clearly(program, analyst, content, name, expected):
    result = run(program, analyst, content, name=name)
    assert expected in result.file_error
    assert not result.ok
    assert not Agent.objects.exists()


def test_cp1252_text_is_read_when_utf8_fails(program, analyst):
    content = csv_text("E1,José Muñoz,t,Tim Penjualan – Timur,,,,,,").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    result = run(program, analyst, content)
    assert result.ok, messages_of(result)
    assert result.encoding == "Windows-1252"
    assert Agent.objects.get().name == "José Muñoz"
    assert Team.objects.get().name == "Tim Penjualan – Timur"


def test_binary_files_are_rejected(program, analyst):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4
    result = run(program, analyst, png, name="agents.csv")
    assert "its content is binary" in result.file_error
    # Bytes that are neither UTF-8 nor Windows-1252 (0x81 and 0x8d are unassigned in 1252).
    result = run(program, analyst, HEADER.encode() + b"\r\nE1,\x81\x8d\x9d,t,T,,,,,,")
    assert "neither UTF-8 nor Windows-1252" in result.file_error
    assert not Agent.objects.exists()


# --- XLSX ---------------------------------------------------------------------------------


def test_a_good_xlsx_with_numbers_dates_and_formulas(program, channels, analyst):
    content = xlsx_bytes(
        [
            list(COLUMNS),
            [
                1001,
                "Siti",
                "team-a",
                "Team A",
                "",
                "",
                "gadai",
                "inbound",
                datetime.date(2024, 1, 2),
                None,
            ],
            [
                1002.0,
                '="Budi"&" Santoso"',
                "team-a",
                "",
                "",
                "",
                "",
                "",
                datetime.datetime(2024, 2, 1),
                None,
            ],
            [None] * 10,
        ]
    )
    # openpyxl writes no cached value for a formula; add the one Excel would have saved.
    content = _with_cached_formula_value(content, "B3", "Budi Santoso")
    result = run(program, analyst, content, name="Agents.XLSX")
    assert result.ok, messages_of(result)
    assert result.file_format == "XLSX"
    assert result.encoding == ""
    budi = Agent.objects.get(employee_id="1002")
    assert budi.name == "Budi Santoso"
    assert budi.active_from == datetime.date(2024, 2, 1)
    assert Agent.objects.get(employee_id="1001").active_from == datetime.date(2024, 1, 2)


def test_xlsx_errors_give_sheet_row_numbers(program, analyst):
    content = xlsx_bytes(
        [
            list(COLUMNS),
            ["E1", "Ani", "t", "T", "", "", "", "", "2024-13-01", ""],
            [None] * 10,
            ["E1", "Dup", "t"],
        ]
    )
    result = run(program, analyst, content, name="agents.xlsx")
    assert [(r, c) for r, c, _m in messages_of(result)] == [(2, "active_from"), (4, "employee_id")]
    assert not Agent.objects.exists()


def _with_cached_formula_value(content: bytes, cell: str, value: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text, count = re.subn(
                    rf'<c r="{cell}"><f>(.*?)</f><v\s*/?>(</v>)?',
                    rf'<c r="{cell}" t="str"><f>\1</f><v>{value}</v>',
                    text,
                )
                assert count == 1
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


# --- The template --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_imports_as_it_is(client, program, channels, analyst, fmt):
    client.force_login(analyst)
    response = client.get(reverse("people_import_template", args=[program.code, fmt]))
    assert response.status_code == 200
    assert f'filename="agents-pgd-template.{fmt}"' in response["Content-Disposition"]
    content = response.content
    if fmt == "csv":
        assert content.startswith(codecs.BOM_UTF8)
        lines = content.decode("utf-8-sig").splitlines()
        assert lines[0] == HEADER
        assert len(lines) == 3
    else:
        rows = (
            CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
        )
        assert rows[0] == list(COLUMNS)
        assert len(rows) == 3
    result = run(program, analyst, content, name=f"template.{fmt}")
    assert result.ok, (result.file_error, messages_of(result))
    assert (result.agents_created, result.teams_created, result.areas_created) == (2, 1, 1)
    assert Agent.objects.get(employee_id="EMP-0001").channels.count() == 2


# --- The page ---------------------------------------------------------------------------------


def test_import_page_documents_every_column(client, program, channels, analyst):
    client.force_login(analyst)
    response = client.get(reverse("people_import", args=[program.code]))
    body = response.content.decode()
    for column in COLUMNS:
        assert f"<code>{column}</code>" in body
    assert "<code>chat</code> (Chat)" in body
    assert "YYYY-MM-DD" in body


def _post(client, url, data, capture):
    """POST the upload (the worker, eager in tests, runs when it commits), then
    open the page it leads to."""
    with capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"], follow=True)


def test_a_good_upload_shows_the_imports_summary(
    client, program, channels, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    url = reverse("people_import", args=[program.code])
    response = _post(client, url, {"file": upload(GOOD)}, django_capture_on_commit_callbacks)
    record = AgentImport.objects.get()
    detail = reverse("people_import_detail", args=[program.code, record.pk])
    assert response.request["PATH_INFO"] == detail
    body = response.content.decode()
    assert "read as UTF-8" in body
    assert (
        "Agents created: 2, updated: 0, unchanged: 0. Teams created: 1. Areas created: 1." in body
    )
    assert reverse("agent_list", args=[program.code]) in body
    assert Agent.objects.first().history.first().history_user == analyst
    assert "agents.csv" in client.get(url).content.decode()  # listed among recent imports


def test_a_bad_upload_shows_the_error_table_and_saves_nothing(
    client, program, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    url = reverse("people_import", args=[program.code])
    rows = [f"E{i},,nope,,,,,,," for i in range(MAX_SHOWN_ERRORS)]
    before = snapshot()
    response = _post(
        client, url, {"file": upload(csv_text(*rows))}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "“agents.csv” has 200 errors." in body
    assert "Nothing was saved. Fix the file, then choose it again and import it." in body
    assert "The first 100 errors are shown; 100 more errors are not." in body
    assert body.count("<td>The name is required.</td>") == 50
    assert snapshot() == before


def test_a_file_error_is_shown_on_the_page(
    client, program, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    url = reverse("people_import", args=[program.code])
    response = client.post(url, {"file": upload(b"", "agents.csv")})
    assert response.status_code == 200
    body = response.content.decode()
    # Django refuses an empty upload before the importer sees it.
    assert "The submitted file is empty." in body
    # A file of the wrong kind is refused at once, and not stored.
    response = client.post(url, {"file": upload("a,b\r\n", "agents.txt")})
    assert response.status_code == 200
    assert "is not a CSV (.csv) or Excel (.xlsx) file." in response.content.decode()
    assert not AgentImport.objects.exists()
    # Wrong columns are found by the worker, and shown on the import's page.
    response = _post(
        client, url, {"file": upload("a,b\r\n1,2\r\n")}, django_capture_on_commit_callbacks
    )
    body = response.content.decode()
    assert "The columns of the file are not the expected ones." in body
    assert "Missing columns: employee_id" in body
    response = client.post(url, {})
    assert "This field is required." in response.content.decode()


# --- In the browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_analyst_imports_a_csv_and_sees_the_agents(page, live_server, login, program, member):
    Channel.objects.create(program=program, code="inbound", name="Inbound", kind="inbound")
    Channel.objects.create(program=program, code="chat", name="Chat", kind="digital")
    analyst = member(program, Role.QC_ANALYST, full_name="Andi Analyst")
    login(page, analyst)
    page.goto(f"{live_server.url}{reverse('people_import', args=[program.code])}")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "agents.csv", "mimeType": "text/csv", "buffer": GOOD.encode()}],
    )
    page.get_by_role("button", name="Check and import").click()
    page.get_by_text("Agents created: 2").wait_for()  # the import's page, when it is done
    page.get_by_role("link", name="See the agents").click()
    table = page.locator("#agent-table")
    assert table.get_by_text("Siti Rahmawati").is_visible()
    assert table.get_by_text("Budi Santoso").is_visible()
    assert table.get_by_text("Team A").first.is_visible()
