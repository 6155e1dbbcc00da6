"""Reading carriers' activity feeds (JSON Lines and CSV) into events, watermarks and rejections."""

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from anbu.adapters.catalogue import say
from anbu.adapters.formats.activity_feed import (
    EventLine,
    FeedFormat,
    FeedLine,
    WatermarkLine,
    format_for,
    read_feed,
)
from anbu.domain.activity import ActivityEvent
from anbu.domain.kinds import ActivityKind, Carrier
from anbu.domain.rejections import Rejection, UnreadableInputError
from anbu.domain.wording import Message

KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=KST)
TOLERANCE = timedelta(minutes=5)
CSV_HEADER = "event_id,carrier,phone,kind,occurred_at,duration_s,complete_until"


def event_doc(**changes: Any) -> str:
    """The SPEC's example event as a JSON line; a change to `None` drops that field."""
    doc: dict[str, Any] = {
        "event_id": "SKT-000123",
        "carrier": "SKT",
        "phone": "010-1234-5678",
        "kind": "call_out",
        "occurred_at": "2026-11-24T09:15:00+09:00",
        "duration_s": 42,
    }
    doc.update(changes)
    return json.dumps({k: v for k, v in doc.items() if v is not None}, ensure_ascii=False)


def watermark_doc(complete_until: str = "2026-11-24T11:00:00+09:00") -> str:
    return json.dumps({"carrier": "SKT", "kind": "watermark", "complete_until": complete_until})


def read(*lines: str, fmt: FeedFormat = FeedFormat.JSONL) -> list[FeedLine]:
    return list(
        read_feed([(line + "\n").encode() for line in lines], fmt, now=NOW, tolerance=TOLERANCE)
    )


def rejected_field(*lines: str, fmt: FeedFormat = FeedFormat.JSONL) -> str | None:
    """The field named by the one rejection that reading `lines` gives."""
    (only,) = read(*lines, fmt=fmt)
    assert isinstance(only, Rejection)
    return only.field


SPEC_EVENT = ActivityEvent(
    event_id="SKT-000123",
    carrier=Carrier.SKT,
    phone="+821012345678",
    kind=ActivityKind.CALL_OUT,
    occurred_at=datetime(2026, 11, 24, 9, 15, tzinfo=KST),
    duration_s=42,
)


# --- JSON Lines ----------------------------------------------------------------------------


def test_it_reads_the_spec_example_event() -> None:
    assert read(event_doc()) == [EventLine(1, SPEC_EVENT)]


def test_it_reads_an_event_without_duration_as_none() -> None:
    (line,) = read(event_doc(duration_s=None, kind="sms_out"))
    assert isinstance(line, EventLine)
    assert line.event.duration_s is None


def test_it_reads_a_watermark() -> None:
    assert read(watermark_doc()) == [
        WatermarkLine(1, Carrier.SKT, datetime(2026, 11, 24, 11, 0, tzinfo=KST))
    ]


def test_it_reads_an_instant_written_in_utc_as_the_same_instant() -> None:
    (line,) = read(event_doc(occurred_at="2026-11-24T00:15:00Z"))
    assert isinstance(line, EventLine)
    assert line.event.occurred_at == SPEC_EVENT.occurred_at


def test_it_rejects_an_occurred_at_without_offset() -> None:
    assert rejected_field(event_doc(occurred_at="2026-11-24T09:15:00")) == "occurred_at"


def test_it_rejects_an_occurred_at_that_is_not_a_timestamp() -> None:
    assert rejected_field(event_doc(occurred_at="yesterday")) == "occurred_at"


def test_it_rejects_an_event_far_in_the_future() -> None:
    assert rejected_field(event_doc(occurred_at="2026-11-24T13:00:00+09:00")) == "occurred_at"


def test_it_accepts_an_event_within_the_clock_tolerance() -> None:
    (line,) = read(event_doc(occurred_at="2026-11-24T12:04:00+09:00"))
    assert isinstance(line, EventLine)


def test_it_rejects_a_watermark_in_the_future() -> None:
    assert rejected_field(watermark_doc("2026-11-24T13:00:00+09:00")) == "complete_until"


def test_it_rejects_a_watermark_without_offset() -> None:
    assert rejected_field(watermark_doc("2026-11-24T11:00:00")) == "complete_until"


def test_an_event_instant_with_no_utc_form_is_rejected() -> None:
    # Midnight on 1 January of year 1 in Seoul is in year 0 in UTC, which cannot be stored.
    assert rejected_field(event_doc(occurred_at="0001-01-01T00:00:00+09:00")) == "occurred_at"


def test_a_watermark_with_no_utc_form_is_rejected() -> None:
    assert rejected_field(watermark_doc("0001-01-01T00:00:00+09:00")) == "complete_until"


