"""Carriers' feeds in the database: each feed's watermark state. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, case, select
from sqlalchemy.dialects import postgresql, sqlite

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

    def advance(self, feed: Feed, now: datetime) -> None:
        """Write what a writer learnt of a feed without having locked it: each instant moves
        only its own way — the watermarks forward, the expected start back — so two writers
        at once both land and neither undoes the other. The row is locked from here to the
        commit only, so writers call this last (ingest would otherwise queue every batch
        of a carrier behind the one before for its whole transaction)."""
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        row = dialect.insert(feeds).values(
            carrier=feed.carrier.value,
            declared_until=feed.declared_until,
            seen_until=feed.seen_until,
            expected_since=feed.expected_since,
            updated_at=now,
        )
        new = row.excluded
        self.connection.execute(
            row.on_conflict_do_update(
                index_elements=["carrier"],
                set_={
                    "declared_until": _later(feeds.c.declared_until, new.declared_until),
                    "seen_until": _later(feeds.c.seen_until, new.seen_until),
                    "expected_since": _earlier(feeds.c.expected_since, new.expected_since),
                    "updated_at": new.updated_at,
                },
            )
        )


def _later(
    held: ColumnElement[datetime], learnt: ColumnElement[datetime]
) -> ColumnElement[datetime]:
    """`learnt` where it is later than what is held (or nothing is held), else what is held."""
    return case((held.is_(None) | (learnt > held), learnt), else_=held)


def _earlier(
    held: ColumnElement[datetime], learnt: ColumnElement[datetime]
) -> ColumnElement[datetime]:
    return case((held.is_(None) | (learnt < held), learnt), else_=held)
