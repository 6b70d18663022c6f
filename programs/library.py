"""The library: contact reasons, scenarios (TLK-5.1.2, TLK-5.2.1.1) and coaching
rules (TLK-5.5). Writes that touch several rows, the rules in plain language,
and the change history shown on the library pages."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Max, OuterRef, ProtectedError, QuerySet, Subquery
from django.template.defaultfilters import floatformat
from django.utils import formats
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from programs.models import (
    CoachingRule,
    ContactReason,
    Program,
    RuleComparison,
    RuleMetric,
    ScorecardStatus,
    Section,
)

# --- Writes -------------------------------------------------------------------


def reason_remove(*, reason: ContactReason) -> bool:
    """Delete a reason nothing uses; deactivate it when scenarios (or any other
    record) still refer to it, so they keep their reason.

    Returns True when the reason was deleted, False when it was deactivated.
    """
    try:
        with transaction.atomic():
            reason.delete()
    except ProtectedError:
        reason.is_active = False
        reason.save(update_fields=["is_active"])
        return False
    return True


def coaching_rule_next_order(program: Program) -> int:
    """The order that puts a new rule after the program's existing ones."""
    last = CoachingRule.objects.filter(program=program).aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def coaching_rule_move(*, rule: CoachingRule, step: int) -> None:
    """Move a rule `step` places up (negative) or down (positive) in its
    program's list and renumber the list 0, 1, 2, … Saved one by one so each
    changed rule gets a history record."""
    rules = list(
        CoachingRule.objects.select_for_update()
        .filter(program_id=rule.program_id)
        .order_by("order", "id")
    )
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    target = min(max(index + step, 0), len(rules) - 1)
    rules.insert(target, rules.pop(index))
    for order, r in enumerate(rules):
        if r.order != order:
            r.order = order
            r.save(update_fields=["order"])


# --- Coaching rules in plain language ----------------------------------------


def published_section_choices(program: Program) -> list[tuple[str, str]]:
    """(code, name) of the sections in the program's published scorecards, one
    per code, in scorecard order. One query."""
    rows = (
        Section.objects.filter(
            scorecard__program=program, scorecard__status=ScorecardStatus.PUBLISHED
        )
        .order_by("order", "code", "name")
        .values_list("code", "name")
        .distinct()
    )
    choices: dict[str, str] = {}
    for code, name in rows:
        choices.setdefault(code, name)
    return list(choices.items())


# One complete sentence per kind of rule, so translators never see fragments.
# Keyed by (metric, comparison, several sections); "days" picks the plural.
_SENTENCES = {
    (RuleMetric.CRITICAL, "", False): ngettext_lazy(
        "When the shop has a critical error → %(action)s, due in %(days)s working day.",
        "When the shop has a critical error → %(action)s, due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SHOP, RuleComparison.ZERO, False): ngettext_lazy(
        "When the shop score is 0 → %(action)s, due in %(days)s working day.",
        "When the shop score is 0 → %(action)s, due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SHOP, RuleComparison.BELOW_TARGET, False): ngettext_lazy(
        "When the shop score is below the target of %(target)s → %(action)s, "
        "due in %(days)s working day.",
        "When the shop score is below the target of %(target)s → %(action)s, "
        "due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SHOP, RuleComparison.BELOW_VALUE, False): ngettext_lazy(
        "When the shop score is below %(value)s → %(action)s, due in %(days)s working day.",
        "When the shop score is below %(value)s → %(action)s, due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SECTIONS, RuleComparison.ZERO, False): ngettext_lazy(
        "When section %(sections)s is 0 → %(action)s, due in %(days)s working day.",
        "When section %(sections)s is 0 → %(action)s, due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SECTIONS, RuleComparison.BELOW_TARGET, False): ngettext_lazy(
        "When section %(sections)s is below the target of %(target)s → %(action)s, "
        "due in %(days)s working day.",
        "When section %(sections)s is below the target of %(target)s → %(action)s, "
        "due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SECTIONS, RuleComparison.BELOW_VALUE, False): ngettext_lazy(
        "When section %(sections)s is below %(value)s → %(action)s, due in %(days)s working day.",
        "When section %(sections)s is below %(value)s → %(action)s, due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SECTIONS, RuleComparison.ZERO, True): ngettext_lazy(
        "When the average of sections %(sections)s is 0 → %(action)s, "
        "due in %(days)s working day.",
        "When the average of sections %(sections)s is 0 → %(action)s, "
        "due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SECTIONS, RuleComparison.BELOW_TARGET, True): ngettext_lazy(
        "When the average of sections %(sections)s is below the target of %(target)s → "
        "%(action)s, due in %(days)s working day.",
        "When the average of sections %(sections)s is below the target of %(target)s → "
        "%(action)s, due in %(days)s working days.",
        "days",
    ),
    (RuleMetric.SECTIONS, RuleComparison.BELOW_VALUE, True): ngettext_lazy(
        "When the average of sections %(sections)s is below %(value)s → %(action)s, "
        "due in %(days)s working day.",
        "When the average of sections %(sections)s is below %(value)s → %(action)s, "
        "due in %(days)s working days.",
        "days",
    ),
}


