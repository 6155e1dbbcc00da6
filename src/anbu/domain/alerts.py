"""The alert (the case an officer works on) and its life cycle.

An alert is about one thing: a person who fell silent or whose phone stayed off, a carrier's
feed that went quiet, or a delivery channel that is down. Only an alert about a person has
somebody to phone or visit, an escalation policy and staff who take charge of it.

    open ─(first message out)→ notified ─(someone takes charge)→ acknowledged
      │                           │                                   │
      └───────────────┬───────────┴───────────────────────────────────┘
                      │ "연락 안 됨 · 방문 필요": nobody could reach the person
                      ▼
                 visit_needed ─(a visit, or a later sign of life, on record)→ resolved

Any unresolved alert may also be closed by anbu itself (the person answered the self-check
before staff were told, a new episode replaced it, the feed or channel recovered, consent
was withdrawn). "We could not reach them" is never an end: the case stays open, heads its
centre's queue, and escalates like an unanswered one until somebody takes the visit.

Every transition is a method that returns the new alert or raises `AlertConflict` (the case
has moved on: someone else acted first, it is closed) or `AlertInvalid` (the action makes no
sense for this alert, whatever anyone else does). An alert is frozen; storage saves the
difference between the alert as read and as returned, on condition that the stored row
still is the alert as read (`guard`), so two workers acting on one alert cannot both win.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from anbu.domain.detection import Reason, Rule
from anbu.domain.escalation import (
    Audience,
    EscalationPolicy,
    OfficeCalendar,
    PlannedStep,
    StepKind,
    acknowledged_plan,
    first_staff_step_index,
    route,
    step_audiences,
    unacknowledged_plan,
    visit_plan,
)
from anbu.domain.kinds import AlertKind, AlertState, Carrier, Outcome
from anbu.domain.notifications import Medium, Phase, StepRef
from anbu.domain.rhythm import LEVELS, Level

# Who closes the cases that the system closes itself, in the audit log and on the case.
SYSTEM_ACTOR = "anbu"

PERSON_KINDS = frozenset({AlertKind.NO_ACTIVITY, AlertKind.PHONE_OFF})
UNACKNOWLEDGED = frozenset({AlertState.OPEN, AlertState.NOTIFIED})

# What a person may record when closing a case; the visit's results among them. Closing a
# case that needed a visit takes a visit's result.
VISIT_OUTCOMES = (Outcome.SAFE, Outcome.HOSPITALISED, Outcome.DECEASED, Outcome.DOOR_OPENED)
OFFICER_OUTCOMES = (*VISIT_OUTCOMES, Outcome.FALSE_ALARM)
# What only anbu records.
SYSTEM_OUTCOMES = frozenset(
    {
        Outcome.FEED_RECOVERED,
        Outcome.CHECKED_IN,
        Outcome.GATEWAY_RECOVERED,
        Outcome.SUPERSEDED,
    }
)
# Neither an officer's choice nor anbu's: the person withdrew their consent, and whoever
# recorded the withdrawal closed their cases with it.
NOT_CHOSEN_OUTCOMES = SYSTEM_OUTCOMES | {Outcome.CONSENT_WITHDRAWN}


class ContactKind(StrEnum):
    """What a member of staff records on a case."""

    CALL = "call"
    VISIT = "visit"
    NOTE = "note"


class ContactResult(StrEnum):
    REACHED = "reached"  # spoke to the person, or saw them
    NOT_REACHED = "not_reached"  # no answer, nobody at the door
    OTHER = "other"  # a neighbour, a relative, the landlord…


class Refusal(StrEnum):
    """Why a transition was refused: a stable code that each entry point puts in words."""

    CLOSED = "closed"  # the case is resolved
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    ALREADY_VISIT_NEEDED = "already_visit_needed"
    TAKEN = "taken"  # someone else has the visit
    ALREADY_YOURS = "already_yours"
    NOT_YOURS = "not_yours"  # releasing a visit one does not hold
    NOBODY_TO_VISIT = "nobody_to_visit"  # an alert about a feed or a channel
    CLOSES_ITSELF = "closes_itself"  # a feed or channel alert closes on recovery
    NOT_AN_OFFICER_OUTCOME = "not_an_officer_outcome"
    NOT_A_SYSTEM_OUTCOME = "not_a_system_outcome"
    VISIT_OUTCOME_NEEDED = "visit_outcome_needed"
    VISIT_FIRST = "visit_first"  # a visit must be on record first
    RESULT_NEEDED = "result_needed"  # a call or a visit needs its result
    NOTE_TOO_LONG = "note_too_long"
    NO_PLAN = "no_plan"  # an alert about the system has no escalation
    NOT_RESUMED = "not_resumed"


_MESSAGES = {
    Refusal.CLOSED: "alert {id} is already resolved",
    Refusal.ALREADY_ACKNOWLEDGED: "alert {id} is already acknowledged or resolved",
    Refusal.ALREADY_VISIT_NEEDED: "alert {id} is already waiting for a visit",
    Refusal.TAKEN: "someone else has already taken the visit of alert {id}",
    Refusal.ALREADY_YOURS: "you have already taken the visit of alert {id}",
    Refusal.NOT_YOURS: "you have not taken the visit of alert {id}",
    Refusal.NOBODY_TO_VISIT: "an alert about a feed or a channel has nobody to visit",
    Refusal.CLOSES_ITSELF: "an alert about a feed or a channel closes itself on recovery",
    Refusal.NOT_AN_OFFICER_OUTCOME: "outcome {outcome!r} is not one an officer records ({allowed})",
    Refusal.NOT_A_SYSTEM_OUTCOME: "outcome {outcome!r} is recorded by staff, not by anbu",
    Refusal.VISIT_OUTCOME_NEEDED: "alert {id} needed a visit: close it with the visit's result "
    "({allowed})",
    Refusal.VISIT_FIRST: "alert {id} can be closed once a visit is recorded (or the person has "
    "shown life since)",
    Refusal.RESULT_NEEDED: "a call or a visit needs its result",
    Refusal.NOTE_TOO_LONG: "a note is at most {limit:,} characters",
    Refusal.NO_PLAN: "alert {id} has no escalation plan",
    Refusal.NOT_RESUMED: "alert {id} has no sign of life to follow up",
}


class AlertError(Exception):
    """A refused transition; `reason` says why, as a code."""

    def __init__(self, reason: Refusal, **details: Any) -> None:
        self.reason = reason
        self.details = details
        super().__init__(_MESSAGES[reason].format(**details))


class AlertConflict(AlertError):  # noqa: N818 — the name says what it is, as in 409 Conflict
    """The action conflicts with the case as it is: closed, taken or acknowledged by someone
    else, waiting for a visit, or about a feed or a channel that nobody can visit."""


class AlertInvalid(AlertError):  # noqa: N818
    """The request itself is wrong, whatever the case: an outcome that is not the asker's
    to record, a call without its result."""


@dataclass(frozen=True, slots=True)
class TakenStep:
    """An escalation step as it was taken: which, of what kind, and to whom (before the
    audiences are looked up as staff)."""

    ref: StepRef
    kind: StepKind
    audiences: tuple[Audience, ...]
    # For a later tier before anyone took charge: how long those told first have been
    # silent (their message says so). None for the first message and every other step.
    unanswered: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """A case. `id` is None until storage adds it. `step` indexes the plan of the phase the
    alert is in (`phase`), `step_due_at` says when that step is due (None: nothing is)."""

    kind: AlertKind
    state: AlertState
    base_at: datetime  # the episode's start: the last sign of life, the phone going off…
    due_at: datetime  # when the limit was crossed
    opened_at: datetime
    id: int | None = None
    subject_id: int | None = None
    centre_id: int | None = None
    carrier: Carrier | None = None  # the feed of a feed alert; the person's carrier
    channel: Medium | None = None  # the channel of a gateway alert
    policy: EscalationPolicy | None = None  # copied when it opened; None about the system
    step: int = 0
    step_due_at: datetime | None = None
    staff_told_at: datetime | None = None
    followed_up_at: datetime | None = None
    resumed_at: datetime | None = None  # the first sign of life after the episode began
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    claimed_by: str | None = None  # who has taken the visit
    claimed_at: datetime | None = None
    visit_needed_at: datetime | None = None
    visited_at: datetime | None = None  # the latest visit on record
    first_contact_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    outcome: Outcome | None = None
    resolution_note: str | None = None
    # How grave (관심 → 주의 → 심각), when each level reached fell due, and why it was raised.
    # The fixed rule's alerts, and alerts about the system, are serious from the start.
    level: Level = Level.SERIOUS
    levels: tuple[tuple[Level, datetime], ...] = ()
    reason: Reason | None = None

    # -- the three kinds of alert ------------------------------------------------------

    @classmethod
    def for_person(
        cls,
        *,
        subject_id: int,
        centre_id: int,
        carrier: Carrier,
        kind: AlertKind,
        base_at: datetime,
        due_at: datetime,
        now: datetime,
        policy: EscalationPolicy,
        levels: tuple[tuple[Level, datetime], ...] = (),
        reason: Reason | None = None,
    ) -> Alert:
        """A person's alert at the highest of `levels` (serious when due, if none are
        given), its first step due at once (`take_step`)."""
        if kind not in PERSON_KINDS:
            raise ValueError(f"{kind.value} is not about a person")
        reached = levels or ((Level.SERIOUS, due_at),)
        return cls(
            kind=kind,
            state=AlertState.OPEN,
            base_at=base_at,
            due_at=due_at,
            opened_at=now,
            subject_id=subject_id,
            centre_id=centre_id,
            carrier=carrier,
            policy=policy,
            step_due_at=now,
            level=max((level for level, _ in reached), key=LEVELS.index),
            levels=reached,
            reason=reason,
        )

    @classmethod
    def for_feed(
        cls, carrier: Carrier, *, base_at: datetime, due_at: datetime, now: datetime
    ) -> Alert:
        """A carrier's feed has gone quiet: for the operators, no plan."""
        return cls(
            kind=AlertKind.FEED_STALE,
            state=AlertState.OPEN,
            base_at=base_at,
            due_at=due_at,
            opened_at=now,
            carrier=carrier,
            levels=((Level.SERIOUS, due_at),),
        )

    @classmethod
    def for_channel(
        cls, channel: Medium, *, base_at: datetime, due_at: datetime, now: datetime
    ) -> Alert:
        """A delivery channel has failed for a while: for the operators, no plan."""
        return cls(
            kind=AlertKind.GATEWAY_DOWN,
            state=AlertState.OPEN,
            base_at=base_at,
            due_at=due_at,
            opened_at=now,
            channel=channel,
            levels=((Level.SERIOUS, due_at),),
        )

    # -- what it is ------------------------------------------------------------------

    @property
    def about_person(self) -> bool:
        return self.kind in PERSON_KINDS

    @property
    def is_open(self) -> bool:
        return self.state is not AlertState.RESOLVED

    @property
    def phase(self) -> Phase:
        if self.state is AlertState.VISIT_NEEDED:
            return Phase.VISIT
        if self.state in UNACKNOWLEDGED:
            return Phase.UNACKNOWLEDGED
        return Phase.ACKNOWLEDGED

    @property
    def officer_facing(self) -> bool:
        """In the officers' queue: a case at caution or serious (an attention case only
        texts the person)."""
        return self.level is not Level.ATTENTION

    @property
    def personal(self) -> bool:
        """Raised by the person's own rhythm rather than by a fixed period running out."""
        return self.reason is not None and self.reason.rule is Rule.PERSONAL

    @property
    def may_be_closed_after_visit(self) -> bool:
        """For a case that needs a visit: a visit since, or a sign of life, is on record."""
        if self.resumed_at is not None:
            return True
        return (
            self.visited_at is not None
            and self.visit_needed_at is not None
            and self.visited_at >= self.visit_needed_at
        )

    def violations(self) -> list[str]:
        """What is wrong with this alert as a case (empty when it is sound). No transition
        ever leads to an alert with a violation; a property test holds them to it."""
        found: list[str] = []
        about = (self.subject_id is not None, self.carrier is not None, self.channel is not None)
        if self.about_person and not (about[0] and about[1] and self.centre_id is not None):
            found.append("a person's alert names the person, their centre and carrier")
        if self.kind is AlertKind.FEED_STALE and about != (False, True, False):
            found.append("a feed alert names its carrier only")
        if self.kind is AlertKind.GATEWAY_DOWN and about != (False, False, True):
            found.append("a channel alert names its channel only")
        if not self.about_person and (
            self.policy is not None
            or self.step_due_at is not None
            or self.claimed_by is not None
            or self.visit_needed_at is not None
            or self.state is AlertState.VISIT_NEEDED
        ):
            found.append("an alert about the system has no plan, no visit and nobody to go")
        closed = (self.resolved_at, self.resolved_by, self.outcome)
        if self.is_open and any(v is not None for v in closed):
            found.append("an open alert has no outcome")
        if not self.is_open:
            if any(v is None for v in closed):
                found.append("a resolved alert has its outcome, who and when")
            if self.step_due_at is not None:
                found.append("a resolved alert has no step due")
            if self.outcome in SYSTEM_OUTCOMES and self.resolved_by != SYSTEM_ACTOR:
                found.append("only anbu records a system outcome")
            if self.outcome not in SYSTEM_OUTCOMES and self.resolved_by == SYSTEM_ACTOR:
                found.append("anbu records only system outcomes")
        if self.state in (AlertState.ACKNOWLEDGED, AlertState.VISIT_NEEDED) and (
            self.acknowledged_at is None or self.acknowledged_by is None
        ):
            found.append("someone has taken charge of an acknowledged case")
        if self.is_open and (self.state is AlertState.VISIT_NEEDED) != (
            self.visit_needed_at is not None
        ):
            found.append("a case waiting for a visit says since when, and only it")
        if (self.claimed_by is None) != (self.claimed_at is None):
            found.append("a visit taken says by whom and since when")
        if self.outcome is Outcome.DOOR_OPENED and self.visited_at is None:
            found.append("a door opened is a visit on record")
        if (
            self.visit_needed_at is not None
            and not self.is_open
            and self.outcome not in NOT_CHOSEN_OUTCOMES
            and self.outcome not in VISIT_OUTCOMES
        ):
            found.append("a case that needed a visit closes with the visit's result")
        if self.first_contact_at is not None and self.first_contact_at < self.opened_at:
            found.append("the first contact is not before the alert")
        if self.levels and (
            self.level is not max((lv for lv, _ in self.levels), key=LEVELS.index)
            or [lv for lv, _ in self.levels]
            != sorted((lv for lv, _ in self.levels), key=LEVELS.index)
            or len({lv for lv, _ in self.levels}) != len(self.levels)
        ):
            found.append("a case is at the highest of its levels, each reached once, in order")
        if not self.about_person and self.level is not Level.SERIOUS:
            found.append("an alert about the system is serious")
        return found

    # -- transitions -------------------------------------------------------------------

    def notified(self) -> Alert:
        """The first message to staff got out: an open alert is now notified. In any other
        state nothing changes (a later message says nothing new)."""
        return replace(self, state=AlertState.NOTIFIED) if self.state is AlertState.OPEN else self

    def acknowledge(self, by: str, now: datetime) -> Alert:
        """Someone takes charge: the unanswered-alert steps stop and, for a person, a call or
        a visit is expected within the policy's limit (the contact check)."""
        self._require_open()
        if self.state not in UNACKNOWLEDGED:
            raise AlertConflict(Refusal.ALREADY_ACKNOWLEDGED, id=self.id)
        contact_check = None if self.policy is None else now + self.policy.contact_within
        return replace(
            self,
            state=AlertState.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=by,
            step=0,
            step_due_at=contact_check,
        )

    def claim(self, by: str, now: datetime) -> Alert:
        """`by` takes the visit, so that two officers do not go to the same door. A case
        waiting for a visit stops escalating: somebody is on their way."""
        self._require_person(Refusal.NOBODY_TO_VISIT)
        self._require_open()
        if self.claimed_by is not None:
            refusal = Refusal.ALREADY_YOURS if self.claimed_by == by else Refusal.TAKEN
            raise AlertConflict(refusal, id=self.id)
        claimed = replace(self, claimed_by=by, claimed_at=now)
        if self.state is AlertState.VISIT_NEEDED:
            return replace(claimed, step_due_at=None)
        return claimed

    def release(self, by: str, now: datetime, calendar: OfficeCalendar) -> Alert:
        """`by` gives the visit back. A case waiting for a visit escalates again from where
        it stopped, from the next office opening."""
        self._require_open()
        if self.claimed_by is None or self.claimed_by != by:
            raise AlertConflict(Refusal.NOT_YOURS, id=self.id)
        released = replace(self, claimed_by=None, claimed_at=None)
        if self.state is AlertState.VISIT_NEEDED and self.policy is not None:
            opening = calendar.next_opening(now, self.policy.office_hours)
            return replace(released, step_due_at=opening)
        return released

    def record_contact(self, kind: ContactKind, by: str, at: datetime) -> Alert:
        """A call or a visit is on record (a note changes nothing on the alert). It is
        someone taking charge: it acknowledges a case nobody had, and it is the contact an
        acknowledged case was waiting for; a visit is what a case waiting for one needs.
        The first call or visit since the alert opened is its first contact."""
        if kind is ContactKind.NOTE:
            return self
        self._require_person(Refusal.NOBODY_TO_VISIT)
        changed = self
        if self.opened_at <= at and (self.first_contact_at is None or at < self.first_contact_at):
            changed = replace(changed, first_contact_at=at)
        if kind is ContactKind.VISIT and (self.visited_at is None or at > self.visited_at):
            changed = replace(changed, visited_at=at)
        if not self.is_open:
            return changed
        if self.state in UNACKNOWLEDGED:
            return replace(
                changed,
                state=AlertState.ACKNOWLEDGED,
                acknowledged_at=at,
                acknowledged_by=by,
                step=0,
                step_due_at=None,
            )
        if self.state is AlertState.ACKNOWLEDGED or kind is ContactKind.VISIT:
            return replace(changed, step_due_at=None)
        return changed

    def need_visit(self, by: str, now: datetime, calendar: OfficeCalendar) -> Alert:
        """Nobody could reach the person: somebody must go to the door. The case stays open,
        taken charge of by `by` if nobody had; unless someone already holds the visit, it
        escalates as an unanswered case does — from the next office opening, so that a
        case the duty desk marks at night is handed to the centre's officers in the
        morning."""
        self._require_person(Refusal.NOBODY_TO_VISIT)
        self._require_open()
        if self.state is AlertState.VISIT_NEEDED:
            raise AlertConflict(Refusal.ALREADY_VISIT_NEEDED, id=self.id)
        due = None
        if self.policy is not None and self.claimed_by is None:
            due = calendar.next_opening(now, self.policy.office_hours)
        return replace(
            self,
            state=AlertState.VISIT_NEEDED,
            visit_needed_at=now,
            acknowledged_at=self.acknowledged_at or now,
            acknowledged_by=self.acknowledged_by or by,
            step=0,
            step_due_at=due,
        )

    def take_step(self, now: datetime, calendar: OfficeCalendar) -> tuple[Alert, TakenStep | None]:
        """Take the step due at `now` in the plan of the alert's phase: the alert moved on
        (its next step scheduled) and what the step is, or the alert unchanged and None
        when no step is due. When the plan is done, nothing more is scheduled."""
        self._require_open()
        if self.policy is None:
            raise AlertInvalid(Refusal.NO_PLAN, id=self.id)
        if self.step_due_at is None or self.step_due_at > now:
            return self, None
        plan = self._plan(self.policy)
        if self.step >= len(plan):
            return replace(self, step_due_at=None), None
        planned: PlannedStep = plan[self.step]
        phase = self.phase
        staff_step = planned.kind is not StepKind.SELF_CHECK
        if phase is Phase.UNACKNOWLEDGED and staff_step:
            if self.level is Level.ATTENTION:
                # Attention texts the person only: staff hear if the case rises.
                return replace(self, step_due_at=None), None
            office = calendar.is_office_hours(now, self.policy.office_hours)
            if self.level is Level.CAUTION and not office:
                # Caution is for the centre's working day: nobody is woken for it.
                opening = calendar.next_opening(now, self.policy.office_hours)
                return replace(self, step_due_at=opening), None
        first_staff = (
            phase is Phase.UNACKNOWLEDGED
            and planned.kind is not StepKind.SELF_CHECK
            and self.staff_told_at is None
        )
        audiences = step_audiences(
            planned,
            self.policy,
            office_hours=calendar.is_office_hours(now, self.policy.office_hours),
            first_staff_step=first_staff,
        )
        unanswered = None
        if phase is Phase.UNACKNOWLEDGED and planned.kind is StepKind.NOTIFY:
            unanswered = None if self.staff_told_at is None else now - self.staff_told_at
        taken = TakenStep(StepRef(phase, self.step), planned.kind, audiences, unanswered)
        moved = replace(
            self,
            step=self.step + 1,
            step_due_at=None if planned.last else now + planned.wait,
            staff_told_at=now if first_staff else self.staff_told_at,
        )
        return moved, taken

    def raise_level(
        self,
        reached: Sequence[tuple[Level, datetime]],
        now: datetime,
        calendar: OfficeCalendar,
        reason: Reason | None = None,
    ) -> Alert:
        """The silence went on: the case rises to the highest of `reached` (each with the
        instant it fell due). Before anyone has taken charge, staff are told now — skipping
        any self-check still to come — and at night a step held for the morning at caution
        is taken at once when the case turns serious. A level already reached changes
        nothing."""
        self._require_open()
        new = [
            (level, at) for level, at in reached if LEVELS.index(level) > LEVELS.index(self.level)
        ]
        if not new:
            return self
        level = max((lv for lv, _ in new), key=LEVELS.index)
        raised = replace(
            self,
            level=level,
            levels=(*self.levels, *new),
            reason=reason or self.reason,
        )
        if self.state not in UNACKNOWLEDGED or self.policy is None:
            return raised
        first = first_staff_step_index(unacknowledged_plan(self.policy))
        if first is not None and self.step <= first:
            return replace(raised, step=first, step_due_at=now)
        held = self.step_due_at is not None and self.step_due_at > now
        night = not calendar.is_office_hours(now, self.policy.office_hours)
        if level is Level.SERIOUS and held and night:
            return replace(raised, step_due_at=now)
        return raised

    def delivery_failed(self, step: StepRef, now: datetime, *, others_reached: bool) -> Alert:
        """A message of `step` failed for good. If it was the step just taken, before anyone
        took charge or the visit, and nobody else of it can be reached, the next step is due
        now: a failed delivery escalates like silence."""
        just_taken = step.phase is self.phase and step.index == self.step - 1
        waiting = self.state in UNACKNOWLEDGED or (
            self.state is AlertState.VISIT_NEEDED and self.claimed_by is None
        )
        if not (self.is_open and just_taken and waiting) or others_reached:
            return self
        if self.step_due_at is None or self.step_due_at <= now:
            return self
        return replace(self, step_due_at=now)

    def resumed(self, at: datetime) -> Alert:
        """The person showed life at `at`, after the episode began: the case shows it (the
        earliest such instant), and it may now be closed without a visit."""
        if not self.is_open or at <= self.base_at:
            return self
        if self.resumed_at is not None and self.resumed_at <= at:
            return self
        return replace(self, resumed_at=at)

    def follow_up(self, now: datetime) -> Alert:
        """Those told hear that the person showed life again, and the reminders stop. A case
        nobody was told of yet (the self-check stage) closes itself: the person answered."""
        self._require_open()
        if self.resumed_at is None or self.followed_up_at is not None:
            raise AlertConflict(Refusal.NOT_RESUMED, id=self.id)
        followed = replace(self, followed_up_at=now, step_due_at=None)
        if self.staff_told_at is None and self.state in UNACKNOWLEDGED:
            return followed.close(Outcome.CHECKED_IN, now)
        return followed

    def close(self, outcome: Outcome, now: datetime) -> Alert:
        """Closed by anbu itself, with one of the outcomes only it records."""
        self._require_open()
        if outcome not in SYSTEM_OUTCOMES:
            raise AlertInvalid(Refusal.NOT_A_SYSTEM_OUTCOME, outcome=outcome.value)
        return self._resolved(outcome, SYSTEM_ACTOR, now, None)

    def withdraw(self, by: str, now: datetime) -> Alert:
        """The person withdrew their consent: their case closes with their data, recorded by
        whoever entered the withdrawal."""
        self._require_open()
        self._require_person(Refusal.CLOSES_ITSELF)
        return self._resolved(Outcome.CONSENT_WITHDRAWN, by, now, None)

    def supersede(self, now: datetime) -> Alert:
        """The person showed life, then a new episode began: its alert replaces this case."""
        return self.close(Outcome.SUPERSEDED, now)

    def resolve(self, outcome: Outcome, by: str, now: datetime, note: str = "") -> Alert:
        """A member of staff closes the case with its outcome. A case that needed a visit
        takes a visit's result, once the visit (or a sign of life) is on record; so does a
        door opened with the police or fire services."""
        self._require_open()
        self._require_person(Refusal.CLOSES_ITSELF)
        if outcome not in OFFICER_OUTCOMES:
            raise AlertInvalid(
                Refusal.NOT_AN_OFFICER_OUTCOME,
                outcome=outcome.value,
                allowed=", ".join(o.value for o in OFFICER_OUTCOMES),
            )
        if self.state is AlertState.VISIT_NEEDED:
            if outcome not in VISIT_OUTCOMES:
                allowed = ", ".join(o.value for o in VISIT_OUTCOMES)
                raise AlertConflict(Refusal.VISIT_OUTCOME_NEEDED, id=self.id, allowed=allowed)
            if not self.may_be_closed_after_visit:
                raise AlertConflict(Refusal.VISIT_FIRST, id=self.id)
        if outcome is Outcome.DOOR_OPENED and self.visited_at is None:
            raise AlertConflict(Refusal.VISIT_FIRST, id=self.id)
        return self._resolved(outcome, by, now, note or None)

    # -- inside ------------------------------------------------------------------------

    def audience_of(self, step: StepRef, *, office_hours: bool) -> Audience | None:
        """Whom a step of this alert's escalation was for, routed as it was when taken
        (`office_hours` then): the tier a message of that step shows the case has reached.
        None for the follow-up, a step beyond its plan, or an alert with no plan."""
        if self.policy is None or step.phase is None:
            return None
        plan = _plan_of(self.policy, step.phase)
        if step.index >= len(plan):
            return None
        return route(plan[step.index].audience, office_hours=office_hours)

    def _plan(self, policy: EscalationPolicy) -> tuple[PlannedStep, ...]:
        return _plan_of(policy, self.phase)

    def _resolved(self, outcome: Outcome, by: str, now: datetime, note: str | None) -> Alert:
        return replace(
            self,
            state=AlertState.RESOLVED,
            outcome=outcome,
            resolved_by=by,
            resolved_at=now,
            resolution_note=note,
            step_due_at=None,
        )

    def _require_open(self) -> None:
        if not self.is_open:
            raise AlertConflict(Refusal.CLOSED, id=self.id)

    def _require_person(self, refusal: Refusal) -> None:
        if not self.about_person:
            raise AlertConflict(refusal, id=self.id)


