"""Small charts for the reports and the feed board, drawn on the server as inline SVG:
stacked or grouped columns, horizontal bars, and lines. No script and no chart library.

Each chart is an image with a `<title>` and a `<desc>` (what it shows, in words) for screen
readers, and every bar or point has its own `<title>` with its value, shown on hover. The
pages show the same numbers in a table beside the chart, which stays the exact record.
Labels come in already translated; every text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Distinguishable for colour-blind readers (Okabe–Ito, darkened for contrast on white).
PALETTE = ("#1f5fbf", "#c2570c", "#0f7d5f", "#b0508d", "#3a8fc7", "#8a6d00", "#5b6675")
INK, MUTED, GRID = "#1d2733", "#5b6675", "#d9dee5"
FONT = 14
WIDTH = 640
MAX_LABELS = 12  # category labels under columns and lines; the others are skipped


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
) -> Markup:
    """Vertical bars, one group per category: stacked (one bar of all series) or grouped
    (the series side by side)."""
    chart = _Canvas(key, title, description, series)
    top = chart.legend_height()
    plot = _Box(left=52, top=top, right=WIDTH - 12, bottom=top + 190)
    height = plot.bottom + 30
    scale = _Scale(_largest(series, len(categories), stacked), whole)
    chart.y_axis(plot, scale, unit)
    band = plot.width / max(len(categories), 1)
    every = math.ceil(len(categories) / MAX_LABELS) if categories else 1
    for i, category in enumerate(categories):
        x0 = plot.left + i * band
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
                    f"{category} · {one.name}: {_number(value)}{unit}",
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
                    f"{category} · {one.name}: {_number(value)}{unit}",
                )
        if i % every == 0:
            chart.text(x0 + band / 2, plot.bottom + 18, category, anchor="middle")
    return chart.finish(height)


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
    chart = _Canvas(key, title, description, series)
    top = chart.legend_height()
    label_width = max((_text_width(c) for c in categories), default=0) + 12
    row = 24 if stacked else 10 + 12 * max(len(series), 1)
    plot = _Box(
        left=min(label_width, WIDTH // 3),
        top=top,
        right=WIDTH - 40,
        bottom=top + row * max(len(categories), 1),
    )
    height = plot.bottom + 24
    scale = _Scale(_largest(series, len(categories), stacked), whole)
    chart.x_axis(plot, scale, unit)
    for i, category in enumerate(categories):
        y0 = plot.top + i * row
        chart.text(plot.left - 6, y0 + row / 2 + FONT / 3, category, anchor="end", colour=INK)
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
    return chart.finish(height)


def lines(
    key: str,
    *,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    whole: bool = True,
) -> Markup:
    """One line per series across the categories (hours, weeks), a dot on each value."""
    chart = _Canvas(key, title, description, series)
    top = chart.legend_height()
    plot = _Box(left=52, top=top, right=WIDTH - 12, bottom=top + 190)
    height = plot.bottom + 30
    scale = _Scale(_largest(series, len(categories), stacked=False), whole)
    chart.y_axis(plot, scale, unit)
    band = plot.width / max(len(categories), 1)
    every = math.ceil(len(categories) / MAX_LABELS) if categories else 1
    for i, category in enumerate(categories):
        if i % every == 0:
            chart.text(plot.left + (i + 0.5) * band, plot.bottom + 18, category, anchor="middle")
    for s, one in enumerate(series):
        points = [
            (
                plot.left + (i + 0.5) * band,
                plot.bottom - scale.fraction(_at(one.values, i)) * plot.height,
            )
            for i in range(len(categories))
        ]
        chart.polyline(points, s)
        for i, (x, y) in enumerate(points):
            value = _at(one.values, i)
            chart.dot(x, y, s, f"{categories[i]} · {one.name}: {_number(value)}{unit}")
    return chart.finish(height)


# -- drawing ---------------------------------------------------------------------------


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
    def __init__(self, key: str, title: str, description: str, series: Sequence[Series]):
        self.key = "".join(c if c.isalnum() or c == "-" else "-" for c in key)
        self.title = title
        self.description = description
        self.series = series
        self.parts: list[str] = []
        self.legend: list[str] = []

    def legend_height(self) -> float:
        """Lays the legend out in rows across the width; returns where the plot may start."""
        x, y = 0.0, float(FONT + 2)
        for s, one in enumerate(self.series):
            width = 18 + _text_width(one.name) + 16
            if x and x + width > WIDTH:
                x, y = 0.0, y + FONT + 8
            self.legend.append(
                f'<rect x="{x:.1f}" y="{y - FONT + 2:.1f}" width="12" height="12" rx="2" '
                f'fill="{_colour(s)}"/>'
                f'<text x="{x + 18:.1f}" y="{y:.1f}" fill="{INK}">{escape(one.name)}</text>'
            )
            x += width
        return (y + 16) if self.series else 8

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

    def rect(self, x: float, y: float, w: float, h: float, s: int, label: str) -> None:
        if h <= 0 or w <= 0:
            return
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{_colour(s)}"><title>{escape(label)}</title></rect>'
        )

    def polyline(self, points: list[tuple[float, float]], s: int) -> None:
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            self.parts.append(
                f'<polyline points="{path}" fill="none" stroke="{_colour(s)}" stroke-width="2"/>'
            )

    def dot(self, x: float, y: float, s: int, label: str) -> None:
        self.parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_colour(s)}">'
            f"<title>{escape(label)}</title></circle>"
        )

    def text(
        self, x: float, y: float, words: str, *, anchor: str = "start", colour: str = MUTED
    ) -> None:
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}">'
            f"{escape(words)}</text>"
        )

    def finish(self, height: float) -> Markup:
        ids = f"{self.key}-title {self.key}-desc"
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'aria-labelledby="{ids}" viewBox="0 0 {WIDTH} {height:.0f}" '
            f'width="{WIDTH}" height="{height:.0f}" font-size="{FONT}">'
            f'<title id="{self.key}-title">{escape(self.title)}</title>'
            f'<desc id="{self.key}-desc">{escape(self.description)}</desc>'
        )
        return Markup(head + "".join(self.legend) + "".join(self.parts) + "</svg>")  # noqa: S704


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
