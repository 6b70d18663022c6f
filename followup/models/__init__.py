"""The follow-up models: defects and their follow-up items, and calibration."""

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
from followup.models.defects import Defect, DefectStatus, FollowUp, FollowUpStatus

__all__ = [
    "ActionStatus",
    "Attendee",
    "CalibrationAction",
    "CalibrationCase",
    "CalibrationItem",
    "CalibrationRating",
    "CalibrationSession",
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
