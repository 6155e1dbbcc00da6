"""Enrolment against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from anbu.adapters.catalogue import say
from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import audit_log, centres, feeds, subjects
from anbu.bootstrap import Anbu
from anbu.services.enrolment import enrol
from anbu.services.imports import ImportReport

from builders import at, subject_row, subjects_csv

NOW = at("2026-11-20 09:00")


def _import(anbu: Anbu, data: bytes) -> ImportReport:
    return enrol(anbu, read_subjects(data, now=NOW, periods=anbu.periods), now=NOW, actor="test")


def _counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.unchanged, len(report.rejected)


def test_it_imports_good_rows_and_names_the_bad_ones(anbu: Anbu) -> None:
    report = _import(
        anbu,
        subjects_csv(
            subject_row(),
            subject_row(external_id="SD-0002", phone="010-12", name="박"),
            subject_row(external_id="SD-0003", phone="010-3333-4444", centre="마장동"),
        ),
    )
    assert _counts(report) == (2, 0, 0, 1)
    assert (report.rejected[0].line, report.rejected[0].field) == (3, "phone")


def test_it_changes_nothing_when_the_same_file_comes_again(anbu: Anbu) -> None:
    data = subjects_csv(subject_row(), subject_row(external_id="SD-0002", phone="010-3333-4444"))
    _import(anbu, data)
    with anbu.transaction() as store:
        before = store.connection.execute(select(subjects).order_by(subjects.c.id)).all()
    assert _counts(_import(anbu, data)) == (0, 0, 2, 0)
    with anbu.transaction() as store:
        after = store.connection.execute(select(subjects).order_by(subjects.c.id)).all()
    assert before == after


def test_it_treats_every_written_form_of_a_number_as_one_person(anbu: Anbu) -> None:
    _import(anbu, subjects_csv(subject_row(phone="010-1234-5678")))
    same_person = _import(anbu, subjects_csv(subject_row(phone="+82 10 1234 5678")))
    assert _counts(same_person) == (0, 0, 1, 0)
    someone_else = _import(
        anbu, subjects_csv(subject_row(external_id="SD-0009", phone="01012345678"))
    )
    assert _counts(someone_else) == (0, 0, 0, 1)
    assert someone_else.rejected[0].field == "phone"
    assert "SD-0001" in say(someone_else.rejected[0].reason)


def test_it_updates_a_changed_period_and_moves_the_due_instant(anbu: Anbu) -> None:
    _import(anbu, subjects_csv(subject_row()))
    report = _import(anbu, subjects_csv(subject_row(inactivity_hours="72")))
    assert _counts(report) == (0, 1, 0, 0)
    with anbu.transaction() as store:
        due = store.connection.scalar(select(subjects.c.next_due_at))
    assert due == at("2026-11-01 09:00") + timedelta(hours=72)


def test_it_creates_each_centre_on_first_mention_only(anbu: Anbu) -> None:
    _import(
        anbu,
        subjects_csv(
            subject_row(),
            subject_row(external_id="SD-0002", phone="010-2222-3333", centre="마장동"),
            subject_row(external_id="SD-0003", phone="010-4444-5555", centre="마장동"),
        ),
    )
    with anbu.transaction() as store:
        names = set(store.connection.scalars(select(centres.c.name)))
    assert names == {"왕십리도선동", "마장동"}


def test_it_reads_the_cp949_that_korean_excel_writes(anbu: Anbu) -> None:
    report = _import(anbu, subjects_csv(subject_row(name="홍길동"), encoding="cp949"))
    assert report.created == 1
    with anbu.transaction() as store:
        row = store.subjects.by_external_id("SD-0001")
    assert row is not None
    assert anbu.vault.open(row.personal, bound_to="SD-0001")["name"] == "홍길동"


def test_it_expects_each_carrier_feed_from_the_earliest_consent(anbu: Anbu) -> None:
    _import(
        anbu,
        subjects_csv(
            subject_row(consent_at="2026-11-05T09:00:00+09:00"),
            subject_row(
                external_id="SD-2", phone="010-2222-3333", consent_at="2026-11-03T09:00:00+09:00"
            ),
        ),
    )
    with anbu.transaction() as store:
        expected = store.connection.scalar(
            select(feeds.c.expected_since).where(feeds.c.carrier == "SKT")
        )
    assert expected == at("2026-11-03 09:00")


def test_it_writes_an_audit_entry_for_each_person_created_or_changed(anbu: Anbu) -> None:
    _import(anbu, subjects_csv(subject_row()))
    _import(anbu, subjects_csv(subject_row(address="서울 성동구 다른길 3")))
    _import(anbu, subjects_csv(subject_row(address="서울 성동구 다른길 3")))
    with anbu.transaction() as store:
        actions = list(
            store.connection.scalars(select(audit_log.c.action).order_by(audit_log.c.id))
        )
        total = store.connection.scalar(select(func.count()).select_from(audit_log))
    assert actions == ["subject.created", "subject.updated"]
    assert total == 2
