"""The follow-up models: defects and their follow-up items, calibration, and
high-impact customer cases."""

from followup.models.calibration import (
    ActionStatus,
    Attendee,
    CalibrationAction,
    CalibrationCase,
    CalibrationItem,
    CalibrationRating,
    CalibrationSession,
    ReviewedDefect,
    RootCause,
    RootCauseCategory,
    SessionKind,
    SessionStatus,
)
from followup.models.cases import CaseSource, CaseStatus, CustomerCase
from followup.models.defects import Defect, DefectStatus, FollowUp, FollowUpStatus

__all__ = [
    "ActionStatus",
    "Attendee",
    "CalibrationAction",
    "CalibrationCase",
    "CalibrationItem",
    "CalibrationRating",
    "CalibrationSession",
    "CaseSource",
    "CaseStatus",
    "CustomerCase",
    "Defect",
    "DefectStatus",
    "FollowUp",
    "FollowUpStatus",
    "ReviewedDefect",
    "RootCause",
    "RootCauseCategory",
    "SessionKind",
    "SessionStatus",
]
