"""Detection: when is a subject overdue, and which alerts are due.

A subject is overdue when their carrier's watermark has passed the instant at which
their silence (pauses not counted) reached their period. The state kept per subject is
a handful of maxima, so applying the same events twice or in any order gives the same
result: duplicates and late, shuffled deliveries cannot change a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from anbu.domain.activity import LifeRules
from anbu.domain.kinds import ActivityKind, AlertKind
from anbu.domain.pauses import Pause, limit_instant
from anbu.domain.rhythm import (
    LEVELS,
    WEEK_HOURS,
    Judgement,
    Level,
    Rhythm,
    Thresholds,
    expected_signs,
    judge,
    usual_quiet,
)

# Unanswered calls kept after the last sign of life: enough to weigh, and bounded.
MISSED_CALLS_KEPT = 8


class Rule(StrEnum):
    """How an alert came to be raised."""

    FIXED = "fixed"  # the person's period passed without a sign of life (or with the phone off)
    PERSONAL = "personal"  # the silence is unusual for this person, at these hours


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an alert was raised, as figures (the words are the reader's language's):
    the rule, the period (for the personal rule its hard maximum), and for the personal
    rule how long the silence had lasted when the case reached its level, how many signs
    of life the person usually shows over such a stretch, how long they are usually quiet,
    and how many calls to them went unanswered."""

    rule: Rule
    period: timedelta
    silent_for: timedelta | None = None
    expected: float | None = None
    usual_quiet: timedelta | None = None
    missed_calls: int = 0

    def to_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "rule": self.rule.value,
            "period_minutes": _minutes(self.period),
        }
        if self.silent_for is not None:
            found["silent_minutes"] = _minutes(self.silent_for)
        if self.expected is not None:
            found["expected"] = round(self.expected, 2)
        if self.usual_quiet is not None:
            found["usual_quiet_minutes"] = _minutes(self.usual_quiet)
        if self.missed_calls:
            found["missed_calls"] = self.missed_calls
        return found

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Reason:
        def minutes(key: str) -> timedelta | None:
            value = data.get(key)
            return None if value is None else timedelta(minutes=int(str(value)))

        period = minutes("period_minutes")
        expected = data.get("expected")
        return cls(
            rule=Rule(str(data.get("rule", Rule.FIXED.value))),
            period=period or timedelta(0),
            silent_for=minutes("silent_minutes"),
            expected=None if expected is None else float(str(expected)),
            usual_quiet=minutes("usual_quiet_minutes"),
            missed_calls=int(str(data.get("missed_calls", 0))),
        )


@dataclass(frozen=True, slots=True)
class Overdue:
    """An alert that should be open or raised: its kind, the exact instant its (current)
    level fell due, the episode's base (the last sign of life, or the moment the phone went
    off), the level reached with the instant each level reached so far fell due, and why."""

    kind: AlertKind
    due_at: datetime
    base: datetime
    level: Level = Level.SERIOUS
    # What it owes is told by the four above; how it got there and why go with it.
    levels: tuple[tuple[Level, datetime], ...] = field(default=(), compare=False)
    reason: Reason | None = field(default=None, compare=False)

    @property
    def reached(self) -> tuple[tuple[Level, datetime], ...]:
        return self.levels or ((self.level, self.due_at),)


def supersedes(overdue: Overdue, resumed_at: datetime | None) -> bool:
    """Whether `overdue` is a new episode that replaces an open case of its kind: the case
    saw the person show life again (`resumed_at`) and this episode began after that."""
    return resumed_at is not None and overdue.base >= resumed_at


@dataclass(frozen=True, slots=True)
class Outlook:
    """Where a person watched by their rhythm stands: signs of life they usually show in
    each hour of the week (Monday 00–01 first), when their current silence began, the
    level it has reached, and the next level with the instant it falls due if nothing is
    heard (None when no level is left, or a pause holds it)."""

    rates: tuple[float, ...]
    base: datetime
    reached: Level | None
    coming: tuple[Level, datetime] | None


