"""Escalation: carry an alert about a person through its policy's steps until somebody has
taken charge — the self-check text, the centre, the lead, the duty desk, reminders; after an
acknowledgement the reminder to record a contact; for a case nobody could reach, the tiers
again until somebody takes the visit.

Which step is due and to whom it goes is the alert's own rule (`Alert.take_step`); this
module looks the audiences up as people, words the messages and queues them in the
transaction that saves the step — conditionally, so that a stale or repeated step (two
workers, a crash and a retry, an acknowledgement that came first) does nothing.

The first step is the exception: it is taken as the sweep adds the alerts, a page at a time,
already written into each added row — nobody else can see an alert before its transaction
commits, so there is nothing to be conditional about.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from anbu.adapters.storage.staff import StaffContact
from anbu.adapters.storage.subjects import AlertSubject
from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.domain.alerts import Alert, AlertConflict, TakenStep
from anbu.domain.detection import Reason
from anbu.domain.escalation import Audience, EscalationPolicy, StepKind
from anbu.domain.kinds import AlertKind, Carrier, Role
from anbu.domain.notifications import Addressee, Medium, Notification, Phase, StepRef
from anbu.domain.rhythm import Level
from anbu.domain.subjects import mask_name
from anbu.services import ack_links, messages
from anbu.services.context import Context


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert about a person that the sweep found due, not yet added."""

    subject_id: int
    carrier: Carrier
    kind: AlertKind
    base: datetime
    due_at: datetime
    levels: tuple[tuple[Level, datetime], ...] = ()
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    alerts: list[Alert]  # in the order given, with their ids
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
    """One recipient of a step, and the media they can be reached by."""

    addressee: Addressee
    media: tuple[Medium, ...]


class _Staff:
    """Staff looked up for a batch of alerts: each set of roles is asked for once for the
    batch's centres together, however many alerts and audiences need it. One escalation
    pass keeps one (a snapshot of the staff as the pass began, read through whichever
    transaction is current: `using`), so that a pass of many steps asks once per centre."""

    def __init__(self, uow: UnitOfWork, centre_ids: Iterable[int]) -> None:
        self._uow = uow
        self._centre_ids = set(centre_ids)
        self._asked: dict[tuple[Role, ...], set[int]] = {}
        self._by_centre: dict[tuple[Role, ...], dict[int, list[StaffContact]]] = {}
        self._by_role: dict[tuple[Role, ...], list[StaffContact]] = {}

    def using(self, uow: UnitOfWork) -> _Staff:
        self._uow = uow
        return self

    def of_centre(self, centre_id: int, roles: tuple[Role, ...]) -> list[StaffContact]:
        """Active staff of these roles at the centre, by login."""
        asked = self._asked.setdefault(roles, set())
        if centre_id not in asked:
            missing = (self._centre_ids | {centre_id}) - asked
            found = self._uow.staff.contacts_by_centre(missing, roles)
            self._by_centre.setdefault(roles, {}).update(found)
            asked |= missing
        return self._by_centre.get(roles, {}).get(centre_id, [])

    def with_role(self, roles: tuple[Role, ...]) -> list[StaffContact]:
        """Active staff of these roles, wherever they work, by login."""
        if roles not in self._by_role:
            self._by_role[roles] = self._uow.staff.contacts_by_role(roles)
        return self._by_role[roles]


def policy_for(raw: str | None) -> EscalationPolicy:
    return EscalationPolicy() if raw is None else EscalationPolicy.from_json(json.loads(raw))


def open_alerts(app: Context, uow: UnitOfWork, new: Sequence[NewAlert], now: datetime) -> Opened:
    """Open the alerts the sweep found due, in its transaction: each with its centre's
    policy copied on and its first step taken now (an alert is never open without its
    messages queued).

    A handful of statements for the whole batch, whatever its size: the people, the
    policies, one insert of the alerts with their first step written in, the staff of each
    audience for all the batch's centres at once, one insert of the messages."""
    if not new:
        return Opened([], 0)
    about = uow.subjects.about([a.subject_id for a in new])
    centre_ids = {about[a.subject_id].centre_id for a in new}
    stored = uow.centres.policy_texts(centre_ids)
    policies = {centre: policy_for(stored.get(centre)) for centre in centre_ids}
    stepped: list[Alert] = []
    steps: list[TakenStep | None] = []
    for a in new:
        centre = about[a.subject_id].centre_id
        alert, taken = Alert.for_person(
            subject_id=a.subject_id,
            centre_id=centre,
            carrier=a.carrier,
            kind=a.kind,
            base_at=a.base,
            due_at=a.due_at,
            now=now,
            policy=policies[centre],
            levels=a.levels,
            reason=a.reason,
        ).take_step(now, app.calendar)
        # No step: an attention case with no self-check, or a caution case at night.
        stepped.append(alert)
        steps.append(taken)
    added = uow.alerts.add_all(stepped)
    staff = _Staff(uow, centre_ids)
    queued: list[Notification] = []
    unrouted = 0
    for alert, taken in zip(added, steps, strict=True):
        if taken is None:
            continue
        assert alert.subject_id is not None
        found, nobody = _messages(app, staff, alert, about[alert.subject_id], taken, now)
        queued += found
        unrouted += int(nobody)
    uow.outbox.enqueue(queued)
    return Opened(added, unrouted)


