"""The shopper's agenda as an iCalendar feed (RFC 5545), for Outlook or Google."""

from datetime import UTC, datetime

from django.utils.translation import gettext as _


def _escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        size = 75 if start == 0 else 74
        chunk = data[start : start + size]
        while True:  # never split a UTF-8 character
            try:
                parts.append(chunk.decode())
                break
            except UnicodeDecodeError:
                chunk = chunk[:-1]
        start += len(chunk)
    return "\r\n ".join(parts)


def shops_ics(shops, *, program, host: str, now: datetime | None = None) -> str:
    """VCALENDAR of planned shops; times converted from the program's zone to UTC."""
    zone = program.zone
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mysteryshop//agenda//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(program.name)} · {_escape(_('mystery shopping'))}",
        f"X-WR-CALDESC:{_escape(_('Your mystery shops'))}",
    ]
    for shop in shops:
        start = datetime.combine(shop.date, shop.slot.start, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(shop.date, shop.slot.end, tzinfo=zone).astimezone(UTC)
        scenario = shop.scenario.title if shop.scenario else _("scenario to be chosen")
        summary = _("Mystery shop #%(n)s: %(reason)s") % {
            "n": shop.number,
            "reason": shop.stratum.reason.name,
        }
        description = _("Channel: %(channel)s. Scenario: %(scenario)s.") % {
            "channel": shop.channel.name,
            "scenario": scenario,
        }
        if shop.area_id:  # a per-area plan (TLK-5.1.2)
            description += " " + _("Area: %(area)s.") % {"area": shop.area.name}
        lines += [
            "BEGIN:VEVENT",
            f"UID:shop-{shop.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{end:%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(description)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
