"""The program's API token page: only the manager makes and revokes tokens; the
secret is shown once and kept only as a SHA-256; creation and revocation are
audited; the page is in the program's menu."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, TokenScope
from api.services import TOUCH_EVERY, token_create, token_touch
from programs.models import Role
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db


def _page(program) -> str:
    return reverse("api_token_list", args=[program.code])


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.MANAGER, 200),
        (Role.QC_ANALYST, 403),
        (Role.SUPERVISOR, 403),
        (Role.TEAM_LEADER, 403),
        (Role.SHOPPER, 403),
        (Role.VIEWER, 403),
    ],
)
def test_only_the_manager_opens_the_page(client, program, member, role, status):
    client.force_login(member(program, role))
    assert client.get(_page(program)).status_code == status
    assert client.post(_page(program), {"name": "x", "scope": "read"}).status_code == status
    assert ApiToken.objects.count() == (1 if status == 200 else 0)


def test_an_outsider_gets_404_and_anonymous_the_login(client, program, outsider):
    response = client.get(_page(program))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(outsider)
    assert client.get(_page(program)).status_code == 404


def test_the_secret_is_shown_once_and_stored_as_a_hash(client, program, member):
    manager = member(program, Role.MANAGER)
    client.force_login(manager)
    response = client.post(_page(program), {"name": "Contact export", "scope": "read_write"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    assert secret.startswith("mst_") and len(secret) > 40
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    assert token.scope == TokenScope.READ_WRITE
    assert token.created_by == manager
    assert secret not in str(ApiToken.objects.values_list().get())
    again = client.get(_page(program)).content.decode()
    assert secret not in again
    assert f"{token.prefix}…" in again
    assert "never" in again  # not used yet


def test_a_missing_name_is_shown_next_to_the_field(client, program, member):
    client.force_login(member(program, Role.MANAGER))
    response = client.post(_page(program), {"name": "  ", "scope": "admin"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["Name the token after what will use it."]
    assert "scope" in form.errors
    html = response.content.decode()
    # Under the field itself, with what was typed kept.
    assert (
        '<div id="id_name_error" class="invalid-feedback"> <p id="error_1_id_name"><strong>'
        "Name the token after what will use it.</strong></p> </div>"
    ) in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert response.context["secret"] == ""
    assert not ApiToken.objects.exists()


def test_revoke(client, program, member):
    manager = member(program, Role.MANAGER)
    token, secret = token_create(program=program, name="old", scope="read", user=manager)
    url = reverse("api_token_revoke", args=[program.code, token.pk])
    client.force_login(member(program, Role.QC_ANALYST))
    assert client.post(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == _page(program)
    assert "is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == manager
    api = reverse("api:plan_list", args=[program.code])
    assert client.get(api, headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    # Twice: said so, nothing changes.
    assert "revoked already" in client.post(url, follow=True).content.decode()


def test_another_programs_token_cannot_be_revoked_here(client, program, other_program, member):
    manager = member(program, Role.MANAGER)
    member(other_program, Role.MANAGER)
    token, _secret = token_create(program=other_program, name="x", scope="read", user=manager)
    client.force_login(manager)
    url = reverse("api_token_revoke", args=[program.code, token.pk])
    assert client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_creation_and_revocation_are_audited(client, program, member):
    manager = member(program, Role.MANAGER)
    client.force_login(manager)
    client.post(_page(program), {"name": "Export", "scope": "read"})
    token = ApiToken.objects.get()
    client.post(reverse("api_token_revoke", args=[program.code, token.pk]))
    records = list(token.history.order_by("history_id"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert all(r.history_user == manager for r in records)
    page = client.get(_page(program))
    history = page.context["history"]
    assert [e.kind for e in history] == ["~", "+"]
    assert [c.label for c in history[0].changes] == ["revoked", "revoked by"]
    assert history[0].changes[1].new == str(manager)
    assert token.secret_hash not in page.content.decode()


def test_last_use_is_written_at_most_once_a_minute(program, member):
    token, _secret = token_create(
        program=program, name="x", scope="read", user=member(program, Role.MANAGER)
    )
    now = timezone.now()
    assert token_touch(token=token, now=now) is True
    assert token_touch(token=token, now=now + timedelta(seconds=30)) is False
    assert token_touch(token=token, now=now + TOUCH_EVERY + timedelta(seconds=1)) is True
    # Another process holding a stale copy does not write again.
    stale = ApiToken.objects.get(pk=token.pk)
    stale.last_used_at = None
    assert token_touch(token=stale, now=now + TOUCH_EVERY + timedelta(seconds=2)) is False


def test_the_page_is_in_the_managers_menu(client, program, member):
    home = reverse("program_detail", args=[program.code])
    client.force_login(member(program, Role.MANAGER))
    assert _page(program).encode() in client.get(home).content
    client.force_login(member(program, Role.QC_ANALYST))
    assert _page(program).encode() not in client.get(home).content


def test_the_page_runs_a_constant_number_of_queries(client, program, member):
    manager = member(program, Role.MANAGER)
    client.force_login(manager)
    token_create(program=program, name="a", scope="read", user=manager)
    small = page_queries(client, _page(program))
    for i in range(4):
        token, _ = token_create(program=program, name=f"t{i}", scope="read", user=manager)
        client.post(reverse("api_token_revoke", args=[program.code, token.pk]))
    assert_same_query_count(small, page_queries(client, _page(program)))
