"""Each preset encodes its seed's numbers: one test per number, named after its clause."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from programs.models import (
    Channel,
    CoachingRule,
    CriticalType,
    ExecutionPattern,
    Parameter,
    Program,
    RecordType,
    Scorecard,
    ScorecardStatus,
    ScoringMode,
)
from programs.services.setup import preset_load
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _slots(program):
    return [(s.start, s.end) for s in program.time_slots.order_by("start")]


# --- Pegadaian ----------------------------------------------------------------


def test_pgd_4_4_ideal_sample_is_56(pgd):
    assert pgd.monthly_sample_size == 56
    assert pgd.sample_size_is_minimum is False


def test_pgd_5_1_5_sample_size_from_the_preparation_clause(pgd):
    assert pgd.monthly_sample_size == 56


def test_pgd_4_3_top_10_reasons_and_three_categories(pgd):
    assert pgd.top_n_reasons == 10
    assert list(pgd.categories.values_list("code", flat=True)) == [
        "information",
        "request",
        "complaint",
    ]


def test_pgd_5_1_4_four_time_bands(pgd):
    assert list(pgd.time_bands.values_list("code", flat=True)) == [
        "morning",
        "midday",
        "afternoon",
        "night",
    ]


def test_pgd_4_5_four_sessions_a_week_in_six_fixed_slots(pgd):
    assert pgd.execution_pattern == ExecutionPattern.SESSIONS_PER_WEEK
    assert pgd.sessions_per_week == 4
    assert _slots(pgd) == [
        (time(8, 30), time(10, 0)),
        (time(10, 0), time(11, 30)),
        (time(11, 30), time(13, 0)),
        (time(13, 0), time(14, 30)),
        (time(14, 30), time(16, 0)),
        (time(16, 0), time(17, 0)),
    ]


def test_pgd_5_2_1_no_slot_in_the_night_band(pgd):
    assert not pgd.time_slots.filter(band__code="night").exists()


def test_pgd_5_2_2_a_traffic_threshold_is_set(pgd):
    assert pgd.traffic_threshold_percent == 120


def test_pgd_5_1_2_target_average_95(pgd):
    assert pgd.target_score == Decimal("95")


def test_pgd_4_7_report_due_by_the_5th(pgd):
    assert pgd.report_due_day == 5


def test_pgd_2_1_weighted_qm_scorecards_for_inbound_outbound_digital(pgd):
    assert pgd.scoring_mode == ScoringMode.WEIGHTED
    published = Scorecard.objects.filter(program=pgd, status=ScorecardStatus.PUBLISHED)
    assert sorted(published.values_list("channel__code", flat=True)) == [
        "digital",
        "inbound",
        "outbound",
    ]
    for scorecard in published:
        assert list(scorecard.sections.values_list("code", flat=True)) == [
            "solution",
            "process",
            "attitude",
        ]


def test_pgd_5_1_1_same_parameters_as_the_qm_score_per_service(pgd):
    counts = {
        sc.channel.code: Parameter.objects.filter(section__scorecard=sc).count()
        for sc in Scorecard.objects.filter(program=pgd).select_related("channel")
    }
    assert len(set(counts.values())) == 1 and min(counts.values()) >= 10


def test_pgd_2_3_customer_business_and_compliance_criticals(pgd):
    types = set(
        Parameter.objects.filter(section__scorecard__program=pgd)
        .exclude(critical_type="")
        .values_list("critical_type", flat=True)
    )
    assert types == {CriticalType.CACE, CriticalType.BACE, CriticalType.COACE}


def test_pgd_2_1_digital_has_sub_channels(pgd):
    digital = Channel.objects.get(program=pgd, code="digital")
    assert set(digital.children.values_list("name", flat=True)) == {
        "Chat",
        "E-mail",
        "Media sosial",
    }


def test_pgd_6_retention_two_years_evidence_three_years_documents(pgd):
    years = dict(pgd.retention_rules.values_list("record_type", "years"))
    assert years.pop(RecordType.DOCUMENT_LIST) == 3
    assert set(years.values()) == {2}
    assert set(years) == set(RecordType.values) - {RecordType.DOCUMENT_LIST}


def test_pgd_4_9_brief_and_debrief_rule(pgd):
    actions = set(CoachingRule.objects.filter(program=pgd).values_list("action", flat=True))
    assert "brief_debrief" in actions


def test_pgd_7_document_code_and_change_log_are_editable_data(pgd):
    assert pgd.document_code and pgd.revision == "00"
    assert pgd.revisions.count() == 0  # the seed's change log is empty


def test_pgd_2_2_forms_codes(pgd):
    assert (
        pgd.form_code_report,
        pgd.form_code_followup,
        pgd.form_code_ms_form,
        pgd.form_code_execution,
    ) == ("F-27", "F-28", "F-31", "F-32")


# --- Telkom -------------------------------------------------------------------


def test_tlk_5_2_1_2_at_least_40_samples(tlk):
    assert tlk.monthly_sample_size == 40
    assert tlk.sample_size_is_minimum is True


def test_tlk_5_1_2_top_reasons_adjusted_to_each_area(tlk, pgd):
    assert tlk.top_reasons_per_area is True
    assert pgd.top_reasons_per_area is False


def test_tlk_5_1_2_top_5_reasons_with_fcr_and_escalated_complaints(tlk):
    assert tlk.top_n_reasons == 5
    assert list(tlk.categories.values_list("code", flat=True)) == [
        "information",
        "request",
        "complaint_fcr",
        "complaint_escalated",
    ]


def test_tlk_5_2_1_3_week_ii_covering_all_four_bands(tlk):
    assert tlk.execution_pattern == ExecutionPattern.WEEKS_OF_MONTH
    assert tlk.execution_weeks == [2]
    bands_with_slots = set(tlk.time_slots.values_list("band__code", flat=True))
    assert bands_with_slots == {"morning", "midday", "afternoon", "night"}


def test_tlk_5_3_3_binary_scoring(tlk):
    assert tlk.scoring_mode == ScoringMode.BINARY


def test_tlk_5_4_1_three_kpis_and_the_solution_dimension(tlk):
    scorecard = Scorecard.objects.filter(program=tlk, channel__code="inbound").get()
    kpis = [s.kpi for s in scorecard.sections.all()]
    assert any("solution accuracy" in k for k in kpis)
    assert any("courtesy" in k for k in kpis)
    assert any("communication clarity" in k for k in kpis)
    assert scorecard.sections.filter(code="solution").exists()


def test_tlk_5_5_coaching_rules(tlk):
    rules = list(CoachingRule.objects.filter(program=tlk))
    assert [(r.section_codes, r.comparison, r.action) for r in rules] == [
        (["solution"], "zero", "coaching"),
        (["process", "attitude"], "below_target", "coaching_or_sgd"),
    ]


def test_tlk_6_every_record_kept_three_years(tlk):
    assert set(tlk.retention_rules.values_list("years", flat=True)) == {3}
    assert tlk.retention_rules.count() == len(RecordType.values)


def test_tlk_7_document_code_revision_and_change_log(tlk):
    assert tlk.document_code == "IN.QCC.TELK.W-10"
    assert tlk.revision == "02"
    assert tlk.effective_date == date(2019, 6, 19)
    assert list(tlk.revisions.values_list("revision", "effective_date")) == [
        ("01", date(2017, 6, 5)),
        ("02", date(2019, 6, 19)),
    ]


def test_tlk_4_2_report_monthly_by_the_5th(tlk):
    assert tlk.report_due_day == 5


# --- Loading ------------------------------------------------------------------


def test_both_presets_run_side_by_side():
    org = OrganizationFactory()
    a = preset_load(key="pegadaian", organization=org)
    b = preset_load(key="telkom", organization=org)
    assert {a.code, b.code} == {"PGD", "TLK"}
    assert Program.objects.count() == 2


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(ValidationError, match="Unknown preset"):
        preset_load(key="nope", organization=OrganizationFactory())


def test_load_preset_command_refuses_a_taken_code(pgd):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="exists already"):
        call_command("load_preset", "pegadaian")
    call_command("load_preset", "pegadaian", "--code", "PGD2")
    assert Program.objects.filter(code="PGD2").exists()


def test_preset_load_is_atomic(monkeypatch):
    from programs.services import setup as services

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "scorecard_publish", boom)
    with pytest.raises(RuntimeError):
        preset_load(key="telkom", organization=OrganizationFactory())
    assert not Program.objects.exists()
    assert not Channel.objects.exists()
