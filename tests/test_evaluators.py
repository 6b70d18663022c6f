"""The quality of the evaluators (issue #23): per shopper and month, the
returns, first time right, late hand-ins, off-slot contacts, shops without
evidence, disputes that changed the answer and the agreement in blind
calibrations; who needs coaching; the page, its permissions and its workbook."""

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from followup.models import CalibrationRating
from programs.models import Role, User
from reporting.selectors import evaluators
from sampling.models import PlannedShop
from scoring import services as scoring
from tests.querycount import assert_same_query_count, page_queries
from tests.test_evaluators_data import (
    DEC,
    DISPUTE_RESOLUTION,
    OFF_SLOT_MINUTES,
    RETURN_COMMENTS,
    december,
    make_shop,
    the_rest,
)
from tests.test_shop_workflow import _filled, _params

pytestmark = pytest.mark.django_db

JANUARY = "2027-01-10 10:00 +0700"  # December is the last complete month


@pytest.fixture
def month(pgd, member):
    return december(pgd, member)


def _rows(w):
    quality = evaluators.evaluator_quality(w.program, DEC)
    return quality, {r.name: r for r in quality.rows}


def test_each_shopper_of_the_month_and_what_counts_against_them(month):
    quality, rows = _rows(month)
    assert [r.name for r in quality.rows] == ["Budi Shopper", "Sari Shopper"]
    sari, budi = rows["Sari Shopper"], rows["Budi Shopper"]
    assert (sari.shops, sari.handed_in, sari.finalized, sari.first_time_right) == (4, 4, 4, 3)
    assert [n.comment for n in sari.returns] == list(RETURN_COMMENTS)
    assert {n.by for n in sari.returns} == {"Andi Analyst"}
    assert {n.shop_number for n in sari.returns} == {month.shops["returned"].planned_shop.number}
    assert sari.first_time_right_share == Fraction(3, 4)
    late = month.shops["late"].planned_shop
    assert [(n.shop_number, n.shop_date) for n in sari.late] == [(late.number, late.date)]
    assert [n.shop_number for n in sari.without_evidence] == [late.number]
    off = month.shops["off_slot"]
    assert off.time_deviation_minutes == OFF_SLOT_MINUTES
    assert [n.shop_number for n in sari.off_slot] == [off.planned_shop.number]
    assert str(OFF_SLOT_MINUTES) in sari.off_slot[0].detail
    assert off.time_deviation_reason in sari.off_slot[0].detail
    assert len(sari.disputes_changed) == 1
    assert DISPUTE_RESOLUTION in sari.disputes_changed[0].detail
    assert (budi.shops, budi.first_time_right_share, budi.returns) == (2, 1, [])
    assert not (budi.late or budi.off_slot or budi.without_evidence or budi.disputes_changed)


def test_calibration_agreement_with_the_majority_and_the_score_difference(month):
    _quality, rows = _rows(month)
    sari, budi = rows["Sari Shopper"], rows["Budi Shopper"]
    assert (sari.cases_rated, sari.parameters_rated, sari.parameters_agreed) == (1, 12, 9)
    assert sari.agreement_share == Fraction(3, 4)
    assert budi.agreement_share == 1
    # The scores: three raters at 100, Sari's below; the mean is (300 + hers) / 4.
    scores = {r.rater_id: r.score for r in CalibrationRating.objects.all()}
    mean = sum(scores.values(), Decimal(0)) / 4
    assert sari.score_offset == abs(scores[month.sari.pk] - mean)
    assert budi.score_offset == abs(scores[month.budi.pk] - mean)
    assert sari.score_offset > budi.score_offset > 0


def test_the_coaching_flag_follows_the_stated_rule(month):
    quality, rows = _rows(month)
    sari, budi = rows["Sari Shopper"], rows["Budi Shopper"]
    assert sari.low_first_time_right and sari.low_agreement and sari.needs_coaching
    assert not budi.needs_coaching
    assert quality.flagged == [sari]


def test_a_shop_handed_in_on_the_day_after_is_not_late(pgd):
    limit = evaluators.late_after(pgd, date(2026, 12, 7))
    assert limit == datetime(2026, 12, 9, 0, 0, tzinfo=pgd.zone)


def test_another_month_has_nobody(month):
    quality = evaluators.evaluator_quality(month.program, date(2026, 11, 1))
    assert quality.rows == [] and quality.flagged == []


# --- The page ---------------------------------------------------------------------------


def _url(program, name="evaluator_quality"):
    return reverse(name, args=[program.code])


@time_machine.travel(JANUARY, tick=False)
def test_the_page_opens_on_the_last_complete_month_for_the_analyst_and_manager(month, client):
    for user in (month.analyst, month.manager):
        client.force_login(user)
        response = client.get(_url(month.program))
        assert response.status_code == 200
        assert response.context["quality"].month == DEC
        html = response.content.decode()
        assert "Sari Shopper" in html and "Needs coaching" in html
        assert RETURN_COMMENTS[0] in html and DISPUTE_RESOLUTION in html
        assert "75.0 %" in html


