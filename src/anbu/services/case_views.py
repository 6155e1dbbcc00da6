"""Cases as staff read them — the queue of open cases, the JSON API's list, and one case as
the officer who must phone or visit sees it: what happened, who the person is and how to
reach them, and a timeline of the person's phone activity, the messages sent about the case
and what staff did. Read-only; every view of a person's data is audited.

Reach is the one rule of `anbu.domain.reach`: a case outside it reads exactly as one that
does not exist (`CaseNotFound` for both), so that its existence does not leak. Acting on a
case is `anbu.services.cases`."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import phonenumbers

from anbu.adapters.storage.case_views import (
    ActivityRow,
    AttemptRow,
    CaseEvent,
    NotificationRow,
    SubjectDetailRow,
)
from anbu.adapters.storage.case_views import (
    AlertLine as AlertLine,
)
from anbu.domain.alerts import Alert
from anbu.domain.escalation import Audience, TierReached, tier_told
from anbu.domain.kinds import (
    ActivityKind,
    AlertKind,
    AlertState,
    NotificationState,
    Outcome,
    Role,
)
from anbu.domain.notifications import Phase, Recipient, StepRef, StepRefError
from anbu.domain.rhythm import Level
from anbu.domain.subjects import VisitInfo, age_on, mask_name, visit_of
from anbu.domain.wording import Message
from anbu.services import messages, officers
from anbu.services.accounts import StaffUser
from anbu.services.cases import CaseNotFound, reachable
from anbu.services.context import Context

SEOUL = ZoneInfo("Asia/Seoul")
# The person's activity shown: from a week before their last sign of life (their usual
# rhythm, then the silence) to the close of the case, or the latest for an open one.
ACTIVITY_BEFORE = timedelta(days=7)
ACTIVITY_AFTER_CLOSE = timedelta(days=1)
ACTIVITY_LIMIT = 300
NOTIFICATION_LIMIT = 300
_MOBILE_010 = re.compile(r"^\+8210(\d{4})(\d{4})$")
QUEUE_LENGTH = 200


class Step(StrEnum):
    """What a timeline entry records (the template picks its words by it)."""

    BEGAN = "began"  # the last sign of life, the phone going off, the feed going quiet
    CROSSED = "crossed"  # the period ran out (by the carrier's watermark)
    LEVEL = "level"  # personal detection: the silence grew unusual enough for a level
    OPENED = "opened"
    ACTIVITY = "activity"
    NOTIFICATION = "notification"
    ACKNOWLEDGED = "acknowledged"
    VISIT_NEEDED = "visit_needed"
    CLAIM = "claim"
    RELEASE = "release"
    CALL = "call"
    VISIT = "visit"
    NOTE = "note"
    RESUMED = "resumed"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Person:
    subject_id: int
    external_id: str
    centre: str
    carrier: str
    masked_name: str
    name: str
    phone: str  # as written in Korea (010-1234-5678)
    phone_e164: str  # for tel: links
    address: str
    birth_year: int | None
    age: int | None
    guardian_phone: str | None
    guardian_e164: str | None
    withdrawn: bool  # consent withdrawn: the personal data is gone
    # Emergency contacts and notes for the door (visit information, `anbu.services.people`).
    visit: VisitInfo = field(default_factory=VisitInfo)


@dataclass(frozen=True, slots=True)
class Situation:
    alert_id: int
    kind: AlertKind
    state: AlertState
    carrier: str | None
    channel: str | None
    base_at: datetime
    due_at: datetime
    opened_at: datetime
    silent_for: timedelta  # since `base_at`, up to the close or now
    # No sign of life at all since consent: the silence is counted from the consent.
    since_consent: bool
    period: timedelta | None  # the person's period for this kind of alert
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    resumed_at: datetime | None
    visit_needed_at: datetime | None
    visited_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    outcome: Outcome | None
    resolution_note: str | None
    # A case waiting for a visit that may now be closed (a visit or a sign of life since).
    closable_after_visit: bool = False
    level: Level = Level.SERIOUS
    levels: tuple[tuple[Level, datetime], ...] = ()
    reason: str = ""  # why it was raised, in Korean
    personal: bool = False  # raised by the person's rhythm, not a fixed period

    @property
    def about_person(self) -> bool:
        return self.kind in (AlertKind.NO_ACTIVITY, AlertKind.PHONE_OFF)


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline. Which fields are set depends on `step`: activity has
    `activity`, `count`, `until`, `life`; a notification `recipient`, `medium`, `step_of`,
    `state`, the times and `attempts`; staff actions `by`, `result`, `note`."""

    at: datetime
    step: Step
    by: str | None = None
    # Activity: consecutive events of one kind are one line ("data ×12, 09:00–18:00").
    activity: ActivityKind | None = None
    count: int = 1
    until: datetime | None = None
    life: bool = False
    answered: bool = False
    # Notification.
    recipient: str | None = None  # a login, or "subject" / "guardian"
    staff: bool = False
    medium: str | None = None
    step_of: str | None = None  # the escalation step: "u0", "a1", "follow-up"
    state: NotificationState | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    attempts: tuple[AttemptRow, ...] = ()
    last_error: str | None = None
    level: Level | None = None  # the level reached
    # Staff actions.
    result: str | None = None
    note: str | None = None
    outcome: Outcome | None = None

    @property
    def round(self) -> tuple[str, int] | None:
        """A notification's escalation step as (phase, round counted from 1): "u0" is the
        first message before anyone acknowledged, "a1" the second contact check after, "v0"
        the first call for a visit. None for the follow-up."""
        try:
            step = StepRef.parse(self.step_of or "")
        except StepRefError:
            return None
        phase: Phase | None = step.phase
        return None if phase is None else (phase.value, step.round)


