"""One case as the officer who must phone or visit sees it: what happened, who the person
is and how to reach them, and a timeline of the person's phone activity, the messages sent
about the case and what staff did. Opening it is a view of personal data: it is audited.

A case outside the viewer's reach reads exactly as one that does not exist
(`CaseNotFoundError` for both), so that its existence does not leak."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import Connection

from anbu.adapters.storage import case_detail as store
from anbu.adapters.storage import cases as cases_store
from anbu.adapters.storage import casework as casework_store
from anbu.adapters.storage.alert_rows import AlertRecord
from anbu.adapters.storage.case_detail import AttemptRow
from anbu.bootstrap import Anbu
from anbu.domain.kinds import (
    ActivityKind,
    AlertKind,
    AlertState,
    NotificationState,
    Outcome,
)
from anbu.domain.subjects import age_on, mask_name
from anbu.services import cases, casework
from anbu.services.accounts import StaffUser
from anbu.services.casework import ContactKind, ContactResult

SEOUL = ZoneInfo("Asia/Seoul")
# The person's activity shown: from a week before their last sign of life (their usual
# rhythm, then the silence) to the close of the case, or the latest for an open one.
ACTIVITY_BEFORE = timedelta(days=7)
ACTIVITY_AFTER_CLOSE = timedelta(days=1)
ACTIVITY_LIMIT = 300
NOTIFICATION_LIMIT = 300
_MOBILE_010 = re.compile(r"^\+8210(\d{4})(\d{4})$")
# The largest id the databases hold (BIGINT): a larger one in a URL is simply not found.
_LARGEST_ID = 2**63 - 1


class CaseNotFoundError(LookupError):
    """No such case within the viewer's reach (or none at all: the two read the same)."""


class Step(StrEnum):
    """What a timeline entry records (the template picks its words by it)."""

    BEGAN = "began"  # the last sign of life, the phone going off, the feed going quiet
    CROSSED = "crossed"  # the period ran out (by the carrier's watermark)
    OPENED = "opened"
    ACTIVITY = "activity"
    NOTIFICATION = "notification"
    ACKNOWLEDGED = "acknowledged"
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
    resolved_at: datetime | None
    resolved_by: str | None
    outcome: Outcome | None
    resolution_note: str | None

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
    # Staff actions.
    result: str | None = None
    note: str | None = None
    outcome: Outcome | None = None

    @property
    def round(self) -> tuple[str, int] | None:
        """A notification's escalation step as (phase, round counted from 1): "u0" is the
        first message before anyone acknowledged, "a1" the second contact check after."""
        step = self.step_of or ""
        if len(step) > 1 and step[0] in ("u", "a") and step[1:].isdigit():
            return step[0], int(step[1:]) + 1
        return None


@dataclass(frozen=True, slots=True)
class CaseDetail:
    situation: Situation
    person: Person | None  # None for an alert about a feed or a channel
    timeline: list[Entry]
    activity_since: datetime | None
    activity_cut: bool  # older activity in the window was left out


def visible_case(app: Anbu, alert_id: int, user: StaffUser) -> cases_store.Case:
    """The case, if the user may see it. Raises CaseNotFoundError otherwise."""
    with app.transaction() as tx:
        return _reach(tx.connection, alert_id, user)


def detail(app: Anbu, alert_id: int, user: StaffUser, now: datetime) -> CaseDetail:
    """Everything the case page shows; the view of the person is written to the audit log.
    Raises CaseNotFoundError for a case out of the user's reach or missing."""
    with app.transaction() as tx:
        _reach(tx.connection, alert_id, user)
        row, subject = store.alert(tx.connection, alert_id)
        end = row.resolved_at or now
        since = row.base_at - ACTIVITY_BEFORE
        activity: list[store.ActivityRow] = []
        if subject is not None:
            until = None if row.resolved_at is None else row.resolved_at + ACTIVITY_AFTER_CLOSE
            activity = store.activity(tx.connection, subject.id, since, until, ACTIVITY_LIMIT)
        sent = store.notifications_of(tx.connection, alert_id, NOTIFICATION_LIMIT)
        attempts = store.attempts_of(tx.connection, [n.id for n in sent])
        events = casework_store.events(tx.connection, alert_id)
        if subject is not None:
            tx.audit(
                user.login,
                "subject.viewed",
                now,
                subject_id=subject.id,
                detail=json.dumps({"alert": alert_id}),
            )
    person = None if subject is None else _person(app, subject, now)
    situation = Situation(
        alert_id=row.alert_id,
        kind=row.kind,
        state=row.state,
        carrier=row.carrier or (subject.carrier if subject else None),
        channel=row.channel,
        base_at=row.base_at,
        due_at=row.due_at,
        opened_at=row.opened_at,
        silent_for=max(end - row.base_at, timedelta(0)),
        since_consent=(
            subject is not None
            and row.kind is AlertKind.NO_ACTIVITY
            and row.base_at == subject.consent_at
        ),
        period=_period(row.kind, subject),
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        resumed_at=row.resumed_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        outcome=row.outcome,
        resolution_note=row.resolution_note,
    )
    timeline = (
        _milestones(row)
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
    )


