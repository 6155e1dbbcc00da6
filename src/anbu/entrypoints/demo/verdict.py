"""The end of the demo: was each planted incident caught, is every other alert borne out
by what really happened on the phone (the ground truth the demo generated), and did
every alert's messages go out?"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from anbu.adapters.channels import Medium
from anbu.adapters.storage.repository import AlertRow
from anbu.domain.activity import LifeRules
from anbu.domain.kinds import ActivityKind, AlertKind, NotificationState, Outcome
from anbu.entrypoints.demo.incidents import Stall
from anbu.entrypoints.demo.notifying import Notice
from anbu.entrypoints.demo.rhythms import Trace
from anbu.entrypoints.demo.roster import Person
from anbu.entrypoints.demo.world import World


class Cause(StrEnum):
    PLANTED_SILENCE = "planted: falls silent"
    PLANTED_SWITCH_OFF = "planted: phone switched off"
    NATURAL_QUIET = "natural: quiet person"
    NATURAL_GAP = "natural: rare long gap"
    # An alert the truth does not bear out: the product would have cried wolf.
    UNEXPLAINED = "unexplained"


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
class Verdict:
    flagged: list[Flagged]
    silence: Flagged | None
    switch_off: Flagged | None
    stall: StallCheck
    delivery: DeliveryCheck

    @property
    def unexplained(self) -> list[Flagged]:
        return [f for f in self.flagged if f.cause is Cause.UNEXPLAINED]

    @property
    def natural(self) -> list[Flagged]:
        return [f for f in self.flagged if f.cause in (Cause.NATURAL_QUIET, Cause.NATURAL_GAP)]

    @property
    def ok(self) -> bool:
        caught = self.silence is not None and self.switch_off is not None
        return caught and self.stall.ok and not self.unexplained and self.delivery.ok


def judge(
    rows: list[AlertRow],
    world: World,
    rules: LifeRules,
    notices: list[Notice],
    operators: frozenset[int],
) -> Verdict:
    """`notices` are every notification queued; `operators` the operators' staff ids."""
    flagged = [
        Flagged(row, world.people[row.subject_external_id], _cause(row, world, rules))
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
    return Verdict(flagged, silence, switch_off, stall, _delivery(rows, notices, operators))


def _delivery(
    rows: list[AlertRow], notices: list[Notice], operators: frozenset[int]
) -> DeliveryCheck:
    told = {n.alert_id for n in notices}
    operator_told = {
        n.alert_id for n in notices if n.officer_id in operators and n.state in _WENT_OUT
    }
    return DeliveryCheck(
        notices,
        untold=[r for r in rows if r.id not in told],
        operator_untold=[
            r for r in rows if r.kind is AlertKind.FEED_STALE and r.id not in operator_told
        ],
    )


def _cause(row: AlertRow, world: World, rules: LifeRules) -> Cause:
    assert row.subject_external_id is not None  # subject alerts only
    external_id = row.subject_external_id
    person = world.people[external_id]
    if not borne_out(row, person, world.traces[external_id], rules):
        return Cause.UNEXPLAINED
    plan = world.plan
    if person == plan.silence.person and row.base_at < plan.silence.at < row.due_at:
        return Cause.PLANTED_SILENCE
    if person == plan.switch_off.person and row.due_at > plan.switch_off.at:
        return Cause.PLANTED_SWITCH_OFF
    return Cause.NATURAL_QUIET if world.habits[external_id].quiet else Cause.NATURAL_GAP


def borne_out(row: AlertRow, person: Person, traces: list[Trace], rules: LifeRules) -> bool:
    """True when the phone really was silent (or off) from the alert's base to its due
    instant, and the base is what really happened (a last sign of life, the moment the
    phone went off, or consent)."""
    if row.kind is AlertKind.PHONE_OFF:
        starts = any(
            t.kind is ActivityKind.POWER_OFF and t.occurred_at == row.base_at for t in traces
        )
        ends = rules.shows_phone_on
    else:
        starts = row.base_at == person.consent_at or any(
            t.occurred_at == row.base_at and rules.is_sign_of_life(t.kind, t.duration_s)
            for t in traces
        )
        ends = rules.is_sign_of_life
    interrupted = any(
        row.base_at < t.occurred_at <= row.due_at and ends(t.kind, t.duration_s) for t in traces
    )
    return starts and not interrupted
