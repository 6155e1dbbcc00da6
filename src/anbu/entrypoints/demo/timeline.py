"""Simulated time: a few days that end at the real clock, walked in one-hour steps.

The simulation must end at (about) the wall clock, since the ingest rightly refuses
events from the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

STEP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Step 0 is the first delivery (everything since consent), at `start`; step k ends
    at `start + k·step` and carries what happened in the hour before it."""

    start: datetime
    end: datetime
    step: timedelta = STEP

    @property
    def steps(self) -> int:
        return (self.end - self.start) // self.step

    def at(self, index: int) -> datetime:
        return self.start + index * self.step

    def index_of(self, instant: datetime) -> int:
        """The step that first delivers what happened at `instant`."""
        if instant <= self.start:
            return 0
        return -((self.start - instant) // self.step)

    def after(self, fraction: float) -> datetime:
        """The step boundary about `fraction` of the way through."""
        return self.at(round(self.steps * fraction))


def ending_at(now: datetime, days: int) -> Timeline:
    """`days` of simulated time ending at the last full hour before `now`."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return Timeline(start=end - timedelta(days=days), end=end)
