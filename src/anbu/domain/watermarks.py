"""Carrier feeds and their watermarks: how far each carrier's data is complete."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from anbu.domain.kinds import Carrier


@dataclass(frozen=True, slots=True)
class Feed:
    """One carrier's feed.

    `declared_until` is the latest explicit watermark (a heartbeat); `seen_until` the
    latest event time. A carrier that has ever declared a watermark is judged by its
    declarations only, since its events may arrive before the data is complete; one that
    never declares is judged by its events. `expected_since` is when monitoring of its
    first subject began, so that a feed that never reports at all still goes stale.
    """

    carrier: Carrier
    declared_until: datetime | None = None
    seen_until: datetime | None = None
    expected_since: datetime | None = None

    @property
    def watermark(self) -> datetime | None:
        return self.declared_until if self.declared_until is not None else self.seen_until

    def declare(self, complete_until: datetime) -> Feed:
        """Watermarks only move forward: an older heartbeat changes nothing."""
        if self.declared_until is not None and complete_until <= self.declared_until:
            return self
        return replace(self, declared_until=complete_until)

    def see(self, occurred_at: datetime) -> Feed:
        if self.seen_until is not None and occurred_at <= self.seen_until:
            return self
        return replace(self, seen_until=occurred_at)

    def expect_from(self, instant: datetime) -> Feed:
        if self.expected_since is not None and self.expected_since <= instant:
            return self
        return replace(self, expected_since=instant)

    def stale_since(self, max_delay: timedelta) -> datetime | None:
        """The instant this feed became (or will become) stale, or None if it is not watched."""
        reference = self.watermark if self.watermark is not None else self.expected_since
        return None if reference is None else reference + max_delay

    def is_stale(self, now: datetime, max_delay: timedelta) -> bool:
        since = self.stale_since(max_delay)
        return since is not None and now > since
