"""When a monthly report is due (PGD-4.7: by the 5th of the next month)."""

from datetime import date, datetime, time, timedelta

from programs.models import Program
from programs.months import add_months


def report_due_day(program: Program, month: date) -> date:
    """The day `month`'s report is due: the program's due day (the 5th) of the next month."""
    return add_months(month, 1).replace(day=program.report_due_day)


def report_due_at(program: Program, month: date) -> datetime:
    """The end of the report's due day in the program's zone: a report
    submitted before this instant is on time."""
    due_day = report_due_day(program, month)
    return datetime.combine(due_day + timedelta(days=1), time.min, tzinfo=program.zone)
