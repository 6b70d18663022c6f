"""A month of contacts as contact-logging systems really export it: the one
realistic generator of the tests, the import benchmark and the walkthroughs.

The traffic has a day curve with peaks at 10–11 and 14–15 and quiet nights,
busier Mondays than Sundays, and Indonesian public holidays as quiet days.
Labels are the exporter's, not the program's: Indonesian headers, categories
`Informasi / Permintaan / Komplain` with a status column `FCR / Eskalasi`,
channels by their display names plus one the program does not have
(`Outbound` where it has none), and each reason spelled three ways (as named,
lower case, with stray spaces). Styles:

    iso          UTF-8, commas, 2026-10-01T08:15:00+07:00
    excel        Indonesian Excel: semicolons, Windows-1252, 21/10/2026 09:03
    tab          UTF-8 with BOM, tabs, 21-10-2026 9:03:05
    xlsx         a workbook with real date cells
    xlsx_serial  a workbook whose dates are Excel serial numbers
"""

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

# Relative traffic per hour of the day: peaks at 10–11 and 14–15, quiet nights.
HOUR_CURVE = [
    0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.5, 4, 8, 12, 16, 15,
    10, 11, 15, 16, 11, 8, 6, 5, 4, 3, 1.5, 0.6,
]  # fmt: skip
# Monday … Sunday.
WEEKDAY_WEIGHTS = [1.25, 1.1, 1.0, 1.0, 0.9, 0.55, 0.4]
HOLIDAY_WEIGHT = 0.3
# The exporter's words for a category code: (category, status).
CATEGORY_LABELS = {
    "information": ("Informasi", ""),
    "request": ("Permintaan", ""),
    "complaint": ("Komplain", None),  # status drawn: FCR or Eskalasi
    "complaint_fcr": ("Komplain", "FCR"),
    "complaint_escalated": ("Komplain", "Eskalasi"),
}
HEADERS = ["Tanggal/Waktu", "Kanal", "Alasan Kontak", "Kategori", "Status", "Wilayah"]
AREAS = ["Jakarta", "Bandung", "Surabaya", "Medan"]
STYLES = ("iso", "excel", "tab", "xlsx", "xlsx_serial")
EXTRA_CHANNEL = "Outbound"
EXCEL_EPOCH = datetime(1899, 12, 30)


@dataclass(frozen=True)
class Contact:
    """One exported row and the truth behind it."""

    moment: datetime  # aware, in the program's zone
    channel: str  # as exported
    reason: str  # as exported (one of three spellings)
    category: str
    status: str
    area: str
    reason_name: str  # the program's reason it stands for
    category_code: str
    channel_code: str  # "" for the channel the program lacks


@dataclass(frozen=True)
class Profile:
    """What a program's export holds: reasons (name, category code) and
    channels (code, exported name)."""

    time_zone: str
    reasons: list[tuple[str, str]]
    channels: list[tuple[str, str]]
    extra_channel: bool = True
    unknown_reason: str = "Tanya promo bulan ini"


def profile_of(program) -> Profile:
    reasons = [(r.name, r.category.code) for r in program.reasons.select_related("category")]
    channels = []
    for channel in program.channels.filter(is_active=True).select_related("parent"):
        if channel.children.exists():
            continue  # contacts are logged on the sub-channels
        channels.append((channel.code, channel.name.split(" (")[0]))
    has_outbound = any(code == "outbound" for code, _name in channels)
    return Profile(program.time_zone, reasons, channels, extra_channel=not has_outbound)


def _spelled(name: str, rng: random.Random) -> str:
    """A reason as agents type it: as named, lower case, or with stray spaces."""
    way = rng.random()
    if way < 0.6:
        return name
    if way < 0.8:
        return name.lower()
    return " " + name.replace(" ", "  ", 1) + " "


def contacts(profile: Profile, month: date, rows: int, *, seed: int = 1) -> Iterator[Contact]:
    rng = random.Random(seed)
    zone = ZoneInfo(profile.time_zone)
    off = holidays.country_holidays("ID", years=month.year)
    days = [month + timedelta(days=i) for i in range(31)]
    days = [d for d in days if d.month == month.month]
    day_weights = [
        WEEKDAY_WEIGHTS[d.weekday()] * (HOLIDAY_WEIGHT if d in off else 1.0) for d in days
    ]
    reasons = [*profile.reasons, (profile.unknown_reason, profile.reasons[0][1])]
    reason_weights = [1 / (i + 1) for i in range(len(profile.reasons))] + [0.01]
    channels = list(profile.channels)
    channel_weights = [6 if code == "inbound" else 1 for code, _n in channels]
    if profile.extra_channel:
        channels.append(("", EXTRA_CHANNEL))
        channel_weights.append(0.3)
    for _ in range(rows):
        day = rng.choices(days, day_weights)[0]
        hour = rng.choices(range(24), HOUR_CURVE)[0]
        moment = datetime(
            day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=zone
        )
        reason, code = rng.choices(reasons, reason_weights)[0]
        category, status = CATEGORY_LABELS.get(code, (code, ""))
        if status is None:
            status = rng.choice(["FCR", "FCR", "Eskalasi"])
        channel_code, channel = rng.choices(channels, channel_weights)[0]
        yield Contact(
            moment=moment,
            channel=channel,
            reason=_spelled(reason, rng),
            category=category,
            status=status,
            area=rng.choice(AREAS),
            reason_name=reason,
            category_code=code,
            channel_code=channel_code,
        )


def _stamp(contact: Contact, style: str):
    moment = contact.moment
    if style == "iso":
        return moment.isoformat()
    if style == "excel":
        return f"{moment:%d/%m/%Y %H:%M}"
    if style == "tab":
        return f"{moment:%d-%m-%Y} {moment.hour}:{moment:%M:%S}"
    naive = moment.replace(tzinfo=None)
    if style == "xlsx_serial":
        return round((naive - EXCEL_EPOCH) / timedelta(days=1), 8)
    return naive


def _cells(contact: Contact, style: str) -> list:
    return [
        _stamp(contact, style),
        contact.channel,
        contact.reason,
        contact.category,
        contact.status,
        contact.area,
    ]


def write(path: Path, items: list[Contact] | Iterator[Contact], style: str) -> Path:
    """Write the contacts as `style` exports them."""
    if style in ("xlsx", "xlsx_serial"):
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(HEADERS)
        for contact in items:
            sheet.append(_cells(contact, style))
        book.save(path)
        return path
    encoding, delimiter = {
        "iso": ("utf-8", ","),
        "excel": ("cp1252", ";"),
        "tab": ("utf-8-sig", "\t"),
    }[style]
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(HEADERS)
        for contact in items:
            writer.writerow(_cells(contact, style))
    return path
