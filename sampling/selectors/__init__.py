"""sampling.selectors: one module per sub-domain, re-exported here."""

from sampling.selectors.imports import (
    HEAT_LEVELS,
    HOURS,
    WEEKDAY_LABELS,
    WEEKDAYS,
    ContactOverview,
    HeatCell,
    ReasonRow,
    UnknownReason,
    contact_overview,
    import_unknown_reasons,
    plan_using_import,
    plans_by_import,
)
from sampling.selectors.plans import (
    AGENDA_RELATED,
    OVERDUE_DAYS,
    AreaStrata,
    ProgressRow,
    plan_progress,
    shopper_overdue,
    shopper_shops,
    strata_by_area,
)

__all__ = [
    "AGENDA_RELATED",
    "HEAT_LEVELS",
    "HOURS",
    "OVERDUE_DAYS",
    "WEEKDAYS",
    "WEEKDAY_LABELS",
    "AreaStrata",
    "ContactOverview",
    "HeatCell",
    "ProgressRow",
    "ReasonRow",
    "UnknownReason",
    "contact_overview",
    "import_unknown_reasons",
    "plan_progress",
    "plan_using_import",
    "plans_by_import",
    "shopper_overdue",
    "shopper_shops",
    "strata_by_area",
]
