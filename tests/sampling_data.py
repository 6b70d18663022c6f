"""Synthetic month-N-1 contact counts for plan tests."""

from devdata.traffic import synthetic_contact_month as contact_month

__all__ = ["contact_month"]
