"""User journeys: a shopper fills and submits the MS form (F-31) and the execution
record (F-32) in the browser, with autosave and the server's live score:
a weighted Pegadaian form on a desktop (PGD-2.1, PGD-2.3) and a binary Telkom
form on a phone (TLK-5.3.2, TLK-5.3.3, TLK-5.6.1)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.formats import number_format
from playwright.sync_api import expect

from programs.models import Parameter
from scoring.models import Evidence, ReviewAction, Shop, ShopState
from tests.scoring_data import OFF_SLOT_REASON, ready_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _params(shop):
    return list(
        Parameter.objects.filter(section__scorecard=shop.scorecard_id).order_by(
            "section__order", "order", "pk"
        )
    )


def _answer(page, parameter, value):
    page.locator(f"label[for='answer-{parameter.pk}-{value}']").click()


def _wait_saved(page):
    """Until the server has answered the last autosave (its score is shown)."""
    expect(page.locator("aside [data-save-status]")).to_contain_text("Saved at")
    expect(page.locator("aside [data-score-state]")).to_have_text("")


def _shown_score(shop):
    return number_format(shop.score, 2)


def _open_from_agenda(page, live_server, program, planned):
    page.goto(live_server.url + reverse("agenda", args=[program.code]))
    page.get_by_role("button", name=f"Fill the form of shop #{planned.number}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Shop #{planned.number}")).to_be_visible()
    return Shop.objects.get(planned_shop=planned)


def _fill_execution_record(page, agent):
    page.get_by_label("Contact started at").fill("2026-11-02T09:15")
    page.get_by_label("Number or handle used").fill("1500569")
    page.get_by_label("Search the agents").fill("a1")
    page.get_by_label("Search the agents").press("Enter")
    expect(page.get_by_label("Agent reached")).to_have_value(str(agent.pk))
    page.get_by_label("Interaction or ticket id").fill("TCK-2026-77")
    page.get_by_label("Minutes").fill("6")
    page.get_by_label("Seconds").fill("40")
    page.locator("label[for='id_recognised_0']").click()
    # The tests' contacts run on a fixed day, off the slot the plan gave (TLK-5.3.1).
    page.get_by_label("Why the contact was off its slot").fill(OFF_SLOT_REASON)


def test_shopper_fills_a_weighted_pegadaian_form_on_a_desktop(
    page, live_server, login, pgd, member
):
    planned, shopper, agent = ready_shop(pgd, member)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, shopper)
    shop = _open_from_agenda(page, live_server, pgd, planned)
    expect(page.get_by_role("heading", name="Execution record (F-32)")).to_be_visible()
    expect(page.get_by_role("heading", name="MS form (F-31)")).to_be_visible()

    _fill_execution_record(page, agent)
    params = _params(shop)
    failing = next(
        p for p in params if p.text == "Melakukan probing untuk memahami kebutuhan nasabah"
    )
    half = params[: len(params) // 2]
    for p in half:
        _answer(page, p, "not_met" if p == failing else "met")
    line = page.locator(".ms-line").filter(has_text=failing.text)
    line.get_by_label("Nonconformity").fill("Tidak menanyakan jenis barang jaminan")
    _wait_saved(page)
    shop.refresh_from_db()
    expect(page.locator("aside [data-score-total]")).to_have_text(_shown_score(shop))
    assert shop.answers.count() == len(half)

    # A reload keeps the answers: they were autosaved.
    page.reload()
    expect(page.locator(f"#answer-{half[0].pk}-met")).to_be_checked()
    expect(line.get_by_label("Nonconformity")).to_have_value(
        "Tidak menanyakan jenis barang jaminan"
    )
    # An answer typed just before a reload (before the autosave went out) is
    # put back from this browser's copy and then saved.
    rest = params[len(half) :]
    _answer(page, rest[0], "met")
    page.reload()
    expect(page.locator("#restore-notice")).to_be_visible()
    expect(page.locator(f"#answer-{rest[0].pk}-met")).to_be_checked()
    _wait_saved(page)
    assert shop.answers.filter(parameter=rest[0], value="met").exists()

    for p in rest[1:]:
        _answer(page, p, "met")
    # A critical error zeroes the score live, and the server agrees.
    critical = next(p for p in params if p.critical_type == "CACE")
    _answer(page, critical, "not_met")
    expect(page.locator("aside [data-critical]")).to_contain_text("CACE")
    _wait_saved(page)
    expect(page.locator("aside [data-score-total]")).to_have_text("0.00")
    _answer(page, critical, "met")
    _wait_saved(page)

    # Evidence: a transcript, uploaded in place.
    page.get_by_label("Kind of evidence").select_option("transcript")
    page.locator("#evidence").get_by_label("File").set_input_files(
        files=[{"name": "chat.txt", "mimeType": "text/plain", "buffer": b"Agent: Selamat pagi"}]
    )
    page.get_by_role("button", name="Add the file").click()
    expect(page.locator("#evidence")).to_contain_text("The file chat.txt was added.")
    assert Evidence.objects.filter(shop=shop).count() == 1

    # Submitting without the correct solution shows the error next to the parameter.
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#error-summary")).to_contain_text("Give the correct solution.")
    error = page.locator(f"#correct_solution-{failing.pk}-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Give the correct solution.")
    expect(line.get_by_label("Nonconformity")).to_have_value(
        "Tidak menanyakan jenis barang jaminan"
    )
    line.get_by_label("Correct solution").fill("Tanyakan jenis dan berat barang jaminan")
    expect(error).to_have_count(0)
    _wait_saved(page)
    shop.refresh_from_db()
    live = page.locator("aside [data-score-total]").inner_text()
    assert live == _shown_score(shop)

    page.get_by_role("button", name="Submit").dblclick()
    expect(page.get_by_text("The form was submitted.")).to_be_visible()
    shop.refresh_from_db()
    assert shop.state == ShopState.SUBMITTED
    assert shop.events.filter(action=ReviewAction.SUBMIT).count() == 1
    assert 0 < shop.score < 100
    expect(page.locator("aside [data-score-total]")).to_have_text(live)
    assert shop.executed_at.isoformat() == "2026-11-02T02:15:00+00:00"
    assert shop.agent == agent and shop.duration_seconds == 400
    expect(page.locator(f"#answer-{params[0].pk}-met")).to_be_disabled()


def test_shopper_fills_a_binary_telkom_form_on_a_phone(page, live_server, login, tlk, member):
    planned, shopper, agent = ready_shop(tlk, member)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, shopper)
    shop = _open_from_agenda(page, live_server, tlk, planned)
    _fill_execution_record(page, agent)

    # The preset's escalation parameter is not on the form of another category (#23).
    from scoring import services

    skipped = services.shop_score(shop, {}).not_applying
    params = [p for p in _params(shop) if p.pk not in skipped]
    wrong = params[1]
    for p in params[:-1]:
        _answer(page, p, "not_met" if p == wrong else "met")
    # With the keyboard alone: the answers are real radio buttons.
    page.locator(f"#answer-{params[-1].pk}-met").focus()
    page.keyboard.press("Space")
    expect(page.locator(f"#answer-{params[-1].pk}-met")).to_be_checked()
    # Binary scoring (TLK-5.3.3): 1 for each correct parameter, so 8 of 9.
    bar = page.locator(".shop-actions")
    expect(bar).to_be_visible()
    expect(bar.locator("[data-answered]")).to_have_text(str(len(params)))
    _wait_saved(page)
    shop.refresh_from_db()
    assert shop.score == Decimal("88.89")
    expect(bar.locator("[data-score-total]")).to_have_text(_shown_score(shop))

    # TLK-5.6.1: the nonconformity and the correct solution are required.
    bar.get_by_role("button", name="Submit").click()
    expect(page.locator(f"#nonconformity-{wrong.pk}-error")).to_be_visible()
    expect(page.locator(f"#correct_solution-{wrong.pk}-error")).to_be_visible()
    line = page.locator(".ms-line").filter(has_text=wrong.text)
    line.get_by_label("Nonconformity").fill("Informasi paket tidak disebutkan lengkap")
    line.get_by_label("Correct solution").fill("Sebutkan kuota, masa aktif dan harga paket")
    _wait_saved(page)

    page.goto(f"{live_server.url}/p/{tlk.code}/shops/{shop.pk}/form/")  # not a re-POST
    expect(line.get_by_label("Correct solution")).to_have_value(
        "Sebutkan kuota, masa aktif dan harga paket"
    )
    # Typed, then Submit tapped at once (the autosave still waiting): one tap submits,
    # with what was just typed.
    line.get_by_label("Correct solution").fill("Sebutkan kuota, masa aktif, harga dan aktivasi")
    page.locator(".shop-actions").get_by_role("button", name="Submit").click()
    expect(page.get_by_text("The form was submitted.")).to_be_visible()
    shop.refresh_from_db()
    assert shop.state == ShopState.SUBMITTED
    expect(page.locator("aside [data-score-total]")).to_have_text(_shown_score(shop))
    answer = shop.answers.get(parameter=wrong)
    assert answer.correct_solution == "Sebutkan kuota, masa aktif, harga dan aktivasi"


def test_one_bad_field_is_marked_and_every_other_field_reaches_the_server(
    page, browser, live_server, login, pgd, member
):
    """#18: seconds = 75 used to keep the whole form from the server. Now the
    other fields are saved (a second device sees them), the bad one is marked
    and named in the status, and kept here until it is fixed."""
    planned, shopper, _agent = ready_shop(pgd, member)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the bar at the bottom
    login(page, shopper)
    shop = _open_from_agenda(page, live_server, pgd, planned)
    page.get_by_label("Interaction or ticket id").fill("TCK-2026-88")
    page.get_by_label("Minutes").fill("7")
    page.get_by_label("Seconds").fill("75")
    bar = page.locator(".shop-actions span[data-save-status]")
    expect(bar).to_contain_text("except: Seconds")
    expect(page.locator("#duration_secs-error")).to_contain_text("59")
    expect(page.locator("#id_duration_secs")).to_have_class(re.compile("is-invalid"))
    shop.refresh_from_db()
    assert shop.interaction_id == "TCK-2026-88" and shop.duration_seconds is None

    # The same shop on another device: the saved fields are there.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    second = other.new_page()
    login(second, shopper)
    second.goto(live_server.url + reverse("shop_form", args=[pgd.code, shop.pk]))
    expect(second.get_by_label("Interaction or ticket id")).to_have_value("TCK-2026-88")
    expect(second.get_by_label("Seconds")).to_have_value("")

    # Fixed on the phone: saved, the mark goes, and the other device sees it.
    page.get_by_label("Seconds").fill("15")
    expect(bar).not_to_contain_text("except")
    expect(bar).to_contain_text("Saved at")
    expect(page.locator("#duration_secs-error")).to_have_count(0)
    shop.refresh_from_db()
    assert shop.duration_seconds == 7 * 60 + 15
    second.reload()
    expect(second.get_by_label("Seconds")).to_have_value("15")
    other.close()


def test_conditional_and_bonus_parameters_on_the_pegadaian_form(
    page, live_server, login, pgd, member
):
    """Issue #23: a published Pegadaian version with a parameter for another
    reason (never shown), one shown only when 1.1 is not met (live), and a
    bonus that lifts 95 to 100 at most and never lifts a critical zero."""
    from programs.models import ContactReason
    from programs.services.scorecards import (
        parameter_save,
        scorecard_new_version,
        scorecard_publish,
    )
    from scoring import services

    planned, shopper, agent = ready_shop(pgd, member)
    draft = scorecard_new_version(scorecard=services.scorecard_for(planned))
    first = Parameter.objects.filter(section__scorecard=draft).order_by(
        "section__order", "order", "pk"
    )[0]
    process = draft.sections.get(code="process")
    attitude = draft.sections.get(code="attitude")
    reason = planned.scenario.reason if planned.scenario_id else planned.stratum.reason
    other_reason = ContactReason.objects.filter(program=pgd).exclude(pk=reason.pk).first()
    never = parameter_save(
        parameter=Parameter(
            section=process,
            text="Menawarkan opsi cicilan/perpanjangan",
            weight=Decimal(4),
            condition_kind="reason",
            condition_ids=[other_reason.pk],
        )
    )
    live = parameter_save(
        parameter=Parameter(
            section=process,
            text="Mengoreksi informasi sebelum menutup",
            weight=Decimal(5),
            condition_kind="answer",
            condition_parameter=first,
            condition_answer="not_met",
        )
    )
    bonus = parameter_save(
        parameter=Parameter(
            section=attitude, text="Menyapa nasabah dengan nama", weight=Decimal(10), is_bonus=True
        )
    )
    scorecard_publish(scorecard=draft, user=None, change_note="Conditions and a bonus.")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    login(page, shopper)
    shop = _open_from_agenda(page, live_server, pgd, planned)
    assert shop.scorecard_id == draft.pk
    expect(page.locator(f"[name='answer-{never.pk}']")).to_have_count(0)
    expect(page.get_by_text(never.text)).to_have_count(0)
    expect(page.locator(".ms-line").filter(has_text=live.text)).to_be_hidden()
    expect(page.get_by_role("heading", name="Bonus")).to_be_visible()

    _fill_execution_record(page, agent)
    greeting = Parameter.objects.get(section__scorecard=draft, text="Salam pembuka sesuai standar")
    plain = [
        p
        for p in _params(shop)
        if p.pk not in {never.pk, live.pk, bonus.pk, greeting.pk} and not p.is_bonus
    ]
    for p in plain:
        _answer(page, p, "met")
    _answer(page, greeting, "not_met")
    page.locator(f"#nonconformity-{greeting.pk}").fill("Tanpa salam pembuka")
    page.locator(f"#correct_solution-{greeting.pk}").fill("Salam pembuka standar")
    _answer(page, bonus, "not_met")
    _wait_saved(page)
    expect(page.locator("aside [data-score-total]")).to_have_text(number_format(Decimal(95), 2))

    _answer(page, bonus, "met")  # 95 + 10 points of bonus: 100 at most
    _wait_saved(page)
    expect(page.locator("aside [data-score-total]")).to_have_text(number_format(Decimal(100), 2))
    shop.refresh_from_db()
    assert shop.score == 100

    # 1.1 (CACE) not met: the correction parameter appears, the shop is 0 and
    # the bonus does not lift it.
    _answer(page, first, "not_met")
    line = page.locator(".ms-line").filter(has_text=live.text)
    expect(line).to_be_visible()
    _answer(page, live, "met")
    _wait_saved(page)
    expect(page.locator("aside [data-score-total]")).to_have_text(number_format(Decimal(0), 2))
    shop.refresh_from_db()
    assert shop.score == 0
    assert shop.answers.filter(parameter=live, value="met").exists()
    assert not shop.answers.filter(parameter=never).exists()

    # Back to met: the correction parameter hides again and no longer counts.
    _answer(page, first, "met")
    expect(line).to_be_hidden()
    _wait_saved(page)
    shop.refresh_from_db()
    assert shop.score == 100
