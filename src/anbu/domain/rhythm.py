"""Each person's rhythm, and how unusual their silence is against it.

A person's **rhythm** is how many signs of life they usually show in each hour of the week
(Seoul time: Monday 00–01 is hour 0, Sunday 23–24 hour 167), learned from their own signs
as they arrive. It is a bounded state — 168 counts and the instant they are scaled to — in
which each sign weighs less the older it is (a mean life of four weeks), so a changed habit
is followed within weeks and nothing but the counts is kept. Adding the same signs in any
order gives the same rhythm.

Against it, a silence is judged by the signs it would normally have held: a silence through
a usually busy afternoon is unusual sooner than one through the night, or through a Sunday
the person always spends quietly. People do not call at an even rate — a busy day, a quiet
one — so the chance of hearing nothing for that long is read from a negative binomial count
rather than a Poisson one. Unanswered calls during the silence (somebody is trying to reach
them) make it less likely still; a call answered is a sign of life and ends it.

A newcomer starts from the usual rhythm of their group and moves to their own as their
signs arrive; time paused (a hospital stay) neither teaches the rhythm nor counts as silence.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from anbu.domain.kinds import Group
from anbu.domain.pauses import Pause

SEOUL = ZoneInfo("Asia/Seoul")
WEEK_HOURS = 168
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
# How long a sign of life keeps weighing: its weight falls by e every four weeks.
MEMORY = timedelta(days=28)
# How many weeks of the group's usual rhythm a newcomer starts with; their own signs
# outweigh it within a few weeks.
PRIOR_WEEKS = 1.5
# How unevenly people call, day to day (the negative binomial's shape: smaller, burstier).
DISPERSION = 2.0
# Each unanswered call during the silence makes hearing nothing that much less likely.
MISSED_CALL_FACTOR = 0.75
MISSED_CALLS_COUNTED = 6
_FLOAT: Literal["f"] = (
    "f"  # 4-byte floats: a count's precision needs no more, and a rhythm is 672 bytes
)
_MICRO = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
_FOREVER = 2**62  # microseconds: a pause until further notice


class Level(StrEnum):
    """How grave a case is (관심 → 주의 → 심각), as the silence grows."""

    ATTENTION = "attention"  # the self-check text to the person only
    CAUTION = "caution"  # in the queue; staff told, not woken at night
    SERIOUS = "serious"  # the full escalation, day and night


LEVELS = (Level.ATTENTION, Level.CAUTION, Level.SERIOUS)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a silence reaches each level: the chance of so long a silence under the
    person's rhythm falls to `chance`, and it has lasted at least `at_least`."""

    # Chosen on simulated districts (`anbu evaluate`, several seeds, a noisier and a more
    # regular population): caution finds people sooner than the 48-hour rule with fewer
    # false alerts; attention's self-check text comes every week or two to most people.
    attention: tuple[float, timedelta] = (0.08, timedelta(hours=6))
    caution: tuple[float, timedelta] = (0.03, timedelta(hours=8))
    serious: tuple[float, timedelta] = (0.006, timedelta(hours=12))

    def of(self, level: Level) -> tuple[float, timedelta]:
        if level is Level.ATTENTION:
            return self.attention
        if level is Level.CAUTION:
            return self.caution
        return self.serious


def hour_of_week(instant: datetime) -> int:
    local = instant.astimezone(SEOUL)
    return local.weekday() * 24 + local.hour


