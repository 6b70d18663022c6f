"""The people pages: areas, teams and agents (PGD-4.2, TLK-5.1.2)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import Agent, Area, Channel, Role, Team
from tests.factories import MembershipFactory
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db

EDITORS = {Role.MANAGER, Role.QC_ANALYST}
READ_PAGES = ["area_list", "team_list", "agent_list"]


def make_channel(program, code="inbound", name="Inbound", kind="inbound"):
    return Channel.objects.create(program=program, code=code, name=name, kind=kind)


def make_area(program, code="jkt", name="Jakarta"):
    return Area.objects.create(program=program, code=code, name=name)


def make_team(program, code="team-a", name="Team A", **fields):
    return Team.objects.create(program=program, code=code, name=name, **fields)


def make_agent(program, employee_id="E001", name="Ani", team=None, **fields):
    team = team or Team.objects.filter(program=program).first() or make_team(program)
    return Agent.objects.create(
        program=program, employee_id=employee_id, name=name, team=team, **fields
    )


@pytest.fixture
def people(program):
    """An area, a team in it, a channel and one agent of `program`."""
    area = make_area(program)
    team = make_team(program, area=area)
    channel = make_channel(program)
    agent = make_agent(program, team=team, area=area, skills="gadai, emas")
    agent.channels.add(channel)
    return {"area": area, "team": team, "channel": channel, "agent": agent}


def edit_urls(program, people):
    code = program.code
    return [
        reverse("area_create", args=[code]),
        reverse("area_edit", args=[code, people["area"].pk]),
        reverse("team_create", args=[code]),
        reverse("team_edit", args=[code, people["team"].pk]),
        reverse("agent_create", args=[code]),
        reverse("agent_edit", args=[code, people["agent"].pk]),
        reverse("people_import", args=[code]),
        reverse("people_import_template", args=[code, "csv"]),
        reverse("people_import_template", args=[code, "xlsx"]),
    ]


# --- Permissions -----------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_member_reads_the_lists(client, program, people, member, role):
    client.force_login(member(program, role))
    for name in READ_PAGES:
        response = client.get(reverse(name, args=[program.code]))
        assert response.status_code == 200, name
    body = client.get(reverse("agent_list", args=[program.code])).content.decode()
    assert "Ani" in body
    assert ("New agent" in body) == (role in EDITORS)


@pytest.mark.parametrize("role", Role.values)
def test_only_managers_and_analysts_open_edit_pages(client, program, people, member, role):
    client.force_login(member(program, role))
    expected = 200 if role in EDITORS else 403
    for url in edit_urls(program, people):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("role", sorted(set(Role.values) - EDITORS))
def test_other_roles_cannot_write(client, program, people, member, role):
    client.force_login(member(program, role))
    code = program.code
    agent = people["agent"]
    posts = [
        (reverse("area_create", args=[code]), {"code": "new", "name": "New"}),
        (reverse("team_create", args=[code]), {"code": "new", "name": "New"}),
        (reverse("agent_edit", args=[code, agent.pk]), {"employee_id": "X", "name": "X"}),
        (reverse("agent_deactivate", args=[code, agent.pk]), {}),
        (reverse("people_import", args=[code]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    agent.refresh_from_db()
    assert (agent.name, agent.active_to) == ("Ani", None)
    assert Area.objects.count() == 1
    assert Team.objects.count() == 1


def test_outsiders_and_other_programs_get_404(client, program, other_program, people, member):
    urls = [reverse(name, args=[program.code]) for name in READ_PAGES]
    urls += edit_urls(program, people)
    urls.append(reverse("agent_deactivate", args=[program.code, people["agent"].pk]))
    for user in (None, member(other_program, Role.MANAGER)):
        if user:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            if user is None:
                assert response.status_code == 302, url  # to the login page
            else:
                assert response.status_code in (404, 405), url


def test_objects_of_another_program_are_not_reachable(client, program, other_program, member):
    foreign_agent = make_agent(other_program, employee_id="T1", name="Tono")
    foreign_area = make_area(other_program)
    client.force_login(member(program, Role.MANAGER))
    code = program.code
    assert client.get(reverse("agent_edit", args=[code, foreign_agent.pk])).status_code == 404
    assert client.get(reverse("team_edit", args=[code, foreign_agent.team_id])).status_code == 404
    assert client.get(reverse("area_edit", args=[code, foreign_area.pk])).status_code == 404
    response = client.post(reverse("agent_deactivate", args=[code, foreign_agent.pk]))
    assert response.status_code == 404
    foreign_agent.refresh_from_db()
    assert foreign_agent.active_to is None


def test_template_download_is_404_for_unknown_formats(client, program, member):
    client.force_login(member(program, Role.QC_ANALYST))
    url = reverse("people_import_template", args=[program.code, "pdf"])
    assert client.get(url).status_code == 404


# --- Query counts ------------------------------------------------------------------


def _grow(program, n, tag="s"):
    """n areas, n teams and 3n agents with two channels each."""
    channels = [make_channel(program, f"{tag}-ch{i}", f"Channel {tag}{i}") for i in range(2)]
    leader = MembershipFactory(program=program, role=Role.TEAM_LEADER).user
    for i in range(n):
        area = make_area(program, f"{tag}-area-{i}", f"Area {tag}{i}")
        team = make_team(
            program, f"{tag}-team-{i}", f"Team {tag}{i}", area=area, team_leader=leader
        )
        for j in range(3):
            agent = make_agent(
                program,
                f"{tag}{i}-{j}",
                f"Agent {tag}{i}-{j}",
                team=team,
                area=area,
                skills="a, b",
            )
            agent.channels.set(channels)


@pytest.mark.parametrize("name", READ_PAGES)
def test_lists_run_a_constant_number_of_queries(client, program, other_program, member, name):
    _grow(program, 1)
    _grow(other_program, 1)
    client.force_login(member(program, Role.QC_ANALYST))
    url = reverse(name, args=[program.code])
    channel = Channel.objects.filter(program=program).first()
    filtered = f"{url}?q=agent&active=yes&channel={channel.pk}"
    small = page_queries(client, url)
    small_filtered = page_queries(client, filtered)
    _grow(program, 12, tag="l")  # 39 agents: more than one page
    for agent in Agent.objects.filter(program=program):
        agent.channels.add(channel)  # from the agent's side: history tracks that side only
    assert_same_query_count(small, page_queries(client, url))
    assert_same_query_count(small_filtered, page_queries(client, filtered))


def test_agent_page_runs_a_constant_number_of_queries_whatever_its_history(
    client, program, people, member
):
    client.force_login(member(program, Role.MANAGER))
    agent = people["agent"]
    url = reverse("agent_edit", args=[program.code, agent.pk])
    small = page_queries(client, url)
    for i in range(8):
        agent.name = f"Ani {i}"
        agent.save()
        agent.channels.add(make_channel(program, f"c{i}", f"C{i}"))
    assert_same_query_count(small, page_queries(client, url))


def test_team_page_runs_a_constant_number_of_queries_whatever_its_history(
    client, program, people, member
):
    client.force_login(member(program, Role.MANAGER))
    team = people["team"]
    url = reverse("team_edit", args=[program.code, team.pk])
    small = page_queries(client, url)
    for i in range(6):
        team.team_leader = member(program, Role.TEAM_LEADER)
        team.name = f"Team {i}"
        team.save()
    assert_same_query_count(small, page_queries(client, url))


# --- Areas -------------------------------------------------------------------------


def test_area_create_and_edit(client, program, member):
    client.force_login(member(program, Role.QC_ANALYST))
    url = reverse("area_create", args=[program.code])
    response = client.post(url, {"code": "sby", "name": "Surabaya"})
    assert response.status_code == 302
    area = Area.objects.get(program=program, code="sby")
    edit = reverse("area_edit", args=[program.code, area.pk])
    client.post(edit, {"code": "sby", "name": "Surabaya Timur"})
    area.refresh_from_db()
    assert area.name == "Surabaya Timur"


def test_area_bad_input_is_shown_and_nothing_saved(client, program, member):
    make_area(program, "sby", "Surabaya")
    client.force_login(member(program, Role.MANAGER))
    url = reverse("area_create", args=[program.code])
    response = client.post(url, {"code": "SBY", "name": "Again"})
    assert response.status_code == 200
    assert "Another area of this program already has this code." in response.content.decode()
    response = client.post(url, {"code": "not a slug", "name": "Typed name"})
    assert response.status_code == 200
    assert 'value="Typed name"' in response.content.decode()
    assert Area.objects.filter(program=program).count() == 1


def test_area_list_counts_teams_and_active_agents(client, program, member):
    area = make_area(program)
    team = make_team(program, area=area)
    make_team(program, "team-b", "Team B", area=area)
    make_agent(program, "E1", "Active", team=team, area=area)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    make_agent(program, "E2", "Gone", team=team, area=area, active_to=yesterday)
    client.force_login(member(program, Role.VIEWER))
    response = client.get(reverse("area_list", args=[program.code]))
    (row,) = response.context["areas"]
    assert (row.team_count, row.agent_count) == (2, 1)


# --- Teams -------------------------------------------------------------------------


def test_team_leader_and_supervisor_come_from_program_members(
    client, program, other_program, member
):
    leader = member(program, Role.TEAM_LEADER, full_name="Tari Leader")
    supervisor = member(program, Role.SUPERVISOR, full_name="Sari Supervisor")
    viewer = member(program, Role.VIEWER, full_name="Vina Viewer")
    foreign_leader = member(other_program, Role.TEAM_LEADER, full_name="Luar Leader")
    client.force_login(member(program, Role.MANAGER))
    url = reverse("team_create", args=[program.code])
    form = client.get(url).context["form"]
    assert list(form.fields["team_leader"].queryset) == [leader]
    assert list(form.fields["supervisor"].queryset) == [supervisor]

    for wrong in (viewer, foreign_leader, supervisor):
        response = client.post(url, {"code": "t1", "name": "T1", "team_leader": wrong.pk})
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not Team.objects.exists()

    data = {"code": "t1", "name": "T1", "team_leader": leader.pk, "supervisor": supervisor.pk}
    assert client.post(url, data).status_code == 302
    team = Team.objects.get()
    assert (team.team_leader, team.supervisor, team.program) == (leader, supervisor, program)


def test_team_keeps_a_leader_who_left_the_role(client, program, member):
    leader = member(program, Role.TEAM_LEADER)
    team = make_team(program, team_leader=leader)
    leader.memberships.update(role=Role.VIEWER)
    client.force_login(member(program, Role.MANAGER))
    url = reverse("team_edit", args=[program.code, team.pk])
    response = client.post(url, {"code": team.code, "name": "Renamed", "team_leader": leader.pk})
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.team_leader) == ("Renamed", leader)


def test_team_duplicate_code_and_foreign_area_are_refused(client, program, other_program, member):
    make_team(program, "team-a")
    foreign_area = make_area(other_program)
    client.force_login(member(program, Role.MANAGER))
    url = reverse("team_create", args=[program.code])
    response = client.post(url, {"code": "team-a", "name": "Again"})
    assert "Another team of this program already has this code." in response.content.decode()
    response = client.post(url, {"code": "team-b", "name": "B", "area": foreign_area.pk})
    assert response.status_code == 200
    assert Team.objects.filter(program=program).count() == 1


def test_team_page_shows_its_history(client, program, member):
    manager = member(program, Role.MANAGER, full_name="Maya Manager")
    leader = member(program, Role.TEAM_LEADER, full_name="Tari Leader")
    client.force_login(manager)
    client.post(reverse("team_create", args=[program.code]), {"code": "t1", "name": "T1"})
    team = Team.objects.get()
    url = reverse("team_edit", args=[program.code, team.pk])
    client.post(url, {"code": "t1", "name": "T1", "team_leader": leader.pk})
    history = client.get(url).context["history"]
    assert [e.kind_label for e in history] == ["Changed", "Created"]
    assert history[0].who == "Maya Manager"
    assert history[0].changes == [("Team leader", "—", "Tari Leader")]


# --- Agents ------------------------------------------------------------------------


def test_agent_create_with_channels_and_history(client, program, member):
    area = make_area(program)
    team = make_team(program, area=area)
    inbound, chat = make_channel(program), make_channel(program, "chat", "Chat", "digital")
    analyst = member(program, Role.QC_ANALYST, full_name="Andi Analyst")
    client.force_login(analyst)
    data = {
        "employee_id": " E100 ",
        "name": "Budi",
        "team": team.pk,
        "skills": "gadai ,  emas,",
        "channels": [inbound.pk, chat.pk],
        "active_from": "2024-01-02",
    }
    response = client.post(reverse("agent_create", args=[program.code]), data)
    assert response.status_code == 302
    agent = Agent.objects.get(employee_id="E100")
    assert agent.skills == "gadai, emas"
    assert agent.area == area  # blank area: the team's
    assert set(agent.channels.all()) == {inbound, chat}

    url = reverse("agent_edit", args=[program.code, agent.pk])
    client.post(url, {**data, "employee_id": "E100", "name": "Budi S", "channels": [chat.pk]})
    body = client.get(url).content.decode()
    history = client.get(url).context["history"]
    assert history[0].who == "Andi Analyst"
    changed = {}  # the newest change of each field
    for entry in history:
        for label, before, after in entry.changes:
            changed.setdefault(label, (before, after))
    assert changed["Name"] == ("Budi", "Budi S")
    assert changed["Channels"] == ("Chat, Inbound", "Chat")
    assert "Andi Analyst" in body


def test_agent_bad_input_keeps_what_was_typed(client, program, other_program, member):
    team = make_team(program)
    make_agent(program, "E1", "Ani", team=team)
    make_channel(program)
    foreign_channel = make_channel(other_program)
    client.force_login(member(program, Role.MANAGER))
    url = reverse("agent_create", args=[program.code])
    data = {"employee_id": "E1", "name": "Typed Name", "team": team.pk}
    body = client.post(url, data).content.decode()
    assert "Another agent of this program already has this employee id." in body
    assert 'value="Typed Name"' in body
    data = {
        "employee_id": "E2",
        "name": "Dates",
        "team": team.pk,
        "active_from": "2024-05-01",
        "active_to": "2024-04-01",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    data = {"employee_id": "E3", "name": "C", "team": team.pk, "channels": [foreign_channel.pk]}
    assert "Select a valid choice" in client.post(url, data).content.decode()
    assert Agent.objects.filter(program=program).count() == 1


def test_deactivate_sets_the_last_working_day(client, program, people, member):
    client.force_login(member(program, Role.QC_ANALYST))
    agent = people["agent"]
    url = reverse("agent_deactivate", args=[program.code, agent.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.active_to == timezone.localdate(timezone=program.zone)
    assert Agent.objects.filter(pk=agent.pk).exists()
    assert agent.history.first().active_to == agent.active_to
    client.post(url)  # twice is harmless
    assert agent.history.count() == 2 + 1  # created, channel added, deactivated


def test_agent_list_search_and_filters(client, program, member):
    north, south = make_area(program, "n", "North"), make_area(program, "s", "South")
    team_a = make_team(program, "a", "Alpha", area=north)
    team_b = make_team(program, "b", "Beta", area=south)
    chat = make_channel(program, "chat", "Chat", "digital")
    today = timezone.localdate(timezone=program.zone)
    ani = make_agent(program, "E-001", "Ani Wijaya", team=team_a, area=north)
    ani.channels.add(chat)
    make_agent(program, "E-002", "Budi", team=team_b, area=south)
    make_agent(program, "X-9", "Citra", team=team_b, area=south, active_to=today)
    make_agent(program, "X-10", "Dewi", team=team_b, active_to=today - datetime.timedelta(days=1))
    make_agent(program, "X-11", "Eka", team=team_b, active_from=today + datetime.timedelta(1))
    client.force_login(member(program, Role.VIEWER))
    url = reverse("agent_list", args=[program.code])

    def names(query):
        response = client.get(url, query)
        assert response.status_code == 200
        return [a.name for a in response.context["page"].object_list]

    assert names({}) == ["Ani Wijaya", "Budi", "Citra", "Dewi", "Eka"]
    assert names({"q": "wijaya"}) == ["Ani Wijaya"]
    assert names({"q": "x-1"}) == ["Dewi", "Eka"]
    assert names({"team": team_a.pk}) == ["Ani Wijaya"]
    assert names({"area": south.pk}) == ["Budi", "Citra"]
    assert names({"channel": chat.pk}) == ["Ani Wijaya"]
    assert names({"active": "yes"}) == ["Ani Wijaya", "Budi", "Citra"]
    assert names({"active": "no"}) == ["Dewi", "Eka"]
    response = client.get(url, {"team": "999999"})
    assert "Select a valid choice" in response.content.decode()


def test_agent_list_is_paginated_and_keeps_the_filter(client, program, member):
    team = make_team(program)
    for i in range(30):
        make_agent(program, f"E{i:02d}", f"Agent {i:02d}", team=team)
    client.force_login(member(program, Role.SHOPPER))
    url = reverse("agent_list", args=[program.code])
    first = client.get(url, {"q": "agent"})
    assert len(first.context["page"].object_list) == 25
    assert "q=agent&amp;page=2" in first.content.decode()
    second = client.get(url, {"q": "agent", "page": 2})
    assert second.context["page"].object_list[0].employee_id == "E25"
    assert client.get(url, {"page": "nonsense"}).status_code == 200
