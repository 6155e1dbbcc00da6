"""Escalation: carry an alert about a person through its policy's steps until a person
has taken charge — the self-check text, the centre, the lead, the duty desk, reminders,
and after an acknowledgement the reminder to record a contact.

Every step is scheduled on the alert (`step`, `step_due_at`) and executed with a
conditional update from the step and state it was read in, so a stale or repeated step
(two workers, a crash and a retry, an acknowledgement that came first) does nothing. A
step's messages are queued in the transaction that moves the step on.

The first step is the exception: it is taken as the sweep inserts the alerts, a page at a
time, with the step already written into each inserted row — nobody else can see an alert
before its transaction commits, so there is nothing to be conditional about.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from anbu.adapters.channels import Medium
from anbu.adapters.storage import escalation as store
from anbu.adapters.storage.escalation import EscalatingAlert
from anbu.adapters.storage.outbox import AlertSubject, OutboxStore
from anbu.adapters.storage.repository import Store
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
from anbu.domain.kinds import AlertKind, AlertState, Carrier, NotificationState, Outcome, Role
from anbu.domain.subjects import mask_name
from anbu.services import ack_links, messages

UNACKNOWLEDGED = (AlertState.OPEN, AlertState.NOTIFIED)


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert about a person that the sweep found due, not yet inserted."""

    subject_id: int
    carrier: Carrier
    kind: AlertKind
    base: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Opened:
    ids: list[int]  # in the order the alerts were given
    unrouted: int  # how many found nobody to tell


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


@dataclass(frozen=True, slots=True)
class _Move:
    """A step about to be taken: what it is, who it goes to, and the alert's new values."""

    planned: PlannedStep
    audiences: tuple[Audience, ...]
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _FirstStep:
    """The first step of a new alert under one policy, at one instant: the same for every
    alert of every centre with that policy."""

    policy: EscalationPolicy
    policy_json: str  # as copied onto the alert
    move: _Move

    @property
    def columns(self) -> dict[str, Any]:
        """The new alert's escalation columns, the first step already taken: every row of
        one insert names the same columns."""
        return {
            "policy": self.policy_json,
            "step": self.move.values["step"],
            "step_due_at": self.move.values["step_due_at"],
            "staff_told_at": self.move.values.get("staff_told_at"),
        }


class _Staff:
    """Staff looked up for a batch of alerts: each set of roles is asked for once, for
    every centre of the batch together, however many alerts and audiences need it."""

    def __init__(self, connection: Connection, centre_ids: Iterable[int]) -> None:
        self._connection = connection
        self._centre_ids = set(centre_ids)
        self._by_centre: dict[tuple[Role, ...], dict[int, list[Recipient]]] = {}
        self._by_role: dict[tuple[Role, ...], list[Recipient]] = {}

    def of_centre(self, centre_id: int, roles: tuple[Role, ...]) -> list[Recipient]:
        """Active staff of these roles at the centre (one of the batch's), by login."""
        if roles not in self._by_centre:
            self._by_centre[roles] = recipients_by_centre(self._connection, self._centre_ids, roles)
        return self._by_centre[roles].get(centre_id, [])

    def with_role(self, roles: tuple[Role, ...]) -> list[Recipient]:
        """Active staff of these roles, wherever they work, by login."""
        if roles not in self._by_role:
            self._by_role[roles] = recipients_by_role(self._connection, roles)
        return self._by_role[roles]


def policy_for(raw: str | None) -> EscalationPolicy:
    return EscalationPolicy() if raw is None else EscalationPolicy.from_json(json.loads(raw))


def open_alerts(app: Anbu, db: Store, new: Sequence[NewAlert], now: datetime) -> Opened:
    """Open the alerts the sweep found due, in its transaction: each with its centre's
    policy copied on and its first step taken now (an alert is never open without its
    messages queued).

    A handful of statements for the whole batch, whatever its size: the people, the
    policies, one insert of the alerts with their first step written in, the staff of
    each audience for all the batch's centres at once, one insert of the messages. Every
    new alert is at step 0, open, told nobody yet, so its first step depends only on its
    centre's policy and `now` — worked out once per policy."""
    if not new:
        return Opened([], 0)
    connection = db.connection
    about = OutboxStore(connection).alert_subjects(sorted({a.subject_id for a in new}))
    centre_ids = {about[a.subject_id].centre_id for a in new}
    policies = store.centre_policies(connection, centre_ids)
    raw = {centre: policies.get(centre) for centre in centre_ids}
    by_policy = {text: _first_step(app, text, now) for text in set(raw.values())}
    first = {centre: by_policy[raw[centre]] for centre in centre_ids}
    ids = db.insert_alerts(
        [
            {
                "subject_id": a.subject_id,
                "carrier": a.carrier.value,
                "kind": a.kind.value,
                "state": AlertState.OPEN.value,
                "base_at": a.base,
                "due_at": a.due_at,
                "opened_at": now,
                "centre_id": about[a.subject_id].centre_id,
                **first[about[a.subject_id].centre_id].columns,
            }
            for a in new
        ]
    )
    staff = _Staff(connection, centre_ids)
    rows: list[dict[str, Any]] = []
    unrouted = 0
    for alert_id, a in zip(ids, new, strict=True):
        subject = about[a.subject_id]
        step = first[subject.centre_id]
        # The alert as the first step reads it: just inserted, before the step's values.
        alert = EscalatingAlert(
            alert_id,
            a.subject_id,
            a.kind,
            AlertState.OPEN,
            0,
            step.policy_json,
            a.base,
            None,
            None,
            None,
            None,
        )
        queued, found = _messages(app, staff, alert, subject, step.policy, step.move, now)
        rows += queued
        unrouted += int(not found)
    OutboxStore(connection).enqueue(rows)
    return Opened(ids, unrouted)


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


