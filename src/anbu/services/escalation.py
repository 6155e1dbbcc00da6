"""Escalation: carry an alert about a person through its policy's steps until a person
has taken charge — the self-check text, the centre, the lead, the duty desk, reminders,
and after an acknowledgement the reminder to record a contact.

Every step is scheduled on the alert (`step`, `step_due_at`) and executed with a
conditional update from the step and state it was read in, so a stale or repeated step
(two workers, a crash and a retry, an acknowledgement that came first) does nothing. A
step's messages are queued in the transaction that moves the step on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from anbu.adapters.channels import Medium
from anbu.adapters.storage import escalation as store
from anbu.adapters.storage.escalation import EscalatingAlert
from anbu.adapters.storage.outbox import AlertSubject, OutboxStore
from anbu.adapters.storage.staff import Recipient, recipients_by_centre, recipients_by_role
from anbu.bootstrap import Anbu
from anbu.domain.escalation import (
    Audience,
    EscalationPolicy,
    PlannedStep,
    StepKind,
    acknowledged_plan,
    step_audiences,
    unacknowledged_plan,
)
from anbu.domain.kinds import AlertKind, AlertState, NotificationState, Outcome, Role
from anbu.domain.subjects import mask_name
from anbu.services import ack_links, messages

UNACKNOWLEDGED = (AlertState.OPEN, AlertState.NOTIFIED)


@dataclass(frozen=True, slots=True)
class NewAlert:
    id: int
    subject_id: int
    kind: AlertKind
    base: datetime


@dataclass
class EscalationReport:
    steps: int = 0
    followed_up: list[int] = field(default_factory=list)
    checked_in: list[int] = field(default_factory=list)
    stale: int = 0
    unrouted: int = 0


@dataclass(frozen=True, slots=True)
class _Target:
    """One recipient of a step: a member of staff, the person, or their guardian."""

    recipient: str  # staff | subject | guardian
    officer_id: int | None
    media: tuple[Medium, ...]

    @property
    def tag(self) -> str:
        return f"officer-{self.officer_id}" if self.officer_id is not None else self.recipient


def policy_for(raw: str | None) -> EscalationPolicy:
    return EscalationPolicy() if raw is None else EscalationPolicy.from_json(json.loads(raw))


def open_alerts(app: Anbu, connection: Connection, new: list[NewAlert], now: datetime) -> int:
    """For alerts the sweep has just opened, in its transaction: copy each centre's policy
    onto the alert and take the first step now (an alert is never open without its
    messages queued). Returns how many found nobody to tell."""
    if not new:
        return 0
    about = OutboxStore(connection).alert_subjects(sorted({a.subject_id for a in new}))
    policies = store.centre_policies(connection, {s.centre_id for s in about.values()})
    unrouted = 0
    for alert in new:
        subject = about[alert.subject_id]
        policy = policy_for(policies.get(subject.centre_id))
        store.start(connection, alert.id, json.dumps(policy.to_json()), now)
        loaded = store.load(connection, alert.id)
        assert loaded is not None  # inserted in this very transaction
        unrouted += _step(app, connection, loaded, subject, now)
    return unrouted


def escalate(app: Anbu, *, now: datetime, limit: int = 500) -> EscalationReport:
    """One pass over the alerts whose next step is due, or whose person showed life again;
    each alert in its own transaction."""
    report = EscalationReport()
    with app.transaction() as tx:
        due = store.due(tx.connection, now, limit)
    for alert_id in due:
        with app.transaction() as tx:
            alert = store.load(tx.connection, alert_id)
            if alert is None or alert.state is AlertState.RESOLVED:
                continue
            subject = OutboxStore(tx.connection).alert_subjects([alert.subject_id])
            if alert.resumed_at is not None and alert.followed_up_at is None:
                _resumed(app, tx.connection, alert, subject[alert.subject_id], now, report)
                continue
            report.steps += 1
            report.unrouted += _step(app, tx.connection, alert, subject[alert.subject_id], now)
    return report


def acknowledged(connection: Connection, alert_id: int, policy: str | None, now: datetime) -> None:
    """After an acknowledgement the unanswered-alert steps stop and the contact check is
    scheduled: a recorded contact is expected within the policy's limit."""
    if policy is None:
        return
    contact_within = policy_for(policy).contact_within
    store.advance_acknowledged(connection, alert_id, now + contact_within)


