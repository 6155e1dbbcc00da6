"""Activity events in the database: stored once per carrier and event id, counted per hour
as they arrive, purged after the retention period. Never commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Connection, delete
from sqlalchemy.dialects import postgresql, sqlite

from anbu.adapters.storage.batches import sqlite_cursor, sqlite_instant
from anbu.adapters.storage.tables import activity_events, event_hours

_COLUMNS = "carrier, event_id, subject_id, kind, occurred_at, duration_s, received_at"
_TYPES = ["text", "text", "int8", "text", "timestamptz", "int4", "timestamptz"]
# Per session, created at its first batch; rows go at commit (or with the merge).
_STAGING = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_staging (carrier text NOT NULL,"
    " event_id text NOT NULL, subject_id bigint NOT NULL, kind text NOT NULL,"
    " occurred_at timestamptz NOT NULL, duration_s integer, received_at timestamptz NOT NULL)"
    " ON COMMIT DELETE ROWS"
)


# Rows per statement on SQLite: 7 values each, well under its 32,766 bound values.
_SQLITE_PAGE = 500


@lru_cache(maxsize=8)
def _sqlite_insert(rows: int) -> str:
    """The insert of `rows` events, skipping those stored already; made once per size."""
    one = "(" + ", ".join("?" * 7) + ")"
    return (
        f"INSERT INTO activity_events ({_COLUMNS}) VALUES {', '.join([one] * rows)}"
        " ON CONFLICT (carrier, event_id) DO NOTHING RETURNING carrier, event_id"
    )


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
        return self._add_all_sqlite(rows)

    def _add_all_sqlite(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        # Sent to the driver as it is, a page of rows per statement whose text is made once:
        # SQLAlchemy's insertmanyvalues built and processed every batch anew.
        cursor = sqlite_cursor(self.connection)
        added: set[tuple[str, str]] = set()
        try:
            for start in range(0, len(rows), _SQLITE_PAGE):
                page = rows[start : start + _SQLITE_PAGE]
                values: list[Any] = []
                for row in page:
                    values += (
                        row["carrier"],
                        row["event_id"],
                        row["subject_id"],
                        row["kind"],
                        sqlite_instant(row["occurred_at"]),
                        row["duration_s"],
                        sqlite_instant(row["received_at"]),
                    )
                cursor.execute(_sqlite_insert(len(page)), values)
                added.update((carrier, event_id) for carrier, event_id in cursor.fetchall())
        finally:
            cursor.close()
        return added

    def _add_all_postgresql(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        # COPY the batch into a staging table and merge it in one statement. psycopg writes
        # COPY rows in binary in C; the arrays this replaced went through SQLAlchemy's
        # processing and psycopg's array dumping value by value in Python.
        cursor = self._psycopg().cursor()
        cursor.execute(_STAGING)
        with cursor.copy(f"COPY ingest_staging ({_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_TYPES)
            for row in rows:
                copy.write_row(
                    (
                        row["carrier"],
                        row["event_id"],
                        row["subject_id"],
                        row["kind"],
                        _aware(row["occurred_at"]),
                        row["duration_s"],
                        _aware(row["received_at"]),
                    )
                )
        # Emptied by the merge itself, so a second batch in the same transaction starts
        # from nothing.
        cursor.execute(
            f"WITH batch AS (DELETE FROM ingest_staging RETURNING {_COLUMNS})"
            f" INSERT INTO activity_events ({_COLUMNS}) SELECT {_COLUMNS} FROM batch"
            " ON CONFLICT (carrier, event_id) DO NOTHING RETURNING carrier, event_id"
        )
        return {(carrier, event_id) for carrier, event_id in cursor.fetchall()}

    def _psycopg(self) -> psycopg.Connection[Any]:
        """The driver's own connection, in this unit of work's transaction."""
        driver = self.connection.connection.dbapi_connection
        assert isinstance(driver, psycopg.Connection)
        return driver

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


def _aware(instant: datetime) -> datetime:
    """As `Instant` does for a bound value: a naive instant is refused, not guessed."""
    if instant.tzinfo is None:
        raise ValueError("naive datetimes are refused: every instant carries an offset")
    return instant
