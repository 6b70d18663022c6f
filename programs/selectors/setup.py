"""Reads of the program set-up: the audit trail of its rules, members, scorecards,
scenarios, coaching rules, teams and agents."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from mysteryshop.history import HistoryEntry, history_entries
from programs.models import (
    Agent,
    CoachingRule,
    Membership,
    Program,
    RetentionRule,
    Scenario,
    Scorecard,
    Team,
)


@dataclass(frozen=True)
class Audited:
    model: type
    key: str
    label: str
    describe: object  # historical row -> str, without further queries
    related: tuple[str, ...] = ()


AUDITED = [
    Audited(Program, "id", gettext_lazy("Program rules"), lambda r: r.name),
    Audited(
        Membership,
        "program_id",
        gettext_lazy("Membership"),
        lambda r: f"{r.user} · {r.get_role_display()}",
        ("user",),
    ),
    Audited(
        RetentionRule,
        "program_id",
        gettext_lazy("Retention"),
        lambda r: f"{r.get_record_type_display()}: {r.years}",
    ),
    Audited(
        Scorecard, "program_id", gettext_lazy("Scorecard"), lambda r: f"{r.name} v{r.version}"
    ),
    Audited(Scenario, "program_id", gettext_lazy("Scenario"), lambda r: r.title),
    Audited(CoachingRule, "program_id", gettext_lazy("Coaching rule"), lambda r: r.name),
    Audited(Team, "program_id", gettext_lazy("Team"), lambda r: r.name),
    Audited(Agent, "program_id", gettext_lazy("Agent"), lambda r: f"{r.name} ({r.employee_id})"),
]


AUDIT_LIMIT = 200


def audit_entries(program: Program, *, limit: int = AUDIT_LIMIT) -> list[HistoryEntry]:
    """The latest changes to the program's audited records, newest first.
    Two queries per record type, whatever the number of changes."""
    entries = [
        entry
        for audited in AUDITED
        for entry in history_entries(
            audited.model.history.filter(**{audited.key: program.pk}),
            related=audited.related,
            limit=limit,
            describe=audited.describe,
            group=str(audited.label),
        )
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