@dataclass(frozen=True, slots=True)
class CaseDetail:
    situation: Situation
    person: Person | None  # None for an alert about a feed or a channel
    timeline: list[Entry]
    activity_since: datetime | None
    activity_cut: bool  # older activity in the window was left out
    # The names on record of the staff the page shows, by login (a login missing: none).
    staff_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QueueItem:
    alert_id: int
    kind: AlertKind
    state: AlertState
    subject_id: int
    external_id: str
    centre: str
    masked_name: str
    last_sign: datetime
    silent_for: timedelta
    acknowledged_by: str | None
    claimed_by: str | None
    resumed_at: datetime | None
    level: Level = Level.SERIOUS
    reason: str = ""  # why it was raised, in Korean
    acknowledged_name: str | None = None  # names on record (None: show the login)
    claimed_name: str | None = None
    # The tier the case has reached: who its latest escalation message actually told (the
    # person, for a self-check text only); None before any message.
    tier: TierReached | None = None
    told: tuple[Told, ...] = ()  # the staff told, each at their latest message
    phone: str = ""  # the person's phone as dialled in Korea ("" once consent is withdrawn)
    phone_e164: str = ""  # for the tap-to-call link


@dataclass(frozen=True, slots=True)
class Told:
    """A member of staff told about a case: when their latest message went out (queued, if
    it has not yet), and how it fared."""

    login: str
    name: str | None
    at: datetime
    state: NotificationState


@dataclass(frozen=True, slots=True)
class AlertListItem:
    """An alert in a list (the JSON API's): the person by reference, centre and masked name
    only; None for an alert about the system."""

    alert: Alert
    external_id: str | None
    centre: str | None
    masked_name: str | None


def queue(app: Context, user: StaffUser, now: datetime) -> list[QueueItem]:
    """The open cases the user answers for, most urgent first (waiting for a visit, then
    nobody has taken charge, then the longest silence). The names are masked; the view is
    written to the audit log with the people it showed."""
    with app.transaction() as tx:
        rows = tx.cases.queue(user.reach.centres, QUEUE_LENGTH)
        sent = tx.cases.notifications_of_alerts([r.id for r in rows])
        logins = {n.login for told in sent.values() for n in told}
        logins |= {who for r in rows for who in (r.alert.acknowledged_by, r.alert.claimed_by)}
        names = officers.names_in(app, tx, logins)
        detail = json.dumps({"alerts": [r.alert.id for r in rows]})
        tx.audit.record(user.login, "queue.viewed", now, detail=detail)
    return [
        _queued(app, row, sent.get(row.id, []), names, now)
        for row in rows
        if row.person is not None
    ]


