"""Counts for the operators' metrics, read from the database at scrape time so that they
are true whichever process did the work. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from anbu.adapters.storage.tables import alerts, notifications
from anbu.domain.kinds import AlertState, NotificationState


class WorkCounts:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def open_alerts(self) -> dict[tuple[str, str], int]:
        """Unresolved alerts by (kind, state)."""
        return _open_alerts(self.connection)

    def notifications_by_state(self) -> dict[tuple[str, str], int]:
        """Notifications by (medium, state)."""
        return _notifications_by_state(self.connection)

    def oldest_queued(self) -> dict[str, datetime]:
        """When the oldest notification still waiting was queued, by medium."""
        return _oldest_queued(self.connection)


def _open_alerts(connection: Connection) -> dict[tuple[str, str], int]:
    rows = connection.execute(
        select(alerts.c.kind, alerts.c.state, func.count())
        .where(alerts.c.state != AlertState.RESOLVED.value)
        .group_by(alerts.c.kind, alerts.c.state)
    )
    return {(kind, state): count for kind, state, count in rows}


def _notifications_by_state(connection: Connection) -> dict[tuple[str, str], int]:
    rows = connection.execute(
        select(notifications.c.medium, notifications.c.state, func.count()).group_by(
            notifications.c.medium, notifications.c.state
        )
    )
    return {(medium, state): count for medium, state, count in rows}


def _oldest_queued(connection: Connection) -> dict[str, datetime]:
    rows = connection.execute(
        select(notifications.c.medium, func.min(notifications.c.created_at))
        .where(notifications.c.state == NotificationState.QUEUED.value)
        .group_by(notifications.c.medium)
    )
    return {medium: at for medium, at in rows if at is not None}
