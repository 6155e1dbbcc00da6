"""Queries for the officers' casework: the queue of open cases within a scope, claims, and
the calls, visits and notes recorded on a case. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, insert, or_, select, update

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


# The case events that are someone reaching out to the person.
CONTACT_KINDS = ("call", "visit")


def add_event(connection: Connection, values: dict[str, Any]) -> None:
    """Record a case event; a call or a visit is also the case's first contact if none came
    before it (reports time it from the alert row)."""
    connection.execute(insert(case_events).values(**values))
    if values["kind"] in CONTACT_KINDS:
        at = values["at"]
        connection.execute(
            update(alerts)
            .where(
                alerts.c.id == values["alert_id"],
                alerts.c.opened_at <= at,
                or_(alerts.c.first_contact_at.is_(None), alerts.c.first_contact_at > at),
            )
            .values(first_contact_at=at)
        )


def events(connection: Connection, alert_id: int) -> list[Any]:
    return list(
        connection.execute(
            select(case_events)
            .where(case_events.c.alert_id == alert_id)
            .order_by(case_events.c.at, case_events.c.id)
        )
    )


@dataclass(frozen=True, slots=True)
class AlertLine:
    """An alert as a list shows it; the subject's columns are None for an alert about the
    system (a feed, a delivery channel)."""

    alert_id: int
    kind: AlertKind
    state: AlertState
    carrier: str | None
    channel: str | None
    base_at: datetime
    due_at: datetime
    opened_at: datetime
    resumed_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    claimed_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    outcome: str | None
    subject_id: int | None
    external_id: str | None
    centre: str | None
    personal: bytes | None


def alerts_within(
    connection: Connection,
    centre_ids: Collection[int] | None,
    *,
    system: bool,
    open_only: bool,
    before: int | None,
    limit: int,
) -> list[AlertLine]:
    """Alerts about people in these centres (None: every centre), and about the system when
    `system`; newest first, those with an id below `before` (the page before's last)."""
    about_people: ColumnElement[bool] = alerts.c.subject_id.is_not(None)
    if centre_ids is not None:
        about_people = and_(about_people, subjects.c.centre_id.in_(list(centre_ids)))
    query = (
        select(
            alerts.c.id,
            alerts.c.kind,
            alerts.c.state,
            alerts.c.carrier,
            alerts.c.channel,
            alerts.c.base_at,
            alerts.c.due_at,
            alerts.c.opened_at,
            alerts.c.resumed_at,
            alerts.c.acknowledged_at,
            alerts.c.acknowledged_by,
            alerts.c.claimed_by,
            alerts.c.resolved_at,
            alerts.c.resolved_by,
            alerts.c.outcome,
            subjects.c.id.label("subject_id"),
            subjects.c.external_id,
            centres.c.name.label("centre"),
            subjects.c.personal,
        )
        .select_from(
            alerts.outerjoin(subjects, subjects.c.id == alerts.c.subject_id).outerjoin(
                centres, centres.c.id == subjects.c.centre_id
            )
        )
        .where(or_(about_people, alerts.c.subject_id.is_(None)) if system else about_people)
        .order_by(alerts.c.id.desc())
        .limit(limit)
    )
    if open_only:
        query = query.where(alerts.c.state != AlertState.RESOLVED.value)
    if before is not None:
        query = query.where(alerts.c.id < before)
    return [
        AlertLine(
            row.id,
            AlertKind(row.kind),
            AlertState(row.state),
            row.carrier,
            row.channel,
            row.base_at,
            row.due_at,
            row.opened_at,
            row.resumed_at,
            row.acknowledged_at,
            row.acknowledged_by,
            row.claimed_by,
            row.resolved_at,
            row.resolved_by,
            row.outcome,
            row.subject_id,
            row.external_id,
            row.centre,
            bytes(row.personal) if row.personal is not None else None,
        )
        for row in connection.execute(query)
    ]
