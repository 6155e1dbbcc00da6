"""A text from a person to anbu's number (the answer to a self-check) is a check-in: a
sign of life like any other, recorded as an event of the person's own carrier."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from anbu.adapters.formats.activity_feed import EventLine
from anbu.domain.activity import ActivityEvent
from anbu.domain.kinds import ActivityKind, Carrier
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.services import escalation
from anbu.services.context import Context
from anbu.services.ingest import ingest


@dataclass(frozen=True, slots=True)
class ReplyResult:
    known: bool  # from an enrolled person
    closed: list[int]  # alerts closed because the person answered before staff were told


def record_reply(app: Context, sender: str, gateway_id: str, now: datetime) -> ReplyResult:
    """Record a check-in for the sender, if enrolled, and take the escalation steps that
    follow at once (the self-check closes without bothering an officer). The text itself
    is not kept: any answer from the person's phone shows they are there."""
    try:
        phone = normalise_phone(sender)
    except PhoneError:
        return ReplyResult(False, [])
    with app.transaction() as store:
        row = store.subjects.by_phone(app.vault.lookup_key(phone))
    if row is None:
        return ReplyResult(False, [])
    # The gateway's id makes a repeated callback one event; without one, the instant does.
    basis = gateway_id or f"{phone}@{now.isoformat()}"
    event_id = "reply-" + hashlib.sha256(basis.encode()).hexdigest()[:24]
    event = ActivityEvent(event_id, Carrier(row.carrier), phone, ActivityKind.CHECKIN, now)
    ingest(app, [EventLine(0, event)], now=now)
    report = escalation.escalate(app, now=now)
    return ReplyResult(True, report.checked_in)
