"""Carriers' activity feeds (SPEC §4): JSON Lines or CSV of events and watermarks.

Every line is judged on its own: a bad one becomes a Rejection naming its line, field
and reason, and the lines around it are read as usual.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from anbu.adapters.formats.text import header_and_records
from anbu.adapters.formats.timestamps import TimestampError, parse_instant
from anbu.domain.activity import ActivityEvent
from anbu.domain.kinds import ActivityKind, Carrier
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.domain.rejections import Rejection, UnreadableInputError
from anbu.domain.text import TextError, storable
from anbu.domain.wording import Message

WATERMARK = "watermark"
CSV_COLUMNS = (
    "event_id",
    "carrier",
    "phone",
    "kind",
    "occurred_at",
    "duration_s",
    "complete_until",
    "received_at",
)
MAX_DURATION_S = 7 * 24 * 3600


class FeedFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class EventLine:
    line: int
    event: ActivityEvent
    # When the carrier delivered it, for a replay (`anbu backtest`); None when not given or
    # not asked for (ingest stamps what it receives with its own clock).
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WatermarkLine:
    line: int
    carrier: Carrier
    complete_until: datetime
    received_at: datetime | None = None


FeedLine = EventLine | WatermarkLine | Rejection


class _FieldError(ValueError):
    def __init__(self, field: str | None, reason: Message) -> None:
        super().__init__(str(reason))
        self.field = field
        self.reason = reason


def format_for(name: str, first_bytes: bytes) -> FeedFormat:
    """By the file's extension, else by its first character (for stdin)."""
    lowered = name.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return FeedFormat.JSONL
    if lowered.endswith(".csv"):
        return FeedFormat.CSV
    head = first_bytes.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"{":
        return FeedFormat.JSONL
    if head:
        return FeedFormat.CSV
    raise UnreadableInputError(Message("unreadable.empty"))


def read_feed(
    lines: Iterable[bytes],
    fmt: FeedFormat,
    *,
    now: datetime,
    tolerance: timedelta,
    arrivals: bool = False,
) -> Iterator[FeedLine]:
    """Each line as an event, a watermark or a rejection naming its field.

    With `arrivals` (a replay of history), a line's optional `received_at` says when the
    carrier delivered it, and nothing may claim to be later than its own arrival (plus the
    tolerance); otherwise `received_at` is ignored like any other extra field, and the limit
    is `now`."""
    reading = _Reading(now + tolerance, tolerance if arrivals else None)
    if fmt is FeedFormat.JSONL:
        yield from _read_jsonl(lines, reading)
    else:
        yield from _read_csv(lines, reading)


@dataclass(frozen=True, slots=True)
class _Reading:
    limit: datetime
    # Replaying: the tolerance past each line's own arrival; None when not replaying.
    arrival_tolerance: timedelta | None

    def arrival(self, doc: dict[str, Any]) -> datetime | None:
        if self.arrival_tolerance is None or not doc.get("received_at"):
            return None
        return _instant(doc, "received_at")

    def limit_for(self, arrival: datetime | None) -> datetime:
        if arrival is None or self.arrival_tolerance is None:
            return self.limit
        return arrival + self.arrival_tolerance


def _read_jsonl(lines: Iterable[bytes], reading: _Reading) -> Iterator[FeedLine]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            yield _document(number, _object(_json(raw)), reading)
        except json.JSONDecodeError as exc:
            yield Rejection(number, None, Message("reason.not_json", column=exc.colno))
        except UnicodeDecodeError:
            yield Rejection(number, None, Message("reason.not_utf8"))
        except _FieldError as exc:
            yield Rejection(number, exc.field, exc.reason)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError as exc:
        # json.loads refuses integers of more than 4,300 digits with a bare ValueError.
        raise _FieldError(None, Message("reason.json_number_too_long")) from exc
    except RecursionError as exc:
        raise _FieldError(None, Message("reason.json_too_deep")) from exc