def alert_list(
    app: Context,
    user: StaffUser,
    *,
    open_only: bool,
    before: int | None,
    limit: int,
    now: datetime,
) -> list[AlertListItem]:
    """The alerts within the user's reach, newest first. Audited with the alerts it
    showed."""
    reach = user.reach
    with app.transaction() as tx:
        rows = tx.cases.within(
            reach.centres, system=reach.system, open_only=open_only, before=before, limit=limit
        )
        detail = json.dumps({"alerts": [r.alert.id for r in rows]})
        tx.audit.record(user.login, "alerts.listed", now, detail=detail)
    return [_listed(app, row) for row in rows]


def listing(app: Context, *, states: Collection[AlertState] | None = None) -> list[AlertLine]:
    """Every alert (in these states), by when it became due: the command line's list, for
    operators and administrators at the machine (not audited per person: it shows
    references only)."""
    with app.transaction() as tx:
        return tx.cases.listing(states=states)


def visible(app: Context, alert_id: int, user: StaffUser) -> Alert:
    """The case, if the user may see it. Raises CaseNotFound otherwise."""
    with app.transaction() as tx:
        return reachable(tx, alert_id, user.login)


def detail(app: Context, alert_id: int, user: StaffUser, now: datetime) -> CaseDetail:
    """Everything the case page shows; the view of the person is written to the audit log.
    Raises CaseNotFound for a case out of the user's reach or missing."""
    with app.transaction() as tx:
        reachable(tx, alert_id, user.login)
        found = tx.cases.detail(alert_id)
        if found is None:
            raise CaseNotFound(Message("case.not_found", alert=alert_id, login=user.login))
        alert, subject = found
        end = alert.resolved_at or now
        since = alert.base_at - ACTIVITY_BEFORE
        activity: list[ActivityRow] = []
        if subject is not None:
            until = None if alert.resolved_at is None else alert.resolved_at + ACTIVITY_AFTER_CLOSE
            activity = tx.cases.activity(subject.id, since, until, ACTIVITY_LIMIT)
        sent = tx.cases.notifications_of(alert_id, NOTIFICATION_LIMIT)
        attempts = tx.cases.attempts_of([n.id for n in sent])
        events = tx.case_events.of(alert_id)
        logins = {alert.acknowledged_by, alert.claimed_by, alert.resolved_by}
        logins |= {n.login for n in sent} | {e.by for e in events}
        names = officers.names_in(app, tx, logins)
        if subject is not None:
            tx.audit.record(
                user.login,
                "subject.viewed",
                now,
                subject_id=subject.id,
                detail=json.dumps({"alert": alert_id}),
            )
    person = None if subject is None else _person(app, subject, now)
    assert alert.id is not None
    situation = Situation(
        alert_id=alert.id,
        kind=alert.kind,
        state=alert.state,
        carrier=(alert.carrier.value if alert.carrier else None)
        or (subject.carrier if subject else None),
        channel=alert.channel.value if alert.channel else None,
        base_at=alert.base_at,
        due_at=alert.due_at,
        opened_at=alert.opened_at,
        silent_for=max(end - alert.base_at, timedelta(0)),
        since_consent=(
            subject is not None
            and alert.kind is AlertKind.NO_ACTIVITY
            and alert.base_at == subject.consent_at
        ),
        period=_period(alert.kind, subject),
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
        claimed_by=alert.claimed_by,
        claimed_at=alert.claimed_at,
        resumed_at=alert.resumed_at,
        visit_needed_at=alert.visit_needed_at,
        visited_at=alert.visited_at,
        resolved_at=alert.resolved_at,
        resolved_by=alert.resolved_by,
        outcome=alert.outcome,
        resolution_note=alert.resolution_note,
        closable_after_visit=alert.may_be_closed_after_visit,
        level=alert.level,
        levels=alert.levels,
        reason=messages.explain(alert),
        personal=alert.personal,
    )
    timeline = (
        _milestones(alert)
        + _activity(app, activity)
        + [_notification(n, tuple(attempts.get(n.id, ()))) for n in sent]
        + [_case_event(app, alert_id, e) for e in events]
    )
    timeline.sort(key=lambda e: (e.at, _ORDER[e.step]))
    return CaseDetail(
        situation,
        person,
        timeline,
        since if subject is not None else None,
        len(activity) >= ACTIVITY_LIMIT,
        names,
    )


