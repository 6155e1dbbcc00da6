"""Delivery: when to try a notification again after a transient failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff, capped: 30 s, 1 min, 2 min … then every 15 min, for about
    four hours in all — long enough to ride out a gateway outage, short enough that an
    alert that cannot go out is reported as failed the same day."""

    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)
    max_attempts: int = 20

    def retry_at(self, attempts: int, now: datetime) -> datetime | None:
        """After `attempts` failed attempts (the one that just failed included), when to
        try again — or None when it is time to give up."""
        if attempts >= self.max_attempts:
            return None
        doubled: timedelta = self.first_delay * (2 ** max(attempts - 1, 0))
        return now + min(doubled, self.max_delay)
