"""Ingest writes a batch set-wise (PostgreSQL: COPY into a staging table and one merge); a
mixed file still ends exactly as the rules say (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from anbu.adapters.formats.activity_feed import FeedFormat, read_feed
from anbu.adapters.storage.tables import activity_events, feeds, subjects
from anbu.bootstrap import Anbu
from anbu.services.ingest import IngestReport, ingest

from builders import at, event, jsonl, subject_row, watermark
from flows import enrol_rows

NOW = at("2026-11-03 00:00")
ONE, TWO, LATER = "010-1111-2222", "010-3333-4444", "010-5555-6666"


def _ingest(anbu: Anbu, data: bytes) -> IngestReport:
    lines = read_feed(
        data.splitlines(keepends=True), FeedFormat.JSONL, now=NOW, tolerance=timedelta(minutes=5)
    )
    return ingest(anbu, lines, now=NOW)


def _mixed_file() -> bytes:
    good = jsonl(
        event(ONE, "call_out", at("2026-11-02 09:00"), event_id="A-1", duration_s=30),
        event(ONE, "sms_in", at("2026-11-02 10:00"), event_id="A-2"),
        event(ONE, "call_out", at("2026-11-02 09:00"), event_id="A-1", duration_s=30),  # again
        event(TWO, "power_off", at("2026-11-02 11:00"), event_id="B-1", carrier="KT"),
        event("010-9999-0000", "call_out", at("2026-11-02 12:00"), event_id="U-1"),  # unknown
        event(LATER, "call_out", at("2026-11-01 08:00"), event_id="C-0"),  # before consent
        event(LATER, "checkin", at("2026-11-02 13:00"), event_id="C-1"),
        watermark("SKT", at("2026-11-02 14:00")),
    )
    bad = b'{"carrier": "SKT", "kind": "teleport", "event_id": "X-1"}\nnot json\n'
    return good + bad


def _state(anbu: Anbu) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], object]:
    with anbu.transaction() as store:
        events = store.connection.execute(
            select(
                activity_events.c.carrier,
                activity_events.c.event_id,
                subjects.c.external_id,
                activity_events.c.kind,
                activity_events.c.occurred_at,
                activity_events.c.duration_s,
                activity_events.c.received_at,
            )
            .join(subjects, subjects.c.id == activity_events.c.subject_id)
            .order_by(activity_events.c.carrier, activity_events.c.event_id)
        ).all()
        watches = store.connection.execute(
            select(
                subjects.c.external_id,
                subjects.c.last_life_at,
                subjects.c.last_on_at,
                subjects.c.last_off_at,
                subjects.c.next_due_at,
            ).order_by(subjects.c.external_id)
        ).all()
        skt = store.connection.scalar(
            select(feeds.c.declared_until).where(feeds.c.carrier == "SKT")
        )
    return [tuple(e) for e in events], [tuple(w) for w in watches], skt


def test_a_mixed_file_stores_what_the_rules_say_and_a_resent_one_nothing(anbu: Anbu) -> None:
    enrol_rows(
        anbu,
        subject_row(external_id="P-1", phone=ONE),
        subject_row(external_id="P-2", phone=TWO, carrier="KT"),
        subject_row(external_id="P-3", phone=LATER, consent_at="2026-11-02T00:00:00+09:00"),
        now=at("2026-11-02 23:00"),
    )
    report = _ingest(anbu, _mixed_file())
    assert (report.lines, report.stored, report.duplicates) == (10, 4, 1)
    assert (report.unknown_numbers, report.not_monitored, report.watermarks) == (1, 1, 1)
    assert [r.line for r in report.rejected] == [9, 10]
    assert len(report.rejected) == 2
    events, watches, skt = _state(anbu)
    assert [(e[0], e[1], e[2]) for e in events] == [
        ("KT", "B-1", "P-2"),
        ("SKT", "A-1", "P-1"),
        ("SKT", "A-2", "P-1"),
        ("SKT", "C-1", "P-3"),
    ]
    assert events[1][4:] == (at("2026-11-02 09:00"), 30, NOW)
    assert watches[0][1] == at("2026-11-02 09:00")  # a call out is a sign of life
    assert watches[1][3] == at("2026-11-02 11:00")  # phone off
    assert watches[2][1] == at("2026-11-02 13:00")
    assert skt == at("2026-11-02 14:00")

    again = _ingest(anbu, _mixed_file())
    assert (again.stored, again.duplicates, again.unknown_numbers) == (0, 5, 1)
    assert _state(anbu) == (events, watches, skt)


def test_two_merges_in_one_transaction_do_not_mix(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(external_id="P-1", phone=ONE), now=at("2026-11-02 23:00"))
    with anbu.transaction() as store:
        (subject_id,) = store.connection.execute(select(subjects.c.id)).one()
        rows = [
            {
                "carrier": "SKT",
                "event_id": f"E-{n}",
                "subject_id": subject_id,
                "kind": "sms_in",
                "occurred_at": at("2026-11-02 09:00"),
                "duration_s": None,
                "received_at": NOW,
            }
            for n in range(3)
        ]
        first = store.events.add_all(rows[:2])
        second = store.events.add_all(rows[1:])
    assert first == {("SKT", "E-0"), ("SKT", "E-1")}
    assert second == {("SKT", "E-2")}
