"""The purge deletes exactly what is due (PGD-6, TLK-6; issue #17): a record
with everything that depends on it, only when all of it is past its own period
and nothing is held; the dry run and the real run say the same; purged records
leave no history rows or files; the clock starts at the record's own date; the
schedule runs in each program's time zone."""

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from followup.models import CalibrationSession, Defect, FollowUp
from followup.models.calibration import Attendee
from programs.models import Parameter, Role
from reporting.models import MonthlyReport
from retention import services as retention
from retention.models import LegalHold, PurgeLog, PurgeRun
from retention.tasks import purge_expired_records
from sampling import services as sampling
from sampling.models import ContactImport, PlannedShop, SamplePlan
from scoring.models import Dispute, Evidence, Shop, ShopState
from tests.querycount import assert_same_query_count, page_queries
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")


def _on(day: date, hour: int = 12, minute: int = 0):
    """The clock in Jakarta: records made inside are dated then."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, minute, tzinfo=JAKARTA), tick=False
    )


@dataclass
class September:
    """Pegadaian (2 years): August 2026 contact data, the September 2026 plan
    approved on 25 August, shops submitted on 10, 11, 12… September."""

    program: object
    manager: object
    contact_import: ContactImport
    plan: SamplePlan
    shops: list
    parameter: Parameter
    rules: list


def _september(pgd, member, n=5) -> September:
    manager = member(pgd, Role.MANAGER)
    shopper = member(pgd, Role.SHOPPER)
    with _on(date(2026, 8, 25)):
        contact_month(pgd, date(2026, 8, 1))
        plan = sampling.plan_generate(program=pgd, month=date(2026, 9, 1), user=None, seed=1)
        sampling.plan_approve(plan=plan, user=manager)
    scorecard = pgd.scorecards.filter(status="published").first()
    shops = []
    for i, planned in enumerate(PlannedShop.objects.filter(plan=plan).order_by("number")[:n]):
        with _on(date(2026, 9, 10 + i)):
            shop = Shop.objects.create(
                planned_shop=planned,
                program=pgd,
                scorecard=scorecard,
                shopper=shopper,
                state=ShopState.SUBMITTED,
                submitted_at=timezone.now(),
            )
            shop.save()  # a second history row
        shops.append(shop)
    parameter = Parameter.objects.filter(section__scorecard=scorecard).first()
    return September(
        pgd,
        manager,
        plan.contact_import,
        plan,
        shops,
        parameter,
        list(pgd.coaching_rules.order_by("pk")),
    )


def _evidence(shop, day: date, name="rekaman.mp3") -> Evidence:
    with _on(day):
        evidence = Evidence(
            shop=shop, kind="recording", original_name=name, content_type="audio/mpeg", size=3
        )
        evidence.file.save(name, ContentFile(b"abc"), save=False)
        evidence.save()
    return evidence


def _follow_up(world: September, shop, day: date, rule=0) -> FollowUp:
    with _on(day):
        item = FollowUp.objects.create(
            program=world.program,
            shop=shop,
            rule=world.rules[rule],
            kind="coaching",
            due_on=day + timedelta(days=14),
        )
        item.notes = "Agen perlu coaching"
        item.save()
    return item


def _defect(world: September, shop, day: date) -> Defect:
    with _on(day):
        return Defect.objects.create(
            program=world.program,
            shop=shop,
            parameter=world.parameter,
            nonconformity="Salah info",
            correct_solution="Info benar",
            due_on=day + timedelta(days=3),
        )


def _session(world: September, shop, held_on: date) -> CalibrationSession:
    with _on(held_on):
        session = CalibrationSession.objects.create(
            program=world.program,
            held_on=held_on,
            title="Kalibrasi",
            created_by=world.manager,
            related_shop=shop,
        )
        Attendee.objects.create(session=session, user=world.manager)
    return session


def _hold(world: September, record_type: str, pk: int) -> LegalHold:
    return retention.place_hold(
        program=world.program,
        record_type=record_type,
        object_id=pk,
        reason="Sengketa pelanggan",
        user=world.manager,
    )


def _going(items) -> set[tuple[str, int]]:
    return {(i.record_type, i.object_id) for i in items if not i.kept_because}


def _existing() -> set[tuple[str, int]]:
    return {
        (record_type, pk)
        for record_type, kind in retention.RECORDS.items()
        for pk in kind.model.objects.values_list("pk", flat=True)
    }


def _lines(command_output: str) -> list[str]:
    """The command's lines without the verb ("would delete" / "deleted")."""
    return [
        line.replace("would delete", "deleted").split(" (", 1)[0]
        for line in command_output.splitlines()
    ]