def _score(value: Decimal | None) -> str:
    return floatformat(value, -2) if value is not None else "?"


def rule_sentence(rule: CoachingRule, *, target: Decimal, section_names: dict[str, str]) -> str:
    """The rule in plain language, e.g. "When section Solution is 0 → Coaching,
    due in 5 working days." `section_names` maps section codes to names (codes
    without a name are shown as they are)."""
    codes = list(rule.section_codes or []) if rule.metric == RuleMetric.SECTIONS else []
    comparison = "" if rule.metric == RuleMetric.CRITICAL else rule.comparison
    sentence = _SENTENCES.get((rule.metric, comparison, len(codes) > 1))
    if sentence is None:  # an incomplete rule saved outside the forms
        return _("Incomplete rule: %(name)s") % {"name": rule.name}
    names = [f"“{section_names.get(code, code)}”" for code in codes]
    return sentence % {
        "sections": _list_text(names),
        "target": _score(target),
        "value": _score(rule.threshold),
        "action": rule.get_action_display(),
        "days": rule.due_days,
    }


def _list_text(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


# --- Change history -------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    """One save of an audited row: who, when, what kind, which fields changed."""

    when: datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted
    object_id: int
    title: str
    changes: list[FieldChange]

    @property
    def kind_label(self) -> str:
        return str(_HISTORY_KINDS.get(self.kind, self.kind))


_HISTORY_KINDS = {
    "+": gettext_lazy("Created"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Deleted"),
}
_NOT_SHOWN = {"id", "program", "created_at"}


def history_entries(
    records: QuerySet, *, related: tuple[str, ...] = (), limit: int = 50
) -> list[HistoryEntry]:
    """The latest `limit` history records of `records` (a simple-history
    queryset), newest first, each with the fields it changed compared with the
    row's previous record. Two queries whatever the number of records;
    `related` names the foreign keys to show by name (select_related)."""
    model = records.model
    previous = (
        model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    latest = list(
        records.select_related("history_user", *related)
        .annotate(previous_history_id=Subquery(previous))
        .order_by("-history_id")[:limit]
    )
    wanted = [r.previous_history_id for r in latest if r.previous_history_id]
    before = model.objects.select_related(*related).in_bulk(wanted) if wanted else {}
    fields = [f for f in model.tracked_fields if f.name not in _NOT_SHOWN]
    entries = []
    for record in latest:
        prior = before.get(record.previous_history_id)
        changes = []
        if prior is not None and record.history_type == "~":
            for field in fields:
                if getattr(record, field.attname) != getattr(prior, field.attname):
                    changes.append(
                        FieldChange(
                            str(field.verbose_name),
                            _display(prior, field),
                            _display(record, field),
                        )
                    )
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(user) if user else _("the system"),
                kind=record.history_type,
                object_id=record.id,
                title=str(record.instance),
                changes=changes,
            )
        )
    return entries


def _display(record, field) -> str:
    value = getattr(record, field.attname)
    if value is None or value == "" or value == []:
        return "—"
    if field.is_relation:
        try:
            return str(getattr(record, field.name))
        except ObjectDoesNotExist:
            return f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return floatformat(value, -2)
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return Truncator(str(value)).chars(120)