def delivery_failed(connection: Connection, alert_id: int, step: str, now: datetime) -> None:
    """A message failed for good. If nobody else of that step can still be reached, the
    next step is due now: a failed delivery escalates like silence."""
    if step.startswith("u") and not store.step_still_reaching(connection, alert_id, step):
        store.escalate_now(connection, alert_id, now)


def _plan(alert: EscalatingAlert, policy: EscalationPolicy) -> tuple[PlannedStep, ...]:
    if alert.state in UNACKNOWLEDGED:
        return unacknowledged_plan(policy)
    return acknowledged_plan(policy)


def _step(
    app: Anbu, connection: Connection, alert: EscalatingAlert, subject: AlertSubject, now: datetime
) -> int:
    """Take the alert's next step; returns 1 if it found nobody to tell."""
    policy = policy_for(alert.policy)
    plan = _plan(alert, policy)
    if alert.step >= len(plan):
        store.advance(connection, alert, {"step_due_at": None})
        return 0
    planned = plan[alert.step]
    office = app.calendar.is_office_hours(now, policy.office_hours)
    staff_step = planned.kind is not StepKind.SELF_CHECK
    audiences = step_audiences(
        planned,
        policy,
        office_hours=office,
        first_staff_step=staff_step and alert.staff_told_at is None,
    )
    values: dict[str, Any] = {
        "step": alert.step + 1,
        "step_due_at": None if planned.last else now + planned.wait,
    }
    if staff_step and alert.staff_told_at is None:
        values["staff_told_at"] = now
    if not store.advance(connection, alert, values):
        return 0  # someone else took this step, or the case moved on
    phase = "u" if alert.state in UNACKNOWLEDGED else "a"
    personal = app.vault.open(subject.personal, bound_to=subject.external_id)
    rows: list[dict[str, Any]] = []
    targets_found = False
    for audience in audiences:
        targets = _targets(connection, audience, subject, personal, alert)
        targets_found |= bool(targets)
        for target in targets:
            title, text = _text(app, planned, audience, alert, subject, personal, target, now)
            rows += _rows(alert.id, f"{phase}{alert.step}", target, title, text, now)
    OutboxStore(connection).enqueue(rows)
    return int(not targets_found)


def _resumed(
    app: Anbu,
    connection: Connection,
    alert: EscalatingAlert,
    subject: AlertSubject,
    now: datetime,
    report: EscalationReport,
) -> None:
    """The person showed life after the alert opened. Before any staff were told (the
    self-check stage) the case closes itself; otherwise those told hear of it, and no
    further reminders go out — the officer records the outcome."""
    assert alert.resumed_at is not None
    if not store.advance(connection, alert, {"followed_up_at": now, "step_due_at": None}):
        return
    if alert.staff_told_at is None:
        store.resolve(connection, alert.id, Outcome.CHECKED_IN, now)
        report.checked_in.append(alert.id)
        return
    personal = app.vault.open(subject.personal, bound_to=subject.external_id)
    who = _who(subject, personal)
    text = messages.resumed(who, alert.resumed_at)
    title = f"[안부] {subject.centre} {mask_name(personal.get('name', ''))} 님 활동 확인"
    by_officer: dict[int, list[Medium]] = {}
    for officer_id, medium in store.told_staff(connection, alert.id):
        by_officer.setdefault(officer_id, []).append(Medium(medium))
    rows: list[dict[str, Any]] = []
    for officer_id, media in by_officer.items():
        target = _Target("staff", officer_id, tuple(media))
        rows += _rows(alert.id, "follow-up", target, title, text, now)
    OutboxStore(connection).enqueue(rows)
    report.followed_up.append(alert.id)