# --- Issue #17: held and younger dependents keep their parents ---------------------------


def test_issue_17_held_and_younger_dependents_keep_their_shops(
    pgd, member, django_capture_on_commit_callbacks
):
    world = _september(pgd, member)
    s0, s1, s2, s3, s4 = world.shops
    held_evidence = _evidence(s0, date(2026, 9, 10), "held.mp3")
    other_evidence = _evidence(s0, date(2026, 9, 10), "other.mp3")
    held_a = _follow_up(world, s1, date(2026, 9, 20))
    held_b = _follow_up(world, s2, date(2026, 9, 20))
    young = [_follow_up(world, s3, date(2026, 10, 1), rule=r) for r in (0, 1)]
    session = _session(world, s2, date(2026, 9, 25))  # due: it goes, s2 stays for held_b
    _defect(world, s4, date(2026, 9, 14))
    for record_type, pk in [
        ("execution_record", held_evidence.pk),
        ("follow_up", held_a.pk),
        ("follow_up", held_b.pk),
    ]:
        _hold(world, record_type, pk)
    held_path = held_evidence.file.path

    with _on(date(2028, 10, 1), 2, 30):
        dry = StringIO()
        call_command("purge_records", "--dry-run", "--program", "PGD", stdout=dry)
        listed = retention.expired_records(program=pgd)
        before = _existing()
        real = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purge_records", "--program", "PGD", stdout=real)
    assert _lines(dry.getvalue()) == _lines(real.getvalue())  # the same, word for word
    gone = before - _existing()
    assert (
        gone
        == _going(listed)
        == {
            ("execution_record", other_evidence.pk),
            ("calibration", session.pk),
            ("ms_form", s4.pk),
        }
    )
    # What is held, and what is younger, is there, and so is what depends on it.
    assert Evidence.objects.filter(pk=held_evidence.pk).exists() and os.path.exists(held_path)
    assert FollowUp.objects.filter(pk__in=[held_a.pk, held_b.pk, *(y.pk for y in young)]).count()
    assert FollowUp.objects.count() == 4
    assert set(Shop.objects.values_list("pk", flat=True)) == {s0.pk, s1.pk, s2.pk, s3.pk}
    assert SamplePlan.objects.filter(pk=world.plan.pk).exists()
    for hold in LegalHold.objects.all():  # no hold points at nothing
        assert retention.RECORDS[hold.record_type].model.objects.filter(pk=hold.object_id)
    reasons = {(i.record_type, i.object_id): str(i.kept_because) for i in listed}
    assert reasons[("ms_form", s0.pk)] == (
        f"Execution record #{held_evidence.pk} depends on it and is on legal hold"
    )
    assert reasons[("ms_form", s3.pk)].startswith(
        f"Follow-up item #{young[0].pk} depends on it and is kept until 2028-10-02"
    )
    assert reasons[("ms_form", s3.pk)].endswith("(and 1 more)")
    assert reasons[("sample_plan", world.plan.pk)].startswith("MS form #")
    assert reasons[("contact_data", world.contact_import.pk)].startswith(
        f"Sample plan #{world.plan.pk} depends on it"
    )
    # The log: exactly the three, with the rows that went with them.
    log = {(e.record_type, e.object_id): e for e in PurgeLog.objects.all()}
    assert set(log) == gone
    shop_entry = log[("ms_form", s4.pk)]
    assert shop_entry.rows["deleted"]["followup.defect"]
    assert shop_entry.rows["deleted"]["scoring.shop"] == [s4.pk]
    assert len(shop_entry.checksum) == 64 and shop_entry.purged_by == "manage.py purge_records"
    assert shop_entry.clock == "submitted" and shop_entry.record_date == date(2026, 9, 14)
    assert shop_entry.due_on == date(2028, 9, 15)
    assert log[("calibration", session.pk)].rows["deleted"]["followup.attendee"]
    assert "Kalibrasi" not in log[("calibration", session.pk)].description  # no contents

    # A month later the young ones are due; released holds let the rest go.
    for hold in list(LegalHold.objects.all()):
        retention.release_hold(program=pgd, hold_id=hold.pk, reason="Selesai", user=None)
    with _on(date(2028, 11, 1), 2, 30), django_capture_on_commit_callbacks(execute=True):
        items = retention.purge(program=pgd)
    assert not any(i.kept_because for i in items)
    assert not _existing() & {k for k in before if k[0] != "monthly_report"}
    assert not os.path.exists(held_path)