def _object(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise _FieldError(None, Message("reason.not_json_object"))
    return document


def _read_csv(lines: Iterable[bytes], reading: _Reading) -> Iterator[FeedLine]:
    # Bytes that are not UTF-8 are kept as lone surrogates, so that the cell that holds
    # them is refused by its column (domain.text), not silently read as U+FFFD.
    texts = (raw.decode("utf-8", errors="surrogateescape").lstrip("\ufeff") for raw in lines)
    header, records = header_and_records(texts)
    missing = [c for c in ("carrier", "kind") if c not in header]
    if missing:
        raise UnreadableInputError(
            Message("unreadable.missing_columns", columns=", ".join(missing))
        )
    for record in records:
        if isinstance(record, Rejection):
            yield record
            continue
        number, cells = record
        document: dict[str, Any] = {key: value for key, value in cells.items() if value.strip()}
        if "duration_s" in document:
            document["duration_s"] = _csv_int(document["duration_s"])
        try:
            yield _document(number, document, reading)
        except _FieldError as exc:
            yield Rejection(number, exc.field, exc.reason)


def _csv_int(text: str) -> int | str:
    try:
        return int(text.strip())
    except ValueError:
        return text


def _document(number: int, doc: dict[str, Any], reading: _Reading) -> FeedLine:
    carrier = _carrier(doc.get("carrier"))
    kind_text = _text(doc, "kind")
    arrival = reading.arrival(doc)
    limit = reading.limit_for(arrival)
    if kind_text == WATERMARK:
        until = _instant(doc, "complete_until")
        if until > limit:
            raise _FieldError("complete_until", Message("reason.watermark_in_future"))
        return WatermarkLine(number, carrier, until, arrival)
    try:
        kind = ActivityKind(kind_text)
    except ValueError:
        known = ", ".join([*(k.value for k in ActivityKind), WATERMARK])
        raise _FieldError(
            "kind", Message("reason.not_one_of", value=kind_text, known=known)
        ) from None
    event_id = _text(doc, "event_id")
    if len(event_id) > 128:
        raise _FieldError("event_id", Message("reason.too_long", longest=128))
    try:
        phone = normalise_phone(_text(doc, "phone"))
    except PhoneError as exc:
        raise _FieldError("phone", exc.reason) from exc
    occurred_at = _instant(doc, "occurred_at")
    if occurred_at > limit:
        # One corrupt far-future stamp would otherwise hide this person's silence for ever.
        late = Message("reason.later_than_clock", value=occurred_at.isoformat())
        raise _FieldError("occurred_at", late)
    event = ActivityEvent(event_id, carrier, phone, kind, occurred_at, _duration(doc))
    return EventLine(number, event, arrival)


def _carrier(value: Any) -> Carrier:
    if value is None or value == "":
        raise _FieldError("carrier", Message("reason.required"))
    try:
        return Carrier(str(value).strip())
    except ValueError:
        raise _FieldError("carrier", Message("reason.not_a_carrier", value=str(value))) from None


def _text(doc: dict[str, Any], field: str) -> str:
    value = doc.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _FieldError(field, Message("reason.required"))
    if not isinstance(value, str):
        raise _FieldError(field, Message("reason.not_a_string"))
    try:
        return storable(value.strip(), multiline=False)
    except TextError as exc:
        raise _FieldError(field, exc.reason) from exc


def _instant(doc: dict[str, Any], field: str) -> datetime:
    try:
        return parse_instant(_text(doc, field))
    except TimestampError as exc:
        raise _FieldError(field, exc.reason) from exc


def _duration(doc: dict[str, Any]) -> int | None:
    value = doc.get("duration_s")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _FieldError("duration_s", Message("reason.not_seconds"))
    seconds: int = value
    if not 0 <= seconds <= MAX_DURATION_S:
        raise _FieldError(
            "duration_s", Message("reason.seconds_outside", value=seconds, most=MAX_DURATION_S)
        )
    return seconds
