"""Why an alert opened, by the ground truth the demo generated: a planted incident, an
ordinary quiet spell, or nothing real (the product would have cried wolf). The verdict
judges by it, and the simulated staff find on the phone what it says."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from anbu.domain.activity import LifeRules
from anbu.domain.kinds import ActivityKind, AlertKind
from anbu.entrypoints.demo.rhythms import Trace
from anbu.entrypoints.demo.roster import Person
from anbu.entrypoints.demo.world import World
from anbu.services.case_views import AlertLine


class Cause(StrEnum):
    PLANTED_SILENCE = "planted: falls silent"
    PLANTED_SWITCH_OFF = "planted: phone switched off"
    NATURAL_QUIET = "natural: quiet person"
    NATURAL_GAP = "natural: rare long gap"
    # An alert the truth does not bear out: the product would have cried wolf.
    UNEXPLAINED = "unexplained"


NATURAL = frozenset({Cause.NATURAL_QUIET, Cause.NATURAL_GAP})


def cause_of(row: AlertLine, world: World, rules: LifeRules) -> Cause:
    """For an alert about a person (`row.external_id` set)."""
    assert row.external_id is not None  # subject alerts only
    external_id = row.external_id
    person = world.people[external_id]
    if not borne_out(row, person, world.traces[external_id], rules):
        return Cause.UNEXPLAINED
    plan = world.plan
    if person == plan.silence.person and row.alert.base_at < plan.silence.at < row.alert.due_at:
        return Cause.PLANTED_SILENCE
    if person == plan.switch_off.person and row.alert.due_at > plan.switch_off.at:
        return Cause.PLANTED_SWITCH_OFF
    return Cause.NATURAL_QUIET if world.habits[external_id].quiet else Cause.NATURAL_GAP


def borne_out(row: AlertLine, person: Person, traces: list[Trace], rules: LifeRules) -> bool:
    """True when the phone really was silent (or off) from the alert's base to its due
    instant, and the base is what really happened (a last sign of life, the moment the
    phone went off, or consent)."""
    if row.alert.kind is AlertKind.PHONE_OFF:
        starts = any(
            t.kind is ActivityKind.POWER_OFF and t.occurred_at == row.alert.base_at for t in traces
        )
    else:
        starts = row.alert.base_at == person.consent_at or any(
            t.occurred_at == row.alert.base_at and rules.is_sign_of_life(t.kind, t.duration_s)
            for t in traces
        )
    return starts and not ended(row, traces, rules, until=row.alert.due_at)


def ended(row: AlertLine, traces: list[Trace], rules: LifeRules, *, until: datetime) -> bool:
    """Whether the episode behind the alert really ended after its base and by `until`:
    a sign of life, or for a phone that was off, a sign that it is on again."""
    ends = rules.shows_phone_on if row.alert.kind is AlertKind.PHONE_OFF else rules.is_sign_of_life
    return any(
        row.alert.base_at < t.occurred_at <= until and ends(t.kind, t.duration_s) for t in traces
    )
