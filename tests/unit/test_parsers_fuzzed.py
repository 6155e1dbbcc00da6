"""Every parser of outside input, fed whatever hypothesis can make: it answers with a value
or a clear refusal (a Rejection naming its line, a typed error) — never another exception —
and nothing it lets through carries text no database can store."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anbu.adapters.catalogue import say
from anbu.adapters.formats.activity_feed import (
    CSV_COLUMNS,
    EventLine,
    FeedFormat,
    WatermarkLine,
    read_feed,
)
from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.formats.subjects_csv import COLUMNS, read_subjects
from anbu.adapters.formats.timestamps import TimestampError, parse_date, parse_instant
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.domain.rejections import Rejection, UnreadableInputError
from anbu.domain.subjects import GroupPeriods
from anbu.domain.text import TextError, storable, unstorable

KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=KST)
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any text at all, surrogates and controls included: what a broken encoder sends.
anything = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
cells = st.one_of(
    anything,
    st.sampled_from(["SKT", "KT", "call_out", "watermark", "010-1234-5678", "", "9" * 30]),
    st.sampled_from(["2026-11-24T09:15:00+09:00", "0001-01-01T00:00:00+09:00", "1948-02-30"]),
)
json_values: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | cells,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
documents = st.dictionaries(
    st.sampled_from([*CSV_COLUMNS, "extra"]), json_values, max_size=len(CSV_COLUMNS) + 1
)


@FUZZ
@given(anything, st.booleans())
def test_storable_text_is_nfc_and_clean_or_refused(value: str, multiline: bool) -> None:
    try:
        kept = storable(value, multiline=multiline, max_length=30)
    except TextError as exc:
        reason = say(exc.reason)
        assert reason
        assert not reason.startswith("reason.")  # a catalogue entry, its values all given
        return
    assert unstorable(kept, multiline=multiline) is None
    assert unicodedata.is_normalized("NFC", kept)
    assert len(kept) <= 30
    kept.encode("utf-8")  # storable text is always encodable
    assert storable(kept, multiline=multiline) == kept


@FUZZ
@given(st.lists(documents, max_size=6), st.lists(st.binary(max_size=30), max_size=3))
def test_a_json_lines_feed_never_fails_and_keeps_only_storable_text(
    docs: list[dict[str, Any]], junk: list[bytes]
) -> None:
    lines = [json.dumps(d).encode() + b"\n" for d in docs] + junk
    _check_feed(lines, FeedFormat.JSONL)


@FUZZ
@given(st.lists(st.lists(cells, min_size=5, max_size=5), max_size=6))
def test_a_csv_feed_never_fails_and_keeps_only_storable_text(rows: list[list[str]]) -> None:
    header = "event_id,carrier,phone,kind,occurred_at\n"
    body = "".join(",".join(json.dumps(cell) for cell in row) + "\n" for row in rows)
    data = (header + body).encode("utf-8", errors="surrogatepass")
    _check_feed([line + b"\n" for line in data.split(b"\n") if line], FeedFormat.CSV)


def _check_feed(lines: list[bytes], fmt: FeedFormat) -> None:
    try:
        found = list(read_feed(lines, fmt, now=NOW, tolerance=timedelta(minutes=5)))
    except UnreadableInputError:
        return
    for item in found:
        if isinstance(item, EventLine):
            assert unstorable(item.event.event_id) is None
            assert item.event.event_id.encode("utf-8")
            assert item.event.occurred_at <= NOW + timedelta(minutes=5)
        elif isinstance(item, WatermarkLine):
            assert item.complete_until <= NOW + timedelta(minutes=5)
        else:
            assert isinstance(item, Rejection)
            assert item.reason


@FUZZ
@given(st.lists(st.lists(cells, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=4))
def test_a_subjects_file_never_fails_and_keeps_only_storable_text(rows: list[list[str]]) -> None:
    body = ",".join(COLUMNS) + "\n"
    body += "".join(",".join(json.dumps(cell) for cell in row) + "\n" for row in rows)
    data = body.encode("utf-8", errors="surrogatepass")
    periods = GroupPeriods()
    try:
        parsed = list(read_subjects(data, now=NOW, periods=periods))
    except UnreadableInputError:
        return
    for item in parsed:
        if isinstance(item, Rejection):
            assert item.reason
            continue
        _, enrolment = item
        for text in (enrolment.external_id, enrolment.name, enrolment.address, enrolment.centre):
            assert unstorable(text) is None


@FUZZ
@given(st.binary(max_size=200))
def test_an_officers_file_of_any_bytes_never_fails(data: bytes) -> None:
    try:
        for item in read_officers(data):
            assert isinstance(item, Rejection) or unstorable(item[1].name) is None
    except UnreadableInputError:
        pass


@FUZZ
@given(anything)
def test_timestamps_parse_or_say_why(text: str) -> None:
    try:
        instant = parse_instant(text)
    except TimestampError as exc:
        reason = say(exc.reason)
        assert reason
        assert not reason.startswith("reason.")
    else:
        assert instant.utcoffset() is not None
    try:
        assert isinstance(parse_date(text), date)
    except TimestampError as exc:
        reason = say(exc.reason)
        assert reason
        assert not reason.startswith("reason.")


@FUZZ
@given(anything)
def test_phone_numbers_normalise_or_say_why(text: str) -> None:
    try:
        e164 = normalise_phone(text)
    except PhoneError as exc:
        reason = say(exc.reason)
        assert reason
        assert not reason.startswith("reason.")
    else:
        assert e164.startswith("+82")
        assert e164[1:].isdigit()
