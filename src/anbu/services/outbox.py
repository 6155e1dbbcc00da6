"""Queue the notifications of alerts about the system itself, in the transaction that
opens them: a stale carrier feed, a delivery channel that is down. (Alerts about a person
go through `escalation`.)

They go to the operators, then the administrators if there are none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from anbu.adapters.channels import Medium
from anbu.adapters.storage.outbox import OutboxStore
from anbu.adapters.storage.staff import Recipient, recipients_by_role
from anbu.domain.kinds import Carrier, NotificationState, Role
from anbu.services import messages

FEED_ROLES = (Role.OPERATOR,)
FALLBACK_ROLES = (Role.ADMIN,)


def queue_feed_alert(
    connection: Connection, alert_id: int, carrier: Carrier, since: datetime, now: datetime
) -> int:
    """Queue a stale feed's notifications; returns 1 if nobody could be told."""
    title, text = messages.feed_alert(carrier, since)
    return _queue(connection, alert_id, title, text, now, media=(Medium.SMS, Medium.EMAIL))


def queue_gateway_alert(
    connection: Connection, alert_id: int, down: Medium, since: datetime, now: datetime
) -> int:
    """Tell the operators that a channel is down — by the other channels only."""
    title, text = messages.gateway_down(down.value, since)
    media = tuple(m for m in Medium if m is not down)
    return _queue(connection, alert_id, title, text, now, media=media)


def _queue(
    connection: Connection,
    alert_id: int,
    title: str,
    text: str,
    now: datetime,
    *,
    media: tuple[Medium, ...],
) -> int:
    people = recipients_by_role(connection, FEED_ROLES) or recipients_by_role(
        connection, FALLBACK_ROLES
    )
    OutboxStore(connection).enqueue(_rows(alert_id, people, title, text, now, media))
    return int(not people)


def _rows(
    alert_id: int,
    people: list[Recipient],
    title: str,
    text: str,
    now: datetime,
    media: tuple[Medium, ...],
) -> list[dict[str, Any]]:
    rows = []
    for person in people:
        for medium, reachable in ((Medium.SMS, person.has_phone), (Medium.EMAIL, person.has_email)):
            if reachable and medium in media:
                rows.append(
                    {
                        "alert_id": alert_id,
                        "officer_id": person.officer_id,
                        "recipient": "staff",
                        "step": "u0",
                        "medium": medium.value,
                        "key": f"alert-{alert_id}.u0.officer-{person.officer_id}.{medium.value}",
                        "subject": title,
                        "body": text,
                        "state": NotificationState.QUEUED.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                )
    return rows
