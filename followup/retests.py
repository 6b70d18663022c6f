"""Re-tests (issue: follow-up): a follow-up item that asks for a re-test puts a
shop of the same scenario in next month's plan; its result is read back here."""

from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from followup.models import FollowUp, FollowUpStatus
from sampling.services import RetestRequest, previous_month


def retest_requests_for(program, month: date) -> list[RetestRequest]:
    """Items logged last month (or earlier, not yet re-tested) that asked for a re-test."""
    items = (
        FollowUp.objects.filter(
            program=program,
            retest_requested=True,
            status=FollowUpStatus.DONE,
            shop__planned_shop__plan__month__lte=previous_month(month),
        )
        .exclude(shop__planned_shop__retests__plan__month__lte=month)
        .select_related("shop__planned_shop", "agent__team")
        .order_by("pk")
    )
    # The note is stored on the planned shop: word it in the site's language,
    # whatever language the request (or task) that makes the plan runs in.
    with translation.override(settings.LANGUAGE_CODE):
        return [
            RetestRequest(
                planned_shop_id=item.shop.planned_shop_id,
                note=_("Re-test of shop #%(n)s (%(month)s, team %(team)s)")
                % {
                    "n": item.shop.planned_shop.number,
                    "month": f"{item.shop.planned_shop.date:%Y-%m}",
                    "team": item.agent.team.name if item.agent else "—",
                },
            )
            for item in items
        ]