# -- building the page -------------------------------------------------------------

# Within one instant: the cause first, then what anbu did, then what staff did.
_ORDER = {step: rank for rank, step in enumerate(Step)}


def _queued(
    app: Context,
    row: AlertLine,
    sent: list[NotificationRow],
    names: dict[str, str],
    now: datetime,
) -> QueueItem:
    person = row.person
    assert person is not None
    alert = row.alert
    personal = app.vault.open(person.personal, bound_to=person.external_id)
    phone = str(personal.get("phone", ""))
    return QueueItem(
        row.id,
        alert.kind,
        alert.state,
        person.subject_id,
        person.external_id,
        person.centre,
        mask_name(str(personal.get("name", ""))),
        alert.base_at,
        now - alert.base_at,
        alert.acknowledged_by,
        alert.claimed_by,
        alert.resumed_at,
        alert.level,
        messages.explain(alert),
        acknowledged_name=names.get(alert.acknowledged_by or ""),
        claimed_name=names.get(alert.claimed_by or ""),
        tier=_tier_reached(app, alert, sent),
        told=_told(sent, names),
        phone=_national(phone),
        phone_e164=phone,
    )


def _tier_reached(app: Context, alert: Alert, sent: list[NotificationRow]) -> TierReached | None:
    """How far the case has gone up: the tier of the latest escalation message, by the roles
    of the staff it actually told (a lead's message that fell back to the duty desk reached
    the duty desk), routed as it was then (outside office hours the centre's messages went
    to the duty desk); a contact reminder to whoever acknowledged moves no tier. The person,
    when only self-check texts have gone out."""
    roles: dict[str, set[Role]] = {}
    for row in sent:
        if row.role is not None:
            roles.setdefault(row.step, set()).add(row.role)
    reached: TierReached | None = None
    for row in sent:  # oldest first
        try:
            step = StepRef.parse(row.step)
        except StepRefError:
            continue
        office = alert.policy is not None and app.calendar.is_office_hours(
            row.created_at, alert.policy.office_hours
        )
        audience = alert.audience_of(step, office_hours=office)
        if audience is None:
            continue
        if audience is Audience.SUBJECT:
            reached = reached or TierReached.SUBJECT
            continue
        reached = tier_told(audience, roles.get(row.step, set())) or reached
    return reached


def _told(sent: list[NotificationRow], names: dict[str, str]) -> tuple[Told, ...]:
    """The staff told, once each, at their latest message; earliest told first."""
    latest: dict[str, Told] = {}
    for row in sent:  # oldest first: a later message replaces an earlier one
        if row.login is not None:
            at = row.sent_at or row.created_at
            latest[row.login] = Told(row.login, names.get(row.login), at, row.state)
    return tuple(sorted(latest.values(), key=lambda t: (t.at, t.login)))


def _listed(app: Context, row: AlertLine) -> AlertListItem:
    person = row.person
    if person is None:
        return AlertListItem(row.alert, None, None, None)
    name = str(app.vault.open(person.personal, bound_to=person.external_id).get("name", ""))
    return AlertListItem(row.alert, person.external_id, person.centre, mask_name(name))


def _person(app: Context, subject: SubjectDetailRow, now: datetime) -> Person:
    personal = app.vault.open(subject.personal, bound_to=subject.external_id)
    name = str(personal.get("name", ""))
    phone = str(personal.get("phone", ""))
    guardian = personal.get("guardian_phone")
    born = _birth_date(personal.get("birth_date"))
    return Person(
        subject_id=subject.id,
        external_id=subject.external_id,
        centre=subject.centre,
        carrier=subject.carrier,
        masked_name=mask_name(name),
        name=name,
        phone=_national(phone),
        phone_e164=phone,
        address=str(personal.get("address", "")),
        birth_year=born.year if born else None,
        age=age_on(born, now.astimezone(SEOUL).date()) if born else None,
        guardian_phone=_national(str(guardian)) if guardian else None,
        guardian_e164=str(guardian) if guardian else None,
        withdrawn=subject.withdrawn,
        visit=visit_of(personal),
    )


