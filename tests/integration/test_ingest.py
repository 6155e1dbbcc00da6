"""Ingest against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select, text

from anbu.adapters.storage.tables import activity_events, feeds, metadata, subjects
from anbu.bootstrap import Anbu

from builders import at, event, subject_row, watermark
from flows import enrol_rows, feed, sweep_at

PHONE = "010-1234-5678"
ENROLLED = at("2026-11-01 10:00")


def _events(anbu: Anbu) -> int:
    with anbu.transaction() as store:
        return int(store.connection.scalar(select(func.count()).select_from(activity_events)) or 0)


def test_it_ignores_an_event_sent_again_in_a_later_file(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    call = event(PHONE, "call_out", at("2026-11-02 09:00"), event_id="SKT-1")
    first = feed(anbu, call, now=at("2026-11-03 00:00"))
    second = feed(anbu, call, call, now=at("2026-11-03 00:00"))
    assert (first.stored, first.duplicates) == (1, 0)
    assert (second.stored, second.duplicates) == (0, 2)
    assert _events(anbu) == 1


def test_it_counts_and_drops_events_for_unknown_numbers(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    report = feed(
        anbu, event("010-9999-8888", "call_out", at("2026-11-02 09:00")), now=at("2026-11-03 00:00")
    )
    assert (report.unknown_numbers, report.stored) == (1, 0)
    assert _events(anbu) == 0


def test_it_never_stores_the_counterpart_number(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    call = event(
        PHONE, "call_out", at("2026-11-02 09:00"), counterpart="010-5555-7777", duration_s=3
    )
    assert feed(anbu, call, now=at("2026-11-03 00:00")).stored == 1
    with anbu.transaction() as store:
        for table in metadata.sorted_tables:
            for row in store.connection.execute(select(table)):
                text_of_row = " ".join(str(value) for value in row)
                assert "5555-7777" not in text_of_row, table.name
                assert "55557777" not in text_of_row, table.name


def test_it_keeps_nothing_from_before_consent(anbu: Anbu) -> None:
    enrol_rows(
        anbu, subject_row(consent_at="2026-11-02T00:00:00+09:00"), now=at("2026-11-02 01:00")
    )
    report = feed(
        anbu, event(PHONE, "call_out", at("2026-11-01 09:00")), now=at("2026-11-03 00:00")
    )
    assert (report.not_monitored, report.stored) == (1, 0)


def test_it_lets_a_late_older_event_leave_the_last_sign_of_life_alone(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, event(PHONE, "call_out", at("2026-11-03 09:00")), now=at("2026-11-03 10:00"))
    feed(anbu, event(PHONE, "call_out", at("2026-11-02 09:00")), now=at("2026-11-03 11:00"))
    with anbu.transaction() as store:
        last, due = store.connection.execute(
            select(subjects.c.last_life_at, subjects.c.next_due_at)
        ).one()
    assert last == at("2026-11-03 09:00")
    assert due == at("2026-11-05 09:00")


def test_it_moves_a_watermark_only_forward(anbu: Anbu) -> None:
    feed(anbu, watermark("SKT", at("2026-11-03 00:00")), now=at("2026-11-03 01:00"))
    report = feed(anbu, watermark("SKT", at("2026-11-02 00:00")), now=at("2026-11-03 01:00"))
    assert report.watermarks == 1
    assert not report.rejected
    with anbu.transaction() as store:
        declared = store.connection.scalar(select(feeds.c.declared_until))
    assert declared == at("2026-11-03 00:00")


def test_it_notes_on_an_open_alert_when_activity_resumes(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, watermark("SKT", at("2026-11-04 00:00")), now=at("2026-11-04 00:00"))
    assert len(sweep_at(anbu, at("2026-11-04 00:00")).opened) == 1
    feed(
        anbu,
        event(PHONE, "call_out", at("2026-11-04 16:00")),
        event(PHONE, "call_out", at("2026-11-04 14:02")),
        event(PHONE, "sms_in", at("2026-11-04 13:00")),  # not a sign of life
        now=at("2026-11-04 17:00"),
    )
    with anbu.transaction() as store:
        (alert,) = [line.alert for line in store.cases.listing()]
    assert alert.resumed_at == at("2026-11-04 14:02")


def test_it_keeps_a_batch_already_accepted_when_a_later_line_is_bad(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    good = event(PHONE, "call_out", at("2026-11-02 09:00"))
    bad = event(PHONE, "call_out", "2026-11-02T10:00:00")  # no offset
    report = feed(anbu, good, bad, now=at("2026-11-03 00:00"))
    assert report.stored == 1
    assert [(r.line, r.field) for r in report.rejected] == [(2, "occurred_at")]
    with anbu.transaction() as store:
        assert store.connection.scalar(text("select count(*) from activity_events")) == 1
