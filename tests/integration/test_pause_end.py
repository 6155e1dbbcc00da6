"""Ending a pause early, through the service: the person's due instant moves back, so the
sweep opens the alert the pause was holding back; reach, the audit log, and a pause that
is over already. Against SQLite and PostgreSQL, on a controlled clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from anbu.adapters.storage.tables import audit_log, pauses
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertKind, Role
from anbu.services import people
from anbu.services.accounts import StaffUser

from builders import at, event, subject_row, watermark
from flows import enrol_rows, feed, sweep_at

ENROLLED = at("2026-11-01 10:00")
LAST_CALL = at("2026-11-02 09:00")  # the last sign of life; 48 hours' limit: due 11-04 09:00
CENTRE_A, CENTRE_B = "왕십리도선동", "마장동"
PHONE = {"SD-0001": "010-1234-5678", "SD-0002": "010-2222-3333", "SD-0003": "010-3333-4444"}


@pytest.fixture
def silent(anbu: Anbu) -> None:
    """SD-0001 and SD-0002 (centre A), SD-0003 (centre B): each called once, then fell
    silent."""
    enrol_rows(
        anbu,
        *(
            subject_row(
                external_id=ref, phone=phone, centre=CENTRE_B if ref == "SD-0003" else CENTRE_A
            )
            for ref, phone in PHONE.items()
        ),
        now=ENROLLED,
    )
    calls = [event(phone, "call_out", LAST_CALL) for phone in PHONE.values()]
    feed(anbu, *calls, watermark("SKT", LAST_CALL), now=LAST_CALL)


def officer(anbu: Anbu, centre: str = CENTRE_A) -> StaffUser:
    with anbu.transaction() as store:
        centre_id = store.staff.centre_ids()[centre]
    return StaffUser(1, "kim.a", Role.OFFICER, frozenset({centre_id}))


def pause(anbu: Anbu, ref: str, starts: datetime, ends: datetime | None, now: datetime) -> int:
    return people.add_pause(
        anbu,
        officer(anbu),
        ref,
        starts_at=starts,
        ends_at=ends,
        reason=people.PauseReason.HOSPITAL,
        note="",
        now=now,
    )


def sweep_to(anbu: Anbu, instant: datetime) -> list[tuple[str | None, AlertKind, datetime]]:
    """The carrier's data complete until `instant`, swept then: the people alerted."""
    feed(anbu, watermark("SKT", instant), now=instant)
    opened = sweep_at(anbu, instant).opened
    with anbu.transaction() as store:
        by_id = {a.id: a.external_id for a in store.cases.listing()}
    return [(by_id[o.id], o.kind, o.due_at) for o in opened]


def next_due(anbu: Anbu, ref: str) -> datetime | None:
    with anbu.transaction() as store:
        row = store.subjects.by_external_id(ref)
    assert row is not None
    due: datetime | None = row.next_due_at
    return due


def stored(anbu: Anbu) -> list[tuple[datetime, datetime | None]]:
    with anbu.engine.connect() as connection:
        rows = connection.execute(select(pauses.c.starts_at, pauses.c.ends_at))
        return [(row.starts_at, row.ends_at) for row in rows]


def audited(anbu: Anbu) -> list[str]:
    with anbu.engine.connect() as connection:
        return list(
            connection.scalars(
                select(audit_log.c.action)
                .where(audit_log.c.action.like("subject.pause%"))
                .order_by(audit_log.c.id)
            )
        )