def test_a_hold_on_a_shop_keeps_its_evidence_and_follow_ups(pgd, member):
    world = _september(pgd, member, n=1)
    (shop,) = world.shops
    evidence = _evidence(shop, date(2026, 9, 10))
    item = _follow_up(world, shop, date(2026, 9, 12))
    _hold(world, "ms_form", shop.pk)
    with _on(date(2028, 10, 1), 3):
        items = retention.purge(program=pgd)
    reasons = {(i.record_type, i.object_id): str(i.kept_because) for i in items}
    assert reasons[("ms_form", shop.pk)] == "legal hold"
    assert reasons[("execution_record", evidence.pk)] == (
        f"kept with MS form #{shop.pk}, which is on legal hold"
    )
    assert reasons[("follow_up", item.pk)].startswith("kept with MS form")
    assert not _going(items) and not PurgeLog.objects.exists()


def test_no_cascade_deletes_a_record_of_a_retained_type(pgd, member, monkeypatch):
    """A dependent the decision did not see (made meanwhile) stops its parent's
    delete: the parent stays whole and the next purge looks again."""
    world = _september(pgd, member, n=1)
    (shop,) = world.shops
    defect = _defect(world, shop, date(2026, 9, 10))
    real = retention.purge_plan

    def unseen(*, program, today):
        plan = real(program=program, today=today)
        item = _follow_up(world, shop, date(2026, 9, 10))  # made after the decision
        return [i for i in plan if i.object_id != item.pk or i.record_type != "follow_up"]

    monkeypatch.setattr(retention, "purge_plan", unseen)
    with _on(date(2028, 10, 1), 3):
        items = retention.purge(program=pgd)
    shop_item = next(i for i in items if i.record_type == "ms_form")
    assert shop_item.kept_because == str(retention.CHANGED)
    assert Shop.objects.filter(pk=shop.pk).exists() and Defect.objects.filter(pk=defect.pk)
    assert FollowUp.objects.filter(shop=shop).exists()
    assert not PurgeLog.objects.filter(record_type="ms_form").exists()


# --- Purge = gone: history rows and files ------------------------------------------------

HISTORY = {  # model: how its history rows of the world are found
    Shop: "id",
    Defect: "shop_id",
    FollowUp: "id",
    CalibrationSession: "id",
    SamplePlan: "id",
    PlannedShop: "plan_id",
    MonthlyReport: "id",
    Dispute: "shop_id",
    Attendee: "session_id",
    ContactImport: "id",
}


def _history_counts(ids: dict) -> dict[str, int]:
    return {
        model.__name__: model.history.filter(**{f"{field}__in": ids[model]}).count()
        for model, field in HISTORY.items()
        if hasattr(model, "history")
    }


