"""Journey (issue #17, a score keeps its rules): the manager switches the
scoring mode of a program that has scored shops; the page says, next to the
field and before saving, how many shops keep their mode, and saves only once
confirmed (here, in Indonesian). The finalized scores do not move."""

import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from programs.models import Program, Role
from scoring.models import Shop
from tests.dashboard_data import History

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots-scoring-mode"))


def test_manager_switches_the_mode_and_old_shops_keep_theirs(
    page, live_server, login, pgd, member
):
    shops = History(pgd, member).month(date(2026, 11, 1), [91, 83.33, 100])
    scores = {s.pk: s.score for s in Shop.objects.filter(pk__in=[s.pk for s in shops])}
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    login(page, manager)
    page.goto(f"{live_server.url}/p/PGD/settings/")
    page.select_option("select[name=scoring_mode]", "binary")
    page.get_by_role("button", name="Save rules").click()
    # Nothing saved yet: the count and a box to tick, next to the field.
    box = page.locator("input[name=confirm_scoring_mode]")
    expect(box).to_be_visible()
    expect(page.get_by_text("3 shops keep the mode they were scored under")).to_be_visible()
    assert Program.objects.get(pk=pgd.pk).scoring_mode == "weighted"
    assert page.input_value("select[name=scoring_mode]") == "binary"  # what was chosen stays
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "mode-confirm-en.png", full_page=True)

    # The same question in Indonesian; confirmed there.
    page.click("#language-menu")
    page.click("button[name=language][value=id]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/p/PGD/settings/")
    page.select_option("select[name=scoring_mode]", "binary")
    page.get_by_role("button", name="Simpan aturan").click()
    expect(page.get_by_text("3 shop tetap memakai mode penilaiannya")).to_be_visible()
    page.screenshot(path=SHOTS / "mode-confirm-id.png", full_page=True)
    assert Program.objects.get(pk=pgd.pk).scoring_mode == "weighted"
    page.locator("input[name=confirm_scoring_mode]").check()
    page.get_by_role("button", name="Simpan aturan").click()
    expect(page.get_by_text("Mode penilaian baru hanya berlaku untuk shop baru")).to_be_visible()
    assert Program.objects.get(pk=pgd.pk).scoring_mode == "binary"
    kept = {s.pk: (s.score, s.scoring_mode) for s in Shop.objects.filter(pk__in=scores)}
    assert kept == {pk: (score, "weighted") for pk, score in scores.items()}
