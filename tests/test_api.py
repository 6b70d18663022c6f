"""The REST API (/api/v1/): every endpoint × every caller (the six roles, an
outsider, an anonymous caller, read and read-write tokens, a revoked token and
a token of another program), problem details, the no-tip-off rule, constant
query counts and the committed OpenAPI document.

The world (the Pegadaian preset with one of everything an endpoint lists) is
built once per module in a transaction rolled back at the end; each test runs
in a savepoint within it."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.management.commands.api_schema import SCHEMA_FILE, schema_text
from api.models import TokenScope
from api.services import token_create, token_revoke
from followup.models import Defect
from programs.models import Agent, Area, Parameter, Role, Scorecard, ScorecardStatus, Team
from programs.services.setup import preset_load
from reporting.models import MonthlyReport, ReportStatus
from sampling.models import ContactImport, ImportStatus
from sampling.services import plan_approve, plan_generate
from scoring.models import Shop, ShopState
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.querycount import assert_same_query_count, page_queries
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
MANAGER, QC_ANALYST, SHOPPER = Role.MANAGER.value, Role.QC_ANALYST.value, Role.SHOPPER.value
SUPERVISOR, TEAM_LEADER, VIEWER = (
    Role.SUPERVISOR.value,
    Role.TEAM_LEADER.value,
    Role.VIEWER.value,
)
ROLES = (MANAGER, QC_ANALYST, SUPERVISOR, TEAM_LEADER, SHOPPER, VIEWER)
OUTSIDER, ANONYMOUS = "outsider", "anonymous"
TOKEN_READ, TOKEN_RW, TOKEN_REVOKED, TOKEN_OTHER = (
    "token_read",
    "token_read_write",
    "token_revoked",
    "token_other_program",
)
CALLERS = (*ROLES, OUTSIDER, ANONYMOUS, TOKEN_READ, TOKEN_RW, TOKEN_REVOKED, TOKEN_OTHER)


def expect(allowed: frozenset[str], ok: int = 200, *, tokens: int | None = None) -> dict:
    """`ok` for the allowed roles and both tokens, 403 for other members, 404 for
    an outsider and another program's token, 401 without valid credentials."""
    return {
        **{role: ok if role in allowed else 403 for role in ROLES},
        OUTSIDER: 404,
        ANONYMOUS: 401,
        TOKEN_READ: ok if tokens is None else tokens,
        TOKEN_RW: ok,
        TOKEN_REVOKED: 401,
        TOKEN_OTHER: 404,
    }


DATA = frozenset({MANAGER, QC_ANALYST})
SCHEDULE = frozenset({MANAGER, QC_ANALYST, SUPERVISOR})
EVERYONE = frozenset(ROLES)
NOT_SHOPPER = EVERYONE - {SHOPPER}

# (name, url args after the code, expected statuses), read by hand from the pages' gates.
GETS = {
    "import_list": (lambda w: [], expect(DATA)),
    "import_detail": (lambda w: [w.contact_import.pk], expect(DATA)),
    "plan_list": (lambda w: [], expect(SCHEDULE)),
    "planned_shop_list": (lambda w: ["2026-12"], expect(SCHEDULE)),
    "shop_list": (lambda w: [], expect(EVERYONE)),
    "defect_list": (lambda w: [], expect(NOT_SHOPPER)),
    "figures": (lambda w: ["2026-11"], expect(NOT_SHOPPER)),
    "report_file": (lambda w: ["2026-11", "xlsx"], expect(NOT_SHOPPER)),
}


