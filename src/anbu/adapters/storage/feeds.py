"""Carriers' feeds in the database: each feed's watermark state. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from anbu.adapters.storage.tables import feeds
from anbu.domain.kinds import Carrier
from anbu.domain.watermarks import Feed


class FeedRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def all(self, *, lock: bool = False) -> dict[Carrier, Feed]:
        query = select(feeds).order_by(feeds.c.carrier)
        if lock:
            query = query.with_for_update()
        return {
            Carrier(row.carrier): Feed(
                carrier=Carrier(row.carrier),
                declared_until=row.declared_until,
                seen_until=row.seen_until,
                expected_since=row.expected_since,
            )
            for row in self.connection.execute(query)
        }

    def save(self, feed: Feed, now: datetime) -> None:
        values = {
            "declared_until": feed.declared_until,
            "seen_until": feed.seen_until,
            "expected_since": feed.expected_since,
            "updated_at": now,
        }
        changed = self.connection.execute(
            update(feeds).where(feeds.c.carrier == feed.carrier.value).values(**values)
        ).rowcount
        if not changed:
            self.connection.execute(insert(feeds).values(carrier=feed.carrier.value, **values))