def test_a_malformed_line_is_rejected_with_its_number_and_the_next_lines_still_parse() -> None:
    lines = read(event_doc(), '{"event_id": "SKT-2", "carrier": ', event_doc(event_id="SKT-3"))
    assert [(type(line).__name__, line.line) for line in lines] == [
        ("EventLine", 1),
        ("Rejection", 2),
        ("EventLine", 3),
    ]


def test_a_malformed_line_is_rejected_as_not_json() -> None:
    (rejection,) = read("{not json")
    assert isinstance(rejection, Rejection)
    assert "not valid JSON" in say(rejection.reason, "en")
    assert "올바른 JSON이 아닙니다" in say(rejection.reason)


def test_a_json_value_that_is_not_an_object_is_rejected() -> None:
    (rejection,) = read('["SKT", "call_out"]')
    assert isinstance(rejection, Rejection)
    assert "object" in say(rejection.reason, "en")


def test_a_line_that_is_not_utf8_is_rejected() -> None:
    lines = list(
        read_feed([b'{"event_id": "\xff"}\n'], FeedFormat.JSONL, now=NOW, tolerance=TOLERANCE)
    )
    assert lines == [Rejection(1, None, Message("reason.not_utf8"))]


def test_a_number_too_long_to_read_is_rejected_without_stopping_the_batch() -> None:
    lines = read(event_doc(), '{"duration_s": ' + "9" * 5000 + "}", event_doc(event_id="SKT-3"))
    assert [(type(line).__name__, line.line) for line in lines] == [
        ("EventLine", 1),
        ("Rejection", 2),
        ("EventLine", 3),
    ]


def test_nesting_too_deep_to_read_is_rejected_without_stopping_the_batch() -> None:
    lines = read(event_doc(), "[" * 100_000 + "]" * 100_000, event_doc(event_id="SKT-3"))
    assert [(type(line).__name__, line.line) for line in lines] == [
        ("EventLine", 1),
        ("Rejection", 2),
        ("EventLine", 3),
    ]


def test_it_rejects_an_unknown_kind() -> None:
    assert rejected_field(event_doc(kind="fax_out")) == "kind"


@pytest.mark.parametrize("carrier", ["SK Telecom", "skt", "", 7])
def test_it_rejects_a_carrier_it_does_not_know(carrier: object) -> None:
    assert rejected_field(event_doc(carrier=carrier)) == "carrier"


def test_it_rejects_a_missing_carrier() -> None:
    assert rejected_field(event_doc(carrier=None)) == "carrier"


@pytest.mark.parametrize("duration_s", [-1, 7 * 24 * 3600 + 1, "42", 4.2])
def test_it_rejects_a_bad_duration(duration_s: object) -> None:
    assert rejected_field(event_doc(duration_s=duration_s)) == "duration_s"


def test_it_rejects_a_boolean_duration() -> None:
    assert rejected_field(event_doc(duration_s=True)) == "duration_s"


@pytest.mark.parametrize("event_id", [None, "", "   ", 123, "x" * 129])
def test_it_rejects_a_missing_or_bad_event_id(event_id: object) -> None:
    assert rejected_field(event_doc(event_id=event_id)) == "event_id"


@pytest.mark.parametrize("phone", ["02-123-4567", "+1 650-253-0000", "call me", None, 1012345678])
def test_it_rejects_a_phone_that_is_not_a_korean_mobile(phone: object) -> None:
    assert rejected_field(event_doc(phone=phone)) == "phone"


@pytest.mark.parametrize("phone", ["01012345678", "+82 10-1234-5678", "+821012345678"])
def test_it_reads_every_common_phone_form_as_one_number(phone: str) -> None:
    (line,) = read(event_doc(phone=phone))
    assert isinstance(line, EventLine)
    assert line.event.phone == "+821012345678"


def test_blank_lines_are_skipped_but_keep_their_numbers() -> None:
    lines = read(event_doc(), "", "   ", event_doc(event_id="SKT-4"))
    assert [line.line for line in lines] == [1, 4]


def test_a_byte_order_mark_before_the_first_line_is_ignored() -> None:
    data = [b"\xef\xbb\xbf" + event_doc().encode() + b"\n"]
    assert list(read_feed(data, FeedFormat.JSONL, now=NOW, tolerance=TOLERANCE)) == [
        EventLine(1, SPEC_EVENT)
    ]


# --- CSV -----------------------------------------------------------------------------------


