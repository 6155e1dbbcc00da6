"""Small charts for the reports and the feed board, drawn on the server as inline SVG:
stacked or grouped columns, horizontal bars, and lines. No script and no chart library.

Each chart is drawn twice, for a desk and for a phone (`LAYOUTS`): both scale to the width of
their box through their `viewBox`, and the stylesheet shows the one whose letters stay
readable at that width. Scaling one drawing from a desk to a phone would shrink its words
by half; the phone's drawing has fewer labels instead. Nothing is cut off at either width:
the newest week or hour is always in view.

The newest category of a chart over time (this week, this hour) may still be counting
(`unfinished`): it is drawn lighter and hatched, under a band labelled as such, so that a
low count so far does not read as a fall or an outage.

Each chart is an image with a `<title>` and a `<desc>` (what it shows, in words) for screen
readers, and every bar or point has its own `<title>` with its value, shown on hover. The
pages show the same numbers in a table beside the chart, which stays the exact record.
Labels come in already translated; every text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Distinguishable for colour-blind readers (Okabe–Ito, darkened for contrast on white).
PALETTE = ("#1f5fbf", "#c2570c", "#0f7d5f", "#b0508d", "#3a8fc7", "#8a6d00", "#5b6675")
INK, MUTED, GRID, PENDING = "#1d2733", "#5b6675", "#d9dee5", "#eef1f5"
FONT = 14


@dataclass(frozen=True, slots=True)
class Layout:
    """One drawing of a chart: `name` is its CSS class (`wide` on a desk, `narrow` on a
    phone), `width` its viewBox width, `labels` the most category labels under it."""

    name: str
    width: int
    labels: int


WIDE = Layout("wide", 640, 12)
NARROW = Layout("narrow", 360, 6)
LAYOUTS = (WIDE, NARROW)


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float]


def columns(
    key: str,
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    stacked: bool = True,
    unit: str = "",
    whole: bool = True,
    unfinished: str = "",
) -> Markup:
    """Vertical bars, one group per category: stacked (one bar of all series) or grouped
    (the series side by side). A non-empty `unfinished` labels the last category as still
    counting."""

    def draw(layout: Layout) -> Markup:
        chart = _Canvas(key, layout, title, description, series)
        scale = _Scale(_largest(series, len(categories), stacked), whole)
        plot = chart.time_plot(scale, unit, bool(unfinished))
        band = plot.width / max(len(categories), 1)
        last = len(categories) - 1
        for i, category in enumerate(categories):
            x0 = plot.left + i * band
            pending = bool(unfinished) and i == last
            if pending:
                chart.pending_band(x0, band, plot, unfinished)
            note = f" ({unfinished})" if pending else ""
            if stacked:
                base = 0.0
                for s, one in enumerate(series):
                    value = _at(one.values, i)
                    chart.rect(
                        x0 + band * 0.15,
                        plot.bottom - scale.fraction(base + value) * plot.height,
                        band * 0.7,
                        scale.fraction(value) * plot.height,
                        s,
                        f"{category} · {one.name}: {_number(value)}{unit}{note}",
                        pending=pending,
                    )
                    base += value
            else:
                width = band * 0.8 / max(len(series), 1)
                for s, one in enumerate(series):
                    value = _at(one.values, i)
                    chart.rect(
                        x0 + band * 0.1 + s * width,
                        plot.bottom - scale.fraction(value) * plot.height,
                        width,
                        scale.fraction(value) * plot.height,
                        s,
                        f"{category} · {one.name}: {_number(value)}{unit}{note}",
                        pending=pending,
                    )
        chart.category_labels(plot, categories)
        return chart.finish(plot.bottom + 30)

    return _drawn(draw)


def bars(
    key: str,
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    stacked: bool = True,
    unit: str = "",
    whole: bool = True,
) -> Markup:
    """Horizontal bars, one row per category (for long labels such as centre names)."""

    def draw(layout: Layout) -> Markup:
        chart = _Canvas(key, layout, title, description, series)
        top = chart.legend_height()
        most = layout.width // 3
        label_width = min(max((_text_width(c) for c in categories), default=0) + 12, most)
        row = 24 if stacked else 10 + 12 * max(len(series), 1)
        plot = _Box(
            left=label_width,
            top=top,
            right=layout.width - 40,
            bottom=top + row * max(len(categories), 1),
        )
        scale = _Scale(_largest(series, len(categories), stacked), whole)
        chart.x_axis(plot, scale, unit)
        for i, category in enumerate(categories):
            y0 = plot.top + i * row
            chart.text(
                plot.left - 6,
                y0 + row / 2 + FONT / 3,
                category,
                anchor="end",
                colour=INK,
                room=plot.left - 6,
            )
            if stacked:
                base = 0.0
                for s, one in enumerate(series):
                    value = _at(one.values, i)
                    chart.rect(
                        plot.left + scale.fraction(base) * plot.width,
                        y0 + 4,
                        scale.fraction(value) * plot.width,
                        row - 8,
                        s,
                        f"{category} · {one.name}: {_number(value)}{unit}",
                    )
                    base += value
                chart.text(
                    plot.left + scale.fraction(base) * plot.width + 4,
                    y0 + row / 2 + FONT / 3,
                    _number(base),
                )
            else:
                for s, one in enumerate(series):
                    value = _at(one.values, i)
                    chart.rect(
                        plot.left,
                        y0 + 5 + s * 12,
                        scale.fraction(value) * plot.width,
                        10,
                        s,
                        f"{category} · {one.name}: {_number(value)}{unit}",
                    )
        return chart.finish(plot.bottom + 24)

    return _drawn(draw)


def lines(
    key: str,
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    whole: bool = True,
    unfinished: str = "",
) -> Markup:
    """One line per series across the categories (hours, weeks), a dot on each value. A
    non-empty `unfinished` labels the last category as still counting: its stretch of line
    is dashed and its dot hollow."""

    def draw(layout: Layout) -> Markup:
        chart = _Canvas(key, layout, title, description, series)
        scale = _Scale(_largest(series, len(categories), stacked=False), whole)
        plot = chart.time_plot(scale, unit, bool(unfinished))
        band = plot.width / max(len(categories), 1)
        last = len(categories) - 1
        if unfinished and categories:
            chart.pending_band(plot.left + last * band, band, plot, unfinished)
        chart.category_labels(plot, categories)
        for s, one in enumerate(series):
            points = [
                (
                    plot.left + (i + 0.5) * band,
                    plot.bottom - scale.fraction(_at(one.values, i)) * plot.height,
                )
                for i in range(len(categories))
            ]
            counted = points[:-1] if unfinished else points
            chart.polyline(counted, s)
            if unfinished and len(points) > 1:
                chart.polyline(points[-2:], s, dashed=True)
            for i, (x, y) in enumerate(points):
                value = _at(one.values, i)
                pending = bool(unfinished) and i == last
                note = f" ({unfinished})" if pending else ""
                label = f"{categories[i]} · {one.name}: {_number(value)}{unit}{note}"
                chart.dot(x, y, s, label, hollow=pending)
        return chart.finish(plot.bottom + 30)

    return _drawn(draw)


# -- drawing ---------------------------------------------------------------------------


def _drawn(draw: Callable[[Layout], Markup]) -> Markup:
    return Markup("").join(draw(layout) for layout in LAYOUTS)


@dataclass(frozen=True, slots=True)
class _Box:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


class _Scale:
    """From 0 to a round number at or above the largest value, in about four steps; steps of
    whole numbers for counts (`whole`)."""

    def __init__(self, largest: float, whole: bool) -> None:
        self.step = _round_step(max(largest, 0.1) / 4)
        if whole:
            self.step = max(math.ceil(self.step), 1)
        self.top = self.step * max(math.ceil(largest / self.step), 1)

    def fraction(self, value: float) -> float:
        return max(value, 0.0) / self.top

    def ticks(self) -> list[float]:
        count = round(self.top / self.step)
        return [self.step * i for i in range(count + 1)]


class _Canvas:
    def __init__(
        self, key: str, layout: Layout, title: str, description: str, series: Sequence[Series]
    ):
        # The desk's drawing keeps the plain key; the phone's is told apart by its layout.
        named = key if layout is WIDE else f"{key}-{layout.name}"
        self.key = "".join(c if c.isalnum() or c == "-" else "-" for c in named)
        self.layout = layout
        self.width = layout.width
        self.title = title
        self.description = description
        self.series = series
        self.parts: list[str] = []
        self.legend: list[str] = []
        self.defs: list[str] = []

    def legend_height(self) -> float:
        """Lays the legend out in rows across the width; returns where the plot may start."""
        x, y = 0.0, float(FONT + 2)
        for s, one in enumerate(self.series):
            width = 18 + _text_width(one.name) + 16
            if x and x + width > self.width:
                x, y = 0.0, y + FONT + 8
            self.legend.append(
                f'<rect x="{x:.1f}" y="{y - FONT + 2:.1f}" width="12" height="12" rx="2" '
                f'fill="{_colour(s)}"/>'
                f'<text x="{x + 18:.1f}" y="{y:.1f}" fill="{INK}">{escape(one.name)}</text>'
            )
            x += width
        return (y + 16) if self.series else 8

    def time_plot(self, scale: _Scale, unit: str, unfinished: bool) -> _Box:
        """The plot of a chart over time, under its legend (and a line for the label of an
        unfinished period), left of it room for the widest value on the axis."""
        top = self.legend_height() + (FONT + 6 if unfinished else 0)
        widest = max(_text_width(f"{_number(tick)}{unit}") for tick in scale.ticks())
        plot = _Box(left=widest + 10, top=top, right=self.width - 12, bottom=top + 190)
        self.y_axis(plot, scale, unit)
        return plot

    def y_axis(self, plot: _Box, scale: _Scale, unit: str) -> None:
        for tick in scale.ticks():
            y = plot.bottom - scale.fraction(tick) * plot.height
            self.parts.append(
                f'<line x1="{plot.left:.1f}" x2="{plot.right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{GRID}"/>'
            )
            self.text(plot.left - 6, y + FONT / 3, f"{_number(tick)}{unit}", anchor="end")

    def x_axis(self, plot: _Box, scale: _Scale, unit: str) -> None:
        for tick in scale.ticks():
            x = plot.left + scale.fraction(tick) * plot.width
            self.parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{plot.top:.1f}" y2="{plot.bottom:.1f}" '
                f'stroke="{GRID}"/>'
            )
            self.text(x, plot.bottom + 16, f"{_number(tick)}{unit}", anchor="middle")

    def category_labels(self, plot: _Box, categories: Sequence[str]) -> None:
        """At most the layout's number of labels, always the newest: counted back from it."""
        band = plot.width / max(len(categories), 1)
        every = math.ceil(len(categories) / self.layout.labels) if categories else 1
        last = len(categories) - 1
        for i, category in enumerate(categories):
            if (last - i) % every == 0:
                x = plot.left + (i + 0.5) * band
                # The newest label ends at the plot's edge rather than past the drawing's.
                half = _text_width(category) / 2
                x = min(x, self.width - half)
                self.text(x, plot.bottom + 18, category, anchor="middle")

    def pending_band(self, x: float, width: float, plot: _Box, label: str) -> None:
        """The unfinished period: a light hatched band the height of the plot, its label
        above it, ending at the plot's right edge."""
        pattern = f"{self.key}-pending"
        if not self.defs:
            self.defs.append(
                f'<pattern id="{pattern}" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{PENDING}"/>'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GRID}" stroke-width="3"/>'
                "</pattern>"
            )
        self.parts.append(
            f'<rect class="pending" x="{x:.1f}" y="{plot.top:.1f}" width="{width:.1f}" '
            f'height="{plot.height:.1f}" fill="url(#{pattern})"/>'
        )
        self.text(plot.right, plot.top - 6, label, anchor="end")

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        s: int,
        label: str,
        *,
        pending: bool = False,
    ) -> None:
        if h <= 0 or w <= 0:
            return
        # Still counting: the colour's outline over a pale fill, not a finished bar.
        look = (
            f'fill="{_colour(s)}" fill-opacity="0.35" stroke="{_colour(s)}" stroke-dasharray="3 2"'
            if pending
            else f'fill="{_colour(s)}"'
        )
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" {look}>'
            f"<title>{escape(label)}</title></rect>"
        )

    def polyline(self, points: list[tuple[float, float]], s: int, *, dashed: bool = False) -> None:
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            self.parts.append(
                f'<polyline points="{path}" fill="none" stroke="{_colour(s)}" '
                f'stroke-width="2"{dash}/>'
            )

    def dot(self, x: float, y: float, s: int, label: str, *, hollow: bool = False) -> None:
        fill = "#fff" if hollow else _colour(s)
        self.parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{fill}" stroke="{_colour(s)}">'
            f"<title>{escape(label)}</title></circle>"
        )

    def text(
        self,
        x: float,
        y: float,
        words: str,
        *,
        anchor: str = "start",
        colour: str = MUTED,
        room: float | None = None,
    ) -> None:
        """`room`: the most width the words may take; longer words are pressed into it."""
        fit = ""
        if room is not None and _text_width(words) > room:
            fit = f' textLength="{room:.1f}" lengthAdjust="spacingAndGlyphs"'
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}"{fit}>'
            f"{escape(words)}</text>"
        )

    def finish(self, height: float) -> Markup:
        """The drawing, as wide as its box (the stylesheet sets no pixel width)."""
        ids = f"{self.key}-title {self.key}-desc"
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {self.layout.name}" '
            f'role="img" aria-labelledby="{ids}" viewBox="0 0 {self.width} {height:.0f}" '
            f'width="100%" font-size="{FONT}">'
            f'<title id="{self.key}-title">{escape(self.title)}</title>'
            f'<desc id="{self.key}-desc">{escape(self.description)}</desc>'
        )
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        body = head + defs + "".join(self.legend) + "".join(self.parts) + "</svg>"
        return Markup(body)  # noqa: S704


def _largest(series: Sequence[Series], count: int, stacked: bool) -> float:
    if stacked:
        return max((sum(_at(s.values, i) for s in series) for i in range(count)), default=0.0)
    return max((_at(s.values, i) for s in series for i in range(count)), default=0.0)


def _at(values: Sequence[float], index: int) -> float:
    return float(values[index]) if index < len(values) else 0.0


def _round_step(rough: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `rough`."""
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough - 1e-9:
            return float(factor * power)
    return float(10 * power)


def _number(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.1f}"


def _text_width(words: str) -> float:
    """A rough width in the chart's font: Hangul and other wide letters take about a full
    em, Latin letters and digits about 0.6."""
    return sum(FONT if ord(c) > 0x2E80 else FONT * 0.6 for c in words)


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]
