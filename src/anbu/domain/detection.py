"""Detection: when is a subject overdue, and which alerts are due.

A subject is overdue when their carrier's watermark has passed the instant at which
their silence (pauses not counted) reached their period. The state kept per subject is
a handful of maxima, so applying the same events twice or in any order gives the same
result: duplicates and late, shuffled deliveries cannot change a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from anbu.domain.activity import LifeRules
from anbu.domain.kinds import ActivityKind, AlertKind
from anbu.domain.pauses import Pause, limit_instant


@dataclass(frozen=True, slots=True)
class Overdue:
    """An alert that should be open: its kind, the exact instant the limit was crossed,
    and the episode's base (the last sign of life, or the moment the phone went off)."""

    kind: AlertKind
    due_at: datetime
    base: datetime


def supersedes(overdue: Overdue, resumed_at: datetime | None) -> bool:
    """Whether `overdue` is a new episode that replaces an open case of its kind: the case
    saw the person show life again (`resumed_at`) and this episode began after that."""
    return resumed_at is not None and overdue.base >= resumed_at


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

    def record(
        self,
        kind: ActivityKind,
        occurred_at: datetime,
        duration_s: int | None,
        rules: LifeRules,
    ) -> Watch:
        life, on, off = self.last_life_at, self.last_on_at, self.last_off_at
        if rules.is_sign_of_life(kind, duration_s):
            life = _later(life, occurred_at)
        if rules.shows_phone_on(kind, duration_s):
            on = _later(on, occurred_at)
        if kind is ActivityKind.POWER_OFF:
            off = _later(off, occurred_at)
        if (life, on, off) == (self.last_life_at, self.last_on_at, self.last_off_at):
            return self
        return replace(self, last_life_at=life, last_on_at=on, last_off_at=off)

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
        if base != self.silence_alerted_base:
            due = limit_instant(base, self.inactivity, self.pauses)
            if due is not None:
                found.append(Overdue(AlertKind.NO_ACTIVITY, due, base))
        off = self.off_base
        if off is not None and off != self.off_alerted_base:
            due = limit_instant(off, self.phone_off_limit, self.pauses)
            if due is not None:
                found.append(Overdue(AlertKind.PHONE_OFF, due, off))
        return found

    @property
    def next_due_at(self) -> datetime | None:
        """The earliest instant at which this subject may owe an alert (the indexed column)."""
        return min((o.due_at for o in self.pending()), default=None)

    def overdue(self, watermark: datetime) -> list[Overdue]:
        return [o for o in self.pending() if o.due_at <= watermark]

    def alerted(self, overdue: Overdue) -> Watch:
        if overdue.kind is AlertKind.NO_ACTIVITY:
            return replace(self, silence_alerted_base=overdue.base)
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