@dataclass(frozen=True, slots=True)
class Watch:
    """What detection knows of one subject."""

    consent_at: datetime
    inactivity: timedelta
    phone_off_limit: timedelta
    pauses: tuple[Pause, ...] = ()
    last_life_at: datetime | None = None
    last_on_at: datetime | None = None
    last_off_at: datetime | None = None
    # The base of the last episode that already has an alert, per kind: one alert per episode.
    silence_alerted_base: datetime | None = None
    off_alerted_base: datetime | None = None
    # Personal detection (None: the fixed period): the rhythm learned so far, the group's
    # usual rhythm it starts from, the level the current silence's alert has reached, and
    # the calls that went unanswered since the last sign of life.
    personal: Personal | None = None

    def record(
        self,
        kind: ActivityKind,
        occurred_at: datetime,
        duration_s: int | None,
        rules: LifeRules,
    ) -> Watch:
        life, on, off = self.last_life_at, self.last_on_at, self.last_off_at
        alive = rules.is_sign_of_life(kind, duration_s)
        if alive:
            life = _later(life, occurred_at)
        if rules.shows_phone_on(kind, duration_s):
            on = _later(on, occurred_at)
        if kind is ActivityKind.POWER_OFF:
            off = _later(off, occurred_at)
        personal = self.personal
        if personal is not None and occurred_at >= self.consent_at:
            if alive:
                personal = personal.learned(occurred_at, self.pauses)
            elif kind is ActivityKind.CALL_IN:
                personal = personal.missed(occurred_at)
            if life is not None:
                personal = personal.since(life)
        if (life, on, off, personal) == (
            self.last_life_at,
            self.last_on_at,
            self.last_off_at,
            self.personal,
        ):
            return self
        return replace(self, last_life_at=life, last_on_at=on, last_off_at=off, personal=personal)

    @property
    def silence_base(self) -> datetime:
        """Silence counts from the last sign of life, never from before consent."""
        if self.last_life_at is None or self.last_life_at < self.consent_at:
            return self.consent_at
        return self.last_life_at

    @property
    def off_base(self) -> datetime | None:
        """When the phone went off, if it is off now (no sign of it on since)."""
        off = self.last_off_at
        if off is None or (self.last_on_at is not None and self.last_on_at >= off):
            return None
        return max(off, self.consent_at)

    def pending(self) -> list[Overdue]:
        """Every alert this subject will owe once the watermark passes its `due_at`,
        excluding episodes already alerted."""
        found: list[Overdue] = []
        base = self.silence_base
        if self.personal is not None:
            found += self._personal_pending(base, self.personal)
        elif base != self.silence_alerted_base:
            due = limit_instant(base, self.inactivity, self.pauses)
            if due is not None:
                reason = Reason(Rule.FIXED, self.inactivity)
                found.append(Overdue(AlertKind.NO_ACTIVITY, due, base, reason=reason))
        return found + self._off_pending()

    def _off_pending(self) -> list[Overdue]:
        off = self.off_base
        if off is None or off == self.off_alerted_base:
            return []
        due = limit_instant(off, self.phone_off_limit, self.pauses)
        if due is None:
            return []
        reason = Reason(Rule.FIXED, self.phone_off_limit)
        return [Overdue(AlertKind.PHONE_OFF, due, off, reason=reason)]

    def _personal_pending(self, base: datetime, personal: Personal) -> list[Overdue]:
        """The levels of the current silence not yet alerted, one Overdue per level (each
        due at its own instant, carrying the levels up to it); their reasons are filled in
        when they are owed (`overdue`)."""
        reached = personal.level if base == self.silence_alerted_base else None
        judgement = personal.judgement(base, self.consent_at, self.inactivity, self.pauses)
        found: list[Overdue] = []
        so_far: list[tuple[Level, datetime]] = []
        for level, due in judgement.due:
            so_far.append((level, due))
            if reached is not None and LEVELS.index(level) <= LEVELS.index(reached):
                continue
            found.append(Overdue(AlertKind.NO_ACTIVITY, due, base, level, tuple(so_far)))
        return found

    @property
    def next_due_at(self) -> datetime | None:
        """The earliest instant at which this subject owes an alert, if nothing is heard."""
        return min((o.due_at for o in self.pending()), default=None)

    @property
    def next_check_at(self) -> datetime | None:
        """When the sweep must next look at this subject (the indexed column, as ingest
        writes it): the due instant itself under the fixed rule; under personal detection
        an early bound — the silence cannot reach its next level before it has lasted
        that level's least — so that ingest, which hears from most people every hour, never
        judges a rhythm. The sweep that reads the subject judges it and writes the exact
        instant back (`next_due_at`); a chatty person's bound mostly never comes."""
        personal = self.personal
        if personal is None:
            return self.next_due_at
        found = [o.due_at for o in self._off_pending()]
        base = self.silence_base
        reached = personal.level if base == self.silence_alerted_base else None
        coming = LEVELS[0 if reached is None else LEVELS.index(reached) + 1 :]
        if coming:
            least = min(personal.thresholds.of(coming[0])[1], self.inactivity)
            bound = limit_instant(base, least, self.pauses)
            if bound is not None:
                found.append(bound)
        return min(found, default=None)

    def overdue(self, watermark: datetime) -> list[Overdue]:
        """What is owed by `watermark`: per kind, the highest level then due."""
        latest: dict[AlertKind, Overdue] = {}
        for found in self.pending():
            if found.due_at <= watermark:
                latest[found.kind] = found  # levels come in order
        owed = list(latest.values())
        personal = self.personal
        if personal is None:
            return owed
        return [
            o
            if o.reason is not None
            else replace(
                o,
                reason=personal.reason(
                    o.base, o.due_at, self.consent_at, self.inactivity, self.pauses
                ),
            )
            for o in owed
        ]

    def outlook(self, now: datetime) -> Outlook | None:
        """Personal detection as the person's page shows it at `now` (None under the fixed
        rule): the rhythm learned so far, and the level the silence would reach next."""
        personal = self.personal
        if personal is None:
            return None
        base = self.silence_base
        judgement = personal.judgement(base, self.consent_at, self.inactivity, self.pauses)
        reached = [level for level, due in judgement.due if due <= now]
        coming = [(level, due) for level, due in judgement.due if due > now]
        rates = personal.rhythm.rates(
            now, since=self.consent_at, pauses=self.pauses, usual=personal.usual
        )
        return Outlook(rates, base, reached[-1] if reached else None, coming[0] if coming else None)

    def alerted(self, overdue: Overdue) -> Watch:
        if overdue.kind is AlertKind.NO_ACTIVITY:
            personal = self.personal
            if personal is not None:
                personal = replace(personal, level=overdue.level)
            return replace(self, silence_alerted_base=overdue.base, personal=personal)
        return replace(self, off_alerted_base=overdue.base)


