"""sampling.forms: one module per sub-domain, re-exported here."""

from sampling.forms.imports import (
    MAX_UPLOAD_MB,
    ContactImportForm,
    ImportMappingForm,
    MonthField,
    ReasonMapForm,
    last_month,
    upload_problem,
)
from sampling.forms.plans import PlanGenerateForm, ShopReassignForm, ShopRescheduleForm

__all__ = [
    "MAX_UPLOAD_MB",
    "ContactImportForm",
    "ImportMappingForm",
    "MonthField",
    "PlanGenerateForm",
    "ReasonMapForm",
    "ShopReassignForm",
    "ShopRescheduleForm",
    "last_month",
    "upload_problem",
]
