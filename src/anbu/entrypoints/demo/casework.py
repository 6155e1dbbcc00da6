"""The staff's side of the simulation. Like real officers, whoever is told of an alert takes
charge of it a little later (`cases.acknowledge`), then calls or visits and records what
they found (`cases.resolve`) — through the real services, at simulated instants between
the hourly steps. What they find is the ground truth the demo generated.

The planted emergency is the one case nobody can reach by phone: the officer marks it
"unreachable, a visit is needed" (`cases.need_visit`), which closes nothing; they take the
visit, go, find the door locked, have it opened with the police and fire services, and only
then close the case with the visit's result.

One alert is left unanswered on purpose, so that the escalation shows once: a natural one
whose first message and deadline both fall in office hours (the centre's staff, then the
lead); failing that, from half-way on, any alert in office hours or the planted silence;
and once no office hours are left, the next alert with room before the end (at night the
next tier is the duty desk again). The next tier then takes charge.

Feed alerts are the operator's and close themselves when the carrier catches up; the
staff here leave them alone.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from anbu.bootstrap import Anbu
from anbu.domain.alerts import ContactKind, ContactResult
from anbu.domain.escalation import EscalationPolicy
from anbu.domain.kinds import AlertKind, Outcome, Role
from anbu.domain.notifications import StepRef
from anbu.entrypoints.demo.causes import NATURAL, Cause, cause_of, ended
from anbu.entrypoints.demo.notifying import Sending, staff_by_id
from anbu.entrypoints.demo.roster import Person
from anbu.entrypoints.demo.staff import Member
from anbu.entrypoints.demo.world import World
from anbu.services import cases
from anbu.services.case_views import AlertLine

# The demo's centres keep the default policy: the first tier has an hour to acknowledge,
# and a contact is expected within four hours of the acknowledgement.
POLICY = EscalationPolicy()
FIRST_TIER_WAIT = POLICY.tiers[0].wait
FOLLOW_UP = str(StepRef.follow_up())  # the "activity resumed" message: not a step up

# Minutes from the message to the acknowledgement: an officer between other work, the
# duty desk, whose job it is, a little sooner.
_TAKE_CHARGE = (10, 50)
_TAKE_CHARGE_DUTY = (5, 40)
# Minutes from taking charge to the recorded contact, well inside the four hours: a few
# calls; a visit for a phone that stays off.
_CONTACT = (30, 90)
_CONTACT_BY_CAUSE = {Cause.PLANTED_SILENCE: (40, 120), Cause.PLANTED_SWITCH_OFF: (90, 180)}
# When several were told, the officer on the case answers before the lead.
_FIRST_TO_ACT = (Role.OFFICER, Role.DUTY, Role.LEAD, Role.ADMIN, Role.OPERATOR)

# What the call or the visit finds, by what really happened (the notes as staff write them).
_FINDINGS: dict[Cause, tuple[Outcome, tuple[str, ...]]] = {
    # The planted story: from one moment on, no sign of life, calls ring out unanswered.
    Cause.PLANTED_SILENCE: (
        Outcome.DOOR_OPENED,
        ("경찰·소방과 함께 문을 열어 쓰러져 계신 분을 발견 — 119로 병원 이송",),
    ),
    Cause.PLANTED_SWITCH_OFF: (
        Outcome.SAFE,
        ("방문함 — 휴대전화가 고장 나 꺼져 있었음, 건강하심",),
    ),
    Cause.NATURAL_QUIET: (
        Outcome.SAFE,
        ("통화함 — 집에 계심", "통화함 — 별일 없으심", "통화함 — 감기로 쉬셨으나 괜찮으심"),
    ),
    Cause.NATURAL_GAP: (
        Outcome.FALSE_ALARM,
        ("통화함 — 휴대전화를 집에 두고 자녀 집에 다녀오심", "통화함 — 여행 중이셨음"),
    ),
    Cause.UNEXPLAINED: (Outcome.FALSE_ALARM, ("통화함 — 평소대로 지내심",)),
}
# The switched-off phone's person also goes quiet for long: the visit already told why.
_STILL_OFF = "휴대전화 고장 — 앞서 방문해 무사하심을 확인함"
# The planted emergency: the calls, then the visit to a locked door.
UNREACHED = "세 번 전화했으나 받지 않으심 — 방문 필요"
_AT_THE_DOOR = "문이 잠겨 있고 인기척이 없음 — 경찰·소방에 공동 출동 요청"
# Minutes from "a visit is needed" to the visit recorded (the walk, the police and fire).
_TO_THE_DOOR = (30, 60)


class Happened(StrEnum):
    LEFT = "left"  # the demo leaves this alert unanswered by its first tier
    ESCALATED = "escalated"  # a later step of the policy reached more staff
    ACKNOWLEDGED = "acknowledged"
    VISIT_NEEDED = "visit_needed"  # nobody could reach the person; someone takes the visit
    RESOLVED = "resolved"


class _Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    NEED_VISIT = "need_visit"
    RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class Escalation:
    at: datetime
    step: str
    told: tuple[Member, ...]


@dataclass
class Case:
    """One alert about a person, as the staff handle it."""

    alert: AlertLine  # as it opened
    person: Person
    cause: Cause
    told_at: datetime  # the first message to staff
    first_step: str
    told: tuple[Member, ...]
    missed: bool  # left to its first tier's deadline on purpose
    outcome: Outcome
    note: str
    take_charge: timedelta  # after the message that is answered
    contact: timedelta  # after taking charge
    actor: Member | None  # who will take charge; for the missed one, chosen once escalated
    escalations: list[Escalation] = field(default_factory=list)
    acknowledged_at: datetime | None = None
    visit_needed_at: datetime | None = None
    visited_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def needs_visit(self) -> bool:
        """The planted emergency: calls will not reach the person."""
        return self.cause is Cause.PLANTED_SILENCE

    @property
    def waited(self) -> timedelta | None:
        """From the first message to the acknowledgement."""
        return None if self.acknowledged_at is None else self.acknowledged_at - self.told_at


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    what: Happened
    case: Case
    escalation: Escalation | None = None


class Casework:
    def __init__(self, app: Anbu, world: World, rng: random.Random) -> None:
        self.app = app
        self.world = world
        self.cases: dict[int, Case] = {}  # by alert id, in the order they opened
        self._rng = rng
        self._due: list[tuple[datetime, int, _Action, int]] = []  # when, order, what, alert
        self._order = itertools.count()
        self._staff: dict[int, Member] | None = None

    @property
    def missed(self) -> Case | None:
        return next((c for c in self.cases.values() if c.missed), None)

    def act(self, until: datetime) -> list[Event]:
        """Take every planned action up to `until`, in order of time."""
        events = []
        while self._due and self._due[0][0] <= until:
            at, _, action, alert_id = heapq.heappop(self._due)
            case = self.cases[alert_id]
            if action is _Action.ACKNOWLEDGE:
                events.append(self._acknowledge(case, at))
            elif action is _Action.NEED_VISIT:
                events.append(self._need_visit(case, at))
            else:
                events.append(self._resolve(case, at))
        return events

    def follow(self, opened: list[AlertLine], sending: Sending, at: datetime) -> list[Event]:
        """After a step's messages went out: take on the alerts it opened, and note the
        later steps of those already known (an escalation, a contact reminder)."""
        events = []
        for row in opened:
            if row.external_id is not None:
                case = self._open(row, sending, at)
                if case is not None and case.missed:
                    events.append(Event(at, Happened.LEFT, case))
        for (alert_id, step), ids in sorted(sending.told.items()):
            known = self.cases.get(alert_id)
            if known is None or step in (known.first_step, FOLLOW_UP):
                continue
            escalation = Escalation(at, step, self._members(ids))
            known.escalations.append(escalation)
            events.append(Event(at, Happened.ESCALATED, known, escalation))
        return events

    def _open(self, row: AlertLine, sending: Sending, at: datetime) -> Case | None:
        steps = sorted(step for alert_id, step in sending.told if alert_id == row.id)
        if not steps:
            return None  # nobody was told; the verdict says so
        told = self._members(sending.told[(row.id, steps[0])])
        cause = cause_of(row, self.world, self.app.rules)
        missed = self.missed is None and self._may_go_unanswered(row, cause, at)
        outcome, notes = _FINDINGS[cause]
        note = self._rng.choice(notes)
        if cause is Cause.PLANTED_SWITCH_OFF and row.alert.kind is AlertKind.NO_ACTIVITY:
            note = _STILL_OFF
        actor = None if missed else self._first_to_act(told)
        fast = actor is not None and actor.role is Role.DUTY
        low, high = _TAKE_CHARGE_DUTY if fast else _TAKE_CHARGE
        take_charge = timedelta(minutes=self._rng.randint(low, high))
        contact = timedelta(minutes=self._rng.randint(*_CONTACT_BY_CAUSE.get(cause, _CONTACT)))
        case = Case(
            alert=row,
            person=self.world.people[row.external_id or ""],
            cause=cause,
            told_at=at,
            first_step=steps[0],
            told=told,
            missed=missed,
            outcome=outcome,
            note=note,
            take_charge=take_charge,
            contact=contact,
            actor=actor,
        )
        self.cases[row.id] = case
        answered_after = take_charge + (FIRST_TIER_WAIT if missed else timedelta())
        self._plan(at + answered_after, _Action.ACKNOWLEDGE, case)
        return case

    def _may_go_unanswered(self, row: AlertLine, cause: Cause, at: datetime) -> bool:
        """Whether this alert can show the escalation: the next tier's step and its answer
        fit before the end, and the person gives no sign first (that would stop the steps
        with a follow-up instead)."""
        deadline = at + FIRST_TIER_WAIT
        if cause is Cause.UNEXPLAINED or deadline + FIRST_TIER_WAIT > self.world.timeline.end:
            return False
        traces = self.world.traces[row.external_id or ""]
        if ended(row, traces, self.app.rules, until=deadline):
            return False
        office = self._office_hours(at) and self._office_hours(deadline)
        # By day the next tier is the lead; at night it is the duty desk again, which shows
        # less. From half-way on, less choosy, so that it shows at all.
        half_way = at >= self.world.timeline.after(0.5)
        if office and (cause in NATURAL or half_way):
            return True
        if cause is Cause.PLANTED_SILENCE and half_way:
            return True  # late in the run, and there to be found in every run
        return not self._office_hours_ahead(at)

    def _office_hours(self, at: datetime) -> bool:
        return self.app.calendar.is_office_hours(at, POLICY.office_hours)

    def _office_hours_ahead(self, at: datetime) -> bool:
        """Whether a later step still falls in office hours with room for the escalation."""
        timeline = self.world.timeline
        steps = range(timeline.index_of(at) + 1, timeline.steps + 1)
        last = timeline.end - 2 * FIRST_TIER_WAIT
        return any(self._office_hours(timeline.at(i)) for i in steps if timeline.at(i) <= last)

    def _acknowledge(self, case: Case, at: datetime) -> Event:
        if case.actor is None:  # the missed one: whoever the latest step reached
            reached = case.escalations[-1].told if case.escalations else case.told
            case.actor = self._first_to_act(reached)
        cases.acknowledge(self.app, case.alert.id, by=case.actor.login, now=at)
        case.acknowledged_at = at
        after_calls = _Action.NEED_VISIT if case.needs_visit else _Action.RESOLVE
        self._plan(at + case.contact, after_calls, case)
        return Event(at, Happened.ACKNOWLEDGED, case)

    def _need_visit(self, case: Case, at: datetime) -> Event:
        """The calls went unanswered: the case waits for a visit, and the officer who
        called takes it (so that nobody else is sent to the same door)."""
        assert case.actor is not None  # after taking charge
        login = case.actor.login
        cases.need_visit(self.app, case.alert.id, by=login, note=UNREACHED, now=at)
        cases.claim(self.app, case.alert.id, by=login, now=at)
        case.visit_needed_at = at
        self._plan(at + timedelta(minutes=self._rng.randint(*_TO_THE_DOOR)), _Action.RESOLVE, case)
        return Event(at, Happened.VISIT_NEEDED, case)

    def _resolve(self, case: Case, at: datetime) -> Event:
        assert case.actor is not None  # resolved only after taking charge
        if case.needs_visit:
            # Only a visit on record lets a case that needed one be closed.
            cases.record_contact(
                self.app,
                case.alert.id,
                by=case.actor.login,
                kind=ContactKind.VISIT,
                result=ContactResult.NOT_REACHED,
                note=_AT_THE_DOOR,
                now=at,
            )
            case.visited_at = at
        cases.resolve(
            self.app, case.alert.id, case.outcome, by=case.actor.login, note=case.note, now=at
        )
        case.resolved_at = at
        return Event(at, Happened.RESOLVED, case)

    def _plan(self, at: datetime, action: _Action, case: Case) -> None:
        heapq.heappush(self._due, (at, next(self._order), action, case.alert.id))

    def _first_to_act(self, told: tuple[Member, ...]) -> Member:
        first = min(_FIRST_TO_ACT.index(m.role) for m in told)
        return self._rng.choice([m for m in told if _FIRST_TO_ACT.index(m.role) == first])

    def _members(self, ids: frozenset[int]) -> tuple[Member, ...]:
        if self._staff is None:  # staff are imported after the simulation is set up
            self._staff = staff_by_id(self.app, self.world.staff)
        return tuple(sorted((self._staff[i] for i in ids), key=lambda m: m.login))
