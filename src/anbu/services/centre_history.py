"""A centre's own history as a backtest's input, and its cases as the answer key
(`anbu backtest --centre`): before a lead switches their centre to personal detection, they
can ask what it would have raised on the events anbu still holds, and how that compares
with what their officers found.

The people are taken as they are enrolled now (their own periods kept, so that the replay
judges them as the live system does), their retained events as they were received, and the
carriers' watermarks rebuilt from those arrivals: at every hour a carrier is taken to have
been complete up to just before the earliest event it had yet to deliver (and never past
what it has declared since). Nothing in the database changes but one audit line: the
personal data read for the replay never leaves the process.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median

from anbu.adapters.formats.activity_feed import EventLine, FeedLine, WatermarkLine
from anbu.adapters.storage.history import EnrolledRow, ReceivedRow
from anbu.domain.activity import ActivityEvent
from anbu.domain.alerts import OFFICER_OUTCOMES, PERSON_KINDS, Alert
from anbu.domain.kinds import ActivityKind, AlertKind, Carrier, Detection, Outcome
from anbu.domain.rhythm import Level
from anbu.domain.subjects import Enrolment, group_for
from anbu.services.case_views import AlertLine
from anbu.services.context import Context

HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
# Only the officers' verdicts judge: anbu's own closes (superseded, checked in…) do not.
VERDICTS = frozenset(OFFICER_OUTCOMES)


class UnknownCentreError(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Case:
    """A case officers worked, as the answer key."""

    external_id: str
    kind: AlertKind
    base_at: datetime
    due_at: datetime
    outcome: Outcome

    @property
    def needed(self) -> bool:
        """Somebody had to go and look: anything but a false alarm."""
        return self.outcome is not Outcome.FALSE_ALARM


@dataclass(frozen=True, slots=True)
class History:
    people: list[tuple[int, Enrolment]]
    lines: list[FeedLine]
    cases: list[Case]
    since: datetime
    until: datetime


def read(
    app: Context,
    centre: str,
    *,
    days: int,
    now: datetime,
    detection: Detection | None,
    actor: str,
) -> History:
    """The centre's last `days` as a backtest's input (`detection`, when given, for everyone).
    Raises UnknownCentreError."""
    since = now - timedelta(days=days)
    with app.transaction() as tx:
        found = tx.centres.detection_named(centre)
        if found is None:
            raise UnknownCentreError(centre)
        centre_id, _ = found
        rows = tx.history.people(centre_id)
        ids = [row.id for row in rows]
        received = list(tx.history.received(ids, since))
        worked = tx.history.cases(ids, since)
        declared = {
            carrier: feed.watermark for carrier, feed in tx.feeds.all().items() if feed.watermark
        }
        detail = {"centre": centre, "days": days, "people": len(rows), "events": len(received)}
        tx.audit.record(actor, "backtest.centre_read", now, detail=json.dumps(detail))
    by_id = {row.id: row for row in rows}
    people = [
        (index, _enrolment(app, row, now.date(), centre, detection))
        for index, row in enumerate(rows, start=2)
    ]
    phones = {
        row.external_id: enrolment.phone for (_, enrolment), row in zip(people, rows, strict=True)
    }
    lines: list[FeedLine] = [
        _event_line(number, event, phones[by_id[event.subject_id].external_id])
        for number, event in enumerate(received, start=1)
    ]
    lines += _watermarks(received, since, now, declared, start=len(lines) + 1)
    cases = [
        Case(by_id[a.subject_id].external_id, a.kind, a.base_at, a.due_at, a.outcome)
        for a in worked
        if a.subject_id in by_id and a.outcome in VERDICTS and a.kind in PERSON_KINDS
    ]
    return History(people, lines, cases, since, now)


def _enrolment(
    app: Context, row: EnrolledRow, today: date, centre: str, detection: Detection | None
) -> Enrolment:
    personal = app.vault.open(row.personal, bound_to=row.external_id)
    birth = date.fromisoformat(personal["birth_date"])
    return Enrolment(
        external_id=row.external_id,
        name=str(personal.get("name", "")),
        birth_date=birth,
        phone=str(personal["phone"]),
        carrier=Carrier(row.carrier),
        centre=centre,
        address=str(personal.get("address", "")),
        consent_at=row.consent_at,
        group=group_for(birth, today),
        # Their periods as the live system applies them now, whatever set them.
        inactivity=timedelta(minutes=row.inactivity_minutes),
        inactivity_custom=True,
        phone_off=timedelta(minutes=row.phone_off_minutes),
        phone_off_custom=True,
        guardian_phone=personal.get("guardian_phone") or None,
        detection=detection or Detection(row.detection),
    )


def _event_line(number: int, row: ReceivedRow, phone: str) -> EventLine:
    event = ActivityEvent(
        row.event_id,
        Carrier(row.carrier),
        phone,
        ActivityKind(row.kind),
        row.occurred_at,
        row.duration_s,
    )
    return EventLine(number, event, received_at=row.received_at)


def _watermarks(
    received: Sequence[ReceivedRow],
    since: datetime,
    until: datetime,
    declared: dict[Carrier, datetime],
    *,
    start: int,
) -> list[WatermarkLine]:
    """Each hour, each carrier complete up to just before the earliest event it had still to
    deliver (never beyond what it has declared since, nor beyond the hour)."""
    lines: list[WatermarkLine] = []
    number = start
    for carrier in Carrier:
        mine = sorted(
            ((r.received_at, r.occurred_at) for r in received if r.carrier == carrier.value),
        )
        if not mine and carrier not in declared:
            continue
        arrivals = [at for at, _ in mine]
        earliest_still_due: list[datetime] = [datetime.max.replace(tzinfo=UTC)] * (len(mine) + 1)
        for i in range(len(mine) - 1, -1, -1):
            earliest_still_due[i] = min(earliest_still_due[i + 1], mine[i][1])
        cap = declared.get(carrier, until)
        hour = since.replace(minute=0, second=0, microsecond=0) + HOUR
        while hour <= until:
            pending = earliest_still_due[bisect_right(arrivals, hour)]
            complete = min(hour, cap, pending - MICROSECOND)
            lines.append(WatermarkLine(number, carrier, complete, received_at=hour))
            number += 1
            hour += HOUR
    return lines


@dataclass(frozen=True, slots=True)
class Scored:
    """The replay against the officers' verdicts."""

    cases: int  # judged by officers (a verdict recorded)
    needed: int  # of them, someone had to go
    needed_found: int  # the replay raised them too (caution or serious)
    needed_missed: int
    earlier_h_median: float | None  # how much sooner the replay told staff, by median
    false_alarms: int
    false_alarms_raised: int  # the replay raised them too
    unjudged: int  # the replay raised a case no officer judged

    def as_json(self) -> dict[str, object]:
        return {
            "cases": self.cases,
            "needed": self.needed,
            "needed_found": self.needed_found,
            "needed_missed": self.needed_missed,
            "earlier_h_median": self.earlier_h_median,
            "false_alarms": self.false_alarms,
            "false_alarms_raised": self.false_alarms_raised,
            "unjudged": self.unjudged,
        }


