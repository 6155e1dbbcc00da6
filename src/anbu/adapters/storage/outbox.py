"""The notification outbox. Rows are written in the transaction that opens the alert;
the dispatcher claims them, sends, and records every attempt. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from anbu.adapters.storage.batches import unnested
from anbu.adapters.storage.tables import delivery_attempts, notifications
from anbu.domain.kinds import AttemptOutcome, NotificationState
from anbu.domain.notifications import Addressee, Medium, Notification, Recipient, StepRef


@dataclass(frozen=True, slots=True)
class Pending:
    """A claimed notification, with what the channel needs."""

    id: int
    alert_id: int
    addressee: Addressee
    step: StepRef
    medium: Medium
    key: str
    subject: str
    body: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Listed:
    """A notification as operators look it up (its stored values: `recipient` staff,
    subject or guardian; `step` u0, a1, v0, follow-up; `state` queued, sent, delivered,
    failed)."""

    id: int
    alert_id: int
    officer_id: int | None
    recipient: str
    step: str
    medium: str
    key: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    provider_ref: str | None
    sent_at: datetime | None
    delivered_at: datetime | None


_LISTED = tuple(Listed.__dataclass_fields__)


class Outbox:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._dialect = connection.dialect.name

    def enqueue(self, queued: Sequence[Notification]) -> int:
        """Queue notifications; a key already queued is left alone (idempotent). Returns how
        many were queued."""
        if not queued:
            return 0
        rows = [_row_of(notification) for notification in queued]
        if self._dialect == "postgresql":
            # One statement for any number of rows, the rows as one array per column: the
            # same text every time, where a multi-row VALUES was parsed anew for each count.
            names = list(rows[0])
            batch = unnested("batch", {notifications.c[n]: [row[n] for row in rows] for n in names})
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

    def claim(
        self, now: datetime, lease_until: datetime, limit: int, holder: str = ""
    ) -> list[Pending]:
        """Take up to `limit` due notifications for `holder`: their next attempt moves to
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
                .values(next_attempt_at=lease_until, claimed_by=holder or None)
            )
        return [
            Pending(
                row.id,
                row.alert_id,
                Addressee(Recipient(row.recipient), row.officer_id),
                StepRef.parse(row.step),
                Medium(row.medium),
                row.key,
                row.subject,
                row.body,
                row.attempts,
            )
            for row in rows
        ]

    def renew(self, holder: str, ids: Sequence[int], lease_until: datetime) -> int:
        """Move the lease of the notifications `holder` still holds to `lease_until`; how
        many it still held. One recorded since, or taken over by another worker after its
        lease ran out, is left alone."""
        if not ids:
            return 0
        result = self.connection.execute(
            update(notifications)
            .where(
                notifications.c.id.in_(ids),
                notifications.c.claimed_by == holder,
                notifications.c.state == NotificationState.QUEUED.value,
            )
            .values(next_attempt_at=lease_until)
        )
        return result.rowcount

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
        # The claim ends with the attempt: the holder's renewals no longer touch the row.
        values: dict[str, Any] = {"attempts": pending.attempts + 1, "claimed_by": None}
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

    def failing_since(self, medium: Medium) -> datetime | None:
        """When the oldest notification of this medium still waiting after a failed
        attempt was queued: how long the channel has been failing, at least."""
        since: datetime | None = self.connection.scalar(
            select(func.min(notifications.c.created_at)).where(
                notifications.c.medium == medium.value,
                notifications.c.state == NotificationState.QUEUED.value,
                notifications.c.attempts > 0,
            )
        )
        return since

    def listing(self, alert_id: int | None = None) -> list[Listed]:
        """Every notification (of one alert), oldest first, as stored."""
        query = select(*(notifications.c[name] for name in _LISTED)).order_by(notifications.c.id)
        if alert_id is not None:
            query = query.where(notifications.c.alert_id == alert_id)
        return [Listed(*row) for row in self.connection.execute(query)]

    def told_staff(self, alert_id: int) -> dict[int, list[Medium]]:
        """The media by which each member of staff was reached (sent or delivered) about
        this alert, by officer."""
        rows = self.connection.execute(
            select(notifications.c.officer_id, notifications.c.medium)
            .where(
                notifications.c.alert_id == alert_id,
                notifications.c.officer_id.is_not(None),
                notifications.c.state.in_(
                    [NotificationState.SENT.value, NotificationState.DELIVERED.value]
                ),
            )
            .distinct()
            .order_by(notifications.c.officer_id, notifications.c.medium)
        )
        found: dict[int, list[Medium]] = {}
        for officer_id, medium in rows:
            found.setdefault(officer_id, []).append(Medium(medium))
        return found

    def step_still_reaching(self, alert_id: int, step: StepRef) -> bool:
        """Whether any staff message of this step is still on its way or got through."""
        found = self.connection.scalar(
            select(notifications.c.id)
            .where(
                notifications.c.alert_id == alert_id,
                notifications.c.step == str(step),
                notifications.c.officer_id.is_not(None),
                notifications.c.state != NotificationState.FAILED.value,
            )
            .limit(1)
        )
        return found is not None


def _row_of(notification: Notification) -> dict[str, Any]:
    """The outbox row of a notification to queue: the one place its columns are named."""
    return {
        "alert_id": notification.alert_id,
        "officer_id": notification.addressee.officer_id,
        "recipient": notification.addressee.recipient.value,
        "step": str(notification.step),
        "medium": notification.medium.value,
        "key": notification.key,
        "subject": notification.title,
        "body": notification.body,
        "state": NotificationState.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": notification.at,
        "created_at": notification.at,
    }
