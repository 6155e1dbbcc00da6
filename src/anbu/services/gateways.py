"""Watching the delivery channels: a channel on which every attempt has failed for a
while raises an alert for the operators (sent by the channels that still work), and
closes it itself once a message gets through again."""

from __future__ import annotations

from collections.abc import Set
from contextlib import suppress
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from anbu.adapters.channels import Medium
from anbu.adapters.storage.outbox import OutboxStore
from anbu.adapters.storage.tables import alerts
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertKind, AlertState, Outcome
from anbu.services.outbox import queue_gateway_alert


def watch(app: Anbu, working: Set[Medium], failing: Set[Medium], now: datetime) -> None:
    for medium in working:
        with app.transaction() as store:
            open_id = _open_alert(store.connection, medium)
            if open_id is not None:
                store.resolve_alert(open_id, Outcome.GATEWAY_RECOVERED, "anbu", now)
    for medium in failing - working:
        # Another dispatcher may raise it at the same moment: the unique index keeps it one.
        with suppress(IntegrityError):
            _raise(app, medium, now)


def _raise(app: Anbu, medium: Medium, now: datetime) -> None:
    with app.transaction() as store:
        since = OutboxStore(store.connection).failing_since(medium.value)
        if since is None or now - since < app.settings.gateway_alarm:
            return
        if _open_alert(store.connection, medium) is not None:
            return
        alert_id = store.insert_alert(
            {
                "subject_id": None,
                "carrier": None,
                "channel": medium.value,
                "kind": AlertKind.GATEWAY_DOWN.value,
                "state": AlertState.OPEN.value,
                "base_at": since,
                "due_at": since + app.settings.gateway_alarm,
                "opened_at": now,
            }
        )
        queue_gateway_alert(store.connection, alert_id, medium, since, now)


def _open_alert(connection: Connection, medium: Medium) -> int | None:
    return connection.scalar(
        select(alerts.c.id).where(
            alerts.c.channel == medium.value,
            alerts.c.kind == AlertKind.GATEWAY_DOWN.value,
            alerts.c.state != AlertState.RESOLVED.value,
        )
    )
