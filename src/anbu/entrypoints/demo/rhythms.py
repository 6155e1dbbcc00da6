"""Daily rhythms: what each resident's phone does, hour by hour, in Seoul time.

People are awake mostly 07–22; the old call less and rarely text; some switch the phone
off at night; a few are naturally quiet and may go two days without a call, which is
exactly the kind of case an officer has to settle in real life.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from anbu.domain.kinds import ActivityKind
from anbu.domain.subjects import age_on
from anbu.entrypoints.clock import SEOUL
from anbu.entrypoints.demo.roster import Person

# Relative activity per hour of the Seoul day, 00 to 23.
_HOURLY = (
    0.3, 0.15, 0.1, 0.1, 0.1, 0.3, 0.8, 2.0, 3.0, 4.0, 4.5, 4.5,
    4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.0, 3.5, 2.5, 1.0,
)  # fmt: skip
_HOURS_CUMULATIVE = tuple(itertools.accumulate(_HOURLY))
_QUIET_SHARE = 0.004
_NIGHT_OFF_SHARE = 0.04
# Share of each age band carrying a smartphone (SPEC §7: about 38% of people over 70).
_SMARTPHONE = ((75, 0.38), (60, 0.75), (0, 0.95))


@dataclass(frozen=True, slots=True)
class Trace:
    """One thing that happened on a person's phone: the ground truth the carriers report."""

    occurred_at: datetime
    kind: ActivityKind
    duration_s: int | None = None


@dataclass(frozen=True, slots=True)
class Habits:
    """Average counts per day, and two traits. Data sessions are reported sparsely (a few
    a day, not every background sync), which keeps the demo's ingest light."""

    calls_out: float
    calls_answered: float
    calls_missed: float
    texts_out: float
    texts_in: float
    data: float
    off_at_night: bool = False
    quiet: bool = False


def habits_for(rng: random.Random, person: Person, today: date) -> Habits:
    own = person.inactivity_hours
    if (own is None or own >= 48) and rng.random() < _QUIET_SHARE:
        return _quiet(rng)
    age = age_on(person.birth_date, today)
    smartphone = rng.random() < next(share for low, share in _SMARTPHONE if age >= low)
    habits = Habits(
        calls_out=rng.uniform(1.2, 3.0) if age >= 75 else rng.uniform(1.5, 4.5),
        calls_answered=rng.uniform(0.8, 2.5),
        calls_missed=rng.uniform(0.2, 1.2),
        texts_out=rng.uniform(0.0, 0.4) if age >= 75 else rng.uniform(0.3, 3.5),
        texts_in=rng.uniform(0.5, 3.5),
        data=rng.uniform(1.0, 3.0) if smartphone else 0.0,
        off_at_night=rng.random() < _NIGHT_OFF_SHARE,
    )
    if own is not None and own < 48:
        # Whoever was given a short period by the district is someone who calls daily.
        habits = replace(habits, calls_out=habits.calls_out + 3.0)
    return habits


def _quiet(rng: random.Random) -> Habits:
    return Habits(
        calls_out=rng.uniform(0.15, 0.35),
        calls_answered=rng.uniform(0.05, 0.2),
        calls_missed=rng.uniform(0.2, 0.6),
        texts_out=0.0,
        texts_in=rng.uniform(0.3, 1.0),
        data=0.0,
        quiet=True,
    )


def traces_between(
    rng: random.Random, habits: Habits, since: datetime, until: datetime
) -> list[Trace]:
    """Everything the phone does in [since, until), in time order."""
    first = since.astimezone(SEOUL).date()
    last = until.astimezone(SEOUL).date()
    found: list[Trace] = []
    for offset in range((last - first).days + 1):
        midnight = datetime.combine(first + timedelta(days=offset), time(), tzinfo=SEOUL)
        found.extend(t for t in _one_day(rng, habits, midnight) if since <= t.occurred_at < until)
    found.sort(key=lambda t: t.occurred_at)
    return list(_while_on(found)) if habits.off_at_night else found


def _one_day(rng: random.Random, habits: Habits, midnight: datetime) -> Iterator[Trace]:
    for kind, rate in (
        (ActivityKind.CALL_OUT, habits.calls_out),
        (ActivityKind.CALL_IN, habits.calls_answered),
        (ActivityKind.SMS_OUT, habits.texts_out),
        (ActivityKind.SMS_IN, habits.texts_in),
        (ActivityKind.DATA, habits.data),
    ):
        for at in _moments(rng, midnight, _poisson(rng, rate)):
            yield Trace(at, kind, _duration(rng, kind))
    for at in _moments(rng, midnight, _poisson(rng, habits.calls_missed)):
        yield Trace(at, ActivityKind.CALL_IN, 0)
    if habits.off_at_night:
        yield Trace(midnight + timedelta(minutes=rng.randint(330, 450)), ActivityKind.POWER_ON)
        yield Trace(midnight + timedelta(minutes=rng.randint(1350, 1435)), ActivityKind.POWER_OFF)


def _moments(rng: random.Random, midnight: datetime, count: int) -> list[datetime]:
    hours = rng.choices(range(24), cum_weights=_HOURS_CUMULATIVE, k=count)
    return [midnight + timedelta(seconds=hour * 3600 + rng.randrange(3600)) for hour in hours]


def _poisson(rng: random.Random, rate: float) -> int:
    """Knuth's method: fine for the small daily rates used here."""
    limit, count, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _duration(rng: random.Random, kind: ActivityKind) -> int | None:
    if kind in (ActivityKind.CALL_OUT, ActivityKind.CALL_IN):
        return max(3, min(3600, int(rng.lognormvariate(4.2, 1.0))))
    return None


def _while_on(traces: list[Trace]) -> Iterator[Trace]:
    """Drop what falls between a night's power_off and the morning's power_on."""
    powers = [t.kind for t in traces if t.kind in (ActivityKind.POWER_ON, ActivityKind.POWER_OFF)]
    off = bool(powers) and powers[0] is ActivityKind.POWER_ON
    for trace in traces:
        if trace.kind is ActivityKind.POWER_ON:
            off = False
        elif trace.kind is ActivityKind.POWER_OFF:
            off = True
        elif off:
            continue
        yield trace