def _targets(
    connection: Connection,
    audience: Audience,
    subject: AlertSubject,
    personal: dict[str, Any],
    alert: EscalatingAlert,
) -> list[_Target]:
    if audience is Audience.SUBJECT:
        return [_Target("subject", None, (Medium.SMS,))] if personal.get("phone") else []
    if audience is Audience.GUARDIAN:
        return [_Target("guardian", None, (Medium.SMS,))] if personal.get("guardian_phone") else []
    return [_staff(person) for person in _staff_for(connection, audience, subject, alert)]


def _staff_for(
    connection: Connection, audience: Audience, subject: AlertSubject, alert: EscalatingAlert
) -> list[Recipient]:
    """Staff of an audience, falling back so that a step never goes nowhere: the
    acknowledger → the centre; the leads → the duty desk; the duty desk → the centre;
    the centre → the district's administrators."""
    centre = subject.centre_id
    found: list[Recipient] = []
    if audience is Audience.ACKNOWLEDGER and alert.acknowledged_by:
        found = [
            r
            for r in recipients_by_centre(connection, {centre}, list(Role)).get(centre, [])
            + recipients_by_role(connection, (Role.DUTY, Role.ADMIN))
            if r.login == alert.acknowledged_by
        ][:1]
    elif audience is Audience.LEADS:
        found = recipients_by_centre(connection, {centre}, (Role.LEAD,)).get(centre, [])
        if not found:
            found = recipients_by_role(connection, (Role.DUTY,))
    elif audience is Audience.DUTY:
        found = recipients_by_role(connection, (Role.DUTY,))
    if not found:
        roles = (Role.OFFICER, Role.LEAD)
        found = recipients_by_centre(connection, {centre}, roles).get(centre, [])
    return found or recipients_by_role(connection, (Role.ADMIN,))


def _staff(person: Recipient) -> _Target:
    media = tuple(
        medium
        for medium, reachable in ((Medium.SMS, person.has_phone), (Medium.EMAIL, person.has_email))
        if reachable
    )
    return _Target("staff", person.officer_id, media)


def _who(subject: AlertSubject, personal: dict[str, Any]) -> str:
    return f"{subject.centre} {mask_name(personal.get('name', ''))}({subject.external_id}) 님"


def _text(
    app: Anbu,
    planned: PlannedStep,
    audience: Audience,
    alert: EscalatingAlert,
    subject: AlertSubject,
    personal: dict[str, Any],
    target: _Target,
    now: datetime,
) -> tuple[str, str]:
    hours = (
        subject.phone_off_minutes
        if alert.kind is AlertKind.PHONE_OFF
        else subject.inactivity_minutes
    ) / 60
    masked = mask_name(personal.get("name", ""))
    if audience is Audience.SUBJECT:
        return "[안부] 안부 확인", messages.self_check(subject.centre)
    if audience is Audience.GUARDIAN:
        return "[안부] 안부 확인 요청", messages.guardian(masked, subject.centre, hours)
    title, text = messages.subject_alert(
        alert.kind,
        centre=subject.centre,
        masked_name=masked,
        reference=subject.external_id,
        since=alert.base_at,
        hours=hours,
    )
    contact_hours = policy_for(alert.policy).contact_within.total_seconds() / 3600
    if planned.kind is StepKind.CONTACT_REMINDER:
        text = messages.contact_reminder(_who(subject, personal), contact_hours)
    elif planned.kind is StepKind.CONTACT_ESCALATE:
        text = messages.contact_escalation(
            _who(subject, personal), alert.acknowledged_by or "", contact_hours
        )
    elif planned.kind is StepKind.REMIND:
        title, text = messages.reminder(title), messages.reminder(text)
    base = app.settings.public_url
    if base and target.officer_id is not None and alert.state in UNACKNOWLEDGED:
        token = ack_links.token_for(app.vault, alert.id, target.officer_id, now)
        text = f"{text}\n확인(접수): {ack_links.url_for(base, token)}"
    return title, text


def _rows(
    alert_id: int, step: str, target: _Target, title: str, text: str, now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "alert_id": alert_id,
            "officer_id": target.officer_id,
            "recipient": target.recipient,
            "step": step,
            "medium": medium.value,
            "key": f"alert-{alert_id}.{step}.{target.tag}.{medium.value}",
            "subject": title,
            "body": text,
            "state": NotificationState.QUEUED.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for medium in target.media
    ]
