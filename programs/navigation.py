"""The program's menu: each entry names a URL, a label and the roles that see it.

Entries whose URL is not (yet) part of the product are skipped, so an app adds
its pages here without any template change.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from programs.access import ALL_ROLES, READ_SCENARIOS, READ_SCHEDULE
from programs.models import Role


@dataclass(frozen=True)
class MenuEntry:
    group: str
    url_name: str
    label: str
    icon: str
    roles: frozenset[str] = ALL_ROLES


SETUP = _("Setup")
PEOPLE = _("People")
LIBRARY = _("Library")
SAMPLING = _("Sampling")
SHOPS = _("Shops")
FOLLOW_UP = _("Follow-up")
REPORTING = _("Reporting")

MENU: list[MenuEntry] = [
    MenuEntry(REPORTING, "dashboard", _("Dashboard"), "speedometer2"),
    MenuEntry(
        REPORTING,
        "report_list",
        _("Monthly reports (F-27)"),
        "file-earmark-bar-graph",
        frozenset(Role.values) - {Role.SHOPPER},
    ),
    MenuEntry(
        REPORTING,
        "yearly_summary",
        _("Yearly summary"),
        "graph-up",
        frozenset(Role.values) - {Role.SHOPPER},
    ),
    MenuEntry(
        REPORTING,
        "evaluator_quality",
        _("Evaluator quality"),
        "clipboard-check",
        frozenset({Role.MANAGER, Role.QC_ANALYST}),
    ),
    MenuEntry(
        REPORTING,
        "audit_pack_list",
        _("ISO audit pack"),
        "archive",
        frozenset({Role.MANAGER, Role.QC_ANALYST}),
    ),
    MenuEntry(
        REPORTING,
        "retention",
        _("Retention"),
        "hourglass-split",
        frozenset({Role.MANAGER, Role.QC_ANALYST}),
    ),
    MenuEntry(SAMPLING, "agenda", _("My agenda"), "calendar-check", frozenset({Role.SHOPPER})),
    MenuEntry(
        SAMPLING,
        "contact_import_list",
        _("Contact data"),
        "upload",
        frozenset({Role.MANAGER, Role.QC_ANALYST}),
    ),
    MenuEntry(SAMPLING, "plan_list", _("Sample plans"), "calendar3", READ_SCHEDULE),
    MenuEntry(
        SAMPLING,
        "sample_progress",
        _("Progress"),
        "bar-chart-steps",
        READ_SCHEDULE | {Role.VIEWER},
    ),
    MenuEntry(SHOPS, "shop_list", _("All shops"), "list-check"),
    MenuEntry(
        SHOPS,
        "review_queue",
        _("Review queue"),
        "inbox",
        frozenset({Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR}),
    ),
    MenuEntry(
        FOLLOW_UP,
        "defect_inbox",
        _("Defects"),
        "exclamation-diamond",
        frozenset(Role.values) - {Role.SHOPPER},
    ),
    MenuEntry(
        FOLLOW_UP,
        "follow_up_list",
        _("Follow-up (F-28)"),
        "person-check",
        frozenset(Role.values) - {Role.SHOPPER},
    ),
    MenuEntry(
        FOLLOW_UP,
        "calibration_list",
        _("Calibration"),
        "people",
        frozenset(Role.values) - {Role.SHOPPER},
    ),
    MenuEntry(
        FOLLOW_UP,
        "case_list",
        _("High-impact cases"),
        "megaphone",
        frozenset(Role.values) - {Role.SHOPPER},
    ),
    MenuEntry(SETUP, "program_settings", _("Rules"), "sliders"),
    MenuEntry(SETUP, "program_frame", _("Categories, bands and slots"), "clock"),
    MenuEntry(SETUP, "channel_list", _("Channels"), "telephone"),
    MenuEntry(SETUP, "scorecard_list", _("Scorecards"), "ui-checks"),
    MenuEntry(SETUP, "coaching_rule_list", _("Coaching rules"), "signpost-split"),
    MenuEntry(SETUP, "member_list", _("Members and RACI"), "people"),
    MenuEntry(
        SETUP,
        "program_history",
        _("Audit trail"),
        "clock-history",
        frozenset({Role.MANAGER, Role.QC_ANALYST}),
    ),
    MenuEntry(SETUP, "api_token_list", _("API tokens"), "key", frozenset({Role.MANAGER})),
    MenuEntry(PEOPLE, "area_list", _("Areas"), "geo-alt"),
    MenuEntry(PEOPLE, "team_list", _("Teams"), "diagram-3"),
    MenuEntry(PEOPLE, "agent_list", _("Agents"), "person-badge"),
    MenuEntry(LIBRARY, "reason_list", _("Contact reasons"), "chat-left-text"),
    MenuEntry(LIBRARY, "scenario_list", _("Scenarios"), "journal-text", READ_SCENARIOS),
]


def menu_for(program) -> list[tuple[str, list[dict]]]:
    """[(group, [{url, label, icon}, …]), …] for the current user's roles."""
    roles = getattr(program, "user_roles", frozenset())
    groups: dict[str, list[dict]] = {}
    for entry in MENU:
        if not roles & entry.roles:
            continue
        try:
            url = reverse(entry.url_name, args=[program.code])
        except NoReverseMatch:
            continue
        groups.setdefault(str(entry.group), []).append(
            {"url": url, "label": entry.label, "icon": entry.icon, "name": entry.url_name}
        )
    return list(groups.items())
