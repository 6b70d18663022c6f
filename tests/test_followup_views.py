"""Follow-up pages: defect inbox, F-28 list and log, nonconformity recap."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import Defect, DefectStatus, FollowUp
from mysteryshop.spreadsheets import safe_cell
from programs.models import Role
from tests.querycount import assert_same_query_count, page_queries
from tests.test_followup import _finalize

pytestmark = pytest.mark.django_db
READERS = {Role.MANAGER, Role.QC_ANALYST, Role.VIEWER, Role.SUPERVISOR, Role.TEAM_LEADER}


@pytest.fixture
def failed(pgd, member):
    """A finalized Pegadaian shop with two defects and a brief & debrief item."""
    shop, _analyst, agent = _finalize(pgd, member, fail=[5, 6])
    return shop, agent


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("name", ["defect_inbox", "follow_up_list"])
def test_pages_per_role(client, pgd, member, failed, role, name):
    client.force_login(member(pgd, role))
    expected = 200 if role in READERS else 403
    assert client.get(reverse(name, args=[pgd.code])).status_code == expected


def test_outsider_gets_404(client, pgd, outsider, failed):
    client.force_login(outsider)
    assert client.get(reverse("defect_inbox", args=[pgd.code])).status_code == 404


def test_a_team_leader_sees_only_their_agents_defects(client, pgd, member, failed):
    _shop, agent = failed
    client.force_login(member(pgd, Role.TEAM_LEADER))  # leads no team
    assert (
        "Salah info tarif"
        not in client.get(reverse("defect_inbox", args=[pgd.code])).content.decode()
    )
    client.force_login(agent.team.team_leader)
    body = client.get(reverse("defect_inbox", args=[pgd.code])).content.decode()
    assert body.count("Salah info tarif") == 2 and "Tarif 1,2 % per 15 hari" in body


def test_acknowledge_from_the_inbox(client, pgd, member, failed):
    shop, agent = failed
    defect = Defect.objects.filter(shop=shop).first()
    client.force_login(agent.team.team_leader)
    url = reverse("defect_acknowledge", args=[pgd.code, defect.pk])
    response = client.post(url, {"comment": "   "})
    assert response.status_code == 200  # the page again, the error under this defect's box
    html = response.content.decode()
    assert f'id="ack-{defect.pk}-error">Say what you did with the agent.</div>' in html
    assert html.count("Say what you did with the agent.") == 1
    too_long = "x" * 5000
    response = client.post(url, {"comment": too_long})
    html = response.content.decode()
    assert response.status_code == 200 and too_long in html  # the text typed is kept
    assert "at most 2000 characters" in html
    client.post(url, {"comment": "Coaching singkat saat briefing"})
    defect.refresh_from_db()
    assert defect.status == DefectStatus.ACKNOWLEDGED
    client.force_login(member(pgd, Role.TEAM_LEADER))  # someone else's defect
    other = Defect.objects.filter(shop=shop, status="open").first()
    assert (
        client.post(
            reverse("defect_acknowledge", args=[pgd.code, other.pk]), {"comment": "x"}
        ).status_code
        == 404
    )


def test_log_a_session_keeps_input_on_error(client, pgd, member, failed):
    shop, agent = failed
    item = FollowUp.objects.get(shop=shop)
    client.force_login(agent.team.team_leader)
    url = reverse("follow_up_log", args=[pgd.code, item.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "held_on": "2099-01-01",
            "session_type": "brief_debrief",
            "notes": "Dengar rekaman",
            "outcome": "Paham",
        },
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert "Dengar rekaman" in response.content.decode()
    response = client.post(
        url,
        {
            "held_on": timezone.localdate().isoformat(),
            "session_type": "brief_debrief",
            "outcome": "Paham",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"


def test_tlk_5_6_2_recap_of_nonconformities_and_f28_export_xlsx(client, pgd, member, failed):
    shop, agent = failed
    agent.name = '=HYPERLINK("http://evil")'
    agent.save()
    client.force_login(member(pgd, Role.QC_ANALYST))
    month = shop.planned_shop.date.strftime("%Y-%m")
    recap = client.get(reverse("nonconformity_recap", args=[pgd.code, month]))
    assert recap.status_code == 200 and "Tarif 1,2 % per 15 hari" in recap.content.decode()
    for url in [
        reverse("follow_up_list", args=[pgd.code]) + "?format=xlsx",
        reverse("nonconformity_recap", args=[pgd.code, month]) + "?format=xlsx",
    ]:
        response = client.get(url)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [c.value for row in sheet.iter_rows() for c in row]
        assert '\'=HYPERLINK("http://evil")' in values
        assert not any(isinstance(v, str) and v.startswith("=") for v in values)
        assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x"])
def test_formula_like_text_is_escaped(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell(-1) == -1  # numbers stay numbers


def test_followup_pages_have_constant_query_counts(client, pgd, member):
    shop, _analyst, agent = _finalize(pgd, member, fail=[5])
    client.force_login(member(pgd, Role.MANAGER))
    month = shop.planned_shop.date.strftime("%Y-%m")
    urls = [
        reverse("defect_inbox", args=[pgd.code]) + "?status=all",
        reverse("follow_up_list", args=[pgd.code]),
        reverse("nonconformity_recap", args=[pgd.code, month]),
    ]
    small = [page_queries(client, u) for u in urls]
    from scoring.models import Answer

    params = list(Answer.objects.filter(shop=shop).exclude(value="not_met")[:6])
    for answer in params:
        Defect.objects.create(
            program=pgd,
            shop=shop,
            parameter=answer.parameter,
            agent=agent,
            team=agent.team,
            team_leader=agent.team.team_leader,
            nonconformity="x",
            correct_solution="y",
            due_on=timezone.localdate(),
        )
    for before, url in zip(small, urls, strict=True):
        assert_same_query_count(before, page_queries(client, url))


def test_the_f28_list_opens_on_what_is_to_do_most_urgent_first(client, pgd, member):
    """#18: it opened on "all", oldest first."""
    from datetime import timedelta

    shop, _analyst, agent = _finalize(pgd, member, fail=[5])
    first = FollowUp.objects.filter(shop=shop).first()
    assert first is not None  # the preset's rule made one
    today = timezone.localdate()

    def rule(name):
        rule = first.rule
        rule.pk, rule.name = None, name
        rule.save()
        return rule

    later = FollowUp.objects.create(
        program=pgd,
        shop=shop,
        agent=agent,
        team_leader=first.team_leader,
        rule=rule("Coaching ulang"),
        kind=first.kind,
        due_on=today + timedelta(days=9),
    )
    done = FollowUp.objects.create(
        program=pgd,
        shop=shop,
        agent=agent,
        team_leader=first.team_leader,
        rule=rule("Brief lagi"),
        kind=first.kind,
        due_on=today + timedelta(days=30),
        status="done",
    )
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("follow_up_list", args=[pgd.code])
    default = client.get(url)
    rows = [i.pk for i in default.context["page"].object_list]
    assert rows == [first.pk, later.pk] and default.context["status"] == "open"
    everything = client.get(url + "?status=all").context["page"].object_list
    assert [i.pk for i in everything] == [done.pk, later.pk, first.pk]


def test_a_defect_says_when_the_contact_happened(client, pgd, member):
    """#18: the inbox showed the planned day, not the contact's time."""
    shop, _analyst, agent = _finalize(pgd, member, fail=[5])
    client.force_login(agent.team.team_leader)
    body = client.get(reverse("defect_inbox", args=[pgd.code])).content.decode()
    when = timezone.localtime(shop.executed_at, pgd.zone).strftime("%Y-%m-%d %H:%M")
    assert f"contact on {when}" in body
