"""Bad URLs are 404s (issue 19): a NUL byte or another control character in a
path parameter never reaches the database (PostgreSQL answers DataError → 500)."""

import pytest

from programs.models import Role

pytestmark = pytest.mark.django_db

ANONYMOUS_URLS = [
    "/ics/%00.ics",
    "/ics/abc%00def.ics",
    "/ics/%01.ics",
    "/p/%00/",
    "/p/PGD%00/",
    "/p/%7F/",
    "/p/%0A/reports/",
]


@pytest.mark.parametrize("url", ANONYMOUS_URLS)
def test_a_control_character_in_the_path_is_a_404_without_any_query(
    client, program, url, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 404


SIGNED_IN_URLS = [
    "/p/PGD%00/sampling/plans/2026-10/",
    "/p/PGD/sampling/plans/2026-1%00/",
    "/p/PGD/sampling/data/%00/",
    "/p/PGD/reports/%00/",
    "/p/PGD/reports/2026-10%00/pdf/",
    "/p/PGD/people/agents/99999999999999999999999/",
    "/p/PGD/shops/99999999999999999999999/",
]


@pytest.mark.parametrize("url", SIGNED_IN_URLS)
def test_a_bad_path_parameter_is_a_404_for_a_signed_in_manager(client, program, member, url):
    client.force_login(member(program, Role.MANAGER))
    response = client.get(url)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_a_post_to_a_bad_path_is_a_404_too(client, program, member):
    client.force_login(member(program, Role.MANAGER))
    response = client.post("/p/PGD/sampling/plans/2026-1%00/action/", {"action": "generate"})
    assert response.status_code == 404


def test_a_nul_in_a_query_string_value_is_a_400(client, program, member):
    client.force_login(member(program, Role.MANAGER))
    assert client.get("/p/PGD/?month=%00").status_code == 400
    assert client.get("/p/PGD/?%00=1").status_code == 400


def test_good_urls_still_answer(client, program, member):
    assert client.get("/ics/no-such-token.ics").status_code == 404
    client.force_login(member(program, Role.MANAGER))
    assert client.get("/p/PGD/").status_code == 200
