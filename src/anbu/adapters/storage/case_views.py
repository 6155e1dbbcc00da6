"""Cases as people read them — the officers' queue, the JSON API's list, a person's history,
the command line's list, one case's page with its activity, messages and casework — and the
case events staff record. Every alert among them comes from the one mapper
(`anbu.adapters.storage.alerts.alert_of`). Never commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    case,
    insert,
    or_,
    select,
    update,
)

from anbu.adapters.storage.alerts import alert_of
from anbu.adapters.storage.tables import (
    activity_events,
    alerts,
    case_events,
    centres,
    delivery_attempts,
    notifications,
    officers,
    subjects,
)
from anbu.domain.alerts import Alert, ContactKind, ContactResult
from anbu.domain.kinds import (
    ActivityKind,
    AlertState,
    AttemptOutcome,
    NotificationState,
    Role,
)
from anbu.domain.rhythm import Level


@dataclass(frozen=True, slots=True)
class AlertPerson:
    """Whom an alert is about: still sealed (each list decides what it may show)."""

    subject_id: int
    external_id: str
    centre: str
    personal: bytes


@dataclass(frozen=True, slots=True)
class AlertLine:
    alert: Alert
    person: AlertPerson | None  # None: an alert about the system (a feed, a channel)

    @property
    def id(self) -> int:
        """The alert's id (a line read from the database always has one)."""
        assert self.alert.id is not None
        return self.alert.id

    @property
    def external_id(self) -> str | None:
        return None if self.person is None else self.person.external_id

    @property
    def centre(self) -> str | None:
        return None if self.person is None else self.person.centre


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """What staff did on a case; the note still sealed (bound to the case)."""

    at: datetime
    by: str
    kind: str  # a ContactKind, or claim | release
    result: str | None
    sealed_note: bytes | None


@dataclass(frozen=True, slots=True)
class SubjectDetailRow:
    id: int
    external_id: str
    centre: str
    carrier: str
    personal: bytes
    inactivity_minutes: int
    phone_off_minutes: int
    consent_at: datetime
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class ActivityRow:
    kind: ActivityKind
    occurred_at: datetime
    duration_s: int | None


@dataclass(frozen=True, slots=True)
class AttemptRow:
    at: datetime
    outcome: AttemptOutcome
    detail: str


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    login: str | None  # the member of staff told; None for the person or their guardian
    role: Role | None  # their role now (the tier they stand at); None as for `login`
    recipient: str  # staff | subject | guardian
    step: str
    medium: str
    state: NotificationState
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


_PERSON_COLUMNS = (
    subjects.c.id.label("person_id"),
    subjects.c.external_id,
    centres.c.name.label("centre"),
    subjects.c.personal,
)
_WITH_PEOPLE = alerts.outerjoin(subjects, subjects.c.id == alerts.c.subject_id).outerjoin(
    centres, centres.c.id == subjects.c.centre_id
)
# The queue: cases waiting for a visit first, then those nobody has taken charge of.
_URGENCY = case(
    (alerts.c.state == AlertState.VISIT_NEEDED.value, 0),
    (alerts.c.state.in_([AlertState.OPEN.value, AlertState.NOTIFIED.value]), 1),
    else_=2,
)


_NOTIFICATIONS = select(
    notifications.c.id,
    notifications.c.alert_id,
    officers.c.login,
    officers.c.role,
    notifications.c.recipient,
    notifications.c.step,
    notifications.c.medium,
    notifications.c.state,
    notifications.c.attempts,
    notifications.c.last_error,
    notifications.c.created_at,
    notifications.c.sent_at,
    notifications.c.delivered_at,
).select_from(notifications.outerjoin(officers, officers.c.id == notifications.c.officer_id))


def _notification(row: Row[Any]) -> NotificationRow:
    return NotificationRow(
        id=row.id,
        login=row.login,
        role=None if row.role is None else Role(row.role),
        recipient=row.recipient,
        step=row.step,
        medium=row.medium,
        state=NotificationState(row.state),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
    )


def _line(row: Row[Any]) -> AlertLine:
    person = None
    if row.person_id is not None:
        person = AlertPerson(row.person_id, row.external_id, row.centre, bytes(row.personal))
    return AlertLine(alert_of(row), person)


