"""Writes of the library: contact reasons, scenarios (TLK-5.1.2, TLK-5.2.1.1) and
coaching rules (TLK-5.5), where they touch several rows."""

from django.db import transaction
from django.db.models import ProtectedError

from programs.models import (
    CoachingRule,
    ContactReason,
)


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
