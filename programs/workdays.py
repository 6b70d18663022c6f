"""Working days of a program: its working weekdays, minus Indonesian public
holidays (when the program skips them) and its own closures."""

from datetime import date, timedelta

import holidays as holiday_calendars

from programs.models import Program


def closed_days(program: Program, start: date, end: date) -> set[date]:
    """Holidays and closures between start and end (inclusive)."""
    closed = set(
        program.closures.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
    )
    if program.skip_public_holidays:
        years = range(start.year, end.year + 1)
        calendar = holiday_calendars.country_holidays(program.holiday_country, years=years)
        closed |= {d for d in calendar if start <= d <= end}
    return closed


def add_working_days(program: Program, start: date, days: int) -> date:
    """The day `days` working days after `start` (start itself not counted)."""
    closed = closed_days(program, start, start + timedelta(days=days * 3 + 30))
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.isoweekday() in program.working_days and current not in closed:
            left -= 1
    return current
