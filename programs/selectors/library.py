"""Reads of the library: the sections a coaching rule can name, where a new rule
goes, and the rules in plain language (TLK-5.5)."""

from decimal import Decimal

from django.db.models import Max
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from programs.models import (
    CoachingRule,
    Program,
    RuleComparison,
    RuleMetric,
    ScorecardStatus,
    Section,
)


def coaching_rule_next_order(program: Program) -> int:
    """The order that puts a new rule after the program's existing ones."""
    last = CoachingRule.objects.filter(program=program).aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


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
        return _("Incomplete rule: %(name)s") % {"name": rule.label}
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
