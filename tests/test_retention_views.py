"""The Retention page (PGD-6, TLK-6): what the next purge deletes and what falls
due in the next 90 days, legal holds placed and released by the manager with
their history, and the purge log; the services behind it."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from followup.models import CalibrationSession
from programs.models import RecordType, Role
from programs.months import add_months
from reporting.models import MonthlyReport
from retention import services as retention
from retention.models import LegalHold, PurgeLog
from sampling import services as sampling
from sampling.models import ContactImport, ImportStatus, PlannedShop
from scoring.models import Shop, ShopState
from tests.factories import UserFactory
from tests.querycount import assert_same_query_count, page_queries
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
# The clock: 20 December 2026; the monthly purge next runs on 1 January 2027 at
# 02:30 in the program's zone (Jakarta). Pegadaian keeps everything 2 years, so
# the next purge takes what is dated before 2025-01-01, and the 90 days look
# ahead to 2027-03-20 (dated before 2025-03-20).
NOW = datetime(2026, 12, 20, 10, 0, tzinfo=JAKARTA)
NEXT_PURGE = datetime(2027, 1, 1, 2, 30, tzinfo=JAKARTA)


def _on(day: date):
    """The clock at noon in Jakarta on `day`: records made inside are dated then."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=JAKARTA))


@pytest.fixture(autouse=True)
def _december(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        yield


def _import(program, month, name="contacts.csv"):
    """Contact data of `month`, imported on `month` (the day its clock starts)."""
    with _on(month):
        record = ContactImport(
            program=program,
            month=month,
            original_name=name,
            status=ImportStatus.SUCCEEDED,
            finished_at=timezone.now(),
        )
        record.file.save(name, ContentFile(b"timestamp,channel,reason,category\n"), save=False)
        record.save()
    return record


def _url(program):
    return reverse("retention", args=[program.code])


def _hold(program, record, user, reason="ISO audit finding 2026-07"):
    return retention.place_hold(
        program=program,
        record_type=RecordType.CONTACT_DATA,
        object_id=record.pk,
        reason=reason,
        user=user,
    )


# --- Services -----------------------------------------------------------------------


def test_place_hold_records_who_why_and_what(pgd, member):
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    record = _import(pgd, date(2024, 10, 1), "oktober.csv")
    hold = _hold(pgd, record, manager)
    assert (hold.created_by, hold.reason, hold.description) == (
        manager,
        "ISO audit finding 2026-07",
        "oktober.csv (2024-10)",
    )
    placed = LegalHold.history.get()
    assert (placed.history_type, placed.history_user, placed.reason) == (
        "+",
        manager,
        "ISO audit finding 2026-07",
    )


def test_placing_a_hold_twice_keeps_one_hold(pgd, member):
    manager = member(pgd, Role.MANAGER)
    record = _import(pgd, date(2024, 10, 1))
    first = _hold(pgd, record, manager)
    again = _hold(pgd, record, manager, reason="a second click")
    assert again.pk == first.pk and again.reason == "ISO audit finding 2026-07"
    assert LegalHold.objects.count() == 1 and LegalHold.history.count() == 1


def test_a_concurrent_double_click_lands_on_the_unique_constraint(pgd, member, monkeypatch):
    manager = member(pgd, Role.MANAGER)
    record = _import(pgd, date(2024, 10, 1))
    full_clean = LegalHold.full_clean

    def other_click_first(self, *args, **kwargs):
        # The other request's hold is saved between this one's check and its save.
        LegalHold.objects.create(
            program=pgd, record_type="contact_data", object_id=record.pk, reason="first click"
        )
        return full_clean(self, *args, **kwargs)

    monkeypatch.setattr(LegalHold, "full_clean", other_click_first)
    hold = _hold(pgd, record, manager)
    assert hold.reason == "first click" and LegalHold.objects.count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_hold_needs_a_reason(pgd, member, reason):
    record = _import(pgd, date(2024, 10, 1))
    with pytest.raises(ValidationError) as exc:
        _hold(pgd, record, member(pgd, Role.MANAGER), reason=reason)
    assert "reason" in exc.value.message_dict
    assert not LegalHold.objects.exists()


def test_a_hold_is_only_placed_on_a_record_of_the_program(pgd, tlk, member):
    theirs = _import(tlk, date(2024, 10, 1))
    manager = member(pgd, Role.MANAGER)
    with pytest.raises(ValidationError, match="no longer there"):
        _hold(pgd, theirs, manager)
    with pytest.raises(ValidationError, match="not purged"):
        retention.place_hold(
            program=pgd,
            record_type=RecordType.DOCUMENT_LIST,
            object_id=1,
            reason="x",
            user=manager,
        )
    assert not LegalHold.objects.exists()


def test_release_keeps_the_hold_in_the_history_with_its_reason(pgd, member):
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    other = member(pgd, Role.MANAGER, full_name="Mira Manager")
    hold = _hold(pgd, _import(pgd, date(2024, 10, 1)), manager)
    assert retention.release_hold(
        program=pgd, hold_id=hold.pk, reason="Audit closed on 2026-12-15", user=other
    )
    assert not LegalHold.objects.exists()
    released, placed = LegalHold.history.order_by("-history_id")
    assert (released.history_type, released.history_user) == ("-", other)
    assert released.history_change_reason == "Audit closed on 2026-12-15"
    assert (placed.history_type, placed.history_user) == ("+", manager)
    # A double click: the second release finds nothing to release.
    assert not retention.release_hold(program=pgd, hold_id=hold.pk, reason="again", user=other)
    assert LegalHold.history.count() == 2


def test_a_release_needs_a_reason_and_the_programs_hold(pgd, tlk, member):
    hold = _hold(pgd, _import(pgd, date(2024, 10, 1)), member(pgd, Role.MANAGER))
    with pytest.raises(ValidationError) as exc:
        retention.release_hold(program=pgd, hold_id=hold.pk, reason=" ", user=None)
    assert "reason" in exc.value.message_dict
    assert not retention.release_hold(program=tlk, hold_id=hold.pk, reason="x", user=None)
    assert LegalHold.objects.filter(pk=hold.pk).exists()


def test_the_purge_keeps_a_held_record_and_takes_it_once_released(pgd, member):
    manager = member(pgd, Role.MANAGER)
    record = _import(pgd, date(2024, 10, 1))
    hold = _hold(pgd, record, manager)
    out = StringIO()
    call_command("purge_records", stdout=out)
    assert "(legal hold)" in out.getvalue() and "0 record(s) deleted." in out.getvalue()
    assert ContactImport.objects.filter(pk=record.pk).exists()
    retention.release_hold(program=pgd, hold_id=hold.pk, reason="Audit closed", user=manager)
    retention.purge()
    assert not ContactImport.objects.filter(pk=record.pk).exists()
    assert PurgeLog.objects.get().object_id == record.pk


def test_the_purge_decides_under_the_programs_lock_that_holds_take_too(pgd, member):
    """A hold placed while the purge runs waits for it (or the purge for the
    hold): both lock the program row before reading or writing holds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record = _import(pgd, date(2024, 10, 1))
    with CaptureQueriesContext(connection) as purge_queries:
        retention.purge(program=pgd)
    with CaptureQueriesContext(connection) as hold_queries:
        _hold(pgd, _import(pgd, date(2024, 11, 1)), member(pgd, Role.MANAGER))
    for queries in (purge_queries, hold_queries):
        sql = [q["sql"] for q in queries.captured_queries]
        reads = [i for i, q in enumerate(sql) if "reporting_legalhold" in q]
        assert reads
        if connection.features.has_select_for_update:  # not SQLite
            lock = next(i for i, q in enumerate(sql) if "FOR UPDATE" in q)
            assert '"programs_program"' in sql[lock].split("WHERE")[0] and lock < min(reads)
    assert not ContactImport.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(
    ("record_date", "years", "due"),
    [
        (date(2024, 10, 1), 2, date(2026, 10, 2)),
        (date(2024, 2, 29), 2, date(2026, 3, 1)),
        (date(2023, 2, 28), 1, date(2024, 3, 1)),  # on 29 Feb 2024 the cutoff is 28 Feb 2023
        (date(2024, 2, 28), 2, date(2026, 3, 1)),
    ],
)
def test_due_on_is_the_first_day_the_walk_lists_the_record(record_date, years, due):
    assert retention.due_on(record_date, years) == due
    assert record_date < retention.cutoff_for(due, years)
    assert not record_date < retention.cutoff_for(date.fromordinal(due.toordinal() - 1), years)


def test_purge_runs_are_the_night_of_the_1st_in_the_programs_zone(pgd, tlk):
    runs = retention.purge_runs(pgd, timezone.now(), date(2027, 3, 20))
    assert runs == [
        NEXT_PURGE,
        datetime(2027, 2, 1, 2, 30, tzinfo=JAKARTA),
        datetime(2027, 3, 1, 2, 30, tzinfo=JAKARTA),
    ]
    tlk.time_zone = "Asia/Jayapura"  # UTC+9: two hours before Jakarta
    assert retention.purge_runs(tlk, timezone.now(), date(2027, 1, 6)) == [
        datetime(2027, 1, 1, 2, 30, tzinfo=ZoneInfo("Asia/Jayapura"))
    ]


def test_the_schedule_of_one_program_splits_next_purge_and_the_90_days(pgd, tlk, member):
    october = _import(pgd, date(2024, 10, 1), "oktober.csv")  # due 2026-10-02
    december = _import(pgd, date(2024, 12, 31), "desember.csv")  # due 2027-01-01: next purge
    february = _import(pgd, date(2025, 2, 1), "februari.csv")  # due 2027-02-02
    _import(pgd, date(2025, 3, 20), "maret.csv")  # due 2027-03-21: past the 90 days
    _import(tlk, date(2023, 1, 1))  # another program's
    _hold(pgd, october, member(pgd, Role.MANAGER))
    schedule = retention.retention_schedule(program=pgd)
    assert (schedule.today, schedule.until, schedule.next_purge) == (
        date(2026, 12, 20),
        date(2027, 3, 20),
        NEXT_PURGE,
    )
    assert [
        (r.item.object_id, r.item.kept_because, r.goes_at) for r in schedule.at_next_purge
    ] == [
        (october.pk, "legal hold", NEXT_PURGE),
        (december.pk, "", NEXT_PURGE),
    ]
    assert schedule.at_next_purge[0].item.held
    assert [(r.item.object_id, r.goes_at) for r in schedule.later] == [
        (february.pk, datetime(2027, 3, 1, 2, 30, tzinfo=JAKARTA))
    ]


def test_the_schedule_says_why_a_referenced_record_stays(pgd, member):
    with _on(date(2024, 12, 20)):  # imported then: due 2026-12-21
        contact_month(pgd, date(2024, 12, 1))
    with _on(date(2025, 2, 1)):  # a plan made later: due 2027-02-02
        plan = sampling.plan_generate(program=pgd, month=date(2025, 1, 1), user=None, seed=1)
    schedule = retention.retention_schedule(program=pgd)
    kept = {r.item.record_type: str(r.item.kept_because) for r in schedule.at_next_purge}
    assert kept == {
        "contact_data": f"Sample plan #{plan.pk} depends on it and is kept until 2027-02-02"
    }
    assert [(r.item.record_type, r.item.kept_because) for r in schedule.later] == [
        ("sample_plan", "")
    ]


# --- The page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_the_page_per_role(client, pgd, member, role):
    client.force_login(member(pgd, role))
    response = client.get(_url(pgd))
    assert response.status_code == (200 if role in {Role.MANAGER, Role.QC_ANALYST} else 403)


def _record(program, record):
    return reverse("retention_record", args=[program.code, "contact_data", record.pk])


def test_outsiders_get_404_and_visitors_the_login(client, pgd):
    record = _import(pgd, date(2024, 10, 1))
    response = client.get(_url(pgd))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(UserFactory())
    assert client.get(_url(pgd)).status_code == 404
    assert client.post(_record(pgd, record), {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.MANAGER}))
def test_only_the_manager_holds_and_releases(client, pgd, member, role):
    record = _import(pgd, date(2024, 10, 1))
    held = _import(pgd, date(2024, 11, 1))
    hold = _hold(pgd, held, member(pgd, Role.MANAGER))
    client.force_login(member(pgd, role))
    assert client.post(_record(pgd, record), {"reason": "x"}).status_code == 403
    assert client.post(_record(pgd, held), {"reason": "x"}).status_code == 403
    assert client.post(_url(pgd), {"reason": "x"}).status_code == 405  # the page only reads
    assert list(LegalHold.objects.values_list("pk", flat=True)) == [hold.pk]


def test_the_analyst_reads_without_forms(client, pgd, member):
    _import(pgd, date(2024, 10, 1), "oktober.csv")
    client.force_login(member(pgd, Role.QC_ANALYST))
    page = client.get(_url(pgd)).content.decode()
    assert "oktober.csv (2024-10)" in page
    assert "Place a hold" not in page and 'name="reason"' not in page


def test_the_page_shows_rules_records_holds_history_and_log(client, pgd, member):
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    october = _import(pgd, date(2024, 10, 1), "oktober.csv")
    _import(pgd, date(2025, 2, 1), "februari.csv")
    hold = _hold(pgd, october, manager)
    released = _hold(pgd, _import(pgd, date(2024, 11, 1), "november.csv"), manager)
    retention.release_hold(
        program=pgd, hold_id=released.pk, reason="Klaim pelanggan selesai", user=manager
    )
    PurgeLog.objects.create(
        program=pgd,
        program_code="PGD",
        record_type="sample_plan",
        object_id=7,
        description="plan 2024-08",
        record_date=date(2024, 8, 1),
        retention_years=2,
    )
    client.force_login(manager)
    page = client.get(_url(pgd)).content.decode()
    assert "Imported contact data" in page and "Monthly reports (F-27)" in page  # rules
    assert "2027-01-01 02:30" in page  # the next purge, in the program's zone
    due_now = page.split('id="due-now"')[1].split("</table>")[0]
    later = page.split('id="due-later"')[1].split("</table>")[0]
    assert "oktober.csv" in due_now and "Kept: legal hold" in due_now
    assert "november.csv" in due_now and "2027-01-01" in due_now
    assert "februari.csv" in later and "2027-03-01" in later
    holds = page.split('id="legal-holds"')[1].split("</table>")[0]
    assert f'id="hold-{hold.pk}"' in holds and "ISO audit finding 2026-07" in holds
    assert "Maya Manager" in holds and "november.csv" not in holds
    history = page.split('id="hold-history-table"')[1].split("</table>")[0]
    assert history.count('data-history="+"') == 2 and history.count('data-history="-"') == 1
    assert "Klaim pelanggan selesai" in history and "Released" in history
    log = page.split('id="purge-log-table"')[1].split("</table>")[0]
    assert "plan 2024-08" in log and "Sample plans" in log


def test_placing_a_hold_from_the_page(client, pgd, member):
    manager = member(pgd, Role.MANAGER)
    record = _import(pgd, date(2024, 10, 1), "oktober.csv")
    client.force_login(manager)
    page = client.get(_url(pgd)).content.decode()
    row = page.split(f'id="record-contact_data-{record.pk}"')[1].split("</tr>")[0]
    assert _record(pgd, record) in row and 'name="reason"' not in row  # a link, no form
    data = {"reason": "  Temuan audit ISO  "}
    response = client.post(_record(pgd, record), data)
    assert response.status_code == 302 and response["Location"] == _url(pgd)
    data["action"] = "hold"
    assert client.post(_record(pgd, record), data).status_code == 302  # a double click
    hold = LegalHold.objects.get()
    assert (hold.reason, hold.created_by) == ("Temuan audit ISO", manager)
    page = client.get(_url(pgd)).content.decode()
    assert "is on hold: the purge keeps it." in page
    assert f'id="record-contact_data-{record.pk}" data-kept="yes"' in page


@pytest.mark.parametrize(
    ("reason", "message"), [("", "This field is required."), ("x" * 301, "at most 300")]
)
def test_a_bad_hold_reason_is_shown_next_to_the_field_with_the_text_kept(
    client, pgd, member, reason, message
):
    record = _import(pgd, date(2024, 10, 1))
    client.force_login(member(pgd, Role.MANAGER))
    response = client.post(_record(pgd, record), {"reason": reason})
    assert response.status_code == 200
    form = response.content.decode().split('id="hold-form"')[1].split("</form>")[0]
    assert 'id="error_1_id_reason"' in form and message in form
    assert f'value="{reason}"' in form or not reason
    assert not LegalHold.objects.exists()


def test_a_hold_on_a_record_gone_meanwhile_is_explained(client, pgd, member):
    record = _import(pgd, date(2024, 10, 1))
    client.force_login(member(pgd, Role.MANAGER))
    gone = reverse("retention_record", args=[pgd.code, "contact_data", record.pk + 1000])
    assert client.get(gone).status_code == 404
    response = client.post(gone, {"reason": "kept typed"}, follow=True)
    assert response.redirect_chain[-1][0] == _url(pgd)
    assert "This record is no longer there." in response.content.decode()


def test_releasing_from_the_page(client, pgd, member):
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    record = _import(pgd, date(2024, 10, 1))
    hold = _hold(pgd, record, manager)
    client.force_login(manager)
    holds = client.get(_url(pgd)).content.decode().split('id="legal-holds"')[1]
    assert _record(pgd, record) in holds.split("</table>")[0]
    typed = "y" * 301
    response = client.post(_record(pgd, record), {"reason": typed})
    assert response.status_code == 200
    form = response.content.decode().split('id="hold-form"')[1].split("</form>")[0]
    assert 'id="error_1_id_reason"' in form and f'value="{typed}"' in form
    assert LegalHold.objects.filter(pk=hold.pk).exists()
    data = {"reason": "Audit closed", "action": "release"}
    assert client.post(_record(pgd, record), data).status_code == 302
    response = client.post(_record(pgd, record), data, follow=True)  # a double click
    assert "This hold was released already." in response.content.decode()
    assert not LegalHold.objects.exists()
    released = LegalHold.history.filter(history_type="-").get()
    assert (released.history_change_reason, released.history_user) == ("Audit closed", manager)


def test_the_purge_log_pages_newest_first(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    for i in range(25):
        PurgeLog.objects.create(
            program=pgd,
            program_code="PGD",
            record_type="contact_data",
            object_id=i,
            description=f"import-{i:02d}.csv",
            record_date=date(2024, 1, 1),
            retention_years=2,
        )
    first = client.get(_url(pgd)).content.decode()
    assert "import-24.csv" in first and "import-05.csv" in first and "import-04.csv" not in first
    assert "?log_page=2#purge-log" in first
    second = client.get(_url(pgd), {"log_page": 2, "history_page": 1}).content.decode()
    assert "import-04.csv" in second and "import-05.csv" not in second
    previous = second.split('id="purge-log"')[1].split("Previous")[0].rsplit('href="', 1)[1]
    assert set(previous.split("#")[0].lstrip("?").split("&amp;")) == {
        "log_page=1",
        "history_page=1",
    }


def test_the_menu_links_the_page_for_the_manager_and_the_analyst(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    assert _url(pgd) in client.get(reverse("program_detail", args=["PGD"])).content.decode()
    client.force_login(member(pgd, Role.SUPERVISOR))
    assert _url(pgd) not in client.get(reverse("program_detail", args=["PGD"])).content.decode()


def _world(pgd, member, manager):
    """An old approved plan with a finalized shop that a younger calibration
    session refers to, so every kind of check runs: the session keeps the
    shop, the shop its plan, the plan its contact data."""
    with _on(date(2024, 9, 15)):
        contact_month(pgd, date(2024, 9, 1))
        plan = sampling.plan_generate(program=pgd, month=date(2024, 10, 1), user=None, seed=1)
        sampling.plan_approve(plan=plan, user=manager)
    planned = PlannedShop.objects.filter(plan=plan).order_by("number").first()
    with _on(date(2024, 10, 10)):
        shop = Shop.objects.create(
            planned_shop=planned,
            program=pgd,
            scorecard=pgd.scorecards.filter(status="published").first(),
            shopper=member(pgd, Role.SHOPPER),
            state=ShopState.FINALIZED,
            submitted_at=timezone.now(),
            finalized_at=timezone.now(),
        )
    CalibrationSession.objects.create(
        program=pgd,
        held_on=date(2025, 2, 1),
        title="Kalibrasi Februari",
        created_by=manager,
        related_shop=shop,
    )
    _import(pgd, date(2025, 2, 1), "februari.csv")  # falls due after the next purge


def _grow(pgd, member, manager, n, offset):
    for i in range(offset, offset + n):
        month = add_months(date(2024, 6, 1), i % 10)  # 2024-06 … 2025-03
        record = _import(pgd, month, f"bulk-{i}.csv")
        with _on(month):
            MonthlyReport.objects.create(
                program=pgd, month=month, revision=i, due_at=timezone.now(), status="acknowledged"
            )
        CalibrationSession.objects.create(
            program=pgd, held_on=month, title=f"Kalibrasi {i}", created_by=manager
        )
        hold = _hold(pgd, record, member(pgd, Role.MANAGER), reason=f"hold {i}")
        if i % 2:
            retention.release_hold(program=pgd, hold_id=hold.pk, reason=f"done {i}", user=manager)
        PurgeLog.objects.create(
            program=pgd,
            program_code="PGD",
            record_type="follow_up",
            object_id=i,
            description=f"Coaching #{i}",
            record_date=month,
            retention_years=2,
        )


def test_the_page_runs_a_constant_number_of_queries(client, pgd, member):
    manager = member(pgd, Role.MANAGER)
    _world(pgd, member, manager)
    client.force_login(manager)
    _grow(pgd, member, manager, 2, 0)
    small = page_queries(client, _url(pgd))
    page = client.get(_url(pgd)).content.decode()
    assert "ample plan #" in page and "MS form #" in page and "alibration session #" in page
    assert "depends on it and is kept until 2027-02-02" in page
    _grow(pgd, member, manager, 30, 2)
    large = page_queries(client, _url(pgd))
    assert_same_query_count(small, large)
