"""Working days of a program: its working weekdays, minus Indonesian public
holidays (when the program skips them) and its own closures."""

from datetime import date, timedelta

import holidays as holiday_calendars
from django.utils.translation import gettext_lazy as _

from programs.models import Program

# ISO weekday -> its name, worded in the reader's language.
WEEKDAY_NAMES = {
    1: _("Monday"),
    2: _("Tuesday"),
    3: _("Wednesday"),
    4: _("Thursday"),
    5: _("Friday"),
    6: _("Saturday"),
    7: _("Sunday"),
}


def weekday_name(weekday: int) -> str:
    return str(WEEKDAY_NAMES[weekday])


def closures(program: Program, start: date, end: date) -> dict[date, str]:
    """{day: why it is closed} between start and end (inclusive): the program's
    closures and, when it skips them, public holidays (named as the calendar does)."""
    closed = {}
    if program.skip_public_holidays:
        years = range(start.year, end.year + 1)
        calendar = holiday_calendars.country_holidays(program.holiday_country, years=years)
        closed = {d: name for d, name in calendar.items() if start <= d <= end}
    closed.update(
        program.closures.filter(date__gte=start, date__lte=end).values_list("date", "reason")
    )
    return closed


def closed_days(program: Program, start: date, end: date) -> set[date]:
    """Holidays and closures between start and end (inclusive)."""
    return set(closures(program, start, end))


def add_working_days(program: Program, start: date, days: int) -> date:
    """The day `days` working days after `start` (start itself not counted)."""
    closed = closed_days(program, start, start + timedelta(days=days * 3 + 30))
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.isoweekday() in program.working_days and current not in closed:
            left -= 1
    return current
