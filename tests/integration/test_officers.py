"""Importing staff against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from anbu.adapters.catalogue import say
from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.services.imports import ImportReport
from anbu.services.officers import import_officers

from builders import at, officer_row, officers_csv, subject_row
from flows import enrol_rows

NOW = at("2026-11-20 09:00")


def _import(anbu: Anbu, *rows: dict[str, str]) -> ImportReport:
    return import_officers(anbu, read_officers(officers_csv(*rows)), now=NOW, actor="test")


def _with_centres(anbu: Anbu) -> None:
    enrol_rows(
        anbu,
        subject_row(),
        subject_row(external_id="SD-2", phone="010-2222-3333", centre="마장동"),
        now=NOW,
    )


def test_it_imports_staff_with_their_centres_and_is_idempotent(anbu: Anbu) -> None:
    _with_centres(anbu)
    rows = (
        officer_row(),
        officer_row(
            login="lee.lead", role="lead", centres="마장동;왕십리도선동", phone="010-9000-0002"
        ),
    )
    first = _import(anbu, *rows)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (2, 0, 0, [])
    again = _import(anbu, *rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    with anbu.transaction() as store:
        listing = store.staff.listing()
    assert [(r.login, r.role, r.centres) for r in listing] == [
        ("kim.officer", Role.OFFICER, ("왕십리도선동",)),
        ("lee.lead", Role.LEAD, ("마장동", "왕십리도선동")),
    ]


def test_it_moves_an_officer_to_other_centres_on_update(anbu: Anbu) -> None:
    _with_centres(anbu)
    _import(anbu, officer_row())
    moved = _import(anbu, officer_row(centres="마장동"))
    assert moved.updated == 1
    with anbu.transaction() as store:
        (row,) = store.staff.listing()
    assert row.centres == ("마장동",)


def test_it_refuses_an_unknown_centre_rather_than_inventing_one(anbu: Anbu) -> None:
    _with_centres(anbu)
    report = _import(anbu, officer_row(centres="마장동;왕십리도선둥"))
    assert [(r.line, r.field) for r in report.rejected] == [(2, "centres")]
    assert "왕십리도선둥" in say(report.rejected[0].reason)


def test_it_seals_staff_contacts(anbu: Anbu) -> None:
    _with_centres(anbu)
    _import(anbu, officer_row())
    with anbu.transaction() as store:
        sealed = store.connection.scalar(select(officers.c.personal))
    assert b"kim@seongdong" not in sealed
    opened = anbu.vault.open(sealed, bound_to="officer:kim.officer")
    assert opened == {"name": "김담당", "phone": "+821090000001", "email": "kim@seongdong.example"}
