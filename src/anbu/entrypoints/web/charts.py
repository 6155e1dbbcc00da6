"""Small charts drawn on the server as SVG: no script, readable on a phone, printable, and
described for screen readers (`<title>` and `<desc>` on the chart, a `<title>` on each bar or
point, so that each value can be read out on its own).

The caller gives the words (titles, labels, units) in the viewer's language; the default
description is Korean.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#1d2733"
MUTED = "#5b6675"
LINE = "#d9dee5"
STRONG = "#1f5fbf"
LIGHT = "#b8c2cf"
DANGER = "#a40e26"  # anbu.css --danger

_FONT = 11  # px; axis labels
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 12, 26
_LEGEND = 18  # room above the plot for a legend
_GRID_FONT = 12  # px in the week grid's narrow drawing: about that on a phone


def bar_chart(
    series: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    unit: str = "",
    desc: str | None = None,
    part: Sequence[float] | None = None,
    legend: tuple[str, str] | None = None,
    overlay: Callable[[Plot], Sequence[str]] | None = None,
    layout: str = "",
) -> Markup:
    """One bar per (label, value), in order, as an accessible SVG.

    `layout`, when given (`wide`, `narrow`), draws the chart as wide as its box, the
    stylesheet showing the drawing of that name at a desk's or a phone's width (as the
    report charts are drawn, `report_charts.LAYOUTS`); without it, `width` pixels at most.
    The labels under the bars count back from the newest, which is always labelled.

    `overlay`, when given, draws over the bars, told where the plot lies (`Plot`).

    `part`, when given, is for each bar how much of it to draw in the strong colour, at its
    foot (the signs of life among a day's events, say); the rest is drawn light. `legend`
    then names the two: (part, rest). Each bar is a `<g class="bar">` carrying
    `data-label`, `data-value` (and `data-part`), so that tests and scripts can read it.
    Raises ValueError when `part` does not match `series` or exceeds a bar.
    """
    if part is not None:
        if len(part) != len(series):
            raise ValueError("part needs one value per bar")
        if any(p < 0 or p > v for p, (_, v) in zip(part, series, strict=True)):
            raise ValueError("a bar's part must lie between 0 and its value")
    values = [max(float(v), 0.0) for _, v in series]
    top = _nice_ceiling(max(values, default=0.0))
    ident = _ident(f"bar{layout}", title, series)
    legend_room = _LEGEND if legend else 0
    plot_x, plot_y = _LEFT, _TOP + legend_room
    plot_w = max(width - _LEFT - _RIGHT, 1)
    plot_h = max(height - plot_y - _BOTTOM, 1)
    slot = plot_w / max(len(series), 1)
    bar_w = max(slot * 0.7, 1.0)

    parts: list[str] = [_open(ident, title, desc or _summary(series, unit), width, height, layout)]
    parts.extend(_y_axis(top, unit, plot_x, plot_y, plot_w, plot_h))
    if legend:
        parts.append(_legend(legend, plot_x, _TOP))
    every = _label_step([label for label, _ in series], slot)
    for index, (label, raw) in enumerate(series):
        value = values[index]
        x = plot_x + slot * index + (slot - bar_w) / 2
        h = plot_h * value / top
        y = plot_y + plot_h - h
        tip = f"{label}: {_number(raw)}{unit}"
        data = f'data-label="{escape(label)}" data-value="{_datum(raw)}"'
        shapes = [_rect(x, y, bar_w, h, LIGHT if part is not None else STRONG)]
        if part is not None:
            strong = plot_h * max(float(part[index]), 0.0) / top
            named = f"{legend[0]} " if legend else ""
            tip += f" ({named}{_number(part[index])}{unit})"
            data += f' data-part="{_datum(part[index])}"'
            shapes.append(_rect(x, plot_y + plot_h - strong, bar_w, strong, STRONG))
        parts.append(f'<g class="bar" {data}><title>{escape(tip)}</title>{"".join(shapes)}</g>')
        if (len(series) - 1 - index) % every == 0:
            # The newest label ends at the drawing's edge rather than past it.
            middle = min(x + bar_w / 2, width - _text_width(label) / 2)
            parts.append(_x_label(label, middle, plot_y + plot_h + _FONT + 4))
    if overlay is not None:
        parts.extend(overlay(Plot(plot_x, plot_y, plot_w, plot_h, slot)))
    parts.append("</svg>")
    return _markup(parts)


def line_chart(
    series: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    unit: str = "",
    desc: str | None = None,
) -> Markup:
    """A line through the (label, value) points, in order, as an accessible SVG; each point
    is a `<circle class="point">` with its own `<title>` and `data-value`."""
    values = [max(float(v), 0.0) for _, v in series]
    top = _nice_ceiling(max(values, default=0.0))
    ident = _ident("line", title, series)
    plot_x, plot_y = _LEFT, _TOP
    plot_w = max(width - _LEFT - _RIGHT, 1)
    plot_h = max(height - plot_y - _BOTTOM, 1)
    slot = plot_w / max(len(series), 1)

    parts: list[str] = [_open(ident, title, desc or _summary(series, unit), width, height)]
    parts.extend(_y_axis(top, unit, plot_x, plot_y, plot_w, plot_h))
    points = [
        (plot_x + slot * i + slot / 2, plot_y + plot_h - plot_h * v / top)
        for i, v in enumerate(values)
    ]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{STRONG}" stroke-width="2" '
            'aria-hidden="true"/>'
        )
    every = _label_step([label for label, _ in series], slot)
    for index, ((label, raw), (x, y)) in enumerate(zip(series, points, strict=True)):
        tip = f"{label}: {_number(raw)}{unit}"
        parts.append(
            f'<circle class="point" data-label="{escape(label)}" data-value="{_datum(raw)}" '
            f'cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{STRONG}"><title>{escape(tip)}</title>'
            "</circle>"
        )
        if index % every == 0:
            parts.append(_x_label(label, x, plot_y + plot_h + _FONT + 4))
    parts.append("</svg>")
    return _markup(parts)


def week_grid(
    rates: Sequence[float],
    *,
    title: str,
    days: Sequence[str],
    unit: str = "",
    desc: str,
    width: int = 360,
) -> Markup:
    """A week as a grid of 7 rows (`days`, Monday first) by 24 hours, each cell shaded by its
    value in `rates` (168, Monday 00–01 first): when in the week something usually happens.
    Each cell is a `<rect class="cell">` with `data-day`, `data-hour`, `data-value` and its
    own `<title>`. Drawn narrow, so that it fits a phone's width without scrolling and
    grows to fill a wider screen. Raises ValueError unless there are 168 rates and 7 day
    names."""
    if len(rates) != 168 or len(days) != 7:
        raise ValueError("a week grid takes 168 hourly values and 7 day names")
    top = max(max(rates, default=0.0), 1e-9)
    left = max(_text_width(day) * _GRID_FONT / _FONT for day in days) + 10
    cell_w = (width - left - _RIGHT) / 24
    cell_h = 16.0
    height = int(_TOP + 7 * cell_h + _GRID_FONT + 12)
    ident = _ident("week", title, [(str(h), v) for h, v in enumerate(rates)])
    parts: list[str] = [_open(ident, title, desc, width, height)]
    for row, day in enumerate(days):
        y = _TOP + row * cell_h
        parts.append(
            f'<text x="{left - 6:.1f}" y="{y + cell_h / 2 + _GRID_FONT / 3:.1f}" '
            f'text-anchor="end" fill="{MUTED}" font-size="{_GRID_FONT}" '
            f'aria-hidden="true">{escape(day)}</text>'
        )
        for hour in range(24):
            value = float(rates[row * 24 + hour])
            x = left + hour * cell_w
            # A square root spreads the quiet hours apart, where the differences matter.
            shade = math.sqrt(max(value, 0.0) / top)
            tip = f"{day} {hour:02d}–{hour + 1:02d}: {value:.1f}{unit}"
            parts.append(
                f'<rect class="cell" data-day="{row}" data-hour="{hour}" '
                f'data-value="{value:.3f}" x="{x + 1:.1f}" y="{y + 1:.1f}" '
                f'width="{cell_w - 2:.1f}" height="{cell_h - 2:.1f}" rx="2" '
                f'fill="{STRONG}" fill-opacity="{0.06 + 0.94 * shade:.2f}">'
                f"<title>{escape(tip)}</title></rect>"
            )
    for hour in range(0, 24, 3):
        parts.append(
            f'<text x="{left + hour * cell_w + cell_w / 2:.1f}" y="{height - 8:.1f}" '
            f'text-anchor="middle" fill="{MUTED}" font-size="{_GRID_FONT}" '
            f'aria-hidden="true">{hour}</text>'
        )
    parts.append("</svg>")
    return _markup(parts)


@dataclass(frozen=True, slots=True)
class Plot:
    """Where a chart's plot lies in its drawing, and how wide one slot (a bar's) is."""

    x: float
    y: float
    w: float
    h: float
    slot: float

    def at(self, slots: float) -> float:
        """The x of a point `slots` slots from the plot's left edge, kept within the plot."""
        return self.x + min(max(slots, 0.0), self.w / self.slot) * self.slot