def test_purged_records_leave_no_history_rows_and_a_held_one_keeps_its_own(
    pgd, member, django_capture_on_commit_callbacks
):
    world = _september(pgd, member, n=3)
    s0, s1, s2 = world.shops
    kept_item = _follow_up(world, s2, date(2026, 9, 20))
    _hold(world, "follow_up", kept_item.pk)
    items = [_follow_up(world, s, date(2026, 9, 20)) for s in (s0, s1)]
    for s in (s0, s1):
        _defect(world, s, date(2026, 9, 15))
        Dispute.objects.create(
            shop=s, parameter=world.parameter, raised_by=world.manager, reason="Tidak setuju"
        )
    session = _session(world, s0, date(2026, 9, 25))
    with _on(date(2026, 10, 5)):
        report = MonthlyReport.objects.create(
            program=pgd, month=date(2026, 9, 1), due_at=timezone.now(), status="acknowledged"
        )
        report.pdf_file.save("f27.pdf", ContentFile(b"%PDF-1.4"), save=False)
        report.submitted_at = timezone.now()
        report.save()
    purged = {
        Shop: [s0.pk, s1.pk],
        Defect: [s0.pk, s1.pk],
        Dispute: [s0.pk, s1.pk],
        FollowUp: [i.pk for i in items],
        CalibrationSession: [session.pk],
        Attendee: [session.pk],
        SamplePlan: [],
        PlannedShop: [],
        MonthlyReport: [report.pk],
        ContactImport: [],
    }
    held = {**{m: [] for m in HISTORY}, Shop: [s2.pk], FollowUp: [kept_item.pk]}
    before, held_before = _history_counts(purged), _history_counts(held)
    assert all(before[m.__name__] for m in (Shop, Defect, FollowUp, CalibrationSession))
    assert before["MonthlyReport"] and before["Attendee"]
    pdf = report.pdf_file.path
    evidence = _evidence(s1, date(2026, 9, 11))
    with _on(date(2028, 11, 1), 2, 30), django_capture_on_commit_callbacks() as callbacks:
        retention.purge(program=pgd)
        assert os.path.exists(evidence.file.path)  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert not os.path.exists(evidence.file.path) and not os.path.exists(pdf)
    after = _history_counts(purged)
    assert after == dict.fromkeys(after, 0), after
    assert _history_counts(held) == held_before  # the held follow-up and its shop keep theirs
    assert FollowUp.objects.filter(pk=kept_item.pk).exists()
    assert Shop.objects.filter(pk=s2.pk).exists()


def test_a_purged_plan_takes_all_its_planned_shop_history_with_it(
    pgd, member, django_capture_on_commit_callbacks
):
    world = _september(pgd, member, n=0)
    plan = world.plan
    assert PlannedShop.history.filter(plan_id=plan.pk).exists()
    with _on(date(2028, 11, 1), 2, 30), django_capture_on_commit_callbacks(execute=True):
        items = retention.purge(program=pgd)
    assert ("sample_plan", plan.pk) in _going(items)
    assert not PlannedShop.history.filter(plan_id=plan.pk).exists()
    assert not SamplePlan.history.filter(id=plan.pk).exists()
    entry = PurgeLog.objects.get(record_type="sample_plan")
    assert entry.rows["deleted"]["sampling.plannedshop"]
    assert entry.rows["history"]["sampling.historicalplannedshop"] > 0


def test_a_failed_purge_keeps_rows_and_files(pgd, member, monkeypatch):
    world = _september(pgd, member, n=1)
    evidence = _evidence(world.shops[0], date(2026, 9, 10))
    monkeypatch.setattr(
        retention, "_log_description", lambda item: (_ for _ in ()).throw(RuntimeError("disk"))
    )
    with _on(date(2028, 11, 1), 2, 30), pytest.raises(RuntimeError):
        retention.purge(program=pgd)
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert os.path.exists(evidence.file.path)


# --- The clock: the record's own date, in the program's zone ------------------------------


def _report(program, month: date, submitted: datetime) -> MonthlyReport:
    with time_machine.travel(submitted, tick=False):
        return MonthlyReport.objects.create(
            program=program,
            month=month,
            due_at=timezone.now(),
            status="acknowledged",
            submitted_at=timezone.now(),
        )


