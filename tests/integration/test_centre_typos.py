"""A centre name close to one on file is a typo until the administrator says otherwise:
refused naming the centre field and the close names, by the command line's import and by
the web's review alike; a name close to none is a new centre, and said so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anbu.adapters import catalogue
from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import centres
from anbu.bootstrap import Anbu
from anbu.domain.centre_names import NONE_NEW, CentreChoices, NewCentres
from anbu.domain.kinds import Role
from anbu.services import enrolment_review
from anbu.services.accounts import StaffUser
from anbu.services.enrolment import enrol
from anbu.services.imports import ImportReport

from builders import at, subject_row, subjects_csv

NOW = at("2026-11-20 09:00")
ADMIN = StaffUser(1, "admin", Role.ADMIN, frozenset())
TYPO = "'왕십리 도선동' 센터가 없습니다. 비슷한 센터: 왕십리도선동"


def _import(anbu: Anbu, data: bytes, allowed: NewCentres = NONE_NEW) -> ImportReport:
    rows = read_subjects(data, now=NOW, periods=anbu.periods)
    return enrol(anbu, rows, now=NOW, actor="test", new_centres=allowed)


def _centres(anbu: Anbu) -> list[str]:
    with anbu.transaction() as store:
        return store.centres.names()


def _second_list() -> bytes:
    return subjects_csv(
        subject_row(external_id="N-1", phone="010-2000-0001", centre="왕십리 도선동"),
        subject_row(external_id="N-2", phone="010-2000-0002", centre="사근동"),
        subject_row(external_id="N-3", phone="010-2000-0003"),
    )


def test_a_first_list_sets_up_the_districts_centres_and_lists_them(anbu: Anbu) -> None:
    report = _import(
        anbu,
        subjects_csv(
            subject_row(external_id="K-1", phone="010-1000-0001"),
            subject_row(external_id="K-2", phone="010-1000-0002", centre="마장동"),
            subject_row(external_id="K-3", phone="010-1000-0003"),
        ),
    )
    assert (report.created, report.rejected) == (3, [])
    assert report.new_centres == ["왕십리도선동", "마장동"]
    assert _centres(anbu) == ["마장동", "왕십리도선동"]


def test_a_typo_of_a_centre_is_refused_naming_the_close_one(anbu: Anbu) -> None:
    _import(anbu, subjects_csv(subject_row(external_id="K-1", phone="010-1000-0001")))
    report = _import(anbu, _second_list())
    assert report.created == 2
    assert [(r.line, r.field, catalogue.say(r.reason)) for r in report.rejected] == [
        (2, "centre", TYPO)
    ]
    assert report.new_centres == ["사근동"]
    assert _centres(anbu) == ["사근동", "왕십리도선동"]


def test_a_typo_in_the_same_list_as_its_new_centre_is_refused_too(anbu: Anbu) -> None:
    report = _import(
        anbu,
        subjects_csv(
            subject_row(external_id="K-1", phone="010-1000-0001"),
            subject_row(external_id="K-2", phone="010-1000-0002", centre="왕십리 도선동"),
        ),
    )
    assert [(r.line, r.field) for r in report.rejected] == [(3, "centre")]
    assert report.new_centres == ["왕십리도선동"]


@pytest.mark.parametrize(
    "allowed", [NewCentres(frozenset({"왕십리 도선동"})), NewCentres(every=True)]
)
def test_an_allowed_new_centre_is_created_and_listed(anbu: Anbu, allowed: NewCentres) -> None:
    _import(anbu, subjects_csv(subject_row(external_id="K-1", phone="010-1000-0001")))
    report = _import(anbu, _second_list(), allowed)
    assert (report.created, report.rejected) == (3, [])
    assert report.new_centres == ["왕십리 도선동", "사근동"]
    assert _centres(anbu) == ["사근동", "왕십리 도선동", "왕십리도선동"]


def test_the_review_foretells_the_typo_and_saves_it_once_renamed(anbu: Anbu) -> None:
    _import(anbu, subjects_csv(subject_row(external_id="K-1", phone="010-1000-0001")))
    found = enrolment_review.review(anbu, _second_list(), now=NOW)
    assert found.typos == {"왕십리 도선동": ["왕십리도선동"]}
    assert found.new_centres == ["사근동"]
    assert [(r.line, r.field, catalogue.say(r.reason)) for r in found.report.rejected] == [
        (2, "centre", TYPO)
    ]

    renamed = CentreChoices((("왕십리 도선동", "왕십리도선동"),))
    held = enrolment_review.review_upload(anbu, ADMIN, _second_list(), now=NOW)
    assert held.upload_id is not None
    again = enrolment_review.review_again(anbu, ADMIN, held.upload_id, renamed, now=NOW)
    assert again is not None
    assert (again.typos, again.report.rejected, again.report.created) == ({}, [], 3)
    saved = enrolment_review.confirm_upload(anbu, ADMIN, held.upload_id, now=NOW, choices=renamed)
    assert saved is not None
    assert (saved.created, saved.rejected) == (3, [])
    assert _centres(anbu) == ["사근동", "왕십리도선동"]
    with anbu.transaction() as store:
        person = store.subjects.by_external_id("N-1")
        name = store.connection.scalar(
            select(centres.c.name).where(centres.c.id == person.centre_id)
        )
    assert name == "왕십리도선동"


def test_the_review_and_the_import_refuse_the_same_rows(anbu: Anbu) -> None:
    _import(anbu, subjects_csv(subject_row(external_id="K-1", phone="010-1000-0001")))
    found = enrolment_review.review(anbu, _second_list(), now=NOW)
    report = _import(anbu, _second_list())
    assert report.rejected == found.report.rejected
    assert (report.created, report.new_centres) == (found.report.created, found.new_centres)


def test_a_list_with_only_a_typo_is_held_for_the_decision(anbu: Anbu) -> None:
    _import(anbu, subjects_csv(subject_row(external_id="K-1", phone="010-1000-0001")))
    data = subjects_csv(
        subject_row(external_id="N-1", phone="010-2000-0001", centre="왕십리 도선동")
    )
    held = enrolment_review.review_upload(anbu, ADMIN, data, now=NOW)
    assert not held.review.saves_anything
    assert held.upload_id is not None
    allowed = CentreChoices(new=NewCentres(frozenset({"왕십리 도선동"})))
    saved = enrolment_review.confirm_upload(anbu, ADMIN, held.upload_id, now=NOW, choices=allowed)
    assert saved is not None
    assert (saved.created, saved.new_centres) == (1, ["왕십리 도선동"])
