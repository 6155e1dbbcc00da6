"""Counts for the operators' metrics, read from the database at scrape time so that they
are true whichever process did the work. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, text

from anbu.adapters.storage.tables import alerts, notifications
from anbu.domain.kinds import AlertState, NotificationState


def ping(connection: Connection) -> None:
    connection.execute(text("SELECT 1"))


def open_alerts(connection: Connection) -> dict[tuple[str, str], int]:
    rows = connection.execute(
        select(alerts.c.kind, alerts.c.state, func.count())
        .where(alerts.c.state != AlertState.RESOLVED.value)
        .group_by(alerts.c.kind, alerts.c.state)
    )
    return {(kind, state): count for kind, state, count in rows}


def notifications_by_state(connection: Connection) -> dict[tuple[str, str], int]:
    rows = connection.execute(
        select(notifications.c.medium, notifications.c.state, func.count()).group_by(
            notifications.c.medium, notifications.c.state
        )
    )
    return {(medium, state): count for medium, state, count in rows}


def oldest_queued(connection: Connection) -> dict[str, datetime]:
    rows = connection.execute(
        select(notifications.c.medium, func.min(notifications.c.created_at))
        .where(notifications.c.state == NotificationState.QUEUED.value)
        .group_by(notifications.c.medium)
    )
    return {medium: at for medium, at in rows if at is not None}
