"""Queries for the officers' casework: the queue of open cases within a scope, claims, and
the calls, visits and notes recorded on a case. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, insert, or_, select, update

from anbu.adapters.storage import alert_rows
from anbu.adapters.storage.alert_rows import AlertLine
from anbu.adapters.storage.tables import alerts, case_events, centres, subjects
from anbu.domain.kinds import AlertState


def open_cases(
    connection: Connection, centre_ids: Collection[int] | None, limit: int
) -> list[AlertLine]:
    """Unresolved alerts about people in these centres (None: every centre): those nobody
    has acknowledged first, then the longest silence first."""
    waiting = case(
        (alerts.c.state.in_([AlertState.OPEN.value, AlertState.NOTIFIED.value]), 0), else_=1
    )
    query = (
        select(*alert_rows.COLUMNS, *alert_rows.PERSON_COLUMNS)
        .join(subjects, subjects.c.id == alerts.c.subject_id)
        .join(centres, centres.c.id == subjects.c.centre_id)
        .where(alerts.c.state != AlertState.RESOLVED.value)
        .order_by(waiting, alerts.c.base_at, alerts.c.id)
        .limit(limit)
    )
    if centre_ids is not None:
        query = query.where(subjects.c.centre_id.in_(list(centre_ids)))
    return [alert_rows.line(row) for row in connection.execute(query)]


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
        select(*alert_rows.COLUMNS, *alert_rows.PERSON_COLUMNS)
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
    return [alert_rows.line(row) for row in connection.execute(query)]