def test_tlk_6_the_november_f27_submitted_on_5_december_is_kept_three_full_years(tlk):
    report = _report(tlk, date(2026, 11, 1), datetime(2026, 12, 5, 10, tzinfo=JAKARTA))

    def listed(day):
        return [i.object_id for i in retention.expired_records(today=day, program=tlk)]

    assert listed(date(2029, 12, 5)) == []  # three years to the day: still kept
    assert listed(date(2029, 12, 6)) == [report.pk]
    with time_machine.travel(datetime(2029, 11, 20, 9, tzinfo=JAKARTA), tick=False):
        schedule = retention.retention_schedule(program=tlk)
    assert not schedule.at_next_purge  # not the 1 December 2029 purge
    (row,) = schedule.later
    assert (row.item.record_date, row.item.clock, row.item.due_on) == (
        date(2026, 12, 5),
        "submitted",
        date(2029, 12, 6),
    )
    assert row.goes_at == datetime(2030, 1, 1, 2, 30, tzinfo=JAKARTA)


@pytest.mark.parametrize(
    ("submitted", "record_date"),
    [
        (datetime(2026, 12, 5, 23, 30, tzinfo=JAKARTA), date(2026, 12, 5)),
        (datetime(2026, 12, 5, 17, 30, tzinfo=ZoneInfo("UTC")), date(2026, 12, 6)),  # 00:30 WIB
    ],
)
def test_the_clock_reads_the_submitted_day_in_the_programs_zone(
    pgd, member, submitted, record_date
):
    world = _september(pgd, member, n=1)
    shop = world.shops[0]
    Shop.objects.filter(pk=shop.pk).update(submitted_at=submitted)
    due = retention.due_on(record_date, 2)
    before = retention.expired_records(today=due - timedelta(days=1), program=pgd)
    on = retention.expired_records(today=due, program=pgd)
    assert ("ms_form", shop.pk) not in {i.key for i in before}
    item = next(i for i in on if i.key == ("ms_form", shop.pk))
    assert (item.record_date, item.clock) == (record_date, "submitted")


def test_a_shop_never_submitted_counts_from_when_it_was_started(pgd, member):
    world = _september(pgd, member, n=1)
    shop = world.shops[0]
    Shop.objects.filter(pk=shop.pk).update(submitted_at=None, finalized_at=None)
    (item,) = [
        i
        for i in retention.expired_records(today=date(2028, 9, 11), program=pgd)
        if i.record_type == "ms_form"
    ]
    assert (item.record_date, item.clock) == (date(2026, 9, 10), "started")


# --- The schedule: hourly beat, each program on the night of the 1st in its zone ---------


def test_the_beat_runs_the_purge_hourly_from_settings():
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-expired-records"]
    assert entry["task"] == retention.PURGE_TASK
    assert entry["schedule"].hour == set(range(24)) and entry["schedule"].minute == {30}


def test_each_program_is_purged_once_on_the_night_of_the_1st_in_its_zone(pgd, tlk):
    tlk.time_zone = "Asia/Jayapura"  # UTC+9
    tlk.save()
    utc = ZoneInfo("UTC")
    # 31 Oct 18:30 UTC: 01:30 on the 1st in Jakarta (not yet), 03:30 in Jayapura.
    assert retention.purge_due_programs(now=datetime(2028, 10, 31, 18, 30, tzinfo=utc)) == 0
    assert list(PurgeRun.objects.values_list("program__code", "month")) == [
        ("TLK", date(2028, 11, 1))
    ]
    retention.purge_due_programs(now=datetime(2028, 10, 31, 19, 30, tzinfo=utc))  # 02:30 WIB
    retention.purge_due_programs(now=datetime(2028, 10, 31, 20, 30, tzinfo=utc))  # again
    assert sorted(PurgeRun.objects.values_list("program__code", flat=True)) == ["PGD", "TLK"]
    # Another day of the month: nothing; the task is a thin wrapper.
    with time_machine.travel(datetime(2028, 11, 2, 2, 30, tzinfo=JAKARTA), tick=False):
        assert purge_expired_records.delay().get() == 0
    assert PurgeRun.objects.count() == 2


def test_the_scheduled_purge_deletes_and_logs_its_run(
    pgd, member, django_capture_on_commit_callbacks
):
    world = _september(pgd, member, n=1)
    with django_capture_on_commit_callbacks(execute=True):
        n = retention.purge_due_programs(
            now=datetime(2028, 11, 1, 2, 30, tzinfo=JAKARTA), by="beat"
        )
    assert n == 3  # the shop, its plan, the contact data
    run = PurgeRun.objects.get(program=pgd)
    assert run.purged == 3 and run.finished_at
    assert set(run.log.values_list("record_type", flat=True)) == {
        "ms_form",
        "sample_plan",
        "contact_data",
    }
    assert set(run.log.values_list("purged_by", flat=True)) == {"beat"}
    assert not Shop.objects.filter(pk=world.shops[0].pk).exists()


