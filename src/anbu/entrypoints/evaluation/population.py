"""The people of a simulated district, and what their phones do: the ground truth that the
carriers report and that detection is scored against.

Each person has a rhythm of their own — when they wake and sleep (or work nights), how much
they call and text, how much that varies from day to day and between weekdays and weekends,
in bursts rather than evenly — and a life that sometimes takes them away from the phone: an
afternoon at the hospital, a few days with family, a phone lost or left to run flat. Some
switch the phone off every night. A few of them, the planted incidents, stop: from that
instant nothing they do reaches the phone, while the world keeps calling them, their phone
keeps syncing data, and after a day or a few its battery dies.

Every figure here is an assumption about people, stated where it is made; the point of the
evaluation is to run detection on people it was not tuned to, so the draws are wide.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from anbu.domain.kinds import ActivityKind, Carrier
from anbu.entrypoints.clock import SEOUL

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Trace:
    """One thing that happened on a phone."""

    at: datetime
    kind: ActivityKind
    duration_s: int | None = None


@dataclass(frozen=True, slots=True)
class Away:
    """A stretch when the person, alive, does nothing on the phone (left at home, lost, flat,
    in hospital without it): calls to them go unanswered."""

    starts_at: datetime
    ends_at: datetime
    phone_off: bool  # lost or flat: the phone leaves the network


@dataclass(frozen=True, slots=True)
class Persona:
    """How one person lives with their phone."""

    wake: float  # hour of the day they get up (a night worker: in the evening)
    sleep: float  # hour they go to sleep (may be past midnight, as 25.5)
    outgoing: float  # signs of life a day, on average: calls made, texts sent, calls answered
    day_shape: float  # gamma shape of a day's volume: small = days differ a lot
    weekend: float  # how busy a weekend day is against a weekday
    incoming: float  # calls to them a day
    texts_in: float
    data_sessions: float  # background data a day, on a smartphone; 0 on a feature phone
    off_at_night: bool
    kind: str  # quiet, typical, talkative, night worker: for reading the results


@dataclass
class Life:
    """A person's simulated life: their persona, their absences, and whether (and when)
    the planted incident struck."""

    persona: Persona
    away: list[Away] = field(default_factory=list)
    incident_at: datetime | None = None
    battery_dies_at: datetime | None = None


def draw_persona(rng: random.Random, age: int) -> Persona:
    """A person's habits, wide draws around what phone records of people living alone
    look like: most make a few calls a day, some many, some hardly any."""
    roll = rng.random()
    night_worker = age < 65 and rng.random() < 0.06
    if roll < 0.18:
        kind, outgoing = "quiet", rng.uniform(0.25, 1.3)
    elif roll < 0.78:
        kind, outgoing = "typical", rng.uniform(1.5, 6.0)
    elif roll < 0.96:
        kind, outgoing = "talkative", rng.uniform(6.0, 16.0)
    else:
        kind, outgoing = "talkative", rng.uniform(16.0, 35.0)
    if night_worker:
        kind = "night worker"
        wake = rng.uniform(14.0, 18.0)
        sleep = wake + rng.uniform(14.0, 16.0)
    else:
        wake = rng.gauss(6.5 if age >= 60 else 7.3, 0.8)
        sleep = wake + rng.uniform(14.5, 17.0)
    smartphone = rng.random() < (0.45 if age >= 75 else 0.8 if age >= 60 else 0.96)
    return Persona(
        wake=wake,
        sleep=sleep,
        outgoing=outgoing,
        day_shape=rng.uniform(1.5, 8.0),
        weekend=rng.uniform(0.5, 1.4),
        incoming=rng.uniform(0.3, 3.0),
        texts_in=rng.uniform(0.3, 4.0),
        data_sessions=rng.uniform(2.0, 8.0) if smartphone else 0.0,
        off_at_night=rng.random() < 0.1,
        kind=kind,
    )


def draw_absences(rng: random.Random, start: datetime, end: datetime) -> list[Away]:
    """Alive, away from the phone: most often an afternoon out without it; sometimes a night
    or a few days (with family, in hospital); now and then a phone lost or run flat for a
    day or more."""
    found: list[Away] = []
    months = (end - start) / (30 * DAY)
    for _ in range(_poisson(rng, rng.uniform(0.2, 2.0) * months)):
        hours = min(rng.lognormvariate(math.log(5.0), 0.8), 60.0)
        begins = start + (end - start) * rng.random()
        found.append(Away(begins, begins + hours * HOUR, phone_off=False))
    for _ in range(_poisson(rng, 0.25 * months)):  # days with family, a stay in hospital
        begins = start + (end - start) * rng.random()
        found.append(Away(begins, begins + rng.uniform(1.0, 6.0) * DAY, phone_off=False))
    for _ in range(_poisson(rng, 0.12 * months)):  # lost, or flat and not charged
        begins = start + (end - start) * rng.random()
        found.append(Away(begins, begins + rng.uniform(0.5, 4.0) * DAY, phone_off=True))
    return sorted(found, key=lambda a: a.starts_at)


def traces(rng: random.Random, life: Life, start: datetime, end: datetime) -> list[Trace]:
    """Everything the phone did in [start, end), in order of time."""
    persona = life.persona
    found: list[Trace] = []
    day = start.astimezone(SEOUL).date() - timedelta(days=1)
    while datetime.combine(day, time(), SEOUL) < end:
        found.extend(_one_day(rng, persona, day))
        day += timedelta(days=1)
    found = [t for t in found if start <= t.at < end]
    found.sort(key=lambda t: t.at)
    lived = list(_as_lived(rng, life, found, end))
    lived.sort(key=lambda t: t.at)
    return lived


def _one_day(rng: random.Random, persona: Persona, day: date) -> Iterator[Trace]:
    midnight = datetime.combine(day, time(), SEOUL)
    busy = persona.weekend if day.weekday() >= 5 else 1.0
    # A day's volume varies around the person's mean; sessions of a few signs each.
    volume = rng.gammavariate(persona.day_shape, 1.0 / persona.day_shape) * busy
    sessions = _poisson(rng, persona.outgoing * volume / 1.6)
    for _ in range(sessions):
        at = midnight + _awake_moment(rng, persona)
        for _ in range(1 + _geometric(rng, 0.4)):
            kind = rng.choices(
                (ActivityKind.CALL_OUT, ActivityKind.SMS_OUT, ActivityKind.CALL_IN),
                weights=(0.55, 0.25, 0.2),
            )[0]
            yield Trace(at, kind, _duration(rng) if kind is not ActivityKind.SMS_OUT else None)
            at += timedelta(minutes=rng.expovariate(1 / 6.0))
    for _ in range(_poisson(rng, persona.incoming)):
        # Calls to them come in the daytime; whether they answer is settled as lived.
        yield Trace(midnight + timedelta(hours=rng.uniform(8.0, 21.0)), ActivityKind.CALL_IN, 0)
    for _ in range(_poisson(rng, persona.texts_in)):
        yield Trace(midnight + timedelta(hours=rng.uniform(7.0, 22.0)), ActivityKind.SMS_IN)
    for _ in range(_poisson(rng, persona.data_sessions)):
        yield Trace(midnight + timedelta(hours=rng.uniform(0.0, 24.0)), ActivityKind.DATA)
    if persona.off_at_night:
        sleep = persona.sleep + rng.gauss(0, 0.4)
        wake = persona.wake + 24 + rng.gauss(0, 0.4)
        yield Trace(midnight + timedelta(hours=sleep), ActivityKind.POWER_OFF)
        yield Trace(midnight + timedelta(hours=wake), ActivityKind.POWER_ON)


def _awake_moment(rng: random.Random, persona: Persona) -> timedelta:
    """A moment of the waking day, busier after the morning and in the evening."""
    span = persona.sleep - persona.wake
    position = rng.betavariate(1.6, 1.4)
    return timedelta(hours=persona.wake + span * position)


def _as_lived(rng: random.Random, life: Life, found: list[Trace], end: datetime) -> Iterator[Trace]:
    """The day's traces as the person's life lets them happen: away from the phone nobody
    answers and nothing goes out; after the incident the same, until the battery dies; a
    call to them is answered when they are there to answer."""
    stopped = life.incident_at
    for trace in found:
        away = next((a for a in life.away if a.starts_at <= trace.at < a.ends_at), None)
        gone = stopped is not None and trace.at >= stopped
        if life.battery_dies_at is not None and trace.at >= life.battery_dies_at:
            continue
        if away is not None and away.phone_off:
            continue
        if trace.kind in (ActivityKind.CALL_OUT, ActivityKind.SMS_OUT):
            if away is None and not gone:
                yield trace
        elif trace.kind is ActivityKind.CALL_IN:
            answered = away is None and not gone and (trace.duration_s or rng.random() < 0.75)
            yield Trace(trace.at, ActivityKind.CALL_IN, _duration(rng) if answered else 0)
        elif trace.kind in (ActivityKind.POWER_OFF, ActivityKind.POWER_ON) and gone:
            continue  # nobody switches it off at night any more
        else:
            yield trace
    last = min(end, stopped or end)  # after the incident the phone is never handled again
    for away in life.away:
        if away.phone_off and away.starts_at < last:
            yield Trace(away.starts_at, ActivityKind.POWER_OFF)
            if away.ends_at < last:
                yield Trace(away.ends_at, ActivityKind.POWER_ON)
    if life.battery_dies_at is not None and life.battery_dies_at < end:
        yield Trace(life.battery_dies_at, ActivityKind.POWER_OFF)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _geometric(rng: random.Random, p: float) -> int:
    count = 0
    while rng.random() < p:
        count += 1
    return count


def _duration(rng: random.Random) -> int:
    return max(3, min(3600, int(rng.lognormvariate(4.2, 1.0))))


def carrier_of(rng: random.Random) -> Carrier:
    return rng.choices((Carrier.SKT, Carrier.KT, Carrier.LGU), weights=(45, 30, 25))[0]
