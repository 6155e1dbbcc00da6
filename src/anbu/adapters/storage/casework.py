"""Queries for the officers' casework: the queue of open cases within a scope, claims, and
the calls, visits and notes recorded on a case. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, insert, select, update

from anbu.adapters.storage.tables import alerts, case_events, centres, subjects
from anbu.domain.kinds import AlertKind, AlertState


@dataclass(frozen=True, slots=True)
class CaseRow:
    alert_id: int
    kind: AlertKind
    state: AlertState
    base_at: datetime
    due_at: datetime
    opened_at: datetime
    resumed_at: datetime | None
    acknowledged_by: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    subject_id: int
    external_id: str
    centre: str
    personal: bytes


def open_cases(
    connection: Connection, centre_ids: Collection[int] | None, limit: int
) -> list[CaseRow]:
    """Unresolved alerts about people in these centres (None: every centre): those nobody
    has acknowledged first, then the longest silence first."""
    waiting = case(
        (alerts.c.state.in_([AlertState.OPEN.value, AlertState.NOTIFIED.value]), 0), else_=1
    )
    query = (
        select(
            alerts.c.id,
            alerts.c.kind,
            alerts.c.state,
            alerts.c.base_at,
            alerts.c.due_at,
            alerts.c.opened_at,
            alerts.c.resumed_at,
            alerts.c.acknowledged_by,
            alerts.c.claimed_by,
            alerts.c.claimed_at,
            subjects.c.id.label("subject_id"),
            subjects.c.external_id,
            centres.c.name.label("centre"),
            subjects.c.personal,
        )
        .join(subjects, subjects.c.id == alerts.c.subject_id)
        .join(centres, centres.c.id == subjects.c.centre_id)
        .where(alerts.c.state != AlertState.RESOLVED.value)
        .order_by(waiting, alerts.c.base_at, alerts.c.id)
        .limit(limit)
    )
    if centre_ids is not None:
        query = query.where(subjects.c.centre_id.in_(list(centre_ids)))
    return [
        CaseRow(
            row.id,
            AlertKind(row.kind),
            AlertState(row.state),
            row.base_at,
            row.due_at,
            row.opened_at,
            row.resumed_at,
            row.acknowledged_by,
            row.claimed_by,
            row.claimed_at,
            row.subject_id,
            row.external_id,
            row.centre,
            bytes(row.personal),
        )
        for row in connection.execute(query)
    ]


def claim(connection: Connection, alert_id: int, login: str, now: datetime) -> bool:
    """Take the visit; False if someone else has it or the case is closed."""
    changed = connection.execute(
        update(alerts)
        .where(
            alerts.c.id == alert_id,
            alerts.c.state != AlertState.RESOLVED.value,
            alerts.c.claimed_by.is_(None),
        )
        .values(claimed_by=login, claimed_at=now)
    ).rowcount
    return bool(changed)


def release(connection: Connection, alert_id: int, login: str) -> bool:
    changed = connection.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.claimed_by == login)
        .values(claimed_by=None, claimed_at=None)
    ).rowcount
    return bool(changed)


def add_event(connection: Connection, values: dict[str, Any]) -> None:
    connection.execute(insert(case_events).values(**values))


def events(connection: Connection, alert_id: int) -> list[Any]:
    return list(
        connection.execute(
            select(case_events)
            .where(case_events.c.alert_id == alert_id)
            .order_by(case_events.c.at, case_events.c.id)
        )
    )
