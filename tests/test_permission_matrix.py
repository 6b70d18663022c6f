"""Who may open what: every named URL × every persona, against a hand-written table.

The table below is the product's access policy, written from reading the views
(programs/access.py role sets, the sampling views' PLANNERS / APPROVERS /
MONITORS / DATA_ROLES, the shopper-only agenda). It is deliberately not
computed from those sets: a view whose gate changes makes a case fail here, and
a new URL without a line in the table fails `test_every_url_has_an_expectation`.

The world (the Pegadaian preset plus one of every object a URL needs) is built
once per module inside a transaction that is rolled back at the end; every test
runs in a savepoint within it, so POSTs by allowed roles change nothing for the
next test.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from api.services import token_create
from followup.models import (
    Attendee,
    CalibrationAction,
    CalibrationCase,
    CalibrationSession,
    CustomerCase,
    Defect,
    FollowUp,
)
from mysteryshop.health import heartbeat_record
from notifications.models import Notification
from programs.models import (
    Agent,
    AgentImport,
    Area,
    Channel,
    CoachingRule,
    ContactReason,
    Parameter,
    Role,
    Scenario,
    Scorecard,
    ScorecardStatus,
    Team,
)
from programs.services.scorecards import scorecard_new_version
from programs.services.setup import preset_load
from reporting.models import AuditPack, MonthlyReport
from sampling.services import calendar_feed_for, plan_approve, plan_generate
from scoring.models import Dispute, Evidence, EvidenceKind, Shop, ShopState
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)

# --- Personas and expectations ----------------------------------------------------

MANAGER, QC_ANALYST, SHOPPER = Role.MANAGER.value, Role.QC_ANALYST.value, Role.SHOPPER.value
SUPERVISOR, TEAM_LEADER, VIEWER = (
    Role.SUPERVISOR.value,
    Role.TEAM_LEADER.value,
    Role.VIEWER.value,
)
ROLES = (MANAGER, QC_ANALYST, SHOPPER, SUPERVISOR, TEAM_LEADER, VIEWER)
OUTSIDER = "outsider"  # signed in, member of no program
ANONYMOUS = "anonymous"
PERSONAS = (*ROLES, OUTSIDER, ANONYMOUS)

# Who may do what, written out by hand (not imported from the views).
ALL_ROLES = frozenset(ROLES)
MANAGER_ONLY = frozenset({MANAGER})  # rules, scorecards, coaching rules, members
ANALYST_AND_MANAGER = frozenset({MANAGER, QC_ANALYST})  # people, library, contact data, plans
# The month's schedule and the scenarios' answers stay away from those whose agents
# are shopped (team leaders, viewers); progress counts reveal no schedule.
SCHEDULE_READERS = frozenset({MANAGER, QC_ANALYST, SUPERVISOR})
SCENARIO_READERS = frozenset({MANAGER, QC_ANALYST, SUPERVISOR, SHOPPER})
PROGRESS_WATCHERS = frozenset({MANAGER, QC_ANALYST, SUPERVISOR, VIEWER})  # PGD-4.6
SHOPPER_ONLY = frozenset({SHOPPER})  # the agenda and its calendar address
NOT_SHOPPER = ALL_ROLES - {SHOPPER}  # defects and follow-up: shoppers make them, not read them
TEAM_LEADERS_AND_SUPERVISORS = frozenset({TEAM_LEADER, SUPERVISOR})
# A shop's form and evidence: its shopper (the world's shops are the shopper's) and
# those who review or pass forms on; never the agents' side.
SHOP_READERS = frozenset({MANAGER, QC_ANALYST, SUPERVISOR, SHOPPER})
REVIEW_QUEUE = frozenset({MANAGER, QC_ANALYST, SUPERVISOR})
# PGD-4.8: those who hear of a high-impact customer case log it; viewers only read.
CASE_LOGGERS = frozenset({MANAGER, QC_ANALYST, SUPERVISOR, TEAM_LEADER})
# TLK-5.6.2: the supervisor's notes to pass on, watched by the analyst and the manager.
PASS_ON_READERS = frozenset({MANAGER, QC_ANALYST, SUPERVISOR})


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location resolves to the URL named `name`."""

    name: str


Expected = int | Redirect
LOGIN = Redirect("login")


def program_page(allowed: frozenset[str] = ALL_ROLES, ok: Expected = 200) -> dict:
    """A page behind the program gate: `ok` for `allowed` roles, 403 for the other
    members, 404 for a non-member, the login page for an anonymous visitor."""
    return {
        **{role: ok if role in allowed else 403 for role in ROLES},
        OUTSIDER: 404,
        ANONYMOUS: LOGIN,
    }


def signed_in(expected: Expected) -> dict:
    """`expected` for anyone signed in; the login page for an anonymous visitor."""
    return {**dict.fromkeys((*ROLES, OUTSIDER), expected), ANONYMOUS: LOGIN}


def public(expected: Expected) -> dict:
    return dict.fromkeys(PERSONAS, expected)


def api_endpoint(allowed: frozenset[str] = ALL_ROLES, ok: Expected = 200) -> dict:
    """An API endpoint behind the program gate: as program_page, but 401 (a problem
    document) rather than the login page without a session."""
    return {**program_page(allowed, ok), ANONYMOUS: 401}