@dataclass(frozen=True, slots=True)
class Watching:
    """What a person's activity chart marks over its days, each place in days from the
    chart's first day's start: the time before their consent (shaded), where alerts opened
    (marks), and their threshold (a line over the span their period allows, from the last
    sign of life to where the period runs out). The words are the viewer's."""

    before: float = 0.0
    before_words: str = ""
    alerts: Sequence[tuple[float, str]] = ()
    threshold: tuple[float, float] | None = None
    threshold_label: str = ""
    threshold_words: str = ""


def watching_overlay(watching: Watching) -> Callable[[Plot], Sequence[str]]:
    """An `overlay` for `bar_chart`: `<rect class="before-consent">`, one
    `<g class="alert-mark" data-days=…>` per alert and `<g class="threshold" data-from=…
    data-to=…>`, each with its own `<title>`."""

    def draw(plot: Plot) -> Sequence[str]:
        shapes: list[str] = []
        if watching.before > 0:
            right = plot.at(watching.before)
            shapes.append(
                f'<rect class="before-consent" data-days="{_datum(round(watching.before, 3))}" '
                f'x="{plot.x:.1f}" y="{plot.y:.1f}" width="{right - plot.x:.1f}" '
                f'height="{plot.h:.1f}" fill="{MUTED}" fill-opacity="0.18">'
                f"<title>{escape(watching.before_words)}</title></rect>"
            )
            if right - plot.x > _text_width(watching.before_words) + 8:
                shapes.append(
                    f'<text x="{plot.x + 4:.1f}" y="{plot.y + plot.h / 2:.1f}" fill="{INK}" '
                    f'aria-hidden="true">{escape(watching.before_words)}</text>'
                )
        if watching.threshold is not None:
            shapes.append(_threshold(plot, *watching.threshold, watching))
        for days, words in watching.alerts:
            x = plot.at(days)
            top = plot.y
            shapes.append(
                f'<g class="alert-mark" data-days="{_datum(round(days, 3))}">'
                f"<title>{escape(words)}</title>"
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{top + plot.h:.1f}" '
                f'stroke="{DANGER}" stroke-width="1.5" stroke-dasharray="3 2"/>'
                f'<path d="M{x - 5:.1f},{top - 7:.1f} L{x + 5:.1f},{top - 7:.1f} '
                f'L{x:.1f},{top:.1f} Z" fill="{DANGER}"/></g>'
            )
        return shapes

    return draw