@dataclass(frozen=True, slots=True)
class Rhythm:
    """Decayed counts of signs of life per hour of the week, to the latest sign learned
    (`reference`; None before any).

    The counts are kept packed (168 4-byte floats, as stored) and scaled to the start of
    the four-week span `reference` falls in (`anchor`), not to `reference` itself: a sign
    adds its weight to one hour and nothing else moves, except once every four weeks when
    the anchor does. Ingest learns every person's signs every hour; this keeps it cheap."""

    packed: bytes = bytes(4 * WEEK_HOURS)
    reference: datetime | None = None

    def __post_init__(self) -> None:
        if len(self.packed) != 4 * WEEK_HOURS:
            raise ValueError(f"a rhythm has {WEEK_HOURS} hours, not {len(self.packed) / 4:g}")

    @classmethod
    def of(cls, counts: Sequence[float], reference: datetime | None) -> Rhythm:
        """A rhythm from counts scaled to the anchor of `reference`."""
        return cls(array(_FLOAT, counts).tobytes(), reference)

    @property
    def counts(self) -> tuple[float, ...]:
        """Per hour of the week, scaled to `anchor`."""
        return tuple(array(_FLOAT, self.packed))

    @property
    def anchor(self) -> datetime | None:
        return None if self.reference is None else anchor_of(self.reference)

    def learn(self, signs: Iterable[datetime], pauses: Sequence[Pause] = ()) -> Rhythm:
        """The rhythm with these signs of life added (in any order, with any before). A
        sign inside a pause (a hospital stay, a trip) is no part of the person's rhythm."""
        times = [at for at in signs if not any(p.covers(at) for p in pauses)]
        if not times:
            return self
        latest = max(times) if self.reference is None else max(max(times), self.reference)
        anchor = anchor_of(latest)
        counts = array(_FLOAT, self.packed)
        if self.reference is not None:
            moved = anchor - anchor_of(self.reference)
            if moved:
                scale = math.exp(-moved / MEMORY)
                counts = array(_FLOAT, [c * scale for c in counts])
        for at in times:
            counts[hour_of_week(at)] += math.exp((at - anchor) / MEMORY)
        return Rhythm(counts.tobytes(), latest)

    def rates(
        self,
        now: datetime,
        *,
        since: datetime,
        pauses: Sequence[Pause] = (),
        usual: Sequence[float],
    ) -> tuple[float, ...]:
        """Signs of life expected in each hour of the week, as of `now`: the person's own
        counts over the weeks watched since `since` (paused time not counted), blended with
        `usual` (their group's rhythm, per hour) as if watched for PRIOR_WEEKS more, and
        smoothed towards the same hour of other days and the hours beside."""
        watched = _weeks_watched(since, now, pauses)
        anchor = self.anchor
        decay = 0.0 if anchor is None else math.exp(-(now - anchor) / MEMORY)
        own = array(_FLOAT, self.packed)
        raw = [
            (own[h] * decay + PRIOR_WEEKS * usual[h]) / (watched + PRIOR_WEEKS)
            for h in range(WEEK_HOURS)
        ]
        return _smoothed(raw)

    @property
    def signs_learned(self) -> float:
        """How many signs the counts hold, by weight (as of the latest)."""
        anchor = self.anchor
        if anchor is None or self.reference is None:
            return 0.0
        return sum(self.counts) * math.exp(-(self.reference - anchor) / MEMORY)


def anchor_of(instant: datetime) -> datetime:
    """The start of the four-week span (counted from the Unix epoch) `instant` falls in."""
    span = MEMORY.total_seconds()
    return datetime.fromtimestamp(math.floor(instant.timestamp() / span) * span, UTC)


@cache
def usual_rhythm(group: Group, per_day: float = 3.0) -> tuple[float, ...]:
    """A group's usual rhythm before a person's own is known: `per_day` signs of life,
    spread over the waking day (the old wake earlier), the same every day."""
    wake, sleep = (6, 21) if group in (Group.AGE_60_74, Group.AGE_75_PLUS) else (7, 23)
    weights = [
        (1.0 if wake <= h < sleep else 0.08) * (1.3 if 9 <= h < 12 or 17 <= h < 20 else 1.0)
        for h in range(24)
    ]
    total = sum(weights)
    day = [per_day * w / total for w in weights]
    return tuple(day[h % 24] for h in range(WEEK_HOURS))


