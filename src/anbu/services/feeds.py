"""Feed status for operators: watermark, lag, staleness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from anbu.domain.kinds import Carrier
from anbu.services.context import Context


@dataclass(frozen=True, slots=True)
class FeedStatus:
    carrier: Carrier
    watermark: datetime | None
    lag: timedelta | None
    max_delay: timedelta
    stale: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier.value,
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "lag_seconds": int(self.lag.total_seconds()) if self.lag is not None else None,
            "max_delay_seconds": int(self.max_delay.total_seconds()),
            "stale": self.stale,
        }


def statuses(app: Context, *, now: datetime) -> list[FeedStatus]:
    with app.transaction() as store:
        feeds = store.feeds.all()
    result = []
    for carrier, feed in feeds.items():
        max_delay = app.options.max_feed_delay(carrier)
        mark = feed.watermark
        result.append(
            FeedStatus(
                carrier=carrier,
                watermark=mark,
                lag=now - mark if mark is not None else None,
                max_delay=max_delay,
                stale=feed.is_stale(now, max_delay),
            )
        )
    return result