def score(found: Sequence[AlertLine], cases: Sequence[Case]) -> Scored:
    """Match each case officers judged to the replay's officer-facing alert on the same
    silence (the same person, kind and beginning)."""
    raised = {
        (line.external_id, line.alert.kind, line.alert.base_at): line.alert
        for line in found
        if line.external_id is not None and _told_staff_at(line.alert) is not None
    }
    matched: set[tuple[str, AlertKind, datetime]] = set()
    earlier: list[float] = []
    needed_found = false_raised = 0
    for case in cases:
        key = (case.external_id, case.kind, case.base_at)
        alert = raised.get(key)
        if alert is None:
            continue
        matched.add(key)
        if case.needed:
            needed_found += 1
            told = _told_staff_at(alert)
            assert told is not None
            earlier.append((case.due_at - told) / HOUR)
        else:
            false_raised += 1
    needed = sum(1 for c in cases if c.needed)
    return Scored(
        cases=len(cases),
        needed=needed,
        needed_found=needed_found,
        needed_missed=needed - needed_found,
        earlier_h_median=round(median(earlier), 1) if earlier else None,
        false_alarms=len(cases) - needed,
        false_alarms_raised=false_raised,
        unjudged=len(set(raised) - matched),
    )


def _told_staff_at(alert: Alert) -> datetime | None:
    return min((at for level, at in alert.levels if level is not Level.ATTENTION), default=None)