# -- saving a transition -----------------------------------------------------------------

_FIELDS = tuple(f.name for f in fields(Alert))
# What every conditional save checks, besides the fields it changes: the alert is still in
# the state and at the step it was read in, and whoever held the visit still holds it (what
# a case waiting for a visit does next depends on it).
_ALWAYS_GUARDED = ("id", "state", "step", "claimed_by")


def changes(before: Alert, after: Alert) -> dict[str, Any]:
    """The fields a transition changed, with their new values."""
    if before.id != after.id:
        raise ValueError("a transition never changes which alert it is")
    return {
        name: getattr(after, name)
        for name in _FIELDS
        if getattr(after, name) != getattr(before, name)
    }


def guard(before: Alert, changed: Mapping[str, Any]) -> dict[str, Any]:
    """What the stored alert must still hold for the change from `before` to be saved: its
    id, state, step and visit holder, and the old value of every field changed. Any other
    writer that got there first moved one of them, and the save is refused rather than
    undoing its work; changes to other fields commute and are kept."""
    names = dict.fromkeys((*_ALWAYS_GUARDED, *changed))
    return {name: getattr(before, name) for name in names}


def holds(alert: Alert, condition: Mapping[str, Any]) -> bool:
    """Whether `alert` is as `condition` (from `guard`) expects."""
    return all(getattr(alert, name) == value for name, value in condition.items())


def _plan_of(policy: EscalationPolicy, phase: Phase) -> tuple[PlannedStep, ...]:
    if phase is Phase.VISIT:
        return visit_plan(policy)
    if phase is Phase.UNACKNOWLEDGED:
        return unacknowledged_plan(policy)
    return acknowledged_plan(policy)
