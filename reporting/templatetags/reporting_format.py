"""How the report writes its figures: one percentage format everywhere."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(share, places: int = 1) -> str:
    """A share of one (0.125) as a percentage in the reader's format ("12.5 %",
    "12,5 %"); "—" for none."""
    if share is None or share == "":
        return "—"
    return f"{number_format(round(float(share) * 100, places), places)} %"