# --- Property: the real run deletes exactly the dry run's list ---------------------------


@pytest.fixture
def small_world(pgd, member):
    world = _september(pgd, member, n=3)
    s0, s1, s2 = world.shops
    records = [
        ("execution_record", _evidence(s0, date(2026, 9, 10)).pk),
        ("execution_record", _evidence(s1, date(2026, 9, 10)).pk),
        ("follow_up", _follow_up(world, s0, date(2026, 9, 20)).pk),
        ("follow_up", _follow_up(world, s2, date(2026, 9, 20)).pk),
        ("calibration", _session(world, s1, date(2026, 9, 25)).pk),
        ("calibration", _session(world, s2, date(2026, 9, 26)).pk),
    ]
    records += [("ms_form", s.pk) for s in world.shops]
    records += [("sample_plan", world.plan.pk), ("contact_data", world.contact_import.pk)]
    return world, records


_DATE_FIELD = {
    "execution_record": "uploaded_at",
    "follow_up": "created_at",
    "calibration": "held_on",
    "ms_form": "submitted_at",
    "sample_plan": "approved_at",
    "contact_data": "finished_at",
}


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_property_the_real_run_deletes_exactly_the_dry_runs_list(small_world, data):
    world, records = small_world
    today = date(2028, 10, 1)
    with transaction.atomic():
        for record_type, pk in records:
            # A date around the cutoff (2026-10-01 for 2 years), and maybe a hold.
            day = date(2026, 10, 1) + timedelta(days=data.draw(st.integers(-40, 40)))
            kind = retention.RECORDS[record_type]
            name = _DATE_FIELD[record_type]
            value = (
                day
                if name == "held_on"
                else datetime(day.year, day.month, day.day, 12, tzinfo=JAKARTA)
            )
            kind.model.objects.filter(pk=pk).update(**{name: value})
            if data.draw(st.integers(0, 3)) == 0:  # a hold on one record in four
                LegalHold.objects.create(
                    program=world.program, record_type=record_type, object_id=pk, reason="x"
                )
        holds = set(LegalHold.objects.values_list("record_type", "object_id"))
        dry = retention.expired_records(today=today, program=world.program)
        before = _existing()
        real = retention.purge(today=today, program=world.program)
        gone = before - _existing()
        assert [(i.key, i.kept_because) for i in real] == [(i.key, i.kept_because) for i in dry]
        assert gone == _going(dry)
        assert not gone & holds
        for item in dry:
            if not item.kept_because:
                assert item.due_on <= today  # never under age
        assert {(e.record_type, e.object_id) for e in PurgeLog.objects.all()} == gone
        transaction.set_rollback(True)


# --- The page ----------------------------------------------------------------------------


def _url(program):
    return reverse("retention", args=[program.code])


def test_the_page_says_why_a_shop_stays_and_from_when_each_record_counts(client, pgd, member):
    world = _september(pgd, member, n=2)
    evidence = _evidence(world.shops[0], date(2026, 9, 10))
    _hold(world, "execution_record", evidence.pk)
    with time_machine.travel(datetime(2028, 9, 20, 9, tzinfo=JAKARTA), tick=False):
        client.force_login(world.manager)  # a session of that day
        page = client.get(_url(pgd)).content.decode()
    due = page.split('id="due-now"')[1].split("</table>")[0]
    row = due.split(f'id="record-ms_form-{world.shops[0].pk}"')[1].split("</tr>")[0]
    assert f"Execution record #{evidence.pk} depends on it and is on legal hold" in row
    assert "submitted" in row and "2026-09-10" in row
    assert "approved" in due and "imported" in due
    assert "2028-10-01 02:30" in page


