"""The simulated district as a whole: who lives there, their habits, what their phones
did (the ground truth), the planted incidents, and the staff who are told. Built once,
from one seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from anbu.domain.subjects import GroupPeriods
from anbu.entrypoints.demo.incidents import Plan, falls_silent, make_plan, switched_off
from anbu.entrypoints.demo.rhythms import Habits, Trace, habits_for, traces_between
from anbu.entrypoints.demo.roster import Person, make_roster
from anbu.entrypoints.demo.staff import Member, make_staff
from anbu.entrypoints.demo.timeline import Timeline


@dataclass(frozen=True, slots=True)
class World:
    timeline: Timeline
    people: dict[str, Person]  # by external_id, in roster order
    habits: dict[str, Habits]
    traces: dict[str, list[Trace]]
    plan: Plan
    staff: list[Member]

    @property
    def trace_count(self) -> int:
        return sum(len(t) for t in self.traces.values())


def build_world(
    rng: random.Random,
    count: int,
    timeline: Timeline,
    *,
    periods: GroupPeriods,
    max_feed_delay: timedelta,
) -> World:
    """Raises PlanError (from `make_plan`) when the span cannot hold the incidents."""
    roster = make_roster(rng, count, start=timeline.start)
    today = timeline.start.date()
    habits = {p.external_id: habits_for(rng, p, today) for p in roster}
    plan = make_plan(rng, roster, habits, timeline, periods=periods, max_feed_delay=max_feed_delay)
    traces = {
        p.external_id: traces_between(rng, habits[p.external_id], p.consent_at, timeline.end)
        for p in roster
    }
    silent, switched = plan.silence.person.external_id, plan.switch_off.person.external_id
    traces[silent] = falls_silent(traces[silent], plan.silence.at)
    traces[switched] = switched_off(traces[switched], plan.switch_off.at)
    # Drawn last, so that the residents and their lives are what they were before staff.
    staff = make_staff(rng, (p.dong for p in roster), (p.phone for p in roster))
    return World(
        timeline=timeline,
        people={p.external_id: p for p in roster},
        habits=habits,
        traces=traces,
        plan=plan,
        staff=staff,
    )
