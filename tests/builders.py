"""Small builders for test data: subject CSVs, activity events, instants."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any

KST = timezone(timedelta(hours=9))
SUBJECT_COLUMNS = (
    "external_id,name,birth_date,phone,carrier,centre,address,"
    "inactivity_hours,phone_off_hours,consent_at"
)
_event_ids = count(1)


# The master key of every test's data (a real one is random and kept in the data folder).
TEST_SECRET = "test-secret-0123456789abcdef"


def at(text: str) -> datetime:
    """`at("2026-11-20 09:00")` is that minute in Seoul."""
    return datetime.fromisoformat(text).replace(tzinfo=KST)


def subject_row(**overrides: Any) -> dict[str, str]:
    row = {
        "external_id": "SD-0001",
        "name": "김영수",
        "birth_date": "1948-03-02",
        "phone": "010-1234-5678",
        "carrier": "SKT",
        "centre": "왕십리도선동",
        "address": "서울 성동구 왕십리로 1",
        "inactivity_hours": "",
        "phone_off_hours": "",
        "consent_at": "2026-11-01T09:00:00+09:00",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def subjects_csv(*rows: dict[str, str], encoding: str = "utf-8") -> bytes:
    """The optional `guardian_phone` and `detection` columns are written when any row
    gives one."""
    columns = SUBJECT_COLUMNS
    for optional in ("guardian_phone", "detection"):
        if any(optional in row for row in rows):
            columns += f",{optional}"
            rows = tuple({optional: "", **row} for row in rows)
    return _csv(columns, rows, encoding)


def _csv(columns: str, rows: tuple[dict[str, str], ...], encoding: str) -> bytes:
    names = columns.split(",")
    lines = [columns] + [",".join(row[name] for name in names) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def event(
    phone: str,
    kind: str,
    occurred_at: datetime | str,
    *,
    carrier: str = "SKT",
    duration_s: int | None = None,
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    when = occurred_at if isinstance(occurred_at, str) else occurred_at.isoformat()
    document: dict[str, Any] = {
        "event_id": event_id or f"{carrier}-{next(_event_ids):08d}",
        "carrier": carrier,
        "phone": phone,
        "kind": kind,
        "occurred_at": when,
        **extra,
    }
    if duration_s is not None:
        document["duration_s"] = duration_s
    return document


def watermark(carrier: str, complete_until: datetime) -> dict[str, Any]:
    return {"carrier": carrier, "kind": "watermark", "complete_until": complete_until.isoformat()}


def jsonl(*documents: dict[str, Any]) -> bytes:
    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents).encode()


OFFICER_COLUMNS = "login,name,phone,email,centres,role"


def officer_row(**overrides: Any) -> dict[str, str]:
    row = {
        "login": "kim.officer",
        "name": "김담당",
        "phone": "010-9000-0001",
        "email": "kim@seongdong.example",
        "centres": "왕십리도선동",
        "role": "officer",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def officers_csv(*rows: dict[str, str], encoding: str = "utf-8") -> bytes:
    return _csv(OFFICER_COLUMNS, rows, encoding)