@pytest.mark.parametrize("role", Role.values)
def test_the_page_per_role_with_dependents(client, pgd, member, role):
    _september(pgd, member, n=1)
    user = member(pgd, role)
    with time_machine.travel(datetime(2028, 9, 20, 9, tzinfo=JAKARTA), tick=False):
        client.force_login(user)
        response = client.get(_url(pgd))
    assert response.status_code == (200 if role in {Role.MANAGER, Role.QC_ANALYST} else 403)


def test_the_page_with_dependents_runs_a_constant_number_of_queries(client, pgd, member):
    world = _september(pgd, member, n=6)

    def grow(shops):
        for i, shop in enumerate(shops):
            _evidence(shop, date(2026, 9, 10))
            _follow_up(world, shop, date(2026, 9, 20))
            _defect(world, shop, date(2026, 9, 12))
            session = _session(world, shop, date(2026, 9, 25) + timedelta(days=i * 10))
            if i % 2 == 0:  # holds at both sizes (their history is a list of its own)
                _hold(world, "calibration", session.pk)

    grow(world.shops[:1])
    with time_machine.travel(datetime(2028, 9, 20, 9, tzinfo=JAKARTA), tick=False):
        client.force_login(world.manager)
        small = page_queries(client, _url(pgd))
    grow(world.shops[1:])
    with time_machine.travel(datetime(2028, 9, 20, 9, tzinfo=JAKARTA), tick=False):
        client.force_login(world.manager)
        large = page_queries(client, _url(pgd))
    assert_same_query_count(small, large)


def test_the_audit_pack_of_a_purged_month_goes_with_its_first_record(
    pgd, member, django_capture_on_commit_callbacks
):
    """A pack copies its month's F-31, F-32, F-28 and minutes into a ZIP: purge = gone."""
    from reporting.models import AuditPack

    world = _september(pgd, member, n=1)
    packs = {}
    for month in (date(2026, 9, 1), date(2026, 12, 1)):
        pack = AuditPack.objects.create(program=pgd, month=month, status="ready")
        pack.file.save("pack.zip", ContentFile(b"PK"), save=True)
        packs[month] = pack
    september_zip = packs[date(2026, 9, 1)].file.path
    with _on(date(2028, 10, 1), 3), django_capture_on_commit_callbacks(execute=True):
        retention.purge(program=pgd)
    assert list(AuditPack.objects.values_list("month", flat=True)) == [date(2026, 12, 1)]
    assert not os.path.exists(september_zip)
    assert os.path.exists(packs[date(2026, 12, 1)].file.path)
    entry = PurgeLog.objects.get(record_type="ms_form", object_id=world.shops[0].pk)
    assert entry.rows["deleted"]["reporting.auditpack"] == [packs[date(2026, 9, 1)].pk]


# --- The documented-information list (PGD-6, TLK-6) -------------------------------------


def test_tlk_documented_information_lists_the_instructions_revisions_and_forms(
    client, tlk, member
):
    from retention.selectors import documented_information

    docs = documented_information(program=tlk)
    assert [(d.revision, d.effective_date, d.superseded_on) for d in docs.instruction] == [
        ("01", date(2017, 6, 5), date(2019, 6, 19)),
        ("02", date(2019, 6, 19), None),
    ]
    assert docs.instruction[0].kept_until == date(2022, 6, 19)  # 3 years after superseded
    assert [(f.code, f.record_type, f.years) for f in docs.forms] == [
        ("IN.QCC.TELK.F-27", "monthly_report", 3),
        ("IN.QCC.TELK.F-28", "follow_up", 3),
        ("IN.QCC.TELK.F-31", "ms_form", 3),
        ("IN.QCC.TELK.F-32", "execution_record", 3),
    ]
    client.force_login(member(tlk, Role.QC_ANALYST))
    page = client.get(_url(tlk)).content.decode()
    section = page.split('id="documented-information"')[1].split("</section>")[0]
    assert "IN.QCC.TELK.W-10" in section and "In force" in section
    assert "kept until 2022-06-19" in section and "IN.QCC.TELK.F-32" in section
    assert "dated from: submitted" in section
    assert 'href="#documented-information"' in page


