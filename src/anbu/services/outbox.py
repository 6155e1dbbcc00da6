"""Queue the notifications of newly opened alerts, in the transaction that opens them.

Default policy (until centres set their own): every officer and lead of the person's
centre, by SMS and e-mail at once; a centre with nobody on file falls back to the
district's administrators, so an alert never goes nowhere. Feed alerts go to operators
(then administrators).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from anbu.adapters.channels import Medium
from anbu.adapters.storage.outbox import OutboxStore
from anbu.adapters.storage.staff import Recipient, recipients_by_centre, recipients_by_role
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertKind, Carrier, NotificationState, Role
from anbu.domain.subjects import mask_name
from anbu.services import messages

CENTRE_ROLES = (Role.OFFICER, Role.LEAD)
FALLBACK_ROLES = (Role.ADMIN,)
FEED_ROLES = (Role.OPERATOR,)


@dataclass(frozen=True, slots=True)
class NewAlert:
    id: int
    subject_id: int
    kind: AlertKind
    base: datetime


def queue_subject_alerts(
    app: Anbu, connection: Connection, alerts: list[NewAlert], now: datetime
) -> int:
    """Queue each new alert's notifications; returns how many alerts found nobody to tell."""
    if not alerts:
        return 0
    outbox = OutboxStore(connection)
    about = outbox.alert_subjects(sorted({a.subject_id for a in alerts}))
    by_centre = recipients_by_centre(
        connection, {s.centre_id for s in about.values()}, CENTRE_ROLES
    )
    fallback = recipients_by_role(connection, FALLBACK_ROLES)
    rows: list[dict[str, Any]] = []
    unrouted = 0
    for alert in alerts:
        subject = about[alert.subject_id]
        name = app.vault.open(subject.personal, bound_to=subject.external_id).get("name", "")
        minutes = (
            subject.phone_off_minutes
            if alert.kind is AlertKind.PHONE_OFF
            else subject.inactivity_minutes
        )
        title, text = messages.subject_alert(
            alert.kind,
            centre=subject.centre,
            masked_name=mask_name(name),
            reference=subject.external_id,
            since=alert.base,
            hours=minutes / 60,
        )
        people = by_centre.get(subject.centre_id) or fallback
        unrouted += not people
        rows += _rows(alert.id, people, title, text, now)
    outbox.enqueue(rows)
    return unrouted


def queue_feed_alert(
    connection: Connection, alert_id: int, carrier: Carrier, since: datetime, now: datetime
) -> int:
    """Queue a stale feed's notifications; returns 1 if nobody could be told."""
    people = recipients_by_role(connection, FEED_ROLES) or recipients_by_role(
        connection, FALLBACK_ROLES
    )
    title, text = messages.feed_alert(carrier, since)
    OutboxStore(connection).enqueue(_rows(alert_id, people, title, text, now))
    return int(not people)


def _rows(
    alert_id: int, people: list[Recipient], title: str, text: str, now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for person in people:
        for medium, reachable in ((Medium.SMS, person.has_phone), (Medium.EMAIL, person.has_email)):
            if reachable:
                rows.append(
                    {
                        "alert_id": alert_id,
                        "officer_id": person.officer_id,
                        "medium": medium.value,
                        "key": f"alert-{alert_id}.officer-{person.officer_id}.{medium.value}.open",
                        "subject": title,
                        "body": text,
                        "state": NotificationState.QUEUED.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                )
    return rows
