"""User journey (TLK-5.3.4, TLK-5.6.1): the analyst returns a submitted shop with
a comment, the shopper corrects it, the analyst finalizes it; the agent's team
leader disputes a parameter and the analyst keeps the score."""

import re

import pytest
from playwright.sync_api import expect

from programs.models import Role
from scoring import services
from scoring.models import Dispute, DisputeStatus, ReviewAction, ShopState
from tests.test_review_views import filled, make_world, params_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _switch(page, login, user):
    page.context.clear_cookies()
    login(page, user)


def test_return_correct_finalize_dispute_keep(page, live_server, login, pgd, member):
    world = make_world(pgd, member, fail_index=[2])
    shop, analyst = world.shop, world.users[Role.QC_ANALYST]
    shopper, team_leader = world.users[Role.SHOPPER], world.users[Role.TEAM_LEADER]
    base = f"{live_server.url}/p/{pgd.code}/shops"

    # The analyst finds the shop in the queue and returns it with a comment.
    login(page, analyst)
    page.goto(f"{base}/review/")
    page.get_by_role("link", name=re.compile(r"Review.*shop 1$")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Shop 1 on"))).to_be_visible()
    # Blank is stopped by the browser; spaces only by the server, next to the field.
    page.get_by_label("What should the shopper correct?").fill("   ")
    page.get_by_role("button", name="Return with comments").click()
    expect(page.locator("#id_return-comment")).to_have_class(re.compile("is-invalid"))
    page.get_by_label("What should the shopper correct?").fill("Isi nomor tiket interaksi.")
    page.get_by_role("button", name="Return with comments").click()
    expect(page.get_by_text("The form was returned to the shopper.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Returned for correction")
    expect(page.locator("#timeline")).to_contain_text("Isi nomor tiket interaksi.")

    # The shopper corrects the form and submits it again (their own pages, by service).
    shop.refresh_from_db()
    params = params_of(shop)
    failing = [p.pk for p in params if not p.critical_type][2]
    data = filled(shop, world.agent, fail=[failing])
    data.interaction_id = "TIK-12345"
    shop = services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    services.shop_submit(shop=shop, user=shopper, version=shop.version)

    # The analyst finalizes it.
    page.reload()
    expect(page.locator("#execution-record")).to_contain_text("TIK-12345")
    page.get_by_role("button", name="Finalize").click()
    expect(page.get_by_text("The shop is final.")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Finalized")
    score = page.locator("#shop-score").inner_text()

    # The agent's team leader disputes the failed parameter.
    _switch(page, login, team_leader)
    page.goto(f"{base}/{shop.pk}/")
    page.get_by_label("Parameter").select_option(str(failing))
    page.get_by_label("Why do you dispute it?").fill("Agent sudah menyebutkan tarif sesuai SOP.")
    page.get_by_role("button", name="Send the dispute").click()
    expect(page.get_by_text("The dispute was sent to the QC analyst.")).to_be_visible()
    expect(page.locator("#disputes")).to_contain_text("Open")

    # The analyst listens to the recording again and keeps the score.
    _switch(page, login, analyst)
    page.goto(f"{base}/{shop.pk}/")
    dispute = page.locator("#disputes article").first
    expect(dispute.get_by_label("New answer")).to_be_hidden()
    dispute.get_by_label("Change the answer").check()
    expect(dispute.get_by_label("New answer")).to_be_visible()
    dispute.get_by_label("Keep the score").check()
    expect(dispute.get_by_label("New answer")).to_be_hidden()
    dispute.get_by_label("Explain the decision").fill("Rekaman: tarif yang disebut salah.")
    dispute.get_by_role("button", name="Resolve the dispute").click()
    expect(page.get_by_text("The dispute is resolved: the score is kept.")).to_be_visible()
    expect(page.locator("#disputes")).to_contain_text("Score kept")
    expect(page.locator("#shop-score")).to_have_text(score)

    shop.refresh_from_db()
    assert shop.state == ShopState.FINALIZED
    assert list(shop.events.values_list("action", flat=True)) == [
        ReviewAction.SUBMIT,
        ReviewAction.RETURN,
        ReviewAction.SUBMIT,
        ReviewAction.FINALIZE,
    ]
    (dispute,) = Dispute.objects.filter(shop=shop)
    assert dispute.status == DisputeStatus.KEPT and dispute.resolved_by == analyst