def test_pgd_documented_information_counts_the_records_kept_of_each_form(pgd, member):
    from retention.selectors import documented_information

    world = _september(pgd, member, n=2)
    _evidence(world.shops[0], date(2026, 9, 10))
    docs = documented_information(program=pgd)
    assert [(d.code, d.revision, d.superseded_on) for d in docs.instruction] == [
        ("IK-CC-PGD-MS", "00", None)
    ]
    stored = {f.code: (f.stored, f.years) for f in docs.forms}
    assert stored == {"F-27": (0, 2), "F-28": (0, 2), "F-31": (2, 2), "F-32": (1, 2)}
    assert docs.years == 3


def test_a_released_holds_history_keeps_no_description_of_the_purged_record(pgd, member):
    world = _september(pgd, member, n=1)
    evidence = _evidence(world.shops[0], date(2026, 9, 10), "rekaman-budi-santoso.mp3")
    hold = _hold(world, "execution_record", evidence.pk)
    retention.release_hold(program=pgd, hold_id=hold.pk, reason="Selesai", user=world.manager)
    assert LegalHold.history.filter(description__contains="budi").count() == 2
    with _on(date(2028, 10, 1), 3):
        retention.purge(program=pgd)
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    rows = LegalHold.history.filter(object_id=evidence.pk, record_type="execution_record")
    assert rows.count() == 2  # placed and released: the audit trail stays
    assert not rows.filter(description__contains="budi").exists()
    assert set(rows.values_list("reason", flat=True)) == {"Sengketa pelanggan"}


@pytest.mark.django_db(transaction=True)
def test_a_hold_placed_while_the_purge_runs_waits_for_it(pgd, member, monkeypatch):
    """PostgreSQL: the manager holds a record after the purge decided to delete
    it; the hold waits for the purge's lock, then finds the record gone, and is
    refused (never a hold that points at nothing)."""
    import threading
    import time

    from django.core.exceptions import ValidationError
    from django.db import connection, connections

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite runs one writer at a time")
    world = _september(pgd, member, n=1)
    evidence = _evidence(world.shops[0], date(2026, 9, 10))
    decided, held = threading.Event(), {}
    real = retention.purge_plan

    def slow_plan(*, program, today):
        plan = real(program=program, today=today)
        decided.set()
        time.sleep(1.0)  # the manager clicks now
        return plan

    def manager_holds():
        decided.wait(10)
        try:
            held["hold"] = _hold(world, "execution_record", evidence.pk)
        except ValidationError as exc:
            held["error"] = exc.messages
        finally:
            connections.close_all()

    monkeypatch.setattr(retention, "purge_plan", slow_plan)
    other = threading.Thread(target=manager_holds)
    other.start()
    with _on(date(2028, 10, 1), 3):
        retention.purge(program=pgd)
    other.join(20)
    assert held == {"error": ["This record is no longer there."]}
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not LegalHold.objects.exists()


def test_notifications_go_after_a_year_so_none_outlives_the_record_it_names(pgd, member):
    """Notifications copy shop numbers, agents and defects into their text: the
    purge removes the program's ones older than a year (records are kept at
    least two), and leaves the younger ones and other programs' alone."""
    from notifications.models import Kind, Notification

    user = member(pgd, Role.QC_ANALYST)
    old = Notification.objects.create(
        user=user, program=pgd, kind=Kind.REPORT_SUBMITTED, key="old", title="Shop #3", body="x"
    )
    young = Notification.objects.create(
        user=user, program=pgd, kind=Kind.REPORT_SUBMITTED, key="young", title="Shop #4", body="y"
    )
    jakarta = ZoneInfo("Asia/Jakarta")
    Notification.objects.filter(pk=old.pk).update(
        created_at=datetime(2027, 12, 1, 23, 59, tzinfo=jakarta)  # 366 days before (leap year)
    )
    Notification.objects.filter(pk=young.pk).update(
        created_at=datetime(2027, 12, 2, 0, 0, tzinfo=jakarta)  # exactly 365 days before
    )
    retention.purge_program(program=pgd, today=date(2028, 12, 1))
    assert list(Notification.objects.values_list("key", flat=True)) == ["young"]
