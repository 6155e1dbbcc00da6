"""Reviewing a list before it is enrolled: the review foretells exactly what enrolling
will do, and writes nothing; the held file is sealed, private and short-lived."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from sqlalchemy import select

from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.held_uploads import HeldUploads
from anbu.adapters.storage.tables import audit_log, centres, feeds, subjects
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.services import enrolment_review
from anbu.services.accounts import StaffUser
from anbu.services.enrolment import enrol
from anbu.services.subjects import withdraw

from builders import at, subject_row, subjects_csv
from flows import enrol_rows

NOW = at("2026-11-20 09:00")
ADMIN = StaffUser(1, "admin", Role.ADMIN, frozenset())


@pytest.fixture
def enrolled(anbu: Anbu) -> None:
    enrol_rows(
        anbu,
        subject_row(external_id="K-1", phone="010-1000-0001"),
        subject_row(external_id="K-2", phone="010-1000-0002"),
        subject_row(external_id="K-3", phone="010-1000-0003"),
        subject_row(external_id="K-GONE", phone="010-1000-0009"),
        now=NOW,
    )
    withdraw(anbu, "K-GONE", now=NOW, actor="test")


def _mixed_list() -> bytes:
    return subjects_csv(
        subject_row(external_id="K-1", phone="010-1000-0001"),  # unchanged
        subject_row(external_id="K-2", phone="010-1000-0022"),  # updated, gives up …0002
        subject_row(external_id="N-1", phone="010-1000-0002"),  # created, takes …0002
        subject_row(external_id="N-2", phone="010-1000-0003"),  # refused: K-3 has it
        subject_row(external_id="N-3", phone="010-1000-0022"),  # refused: K-2 took it above
        subject_row(external_id="N-1", phone="010-1000-0044"),  # refused: N-1 again
        subject_row(external_id="K-GONE", phone="010-1000-0009"),  # refused: withdrew
        subject_row(external_id="N-4", phone="010-1000-0055", centre="사근동"),  # new centre
        subject_row(external_id="N-5", phone="12"),  # refused: not a number
    )


def _snapshot(anbu: Anbu) -> list[object]:
    """Everything a review could have written to."""
    with anbu.transaction() as store:
        return [
            store.connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in (subjects, centres, audit_log, feeds)
        ]


def test_a_review_foretells_exactly_what_enrolling_does(anbu: Anbu, enrolled: None) -> None:
    data = _mixed_list()
    review = enrolment_review.review(anbu, data, now=NOW)
    assert (review.report.created, review.report.updated, review.report.unchanged) == (2, 1, 1)
    assert review.new_centres == ["사근동"]
    report = enrol(
        anbu,
        read_subjects(data, now=NOW, periods=anbu.periods),
        now=NOW + timedelta(minutes=1),
        actor="test",
    )
    assert (report.created, report.updated, report.unchanged) == (
        review.report.created,
        review.report.updated,
        review.report.unchanged,
    )
    assert report.rejected == review.report.rejected
    assert [(r.line, r.field) for r in report.rejected] == [
        (5, "phone"),
        (6, "phone"),
        (7, "external_id"),
        (8, "consent_at"),
        (10, "phone"),
    ]


def test_a_review_writes_nothing(anbu: Anbu, enrolled: None) -> None:
    before = _snapshot(anbu)
    enrolment_review.review(anbu, _mixed_list(), now=NOW + timedelta(hours=1))
    assert _snapshot(anbu) == before


def test_a_held_upload_opens_for_its_owner_only_and_not_after_its_time(anbu: Anbu) -> None:
    shelf = HeldUploads(anbu.settings.data_dir / "held", anbu.vault, timedelta(minutes=30))
    upload_id = shelf.hold(b"external_id\nSD-1\n", "admin", NOW)
    (path,) = shelf.folder.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(shelf.folder.stat().st_mode) == 0o700
    assert b"SD-1" not in path.read_bytes()  # sealed
    assert shelf.peek(upload_id, "someone.else", NOW) is None
    assert shelf.peek("../../secret", "admin", NOW) is None
    assert shelf.peek(upload_id, "admin", NOW + timedelta(minutes=29)) == b"external_id\nSD-1\n"
    assert shelf.take(upload_id, "admin", NOW + timedelta(minutes=30)) is None
    assert not path.exists()  # an expired file is deleted when it is asked for


def test_a_purge_deletes_expired_uploads_only(anbu: Anbu) -> None:
    shelf = HeldUploads(anbu.settings.data_dir / "held", anbu.vault, timedelta(minutes=30))
    old = shelf.hold(b"old", "admin", NOW)
    new = shelf.hold(b"new", "admin", NOW + timedelta(minutes=20))
    assert shelf.purge(NOW + timedelta(minutes=31)) == 1
    assert shelf.peek(old, "admin", NOW) is None
    assert shelf.take(new, "admin", NOW + timedelta(minutes=31)) == b"new"
    assert shelf.take(new, "admin", NOW + timedelta(minutes=31)) is None  # taken once only
    assert list(shelf.folder.iterdir()) == []


def test_an_upload_is_confirmed_once_and_deleted(anbu: Anbu, enrolled: None) -> None:
    data = subjects_csv(subject_row(external_id="N-9", phone="010-1000-0099"))
    held = enrolment_review.review_upload(anbu, ADMIN, data, now=NOW)
    assert held.upload_id is not None
    assert held.expires_at == NOW + enrolment_review.KEEP_UPLOADS
    report = enrolment_review.confirm_upload(anbu, ADMIN, held.upload_id, now=NOW)
    assert report is not None
    assert report.created == 1
    assert enrolment_review.confirm_upload(anbu, ADMIN, held.upload_id, now=NOW) is None
    assert list((anbu.settings.data_dir / "uploads").iterdir()) == []


def test_only_an_administrator_enrols(anbu: Anbu) -> None:
    lead = StaffUser(2, "lead", Role.LEAD, frozenset({1}))
    with pytest.raises(enrolment_review.EnrolmentRefusedError):
        enrolment_review.review_upload(anbu, lead, b"", now=NOW)
    with pytest.raises(enrolment_review.EnrolmentRefusedError):
        enrolment_review.enrol_person(anbu, lead, {}, now=NOW)
