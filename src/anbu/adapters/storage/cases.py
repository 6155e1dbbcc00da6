"""Queries for handling a case: who may act on it, and the conditional state changes.
Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from anbu.adapters.storage.tables import alerts, centres, officer_centres, officers, subjects
from anbu.domain.kinds import AlertKind, AlertState, Role


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    kind: AlertKind
    state: AlertState
    centre_id: int | None  # None for a feed alert


@dataclass(frozen=True, slots=True)
class Actor:
    login: str
    role: Role
    centre_ids: frozenset[int]


def case(connection: Connection, alert_id: int) -> Case | None:
    row = connection.execute(
        select(alerts.c.id, alerts.c.kind, alerts.c.state, subjects.c.centre_id)
        .select_from(alerts.outerjoin(subjects, subjects.c.id == alerts.c.subject_id))
        .where(alerts.c.id == alert_id)
    ).first()
    if row is None:
        return None
    return Case(row.id, AlertKind(row.kind), AlertState(row.state), row.centre_id)


def actor(connection: Connection, login: str) -> Actor | None:
    row = connection.execute(
        select(officers.c.id, officers.c.role).where(
            officers.c.login == login, officers.c.active.is_(True)
        )
    ).first()
    if row is None:
        return None
    ids = connection.scalars(
        select(centres.c.id)
        .join(officer_centres, officer_centres.c.centre_id == centres.c.id)
        .where(officer_centres.c.officer_id == row.id)
    )
    return Actor(login, Role(row.role), frozenset(ids))


def acknowledge(connection: Connection, alert_id: int, by: str, now: datetime) -> bool:
    """Open or notified → acknowledged; False if someone got there first or it is closed."""
    changed = connection.execute(
        update(alerts)
        .where(
            alerts.c.id == alert_id,
            alerts.c.state.in_([AlertState.OPEN.value, AlertState.NOTIFIED.value]),
        )
        .values(state=AlertState.ACKNOWLEDGED.value, acknowledged_at=now, acknowledged_by=by)
    ).rowcount
    return bool(changed)


def policy(connection: Connection, alert_id: int) -> str | None:
    """The escalation policy copied onto the alert when it opened."""
    return connection.scalar(select(alerts.c.policy).where(alerts.c.id == alert_id))


def login_of(connection: Connection, officer_id: int) -> str | None:
    return connection.scalar(
        select(officers.c.login).where(officers.c.id == officer_id, officers.c.active.is_(True))
    )


def contact_recorded(connection: Connection, alert_id: int) -> None:
    """A call or visit is on record: the acknowledged case's contact check is done."""
    connection.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.state == AlertState.ACKNOWLEDGED.value)
        .values(step_due_at=None)
    )