def expected_signs(
    rates: Sequence[float], start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> float:
    """Signs of life the rhythm `rates` would show over [start, end), paused time left out."""
    total = 0.0
    for a, b in _unpaused(start, end, pauses):
        total += _integral(rates, a, b)
    return total


def silence_chance(expected: float, missed_calls: int = 0) -> float:
    """The chance of hearing nothing while `expected` signs would usually come, with
    `missed_calls` unanswered calls in it."""
    quiet: float = math.pow(1.0 + expected / DISPERSION, -DISPERSION)
    return quiet * math.pow(MISSED_CALL_FACTOR, min(missed_calls, MISSED_CALLS_COUNTED))


@dataclass(frozen=True, slots=True)
class Judgement:
    """When each level of a silence that began at `base` falls due, if it goes on."""

    base: datetime
    due: tuple[tuple[Level, datetime], ...]  # in order of level; a level missing: never

    def at(self, level: Level) -> datetime | None:
        return next((at for found, at in self.due if found is level), None)


def judge(
    rates: Sequence[float],
    base: datetime,
    *,
    maximum: timedelta,
    pauses: Sequence[Pause] = (),
    missed_calls: Sequence[datetime] = (),
    thresholds: Thresholds = Thresholds(),
) -> Judgement:
    """The instants at which a silence since `base` reaches each level: the first instant
    its chance falls to the level's threshold (and it has lasted the level's least), serious
    at the latest when `maximum` of unpaused silence has passed. Stepped hour by hour,
    solved exactly within the hour (signs come at an even rate within an hour).

    Ingest asks this of every person it hears from, so it walks in whole microseconds
    after `base` (exact, and no datetime arithmetic in the loop): Seoul keeps no summer
    time, so every hour of the week is 3,600 s long."""
    limit = maximum // _MICRO
    missed = sorted((m - base) // _MICRO for m in missed_calls if m > base)
    paused = _paused_spans(base, pauses)
    local = base.astimezone(SEOUL)
    into = (local.minute * 60 + local.second) * 1_000_000 + local.microsecond
    first_hour = local.weekday() * 24 + local.hour
    needs, leasts = _needs(thresholds)
    due: list[tuple[Level, int]] = []
    at = silent = 0
    expected = 0.0
    calls = 0  # missed calls at or before `at`
    pause = 0  # the first paused span not yet over
    while len(due) < len(LEVELS) and silent < limit:
        while pause < len(paused) and paused[pause][1] <= at:
            pause += 1
        if pause < len(paused) and paused[pause][0] <= at:
            if paused[pause][1] == _FOREVER:
                break  # paused until further notice: nothing falls due
            at = paused[pause][1]
            continue
        hours, offset = divmod(into + at, _HOUR_US)
        step_end = at + min(_HOUR_US - offset, limit - silent)
        if pause < len(paused):
            step_end = min(step_end, paused[pause][0])
        rate = rates[(first_hour + hours) % WEEK_HOURS] / _HOUR_US
        while calls < len(missed) and missed[calls] <= at:
            calls += 1
        calls_counted = min(calls, MISSED_CALLS_COUNTED)
        quiet_hour = calls >= len(missed) or missed[calls] > step_end
        for index in range(len(due), len(LEVELS)):
            # A higher level never comes before a lower one: stop at the first not due.
            if quiet_hour and expected + rate * (step_end - at) < needs[index][calls_counted]:
                break  # most hours: not yet, and nothing within the hour to change it
            crossed = _crossing(expected, rate, at, step_end, needs[index], missed, calls)
            if crossed is None:
                break
            when = max(crossed, at + max(leasts[index] - silent, 0))
            if when > step_end:
                break
            due.append((LEVELS[index], when))
        expected += rate * (step_end - at)
        silent += step_end - at
        at = step_end
    if len(due) < len(LEVELS) and silent >= limit:
        # The hard maximum: serious at the latest then, and every lower level with it.
        due += [(level, at) for level in LEVELS[len(due) :]]
    return Judgement(base, tuple((level, base + when * _MICRO) for level, when in due))


def usual_quiet(rates: Sequence[float]) -> timedelta:
    """The longest stretch of the week in which the rhythm expects less than one sign: how
    long this person is usually quiet (the night, for most)."""
    best = 0
    for start in range(WEEK_HOURS):
        expected = 0.0
        length = 0
        while length < WEEK_HOURS and expected + rates[(start + length) % WEEK_HOURS] < 1.0:
            expected += rates[(start + length) % WEEK_HOURS]
            length += 1
        best = max(best, length)
    return best * HOUR


# -- inside ---------------------------------------------------------------------------------


def _weeks_watched(since: datetime, now: datetime, pauses: Sequence[Pause]) -> float:
    """∫ e^(-(now - t)/MEMORY) dt over the unpaused time in [since, now], in weeks."""
    if now <= since:
        return 0.0
    total = 0.0
    for a, b in _unpaused(since, now, pauses):
        total += math.exp(-(now - b) / MEMORY) - math.exp(-(now - a) / MEMORY)
    return total * (MEMORY / WEEK)


def _smoothed(raw: Sequence[float]) -> tuple[float, ...]:
    """Half the hour's own figure, the rest from the same hour of the other days and from
    the hours beside it: four weeks of one quiet person are few signs per hour."""
    by_hour = [sum(raw[d * 24 + h] for d in range(7)) / 7 for h in range(24)]
    return tuple(
        0.5 * raw[h]
        + 0.3 * by_hour[h % 24]
        + 0.1 * raw[(h - 1) % WEEK_HOURS]
        + 0.1 * raw[(h + 1) % WEEK_HOURS]
        for h in range(WEEK_HOURS)
    )


def _integral(rates: Sequence[float], start: datetime, end: datetime) -> float:
    total = 0.0
    at = start
    while at < end:
        step_end = min(_next_hour(at), end)
        total += rates[hour_of_week(at)] * ((step_end - at) / HOUR)
        at = step_end
    return total


def _next_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0) + HOUR


def _paused_spans(base: datetime, pauses: Sequence[Pause]) -> list[tuple[int, int]]:
    """The pauses as [start, end) in microseconds after `base` (_FOREVER: until further
    notice), in order, overlapping ones merged, those over by `base` left out."""
    spans: list[tuple[int, int]] = []
    for pause in sorted(pauses, key=lambda p: p.starts_at):
        end = _FOREVER if pause.ends_at is None else (pause.ends_at - base) // _MICRO
        if end <= 0:
            continue
        start = (pause.starts_at - base) // _MICRO
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def _unpaused(
    start: datetime, end: datetime, pauses: Sequence[Pause]
) -> list[tuple[datetime, datetime]]:
    spans = [(start, end)]
    for pause in pauses:
        stop = pause.ends_at or datetime.max.replace(tzinfo=start.tzinfo)
        kept: list[tuple[datetime, datetime]] = []
        for a, b in spans:
            if stop <= a or pause.starts_at >= b:
                kept.append((a, b))
                continue
            if a < pause.starts_at:
                kept.append((a, pause.starts_at))
            if stop < b:
                kept.append((stop, b))
        spans = kept
    return spans


def _crossing(
    expected: float,
    rate: float,
    at: int,
    end: int,
    needs: Sequence[float],
    missed: Sequence[int],
    calls: int,
) -> int | None:
    """When in [at, end] (microseconds after the silence began) the expected signs reach
    what the level needs — `needs[n]` with n calls missed, which fewer signs reach as calls
    go unanswered — counting each missed call as it comes; None if not by `end`. `calls`
    were missed by `at`; the signs expected by `at` are `expected`, coming at `rate`."""
    start = at
    while True:
        need = needs[min(calls, MISSED_CALLS_COUNTED)]
        call = missed[calls] if calls < len(missed) and missed[calls] <= end else None
        upto = end if call is None else call
        if expected + rate * (upto - at) >= need:
            gap = need - expected
            if gap <= 0:
                return start
            # rate > 0 here; the crossing lies by `upto` (bounded: a tiny rate overflows).
            return max(start, at + math.ceil(min(gap / rate, upto - at)))
        if call is None:
            return None
        calls += 1  # the next call goes unanswered: fewer signs will do
        start = call


@cache
def _needs(thresholds: Thresholds) -> tuple[list[list[float]], list[int]]:
    """Per level: the expected signs it needs with 0, 1, … calls missed, and its least
    silence in microseconds."""
    needs = [
        [_expected_for(thresholds.of(level)[0], calls) for calls in range(MISSED_CALLS_COUNTED + 1)]
        for level in LEVELS
    ]
    return needs, [thresholds.of(level)[1] // _MICRO for level in LEVELS]


def _expected_for(chance: float, calls: int) -> float:
    """The expected signs at which the silence's chance, with `calls` missed, is `chance`."""
    quiet = chance / math.pow(MISSED_CALL_FACTOR, min(calls, MISSED_CALLS_COUNTED))
    if quiet >= 1.0:
        return 0.0
    return DISPERSION * (math.pow(quiet, -1.0 / DISPERSION) - 1.0)
