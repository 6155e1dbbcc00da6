"""The notification outbox. Rows are written in the transaction that opens the alert;
the dispatcher claims them, sends, and records every attempt. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from anbu.adapters.storage.repository import _unnest
from anbu.adapters.storage.tables import (
    alerts,
    centres,
    delivery_attempts,
    notifications,
    subjects,
)
from anbu.domain.kinds import AlertState, AttemptOutcome, NotificationState


@dataclass(frozen=True, slots=True)
class Pending:
    """A claimed notification, with what the channel needs."""

    id: int
    alert_id: int
    officer_id: int | None
    recipient: str  # staff | subject | guardian
    step: str
    medium: str
    key: str
    subject: str
    body: str
    attempts: int


@dataclass(frozen=True, slots=True)
class AlertSubject:
    """What a message may say about the person: their reference, centre, sealed data."""

    subject_id: int
    external_id: str
    centre_id: int
    centre: str
    personal: bytes
    inactivity_minutes: int
    phone_off_minutes: int


class OutboxStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._dialect = connection.dialect.name

    def alert_subjects(self, subject_ids: list[int]) -> dict[int, AlertSubject]:
        query = select(
            subjects.c.id,
            subjects.c.external_id,
            subjects.c.centre_id,
            centres.c.name,
            subjects.c.personal,
            subjects.c.inactivity_minutes,
            subjects.c.phone_off_minutes,
        ).join(centres, centres.c.id == subjects.c.centre_id)
        found: dict[int, AlertSubject] = {}
        for start in range(0, len(subject_ids), 500):
            chunk = subject_ids[start : start + 500]
            for row in self.connection.execute(query.where(subjects.c.id.in_(chunk))):
                found[row.id] = AlertSubject(
                    row.id,
                    row.external_id,
                    row.centre_id,
                    row.name,
                    bytes(row.personal),
                    row.inactivity_minutes,
                    row.phone_off_minutes,
                )
        return found

    def enqueue(self, rows: list[dict[str, Any]]) -> int:
        """Queue notifications (every row naming the same columns); a key already queued
        is left alone (idempotent). Returns how many were queued."""
        if not rows:
            return 0
        if self._dialect == "postgresql":
            # One statement for any number of rows, the rows as one array per column: the
            # same text every time, where a multi-row VALUES was parsed anew for each count.
            names = list(rows[0])
            batch = _unnest("batch", {notifications.c[n]: [row[n] for row in rows] for n in names})
            statement = (
                postgresql.insert(notifications)
                .from_select(names, select(*batch.c))
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(notifications.c.id)
            )
            return len(self.connection.execute(statement).all())
        statement = (
            sqlite.insert(notifications)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(notifications.c.id)
        )
        return len(list(self.connection.scalars(statement, rows)))

    def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[Pending]:
        """Take up to `limit` due notifications for this worker: their next attempt moves to
        `lease_until`, so another worker (or this one after a crash) picks them up again
        only once the lease has run out — at least once, never lost."""
        query = (
            select(notifications)
            .where(
                notifications.c.state == NotificationState.QUEUED.value,
                notifications.c.next_attempt_at <= now,
            )
            .order_by(notifications.c.next_attempt_at, notifications.c.id)
            .limit(limit)
        )
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows: list[Row[Any]] = list(self.connection.execute(query))
        if rows:
            self.connection.execute(
                update(notifications)
                .where(notifications.c.id.in_([row.id for row in rows]))
                .values(next_attempt_at=lease_until)
            )
        return [
            Pending(
                row.id,
                row.alert_id,
                row.officer_id,
                row.recipient,
                row.step,
                row.medium,
                row.key,
                row.subject,
                row.body,
                row.attempts,
            )
            for row in rows
        ]

    def record(
        self,
        pending: Pending,
        outcome: AttemptOutcome,
        now: datetime,
        *,
        detail: str = "",
        provider_ref: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Write the attempt and move the notification on: sent, queued for `retry_at`,
        or failed."""
        self.connection.execute(
            insert(delivery_attempts).values(
                notification_id=pending.id,
                at=now,
                outcome=outcome.value,
                detail=detail,
                provider_ref=provider_ref,
            )
        )
        values: dict[str, Any] = {"attempts": pending.attempts + 1}
        if outcome is AttemptOutcome.SENT:
            values.update(
                state=NotificationState.SENT.value, sent_at=now, provider_ref=provider_ref
            )
        elif retry_at is not None:
            values.update(last_error=detail, next_attempt_at=retry_at)
        else:
            values.update(state=NotificationState.FAILED.value, last_error=detail)
        # Only from `queued`: a delivery report that came back while we were recording
        # (Kannel answers within a second) has already said more than "sent".
        self.connection.execute(
            update(notifications)
            .where(
                notifications.c.id == pending.id,
                notifications.c.state == NotificationState.QUEUED.value,
            )
            .values(**values)
        )
        if outcome is AttemptOutcome.SENT and pending.recipient == "staff":
            self.mark_notified(pending.alert_id)

    def mark_notified(self, alert_id: int) -> None:
        """The first message out to staff moves the case from open to notified."""
        self.connection.execute(
            update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.state == AlertState.OPEN.value)
            .values(state=AlertState.NOTIFIED.value)
        )

    def by_key(self, key: str) -> Row[Any] | None:
        query = select(notifications).where(notifications.c.key == key)
        if self._dialect == "postgresql":
            query = query.with_for_update()
        return self.connection.execute(query).first()

    def report(
        self,
        notification: Row[Any],
        outcome: AttemptOutcome,
        now: datetime,
        values: dict[str, Any],
        detail: str = "",
    ) -> None:
        """Record what a gateway's delivery report said, and the state it leads to."""
        self.connection.execute(
            insert(delivery_attempts).values(
                notification_id=notification.id,
                at=now,
                outcome=outcome.value,
                detail=detail,
                provider_ref=notification.provider_ref,
            )
        )
        if values:
            self.connection.execute(
                update(notifications).where(notifications.c.id == notification.id).values(**values)
            )

    def failing_since(self, medium: str) -> datetime | None:
        """When the oldest notification of this medium still waiting after a failed
        attempt was queued: how long the channel has been failing, at least."""
        since: datetime | None = self.connection.scalar(
            select(func.min(notifications.c.created_at)).where(
                notifications.c.medium == medium,
                notifications.c.state == NotificationState.QUEUED.value,
                notifications.c.attempts > 0,
            )
        )
        return since

    def listing(self, alert_id: int | None = None) -> list[Row[Any]]:
        query = select(
            notifications.c.id,
            notifications.c.alert_id,
            notifications.c.officer_id,
            notifications.c.recipient,
            notifications.c.step,
            notifications.c.medium,
            notifications.c.key,
            notifications.c.state,
            notifications.c.attempts,
            notifications.c.next_attempt_at,
            notifications.c.last_error,
            notifications.c.provider_ref,
            notifications.c.sent_at,
            notifications.c.delivered_at,
        ).order_by(notifications.c.id)
        if alert_id is not None:
            query = query.where(notifications.c.alert_id == alert_id)
        return list(self.connection.execute(query))
