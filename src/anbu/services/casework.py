"""The officers' casework in the web application: the queue of open cases, taking a visit
so that two people do not go to the same door, and recording calls, visits and notes.
Who may act on a case is decided as for the command line (`cases.ensure_reach`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from anbu.adapters.storage import cases as cases_store
from anbu.adapters.storage import casework as store
from anbu.adapters.storage.alert_rows import AlertLine, AlertRecord
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertKind, AlertState, Role
from anbu.domain.subjects import mask_name
from anbu.services.accounts import StaffUser
from anbu.services.cases import CaseError, ensure_reach

QUEUE_LENGTH = 200


class ContactKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    NOTE = "note"


class ContactResult(StrEnum):
    REACHED = "reached"  # spoke to the person, or saw them
    NOT_REACHED = "not_reached"  # no answer, nobody at the door
    OTHER = "other"  # a neighbour, a relative, the landlord…


@dataclass(frozen=True, slots=True)
class QueueItem:
    alert_id: int
    kind: AlertKind
    state: AlertState
    subject_id: int
    external_id: str
    centre: str
    masked_name: str
    last_sign: datetime
    silent_for: timedelta
    acknowledged_by: str | None
    claimed_by: str | None
    resumed_at: datetime | None


def queue(app: Anbu, user: StaffUser, now: datetime) -> list[QueueItem]:
    """The open cases the user answers for, most urgent first. The names are masked; the
    view is written to the audit log with the people it showed."""
    scope = None if user.whole_district else user.centre_ids
    with app.transaction() as tx:
        rows = store.open_cases(tx.connection, scope, QUEUE_LENGTH)
        detail = json.dumps({"alerts": [r.alert.alert_id for r in rows]})
        tx.audit(user.login, "queue.viewed", now, detail=detail)
    return [
        QueueItem(
            row.alert.alert_id,
            row.alert.kind,
            row.alert.state,
            row.person.subject_id,
            row.person.external_id,
            row.person.centre,
            mask_name(
                app.vault.open(row.person.personal, bound_to=row.person.external_id).get("name", "")
            ),
            row.alert.base_at,
            now - row.alert.base_at,
            row.alert.acknowledged_by,
            row.alert.claimed_by,
            row.alert.resumed_at,
        )
        for row in rows
        if row.person is not None  # always: the queue is of people's cases
    ]


def claim(app: Anbu, alert_id: int, user: StaffUser, now: datetime) -> None:
    with app.transaction() as tx:
        ensure_reach(tx.connection, alert_id, user.login)
        if not store.claim(tx.connection, alert_id, user.login, now):
            raise CaseError("이미 다른 담당자가 맡았거나 종결된 건입니다.")
        store.add_event(
            tx.connection, {"alert_id": alert_id, "at": now, "by": user.login, "kind": "claim"}
        )
        tx.audit(user.login, "alert.claimed", now, detail=str(alert_id))


def release(app: Anbu, alert_id: int, user: StaffUser, now: datetime) -> None:
    with app.transaction() as tx:
        ensure_reach(tx.connection, alert_id, user.login)
        if not store.release(tx.connection, alert_id, user.login):
            raise CaseError("맡은 건이 아닙니다.")
        store.add_event(
            tx.connection, {"alert_id": alert_id, "at": now, "by": user.login, "kind": "release"}
        )
        tx.audit(user.login, "alert.released", now, detail=str(alert_id))


def record_contact(
    app: Anbu,
    alert_id: int,
    user: StaffUser,
    *,
    kind: ContactKind,
    result: ContactResult | None,
    note: str,
    now: datetime,
) -> None:
    """A call, a visit or a note on the case. The note is sealed: it may say how the person
    was found."""
    if kind is not ContactKind.NOTE and result is None:
        raise CaseError("전화나 방문의 결과를 골라 주세요.")
    if len(note) > 2000:
        raise CaseError("메모는 2,000자까지 쓸 수 있습니다.")
    with app.transaction() as tx:
        ensure_reach(tx.connection, alert_id, user.login)
        sealed = app.vault.seal({"note": note}, bound_to=f"case:{alert_id}") if note else None
        store.add_event(
            tx.connection,
            {
                "alert_id": alert_id,
                "at": now,
                "by": user.login,
                "kind": kind.value,
                "result": result.value if result else None,
                "sealed_note": sealed,
            },
        )
        if kind is not ContactKind.NOTE:
            # A call or a visit is someone taking charge: it acknowledges the case if nobody
            # had, and it is the contact the acknowledged case was waiting for.
            cases_store.acknowledge(tx.connection, alert_id, user.login, now)
            cases_store.contact_recorded(tx.connection, alert_id)
        tx.audit(user.login, f"alert.{kind.value}", now, detail=str(alert_id))


@dataclass(frozen=True, slots=True)
class AlertListItem:
    """An alert in a list (the JSON API's): the person by reference, centre and masked name
    only; None for an alert about the system."""

    alert: AlertRecord
    external_id: str | None
    centre: str | None
    masked_name: str | None


def alert_list(
    app: Anbu,
    user: StaffUser,
    *,
    open_only: bool,
    before: int | None,
    limit: int,
    now: datetime,
) -> list[AlertListItem]:
    """The alerts within the user's reach, newest first, as `cases.ensure_reach` draws it:
    officers and leads their centres' people, the duty desk every centre's, operators the
    system's (feeds, channels), administrators all. Audited with the alerts it showed."""
    centre_ids: frozenset[int] | None = None
    if user.role in (Role.OFFICER, Role.LEAD):
        centre_ids = user.centre_ids
    elif user.role is Role.OPERATOR:
        centre_ids = frozenset()
    system = user.role in (Role.ADMIN, Role.OPERATOR)
    with app.transaction() as tx:
        rows = store.alerts_within(
            tx.connection,
            centre_ids,
            system=system,
            open_only=open_only,
            before=before,
            limit=limit,
        )
        detail = json.dumps({"alerts": [r.alert.alert_id for r in rows]})
        tx.audit(user.login, "alerts.listed", now, detail=detail)
    return [_listed(app, row) for row in rows]


def _listed(app: Anbu, row: AlertLine) -> AlertListItem:
    person = row.person
    if person is None:
        return AlertListItem(row.alert, None, None, None)
    name = str(app.vault.open(person.personal, bound_to=person.external_id).get("name", ""))
    return AlertListItem(row.alert, person.external_id, person.centre, mask_name(name))
