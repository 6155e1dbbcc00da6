"""The end of the demo: was each planted incident caught, is every other alert borne out
by what really happened on the phone (the ground truth the demo generated), did every
alert's messages go out, did staff take charge of every alert, and did the one left
unanswered go to the next tier when its time ran out?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from anbu.adapters.channels import Medium
from anbu.domain.activity import LifeRules
from anbu.domain.alerts import VISIT_OUTCOMES
from anbu.domain.kinds import AlertKind, AlertState, NotificationState, Outcome, Role
from anbu.entrypoints.demo.casework import FIRST_TIER_WAIT, FOLLOW_UP, POLICY
from anbu.entrypoints.demo.causes import NATURAL, Cause, cause_of
from anbu.entrypoints.demo.incidents import Stall
from anbu.entrypoints.demo.notifying import Notice
from anbu.entrypoints.demo.roster import Person
from anbu.entrypoints.demo.staff import Member
from anbu.entrypoints.demo.world import World
from anbu.services.case_views import AlertLine


@dataclass(frozen=True, slots=True)
class Flagged:
    alert: AlertLine
    person: Person
    cause: Cause


@dataclass(frozen=True, slots=True)
class StallCheck:
    stall: Stall
    feed_alerts: list[AlertLine]  # every feed alert, whichever the carrier
    during: list[AlertLine]  # alerts on the stalled carrier's people opened during the stall

    @property
    def ok(self) -> bool:
        if len(self.feed_alerts) != 1 or self.during:
            return False
        alert = self.feed_alerts[0]
        return (
            alert.alert.carrier == self.stall.carrier.value
            and self.stall.starts_at < alert.alert.opened_at < self.stall.ends_at
            and alert.alert.outcome is Outcome.FEED_RECOVERED
        )


_WENT_OUT = frozenset({NotificationState.SENT, NotificationState.DELIVERED})


@dataclass(frozen=True, slots=True)
class DeliveryCheck:
    notices: list[Notice]
    untold: list[AlertLine]  # alerts without a single message queued
    operator_untold: list[AlertLine]  # feed alerts no operator was sent a message about

    @property
    def unsent(self) -> list[Notice]:
        return [n for n in self.notices if n.state not in _WENT_OUT]

    def sent(self, medium: Medium) -> int:
        return sum(1 for n in self.notices if n.medium is medium and n.state in _WENT_OUT)

    @property
    def ok(self) -> bool:
        return bool(self.notices) and not (self.untold or self.unsent or self.operator_untold)


@dataclass(frozen=True, slots=True)
class HandlingCheck:
    """Did someone take charge of every alert (or did it close itself), and record a
    contact within the policy's limit?"""

    rows: list[AlertLine]
    end: datetime  # of the simulated time

    @property
    def closed(self) -> list[AlertLine]:
        return [r for r in self.rows if r.alert.state is AlertState.RESOLVED]

    @property
    def in_contact(self) -> list[AlertLine]:
        """Taken charge of, the contact not yet recorded but still within its limit."""
        return [r for r in self._acknowledged if self.end < _contact_due(r)]

    @property
    def contact_overdue(self) -> list[AlertLine]:
        return [r for r in self._acknowledged if _contact_due(r) <= self.end]

    @property
    def waiting(self) -> list[AlertLine]:
        """Not yet taken charge of, but opened within the first tier's time before the end."""
        return [r for r in self._unanswered if self.end < r.alert.opened_at + FIRST_TIER_WAIT]

    @property
    def unanswered(self) -> list[AlertLine]:
        """Nobody took charge, though the first tier's time ran out before the end."""
        return [r for r in self._unanswered if r.alert.opened_at + FIRST_TIER_WAIT <= self.end]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not (self.unanswered or self.contact_overdue)

    @property
    def _acknowledged(self) -> list[AlertLine]:
        return [r for r in self.rows if r.alert.state is AlertState.ACKNOWLEDGED]

    @property
    def _unanswered(self) -> list[AlertLine]:
        return [r for r in self.rows if r.alert.state in (AlertState.OPEN, AlertState.NOTIFIED)]


