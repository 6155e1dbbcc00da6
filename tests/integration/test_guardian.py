"""The person's guardian (보호자), on SQLite and PostgreSQL: a number from the subjects CSV,
sealed with the person's data, texted once with the first staff step when the centre's
policy says so, and never texted when there is none on file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from anbu.adapters.channels import Medium
from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import subjects
from anbu.bootstrap import Anbu
from anbu.services import centres
from anbu.services.dispatch import dispatch
from anbu.services.enrolment import enrol
from anbu.services.imports import ImportReport
from anbu.services.officers import import_officers

from builders import at, officer_row, officers_csv, subject_row, subjects_csv, watermark
from flows import FakeChannel, feed, sweep_at

ENROLLED = at("2026-11-01 10:00")
WEDNESDAY_10 = at("2026-11-04 10:00")  # office hours
HOUR = timedelta(hours=1)
CENTRE = "왕십리도선동"
GUARDIAN = "010-5555-0000"
GUARDIAN_E164 = "+821055550000"


def _enrol(anbu: Anbu, *rows: dict[str, str], now: datetime = ENROLLED) -> ImportReport:
    parsed = read_subjects(subjects_csv(*rows), now=now, periods=anbu.periods)
    return enrol(anbu, parsed, now=now, actor="test")


def _district(anbu: Anbu, *, guardian: str | None, policy: dict[str, Any]) -> None:
    person = subject_row() if guardian is None else subject_row(guardian_phone=guardian)
    assert not _enrol(anbu, person).rejected
    staff = (
        officer_row(),
        officer_row(login="lee.lead", role="lead", phone="010-9000-0002", email=""),
        officer_row(login="duty.desk", role="duty", centres="", phone="010-9000-0003", email=""),
    )
    report = import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="t")
    assert not report.rejected, report.rejected
    centres.set_policy(anbu, CENTRE, json.dumps(policy), by="t", now=ENROLLED)


def _open_at(anbu: Anbu, when: datetime) -> None:
    """SD-0001 has been silent since consent; the carrier's data is complete to `when`."""
    feed(anbu, watermark("SKT", when), now=when)
    assert len(sweep_at(anbu, when).opened) == 1


def _guardian_rows(anbu: Anbu) -> list[Any]:
    """The guardian's queued notifications, whole (text included)."""
    with anbu.transaction() as store:
        outbox = store.outbox
        keys = [row.key for row in outbox.listing() if row.recipient == "guardian"]
        return [outbox.by_key(key) for key in keys]


def _steps_told(anbu: Anbu) -> set[str]:
    with anbu.transaction() as store:
        return {row.step for row in store.outbox.listing()}


def test_the_guardian_is_texted_once_with_the_first_staff_step(anbu: Anbu) -> None:
    _district(anbu, guardian=GUARDIAN, policy={"guardian": True})
    _open_at(anbu, WEDNESDAY_10)
    for hours in (1, 2, 3):  # the next tiers and a reminder: staff only
        sweep_at(anbu, WEDNESDAY_10 + hours * HOUR)
    assert {"u0", "u1", "u2", "u3"} <= _steps_told(anbu)
    (row,) = _guardian_rows(anbu)
    assert (row.step, row.medium, row.officer_id) == ("u0", "sms", None)
    assert "김*수" in row.body
    assert CENTRE in row.body
    assert "김영수" not in row.body


def test_the_dispatcher_texts_the_guardians_number(anbu: Anbu) -> None:
    _district(anbu, guardian=GUARDIAN, policy={"guardian": True})
    _open_at(anbu, WEDNESDAY_10)
    channels = {m: FakeChannel(m) for m in Medium}
    dispatch(anbu, channels, now=WEDNESDAY_10)
    (row,) = _guardian_rows(anbu)
    (text,) = [m for m in channels[Medium.SMS].sent if m.key == row.key]
    assert (text.address, text.text) == (GUARDIAN_E164, row.body)
    assert all(m.address != GUARDIAN_E164 for m in channels[Medium.EMAIL].sent)
    assert _guardian_rows(anbu)[0].state == "sent"


def test_without_a_guardian_on_file_nothing_is_queued_for_one(anbu: Anbu) -> None:
    _district(anbu, guardian=None, policy={"guardian": True})
    _open_at(anbu, WEDNESDAY_10)
    assert "u0" in _steps_told(anbu)  # the staff were told
    assert _guardian_rows(anbu) == []


def test_an_empty_guardian_cell_is_no_guardian(anbu: Anbu) -> None:
    _district(anbu, guardian="", policy={"guardian": True})
    _open_at(anbu, WEDNESDAY_10)
    assert _guardian_rows(anbu) == []


def test_the_guardian_is_not_texted_when_the_policy_does_not_say_so(anbu: Anbu) -> None:
    _district(anbu, guardian=GUARDIAN, policy={})
    _open_at(anbu, WEDNESDAY_10)
    assert _guardian_rows(anbu) == []


def test_a_changed_guardian_number_updates_the_person_and_is_the_one_texted(anbu: Anbu) -> None:
    _district(anbu, guardian=GUARDIAN, policy={"guardian": True})
    later = ENROLLED + HOUR
    unchanged = _enrol(anbu, subject_row(guardian_phone=GUARDIAN), now=later)
    changed = _enrol(anbu, subject_row(guardian_phone="010-6666-0000"), now=later)
    assert (unchanged.unchanged, changed.updated) == (1, 1)
    _open_at(anbu, WEDNESDAY_10)
    channels = {m: FakeChannel(m) for m in Medium}
    dispatch(anbu, channels, now=WEDNESDAY_10)
    (row,) = _guardian_rows(anbu)
    (text,) = [m for m in channels[Medium.SMS].sent if m.key == row.key]
    assert text.address == "+821066660000"


def test_a_guardian_taken_off_the_list_is_no_longer_on_file(anbu: Anbu) -> None:
    _district(anbu, guardian=GUARDIAN, policy={"guardian": True})
    assert _enrol(anbu, subject_row(guardian_phone=""), now=ENROLLED + HOUR).updated == 1
    _open_at(anbu, WEDNESDAY_10)
    assert _guardian_rows(anbu) == []


def test_a_list_without_guardians_re_imports_unchanged(anbu: Anbu) -> None:
    """A person enrolled without a guardian keeps the record key rows had before guardians
    existed: adding the column changes nothing for them."""
    assert _enrol(anbu, subject_row()).created == 1
    assert _enrol(anbu, subject_row(guardian_phone=""), now=ENROLLED + HOUR).unchanged == 1


def test_the_guardian_number_is_sealed_not_stored_in_clear(anbu: Anbu) -> None:
    _district(anbu, guardian=GUARDIAN, policy={"guardian": True})
    with anbu.transaction() as store:
        (external_id, blob) = store.connection.execute(
            select(subjects.c.external_id, subjects.c.personal)
        ).one()
    assert GUARDIAN_E164.encode() not in bytes(blob)
    opened = anbu.vault.open(bytes(blob), bound_to=external_id)
    assert opened["guardian_phone"] == GUARDIAN_E164
