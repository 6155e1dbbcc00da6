"""The planted incidents: what the demo makes happen on purpose, to whom and when, so
that it can check at the end that the product caught each of them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from anbu.domain.kinds import ActivityKind, Carrier
from anbu.domain.subjects import GroupPeriods, group_for
from anbu.entrypoints.demo.rhythms import Habits, Trace
from anbu.entrypoints.demo.roster import Person
from anbu.entrypoints.demo.timeline import Timeline

STALLED_CARRIER = Carrier.KT
# Planted people live on the carriers that keep flowing, so that the stall and the
# people's own silences tell separate stories.
_SILENT_CARRIER = Carrier.SKT
_SWITCHED_OFF_CARRIER = Carrier.LGU
_EARLIEST = timedelta(hours=3)
# Enough room after an alert falls due for the next sweep to find it.
_MARGIN = timedelta(hours=2)


class PlanError(ValueError):
    """The simulated span is too short for the planted incidents to show."""


@dataclass(frozen=True, slots=True)
class Silence:
    """From `at` on, this person gives no sign of life; missed calls and texts still arrive."""

    person: Person
    at: datetime
    period: timedelta


@dataclass(frozen=True, slots=True)
class SwitchOff:
    """At `at`, this person's phone leaves the network for good."""

    person: Person
    at: datetime
    period: timedelta


@dataclass(frozen=True, slots=True)
class Stall:
    """Between the two instants the carrier sends neither events nor watermarks; at
    `ends_at` it sends the backlog and its watermark at once."""

    carrier: Carrier
    starts_at: datetime
    ends_at: datetime

    def holds(self, at: datetime) -> bool:
        return self.starts_at < at < self.ends_at


@dataclass(frozen=True, slots=True)
class Plan:
    silence: Silence
    switch_off: SwitchOff
    stall: Stall


def make_plan(
    rng: random.Random,
    people: list[Person],
    habits: dict[str, Habits],
    timeline: Timeline,
    *,
    periods: GroupPeriods,
    max_feed_delay: timedelta,
) -> Plan:
    """Raises PlanError when the span is too short for every incident to come due.

    Groups are judged on the UTC date of `timeline.start`, as enrolment does with its `now`.
    """
    today = timeline.start.date()
    silent = _pick(rng, people, habits, _SILENT_CARRIER, exclude=None)
    switched = _pick(rng, people, habits, _SWITCHED_OFF_CARRIER, exclude=silent)
    silent_period = periods.inactivity[group_for(silent.birth_date, today)]
    off_period = periods.phone_off[group_for(switched.birth_date, today)]
    plan = Plan(
        silence=Silence(silent, _moment(rng, timeline, 0.75, silent_period), silent_period),
        switch_off=SwitchOff(switched, _moment(rng, timeline, 0.45, off_period), off_period),
        stall=_stall(timeline, max_feed_delay),
    )
    _check_fits(plan, timeline)
    return plan


def _pick(
    rng: random.Random,
    people: list[Person],
    habits: dict[str, Habits],
    carrier: Carrier,
    *,
    exclude: Person | None,
) -> Person:
    """Someone lively on the group's default period, so that nothing but the planted
    incident could raise their alert."""
    lively = [
        p
        for p in people
        if p.carrier is carrier
        and p.inactivity_hours is None
        and p != exclude
        and not habits[p.external_id].quiet
        and not habits[p.external_id].off_at_night
        and habits[p.external_id].calls_out >= 2.0
    ]
    if not lively:
        raise PlanError(f"nobody on {carrier.value} fits a planted incident; enrol more people")
    return rng.choice(lively)


def _moment(
    rng: random.Random, timeline: Timeline, due_fraction: float, period: timedelta
) -> datetime:
    """An instant whose alert falls due about `due_fraction` of the way through."""
    span = timeline.end - timeline.start
    at = timeline.start + max(_EARLIEST, span * due_fraction - period)
    return at.replace(second=0, microsecond=0) + timedelta(minutes=rng.randrange(60))


def _stall(timeline: Timeline, max_delay: timedelta) -> Stall:
    # Long enough to pass the allowed delay, with a few hours of stale feed to see.
    hours = -(-max_delay // timeline.step) + 3
    starts_at = timeline.after(0.4)
    return Stall(STALLED_CARRIER, starts_at, starts_at + hours * timeline.step)


def _check_fits(plan: Plan, timeline: Timeline) -> None:
    latest = timeline.end - _MARGIN
    if plan.silence.at + plan.silence.period > latest:
        raise PlanError("too few days for a silence to come due")
    if plan.switch_off.at + plan.switch_off.period > latest:
        raise PlanError("too few days for a switched-off phone to come due")
    if plan.stall.ends_at > latest:
        raise PlanError("too few days for the feed stall to end")


def falls_silent(traces: list[Trace], at: datetime) -> list[Trace]:
    """Keep what came before; afterwards only missed calls and arriving texts, which are
    no sign of life."""
    return [
        t
        for t in traces
        if t.occurred_at < at
        or (t.kind is ActivityKind.CALL_IN and t.duration_s == 0)
        or t.kind is ActivityKind.SMS_IN
    ]


def switched_off(traces: list[Trace], at: datetime) -> list[Trace]:
    return [t for t in traces if t.occurred_at < at] + [Trace(at, ActivityKind.POWER_OFF)]
