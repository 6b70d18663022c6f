"""Pages of high-impact customer cases (PGD-4.8) and of the supervisor's
pass-on step (TLK-5.6.2): who opens what, the form with bad input, the
calibration that closes a case, constant query counts at two data sizes."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import CaseSource, CaseStatus, CustomerCase, Defect, DefectStatus
from followup.services import calibration as calibration_services
from followup.services import cases as services
from programs.models import Agent, Role, Team
from tests.factories import MembershipFactory
from tests.querycount import assert_same_query_count, page_queries
from tests.test_cases import finalized

pytestmark = pytest.mark.django_db
READERS = {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.TEAM_LEADER, Role.VIEWER}
LOGGERS = {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.TEAM_LEADER}
PASS_ON_READERS = {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR}


@pytest.fixture
def analyst(pgd, member):
    return member(pgd, Role.QC_ANALYST, full_name="Andi Analyst")


@pytest.fixture
def agent(pgd):
    team = Team.objects.create(program=pgd, code="t9", name="Tim Gadai")
    return Agent.objects.create(program=pgd, employee_id="A9", name="Budi", team=team)


def make_cases(pgd, analyst, agent, n: int, *, days_ago: int = 1) -> list[CustomerCase]:
    now = timezone.now()
    return [
        services.case_log(
            program=pgd,
            user=analyst,
            roles=frozenset({Role.QC_ANALYST}),
            occurred_at=now - timedelta(days=days_ago, hours=i),
            source=list(CaseSource.values)[i % len(CaseSource.values)],
            description=f"Kasus {i}: komplain dieskalasi ke manajemen.",
            agent=agent,
            now=now - timedelta(days=days_ago - 1),
        )
        for i in range(n)
    ]


@pytest.fixture
def case(pgd, analyst, agent):
    return make_cases(pgd, analyst, agent, 1)[0]


def _urls(pgd, case):
    return {
        "case_list": (reverse("case_list", args=[pgd.code]), READERS),
        "case_new": (reverse("case_new", args=[pgd.code]), LOGGERS),
        "case_detail": (reverse("case_detail", args=[pgd.code, case.pk]), READERS),
        "defect_pass_on_inbox": (
            reverse("defect_pass_on_inbox", args=[pgd.code]),
            PASS_ON_READERS,
        ),
    }


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("name", ["case_list", "case_new", "case_detail", "defect_pass_on_inbox"])
def test_pages_per_role(client, pgd, member, case, role, name):
    url, allowed = _urls(pgd, case)[name]
    client.force_login(member(pgd, role))
    assert client.get(url).status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("name", ["case_list", "case_new", "case_detail", "defect_pass_on_inbox"])
def test_it_checks_membership(client, pgd, outsider, case, name):
    client.force_login(outsider)
    assert client.get(_urls(pgd, case)[name][0]).status_code == 404


def test_a_case_of_another_program_is_not_found(client, pgd, tlk, member, case):
    client.force_login(member(tlk, Role.MANAGER))
    assert client.get(reverse("case_detail", args=[tlk.code, case.pk])).status_code == 404


def test_the_menu_has_the_cases(client, pgd, member, case):
    client.force_login(member(pgd, Role.TEAM_LEADER))
    body = client.get(reverse("case_list", args=[pgd.code])).content.decode()
    assert "High-impact cases" in body and "Log a case" in body
    client.force_login(member(pgd, Role.VIEWER))
    body = client.get(reverse("case_list", args=[pgd.code])).content.decode()
    assert "High-impact cases" in body and 'id="log-case"' not in body


def test_the_form_shows_errors_next_to_fields_and_keeps_the_input(client, pgd, member, agent):
    client.force_login(member(pgd, Role.SUPERVISOR))
    url = reverse("case_new", args=[pgd.code])
    future = (timezone.localtime(timezone.now(), pgd.zone) + timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = client.post(
        url,
        {
            "occurred_at": future,
            "source": CaseSource.REGULATOR,
            "description": "Surat OJK tentang keluhan nasabah",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose the agent or the team the case is about." in body
    assert 'id="error_1_id_agent"' in body or "is-invalid" in body
    assert "Surat OJK tentang keluhan nasabah" in body  # nothing lost
    response = client.post(
        url,
        {
            "occurred_at": future,
            "source": CaseSource.REGULATOR,
            "description": "Surat OJK tentang keluhan nasabah",
            "agent": agent.pk,
        },
    )
    body = response.content.decode()
    assert "The case cannot have happened in the future." in body
    assert not CustomerCase.objects.exists()
    past = (timezone.localtime(timezone.now(), pgd.zone) - timedelta(hours=3)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = client.post(
        url,
        {
            "occurred_at": past,
            "source": CaseSource.REGULATOR,
            "description": "Surat OJK tentang keluhan nasabah",
            "agent": agent.pk,
        },
    )
    case = CustomerCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[pgd.code, case.pk])
    assert case.team == agent.team and case.source == "regulator"
    # The typed time is the program's (Asia/Jakarta), whatever the server's zone.
    assert timezone.localtime(case.occurred_at, pgd.zone).strftime("%Y-%m-%dT%H:%M") == past
    body = client.get(response["Location"]).content.decode()
    assert "Regulator or ombudsman" in body and case.calibration_due_on.isoformat() in body


def test_a_high_impact_shop_offers_a_prefilled_case(client, pgd, member):
    shop, agent = finalized(pgd, member)
    shop.high_impact = True
    shop.save()  # makes its "calibration needed" item
    manager = member(pgd, Role.MANAGER)
    client.force_login(manager)
    listing = client.get(reverse("calibration_list", args=[pgd.code])).content.decode()
    link = f"{reverse('case_new', args=[pgd.code])}?shop={shop.pk}"
    assert link in listing
    form = client.get(link).content.decode()
    assert f'<option value="{shop.pk}" selected>' in form
    assert f'<option value="{agent.pk}" selected>' in form


def test_the_list_puts_open_cases_first_flags_overdue_and_filters(
    client, pgd, analyst, agent, member
):
    late, fresh = make_cases(pgd, analyst, agent, 2)
    CustomerCase.objects.filter(pk=late.pk).update(
        calibration_due_on=timezone.localdate() - timedelta(days=1)
    )
    closed = make_cases(pgd, analyst, agent, 1)[0]
    CustomerCase.objects.filter(pk=closed.pk).update(
        status=CaseStatus.CLOSED, closed_at=timezone.now()
    )
    client.force_login(member(pgd, Role.VIEWER))
    url = reverse("case_list", args=[pgd.code])
    body = client.get(url).content.decode()
    rows = [body.index(f'id="case-{c.pk}"') for c in (late, fresh, closed)]
    assert rows == sorted(rows)
    assert body.count(">overdue<") == 1
    only_closed = client.get(url, {"status": "closed"}).content.decode()
    assert f'id="case-{closed.pk}"' in only_closed and f'id="case-{late.pk}"' not in only_closed


def test_the_calibration_page_picks_the_case_and_holding_it_closes_the_case(
    client, pgd, analyst, case
):
    client.force_login(analyst)
    new = reverse("calibration_new", args=[pgd.code])
    form = client.get(new, {"case": case.pk}).content.decode()
    assert re.search(rf'name="customer_cases" value="{case.pk}"[^>]*checked', form)
    response = client.post(
        new,
        {
            "held_on": timezone.localdate().isoformat(),
            "title": "Kasus viral",
            "kind": "high_impact",
            "customer_cases": [case.pk],
            "invitees": [analyst.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    session = case.sessions.get()
    calibration_services.minutes_save(
        session=session, user=analyst, agenda="", discussion="Dibahas", decisions="Refresh"
    )
    calibration_services.attendance_confirm(session=session, user=analyst)
    client.post(reverse("calibration_held", args=[pgd.code, session.pk]))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    detail = client.get(reverse("case_detail", args=[pgd.code, case.pk])).content.decode()
    assert reverse("calibration_detail", args=[pgd.code, session.pk]) in detail
    assert "Refresh" in detail  # the session's decisions
    page = client.get(reverse("calibration_detail", args=[pgd.code, session.pk])).content
    assert reverse("case_detail", args=[pgd.code, case.pk]) in page.decode()


# --- Constant query counts ---------------------------------------------------------------


def test_case_pages_run_a_constant_number_of_queries(client, pgd, analyst, agent, member):
    first = make_cases(pgd, analyst, agent, 1)[0]
    calibration_services.session_create(
        program=pgd,
        user=analyst,
        held_on=timezone.localdate(),
        title="Sesi bulanan",
        kind="monthly",
        invitees=[analyst],
    )
    client.force_login(member(pgd, Role.MANAGER))
    urls = [
        reverse("case_list", args=[pgd.code]),
        reverse("case_list", args=[pgd.code]) + "?status=open",
        reverse("case_detail", args=[pgd.code, first.pk]),
        reverse("calibration_list", args=[pgd.code]),
        reverse("case_new", args=[pgd.code]),
        reverse("calibration_new", args=[pgd.code]),
    ]
    small = [page_queries(client, url) for url in urls]
    other_team = Team.objects.create(program=pgd, code="t8", name="Tim Emas")
    other = Agent.objects.create(program=pgd, employee_id="A8", name="Citra", team=other_team)
    make_cases(pgd, analyst, other, 12)
    for session_no in range(3):  # sessions about the first case
        calibration_services.session_create(
            program=pgd,
            user=analyst,
            held_on=timezone.localdate(),
            title=f"Sesi {session_no}",
            kind="high_impact",
            invitees=[analyst],
            customer_cases=[first],
        )
    services_case = CustomerCase.objects.get(pk=first.pk)
    services_case.description += " (diperbarui)"
    services_case.save()  # one more history record
    large = [page_queries(client, url) for url in urls]
    for s, lg in zip(small, large, strict=True):
        assert_same_query_count(s, lg)


# --- TLK-5.6.2 pages ----------------------------------------------------------------------


@pytest.fixture
def via_supervisor(pgd, member):
    pgd.defect_notes_via_supervisor = True
    pgd.save()
    supervisor = member(pgd, Role.SUPERVISOR, full_name="Sinta Supervisor")
    leader = member(pgd, Role.TEAM_LEADER, full_name="Tari TL")
    shop, _agent = finalized(pgd, member, supervisor=supervisor, team_leader=leader)
    return shop, supervisor, leader


def test_the_supervisor_passes_notes_on_from_the_inbox(client, pgd, member, via_supervisor):
    shop, supervisor, leader = via_supervisor
    client.force_login(leader)
    inbox = reverse("defect_inbox", args=[pgd.code])
    assert "Salah info tarif" not in client.get(inbox, {"status": "all"}).content.decode()
    client.force_login(supervisor)
    assert "2 notes to pass on" in client.get(inbox).content.decode()
    url = reverse("defect_pass_on_inbox", args=[pgd.code])
    body = client.get(url).content.decode()
    assert body.count("Pass on to the team leader") == 2 and "Tarif 1,2 % per 15 hari" in body
    defect = Defect.objects.filter(shop=shop).first()
    too_long = "x" * 2500
    response = client.post(
        reverse("defect_pass_on", args=[pgd.code, defect.pk]), {"note": too_long}
    )
    html = response.content.decode()
    assert response.status_code == 200 and too_long in html
    assert f'id="note-{defect.pk}-error"' in html
    response = client.post(
        reverse("defect_pass_on", args=[pgd.code, defect.pk]), {"note": "Bahas saat briefing"}
    )
    assert response.status_code == 302
    defect.refresh_from_db()
    assert defect.status == DefectStatus.OPEN and defect.passed_on_by == supervisor
    client.force_login(leader)
    body = client.get(inbox).content.decode()
    assert body.count("Salah info tarif") == 1 and "Bahas saat briefing" in body


@pytest.mark.parametrize("role", [Role.TEAM_LEADER, Role.QC_ANALYST, Role.MANAGER])
def test_only_supervisors_pass_notes_on(client, pgd, member, via_supervisor, role):
    shop, _supervisor, _leader = via_supervisor
    defect = Defect.objects.filter(shop=shop).first()
    client.force_login(member(pgd, role))
    response = client.post(reverse("defect_pass_on", args=[pgd.code, defect.pk]), {"note": ""})
    assert response.status_code == 403
    defect.refresh_from_db()
    assert defect.status == DefectStatus.WITH_SUPERVISOR


def test_another_supervisor_cannot_reach_the_defect(client, pgd, member, via_supervisor):
    shop, _supervisor, _leader = via_supervisor
    defect = Defect.objects.filter(shop=shop).first()
    client.force_login(member(pgd, Role.SUPERVISOR))
    response = client.post(reverse("defect_pass_on", args=[pgd.code, defect.pk]), {"note": ""})
    assert response.status_code == 404


def test_the_pass_on_inbox_flags_late_notes_and_runs_constant_queries(
    client, pgd, member, via_supervisor
):
    shop, supervisor, _leader = via_supervisor
    client.force_login(supervisor)
    url = reverse("defect_pass_on_inbox", args=[pgd.code])
    small = page_queries(client, url)
    Defect.objects.filter(shop=shop).update(
        supervisor_due_on=timezone.localdate() - timedelta(days=1)
    )
    body = client.get(url).content.decode()
    assert body.count(">overdue<") == 2
    # More defects of more shops, with the same supervisor.
    for d in list(Defect.objects.filter(shop=shop)):
        for parameter in d.shop.scorecard.sections.first().parameters.exclude(pk=d.parameter_id)[
            :3
        ]:
            d.pk = None
            d.parameter = parameter
            if not Defect.objects.filter(shop=shop, parameter=parameter).exists():
                d.save()
    large = page_queries(client, url)
    assert Defect.objects.filter(status=DefectStatus.WITH_SUPERVISOR).count() > 2
    assert_same_query_count(small, large)


def test_the_session_page_adds_open_cases_to_a_planned_session(client, pgd, analyst, agent):
    first, second = make_cases(pgd, analyst, agent, 2)
    session = calibration_services.session_create(
        program=pgd,
        user=analyst,
        held_on=timezone.localdate(),
        title="Kalibrasi bulanan",
        kind="monthly",
        invitees=[analyst],
    )
    client.force_login(analyst)
    url = reverse("calibration_detail", args=[pgd.code, session.pk])
    body = client.get(url).content.decode()
    assert 'id="customer-cases-form"' in body
    response = client.post(url, {"form": "customer_cases"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = client.post(url, {"form": "customer_cases", "cases-customer_cases": [second.pk]})
    assert response.status_code == 302 and response["Location"].endswith("#customer-cases")
    assert list(session.customer_cases.all()) == [second]
    body = client.get(url).content.decode()
    assert reverse("case_detail", args=[pgd.code, second.pk]) in body
    # A viewer reads the cases but gets no form.
    reader = MembershipFactory(program=pgd, role=Role.VIEWER).user
    client.force_login(reader)
    body = client.get(url).content.decode()
    assert reverse("case_detail", args=[pgd.code, second.pk]) in body
    assert 'id="customer-cases-form"' not in body
    assert first.pk  # still open, not in the session


def test_a_case_of_a_flagged_shop_takes_the_shops_place_and_its_session_resolves_both(
    client, pgd, member, analyst
):
    shop, agent = finalized(pgd, member)
    shop.high_impact = True
    shop.save()
    case = services.case_log(
        program=pgd,
        user=analyst,
        roles=frozenset({Role.QC_ANALYST}),
        occurred_at=timezone.now() - timedelta(hours=2),
        source=CaseSource.ESCALATED_COMPLAINT,
        description="Komplain nasabah dieskalasi ke kepala cabang.",
        agent=agent,
        shop=shop,
    )
    client.force_login(analyst)
    listing = client.get(reverse("calibration_list", args=[pgd.code])).content.decode()
    assert f'id="waiting-case-{case.pk}"' in listing
    assert 'id="calibration-needed"' not in listing  # the case stands for the shop
    session = calibration_services.session_create(
        program=pgd,
        user=analyst,
        held_on=timezone.localdate(),
        title="Kasus eskalasi",
        kind="high_impact",
        invitees=[analyst],
        customer_cases=[case],
    )
    calibration_services.minutes_save(
        session=session, user=analyst, agenda="", discussion="Dibahas", decisions="Coaching"
    )
    calibration_services.attendance_confirm(session=session, user=analyst)
    calibration_services.session_mark_held(session=session, user=analyst)
    assert shop.calibration_items.get().resolved_by_session == session
    listing = client.get(reverse("calibration_list", args=[pgd.code])).content.decode()
    assert "waiting-case-" not in listing and 'id="calibration-needed"' not in listing