class CaseViews:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def queue(self, centre_ids: Collection[int] | None, limit: int) -> list[AlertLine]:
        """Unresolved alerts about people in these centres (None: every centre): those
        waiting for a visit first, then those nobody has acknowledged, then the longest
        silence first."""
        query = (
            select(alerts, *_PERSON_COLUMNS)
            .join(subjects, subjects.c.id == alerts.c.subject_id)
            .join(centres, centres.c.id == subjects.c.centre_id)
            .where(
                alerts.c.state != AlertState.RESOLVED.value,
                # An attention case only texts the person: it is not the officers' yet.
                alerts.c.level != Level.ATTENTION.value,
            )
            .order_by(_URGENCY, alerts.c.base_at, alerts.c.id)
            .limit(limit)
        )
        if centre_ids is not None:
            query = query.where(subjects.c.centre_id.in_(list(centre_ids)))
        return [_line(row) for row in self.connection.execute(query)]

    def within(
        self,
        centre_ids: Collection[int] | None,
        *,
        system: bool,
        open_only: bool,
        before: int | None,
        limit: int,
    ) -> list[AlertLine]:
        """Alerts about people in these centres (None: every centre), and about the system
        when `system`; newest first, those with an id below `before` (the page before's
        last)."""
        about_people: ColumnElement[bool] = alerts.c.subject_id.is_not(None)
        if centre_ids is not None:
            about_people = and_(about_people, subjects.c.centre_id.in_(list(centre_ids)))
        query = (
            select(alerts, *_PERSON_COLUMNS)
            .select_from(_WITH_PEOPLE)
            .where(or_(about_people, alerts.c.subject_id.is_(None)) if system else about_people)
            .order_by(alerts.c.id.desc())
            .limit(limit)
        )
        if open_only:
            query = query.where(alerts.c.state != AlertState.RESOLVED.value)
        if before is not None:
            query = query.where(alerts.c.id < before)
        return [_line(row) for row in self.connection.execute(query)]

    def listing(
        self, *, states: Collection[AlertState] | None = None, limit: int | None = None
    ) -> list[AlertLine]:
        """Every alert (in these states), by when it became due: the command line's list."""
        query = (
            select(alerts, *_PERSON_COLUMNS)
            .select_from(_WITH_PEOPLE)
            .order_by(alerts.c.due_at, alerts.c.id)
        )
        if states:
            query = query.where(alerts.c.state.in_([s.value for s in states]))
        if limit is not None:
            query = query.limit(limit)
        return [_line(row) for row in self.connection.execute(query)]

    def history(self, subject_id: int, limit: int) -> list[Alert]:
        """The person's alerts, latest first."""
        query = (
            select(alerts)
            .where(alerts.c.subject_id == subject_id)
            .order_by(alerts.c.opened_at.desc(), alerts.c.id.desc())
            .limit(limit)
        )
        return [alert_of(row) for row in self.connection.execute(query)]

    def detail(self, alert_id: int) -> tuple[Alert, SubjectDetailRow | None] | None:
        """The alert and, for an alert about a person, the person."""
        row = self.connection.execute(
            select(
                alerts,
                subjects.c.external_id,
                subjects.c.carrier.label("subject_carrier"),
                subjects.c.personal,
                subjects.c.inactivity_minutes,
                subjects.c.phone_off_minutes,
                subjects.c.consent_at,
                subjects.c.withdrawn_at,
                centres.c.name.label("centre"),
            )
            .select_from(_WITH_PEOPLE)
            .where(alerts.c.id == alert_id)
        ).first()
        if row is None:
            return None
        found = alert_of(row)
        if row.subject_id is None:
            return found, None
        person = SubjectDetailRow(
            id=row.subject_id,
            external_id=row.external_id,
            centre=row.centre,
            carrier=row.subject_carrier,
            personal=bytes(row.personal),
            inactivity_minutes=row.inactivity_minutes,
            phone_off_minutes=row.phone_off_minutes,
            consent_at=row.consent_at,
            withdrawn=row.withdrawn_at is not None,
        )
        return found, person

    def activity(
        self,
        subject_id: int,
        since: datetime,
        until: datetime | None,
        limit: int,
    ) -> list[ActivityRow]:
        """The person's events in [since, until] (no end: up to the latest), the newest `limit`
        of them, oldest first. Kind and time only: the counterpart is never stored."""
        query = (
            select(
                activity_events.c.kind, activity_events.c.occurred_at, activity_events.c.duration_s
            )
            .where(
                activity_events.c.subject_id == subject_id, activity_events.c.occurred_at >= since
            )
            .order_by(activity_events.c.occurred_at.desc(), activity_events.c.id.desc())
            .limit(limit)
        )
        if until is not None:
            query = query.where(activity_events.c.occurred_at <= until)
        rows = [
            ActivityRow(ActivityKind(row.kind), row.occurred_at, row.duration_s)
            for row in self.connection.execute(query)
        ]
        rows.reverse()
        return rows

    def notifications_of(self, alert_id: int, limit: int) -> list[NotificationRow]:
        query = (
            _NOTIFICATIONS.where(notifications.c.alert_id == alert_id)
            .order_by(notifications.c.created_at, notifications.c.id)
            .limit(limit)
        )
        return [_notification(row) for row in self.connection.execute(query)]

    def notifications_of_alerts(
        self, alert_ids: Collection[int]
    ) -> dict[int, list[NotificationRow]]:
        """Each alert's messages, oldest first, in one query (the queue's "who was told")."""
        found: dict[int, list[NotificationRow]] = {}
        if not alert_ids:
            return found
        query = _NOTIFICATIONS.where(notifications.c.alert_id.in_(list(alert_ids))).order_by(
            notifications.c.alert_id, notifications.c.created_at, notifications.c.id
        )
        for row in self.connection.execute(query):
            found.setdefault(row.alert_id, []).append(_notification(row))
        return found

    def attempts_of(self, notification_ids: Sequence[int]) -> dict[int, list[AttemptRow]]:
        """Each notification's delivery attempts and reports, oldest first."""
        found: dict[int, list[AttemptRow]] = {}
        if not notification_ids:
            return found
        query = (
            select(
                delivery_attempts.c.notification_id,
                delivery_attempts.c.at,
                delivery_attempts.c.outcome,
                delivery_attempts.c.detail,
            )
            .where(delivery_attempts.c.notification_id.in_(list(notification_ids)))
            .order_by(delivery_attempts.c.at, delivery_attempts.c.id)
        )
        for row in self.connection.execute(query):
            found.setdefault(row.notification_id, []).append(
                AttemptRow(row.at, AttemptOutcome(row.outcome), row.detail)
            )
        return found