@pytest.mark.parametrize("role", [Role.TEAM_LEADER, Role.VIEWER, Role.SHOPPER, Role.SUPERVISOR])
def test_the_agents_side_and_the_shoppers_get_403(pgd, member, client, role):
    client.force_login(member(pgd, role))
    assert client.get(_url(pgd)).status_code == 403
    assert client.get(_url(pgd, "evaluator_quality_xlsx")).status_code == 403


def test_an_outsider_gets_404(pgd, outsider, client):
    client.force_login(outsider)
    assert client.get(_url(pgd)).status_code == 404


def test_a_bad_month_falls_back_with_the_error(pgd, member, client):
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = client.get(_url(pgd) + "?month=2026-13")
    assert response.status_code == 200 and "month-error" in response.content.decode()


def test_numbers_in_the_readers_format(month, client):
    User.objects.filter(pk=month.analyst.pk).update(language="id")
    client.force_login(month.analyst)
    client.cookies["django_language"] = "id"
    html = client.get(_url(month.program) + "?month=2026-12").content.decode()
    assert "75,0 %" in html and "75.0 %" not in html


def test_the_query_count_does_not_grow_with_the_shops(pgd, member, client):
    w = december(pgd, member, small=True)
    client.force_login(w.analyst)
    few = page_queries(client, _url(pgd) + "?month=2026-12")
    the_rest(w)
    for extra in range(6, 12):  # and a third shopper with six more shops
        make_shop(w, extra, w.manager)
    many = page_queries(client, _url(pgd) + "?month=2026-12")
    assert len(evaluators.evaluator_quality(pgd, DEC).rows) == 3
    assert_same_query_count(few, many)


def test_the_workbook_carries_the_table_and_the_comments(month, client):
    client.force_login(month.manager)
    response = client.get(_url(month.program, "evaluator_quality_xlsx") + "?month=2026-12")
    assert response.status_code == 200
    assert "PGD-2026-12-evaluators.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    shoppers, details = book.worksheets
    header = [c.value for c in shoppers[1]]
    lines = shoppers.iter_rows(min_row=2, values_only=True)
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in lines}
    sari = rows["Sari Shopper"]
    assert sari["Shops"] == 4 and sari["Returns"] == 2 and sari["Late"] == 1
    assert sari["First time right"] == pytest.approx(0.75)
    assert sari["Agreement with the majority"] == pytest.approx(0.75)
    assert sari["Coaching on scoring"] == "yes"
    assert rows["Budi Shopper"]["Coaching on scoring"] in ("", None)
    comments = [r[5] for r in details.iter_rows(2, values_only=True) if r[1] == "Return"]
    assert comments == list(RETURN_COMMENTS)


def test_a_kept_dispute_a_draft_and_a_form_waiting_for_correction(pgd, member):
    w = december(pgd, member, small=True)
    first = w.shops["first"]
    with time_machine.travel(first.finalized_at + timedelta(hours=1), tick=False):
        dispute = scoring.dispute_open(
            shop=first, parameter=_params(first)[0], user=w.leader, reason="Tidak setuju"
        )
        scoring.dispute_resolve(dispute=dispute, user=w.analyst, keep=True, comment="Sesuai")
    # Budi starts one shop and hands in another that comes back to him.
    planned = PlannedShop.objects.filter(plan=w.plan).order_by("number")
    draft_line, returned_line = planned[1], planned[2]
    for line in (draft_line, returned_line):
        line.shopper = w.budi
        line.save()
    scoring.shop_start(planned_shop=draft_line, user=w.budi)
    shop = scoring.shop_start(planned_shop=returned_line, user=w.budi)
    started = datetime.combine(returned_line.date, returned_line.slot.start, pgd.zone)
    with time_machine.travel(started + timedelta(minutes=30), tick=False):
        data = replace(_filled(shop, w.agent), executed_at=started)
        shop = scoring.shop_save(shop=shop, user=w.budi, data=data, version=shop.version)
        shop = scoring.shop_submit(shop=shop, user=w.budi, version=shop.version)
        scoring.shop_return(shop=shop, user=w.analyst, comment="Lengkapi nomor tiket")
    _quality, rows = _rows(w)
    sari, budi = rows["Sari Shopper"], rows["Budi Shopper"]
    assert sari.disputes_changed == [] and sari.first_time_right_share == 1
    assert (budi.shops, budi.handed_in, budi.finalized) == (2, 1, 0)
    assert [n.comment for n in budi.returns] == ["Lengkapi nomor tiket"]
    assert budi.first_time_right_share is None and not budi.low_first_time_right
    assert budi.agreement_share == 1 and not budi.needs_coaching
