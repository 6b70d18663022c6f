import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from programs.access import get_program_for, programs_for
from programs.models import Role
from tests.factories import MembershipFactory, ProgramFactory, UserFactory
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db


def test_gate_gives_members_their_program_and_roles(program, member):
    user = member(program, Role.QC_ANALYST)
    MembershipFactory(user=user, program=program, role=Role.SHOPPER)
    found = get_program_for(user, program.code)
    assert found == program
    assert found.user_roles == {Role.QC_ANALYST, Role.SHOPPER}


def test_gate_hides_a_program_from_outsiders(program, outsider):
    with pytest.raises(Http404):
        get_program_for(outsider, program.code)


def test_gate_hides_a_program_from_members_of_another(program, other_program, member):
    user = member(other_program, Role.MANAGER)
    with pytest.raises(Http404):
        get_program_for(user, program.code)


def test_gate_refuses_a_member_without_the_role(program, member):
    user = member(program, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        get_program_for(user, program.code, roles={Role.MANAGER})


def test_program_page_for_member_outsider_and_other_program(
    client, program, other_program, member
):
    url = reverse("program_detail", args=[program.code])
    client.force_login(member(program, Role.VIEWER))
    assert client.get(url).status_code == 200
    client.force_login(member(other_program, Role.MANAGER))
    assert client.get(url).status_code == 404
    assert client.get(reverse("program_detail", args=["NOPE"])).status_code == 404


@pytest.mark.parametrize("role", Role.values)
def test_program_page_shows_each_role(client, program, member, role):
    client.force_login(member(program, role))
    response = client.get(reverse("program_detail", args=[program.code]))
    assert response.status_code == 200
    assert str(Role(role).label) in response.content.decode()


def test_home_lists_only_my_programs_with_roles(client, program, other_program, member):
    user = member(program, Role.SHOPPER)
    client.force_login(user)
    body = client.get(reverse("home")).content.decode()
    assert program.name in body
    assert other_program.name not in body
    assert "Shopper" in body


def test_programs_for_merges_roles_per_program(program, member):
    user = member(program, Role.TEAM_LEADER)
    MembershipFactory(user=user, program=program, role=Role.SHOPPER)
    (entry,) = programs_for(user)
    assert entry.roles == {Role.TEAM_LEADER, Role.SHOPPER}
    assert entry.roles_display == ["Shopper", "Team leader"]


def _home_queries(client, n_programs):
    user = UserFactory(email=f"many{n_programs}@example.com")
    for _ in range(n_programs):
        MembershipFactory(user=user, program=ProgramFactory(), role=Role.VIEWER)
    client.force_login(user)
    return page_queries(client, reverse("home"))


def test_home_query_count_is_constant(client):
    assert_same_query_count(_home_queries(client, 1), _home_queries(client, 20))


def test_program_page_query_count_is_constant(client, program, member):
    user = member(program, Role.MANAGER)
    client.force_login(user)
    url = reverse("program_detail", args=[program.code])
    small = page_queries(client, url)
    for _ in range(20):
        MembershipFactory(user=user, program=ProgramFactory(), role=Role.VIEWER)
    assert_same_query_count(small, page_queries(client, url))