# Alerts stepped in one transaction: a handful of statements for the page (the alerts,
# their people) instead of a transaction and two reads for each; small enough that the
# locks are held briefly and a failure takes back little.
_STEP_PAGE = 50


def escalate(app: Context, *, now: datetime, limit: int = 500) -> EscalationReport:
    """One pass over the alerts whose next step is due, or whose person showed life again,
    a page of them per transaction. Each step is saved on condition that its alert is still
    as read, so a page read stale, repeated or raced changes only what it should."""
    report = EscalationReport()
    with app.transaction() as uow:
        due = uow.alerts.due(now, limit)
        staff = _Staff(uow, ())
    for start in range(0, len(due), _STEP_PAGE):
        page = due[start : start + _STEP_PAGE]
        with app.transaction() as uow:
            found = uow.alerts.get_many(page, lock=True)
            people = uow.subjects.about(
                [a.subject_id for a in found.values() if a.subject_id is not None]
            )
            for alert_id in page:
                alert = found.get(alert_id)
                if alert is None or not alert.is_open or alert.subject_id is None:
                    continue
                subject = people[alert.subject_id]
                if alert.resumed_at is not None and alert.followed_up_at is None:
                    _follow_up(app, uow, alert, subject, now, report)
                    continue
                _step(app, uow, staff.using(uow), alert, subject, now, report)
    return report


def delivery_failed(uow: UnitOfWork, alert_id: int, step: StepRef, now: datetime) -> None:
    """A message of `step` failed for good. If nobody else of that step can still be
    reached, the next step is due now: a failed delivery escalates like silence."""
    alert = uow.alerts.get(alert_id, lock=True)
    if alert is None or alert.policy is None or step.is_follow_up:
        return
    reached = uow.outbox.step_still_reaching(alert_id, step)
    changed = alert.delivery_failed(step, now, others_reached=reached)
    uow.alerts.save(changed, alert)


def staff_reached(uow: UnitOfWork, alert_id: int) -> None:
    """A message to staff got out: an open alert is now notified. Read again and retried
    if a step moved the alert meanwhile (what it moved is kept)."""
    for _ in range(3):
        alert = uow.alerts.get(alert_id, lock=True)
        if alert is None:
            return
        if uow.alerts.save(alert.notified(), alert):
            return


def _step(
    app: Context,
    uow: UnitOfWork,
    staff: _Staff,
    alert: Alert,
    subject: AlertSubject,
    now: datetime,
    report: EscalationReport,
) -> None:
    moved, taken = alert.take_step(now, app.calendar)
    if not uow.alerts.save(moved, alert):
        report.stale += 1  # someone else took this step, or the case moved on
        return
    if taken is None:
        return
    report.steps += 1
    queued, nobody = _messages(app, staff, alert, subject, taken, now)
    uow.outbox.enqueue(queued)
    report.unrouted += int(nobody)


def _follow_up(
    app: Context,
    uow: UnitOfWork,
    alert: Alert,
    subject: AlertSubject,
    now: datetime,
    report: EscalationReport,
) -> None:
    """The person showed life after the alert opened. Before any staff were told (the
    self-check stage) the case closes itself; otherwise those told hear of it, and no
    further reminders go out — the officer records the outcome."""
    assert alert.resumed_at is not None
    try:
        followed = alert.follow_up(now)
    except AlertConflict:
        return
    if not uow.alerts.save(followed, alert):
        return
    if not followed.is_open:
        report.checked_in.append(followed.id or 0)
        return
    personal = app.vault.open(subject.personal, bound_to=subject.external_id)
    text = messages.resumed(_who(subject, personal), alert.resumed_at)
    title = f"[안부] {subject.centre} {mask_name(personal.get('name', ''))} 님 활동 확인"
    assert alert.id is not None
    queued = [
        Notification(
            alert.id, StepRef.follow_up(), Addressee.staff(officer), medium, title, text, now
        )
        for officer, media in uow.outbox.told_staff(alert.id).items()
        for medium in media
    ]
    uow.outbox.enqueue(queued)
    report.followed_up.append(alert.id)


def _messages(
    app: Context,
    staff: _Staff,
    alert: Alert,
    subject: AlertSubject,
    taken: TakenStep,
    now: datetime,
) -> tuple[list[Notification], bool]:
    """The notifications of a step taken from `alert` as it was read, and whether it
    found nobody to tell."""
    assert alert.id is not None
    personal = app.vault.open(subject.personal, bound_to=subject.external_id)
    queued: list[Notification] = []
    nobody = True
    for audience in taken.audiences:
        targets = _targets(staff, audience, subject, personal, alert)
        nobody &= not targets
        for target in targets:
            for medium in target.media:
                title, text = _text(
                    app, taken, audience, alert, subject, personal, target, medium, now
                )
                queued.append(
                    Notification(alert.id, taken.ref, target.addressee, medium, title, text, now)
                )
    return queued, nobody


