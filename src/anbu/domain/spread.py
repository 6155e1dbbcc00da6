"""Durations summarised for a report: how many, the median and the 90th percentile."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Spread:
    """Interpolated between the nearest ranks, as a spreadsheet's PERCENTILE.INC and
    PostgreSQL's `percentile_cont` do, to the whole second."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        ordered = sorted(seconds)
        if not ordered:
            return cls(0, None, None)
        return cls(len(ordered), _percentile(ordered, 0.5), _percentile(ordered, 0.9))

    @classmethod
    def summarised(cls, count: int, median: float | None, p90: float | None) -> Spread:
        """From figures a database computed (None when it counted nothing)."""
        if not count or median is None or p90 is None:
            return cls(0, None, None)
        return cls(count, _seconds(median), _seconds(p90))


def _percentile(ordered: Sequence[float], fraction: float) -> timedelta:
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return _seconds(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=round(value))
