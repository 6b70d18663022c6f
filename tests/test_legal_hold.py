"""Issue #18 (part): a legal hold on any record, any time — found by shop,
agent, month or record type whether it is due or not, held and released with
a reason on the record's own page, kept by every purge until released — and
issue #20 (part): the Retention page stays bounded at thousands of records."""

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from followup.models import CalibrationSession, FollowUp
from programs.models import Agent, RecordType, Role, Team
from retention import services as retention
from retention.models import LegalHold
from retention.selectors import found_records, record_ids
from sampling import services as sampling
from sampling.models import ContactImport, ImportStatus, PlannedShop, SamplePlan
from scoring.models import Evidence, Shop, ShopState
from tests.querycount import assert_same_query_count, page_queries
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def _today(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        yield


def _url(program):
    return reverse("retention", args=[program.code])


def _record_url(program, record_type, pk):
    return reverse("retention_record", args=[program.code, record_type, pk])


class Fresh:
    """This month's plan with two shops made today (not due for years): one
    reached agent Siti Rahayu (E-017) and has evidence and a follow-up item."""

    def __init__(self, pgd, member):
        self.manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
        shopper = member(pgd, Role.SHOPPER)
        self.contact_import = contact_month(pgd, date(2026, 11, 1))
        self.plan = sampling.plan_generate(program=pgd, month=date(2026, 12, 1), user=None, seed=1)
        sampling.plan_approve(plan=self.plan, user=self.manager)
        team = Team.objects.create(program=pgd, code="tim-1", name="Tim Satu")
        self.agent = Agent.objects.create(
            program=pgd, employee_id="E-017", name="Siti Rahayu", team=team
        )
        other = Agent.objects.create(
            program=pgd, employee_id="E-018", name="Budi Santoso", team=team
        )
        scorecard = pgd.scorecards.filter(status="published").first()
        first, second = PlannedShop.objects.filter(plan=self.plan).order_by("number")[:2]
        self.shop, self.other_shop = (
            Shop.objects.create(
                planned_shop=planned,
                program=pgd,
                scorecard=scorecard,
                shopper=shopper,
                agent=agent,
                state=ShopState.FINALIZED,
                submitted_at=timezone.now(),
                finalized_at=timezone.now(),
            )
            for planned, agent in ((first, self.agent), (second, other))
        )
        self.evidence = Evidence(
            shop=self.shop,
            kind="recording",
            original_name="rekaman.mp3",
            content_type="audio/mpeg",
            size=3,
        )
        self.evidence.file.save("rekaman.mp3", ContentFile(b"abc"), save=False)
        self.evidence.save()
        rule = pgd.coaching_rules.order_by("pk").first()
        self.follow_up = FollowUp.objects.create(
            program=pgd,
            shop=self.shop,
            rule=rule,
            agent=self.agent,
            kind="coaching",
            due_on=date(2026, 12, 18),
        )


@pytest.fixture
def fresh(pgd, member):
    return Fresh(pgd, member)


def _found(pgd, **criteria):
    ids = list(record_ids(program=pgd, **criteria))
    return {(r.record_type, r.object_id) for r in found_records(program=pgd, ids=ids)}


# --- The search --------------------------------------------------------------------


def test_the_search_finds_fresh_records_by_shop_agent_month_and_type(pgd, fresh):
    number = fresh.shop.planned_shop.number
    by_shop = _found(pgd, shop=number, month=date(2026, 12, 1))
    assert (RecordType.MS_FORM, fresh.shop.pk) in by_shop
    assert (RecordType.EXECUTION_RECORD, fresh.evidence.pk) in by_shop
    assert (RecordType.FOLLOW_UP, fresh.follow_up.pk) in by_shop
    assert (RecordType.MS_FORM, fresh.other_shop.pk) not in by_shop
    assert (RecordType.SAMPLE_PLAN, fresh.plan.pk) not in by_shop  # a plan has no shop number
    assert (RecordType.MS_FORM, fresh.shop.pk) in _found(pgd, shop=fresh.shop.pk)  # or its id
    for agent in ("e-017", "rahayu"):
        by_agent = _found(pgd, agent=agent)
        assert by_agent == {
            (RecordType.MS_FORM, fresh.shop.pk),
            (RecordType.EXECUTION_RECORD, fresh.evidence.pk),
            (RecordType.FOLLOW_UP, fresh.follow_up.pk),
        }
    assert _found(pgd, record_type=RecordType.SAMPLE_PLAN) == {
        (RecordType.SAMPLE_PLAN, fresh.plan.pk)
    }
    november = _found(pgd, month=date(2026, 11, 1))
    assert november == {(RecordType.CONTACT_DATA, fresh.contact_import.pk)}
    assert _found(pgd, record_type=RecordType.MONTHLY_REPORT, shop=number) == set()


def test_the_search_says_what_holds_a_record_and_when_it_is_due(pgd, fresh):
    retention.place_hold(
        program=pgd,
        record_type=RecordType.SAMPLE_PLAN,
        object_id=fresh.plan.pk,
        reason="Sengketa pelanggan",
        user=fresh.manager,
    )
    ids = list(record_ids(program=pgd, shop=fresh.shop.pk))
    (row,) = [r for r in found_records(program=pgd, ids=ids) if r.record_type == "ms_form"]
    assert row.hold is None and row.held_above == f"sample plan #{fresh.plan.pk}"
    assert row.due_on == date(2028, 12, 5)  # submitted 2026-12-04, kept 2 years


# --- Issue #18: a hold on a fresh record survives the purge years later ---------------


def test_a_hold_placed_today_keeps_the_shop_and_its_dependents_six_years_later(pgd, fresh):
    retention.place_hold(
        program=pgd,
        record_type=RecordType.MS_FORM,
        object_id=fresh.shop.pk,
        reason="Sengketa pelanggan 2026-12",
        user=fresh.manager,
    )
    with time_machine.travel(NOW + timedelta(days=6 * 366), tick=False):
        retention.purge(program=pgd, by="test")
        assert Shop.objects.filter(pk=fresh.shop.pk).exists()
        assert Evidence.objects.filter(pk=fresh.evidence.pk).exists()
        assert FollowUp.objects.filter(pk=fresh.follow_up.pk).exists()
        # What it depends on stays with it; the other shop of the plan does not.
        assert SamplePlan.objects.filter(pk=fresh.plan.pk).exists()
        assert ContactImport.objects.filter(pk=fresh.contact_import.pk).exists()
        assert not Shop.objects.filter(pk=fresh.other_shop.pk).exists()

        hold = LegalHold.objects.get()
        retention.release_hold(
            program=pgd, hold_id=hold.pk, reason="Sengketa selesai", user=fresh.manager
        )
        retention.purge(program=pgd, by="test")
        assert not Shop.objects.filter(pk=fresh.shop.pk).exists()
        assert not Evidence.objects.filter(pk=fresh.evidence.pk).exists()
        assert not FollowUp.objects.filter(pk=fresh.follow_up.pk).exists()
        assert not SamplePlan.objects.filter(pk=fresh.plan.pk).exists()
        assert not ContactImport.objects.filter(pk=fresh.contact_import.pk).exists()
    kinds = list(LegalHold.history.order_by("history_id").values_list("history_type", flat=True))
    assert kinds == ["+", "-"]  # the audit of the hold stays


def test_a_hold_on_the_contact_data_keeps_its_plan_and_shops(pgd, fresh):
    retention.place_hold(
        program=pgd,
        record_type=RecordType.CONTACT_DATA,
        object_id=fresh.contact_import.pk,
        reason="Audit ISO",
        user=fresh.manager,
    )
    with time_machine.travel(NOW + timedelta(days=6 * 366), tick=False):
        items = retention.purge(program=pgd, by="test")
    assert Shop.objects.filter(pk__in=[fresh.shop.pk, fresh.other_shop.pk]).count() == 2
    assert Evidence.objects.filter(pk=fresh.evidence.pk).exists()
    assert SamplePlan.objects.filter(pk=fresh.plan.pk).exists()
    assert all(i.kept_because for i in items if i.record_type != RecordType.CALIBRATION)


# --- The record's page: hold and release with a reason ---------------------------------


def test_the_manager_finds_a_fresh_shop_and_holds_it_from_the_page(client, pgd, fresh):
    client.force_login(fresh.manager)
    search = {"find": "1", "agent": "Siti", "record_type": "ms_form"}
    page = client.get(_url(pgd), search).content.decode()
    found = page.split('id="found-records"')[1].split("</table>")[0]
    assert f'id="found-ms_form-{fresh.shop.pk}" data-held="no"' in found
    assert f'id="found-ms_form-{fresh.other_shop.pk}"' not in found
    link = _record_url(pgd, "ms_form", fresh.shop.pk)
    assert link in found
    back = page.split(f'href="{link}?back=')[1].split('"')[0]

    form = client.get(link, {"back": _url(pgd) + "?find=1&agent=Siti"})
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    response = client.post(link, {"reason": "", "back": _url(pgd) + "?find=1&agent=Siti"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error_1_id_reason"' in html and "This field is required." in html
    too_long = "Sengketa " + "x" * 300
    html = client.post(link, {"reason": too_long}).content.decode()
    assert f'value="{too_long}"' in html and "at most 300" in html  # nothing typed is lost
    assert not LegalHold.objects.exists()

    response = client.post(link, {"reason": "Sengketa pelanggan", "back": _url(pgd) + "?find=1"})
    assert response.status_code == 302 and response["Location"] == _url(pgd) + "?find=1"
    hold = LegalHold.objects.get()
    assert (hold.record_type, hold.object_id, hold.created_by) == (
        "ms_form",
        fresh.shop.pk,
        fresh.manager,
    )
    page = client.get(_url(pgd), search).content.decode()
    assert "is on hold: the purge keeps it." in page
    assert f'id="found-ms_form-{fresh.shop.pk}" data-held="yes"' in page
    assert back  # the link carries the page it came from


def test_the_manager_releases_a_hold_with_a_reason(client, pgd, fresh):
    hold = retention.place_hold(
        program=pgd,
        record_type="ms_form",
        object_id=fresh.shop.pk,
        reason="Sengketa",
        user=fresh.manager,
    )
    client.force_login(fresh.manager)
    link = _record_url(pgd, "ms_form", fresh.shop.pk)
    page = client.get(link).content.decode()
    assert "Release the hold" in page and "Sengketa" in page
    html = client.post(link, {"reason": "  "}).content.decode()
    assert 'id="error_1_id_reason"' in html and LegalHold.objects.filter(pk=hold.pk).exists()
    response = client.post(link, {"reason": "Sengketa selesai"})
    assert response.status_code == 302 and response["Location"] == _url(pgd)
    assert not LegalHold.objects.exists()
    released = LegalHold.history.get(history_type="-")
    assert (released.history_change_reason, released.history_user) == (
        "Sengketa selesai",
        fresh.manager,
    )


def test_the_back_address_never_leaves_the_retention_page(client, pgd, fresh):
    client.force_login(fresh.manager)
    link = _record_url(pgd, "ms_form", fresh.shop.pk)
    for back in ("https://evil.example/", "//evil.example/p/PGD/retention/", "/p/PGD/shops/"):
        response = client.post(link, {"reason": "x", "back": back})
        assert response["Location"] == _url(pgd)
        LegalHold.objects.all().delete()


def test_a_record_of_another_program_or_type_is_404(client, pgd, tlk, fresh, member):
    client.force_login(fresh.manager)
    assert client.get(_record_url(pgd, "ms_form", fresh.shop.pk + 999)).status_code == 404
    assert client.get(_record_url(pgd, "document_list", 1)).status_code == 404
    assert client.get(_record_url(pgd, "nonsense", 1)).status_code == 404
    theirs = contact_month(tlk, date(2026, 11, 1))
    assert client.get(_record_url(pgd, "contact_data", theirs.pk)).status_code == 404


@pytest.mark.parametrize("role", Role.values)
def test_the_record_page_per_role(client, pgd, fresh, member, role):
    client.force_login(member(pgd, role))
    link = _record_url(pgd, "ms_form", fresh.shop.pk)
    expected = 200 if role == Role.MANAGER else 403
    assert client.get(link).status_code == expected
    assert client.post(link, {"reason": "x"}).status_code == (302 if expected == 200 else 403)
    assert LegalHold.objects.exists() == (role == Role.MANAGER)


def test_the_analyst_searches_but_gets_no_hold_links(client, pgd, fresh, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    page = client.get(_url(pgd), {"find": "1", "shop": f"#{fresh.shop.planned_shop.number}"})
    html = page.content.decode()
    assert f'id="found-ms_form-{fresh.shop.pk}"' in html
    assert "retention/records/" not in html


def test_a_bad_shop_number_is_shown_next_to_the_field(client, pgd, fresh):
    client.force_login(fresh.manager)
    html = client.get(_url(pgd), {"find": "1", "shop": "dua belas"}).content.decode()
    assert "is not a shop number" in html and 'value="dua belas"' in html
    assert 'id="found-records"' not in html


# --- Issue #20: the page stays bounded --------------------------------------------------


def _old_imports(pgd, n: int, start: int = 0) -> None:
    """`n` contact imports of 2024 (all past their 2 years at the next purge)."""
    with time_machine.travel(datetime(2024, 6, 1, 12, tzinfo=JAKARTA), tick=False):
        ContactImport.objects.bulk_create(
            ContactImport(
                program=pgd,
                month=date(2024, 5, 1),
                original_name=f"bulk-{i}.csv",
                file=f"imports/bulk-{i}.csv",
                status=ImportStatus.SUCCEEDED,
                finished_at=timezone.now(),
            )
            for i in range(start, start + n)
        )


def _sessions(pgd, manager, n: int, start: int = 0) -> None:
    """`n` calibration sessions falling due in the next 90 days."""
    CalibrationSession.objects.bulk_create(
        CalibrationSession(
            program=pgd, held_on=date(2025, 1, 10), title=f"Kalibrasi {i}", created_by=manager
        )
        for i in range(start, start + n)
    )


def _holds(pgd, manager, n: int, start: int = 0) -> None:
    for pk in ContactImport.objects.order_by("pk").values_list("pk", flat=True)[start : start + n]:
        retention.place_hold(
            program=pgd, record_type="contact_data", object_id=pk, reason="x", user=manager
        )


def _rows(html: str, table: str) -> int:
    return html.split(f'id="{table}"')[1].split("</table>")[0].count("<tr id=")


def test_two_thousand_due_records_render_a_page_of_each_list(client, pgd, member):
    manager = member(pgd, Role.MANAGER)
    _old_imports(pgd, 1600)
    _sessions(pgd, manager, 400)
    _holds(pgd, manager, 60)
    client.force_login(manager)
    started = time.perf_counter()
    html = client.get(_url(pgd), {"find": "1", "month": "2024-05"}).content.decode()
    elapsed = time.perf_counter() - started
    assert _rows(html, "due-now") == 25 and _rows(html, "due-later") == 25
    assert _rows(html, "found-records") == 25 and _rows(html, "legal-holds") == 20
    assert "1600 records are past their retention by then" in html
    assert "1600 records found" in html
    assert "?due_page=2" not in html and "due_page=2#due-now" in html
    assert html.count('name="reason"') == 0  # no form per row
    assert len(html) < 400_000, len(html)
    print(f"retention page, 2,000 due records: {elapsed:.2f} s, {len(html):,} bytes")
    second = client.get(_url(pgd), {"due_page": 64}).content.decode()
    assert _rows(second, "due-now") == 1600 - 63 * 25


def test_the_page_with_a_search_runs_a_constant_number_of_queries(client, pgd, fresh, member):
    manager = fresh.manager
    client.force_login(manager)
    search = _url(pgd) + "?find=1&month=2024-05"
    _old_imports(pgd, 3)
    _sessions(pgd, manager, 2)
    _holds(pgd, manager, 2)
    small = page_queries(client, search)
    small_page = page_queries(client, _url(pgd))
    _old_imports(pgd, 80, 3)
    _sessions(pgd, manager, 40, 2)
    _holds(pgd, manager, 30, 2)
    assert_same_query_count(small, page_queries(client, search))
    assert_same_query_count(small_page, page_queries(client, _url(pgd)))
    every_type = _url(pgd) + "?find=1"
    assert len(page_queries(client, every_type)) <= len(small) + 8


def test_the_record_page_runs_a_constant_number_of_queries(client, pgd, fresh):
    client.force_login(fresh.manager)
    link = _record_url(pgd, "ms_form", fresh.shop.pk)
    small = page_queries(client, link)
    _old_imports(pgd, 50)
    _holds(pgd, fresh.manager, 20)
    assert_same_query_count(small, page_queries(client, link))