def _threshold(plot: Plot, start: float, end: float, watching: Watching) -> str:
    x1, x2 = plot.at(start), plot.at(end)
    y = plot.y + 6
    label = escape(watching.threshold_label)
    # The label sits inside the plot, after the line's start, or before its end if the
    # line runs to the right edge.
    anchor, lx = ("start", x1 + 4) if x1 < plot.x + plot.w / 2 else ("end", x2 - 4)
    return (
        f'<g class="threshold" data-from="{_datum(round(start, 3))}" '
        f'data-to="{_datum(round(end, 3))}"><title>{escape(watching.threshold_words)}</title>'
        f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{DANGER}" '
        'stroke-width="2"/>'
        f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{y - 4:.1f}" y2="{y + 4:.1f}" '
        f'stroke="{DANGER}" stroke-width="2"/>'
        f'<line x1="{x2:.1f}" x2="{x2:.1f}" y1="{y - 4:.1f}" y2="{y + 4:.1f}" '
        f'stroke="{DANGER}" stroke-width="2"/>'
        f'<text x="{lx:.1f}" y="{y + _FONT + 2:.1f}" text-anchor="{anchor}" fill="{DANGER}" '
        f'aria-hidden="true">{label}</text></g>'
    )


def _markup(parts: list[str]) -> Markup:
    # Safe: every text that came from the caller went through `escape` on its way in.
    return Markup("".join(parts))  # noqa: S704