def signed_out(expected: Expected, signed_in_expected: Expected) -> dict:
    """`expected` for an anonymous visitor, `signed_in_expected` for everyone else."""
    return {**dict.fromkeys((*ROLES, OUTSIDER), signed_in_expected), ANONYMOUS: expected}


# A GET on a @login_required @require_POST view.
POST_ONLY = signed_in(405)


def _code(w) -> list:
    return [w.program.code]


def _no_args(w) -> list:
    return []


@dataclass(frozen=True)
class Entry:
    get: Mapping[str, Expected]
    args: Callable = _code
    # The POST check, with data that is invalid or harmless (the test rolls back).
    post: Mapping[str, Expected] | None = None
    data: Mapping[str, str] = field(default_factory=dict)
    # (method, persona) -> why the view is believed wrong: strict xfail.
    wrong: Mapping[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class Objects:
    """URL args: the program's code, then the pks of the world's objects `names`."""

    names: tuple[str, ...]

    def __call__(self, w) -> list:
        return [w.program.code, *(getattr(w, name).pk for name in self.names)]


@dataclass(frozen=True)
class OnRecord(Objects):
    """URL args of a record's retention page: the code, a record type, the pk."""

    record_type: str = ""

    def __call__(self, w) -> list:
        return [w.program.code, self.record_type, getattr(w, self.names[0]).pk]


def on(*names: str) -> Objects:
    return Objects(names)


def on_draft(*names: str) -> Objects:
    return Objects(("draft", *names))


def on_month(month: date) -> Callable:
    return lambda w: [w.program.code, f"{month:%Y-%m}"]


TABLE: dict[str, Entry] = {
    # --- mysteryshop ---------------------------------------------------------------
    "healthz": Entry(public(200), args=_no_args),
    # Off in tests: no METRICS_TOKEN, no single sign-on client (tests/test_ops_logs.py,
    # tests/test_oidc.py check them switched on).
    "metrics": Entry(public(404), args=_no_args),
    "oidc_authentication_init": Entry(public(404), args=_no_args),
    "oidc_authentication_callback": Entry(public(404), args=_no_args),
    "oidc_logout": Entry(public(405), args=_no_args, post=public(LOGIN)),
    "set_language": Entry(
        public(405), args=_no_args, post=public(Redirect("home")), data={"language": "id"}
    ),
    # --- accounts (Django's auth views) ----------------------------------------------
    "home": Entry(signed_in(200), args=_no_args),
    "login": Entry(signed_out(200, Redirect("home")), args=_no_args),
    "logout": Entry(public(405), args=_no_args, post=public(LOGIN)),
    "password_change": Entry(signed_in(200), args=_no_args),
    "password_change_done": Entry(signed_in(200), args=_no_args),
    "password_reset": Entry(public(200), args=_no_args),
    "password_reset_done": Entry(public(200), args=_no_args),
    # A wrong token shows the "invalid link" page; it needs no login.
    "password_reset_confirm": Entry(public(200), args=lambda w: [w.reset_uid, "bad-token"]),
    "password_reset_complete": Entry(public(200), args=_no_args),
    # Not behind the program gate: only managers (of any program) create programs.
    "program_new": Entry({**signed_in(403), MANAGER: 200}, args=_no_args),
    # --- program setup -----------------------------------------------------------------
    "program_detail": Entry(program_page()),
    "program_settings": Entry(program_page(), post=program_page(MANAGER_ONLY, 200)),
    "program_frame": Entry(program_page()),
    "program_table_edit": Entry(
        program_page(MANAGER_ONLY), args=lambda w: [w.program.code, "categories"]
    ),
    "channel_list": Entry(program_page()),
    "member_list": Entry(program_page(), post=program_page(MANAGER_ONLY, 200)),
    "member_update": Entry(
        POST_ONLY,
        args=on("spare_membership"),
        post=program_page(MANAGER_ONLY, Redirect("member_list")),
    ),
    "program_history": Entry(program_page(ANALYST_AND_MANAGER)),
    # --- people --------------------------------------------------------------------------
    "area_list": Entry(program_page()),
    "area_create": Entry(program_page(ANALYST_AND_MANAGER)),
    "area_edit": Entry(program_page(ANALYST_AND_MANAGER), args=on("area")),
    "team_list": Entry(program_page()),
    "team_create": Entry(program_page(ANALYST_AND_MANAGER)),
    "team_edit": Entry(program_page(ANALYST_AND_MANAGER), args=on("team")),
    "agent_list": Entry(program_page()),
    "agent_create": Entry(program_page(ANALYST_AND_MANAGER)),
    "agent_edit": Entry(program_page(ANALYST_AND_MANAGER), args=on("agent")),
    "agent_deactivate": Entry(
        POST_ONLY,
        args=on("agent"),
        post=program_page(ANALYST_AND_MANAGER, Redirect("agent_edit")),
    ),
    "people_import": Entry(program_page(ANALYST_AND_MANAGER)),
    "people_import_detail": Entry(program_page(ANALYST_AND_MANAGER), args=on("agent_import")),
    "people_import_template": Entry(
        program_page(ANALYST_AND_MANAGER), args=lambda w: [w.program.code, "csv"]
    ),
    # --- scorecards ----------------------------------------------------------------------
    "scorecard_list": Entry(program_page()),
    "scorecard_create": Entry(POST_ONLY, post=program_page(MANAGER_ONLY, 200)),
    "scorecard_detail": Entry(program_page(), args=on("published")),
    "scorecard_preview": Entry(program_page(), args=on("published")),
    "scorecard_new_version": Entry(
        POST_ONLY,
        args=on("published"),
        post=program_page(MANAGER_ONLY, Redirect("scorecard_edit")),
    ),
    "scorecard_edit": Entry(program_page(MANAGER_ONLY), args=on_draft()),
    # An empty change note re-renders the editor with the error.
    "scorecard_publish": Entry(POST_ONLY, args=on_draft(), post=program_page(MANAGER_ONLY, 200)),
    "scorecard_discard": Entry(
        POST_ONLY, args=on_draft(), post=program_page(MANAGER_ONLY, Redirect("scorecard_list"))
    ),
    "scorecard_section_add": Entry(program_page(MANAGER_ONLY), args=on_draft()),
    "scorecard_section_edit": Entry(program_page(MANAGER_ONLY), args=on_draft("section")),
    "scorecard_section_delete": Entry(
        POST_ONLY,
        args=on_draft("section"),
        post=program_page(MANAGER_ONLY, Redirect("scorecard_edit")),
    ),
    "scorecard_section_move": Entry(
        POST_ONLY,
        args=on_draft("section"),
        post=program_page(MANAGER_ONLY, Redirect("scorecard_edit")),
    ),
    "scorecard_parameter_add": Entry(program_page(MANAGER_ONLY), args=on_draft("section")),
    "scorecard_parameter_edit": Entry(program_page(MANAGER_ONLY), args=on_draft("parameter")),
    "scorecard_parameter_delete": Entry(
        POST_ONLY,
        args=on_draft("parameter"),
        post=program_page(MANAGER_ONLY, Redirect("scorecard_edit")),
    ),
    "scorecard_parameter_move": Entry(
        POST_ONLY,
        args=on_draft("parameter"),
        post=program_page(MANAGER_ONLY, Redirect("scorecard_edit")),
    ),
    # --- library ---------------------------------------------------------------------------
    "reason_list": Entry(program_page()),
    "reason_create": Entry(program_page(ANALYST_AND_MANAGER)),
    "reason_edit": Entry(program_page(ANALYST_AND_MANAGER), args=on("reason")),
    "reason_remove": Entry(
        POST_ONLY,
        args=on("reason"),
        post=program_page(ANALYST_AND_MANAGER, Redirect("reason_list")),
    ),
    "scenario_list": Entry(program_page(SCENARIO_READERS)),
    "scenario_create": Entry(program_page(ANALYST_AND_MANAGER)),
    "scenario_detail": Entry(program_page(SCENARIO_READERS), args=on("scenario")),
    "scenario_edit": Entry(program_page(ANALYST_AND_MANAGER), args=on("scenario")),
    "coaching_rule_list": Entry(program_page()),
    "coaching_rule_create": Entry(program_page(MANAGER_ONLY)),
    "coaching_rule_edit": Entry(program_page(MANAGER_ONLY), args=on("coaching_rule")),
    "coaching_rule_toggle": Entry(
        POST_ONLY,
        args=on("coaching_rule"),
        post=program_page(MANAGER_ONLY, Redirect("coaching_rule_list")),
    ),
    "coaching_rule_move": Entry(
        POST_ONLY,
        args=on("coaching_rule"),
        post=program_page(MANAGER_ONLY, Redirect("coaching_rule_list")),
        data={"direction": "down"},
    ),
    # --- contact data ----------------------------------------------------------------------
    "contact_import_list": Entry(program_page(ANALYST_AND_MANAGER)),
    "import_mapping_list": Entry(program_page(ANALYST_AND_MANAGER)),
    "contact_import_sample": Entry(program_page(ANALYST_AND_MANAGER)),
    "contact_import_detail": Entry(program_page(ANALYST_AND_MANAGER), args=on("contact_import")),
    "contact_import_errors": Entry(program_page(ANALYST_AND_MANAGER), args=on("contact_import")),
    "contact_import_file": Entry(program_page(ANALYST_AND_MANAGER), args=on("contact_import")),
    "contact_data": Entry(program_page(ANALYST_AND_MANAGER), args=on_month(NOV)),
    # No reason chosen: the message says so on the data page.
    "reason_resolve": Entry(
        POST_ONLY,
        args=on_month(NOV),
        post=program_page(ANALYST_AND_MANAGER, Redirect("contact_data")),
    ),
    # --- plans, agenda, progress -----------------------------------------------------------
    "plan_list": Entry(
        program_page(SCHEDULE_READERS), post=program_page(ANALYST_AND_MANAGER, 200)
    ),
    "plan_detail": Entry(program_page(SCHEDULE_READERS), args=on_month(DEC)),
    "plan_action": Entry(
        POST_ONLY,
        args=on_month(DEC),
        post=program_page(ANALYST_AND_MANAGER, Redirect("plan_detail")),
        data={"action": "assign"},
    ),
    "shop_edit": Entry(program_page(ANALYST_AND_MANAGER), args=on("shop")),
    "agenda": Entry(program_page(SHOPPER_ONLY)),
    "agenda_feed_reset": Entry(POST_ONLY, post=program_page(SHOPPER_ONLY, Redirect("agenda"))),
    "sample_progress": Entry(program_page(PROGRESS_WATCHERS)),
    # The calendar app cannot sign in: the secret token is the access.
    "calendar_feed": Entry(public(200), args=lambda w: [w.feed.token]),
    # --- scoring: the shopper's form -----------------------------------------------------
    # Only the planned shop's assigned shopper starts it or says it was not made.
    "shop_start": Entry(
        POST_ONLY, args=on("mine"), post=program_page(SHOPPER_ONLY, Redirect("shop_form"))
    ),
    # No reason chosen: the form again with its error.
    "shop_not_executed": Entry(
        program_page(SHOPPER_ONLY), args=on("mine"), post=program_page(SHOPPER_ONLY, 200)
    ),
    # Reviewers read the form; only its shopper saves (an empty draft, at its version).
    "shop_form": Entry(
        program_page(SHOP_READERS),
        args=on("draft_shop"),
        post=program_page(SHOPPER_ONLY, Redirect("shop_form")),
        data={"version": "1"},
    ),
    "shop_autosave": Entry(
        POST_ONLY,
        args=on("draft_shop"),
        post=program_page(SHOPPER_ONLY, 200),
        data={"version": "1"},
    ),
    # No file: the form again with its error.
    "shop_evidence_add": Entry(
        POST_ONLY, args=on("draft_shop"), post=program_page(SHOPPER_ONLY, 200)
    ),
    # For a member who may not read the shop, the file does not exist.
    "shop_evidence_file": Entry(
        {**program_page(SHOP_READERS), TEAM_LEADER: 404, VIEWER: 404}, args=on("evidence")
    ),
    # The shopper takes back an upload of theirs (before submit); nobody else may.
    "shop_evidence_remove": Entry(
        POST_ONLY, args=on("evidence"), post=program_page(SHOPPER_ONLY, Redirect("shop_form"))
    ),
    # --- scoring: review -------------------------------------------------------------------
    # Every member has a list: its rows are the shops they may see.
    "shop_list": Entry(program_page()),
    "shop_list_export": Entry(program_page()),
    "review_queue": Entry(program_page(REVIEW_QUEUE)),
    # The final shop is another shopper's; the team leader leads its agent's team.
    "shop_detail": Entry(program_page(NOT_SHOPPER), args=on("final")),
    "shop_forward": Entry(
        POST_ONLY,
        args=on("with_supervisor"),
        post=program_page(frozenset({SUPERVISOR}), Redirect("shop_detail")),
    ),
    # No comment: the shop's page again with the error.
    "shop_return": Entry(
        POST_ONLY, args=on("submitted"), post=program_page(ANALYST_AND_MANAGER, 200)
    ),
    "shop_finalize": Entry(
        POST_ONLY,
        args=on("submitted"),
        post=program_page(ANALYST_AND_MANAGER, Redirect("shop_detail")),
    ),
    # Without high_impact=1 the shop is marked not high-impact, as it is already.
    "shop_high_impact": Entry(
        POST_ONLY,
        args=on("final"),
        post=program_page(ANALYST_AND_MANAGER, Redirect("shop_detail")),
    ),
    # No reason: the correction form again with the error.
    "shop_revise": Entry(
        program_page(ANALYST_AND_MANAGER),
        args=on("final"),
        post=program_page(ANALYST_AND_MANAGER, 200),
    ),
    # No parameter, no reason: the shop's page again with the errors.
    "dispute_open": Entry(
        POST_ONLY, args=on("final"), post=program_page(frozenset({TEAM_LEADER}), 200)
    ),
    # No decision: the shop's page again with the errors.
    "dispute_resolve": Entry(
        POST_ONLY,
        args=on("final", "dispute"),
        post=program_page(ANALYST_AND_MANAGER, 200),
    ),
    # --- followup ----------------------------------------------------------------------
    "defect_inbox": Entry(program_page(NOT_SHOPPER)),
    # The world's team leader leads the defect's team; its supervisor supervises it.
    "defect_acknowledge": Entry(  # an empty POST: the inbox again, the error under the box
        POST_ONLY,
        args=on("defect"),
        post=program_page(TEAM_LEADERS_AND_SUPERVISORS, 200),
    ),
    "defect_pass_on_inbox": Entry(program_page(PASS_ON_READERS)),
    # The world's defect is with the team leader already: its page again, the error shown.
    "defect_pass_on": Entry(
        POST_ONLY, args=on("defect"), post=program_page(frozenset({SUPERVISOR}), 200)
    ),
    "follow_up_list": Entry(program_page(NOT_SHOPPER)),
    "follow_up_log": Entry(
        program_page(TEAM_LEADERS_AND_SUPERVISORS),
        args=on("follow_up"),
        post=program_page(TEAM_LEADERS_AND_SUPERVISORS, 200),  # empty form: errors shown
    ),
    "nonconformity_recap": Entry(program_page(NOT_SHOPPER), args=on_month(DEC)),
    # --- followup: high-impact customer cases (PGD-4.8) ----------------------------------
    "case_list": Entry(program_page(NOT_SHOPPER)),
    # An empty form: the page again with the errors.
    "case_new": Entry(program_page(CASE_LOGGERS), post=program_page(CASE_LOGGERS, 200)),
    "case_detail": Entry(program_page(NOT_SHOPPER), args=on("customer_case")),
    # --- followup: calibration (PGD-4.8) -----------------------------------------------
    "calibration_list": Entry(program_page(NOT_SHOPPER)),
    "calibration_new": Entry(program_page(ANALYST_AND_MANAGER)),
    "calibration_detail": Entry(program_page(NOT_SHOPPER), args=on("session")),
    "calibration_pdf": Entry(program_page(NOT_SHOPPER), args=on("session")),
    # Only an invitee confirms their own attendance (the world's team leader).
    "calibration_confirm": Entry(
        POST_ONLY,
        args=on("session"),
        post=program_page(frozenset({TEAM_LEADER}), Redirect("calibration_detail")),
    ),
    "calibration_attendance": Entry(
        POST_ONLY,
        args=on("session", "attendee"),
        post=program_page(ANALYST_AND_MANAGER, Redirect("calibration_detail")),
    ),
    "calibration_held": Entry(
        POST_ONLY,
        args=on("session"),
        post=program_page(ANALYST_AND_MANAGER, Redirect("calibration_detail")),
    ),
    # The analyst, the manager or the action's owner (the world's supervisor).
    "calibration_action_done": Entry(
        POST_ONLY,
        args=on("session", "action"),
        post=program_page(ANALYST_AND_MANAGER | {SUPERVISOR}, Redirect("calibration_detail")),
    ),
    # Raters: the invitees (the world's team leader) and the analyst / manager.
    "calibration_rate": Entry(
        program_page(ANALYST_AND_MANAGER | {TEAM_LEADER}), args=on("session", "case")
    ),
    # --- reporting: notifications (per user, not per program) ---------------------------
    "inbox": Entry(signed_in(200), args=_no_args),
    "inbox_read_all": Entry(POST_ONLY, args=_no_args, post=signed_in(Redirect("inbox"))),
    # The notification is the manager's: anyone else gets 404.
    "inbox_read": Entry(
        POST_ONLY,
        args=lambda w: [w.notification.pk],
        post={**signed_in(404), MANAGER: Redirect("inbox")},
    ),
    "notification_preferences": Entry(
        signed_in(200), args=_no_args, post=signed_in(Redirect("notification_preferences"))
    ),
    # System administrators only (is_staff): everyone else goes to the admin login.
    "reminder_operations": Entry(public(Redirect("admin:login")), args=_no_args),
    # --- reporting: dashboards and yearly summary -----------------------------------------
    # Every member has a dashboard (its panels follow their roles); shoppers see no figures.
    "dashboard": Entry(program_page()),
    "yearly_summary": Entry(program_page(NOT_SHOPPER)),
    "yearly_summary_xlsx": Entry(program_page(NOT_SHOPPER)),
    # (end of dashboards)
    # --- reporting: monthly report (F-27) --------------------------------------------------
    # Everyone but shoppers reads the report; the analyst writes and submits it, the
    # manager acknowledges it. The world's report is a December draft.
    "report_list": Entry(program_page(NOT_SHOPPER)),
    "report_detail": Entry(
        program_page(NOT_SHOPPER),
        args=on_month(DEC),
        post=program_page(frozenset({QC_ANALYST}), Redirect("report_detail")),
        data={"analysis": "", "recommendations": ""},  # a draft may be saved empty
    ),
    "report_submit": Entry(  # empty texts: the page again, with the errors
        POST_ONLY, args=on_month(DEC), post=program_page(frozenset({QC_ANALYST}), 200)
    ),
    # A draft cannot be checked: the supervisor is sent back with a message.
    "report_check": Entry(
        POST_ONLY,
        args=on_month(DEC),
        post=program_page(frozenset({SUPERVISOR}), Redirect("report_detail")),
    ),
    # A draft cannot be acknowledged: the manager is sent back with a message.
    "report_acknowledge": Entry(
        POST_ONLY,
        args=on_month(DEC),
        post=program_page(MANAGER_ONLY, Redirect("report_detail")),
    ),
    "report_correct": Entry(
        POST_ONLY, args=on_month(DEC), post=program_page(frozenset({QC_ANALYST}), 200)
    ),
    # November is over whatever the day the test runs (a running month's files stay
    # with the planners: tests/test_no_tipoff.py).
    "report_xlsx": Entry(program_page(NOT_SHOPPER), args=on_month(NOV)),
    "report_pdf": Entry(program_page(NOT_SHOPPER), args=on_month(NOV)),
    # (end of monthly report)
    # --- reporting: ISO audit pack ---------------------------------------------------------
    # The month picker posts empty here: the form comes back with its error.
    "audit_pack_list": Entry(
        program_page(ANALYST_AND_MANAGER), post=program_page(ANALYST_AND_MANAGER, 200)
    ),
    "audit_pack_status": Entry(program_page(ANALYST_AND_MANAGER), args=on("audit_pack")),
    # The world's pack is done but has no file: a clean 404 even for those who may
    # download (so no role sees a 200 to cross-check another program's id with).
    "audit_pack_download": Entry(
        program_page(ANALYST_AND_MANAGER, 404), args=lambda w: [w.program.code, w.audit_pack.pk]
    ),
    # (end of audit pack)
    # --- reporting: evaluator quality (issue #23) -----------------------------------------
    # How the shoppers' own work is graded: the analyst and the manager only.
    "evaluator_quality": Entry(program_page(ANALYST_AND_MANAGER)),
    "evaluator_quality_xlsx": Entry(program_page(ANALYST_AND_MANAGER)),
    # (end of evaluator quality)
    # --- reporting: retention (PGD-6, TLK-6) ------------------------------------------------
    # The analyst reads it (and searches it); only the manager places or releases
    # a hold, on the record's own page (an empty POST comes back with the form's error).
    "retention": Entry(program_page(ANALYST_AND_MANAGER)),
    "retention_record": Entry(
        program_page(MANAGER_ONLY),
        args=OnRecord(("final",), "ms_form"),
        post=program_page(MANAGER_ONLY, 200),
    ),
    # --- REST API (#21) ---------------------------------------------------------------------
    # Tokens act as the program: only its manager makes (an empty POST: the form's
    # errors) and revokes them.
    "api_token_list": Entry(program_page(MANAGER_ONLY), post=program_page(MANAGER_ONLY, 200)),
    "api_token_revoke": Entry(
        POST_ONLY,
        args=on("api_token"),
        post=program_page(MANAGER_ONLY, Redirect("api_token_list")),
    ),
    "api_docs": Entry(public(200), args=_no_args),
    "api:openapi-json": Entry(public(200), args=_no_args),
    "api:api-root": Entry(public(404), args=_no_args),  # nothing at /api/v1/ itself
    # The API as a signed-in user: the pages' gates; no session is 401, not the login.
    "api:import_list": Entry(
        api_endpoint(ANALYST_AND_MANAGER),
        post=api_endpoint(ANALYST_AND_MANAGER, 422),  # an empty push: the form's errors
    ),
    "api:import_detail": Entry(api_endpoint(ANALYST_AND_MANAGER), args=on("contact_import")),
    "api:plan_list": Entry(api_endpoint(SCHEDULE_READERS)),
    "api:planned_shop_list": Entry(api_endpoint(SCHEDULE_READERS), args=on_month(DEC)),
    "api:shop_list": Entry(api_endpoint()),
    "api:defect_list": Entry(api_endpoint(NOT_SHOPPER)),
    "api:figures": Entry(api_endpoint(NOT_SHOPPER), args=on_month(NOV)),
    # The world has no November report: no file, a clean 404 for its readers.
    "api:report_file": Entry(
        api_endpoint(NOT_SHOPPER, 404), args=lambda w: [w.program.code, f"{NOV:%Y-%m}", "xlsx"]
    ),
}


# --- The URLs that exist -------------------------------------------------------------


def _url_names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def project_url_names() -> set[str]:
    """Every named URL of the project except the admin site's."""
    return {n for n in _url_names(get_resolver().url_patterns) if not n.startswith("admin:")}


def test_every_url_has_an_expectation():
    names = project_url_names()
    missing = sorted(names - TABLE.keys())
    stale = sorted(TABLE.keys() - names)
    assert not missing, f"URL names without an entry in TABLE (add their expectations): {missing}"
    assert not stale, f"TABLE entries for URL names that no longer exist: {stale}"


def test_every_entry_covers_every_persona():
    assert set(ROLES) == set(Role.values), "a role was added or removed: update ROLES and TABLE"
    incomplete = {
        f"{name} {method}": sorted(set(PERSONAS) ^ expectations.keys())
        for name, entry in TABLE.items()
        for method, expectations in (("GET", entry.get), ("POST", entry.post))
        if expectations is not None and expectations.keys() != set(PERSONAS)
    }
    assert not incomplete, incomplete


# --- The world ---------------------------------------------------------------------


def _program_objects(program, *, team_leader=None, supervisor=None, shopper=None) -> dict:
    """One of every object a URL of `program` takes the id of."""
    shopper = shopper or UserFactory()
    area = Area.objects.create(program=program, code="jkt", name="Jakarta")
    team = Team.objects.create(
        program=program,
        code="team-a",
        name="Team A",
        area=area,
        team_leader=team_leader,
        supervisor=supervisor,
    )
    reason = ContactReason.objects.filter(program=program).order_by("name").first()
    published = (
        Scorecard.objects.filter(program=program, status=ScorecardStatus.PUBLISHED)
        .order_by("pk")
        .first()
    )
    draft = scorecard_new_version(scorecard=published)
    section = draft.sections.order_by("order").first()
    contact_import = contact_month(program, NOV)
    plan = plan_generate(program=program, month=DEC, user=None, seed=1)
    # Shops are started only from an approved plan.
    plan_approve(plan=plan, user=None)
    # One planned shop each: a Shop is one-to-one with its planned shop.
    planned, mine, *more = plan.shops.order_by("pk")[:5]
    plan.shops.filter(pk__in=[mine.pk, *(p.pk for p in more)]).update(shopper=shopper)
    agent = Agent.objects.create(
        program=program, employee_id="E001", name="Ani", team=team, area=area
    )
    final = Shop.objects.create(
        planned_shop=planned,
        program=program,
        scorecard=published,
        shopper=UserFactory(),
        agent=agent,
        state=ShopState.FINALIZED,
        finalized_at=timezone.now(),
    )
    scoring = _shops(program, published, more, shopper=shopper, agent=agent)
    scoring["dispute"] = Dispute.objects.create(
        shop=final,
        parameter=Parameter.objects.filter(section__scorecard=published).first(),
        raised_by=team_leader or UserFactory(),
        reason="Jawaban sudah sesuai tarif.",
    )
    rule = CoachingRule.objects.filter(program=program).order_by("order").first()
    session = CalibrationSession.objects.create(
        program=program, held_on=DEC, title="Kalibrasi Desember", created_by=UserFactory()
    )
    calibration = {
        "session": session,
        "attendee": Attendee.objects.create(session=session, user=team_leader or UserFactory()),
        "case": CalibrationCase.objects.create(session=session, shop=final),
        "action": CalibrationAction.objects.create(
            session=session,
            description="Refresh tarif",
            owner=supervisor or UserFactory(),
            due_on=DEC,
        ),
    }
    calibration["customer_case"] = CustomerCase.objects.create(
        program=program,
        occurred_at=timezone.now(),
        source="social_media",
        description="Video viral",
        agent=agent,
        team=team,
        calibration_due_on=DEC,
        logged_by=UserFactory(),
    )
    return {
        **calibration,
        **scoring,
        # The world's month is December: a draft report of it, and a finished pack.
        "report": MonthlyReport.objects.create(
            program=program, month=DEC, due_at=timezone.now() + timedelta(days=40)
        ),
        "audit_pack": AuditPack.objects.create(program=program, month=DEC, status="done"),
        "mine": mine,
        "final": final,
        "api_token": token_create(
            program=program, name="export", scope="read", user=UserFactory()
        )[0],
        "spare_membership": MembershipFactory(program=program, role=Role.VIEWER),
        "agent_import": AgentImport.objects.create(
            program=program, original_name="agents.csv", file="agent-imports/agents.csv"
        ),
        "area": area,
        "team": team,
        "agent": agent,
        "reason": reason,
        "scenario": Scenario.objects.create(
            program=program,
            reason=reason,
            channel=Channel.objects.filter(program=program, parent=None).order_by("code").first(),
            title="Gadai emas",
            customer_script="Berapa bunga gadai emas?",
            expected_answer="Sesuai tarif yang berlaku.",
        ),
        "coaching_rule": CoachingRule.objects.filter(program=program).order_by("order").first(),
        "published": published,
        "draft": draft,
        "section": section,
        "parameter": section.parameters.order_by("order").first(),
        "contact_import": contact_import,
        "plan": plan,
        "shop": planned,
        "defect": Defect.objects.create(
            program=program,
            shop=final,
            parameter=Parameter.objects.filter(section__scorecard=published).first(),
            agent=agent,
            team=team,
            team_leader=team_leader,
            nonconformity="x",
            correct_solution="y",
            due_on=DEC,
        ),
        "follow_up": FollowUp.objects.create(
            program=program,
            shop=final,
            rule=rule,
            agent=agent,
            team_leader=team_leader,
            kind=rule.action,
            due_on=DEC,
        ),
    }


def _shops(program, scorecard, planned_shops, *, shopper, agent) -> dict:
    """A shop of `shopper` in each state a scoring URL acts on; the draft has an
    evidence file, and names the agent (of the team leader's team) already."""
    draft_planned, submitted_planned, review_planned = planned_shops

    def shop(planned_shop, state, **fields):
        return Shop.objects.create(
            planned_shop=planned_shop,
            program=program,
            scorecard=scorecard,
            shopper=shopper,
            state=state,
            **fields,
        )

    draft = shop(draft_planned, ShopState.DRAFT, agent=agent)
    evidence = Evidence(
        shop=draft,
        kind=EvidenceKind.OTHER,
        original_name="bukti.pdf",
        content_type="application/pdf",
        size=9,
        uploaded_by=shopper,
    )
    evidence.file.save("bukti.pdf", ContentFile(b"%PDF-1.4\n"))
    return {
        "draft_shop": draft,
        "evidence": evidence,
        "submitted": shop(
            submitted_planned, ShopState.SUBMITTED, agent=agent, submitted_at=timezone.now()
        ),
        "with_supervisor": shop(
            review_planned, ShopState.SUPERVISOR_REVIEW, submitted_at=timezone.now()
        ),
    }


def _build_world() -> SimpleNamespace:
    program = preset_load(key="pegadaian", organization=OrganizationFactory())
    users = {}
    for role in ROLES:
        users[role] = UserFactory(email=f"matrix-{role}@example.com")
        MembershipFactory(user=users[role], program=program, role=role)
    users[OUTSIDER] = UserFactory(email="matrix-outsider@example.com")
    objects = _program_objects(
        program,
        team_leader=users[TEAM_LEADER],
        supervisor=users[SUPERVISOR],
        shopper=users[SHOPPER],
    )
    # The downloads need files behind the import.
    objects["contact_import"].file.save("contacts.csv", ContentFile(b"timestamp,channel\n"))
    objects["contact_import"].errors_file.save("errors.csv", ContentFile(b"row,error\n"))
    heartbeat_record()
    notification = Notification.objects.create(
        user=users[MANAGER],
        program=program,
        kind="progress_behind",
        key=f"matrix:{users[MANAGER].pk}",
        title="t",
        body="b",
    )
    # Another program of the same organization, for changing ids in URLs.
    other = preset_load(key="pegadaian", organization=program.organization, code="PG2")
    return SimpleNamespace(
        program=program,
        users=users,
        **objects,
        feed=calendar_feed_for(program=program, user=users[SHOPPER]),
        notification=notification,
        reset_uid=urlsafe_base64_encode(force_bytes(users[VIEWER].pk)),
        other=SimpleNamespace(program=other, **_program_objects(other)),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once; rolled back after the module's last test."""
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        world = _build_world()
        # Check the world's deferred foreign keys now, once: otherwise every test's
        # end-of-test constraint check (in its savepoint) checks them all again.
        connection.check_constraints()
        yield world
        transaction.set_rollback(True)


def _as(client, world, persona: str):
    if persona != ANONYMOUS:
        client.force_login(world.users[persona])
    return client


def _assert_response(response, expected: Expected, context: str) -> None:
    if isinstance(expected, Redirect):
        assert response.status_code == 302, f"{context}: {response.status_code}, expected 302"
        path = urlsplit(response["Location"]).path
        assert resolve(path).view_name == expected.name, (
            f"{context}: redirects to {response['Location']}, expected {expected.name}"
        )
    else:
        assert response.status_code == expected, (
            f"{context}: {response.status_code}, expected {expected}"
        )


# --- The matrix --------------------------------------------------------------------


def _cases():
    for name, entry in sorted(TABLE.items()):
        for method, expectations in (("GET", entry.get), ("POST", entry.post)):
            if expectations is None:
                continue
            for persona in PERSONAS:
                reason = entry.wrong.get((method, persona))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(
                    name, method, persona, id=f"{name}-{method}-{persona}", marks=marks
                )


@pytest.mark.parametrize(("name", "method", "persona"), list(_cases()))
def test_access(client, world, name, method, persona):
    entry = TABLE[name]
    url = reverse(name, args=entry.args(world))
    client = _as(client, world, persona)
    if method == "GET":
        response, expected = client.get(url), entry.get[persona]
    else:
        response, expected = client.post(url, dict(entry.data)), entry.post[persona]
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: closes the file
    _assert_response(response, expected, f"{method} {url} as {persona}")


def _by_id(name: str) -> bool:
    return isinstance(TABLE[name].args, Objects)


@pytest.mark.parametrize("name", sorted(filter(_by_id, TABLE)))
def test_another_programs_id_in_the_url_is_404(client, world, name):
    """A role allowed on a page that takes an id gets 404 with the id of another
    program's object in the URL, never that program's data."""
    entry = TABLE[name]
    method = "POST" if entry.get == POST_ONLY else "GET"
    expectations = entry.post if method == "POST" else entry.get
    # The first role the page is open to (the manager for most pages).
    persona = next(r for r in (MANAGER, *ROLES) if expectations[r] not in (403, 404))
    crossed = SimpleNamespace(**{**vars(world.other), "program": world.program})
    url = reverse(name, args=entry.args(crossed))
    client.force_login(world.users[persona])
    response = client.get(url) if method == "GET" else client.post(url, dict(entry.data))
    assert response.status_code == 404, f"{method} {url}: {response.status_code}"


# --- Special cases -----------------------------------------------------------------


def test_calendar_feed_with_an_unknown_token_is_404(client, world):
    assert client.get(reverse("calendar_feed", args=["not-a-token"])).status_code == 404


def test_calendar_feed_stops_when_the_shopper_role_is_gone(client, world):
    world.program.memberships.filter(user=world.users[SHOPPER]).delete()
    assert client.get(reverse("calendar_feed", args=[world.feed.token])).status_code == 404


def test_healthz_is_public_and_up_with_a_heartbeat(client, world):
    heartbeat_record()  # the worker's beat is recent; the world's own may be minutes old
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_shoppers_draft_is_kept_from_the_agents_side(client, world, persona):
    """Its contact may still be ahead: the team leader of the agent it names and
    the viewer do not see it, whose schedule they may not read either."""
    expected = {
        MANAGER: 200,
        QC_ANALYST: 200,
        SUPERVISOR: 200,
        SHOPPER: 200,
        TEAM_LEADER: 403,
        VIEWER: 403,
        OUTSIDER: 404,
        ANONYMOUS: LOGIN,
    }[persona]
    url = reverse("shop_detail", args=[world.program.code, world.draft_shop.pk])
    _assert_response(_as(client, world, persona).get(url), expected, f"GET {url} as {persona}")


@pytest.mark.parametrize("persona", [*ROLES, OUTSIDER, ANONYMOUS])
def test_admin_is_for_staff_only(client, world, persona):
    """No program role opens the admin site: everyone is sent to its login."""
    response = _as(client, world, persona).get("/admin/")
    _assert_response(response, Redirect("admin:login"), f"/admin/ as {persona}")