def _contact_due(row: AlertLine) -> datetime:
    assert row.alert.acknowledged_at is not None  # acknowledged
    return row.alert.acknowledged_at + POLICY.contact_within


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an alert's policy as it went out to staff."""

    name: str
    at: datetime  # its first message
    told: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class EscalationCheck:
    """The alert left unanswered on purpose (None when no alert could show it): its next
    tier told when the first tier's time ran out, and someone of that tier took charge.
    No other alert should have gone past its first step."""

    alert: AlertLine | None
    steps: list[Step]  # its staff steps, in order
    others: list[AlertLine]  # other alerts with a later step than their first

    @property
    def first(self) -> Step | None:
        return self.steps[0] if self.steps else None

    @property
    def next(self) -> Step | None:
        return self.steps[1] if len(self.steps) > 1 else None

    @property
    def ok(self) -> bool:
        if self.others:
            return False
        if self.alert is None:
            return True  # nothing to show; said so, not a fault of the product
        first, after, alert = self.first, self.next, self.alert
        return (
            first is not None
            and after is not None
            and after.at == first.at + FIRST_TIER_WAIT
            and alert.alert.acknowledged_by in {m.login for m in after.told}
            and alert.alert.acknowledged_at is not None
            and alert.alert.acknowledged_at > after.at
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    flagged: list[Flagged]
    silence: Flagged | None
    switch_off: Flagged | None
    stall: StallCheck
    delivery: DeliveryCheck
    handling: HandlingCheck
    escalation: EscalationCheck

    @property
    def unexplained(self) -> list[Flagged]:
        return [f for f in self.flagged if f.cause is Cause.UNEXPLAINED]

    @property
    def natural(self) -> list[Flagged]:
        return [f for f in self.flagged if f.cause in NATURAL]

    @property
    def silence_visited(self) -> bool:
        """The planted emergency ended as it must: nobody could reach the person, the case
        waited for a visit, and it closed with the visit's result — never before."""
        if self.silence is None:
            return False
        alert = self.silence.alert.alert
        return (
            alert.visit_needed_at is not None
            and alert.visited_at is not None
            and alert.visited_at >= alert.visit_needed_at
            and alert.outcome in VISIT_OUTCOMES
        )

    @property
    def ok(self) -> bool:
        caught = self.silence_visited and self.switch_off is not None
        handled = self.handling.ok and self.escalation.ok
        return caught and self.stall.ok and not self.unexplained and self.delivery.ok and handled


def judge(
    rows: list[AlertLine],
    world: World,
    rules: LifeRules,
    notices: list[Notice],
    staff: Mapping[int, Member],
    missed: int | None,
) -> Verdict:
    """`notices` are every notification queued, `staff` the staff by id, `missed` the
    alert the demo left unanswered by its first tier."""
    flagged = [
        Flagged(row, world.people[row.external_id], cause_of(row, world, rules))
        for row in rows
        if row.external_id is not None
    ]
    plan = world.plan
    silence = next(
        (
            f
            for f in flagged
            if f.cause is Cause.PLANTED_SILENCE and f.alert.alert.kind is AlertKind.NO_ACTIVITY
        ),
        None,
    )
    switch_off = next(
        (
            f
            for f in flagged
            if f.cause is Cause.PLANTED_SWITCH_OFF
            and f.alert.alert.kind is AlertKind.PHONE_OFF
            and f.alert.alert.base_at == plan.switch_off.at
        ),
        None,
    )
    stall = StallCheck(
        stall=plan.stall,
        feed_alerts=[r for r in rows if r.alert.kind is AlertKind.FEED_STALE],
        during=[
            r
            for r in rows
            if r.external_id is not None
            and r.alert.carrier == plan.stall.carrier.value
            and plan.stall.starts_at < r.alert.opened_at < plan.stall.ends_at
        ],
    )
    operators = frozenset(i for i, m in staff.items() if m.role is Role.OPERATOR)
    return Verdict(
        flagged,
        silence,
        switch_off,
        stall,
        _delivery(rows, notices, operators),
        HandlingCheck(rows, world.timeline.end),
        _escalation(rows, notices, staff, missed),
    )


def _escalation(
    rows: list[AlertLine], notices: list[Notice], staff: Mapping[int, Member], missed: int | None
) -> EscalationCheck:
    steps = _staff_steps(notices, staff)
    return EscalationCheck(
        alert=next((r for r in rows if r.id == missed), None),
        steps=steps.get(missed, []) if missed is not None else [],
        others=[r for r in rows if r.id != missed and len(steps.get(r.id, [])) > 1],
    )


def _staff_steps(notices: list[Notice], staff: Mapping[int, Member]) -> dict[int, list[Step]]:
    """Each alert's steps that reached staff, in order; the "activity resumed" follow-up
    is no step up."""
    reached: dict[tuple[int, str], tuple[datetime, set[int]]] = {}
    for n in notices:
        if n.officer_id is None or n.sent_at is None or n.step == FOLLOW_UP:
            continue
        at, told = reached.setdefault((n.alert_id, n.step), (n.sent_at, set()))
        reached[(n.alert_id, n.step)] = (min(at, n.sent_at), told | {n.officer_id})
    steps: dict[int, list[Step]] = {}
    in_order = sorted(reached.items(), key=lambda item: (item[1][0], item[0]))
    for (alert_id, name), (at, told) in in_order:
        members = tuple(sorted((staff[i] for i in told if i in staff), key=lambda m: m.login))
        steps.setdefault(alert_id, []).append(Step(name, at, members))
    return steps


def _delivery(
    rows: list[AlertLine], notices: list[Notice], operators: frozenset[int]
) -> DeliveryCheck:
    told = {n.alert_id for n in notices}
    operator_told = {
        n.alert_id
        for n in notices
        if n.officer_id is not None and n.officer_id in operators and n.state in _WENT_OUT
    }
    return DeliveryCheck(
        notices,
        untold=[r for r in rows if r.id not in told],
        operator_untold=[
            r for r in rows if r.alert.kind is AlertKind.FEED_STALE and r.id not in operator_told
        ],
    )