def record_contact(
    app: Anbu,
    alert_id: int,
    user: StaffUser,
    *,
    kind: ContactKind,
    result: ContactResult | None,
    note: str,
    now: datetime,
) -> None:
    """A call, a visit or a note (`casework.record_contact`). An alert about a feed or a
    channel has nobody to phone: only notes. Raises CaseNotFoundError, or CaseError with
    words for the officer."""
    case = visible_case(app, alert_id, user)
    if case.centre_id is None and kind is not ContactKind.NOTE:
        raise cases.CaseError("이 알림에는 메모만 남길 수 있습니다.")
    casework.record_contact(
        app,
        alert_id,
        user,
        kind=kind,
        result=None if kind is ContactKind.NOTE else result,
        note=note,
        now=now,
    )


def resolve(
    app: Anbu, alert_id: int, user: StaffUser, outcome: Outcome, note: str, now: datetime
) -> None:
    """Close a case about a person with its outcome (`cases.resolve`); an alert about a feed
    or a channel closes itself on recovery. The note may say how the person was found, so it
    is kept sealed on the case, as a note, not in the alert's clear `resolution_note`.
    Raises CaseNotFoundError, or CaseError with words for the officer."""
    case = visible_case(app, alert_id, user)
    if case.centre_id is None:
        raise cases.CaseError("통신사 자료·발송 장애 알림은 회복되면 저절로 종결됩니다.")
    if case.state is AlertState.RESOLVED:
        raise cases.CaseError("이미 종결된 건입니다.")
    if outcome not in cases.OFFICER_OUTCOMES:
        raise cases.CaseError("처리 결과를 골라 주세요.")
    if note.strip():
        casework.record_contact(
            app, alert_id, user, kind=ContactKind.NOTE, result=None, note=note.strip(), now=now
        )
    cases.resolve(app, alert_id, outcome, by=user.login, note="", now=now)


# -- building the page -------------------------------------------------------------

# Within one instant: the cause first, then what anbu did, then what staff did.
_ORDER = {step: rank for rank, step in enumerate(Step)}


def _reach(connection: Connection, alert_id: int, user: StaffUser) -> cases_store.Case:
    if not 0 < alert_id <= _LARGEST_ID:
        raise CaseNotFoundError(alert_id)
    try:
        cases.ensure_reach(connection, alert_id, user.login)
    except cases.CaseError as exc:
        raise CaseNotFoundError(alert_id) from exc
    found = cases_store.case(connection, alert_id)
    if found is None or (found.centre_id is not None and not user.sees_personal_data):
        raise CaseNotFoundError(alert_id)
    return found


def _person(app: Anbu, subject: store.SubjectDetailRow, now: datetime) -> Person:
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


def _period(kind: AlertKind, subject: store.SubjectDetailRow | None) -> timedelta | None:
    if subject is None:
        return None
    if kind is AlertKind.NO_ACTIVITY:
        return timedelta(minutes=subject.inactivity_minutes)
    if kind is AlertKind.PHONE_OFF:
        return timedelta(minutes=subject.phone_off_minutes)
    return None


def _milestones(row: AlertRecord) -> list[Entry]:
    found = [
        Entry(row.base_at, Step.BEGAN),
        Entry(row.due_at, Step.CROSSED),
        Entry(row.opened_at, Step.OPENED),
    ]
    if row.acknowledged_at is not None:
        found.append(Entry(row.acknowledged_at, Step.ACKNOWLEDGED, by=row.acknowledged_by))
    if row.resumed_at is not None:
        found.append(Entry(row.resumed_at, Step.RESUMED))
    if row.resolved_at is not None:
        found.append(
            Entry(
                row.resolved_at,
                Step.RESOLVED,
                by=row.resolved_by,
                outcome=row.outcome,
                note=row.resolution_note,
            )
        )
    return found


def _activity(app: Anbu, rows: list[store.ActivityRow]) -> list[Entry]:
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


def _notification(row: store.NotificationRow, attempts: tuple[AttemptRow, ...]) -> Entry:
    staff = row.recipient == "staff"
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


_EVENT_STEPS = {s.value: s for s in (Step.CLAIM, Step.RELEASE, Step.CALL, Step.VISIT, Step.NOTE)}


def _case_event(app: Anbu, alert_id: int, event: Any) -> Entry:
    """A row of `case_events`; its note is unsealed (it is bound to this case)."""
    note = None
    if event.sealed_note:
        opened = app.vault.open(bytes(event.sealed_note), bound_to=f"case:{alert_id}")
        note = str(opened.get("note", ""))
    # A kind this page does not know yet still shows, as a note by its author.
    step = _EVENT_STEPS.get(event.kind, Step.NOTE)
    return Entry(event.at, step, by=event.by, result=event.result, note=note)
