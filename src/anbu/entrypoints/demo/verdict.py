"""The end of the demo: was each planted incident caught, is every other alert borne out
by what really happened on the phone (the ground truth the demo generated), did every
alert's messages go out, did staff take charge of every alert, and did the one left
unanswered go to the next tier when its time ran out?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from anbu.adapters.channels import Medium
from anbu.adapters.storage.repository import AlertRow
from anbu.domain.activity import LifeRules
from anbu.domain.kinds import AlertKind, AlertState, NotificationState, Outcome, Role
from anbu.entrypoints.demo.casework import FIRST_TIER_WAIT, FOLLOW_UP, POLICY
from anbu.entrypoints.demo.causes import NATURAL, Cause, cause_of
from anbu.entrypoints.demo.incidents import Stall
from anbu.entrypoints.demo.notifying import Notice
from anbu.entrypoints.demo.roster import Person
from anbu.entrypoints.demo.staff import Member
from anbu.entrypoints.demo.world import World


@dataclass(frozen=True, slots=True)
class Flagged:
    alert: AlertRow
    person: Person
    cause: Cause


@dataclass(frozen=True, slots=True)
class StallCheck:
    stall: Stall
    feed_alerts: list[AlertRow]  # every feed alert, whichever the carrier
    during: list[AlertRow]  # alerts on the stalled carrier's people opened during the stall

    @property
    def ok(self) -> bool:
        if len(self.feed_alerts) != 1 or self.during:
            return False
        alert = self.feed_alerts[0]
        return (
            alert.carrier == self.stall.carrier.value
            and self.stall.starts_at < alert.opened_at < self.stall.ends_at
            and alert.outcome is Outcome.FEED_RECOVERED
        )


_WENT_OUT = frozenset({NotificationState.SENT, NotificationState.DELIVERED})


@dataclass(frozen=True, slots=True)
class DeliveryCheck:
    notices: list[Notice]
    untold: list[AlertRow]  # alerts without a single message queued
    operator_untold: list[AlertRow]  # feed alerts no operator was sent a message about

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

    rows: list[AlertRow]
    end: datetime  # of the simulated time

    @property
    def closed(self) -> list[AlertRow]:
        return [r for r in self.rows if r.state is AlertState.RESOLVED]

    @property
    def in_contact(self) -> list[AlertRow]:
        """Taken charge of, the contact not yet recorded but still within its limit."""
        return [r for r in self._acknowledged if self.end < _contact_due(r)]

    @property
    def contact_overdue(self) -> list[AlertRow]:
        return [r for r in self._acknowledged if _contact_due(r) <= self.end]

    @property
    def waiting(self) -> list[AlertRow]:
        """Not yet taken charge of, but opened within the first tier's time before the end."""
        return [r for r in self._unanswered if self.end < r.opened_at + FIRST_TIER_WAIT]

    @property
    def unanswered(self) -> list[AlertRow]:
        """Nobody took charge, though the first tier's time ran out before the end."""
        return [r for r in self._unanswered if r.opened_at + FIRST_TIER_WAIT <= self.end]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not (self.unanswered or self.contact_overdue)

    @property
    def _acknowledged(self) -> list[AlertRow]:
        return [r for r in self.rows if r.state is AlertState.ACKNOWLEDGED]

    @property
    def _unanswered(self) -> list[AlertRow]:
        return [r for r in self.rows if r.state in (AlertState.OPEN, AlertState.NOTIFIED)]


def _contact_due(row: AlertRow) -> datetime:
    assert row.acknowledged_at is not None  # acknowledged
    return row.acknowledged_at + POLICY.contact_within


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

    alert: AlertRow | None
    steps: list[Step]  # its staff steps, in order
    others: list[AlertRow]  # other alerts with a later step than their first

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
            and alert.acknowledged_by in {m.login for m in after.told}
            and alert.acknowledged_at is not None
            and alert.acknowledged_at > after.at
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
    def ok(self) -> bool:
        caught = self.silence is not None and self.switch_off is not None
        handled = self.handling.ok and self.escalation.ok
        return caught and self.stall.ok and not self.unexplained and self.delivery.ok and handled


def judge(
    rows: list[AlertRow],
    world: World,
    rules: LifeRules,
    notices: list[Notice],
    staff: Mapping[int, Member],
    missed: int | None,
) -> Verdict:
    """`notices` are every notification queued, `staff` the staff by id, `missed` the
    alert the demo left unanswered by its first tier."""
    flagged = [
        Flagged(row, world.people[row.subject_external_id], cause_of(row, world, rules))
        for row in rows
        if row.subject_external_id is not None
    ]
    plan = world.plan
    silence = next(
        (
            f
            for f in flagged
            if f.cause is Cause.PLANTED_SILENCE and f.alert.kind is AlertKind.NO_ACTIVITY
        ),
        None,
    )
    switch_off = next(
        (
            f
            for f in flagged
            if f.cause is Cause.PLANTED_SWITCH_OFF
            and f.alert.kind is AlertKind.PHONE_OFF
            and f.alert.base_at == plan.switch_off.at
        ),
        None,
    )
    stall = StallCheck(
        stall=plan.stall,
        feed_alerts=[r for r in rows if r.kind is AlertKind.FEED_STALE],
        during=[
            r
            for r in rows
            if r.subject_external_id is not None
            and r.carrier == plan.stall.carrier.value
            and plan.stall.starts_at < r.opened_at < plan.stall.ends_at
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
    rows: list[AlertRow], notices: list[Notice], staff: Mapping[int, Member], missed: int | None
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
    rows: list[AlertRow], notices: list[Notice], operators: frozenset[int]
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
            r for r in rows if r.kind is AlertKind.FEED_STALE and r.id not in operator_told
        ],
    )