def test_an_ended_pause_no_longer_holds_back_the_alert(anbu: Anbu, silent: None) -> None:
    # Both go into hospital on 11-03 09:00, 24 of their 48 hours used; until further notice.
    in_hospital = at("2026-11-03 09:00")
    ended = pause(anbu, "SD-0001", in_hospital, None, in_hospital)
    pause(anbu, "SD-0002", in_hospital, None, in_hospital)
    assert next_due(anbu, "SD-0001") is None
    assert sweep_to(anbu, at("2026-11-05 09:00")) == [
        ("SD-0003", AlertKind.NO_ACTIVITY, at("2026-11-04 09:00"))
    ]

    # SD-0001 comes home on 11-05 09:00: the 24 hours left count from now.
    home = at("2026-11-05 09:00")
    result = people.end_pause(anbu, officer(anbu), "SD-0001", ended, now=home)

    assert (result.removed, result.pause.ends_at, result.pause.current) == (False, home, False)
    assert next_due(anbu, "SD-0001") == at("2026-11-06 09:00")
    assert sweep_to(anbu, at("2026-11-06 08:59")) == []
    # SD-0002, still in hospital, stays held back.
    assert sweep_to(anbu, at("2026-11-06 10:00")) == [
        ("SD-0001", AlertKind.NO_ACTIVITY, at("2026-11-06 09:00"))
    ]
    assert sweep_to(anbu, at("2026-11-10 00:00")) == []
    assert audited(anbu) == ["subject.paused", "subject.paused", "subject.pause_ended"]


def test_a_cancelled_pause_lets_the_overdue_alert_open_at_once(anbu: Anbu, silent: None) -> None:
    # On 11-03 a trip is planned for both, from 11-04 06:00, before their limit at 09:00.
    planned_on = at("2026-11-03 12:00")
    trip = pause(anbu, "SD-0001", at("2026-11-04 06:00"), at("2026-11-10 00:00"), planned_on)
    pause(anbu, "SD-0002", at("2026-11-04 06:00"), at("2026-11-10 00:00"), planned_on)
    assert next_due(anbu, "SD-0001") == at("2026-11-10 03:00")

    # SD-0001's trip is called off before it begins: the pause is taken away, the limit is
    # 11-04 09:00 again, and silence since 11-02 09:00 has passed it by the next sweep.
    result = people.end_pause(anbu, officer(anbu), "SD-0001", trip, now=at("2026-11-04 05:00"))

    assert result.removed
    assert stored(anbu) == [(at("2026-11-04 06:00"), at("2026-11-10 00:00"))]  # SD-0002's
    assert next_due(anbu, "SD-0001") == at("2026-11-04 09:00")
    # SD-0002, still to travel, is held back; SD-0003 had no pause at all.
    assert sorted(sweep_to(anbu, at("2026-11-04 10:00"))) == [
        ("SD-0001", AlertKind.NO_ACTIVITY, at("2026-11-04 09:00")),
        ("SD-0003", AlertKind.NO_ACTIVITY, at("2026-11-04 09:00")),
    ]
    assert audited(anbu)[-1] == "subject.pause_removed"


def test_a_pause_that_is_over_is_refused_and_left_as_it_was(anbu: Anbu, silent: None) -> None:
    over = pause(anbu, "SD-0001", at("2026-11-02 12:00"), at("2026-11-03 12:00"), ENROLLED)

    with pytest.raises(people.PauseOverError):
        people.end_pause(anbu, officer(anbu), "SD-0001", over, now=at("2026-11-03 12:00"))

    assert stored(anbu) == [(at("2026-11-02 12:00"), at("2026-11-03 12:00"))]
    assert audited(anbu) == ["subject.paused"]


def test_another_centres_pause_reads_as_an_unknown_one(anbu: Anbu, silent: None) -> None:
    now = at("2026-11-03 09:00")
    theirs = people.add_pause(
        anbu,
        officer(anbu, CENTRE_B),
        "SD-0003",
        starts_at=now,
        ends_at=None,
        reason=people.PauseReason.TRAVEL,
        note="",
        now=now,
    )
    kim = officer(anbu)

    with pytest.raises(people.PersonNotFoundError):
        people.end_pause(anbu, kim, "SD-0003", theirs, now=now)
    # Nor through one of one's own people: the pause is not theirs.
    with pytest.raises(people.PersonNotFoundError):
        people.end_pause(anbu, kim, "SD-0001", theirs, now=now)
    operator = StaffUser(2, "ops", Role.OPERATOR, frozenset())
    with pytest.raises(people.PersonNotFoundError):
        people.end_pause(anbu, operator, "SD-0003", theirs, now=now)

    assert stored(anbu) == [(now, None)]
    assert audited(anbu) == ["subject.paused"]
