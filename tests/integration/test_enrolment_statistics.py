"""A bulk enrolment leaves the planner knowing the people table (issue 15): right after a
district's first list the next ingest is planned for the table as it now is, not as it was
(SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from anbu.bootstrap import Anbu
from anbu.services.enrolment import BULK_ROWS

from builders import at, subject_row
from flows import enrol_rows

NOW = at("2026-11-20 09:00")


def _rows(count: int, first: int = 0) -> list[dict[str, str]]:
    return [
        subject_row(external_id=f"SD-{n:05d}", phone=f"010-7{n // 10000:03d}-{n % 10000:04d}")
        for n in range(first, first + count)
    ]


def _people_known_to_the_planner(anbu: Anbu) -> float | None:
    """How many people the planner's statistics say the table holds (None: never counted)."""
    with anbu.transaction() as store:
        connection = store.connection
        if connection.dialect.name == "postgresql":
            tuples = connection.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'subjects'")
            )
            return None if tuples is None or tuples < 0 else float(tuples)
        if not connection.scalar(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        ):
            return None
        stat = connection.scalar(
            text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'subjects' AND idx IS NULL")
        ) or connection.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'subjects'"))
        return None if stat is None else float(str(stat).split()[0])


def test_a_bulk_list_refreshes_the_statistics_and_a_short_one_does_not(anbu: Anbu) -> None:
    enrolled = 0
    if anbu.settings.database_url == "":  # SQLite: nothing counts the table on its own
        enrol_rows(anbu, *_rows(10), now=NOW)
        enrolled = 10
        assert _people_known_to_the_planner(anbu) is None
    enrol_rows(anbu, *_rows(BULK_ROWS, first=enrolled), now=NOW)
    known = _people_known_to_the_planner(anbu)
    # Sampled (SQLite reads a bounded part of each index): the size, near enough to plan by.
    assert known is not None
    assert abs(known - (enrolled + BULK_ROWS)) <= 0.2 * (enrolled + BULK_ROWS)