def _first_step(app: Anbu, raw: str | None, now: datetime) -> _FirstStep:
    policy = policy_for(raw)
    move = _move(app, policy, AlertState.OPEN, 0, staff_told=False, now=now)
    assert move is not None  # a plan is never empty
    return _FirstStep(policy, json.dumps(policy.to_json()), move)


def _move(
    app: Anbu,
    policy: EscalationPolicy,
    state: AlertState,
    step: int,
    *,
    staff_told: bool,
    now: datetime,
) -> _Move | None:
    """The step an alert in `state` at `step` takes now; None when its plan is done."""
    plan = unacknowledged_plan(policy) if state in UNACKNOWLEDGED else acknowledged_plan(policy)
    if step >= len(plan):
        return None
    planned = plan[step]
    office = app.calendar.is_office_hours(now, policy.office_hours)
    first_staff_step = planned.kind is not StepKind.SELF_CHECK and not staff_told
    audiences = step_audiences(
        planned, policy, office_hours=office, first_staff_step=first_staff_step
    )
    values: dict[str, Any] = {
        "step": step + 1,
        "step_due_at": None if planned.last else now + planned.wait,
    }
    if first_staff_step:
        values["staff_told_at"] = now
    return _Move(planned, audiences, values)


def _step(
    app: Anbu, connection: Connection, alert: EscalatingAlert, subject: AlertSubject, now: datetime
) -> int:
    """Take the alert's next step; returns 1 if it found nobody to tell."""
    policy = policy_for(alert.policy)
    staff_told = alert.staff_told_at is not None
    move = _move(app, policy, alert.state, alert.step, staff_told=staff_told, now=now)
    if move is None:
        store.advance(connection, alert, {"step_due_at": None})
        return 0
    if not store.advance(connection, alert, move.values):
        return 0  # someone else took this step, or the case moved on
    staff = _Staff(connection, {subject.centre_id})
    rows, found = _messages(app, staff, alert, subject, policy, move, now)
    OutboxStore(connection).enqueue(rows)
    return int(not found)


def _messages(
    app: Anbu,
    staff: _Staff,
    alert: EscalatingAlert,
    subject: AlertSubject,
    policy: EscalationPolicy,
    move: _Move,
    now: datetime,
) -> tuple[list[dict[str, Any]], bool]:
    """The notification rows of a step taken from `alert` as it was read, and whether it
    found anybody to tell."""
    phase = "u" if alert.state in UNACKNOWLEDGED else "a"
    personal = app.vault.open(subject.personal, bound_to=subject.external_id)
    rows: list[dict[str, Any]] = []
    targets_found = False
    for audience in move.audiences:
        targets = _targets(staff, audience, subject, personal, alert)
        targets_found |= bool(targets)
        for target in targets:
            title, text = _text(
                app, move.planned, audience, alert, subject, policy, personal, target, now
            )
            rows += _rows(alert.id, f"{phase}{alert.step}", target, title, text, now)
    return rows, targets_found


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
    staff: _Staff,
    audience: Audience,
    subject: AlertSubject,
    personal: dict[str, Any],
    alert: EscalatingAlert,
) -> list[_Target]:
    if audience is Audience.SUBJECT:
        return [_Target("subject", None, (Medium.SMS,))] if personal.get("phone") else []
    if audience is Audience.GUARDIAN:
        return [_Target("guardian", None, (Medium.SMS,))] if personal.get("guardian_phone") else []
    return [_staff(person) for person in _staff_for(staff, audience, subject, alert)]


def _staff_for(
    staff: _Staff, audience: Audience, subject: AlertSubject, alert: EscalatingAlert
) -> list[Recipient]:
    """Staff of an audience, falling back so that a step never goes nowhere: the centre's
    officers → its leads; the acknowledger → the centre; the leads → the duty desk; the
    duty desk → the centre; the centre → the district's administrators."""
    centre = subject.centre_id
    found: list[Recipient] = []
    if audience is Audience.CENTRE:
        # Officers first; their lead hears at the next tier, told it is an escalation.
        found = staff.of_centre(centre, (Role.OFFICER,))
    elif audience is Audience.ACKNOWLEDGER and alert.acknowledged_by:
        found = [
            r
            for r in staff.of_centre(centre, tuple(Role)) + staff.with_role((Role.DUTY, Role.ADMIN))
            if r.login == alert.acknowledged_by
        ][:1]
    elif audience is Audience.LEADS:
        found = staff.of_centre(centre, (Role.LEAD,))
        if not found:
            found = staff.with_role((Role.DUTY,))
    elif audience is Audience.DUTY:
        found = staff.with_role((Role.DUTY,))
    if not found:
        found = staff.of_centre(centre, (Role.OFFICER, Role.LEAD))
    return found or staff.with_role((Role.ADMIN,))


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
    policy: EscalationPolicy,
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
    contact_hours = policy.contact_within.total_seconds() / 3600
    if planned.kind is StepKind.CONTACT_REMINDER:
        text = messages.contact_reminder(_who(subject, personal), contact_hours)
    elif planned.kind is StepKind.CONTACT_ESCALATE:
        text = messages.contact_escalation(
            _who(subject, personal), alert.acknowledged_by or "", contact_hours
        )
    elif planned.kind is StepKind.REMIND:
        title, text = messages.reminder(title), messages.reminder(text)
    elif alert.staff_told_at is not None:
        # A later tier: say that those told before have not answered, and for how long.
        unanswered = now - alert.staff_told_at
        title, text = messages.escalated(title, unanswered), messages.escalated(text, unanswered)
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
