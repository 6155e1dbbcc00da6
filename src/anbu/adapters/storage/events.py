"""Activity events in the database: stored once per carrier and event id, counted per hour
as they arrive, purged after the retention period. Never commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from anbu.adapters.storage.batches import unnested
from anbu.adapters.storage.tables import activity_events, event_hours


class ActivityRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._dialect = connection.dialect.name

    def add_all(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """Insert, skipping (carrier, event_id) pairs already stored; returns those added."""
        if not rows:
            return set()
        if self._dialect == "postgresql":
            return self._add_all_postgresql(rows)
        statement = (
            sqlite.insert(activity_events)
            .on_conflict_do_nothing(index_elements=["carrier", "event_id"])
            .returning(activity_events.c.carrier, activity_events.c.event_id)
        )
        result = self.connection.execute(statement, rows)
        return {(row.carrier, row.event_id) for row in result}

    def _add_all_postgresql(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        # One statement for the whole batch, the rows as one array per column.
        names = list(rows[0])
        batch = unnested("batch", {activity_events.c[n]: [row[n] for row in rows] for n in names})
        statement = (
            postgresql.insert(activity_events)
            .from_select(names, select(*batch.c))
            .on_conflict_do_nothing(index_elements=["carrier", "event_id"])
            .returning(activity_events.c.carrier, activity_events.c.event_id)
        )
        return {
            (carrier, event_id) for carrier, event_id in self.connection.execute(statement).all()
        }

    def count_received(self, hour: datetime, counts: Mapping[str, int]) -> None:
        """Add `counts` (events stored, by carrier) to what was received in `hour`."""
        if not counts:
            return
        rows = [{"carrier": c, "hour": hour, "events": n} for c, n in sorted(counts.items())]
        if self._dialect == "postgresql":
            on_postgresql = postgresql.insert(event_hours)
            self.connection.execute(
                on_postgresql.on_conflict_do_update(
                    index_elements=["carrier", "hour"],
                    set_={"events": event_hours.c.events + on_postgresql.excluded.events},
                ),
                rows,
            )
            return
        on_sqlite = sqlite.insert(event_hours)
        self.connection.execute(
            on_sqlite.on_conflict_do_update(
                index_elements=["carrier", "hour"],
                set_={"events": event_hours.c.events + on_sqlite.excluded.events},
            ),
            rows,
        )

    def purge(self, received_before: datetime) -> int:
        result = self.connection.execute(
            delete(activity_events).where(activity_events.c.received_at < received_before)
        )
        self.connection.execute(delete(event_hours).where(event_hours.c.hour < received_before))
        return int(result.rowcount)