def _birth_date(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _national(e164: str) -> str:
    """`+821012345678` → `010-1234-5678`, as officers dial it."""
    if not e164:
        return ""
    found = _MOBILE_010.match(e164)
    if found:
        return f"010-{found[1]}-{found[2]}"
    try:
        number = phonenumbers.parse(e164, "KR")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _period(kind: AlertKind, subject: SubjectDetailRow | None) -> timedelta | None:
    if subject is None:
        return None
    if kind is AlertKind.NO_ACTIVITY:
        return timedelta(minutes=subject.inactivity_minutes)
    if kind is AlertKind.PHONE_OFF:
        return timedelta(minutes=subject.phone_off_minutes)
    return None


def _milestones(alert: Alert) -> list[Entry]:
    found = [Entry(alert.base_at, Step.BEGAN)]
    if alert.personal:
        # No period ran out: the silence grew unusual for this person, level by level.
        found += [Entry(at, Step.LEVEL, level=level) for level, at in alert.levels]
    else:
        found.append(Entry(alert.due_at, Step.CROSSED))
    found.append(Entry(alert.opened_at, Step.OPENED))
    if alert.acknowledged_at is not None:
        found.append(Entry(alert.acknowledged_at, Step.ACKNOWLEDGED, by=alert.acknowledged_by))
    if alert.resumed_at is not None:
        found.append(Entry(alert.resumed_at, Step.RESUMED))
    if alert.resolved_at is not None:
        found.append(
            Entry(
                alert.resolved_at,
                Step.RESOLVED,
                by=alert.resolved_by,
                outcome=alert.outcome,
                note=alert.resolution_note,
            )
        )
    return found


def _activity(app: Context, rows: list[ActivityRow]) -> list[Entry]:
    """Consecutive events of one kind (and one verdict) become one line."""
    found: list[Entry] = []
    for row in rows:
        life = app.rules.is_sign_of_life(row.kind, row.duration_s)
        answered = bool(row.duration_s and row.duration_s > 0)
        last = found[-1] if found else None
        if (
            last is not None
            and last.activity is row.kind
            and last.life == life
            and last.answered == answered
        ):
            found[-1] = Entry(
                last.at,
                Step.ACTIVITY,
                activity=row.kind,
                count=last.count + 1,
                until=row.occurred_at,
                life=life,
                answered=answered,
            )
            continue
        found.append(
            Entry(row.occurred_at, Step.ACTIVITY, activity=row.kind, life=life, answered=answered)
        )
    return found


def _notification(row: NotificationRow, attempts: tuple[AttemptRow, ...]) -> Entry:
    staff = row.recipient == Recipient.STAFF.value
    return Entry(
        row.created_at,
        Step.NOTIFICATION,
        recipient=(row.login or "—") if staff else row.recipient,
        staff=staff,
        medium=row.medium,
        step_of=row.step,
        state=row.state,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
        attempts=attempts,
        last_error=row.last_error if row.state is NotificationState.FAILED else None,
    )


_EVENT_STEPS = {
    s.value: s
    for s in (Step.CLAIM, Step.RELEASE, Step.CALL, Step.VISIT, Step.NOTE, Step.VISIT_NEEDED)
}


def _case_event(app: Context, alert_id: int, event: CaseEvent) -> Entry:
    """A row of `case_events`; its note is unsealed (it is bound to this case)."""
    note = None
    if event.sealed_note:
        opened = app.vault.open(event.sealed_note, bound_to=f"case:{alert_id}")
        note = str(opened.get("note", ""))
    # A kind this page does not know yet still shows, as a note by its author.
    step = _EVENT_STEPS.get(event.kind, Step.NOTE)
    return Entry(event.at, step, by=event.by, result=event.result, note=note)
