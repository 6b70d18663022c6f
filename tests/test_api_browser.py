"""User journey: the manager makes a token from the program's menu, copies the
secret shown once, and reads the API documentation, which loads with no network
(Swagger UI from our static files) under the site's strict CSP."""

import pytest
from playwright.sync_api import expect

from programs.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_make_a_token_and_read_the_docs(page, live_server, login, program, member):
    manager = member(program, Role.MANAGER)
    # Nothing may leave the machine: any request to another host fails the test.
    outside = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server.url)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    login(page, manager)
    page.goto(f"{live_server.url}/p/{program.code}/")
    page.get_by_role("button", name="Setup").click()
    page.get_by_role("link", name="API tokens").click()
    page.fill("input[name=name]", "Contact export")
    page.get_by_label("Read and push contact data").check()
    page.get_by_role("button", name="Create the token").click()
    secret = page.locator("#secret").input_value()
    assert secret.startswith("mst_")
    expect(page.locator("#tokens")).to_contain_text("Contact export")

    page.get_by_role("link", name="API documentation").click()
    expect(page.get_by_text("mysteryshop API")).to_be_visible()
    expect(page.get_by_text("/api/v1/programs/{code}/imports").first).to_be_visible()
    assert outside == []

    # The secret opens the API; the page never shows it again.
    response = page.request.get(
        f"{live_server.url}/api/v1/programs/{program.code}/imports",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status == 200
    page.goto(f"{live_server.url}/p/{program.code}/api-tokens/")
    assert secret not in page.content()