class CaseEvents:
    """Calls, visits, notes, claims and releases recorded on cases."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(
        self,
        alert_id: int,
        kind: ContactKind | str,
        *,
        by: str,
        at: datetime,
        result: ContactResult | None = None,
        sealed_note: bytes | None = None,
    ) -> None:
        self.connection.execute(
            insert(case_events).values(
                alert_id=alert_id,
                at=at,
                by=by,
                kind=str(kind),
                result=None if result is None else result.value,
                sealed_note=sealed_note,
            )
        )

    def of(self, alert_id: int) -> list[CaseEvent]:
        rows = self.connection.execute(
            select(case_events)
            .where(case_events.c.alert_id == alert_id)
            .order_by(case_events.c.at, case_events.c.id)
        )
        return [
            CaseEvent(
                row.at,
                row.by,
                row.kind,
                row.result,
                None if row.sealed_note is None else bytes(row.sealed_note),
            )
            for row in rows
        ]

    def forget_notes(self, subject_id: int) -> None:
        """The person withdrew: officers' notes on their cases may describe them, and go;
        so do the closing notes. That a case was handled, and how, stays."""
        cases_of = select(alerts.c.id).where(alerts.c.subject_id == subject_id)
        self.connection.execute(
            update(case_events).where(case_events.c.alert_id.in_(cases_of)).values(sealed_note=None)
        )
        self.connection.execute(
            update(alerts).where(alerts.c.subject_id == subject_id).values(resolution_note=None)
        )
