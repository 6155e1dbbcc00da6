"""ISO 8601 instants and dates as the formats require them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from anbu.domain.wording import Message, MessageError

# A district's own files (Excel, 한글 forms) write Seoul times without an offset, and dates
# with dots or slashes: 2026.11.01 10:00, 2026/11/01. Carriers' feeds stay strict ISO 8601.
SEOUL = ZoneInfo("Asia/Seoul")
_MIDNIGHT = re.compile(r"[ T]00:00(:00)?$")
_LOCAL_DATE = re.compile(r"^(\d{4})[./-](\d{1,2})[./-](\d{1,2})\.?(?=$|[ T])")


class TimestampError(MessageError):
    """A time or date that cannot be read; `reason` says why, as a catalogue message."""


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant that must carry an offset (`+09:00`, `Z`)."""
    value = text.strip()
    if not value:
        raise TimestampError(Message("reason.empty"))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise TimestampError(Message("reason.not_a_timestamp", value=value)) from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise TimestampError(Message("reason.no_offset", value=value))
    try:
        # Instants are stored in UTC: 0001-01-01T00:00+09:00 has no UTC form at all.
        parsed.astimezone(UTC)
    except OverflowError:
        raise TimestampError(Message("reason.out_of_range", value=value)) from None
    return parsed


def parse_local_instant(text: str) -> datetime:
    """An instant as a district writes it: ISO 8601 with an offset, or a Seoul wall-clock
    time without one (`2026-11-01 10:00`, `2026.11.01 10:00`), taken as Asia/Seoul."""
    value = _iso_date_part(text.strip())
    try:
        return parse_instant(value)
    except TimestampError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise TimestampError(Message("reason.not_a_time", value=text.strip())) from None
        if parsed.tzinfo is not None:
            raise
    return parse_instant(parsed.replace(tzinfo=SEOUL).isoformat())


def parse_local_date(text: str) -> date:
    """A date as a district writes it: 1948-03-02, 1948.03.02, 1948/3/2 — or as a
    spreadsheet keeps one, at midnight (1948-03-02 00:00:00)."""
    return parse_date(_MIDNIGHT.sub("", _iso_date_part(text.strip())))


def _iso_date_part(value: str) -> str:
    found = _LOCAL_DATE.match(value)
    if found is None:
        return value
    year, month, day = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}{value[found.end() :]}"


def parse_date(text: str) -> date:
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise TimestampError(Message("reason.not_a_date", value=value)) from exc
