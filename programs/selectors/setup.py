"""Reads of the program set-up: the audit trail of its rules, members, scorecards,
scenarios, coaching rules, teams and agents."""

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from mysteryshop.history import HistoryEntry, history_entries
from programs.models import (
    Agent,
    CoachingRule,
    Membership,
    Program,
    RetentionRule,
    Scenario,
    Scorecard,
    ScorecardStatus,
    Team,
)
from programs.selectors.scorecards import scorecard_problems


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
    # A preset's rule is stored under its English name and worded when shown.
    Audited(
        CoachingRule,
        "program_id",
        gettext_lazy("Coaching rule"),
        lambda r: gettext(r.name) if r.name else "",
    ),
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


# --- A change of the scoring mode (issue #17) --------------------------------------

# Later stages register functions (program, mode) -> int: how many of their
# records keep a scoring mode other than `mode` (scoring registers the shops in
# its ready()). programs calls them without importing those stages.
MODE_KEEPERS: list = []


@dataclass(frozen=True)
class ScoringModeChange:
    """What switching `program` to `mode` does: it applies to new shops only;
    `kept` shops keep the mode they were scored under. `problems` stop it."""

    old_mode: str
    mode: str
    kept: int
    problems: list[str]


def scoring_mode_change(program: Program, mode: str) -> ScoringModeChange:
    """What changing the program's scoring mode to `mode` would do. The program's
    own (saved) mode is read from the database, not from an edited instance."""
    old_mode = Program.objects.values_list("scoring_mode", flat=True).get(pk=program.pk)
    kept = sum(keeper(program, mode) for keeper in MODE_KEEPERS) if mode != old_mode else 0
    problems = []
    if mode != old_mode:
        # New shops are scored with the published scorecards under the new mode.
        for scorecard in Scorecard.objects.filter(
            program=program, status=ScorecardStatus.PUBLISHED
        ).select_related("program"):
            problems += [
                f"{scorecard}: {problem}" for problem in scorecard_problems(scorecard, mode=mode)
            ]
    return ScoringModeChange(old_mode, mode, kept, problems)