def _open(ident: str, title: str, desc: str, width: int, height: int, layout: str = "") -> str:
    # A drawing of a layout is as wide as its box (anbu.css); one without, `width` at most.
    size = 'width="100%"' if layout else f'width="{width}" height="{height}"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{" ".join(["chart", layout]).strip()}" '
        f'role="img" viewBox="0 0 {width} {height}" {size} '
        f'aria-labelledby="{ident}-t {ident}-d" '
        f'font-size="{_FONT}" font-family="inherit">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )


def _y_axis(top: float, unit: str, x: float, y: float, w: float, h: float) -> list[str]:
    """Grid lines and labels at 0, half and the top."""
    lines = []
    for share in (0.0, 0.5, 1.0):
        level = y + h - h * share
        colour = MUTED if share == 0 else LINE
        lines.append(
            f'<line x1="{x:.1f}" x2="{x + w:.1f}" y1="{level:.1f}" y2="{level:.1f}" '
            f'stroke="{colour}" stroke-width="1" aria-hidden="true"/>'
        )
        lines.append(
            f'<text x="{x - 4:.1f}" y="{level + _FONT / 3:.1f}" text-anchor="end" '
            f'fill="{MUTED}" aria-hidden="true">{escape(_number(top * share) + unit)}</text>'
        )
    return lines


def _legend(names: tuple[str, str], x: float, y: float) -> str:
    strong, light = names
    offset = x + 14 + _text_width(strong) + 14
    return (
        '<g class="legend" aria-hidden="true">'
        f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{STRONG}"/>'
        f'<text x="{x + 14:.1f}" y="{y:.1f}" fill="{INK}">{escape(strong)}</text>'
        f'<rect x="{offset:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{LIGHT}"/>'
        f'<text x="{offset + 14:.1f}" y="{y:.1f}" fill="{INK}">{escape(light)}</text>'
        "</g>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>'


def _x_label(label: str, x: float, y: float) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{MUTED}" '
        f'aria-hidden="true">{escape(label)}</text>'
    )


def _label_step(labels: Sequence[str], slot: float) -> int:
    """Show every n-th label, so that the widest label does not run into the next."""
    widest = max((_text_width(label) for label in labels), default=0.0)
    return max(math.ceil((widest + 8) / slot), 1)


def _text_width(text: str) -> float:
    """Roughly, in px at the axis font size: Hangul and CJK are about twice a digit's width."""
    return sum(_FONT if ord(c) >= 0x1100 else _FONT * 0.6 for c in text)


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at or above `value` (1 for an empty or flat chart)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


def _datum(value: float) -> str:
    """A value for a data attribute: plain digits, no grouping."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _summary(series: Sequence[tuple[str, float]], unit: str) -> str:
    if not series:
        return "자료 없음"
    values = [float(v) for _, v in series]
    first, last = series[0][0], series[-1][0]
    return (
        f"{first}부터 {last}까지 {len(series)}개 항목, 합계 {_number(sum(values))}{unit}, "
        f"최대 {_number(max(values))}{unit}"
    )


def _ident(kind: str, title: str, series: Sequence[tuple[str, float]]) -> str:
    """A stable id for the title and description, different for different charts on a page."""
    seed = "\n".join([kind, title, *(f"{label}={value}" for label, value in series)])
    return f"chart-{hashlib.sha256(seed.encode()).hexdigest()[:10]}"
