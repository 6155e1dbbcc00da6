"""What an SMS gateway's delivery report says about a notification.

Kannel reports (the `dlr-mask` bits): 1 delivered to the phone, 2 failed at the phone,
4 buffered at the SMSC, 8 accepted by the SMSC, 16 rejected by the SMSC. "Accepted by
the gateway" is not "delivered": a failed report escalates like silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anbu.domain.kinds import AttemptOutcome, NotificationState
from anbu.domain.notifications import StepRef
from anbu.services import escalation
from anbu.services.context import Context

DELIVERED, UNDELIVERED, BUFFERED, ACCEPTED, REJECTED = 1, 2, 4, 8, 16


@dataclass(frozen=True, slots=True)
class ReportResult:
    known: bool
    state: NotificationState | None = None


def record(app: Context, key: str, status: int, now: datetime) -> ReportResult:
    """Apply one report; an unknown key is acknowledged and ignored (the gateway would
    only retry it), a repeated report changes nothing more."""
    with app.transaction() as store:
        outbox = store.outbox
        found = outbox.by_key(key)
        if found is None:
            return ReportResult(known=False)
        state = NotificationState(found.state)
        outcome, values = _effect(status, state, now)
        if outcome is None:
            return ReportResult(known=True, state=state)
        outbox.report(found, outcome, now, values, detail=f"status {status}")
        reached = (NotificationState.SENT.value, NotificationState.DELIVERED.value)
        if values.get("state") in reached and found.officer_id is not None:
            escalation.staff_reached(store, found.alert_id)
        if outcome is AttemptOutcome.UNDELIVERED:
            if found.officer_id is not None:
                store.staff.flag_contact(found.officer_id, f"sms: not delivered ({status})")
            escalation.delivery_failed(store, found.alert_id, StepRef.parse(found.step), now)
        return ReportResult(known=True, state=NotificationState(values.get("state", state)))


def _effect(
    status: int, state: NotificationState, now: datetime
) -> tuple[AttemptOutcome | None, dict[str, Any]]:
    if status & DELIVERED:
        if state is NotificationState.DELIVERED:
            return None, {}
        return AttemptOutcome.DELIVERED, {
            "state": NotificationState.DELIVERED.value,
            "delivered_at": now,
        }
    if status & (UNDELIVERED | REJECTED):
        if state is NotificationState.FAILED:
            return None, {}
        return AttemptOutcome.UNDELIVERED, {
            "state": NotificationState.FAILED.value,
            "last_error": f"the gateway reported the message undelivered (status {status})",
        }
    if status & (ACCEPTED | BUFFERED):
        if state is not NotificationState.QUEUED:
            return None, {}
        # The gateway has it although we never recorded sending it (a dispatcher died
        # between handing it over and writing it down): it is sent; a retry would double it.
        return AttemptOutcome.ACCEPTED, {"state": NotificationState.SENT.value, "sent_at": now}
    return None, {}