def record_all(
    watch: Watch,
    events: Iterable[tuple[ActivityKind, datetime, int | None]],
    rules: LifeRules,
) -> Watch:
    for kind, occurred_at, duration_s in events:
        watch = watch.record(kind, occurred_at, duration_s, rules)
    return watch


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


def _minutes(period: timedelta) -> int:
    return int(period / timedelta(minutes=1))


@dataclass(frozen=True, slots=True)
class Personal:
    """What personal detection keeps of one person: their rhythm, their group's usual
    rhythm to start from, the calls unanswered since their last sign of life (the latest
    few), and the level their current silence's alert has reached."""

    rhythm: Rhythm = field(default_factory=Rhythm)
    usual: tuple[float, ...] = (0.0,) * WEEK_HOURS
    missed_calls: tuple[datetime, ...] = ()
    level: Level | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)

    def learned(self, at: datetime, pauses: Sequence[Pause]) -> Personal:
        return replace(self, rhythm=self.rhythm.learn([at], pauses))

    def missed(self, at: datetime) -> Personal:
        if at in self.missed_calls:
            return self
        calls = sorted((*self.missed_calls, at))[-MISSED_CALLS_KEPT:]
        return replace(self, missed_calls=tuple(calls))

    def since(self, life: datetime) -> Personal:
        """Only calls after the last sign of life count as unanswered in this silence."""
        calls = tuple(c for c in self.missed_calls if c > life)
        return self if calls == self.missed_calls else replace(self, missed_calls=calls)

    def rates(
        self, base: datetime, consent_at: datetime, pauses: Sequence[Pause]
    ) -> tuple[float, ...]:
        """The rhythm as it stood when the silence began."""
        return self.rhythm.rates(base, since=consent_at, pauses=pauses, usual=self.usual)

    def judgement(
        self, base: datetime, consent_at: datetime, maximum: timedelta, pauses: Sequence[Pause]
    ) -> Judgement:
        return _judged(
            self.rhythm,
            self.usual,
            self.missed_calls,
            self.thresholds,
            base,
            consent_at,
            maximum,
            tuple(pauses),
        )

    def reason(
        self,
        base: datetime,
        due: datetime,
        consent_at: datetime,
        maximum: timedelta,
        pauses: Sequence[Pause],
    ) -> Reason:
        rates = self.rates(base, consent_at, pauses)
        return Reason(
            Rule.PERSONAL,
            maximum,
            silent_for=due - base,
            expected=expected_signs(rates, base, due, pauses),
            usual_quiet=usual_quiet(rates),
            missed_calls=sum(1 for c in self.missed_calls if base < c <= due),
        )


@lru_cache(maxsize=1024)
def _judged(
    rhythm: Rhythm,
    usual: tuple[float, ...],
    missed_calls: tuple[datetime, ...],
    thresholds: Thresholds,
    base: datetime,
    consent_at: datetime,
    maximum: timedelta,
    pauses: tuple[Pause, ...],
) -> Judgement:
    """A silence judged against a rhythm. Remembered for a while: the sweep asks once what
    is owed and once more, the level raised, when the person is next due — the same
    question of the same rhythm."""
    rates = rhythm.rates(base, since=consent_at, pauses=pauses, usual=usual)
    return judge(
        rates,
        base,
        maximum=maximum,
        pauses=pauses,
        missed_calls=missed_calls,
        thresholds=thresholds,
    )
