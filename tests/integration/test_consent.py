"""Withdrawal of consent and event retention, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import activity_events, case_events, pauses, subjects
from anbu.bootstrap import Anbu
from anbu.domain.alerts import ContactKind, ContactResult
from anbu.domain.kinds import AlertState, Outcome, Role
from anbu.domain.pauses import Pause
from anbu.services import subjects as subject_admin
from anbu.services.accounts import StaffUser, create_user
from anbu.services.cases import record_contact
from anbu.services.enrolment import enrol

from builders import at, event, subject_row, subjects_csv, watermark
from flows import enrol_rows, feed, sweep_at

PHONE = "010-1234-5678"
ENROLLED = at("2026-11-01 10:00")


def _count(anbu: Anbu, table: object) -> int:
    with anbu.transaction() as store:
        return int(store.connection.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_it_removes_a_withdrawn_persons_data_and_closes_their_case(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(
        anbu,
        event(PHONE, "call_out", at("2026-11-01 12:00")),
        watermark("SKT", at("2026-11-04 00:00")),
        now=at("2026-11-04 00:00"),
    )
    subject_admin.pause(
        anbu, "SD-0001", Pause(at("2026-11-10 00:00")), "trip", now=ENROLLED, actor="t"
    )
    (opened,) = sweep_at(anbu, at("2026-11-04 00:00")).opened
    create_user(
        anbu,
        "admin",
        role=Role.ADMIN,
        centres=[],
        password="long enough pw",
        now=ENROLLED,
        actor="t",
    )
    officer = StaffUser(1, "admin", Role.ADMIN, frozenset())
    record_contact(
        anbu,
        opened.id,
        by=officer.login,
        kind=ContactKind.VISIT,
        result=ContactResult.REACHED,
        note="현관 비밀번호 1234, 딸 연락처 010-5555-6666",
        now=at("2026-11-04 08:00"),
    )
    assert subject_admin.withdraw(anbu, "SD-0001", now=at("2026-11-04 09:00"), actor="officer")
    assert _count(anbu, activity_events) == 0
    with anbu.transaction() as store:  # the officer's note may describe them: it goes too
        notes = store.connection.execute(select(case_events.c.kind, case_events.c.sealed_note))
        assert [(kind, note) for kind, note in notes] == [("visit", None)]
    assert _count(anbu, pauses) == 0
    with anbu.transaction() as store:
        row = store.subjects.by_external_id("SD-0001")
        (alert,) = [line.alert for line in store.cases.listing()]
    assert row is not None
    assert anbu.vault.open(row.personal, bound_to="SD-0001") == {}
    assert (row.status, row.next_due_at) == ("withdrawn", None)
    assert (alert.state, alert.outcome) == (AlertState.RESOLVED, Outcome.CONSENT_WITHDRAWN)
    # Their number is no longer known: new events are dropped as unknown.
    later = feed(anbu, event(PHONE, "call_out", at("2026-11-04 10:00")), now=at("2026-11-04 11:00"))
    assert later.unknown_numbers == 1


def test_it_re_enrols_a_withdrawn_person_only_with_a_newer_consent(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    subject_admin.withdraw(anbu, "SD-0001", now=at("2026-11-02 09:00"), actor="officer")
    now = at("2026-11-05 09:00")
    old_list = enrol(
        anbu,
        read_subjects(subjects_csv(subject_row()), now=now, periods=anbu.periods),
        now=now,
        actor="t",
    )
    assert [(r.line, r.field) for r in old_list.rejected] == [(2, "consent_at")]
    renewed = subject_row(consent_at="2026-11-05T08:00:00+09:00")
    again = enrol(
        anbu,
        read_subjects(subjects_csv(renewed), now=now, periods=anbu.periods),
        now=now,
        actor="t",
    )
    assert again.updated == 1
    with anbu.transaction() as store:
        status, due = store.connection.execute(
            select(subjects.c.status, subjects.c.next_due_at)
        ).one()
    assert (status, due) == ("active", at("2026-11-07 08:00"))


def test_it_purges_events_older_than_the_retention_period(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, event(PHONE, "call_out", at("2026-11-01 12:00")), now=at("2026-11-01 13:00"))
    feed(anbu, event(PHONE, "call_out", at("2026-12-20 12:00")), now=at("2026-12-20 13:00"))
    retention = anbu.settings.event_retention
    removed = subject_admin.purge_events(
        anbu, now=at("2026-11-01 13:00") + retention + timedelta(hours=1)
    )
    assert removed == 1
    assert _count(anbu, activity_events) == 1
    with anbu.transaction() as store:
        last = store.connection.scalar(select(subjects.c.last_life_at))
    assert last == at("2026-12-20 12:00")  # detection keeps what it needs