def test_it_reads_csv_events_and_watermarks_after_a_header() -> None:
    lines = read(
        CSV_HEADER,
        "SKT-000123,SKT,010-1234-5678,call_out,2026-11-24T09:15:00+09:00,42,",
        "SKT-000124,SKT,010-1234-5678,sms_in,2026-11-24T09:20:00+09:00,,",
        ",SKT,,watermark,,,2026-11-24T11:00:00+09:00",
        fmt=FeedFormat.CSV,
    )
    assert lines == [
        EventLine(2, SPEC_EVENT),
        EventLine(
            3,
            ActivityEvent(
                "SKT-000124",
                Carrier.SKT,
                "+821012345678",
                ActivityKind.SMS_IN,
                datetime(2026, 11, 24, 9, 20, tzinfo=KST),
                None,
            ),
        ),
        WatermarkLine(4, Carrier.SKT, datetime(2026, 11, 24, 11, 0, tzinfo=KST)),
    ]


def test_a_csv_with_a_byte_order_mark_reads_its_header() -> None:
    data = [
        ("\ufeff" + CSV_HEADER + "\n").encode(),
        b"SKT-000123,SKT,010-1234-5678,call_out,2026-11-24T09:15:00+09:00,42,\n",
    ]
    assert list(read_feed(data, FeedFormat.CSV, now=NOW, tolerance=TOLERANCE)) == [
        EventLine(2, SPEC_EVENT)
    ]


@pytest.mark.parametrize("duration_s", ["forty", "4.2", "-3"])
def test_a_csv_row_with_a_bad_duration_is_rejected(duration_s: str) -> None:
    row = f"SKT-1,SKT,010-1234-5678,call_out,2026-11-24T09:15:00+09:00,{duration_s},"
    assert rejected_field(CSV_HEADER, row, fmt=FeedFormat.CSV) == "duration_s"


def test_a_bad_csv_row_is_rejected_with_its_line_and_the_next_rows_still_parse() -> None:
    lines = read(
        CSV_HEADER,
        "SKT-1,SKT,010-1234-5678,call_out,2026-11-24T09:15:00,,",
        "",
        "SKT-2,SKT,010-1234-5678,call_out,2026-11-24T09:16:00+09:00",
        "SKT-3,SKT,010-1234-5678,call_out,2026-11-24T09:17:00+09:00,,",
        fmt=FeedFormat.CSV,
    )
    assert [(type(line).__name__, line.line, getattr(line, "field", None)) for line in lines] == [
        ("Rejection", 2, "occurred_at"),
        ("Rejection", 4, None),
        ("EventLine", 5, None),
    ]


def test_a_csv_field_too_large_to_read_is_rejected_without_stopping_the_batch() -> None:
    lines = read(
        CSV_HEADER,
        "SKT-1,SKT,010-1234-5678,call_out,2026-11-24T09:15:00+09:00,," + "x" * 200_000,
        "SKT-2,SKT,010-1234-5678,call_out,2026-11-24T09:16:00+09:00,,",
        fmt=FeedFormat.CSV,
    )
    assert [(type(line).__name__, line.line) for line in lines] == [
        ("Rejection", 2),
        ("EventLine", 3),
    ]


def test_a_csv_without_carrier_and_kind_columns_is_unreadable() -> None:
    with pytest.raises(UnreadableInputError) as refused:
        read(
            "event_id,phone,occurred_at",
            "SKT-1,010-1234-5678,2026-11-24T09:15:00+09:00",
            fmt=FeedFormat.CSV,
        )
    assert "carrier, kind" in say(refused.value.reason, "en")


# --- format_for ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("skt-20261124.jsonl", FeedFormat.JSONL),
        ("skt.ndjson", FeedFormat.JSONL),
        ("SKT.JSONL", FeedFormat.JSONL),
        ("skt-20261124.csv", FeedFormat.CSV),
        ("KT.CSV", FeedFormat.CSV),
    ],
)
def test_it_chooses_the_format_by_extension(name: str, fmt: FeedFormat) -> None:
    # The first bytes point the other way: the extension wins.
    first = b"event_id,carrier" if fmt is FeedFormat.JSONL else b'{"carrier"'
    assert format_for(name, first) is fmt


@pytest.mark.parametrize(
    ("first", "fmt"),
    [
        (b'{"event_id": "SKT-1"}', FeedFormat.JSONL),
        (b'\xef\xbb\xbf \n{"event_id": "SKT-1"}', FeedFormat.JSONL),
        (b"event_id,carrier,phone", FeedFormat.CSV),
        (b"\xef\xbb\xbfevent_id,carrier,phone", FeedFormat.CSV),
    ],
)
def test_it_chooses_the_format_of_stdin_by_its_first_character(
    first: bytes, fmt: FeedFormat
) -> None:
    assert format_for("-", first) is fmt


@pytest.mark.parametrize("first", [b"", b" \r\n\t", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_input(first: bytes) -> None:
    with pytest.raises(UnreadableInputError) as refused:
        format_for("-", first)
    assert "empty" in say(refused.value.reason, "en")