def _targets(
    staff: _Staff,
    audience: Audience,
    subject: AlertSubject,
    personal: dict[str, Any],
    alert: Alert,
) -> list[_Target]:
    if audience is Audience.SUBJECT:
        return [_Target(Addressee.subject(), (Medium.SMS,))] if personal.get("phone") else []
    if audience is Audience.GUARDIAN:
        if not personal.get("guardian_phone"):
            return []
        return [_Target(Addressee.guardian(), (Medium.SMS,))]
    return [_staff_target(person) for person in _staff_for(staff, audience, subject, alert)]


def _staff_for(
    staff: _Staff, audience: Audience, subject: AlertSubject, alert: Alert
) -> list[StaffContact]:
    """Staff of an audience, falling back so that a step never goes nowhere: the centre's
    officers → its leads; the acknowledger → the centre; the leads → the duty desk; the
    duty desk → the centre; the centre → the district's administrators."""
    centre = subject.centre_id
    found: list[StaffContact] = []
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


def _staff_target(person: StaffContact) -> _Target:
    media = tuple(
        medium
        for medium, reachable in ((Medium.SMS, person.has_phone), (Medium.EMAIL, person.has_email))
        if reachable
    )
    return _Target(Addressee.staff(person.officer_id), media)


def _who(subject: AlertSubject, personal: dict[str, Any]) -> str:
    return f"{subject.centre} {mask_name(personal.get('name', ''))}({subject.external_id}) 님"


def _text(
    app: Context,
    taken: TakenStep,
    audience: Audience,
    alert: Alert,
    subject: AlertSubject,
    personal: dict[str, Any],
    target: _Target,
    medium: Medium,
    now: datetime,
) -> tuple[str, str]:
    hours = (
        subject.phone_off_minutes
        if alert.kind is AlertKind.PHONE_OFF
        else subject.inactivity_minutes
    ) / 60
    if alert.reason is not None and alert.reason.silent_for is not None:
        # Personal detection: how long it had been silent, not its last-resort maximum.
        hours = round(alert.reason.silent_for / timedelta(hours=1))
    masked = mask_name(personal.get("name", ""))
    if audience is Audience.SUBJECT:
        return "[안부] 안부 확인", messages.self_check(subject.centre)
    if audience is Audience.GUARDIAN:
        return "[안부] 안부 확인 요청", messages.guardian(masked, subject.centre, hours)
    if taken.ref.phase is Phase.VISIT:
        return _visit_text(app, taken, alert, subject, personal, now)
    if alert.personal:
        title, text = messages.personal_alert(
            alert.level,
            centre=subject.centre,
            masked_name=masked,
            reference=subject.external_id,
            since=alert.base_at,
            # A text message says why in a few words; the e-mail in full.
            why=messages.explain_short(alert) if medium is Medium.SMS else messages.explain(alert),
        )
    else:
        title, text = messages.subject_alert(
            alert.kind,
            centre=subject.centre,
            masked_name=masked,
            reference=subject.external_id,
            since=alert.base_at,
            hours=hours,
        )
    assert alert.policy is not None
    contact_hours = alert.policy.contact_within.total_seconds() / 3600
    if taken.kind is StepKind.CONTACT_REMINDER:
        text = messages.contact_reminder(_who(subject, personal), contact_hours)
    elif taken.kind is StepKind.CONTACT_ESCALATE:
        text = messages.contact_escalation(
            _who(subject, personal), alert.acknowledged_by or "", contact_hours
        )
    elif taken.kind is StepKind.REMIND:
        title, text = messages.reminder(title), messages.reminder(text)
    elif taken.unanswered is not None:
        # A later tier: say that those told before have not answered, and for how long.
        title = messages.escalated(title, taken.unanswered)
        text = messages.escalated(text, taken.unanswered)
    base = app.options.public_url
    officer = target.addressee.officer_id
    if base and officer is not None and taken.ref.phase is Phase.UNACKNOWLEDGED:
        assert alert.id is not None
        token = ack_links.token_for(app.vault, alert.id, officer, now)
        text = f"{text}\n{messages.ACK_PREFIX}{ack_links.url_for(base, token)}"
    return title, text


def _visit_text(
    app: Context,
    taken: TakenStep,
    alert: Alert,
    subject: AlertSubject,
    personal: dict[str, Any],
    now: datetime,
) -> tuple[str, str]:
    """A case nobody could reach: somebody must take the visit. Later tiers are told how
    long it has waited; the case's page is linked, where the visit is taken."""
    assert alert.visit_needed_at is not None
    title, text = messages.visit_needed(_who(subject, personal), alert.visit_needed_at)
    if taken.kind is StepKind.REMIND:
        title, text = messages.reminder(title), messages.reminder(text)
    elif taken.ref.index > 0:
        waiting = now - alert.visit_needed_at
        title, text = messages.unvisited(title, waiting), messages.unvisited(text, waiting)
    base = app.options.public_url
    if base:
        text = f"{text}\n{base.rstrip('/')}/alerts/{alert.id}"
    return title, text
