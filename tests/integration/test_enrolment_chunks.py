"""Enrolment reads and writes a chunk of rows at once; each row is still judged as if the rows
before it in the file were already written (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from anbu.adapters import catalogue
from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import alerts, audit_log, centres, subjects
from anbu.bootstrap import Anbu
from anbu.services.enrolment import enrol
from anbu.services.imports import ImportReport

from builders import at, subject_row, subjects_csv, watermark
from flows import enrol_rows, feed, sweep_at

NOW = at("2026-11-20 09:00")
FIRST = "010-1234-5678"
SECOND = "010-2222-3333"
THIRD = "010-3333-4444"
FOURTH = "010-5555-6666"


def _import(anbu: Anbu, data: bytes) -> ImportReport:
    return enrol(anbu, read_subjects(data, now=NOW, periods=anbu.periods), now=NOW, actor="test")


def test_rows_of_one_chunk_see_the_rows_before_them(anbu: Anbu) -> None:
    _import(
        anbu,
        subjects_csv(
            subject_row(external_id="SD-1", phone=FIRST),
            subject_row(external_id="SD-2", phone=SECOND),
        ),
    )
    # (A reference given twice in one file is refused when the file is read.)
    report = _import(
        anbu,
        subjects_csv(
            subject_row(external_id="SD-1", phone=THIRD),  # updated: gives up FIRST
            subject_row(external_id="SD-3", phone=FIRST),  # created: takes it
            subject_row(external_id="SD-4", phone=THIRD),  # refused: SD-1 took it above
            subject_row(external_id="SD-5", phone=SECOND),  # refused: SD-2 has it
            subject_row(external_id="SD-2", phone=SECOND, address="다른길 3"),  # updated
            subject_row(external_id="SD-6", phone=FOURTH),  # created
        ),
    )
    assert (report.created, report.updated, report.unchanged) == (2, 2, 0)
    assert [(r.line, r.field) for r in report.rejected] == [(4, "phone"), (5, "phone")]
    assert "SD-1" in catalogue.say(report.rejected[0].reason)
    assert "SD-2" in catalogue.say(report.rejected[1].reason)
    with anbu.transaction() as store:
        keys = {
            str(ref): bytes(key)
            for ref, key in store.connection.execute(
                select(subjects.c.external_id, subjects.c.phone_key)
            )
        }
        actions = store.connection.execute(
            select(audit_log.c.action, subjects.c.external_id)
            .join(subjects, subjects.c.id == audit_log.c.subject_id)
            .order_by(audit_log.c.id)
        ).all()
        sd2 = store.subjects.by_external_id("SD-2")
    assert keys == {
        ref: anbu.vault.lookup_key(phone)
        for ref, phone in (
            ("SD-1", "+821033334444"),
            ("SD-2", "+821022223333"),
            ("SD-3", "+821012345678"),
            ("SD-6", "+821055556666"),
        )
    }
    assert [tuple(a) for a in actions][2:] == [  # in the file's order
        ("subject.updated", "SD-1"),
        ("subject.created", "SD-3"),
        ("subject.updated", "SD-2"),
        ("subject.created", "SD-6"),
    ]
    assert sd2 is not None
    assert anbu.vault.open(sd2.personal, bound_to="SD-2")["address"] == "다른길 3"


def test_a_chunk_ends_as_the_same_rows_imported_one_by_one(anbu: Anbu) -> None:
    rows = [
        subject_row(external_id=f"SD-{n}", phone=f"010-5555-{n:04d}", centre=f"센터{n % 3}")
        for n in range(12)
    ]
    _import(anbu, subjects_csv(*rows))
    changed = [dict(row, inactivity_hours="72") if n % 2 else row for n, row in enumerate(rows)]
    whole = _import(anbu, subjects_csv(*changed))
    assert (whole.created, whole.updated, whole.unchanged, whole.rejected) == (0, 6, 6, [])
    with anbu.transaction() as store:
        after_whole = store.connection.execute(
            select(
                subjects.c.external_id, subjects.c.inactivity_minutes, subjects.c.next_due_at
            ).order_by(subjects.c.id)
        ).all()
    for row in rows:  # back to the first list, one row at a time, and forth again
        _import(anbu, subjects_csv(row))
    for row in changed:
        _import(anbu, subjects_csv(row))
    with anbu.transaction() as store:
        after_each = store.connection.execute(
            select(
                subjects.c.external_id, subjects.c.inactivity_minutes, subjects.c.next_due_at
            ).order_by(subjects.c.id)
        ).all()
    assert after_whole == after_each
    assert len({r.inactivity_minutes for r in after_whole}) == 2


def test_a_person_moved_to_another_centre_takes_their_open_case_along(anbu: Anbu) -> None:
    enrol_rows(
        anbu,
        subject_row(external_id="SD-1", phone=FIRST),
        subject_row(external_id="SD-2", phone=SECOND),
        now=at("2026-11-01 10:00"),
    )
    feed(anbu, watermark("SKT", at("2026-11-04 00:00")), now=at("2026-11-04 00:00"))
    assert len(sweep_at(anbu, at("2026-11-04 00:00")).opened) == 2
    report = _import(
        anbu,
        subjects_csv(
            subject_row(external_id="SD-1", phone=FIRST, centre="마장동"),
            subject_row(external_id="SD-2", phone=SECOND),
        ),
    )
    assert (report.updated, report.unchanged) == (1, 1)
    with anbu.transaction() as store:
        where = dict(
            store.connection.execute(
                select(subjects.c.external_id, centres.c.name)
                .join(alerts, alerts.c.subject_id == subjects.c.id)
                .join(centres, centres.c.id == alerts.c.centre_id)
            ).all()
        )
    assert where == {"SD-1": "마장동", "SD-2": "왕십리도선동"}
