"""Queries for one case's page: the alert with its person, the person's activity around it,
and every notification sent about it with its attempts. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from anbu.adapters.storage import alert_rows
from anbu.adapters.storage.alert_rows import AlertRecord
from anbu.adapters.storage.tables import (
    activity_events,
    alerts,
    centres,
    delivery_attempts,
    notifications,
    officers,
    subjects,
)
from anbu.domain.kinds import (
    ActivityKind,
    AttemptOutcome,
    NotificationState,
)


@dataclass(frozen=True, slots=True)
class SubjectDetailRow:
    id: int
    external_id: str
    centre: str
    carrier: str
    personal: bytes
    inactivity_minutes: int
    phone_off_minutes: int
    consent_at: datetime
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class ActivityRow:
    kind: ActivityKind
    occurred_at: datetime
    duration_s: int | None


@dataclass(frozen=True, slots=True)
class AttemptRow:
    at: datetime
    outcome: AttemptOutcome
    detail: str


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    login: str | None  # the member of staff told; None for the person or their guardian
    recipient: str  # staff | subject | guardian
    step: str
    medium: str
    state: NotificationState
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


def alert(connection: Connection, alert_id: int) -> tuple[AlertRecord, SubjectDetailRow | None]:
    """The alert and, for an alert about a person, the person. The caller has checked reach
    (`cases.ensure_reach`), so the alert exists."""
    row = connection.execute(
        select(
            *alert_rows.COLUMNS,
            alerts.c.subject_id,
            subjects.c.external_id,
            subjects.c.carrier.label("subject_carrier"),
            subjects.c.personal,
            subjects.c.inactivity_minutes,
            subjects.c.phone_off_minutes,
            subjects.c.consent_at,
            subjects.c.withdrawn_at,
            centres.c.name.label("centre"),
        )
        .select_from(
            alerts.outerjoin(subjects, subjects.c.id == alerts.c.subject_id).outerjoin(
                centres, centres.c.id == subjects.c.centre_id
            )
        )
        .where(alerts.c.id == alert_id)
    ).one()
    found = alert_rows.record(row)
    if row.subject_id is None:
        return found, None
    person = SubjectDetailRow(
        id=row.subject_id,
        external_id=row.external_id,
        centre=row.centre,
        carrier=row.subject_carrier,
        personal=bytes(row.personal),
        inactivity_minutes=row.inactivity_minutes,
        phone_off_minutes=row.phone_off_minutes,
        consent_at=row.consent_at,
        withdrawn=row.withdrawn_at is not None,
    )
    return found, person


def activity(
    connection: Connection,
    subject_id: int,
    since: datetime,
    until: datetime | None,
    limit: int,
) -> list[ActivityRow]:
    """The person's events in [since, until] (no end: up to the latest), the newest `limit`
    of them, oldest first. Kind and time only: the counterpart is never stored."""
    query = (
        select(activity_events.c.kind, activity_events.c.occurred_at, activity_events.c.duration_s)
        .where(activity_events.c.subject_id == subject_id, activity_events.c.occurred_at >= since)
        .order_by(activity_events.c.occurred_at.desc(), activity_events.c.id.desc())
        .limit(limit)
    )
    if until is not None:
        query = query.where(activity_events.c.occurred_at <= until)
    rows = [
        ActivityRow(ActivityKind(row.kind), row.occurred_at, row.duration_s)
        for row in connection.execute(query)
    ]
    rows.reverse()
    return rows


def notifications_of(connection: Connection, alert_id: int, limit: int) -> list[NotificationRow]:
    query = (
        select(
            notifications.c.id,
            officers.c.login,
            notifications.c.recipient,
            notifications.c.step,
            notifications.c.medium,
            notifications.c.state,
            notifications.c.attempts,
            notifications.c.last_error,
            notifications.c.created_at,
            notifications.c.sent_at,
            notifications.c.delivered_at,
        )
        .select_from(notifications.outerjoin(officers, officers.c.id == notifications.c.officer_id))
        .where(notifications.c.alert_id == alert_id)
        .order_by(notifications.c.created_at, notifications.c.id)
        .limit(limit)
    )
    return [
        NotificationRow(
            id=row.id,
            login=row.login,
            recipient=row.recipient,
            step=row.step,
            medium=row.medium,
            state=NotificationState(row.state),
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
            delivered_at=row.delivered_at,
        )
        for row in connection.execute(query)
    ]


def attempts_of(
    connection: Connection, notification_ids: Sequence[int]
) -> dict[int, list[AttemptRow]]:
    """Each notification's delivery attempts and reports, oldest first."""
    found: dict[int, list[AttemptRow]] = {}
    if not notification_ids:
        return found
    query = (
        select(
            delivery_attempts.c.notification_id,
            delivery_attempts.c.at,
            delivery_attempts.c.outcome,
            delivery_attempts.c.detail,
        )
        .where(delivery_attempts.c.notification_id.in_(list(notification_ids)))
        .order_by(delivery_attempts.c.at, delivery_attempts.c.id)
    )
    for row in connection.execute(query):
        found.setdefault(row.notification_id, []).append(
            AttemptRow(row.at, AttemptOutcome(row.outcome), row.detail)
        )
    return found
