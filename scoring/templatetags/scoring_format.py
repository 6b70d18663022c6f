"""How the shop pages word a shop's numbers: a duration as minutes and
seconds, how an evidence file plays in the page."""

from django import template
from django.utils.translation import gettext as _

from scoring.services import file_type

register = template.Library()


@register.filter
def minutes_seconds(seconds) -> str:
    """435 → "7 min 15 s"; None → "—"."""
    if seconds is None or seconds == "":
        return "—"
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return _("%(s)d s") % {"s": rest}
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": rest}


@register.filter
def plays(evidence) -> str:
    """ "audio", "image" or "" (a download) for an evidence file."""
    found = file_type(evidence)
    return found.plays if found else ""
