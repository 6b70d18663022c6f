"""Months as they appear in URLs ("YYYY-MM")."""

from datetime import date

from django.http import Http404


def month_from_url(value: str) -> date:
    """The first day of the month `value` ("YYYY-MM"); 404 for anything else."""
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise Http404 from None


def add_months(month: date, n: int) -> date:
    """The first day of the month `n` months after `month`'s (n < 0: before)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)
