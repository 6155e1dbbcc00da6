"""The dispatcher: deliver queued notifications at least once, recording every attempt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from anbu.adapters.channels import Channel, DeliveryError, Medium, Message
from anbu.adapters.storage.outbox import OutboxStore, Pending
from anbu.adapters.storage.staff import sealed_contact
from anbu.bootstrap import Anbu
from anbu.domain.delivery import RetryPolicy
from anbu.domain.kinds import AttemptOutcome

# Longer than any one send may take (channel timeouts are ~10 s): a crashed worker's
# claim runs out after this and another worker sends again.
LEASE = timedelta(minutes=2)


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)


def dispatch(
    app: Anbu,
    channels: Mapping[Medium, Channel],
    *,
    now: datetime,
    limit: int = 100,
    policy: RetryPolicy | None = None,
) -> DispatchReport:
    """One pass: claim up to `limit` due notifications, send each, record the outcome.

    The claim is committed before anything is sent and the outcome after, so a crash
    in between leaves the notification to be sent again once its lease runs out (at
    least once); the channels pass the notification's key on so that a repeat can be
    recognised (never lost, and not doubled where the gateway can tell).
    """
    policy = policy or RetryPolicy()
    report = DispatchReport()
    with app.transaction() as store:
        claimed = OutboxStore(store.connection).claim(now, now + LEASE, limit)
    for pending in claimed:
        _deliver(app, channels, pending, policy, now, report)
    return report


def _deliver(
    app: Anbu,
    channels: Mapping[Medium, Channel],
    pending: Pending,
    policy: RetryPolicy,
    now: datetime,
    report: DispatchReport,
) -> None:
    try:
        message = _message(app, pending)
        reference = channels[Medium(pending.medium)].send(message)
    except DeliveryError as exc:
        retry_at = None if exc.permanent else policy.retry_at(pending.attempts + 1, now)
        outcome = AttemptOutcome.PERMANENT if exc.permanent else AttemptOutcome.TRANSIENT
        with app.transaction() as store:
            OutboxStore(store.connection).record(
                pending, outcome, now, detail=exc.reason, retry_at=retry_at
            )
        (report.retrying if retry_at else report.failed).append(pending.id)
        return
    with app.transaction() as store:
        OutboxStore(store.connection).record(
            pending, AttemptOutcome.SENT, now, provider_ref=reference
        )
    report.sent.append(pending.id)


def _message(app: Anbu, pending: Pending) -> Message:
    """The message for one notification, its address read from the sealed contacts now
    (a number corrected since the alert opened is the one used)."""
    with app.transaction() as store:
        contact = sealed_contact(store.connection, pending.officer_id)
    if contact is None:
        raise DeliveryError("the recipient is no longer on file", permanent=True)
    login, sealed = contact
    personal = app.vault.open(sealed, bound_to=f"officer:{login}")
    address = personal.get("phone" if pending.medium == Medium.SMS.value else "email")
    if not address:
        raise DeliveryError(f"{login} has no {pending.medium} contact on file", permanent=True)
    return Message(pending.key, str(address), pending.subject, pending.body)
