"""ISO 8601 instants and dates as the formats require them."""

from __future__ import annotations

from datetime import UTC, date, datetime


class TimestampError(ValueError):
    pass


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant that must carry an offset (`+09:00`, `Z`)."""
    value = text.strip()
    if not value:
        raise TimestampError("is empty")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise TimestampError(f"{value!r} is not an ISO 8601 timestamp") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise TimestampError(f"{value!r} has no UTC offset (write e.g. {value}+09:00)")
    try:
        # Instants are stored in UTC: 0001-01-01T00:00+09:00 has no UTC form at all.
        parsed.astimezone(UTC)
    except OverflowError:
        raise TimestampError(f"{value!r} is out of range") from None
    return parsed


def parse_date(text: str) -> date:
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise TimestampError(f"{value!r} is not a date (YYYY-MM-DD)") from exc
