"""The dispatcher: deliver queued notifications at least once, recording every attempt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from anbu.adapters.channels import Channel, DeliveryError, Message
from anbu.adapters.storage.outbox import Pending
from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.domain.delivery import RetryPolicy
from anbu.domain.kinds import AttemptOutcome
from anbu.domain.notifications import Medium, Recipient
from anbu.services import escalation, gateways, messages
from anbu.services.claims import LEASE, HeldClaims, new_holder
from anbu.services.context import Context


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    # Claimed, then found taken over by another instance before sending: left to it.
    taken_over: list[int] = field(default_factory=list)
    # Media that worked / failed in this pass: a channel that only fails is watched.
    working: set[Medium] = field(default_factory=set)
    failing: set[Medium] = field(default_factory=set)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)


def dispatch(
    app: Context,
    channels: Mapping[Medium, Channel],
    *,
    now: datetime,
    limit: int = 100,
    policy: RetryPolicy | None = None,
) -> DispatchReport:
    """One pass: claim up to `limit` due notifications, send each, record the outcome.

    The claim is committed before anything is sent and the outcome after, so a crash
    in between leaves the notification to be sent again once its lease runs out (at
    least once; seconds, see `claims`); the channels pass the notification's key on so that
    a repeat can be recognised (never lost, and not doubled where the gateway can tell). A
    database that is away for a moment (a restart) is waited for, at each step after the
    claim: the pass carries on with what it claimed, and a message out is recorded, not
    sent again.
    """
    policy = policy or RetryPolicy()
    report = DispatchReport()
    holder = new_holder()
    with app.transaction() as store:
        claimed = store.outbox.claim(now, now + LEASE, limit, holder)
    if claimed:
        with HeldClaims(app, holder, [pending.id for pending in claimed], now) as held:
            for pending in claimed:
                if not held.still_held(pending.id):
                    report.taken_over.append(pending.id)
                    continue
                # Renewed in the background while it is sent; its record ends the claim.
                _deliver(app, channels, pending, policy, now, report)
                held.let_go(pending.id)
    gateways.watch(app, report.working, report.failing, now)
    return report


def _deliver(
    app: Context,
    channels: Mapping[Medium, Channel],
    pending: Pending,
    policy: RetryPolicy,
    now: datetime,
    report: DispatchReport,
) -> None:
    try:
        message = _message(app, pending)
        reference = channels[pending.medium].send(message)
    except DeliveryError as exc:
        error = exc
        retry_at = None if error.permanent else policy.retry_at(pending.attempts + 1, now)
        app.retrying(lambda store: _record_failure(store, pending, error, now, retry_at))
        (report.retrying if retry_at else report.failed).append(pending.id)
        report.failing.add(pending.medium)
        return

    def record_sent(store: UnitOfWork) -> None:
        store.outbox.record(pending, AttemptOutcome.SENT, now, provider_ref=reference)
        if pending.addressee.is_staff:
            # The first message out to staff moves the case from open to notified.
            escalation.staff_reached(store, pending.alert_id)

    app.retrying(record_sent)
    report.sent.append(pending.id)
    report.working.add(pending.medium)


def _record_failure(
    store: UnitOfWork,
    pending: Pending,
    error: DeliveryError,
    now: datetime,
    retry_at: datetime | None,
) -> None:
    outcome = AttemptOutcome.PERMANENT if error.permanent else AttemptOutcome.TRANSIENT
    store.outbox.record(pending, outcome, now, detail=error.reason, retry_at=retry_at)
    if retry_at is None:
        _failed_for_good(store, pending, error, now)


def _failed_for_good(
    store: UnitOfWork, pending: Pending, error: DeliveryError, now: datetime
) -> None:
    """A bad contact is flagged for an administrator to correct, and if nobody else of
    the step can be reached the alert escalates at once."""
    officer = pending.addressee.officer_id
    if error.bad_address and officer is not None:
        store.staff.flag_contact(officer, f"{pending.medium}: {error.reason}")
    escalation.delivery_failed(store, pending.alert_id, pending.step, now)


def _message(app: Context, pending: Pending) -> Message:
    """The message for one notification, its address read from the sealed contacts now
    (a number corrected since the alert opened is the one used)."""
    officer = pending.addressee.officer_id
    if officer is None:
        return _to_subject_side(app, pending)
    contact = app.retrying(lambda store: store.staff.sealed_contact(officer))
    if contact is None:
        raise DeliveryError("the recipient is no longer on file", permanent=True)
    login, sealed = contact
    personal = app.vault.open(sealed, bound_to=f"officer:{login}")
    address = personal.get("phone" if pending.medium is Medium.SMS else "email")
    if not address:
        raise DeliveryError(f"{login} has no {pending.medium} contact on file", permanent=True)
    return _composed(pending, str(address))


def _to_subject_side(app: Context, pending: Pending) -> Message:
    """A self-check text to the person, or a message to their guardian."""
    sealed = app.retrying(lambda store: store.subjects.sealed_by_alert(pending.alert_id))
    if sealed is None:
        raise DeliveryError("the person is no longer enrolled", permanent=True)
    reference, blob = sealed
    personal = app.vault.open(blob, bound_to=reference)
    recipient = pending.addressee.recipient
    address = personal.get("phone" if recipient is Recipient.SUBJECT else "guardian_phone")
    if not address:
        raise DeliveryError(f"no {recipient.value} phone on file", permanent=True)
    return _composed(pending, str(address))


def _composed(pending: Pending, address: str) -> Message:
    """The notification as sent: an e-mail carries an HTML alternative to its text (the
    acknowledgement link a button); a text message is the text alone."""
    html = (
        messages.email_html(pending.subject, pending.body)
        if pending.medium is Medium.EMAIL
        else None
    )
    return Message(pending.key, address, pending.subject, pending.body, html=html)
