"""Spreadsheet sheets of the follow-up app, shared by its pages and the monthly
report."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from followup.models import FollowUp
from followup.selectors.defects import RecapRow
from mysteryshop.spreadsheets import Sheet


def follow_up_sheet(program, items: Iterable[FollowUp]) -> Sheet:
    """F-28: the follow-up items with their status and session record."""
    return Sheet(
        title=program.form_code_followup,
        headers=[
            _("Shop"),
            _("Date"),
            _("Agent"),
            _("Team"),
            _("Follow-up"),
            _("Due"),
            _("Status"),
            _("Held on"),
            _("Session"),
            _("Participants"),
            _("Notes"),
            _("The agent's commitment"),
            _("Outcome"),
            _("Re-test"),
        ],
        rows=[
            [
                i.shop.planned_shop.number,
                i.shop.planned_shop.date,
                i.agent.name if i.agent else "",
                i.agent.team.name if i.agent else "",
                i.get_kind_display(),
                i.due_on,
                i.get_status_display(),
                i.held_on,
                i.get_session_type_display(),
                i.participants,
                i.notes,
                i.commitment,
                i.outcome,
                _("yes") if i.retest_requested else "",
            ]
            for i in items
        ],
        widths=[8, 12, 22, 16, 24, 12, 12, 12, 20, 24, 40, 40, 30, 8],
        number_formats={1: "yyyy-mm-dd", 5: "yyyy-mm-dd", 7: "yyyy-mm-dd"},
    )


def recap_sheet(rows: list[RecapRow]) -> Sheet:
    """The month's nonconformities with their correct solutions (TLK-5.6.2)."""
    return Sheet(
        title=_("Nonconformities"),
        headers=[
            _("Date"),
            _("Shop"),
            _("Agent"),
            _("Team"),
            _("Section"),
            _("Parameter"),
            _("Critical error"),
            _("Nonconformity"),
            _("Correct solution"),
            _("Status"),
        ],
        rows=[
            [
                r.date,
                r.shop_number,
                r.agent,
                r.team,
                r.section,
                r.parameter,
                r.critical,
                r.nonconformity,
                r.correct_solution,
                r.status_label,
            ]
            for r in rows
        ],
        widths=[12, 8, 22, 16, 20, 40, 10, 50, 50, 16],
        number_formats={0: "yyyy-mm-dd"},
    )
