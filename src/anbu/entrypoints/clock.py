"""The one place that reads the wall clock; everything below takes `now` as an argument."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def wall_clock() -> datetime:
    return datetime.now(UTC)


def seoul(instant: datetime | None) -> str:
    """ISO 8601 in Asia/Seoul, as officers read times; empty for None."""
    return "" if instant is None else instant.astimezone(SEOUL).isoformat()


def seoul_minute(instant: datetime | None) -> str:
    """`11-05 10:00`, Asia/Seoul: compact, for tables people read (JSON has the rest)."""
    return "" if instant is None else instant.astimezone(SEOUL).strftime("%m-%d %H:%M")
