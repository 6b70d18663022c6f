"""Charts of the monthly report as SVG: vector graphics in the PDF (WeasyPrint)
and on the page, with no script (the strict CSP stays intact). Each chart is
drawn beside the table holding its numbers, so no number is only in a chart.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reporting.selectors.reports import Group, Mean

FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"'
BAR = "#3d6fb6"
BAR_MISSED = "#c0504d"
TARGET = "#2f855a"
MUTED = "#666666"
GRID = "#dddddd"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""


def _f(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def bars_from_groups(groups: list[Group]) -> list[Bar]:
    return [
        Bar(g.label, _f(g.score.mean), _f(g.score.low), _f(g.score.high), f"n={g.score.n}")
        for g in groups
    ]


def _label(text: str, limit: int = 30) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def bar_chart(
    bars: list[Bar],
    *,
    target: float | None = None,
    maximum: float = 100.0,
    title: str = "",
    unit: str = "",
) -> SafeString:
    """Horizontal bars with their 95 % CI whiskers and the target as a line."""
    if not bars:
        return mark_safe("")
    width, left, right, row = 640, 200, 70, 22
    top = 8
    height = top + row * len(bars) + 22
    plot = width - left - right

    def x(value: float) -> float:
        return left + plot * max(0.0, min(value, maximum)) / maximum

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="report-chart">'
    ]
    for tick in range(0, 101, 25):
        value = maximum * tick / 100
        parts.append(
            f'<line x1="{x(value):.1f}" y1="{top}" x2="{x(value):.1f}" '
            f'y2="{height - 18}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x(value):.1f}" y="{height - 5}" font-size="10" fill="{MUTED}" '
            f'text-anchor="middle" {FONT}>{value:g}{unit}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" font-size="11" text-anchor="end" {FONT}>'
            f"{_label(bar.label)}</text>"
        )
        if bar.value is None:
            continue
        missed = target is not None and bar.value < target
        parts.append(
            f'<rect x="{left}" y="{y + 4}" width="{x(bar.value) - left:.1f}" height="14" '
            f'fill="{BAR_MISSED if missed else BAR}"/>'
        )
        if bar.low is not None and bar.high is not None:
            parts.append(
                f'<line x1="{x(bar.low):.1f}" y1="{y + 11}" x2="{x(bar.high):.1f}" '
                f'y2="{y + 11}" stroke="#222" stroke-width="1.2"/>'
                f'<line x1="{x(bar.low):.1f}" y1="{y + 7}" x2="{x(bar.low):.1f}" y2="{y + 15}" '
                f'stroke="#222" stroke-width="1.2"/>'
                f'<line x1="{x(bar.high):.1f}" y1="{y + 7}" x2="{x(bar.high):.1f}" '
                f'y2="{y + 15}" stroke="#222" stroke-width="1.2"/>'
            )
        parts.append(
            f'<text x="{width - right + 6}" y="{y + 15}" font-size="11" {FONT}>'
            f"{bar.value:.2f}{unit}</text>"
        )
    if target is not None:
        parts.append(
            f'<line x1="{x(target):.1f}" y1="{top - 4}" x2="{x(target):.1f}" '
            f'y2="{height - 18}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="5,3"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def trend_chart(points: list[tuple[date, Mean]], *, target: float, title: str = "") -> SafeString:
    """The monthly mean over twelve months, its 95 % CI as a band, the target dashed."""
    known = [(m, mean) for m, mean in points if mean.mean is not None]
    width, height, left, bottom, top, right = 640, 220, 40, 24, 10, 26  # room for the last label
    values = [float(mean.low if mean.low is not None else mean.mean) for _m, mean in known]
    floor = min([*values, target]) if values else target
    low = max(0.0, (int(floor) // 5) * 5 - 5)
    high = 100.0
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)

    def px(i: int) -> float:
        return left + i * step

    def py(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="report-chart">'
    ]
    for tick in range(int(low), 101, 5 if high - low <= 30 else 10):
        parts.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{width - right}" y2="{py(tick):.1f}" '
            f'stroke="{GRID}"/><text x="{left - 4}" y="{py(tick) + 3:.1f}" font-size="9" '
            f'fill="{MUTED}" text-anchor="end" {FONT}>{tick}</text>'
        )
    for i, (m, _mean) in enumerate(points):
        parts.append(
            f'<text x="{px(i):.1f}" y="{height - 8}" font-size="9" fill="{MUTED}" '
            f'text-anchor="middle" {FONT}>{m:%m/%y}</text>'
        )
    index = {m: i for i, (m, _mean) in enumerate(points)}
    band = [(index[m], mean) for m, mean in known if mean.low is not None]
    if len(band) > 1:
        upper = " ".join(f"{px(i):.1f},{py(float(mean.high)):.1f}" for i, mean in band)
        lower = " ".join(f"{px(i):.1f},{py(float(mean.low)):.1f}" for i, mean in reversed(band))
        parts.append(f'<polygon points="{upper} {lower}" fill="{BAR}" fill-opacity="0.15"/>')
    parts.append(
        f'<line x1="{left}" y1="{py(target):.1f}" x2="{width - right}" y2="{py(target):.1f}" '
        f'stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="5,3"/>'
    )
    line = " ".join(f"{px(index[m]):.1f},{py(float(mean.mean)):.1f}" for m, mean in known)
    if len(known) > 1:
        parts.append(f'<polyline points="{line}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    for m, mean in known:
        parts.append(
            f'<circle cx="{px(index[m]):.1f}" cy="{py(float(mean.mean)):.1f}" r="3" fill="{BAR}"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
