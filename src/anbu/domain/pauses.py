"""Pauses (a hospital stay, a trip) and the arithmetic of time that is not counted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from anbu.domain.wording import Message, MessageError


@dataclass(frozen=True, slots=True)
class Pause:
    """Monitoring suspended over [starts_at, ends_at); `ends_at=None` means until resumed."""

    starts_at: datetime
    ends_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise MessageError(Message("pause.ends_before_start"))

    def covers(self, instant: datetime) -> bool:
        return self.starts_at <= instant and (self.ends_at is None or instant < self.ends_at)


def limit_instant(base: datetime, period: timedelta, pauses: Iterable[Pause]) -> datetime | None:
    """The instant at which `period` of unpaused time has passed since `base`.

    Returns None when an open-ended pause begins before the period is used up:
    nobody is overdue while monitoring is suspended until further notice.
    """
    at = base
    remaining = period
    for pause in sorted(pauses, key=lambda p: p.starts_at):
        if pause.ends_at is not None and pause.ends_at <= at:
            continue
        if pause.starts_at >= at + remaining:
            break
        if pause.starts_at > at:
            remaining -= pause.starts_at - at
            at = pause.starts_at
        if pause.ends_at is None:
            return None
        at = pause.ends_at
    return at + remaining