def _build_world() -> SimpleNamespace:
    program = preset_load(key="pegadaian", organization=OrganizationFactory())
    users = {role: UserFactory(email=f"api-{role}@example.com") for role in ROLES}
    for role, user in users.items():
        MembershipFactory(user=user, program=program, role=role)
    users[OUTSIDER] = UserFactory(email="api-outsider@example.com")
    area = Area.objects.create(program=program, code="jkt", name="Jakarta")
    team = Team.objects.create(
        program=program,
        code="team-a",
        name="Team A",
        area=area,
        team_leader=users[TEAM_LEADER],
        supervisor=users[SUPERVISOR],
    )
    agent = Agent.objects.create(
        program=program, employee_id="E001", name="Ani", team=team, area=area
    )
    contact_import = contact_month(program, NOV)
    plan = plan_generate(program=program, month=DEC, user=None, seed=1)
    plan_approve(plan=plan, user=None)
    scorecard = (
        Scorecard.objects.filter(program=program, status=ScorecardStatus.PUBLISHED)
        .order_by("pk")
        .first()
    )
    world = SimpleNamespace(
        program=program,
        users=users,
        agent=agent,
        team=team,
        plan=plan,
        scorecard=scorecard,
        contact_import=contact_import,
        planned=list(plan.shops.order_by("pk")),
    )
    world.final = finalized_shop(world, 0)
    world.defect = defect_of(world, world.final)
    report = MonthlyReport.objects.create(
        program=program,
        month=NOV,
        revision=0,
        status=ReportStatus.SUBMITTED,
        due_at=timezone.now() - timedelta(days=20),
        submitted_at=timezone.now() - timedelta(days=25),
    )
    report.xlsx_file.save("report.xlsx", ContentFile(b"PK\x03\x04 xlsx"), save=True)
    world.report = report
    manager = users[MANAGER]
    world.tokens = {}
    for name, scope in ((TOKEN_READ, TokenScope.READ), (TOKEN_RW, TokenScope.READ_WRITE)):
        world.tokens[name] = token_create(program=program, name=name, scope=scope, user=manager)
    revoked, secret = token_create(
        program=program, name="old", scope=TokenScope.READ_WRITE, user=manager
    )
    token_revoke(token=revoked, user=manager)
    world.tokens[TOKEN_REVOKED] = (revoked, secret)
    other = preset_load(key="pegadaian", organization=program.organization, code="PG2")
    world.other = other
    world.tokens[TOKEN_OTHER] = token_create(
        program=other, name="other", scope=TokenScope.READ_WRITE, user=UserFactory()
    )
    return world


def finalized_shop(world, index: int) -> Shop:
    return Shop.objects.create(
        planned_shop=world.planned[index],
        program=world.program,
        scorecard=world.scorecard,
        shopper=UserFactory(),
        agent=world.agent,
        state=ShopState.FINALIZED,
        finalized_at=timezone.now(),
        score="80.00",
        section_scores={"solusi": "100.00", "proses": "50.00"},
        critical_failures=[{"type": "BACE", "parameter": None, "scope": "shop"}],
    )


def defect_of(world, shop: Shop) -> Defect:
    return Defect.objects.create(
        program=world.program,
        shop=shop,
        parameter=Parameter.objects.filter(section__scorecard=world.scorecard).first(),
        agent=world.agent,
        team=world.team,
        team_leader=world.users[TEAM_LEADER],
        nonconformity="Tarif salah",
        correct_solution="Tarif yang berlaku",
        due_on=DEC,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("api-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        world = _build_world()
        connection.check_constraints()
        yield world
        transaction.set_rollback(True)


def call(client, world, caller: str, method: str, url: str, **kwargs):
    """The request as `caller`: signed in, with a token, or with nothing."""
    headers = {}
    if caller in world.tokens:
        headers["Authorization"] = f"Bearer {world.tokens[caller][1]}"
    elif caller != ANONYMOUS:
        client.force_login(world.users[caller])
    return getattr(client, method)(url, headers=headers, **kwargs)


def api_url(world, name: str, *args) -> str:
    return reverse(f"api:{name}", args=[world.program.code, *args])


# --- Every endpoint × every caller ------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("name", sorted(GETS))
def test_get_access(client, world, name, caller):
    args, expected = GETS[name]
    response = call(client, world, caller, "get", api_url(world, name, *args(world)))
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code == expected[caller], (name, caller, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == response.status_code
        assert body["type"] and body["title"]


# An empty multipart push: the form's errors (422) for those who may push, 403
# for a read token and the members who may not; nothing is imported.
PUSH = expect(DATA, 422, tokens=403)


@pytest.mark.parametrize("caller", CALLERS)
def test_push_access(client, world, caller):
    before = ContactImport.objects.count()
    response = call(client, world, caller, "post", api_url(world, "import_list"), data={})
    assert response.status_code == PUSH[caller], (caller, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    assert ContactImport.objects.count() == before
    if response.status_code == 422:
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"month", "file"}


def test_unauthenticated_says_how(client, world):
    response = client.get(api_url(world, "import_list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json()["detail"]


def test_a_wrong_secret_is_401(client, world):
    response = client.get(
        api_url(world, "import_list"), headers={"Authorization": "Bearer mst_not-a-token"}
    )
    assert response.status_code == 401


def test_another_programs_import_is_404(client, world):
    other_import = contact_month(world.other, NOV)
    response = call(
        client, world, TOKEN_READ, "get", api_url(world, "import_detail", other_import.pk)
    )
    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404}


def test_a_read_token_is_told_why_it_may_not_push(client, world):
    response = call(client, world, TOKEN_READ, "post", api_url(world, "import_list"), data={})
    assert response.status_code == 403
    assert "read-write token" in response.json()["detail"]


# --- What the endpoints return ------------------------------------------------------


def test_import_list_and_month_filter(client, world):
    url = api_url(world, "import_list")
    body = call(client, world, TOKEN_READ, "get", url, data={"month": "2026-11"}).json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == world.contact_import.pk
    assert item["month"] == "2026-11"
    assert item["status"] == ImportStatus.SUCCEEDED
    assert item["plan_month"] == "2026-12"
    assert item["problem"] is None
    assert item["page_url"] == reverse(
        "contact_import_detail", args=[world.program.code, world.contact_import.pk]
    )
    assert call(client, world, TOKEN_READ, "get", url, data={"month": "2026-10"}).json() == {
        "items": [],
        "count": 0,
    }


def test_a_bad_month_is_a_field_problem(client, world):
    response = call(
        client, world, TOKEN_READ, "get", api_url(world, "shop_list"), data={"month": "11-2026"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:mysteryshop:problem:invalid-request"
    assert body["errors"] == [
        {"field": "month", "message": "“11-2026” is not a month: write YYYY-MM."}
    ]


def test_a_bad_page_size_is_a_field_problem(client, world):
    response = call(
        client, world, TOKEN_READ, "get", api_url(world, "shop_list"), data={"limit": "0"}
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "limit"


def test_plans_and_planned_shops(client, world):
    body = call(client, world, TOKEN_READ, "get", api_url(world, "plan_list")).json()
    (plan,) = body["items"]
    assert plan["month"] == "2026-12"
    assert plan["status"] == "approved"
    assert plan["sample_size"] == world.plan.sample_size
    assert plan["shops_url"] == api_url(world, "planned_shop_list", "2026-12")
    shops = call(client, world, TOKEN_READ, "get", plan["shops_url"], data={"limit": 500}).json()
    assert shops["count"] == world.plan.shops.count()
    first = shops["items"][0]
    assert {"number", "date", "slot", "time_band", "reason", "scenario", "status"} <= set(first)


def test_a_month_without_a_plan_is_404(client, world):
    url = api_url(world, "planned_shop_list", "2026-10")
    assert call(client, world, TOKEN_READ, "get", url).status_code == 404


def test_finalized_shops_with_section_scores(client, world):
    body = call(client, world, TOKEN_READ, "get", api_url(world, "shop_list")).json()
    (shop,) = body["items"]
    assert shop["id"] == world.final.pk
    assert shop["month"] == "2026-12"
    assert shop["score"] == "80.00"
    assert shop["sections"] == {"solusi": "100.00", "proses": "50.00"}
    assert shop["below_target"] is True
    assert shop["critical_errors"] == ["BACE"]
    assert shop["agent"] == "Ani" and shop["team"] == "Team A"


def test_drafts_are_not_listed_as_shops(client, world):
    Shop.objects.create(
        planned_shop=world.planned[1],
        program=world.program,
        scorecard=world.scorecard,
        shopper=world.users[SHOPPER],
        state=ShopState.DRAFT,
    )
    body = call(client, world, MANAGER, "get", api_url(world, "shop_list")).json()
    assert [s["id"] for s in body["items"]] == [world.final.pk]


@pytest.mark.parametrize(
    ("caller", "sees"),
    [(MANAGER, True), (VIEWER, True), (TEAM_LEADER, True), (SHOPPER, False)],
)
def test_shops_follow_who_sees_which_shop(client, world, caller, sees):
    """As on the shop list: the team leader sees their agents' shops; a shopper
    only their own (the final shop is another shopper's)."""
    body = call(client, world, caller, "get", api_url(world, "shop_list")).json()
    assert (body["count"] == 1) is sees


def test_defects_with_acknowledgement(client, world):
    url = api_url(world, "defect_list")
    body = call(client, world, TOKEN_READ, "get", url).json()
    (defect,) = body["items"]
    assert defect["id"] == world.defect.pk
    assert defect["status"] == "open"
    assert defect["acknowledged_at"] is None
    assert defect["shop_id"] == world.final.pk
    assert defect["month"] == "2026-12"
    assert (
        call(client, world, TOKEN_READ, "get", url, data={"status": "acknowledged"}).json()[
            "count"
        ]
        == 0
    )
    response = call(client, world, TOKEN_READ, "get", url, data={"status": "done"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_defects_of_the_supervisors_teams_only(client, world):
    other_team = Team.objects.create(program=world.program, code="team-b", name="Team B")
    Defect.objects.create(
        program=world.program,
        shop=finalized_shop(world, 1),
        parameter=world.defect.parameter,
        agent=world.agent,
        team=other_team,
        nonconformity="x",
        correct_solution="y",
        due_on=DEC,
    )
    url = api_url(world, "defect_list")
    assert call(client, world, SUPERVISOR, "get", url).json()["count"] == 1
    assert call(client, world, MANAGER, "get", url).json()["count"] == 2


def test_figures_and_report_links(client, world):
    body = call(client, world, TOKEN_READ, "get", api_url(world, "figures", "2026-11")).json()
    assert body["month"] == "2026-11"
    assert Decimal(body["target"]) == world.program.target_score
    assert body["overall"]["n"] == 0
    assert body["report"]["status"] == "submitted"
    xlsx = body["report"]["xlsx_url"]
    assert xlsx == api_url(world, "report_file", "2026-11", "xlsx")
    assert body["report"]["pdf_url"] is None  # no PDF stored
    response = call(client, world, TOKEN_READ, "get", xlsx)
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"PK\x03\x04 xlsx"
    pdf = api_url(world, "report_file", "2026-11", "pdf")
    assert call(client, world, TOKEN_READ, "get", pdf).status_code == 404


def test_a_draft_report_has_no_file(client, world):
    MonthlyReport.objects.filter(pk=world.report.pk).update(status=ReportStatus.DRAFT)
    url = api_url(world, "report_file", "2026-11", "xlsx")
    assert call(client, world, MANAGER, "get", url).status_code == 404
    body = call(client, world, MANAGER, "get", api_url(world, "figures", "2026-11")).json()
    assert body["report"]["xlsx_url"] is None


# --- No tip-off (programs.access.schedule_hidden) ----------------------------------


def _running_month(world) -> str:
    from reporting.selectors.dashboards import today_in

    return f"{today_in(world.program):%Y-%m}"


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        (MANAGER, 200),
        (QC_ANALYST, 200),
        (SUPERVISOR, 200),
        (TOKEN_READ, 200),
        (TEAM_LEADER, 403),
        (VIEWER, 403),
    ],
)
def test_a_running_months_figures_stay_with_the_planners(client, world, caller, status):
    response = call(client, world, caller, "get", api_url(world, "figures", _running_month(world)))
    assert response.status_code == status
    if status == 403:
        assert response.json()["type"] == "urn:mysteryshop:problem:schedule-hidden"


@pytest.mark.parametrize("caller", [TEAM_LEADER, VIEWER])
def test_the_agents_side_never_reads_planned_shops(client, world, caller):
    for month in ("2026-12", _running_month(world)):
        url = api_url(world, "planned_shop_list", month)
        assert call(client, world, caller, "get", url).status_code == 403


# --- Tokens in use -------------------------------------------------------------------


def test_token_use_is_recorded_once_a_minute(client, world):
    token, secret = world.tokens[TOKEN_READ]
    type(token).objects.filter(pk=token.pk).update(last_used_at=None)
    url = api_url(world, "plan_list")
    headers = {"Authorization": f"Bearer {secret}"}
    with CaptureQueriesContext(connection) as first:
        client.get(url, headers=headers)
    with CaptureQueriesContext(connection) as second:
        client.get(url, headers=headers)
    updates = [q["sql"] for q in first.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert not [q for q in second.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.history.count() == 1  # use is not an audited change


def test_a_revoked_token_stops_at_once(client, world):
    token, secret = world.tokens[TOKEN_RW]
    url = api_url(world, "import_list")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(url, headers=headers).status_code == 200
    token_revoke(token=token, user=world.users[MANAGER])
    assert client.get(url, headers=headers).status_code == 401


# --- Query counts --------------------------------------------------------------------


def _queries(client, world, url):
    client.force_login(world.users[MANAGER])
    return page_queries(client, url)


def test_list_endpoints_run_a_constant_number_of_queries(client, world):
    urls = {
        "imports": api_url(world, "import_list"),
        "plans": api_url(world, "plan_list"),
        "planned": api_url(world, "planned_shop_list", "2026-12") + "?limit=2",
        "shops": api_url(world, "shop_list"),
        "defects": api_url(world, "defect_list"),
    }
    small = {name: _queries(client, world, url) for name, url in urls.items()}
    for i in range(2, 5):
        defect_of(world, finalized_shop(world, i))
    contact_month(world.program, date(2026, 10, 1), seed=2)
    ContactImport.objects.create(
        program=world.program,
        month=date(2026, 9, 1),
        original_name="rejected.csv",
        status=ImportStatus.FAILED,
        error_groups=[{"code": 1, "column": "timestamp", "value": "x", "n": 1, "rows": [2]}],
        problem={"text": "%(n)s row has errors; nothing was imported.", "params": {"n": 1}},
    )
    plan_generate(program=world.program, month=NOV, user=None, seed=2)
    urls["planned"] = urls["planned"].replace("limit=2", "limit=20")
    large = {name: _queries(client, world, url) for name, url in urls.items()}
    for name in urls:
        assert_same_query_count(small[name], large[name])


def test_figures_run_a_constant_number_of_queries(client, world):
    url = api_url(world, "figures", "2026-12")
    small = _queries(client, world, url)
    for i in range(2, 5):
        defect_of(world, finalized_shop(world, i))
    assert_same_query_count(small, _queries(client, world, url))


# --- The documentation ---------------------------------------------------------------


def test_the_committed_openapi_document_is_the_generated_one():
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "api/openapi.json is out of date: run `manage.py api_schema` and commit it"
    )


def test_openapi_json_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["version"] == "1"
    assert "/api/v1/programs/{code}/imports" in schema["paths"]


def test_docs_load_from_our_static_files(client):
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert 'data-schema-url="/api/v1/openapi.json"' in html
