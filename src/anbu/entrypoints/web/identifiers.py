"""A record's number in a path or a query, kept within the database's BIGINT: `10**30` would
otherwise overflow the driver (SQLite) or the column (PostgreSQL) and answer 500 on any
route that takes an id.

In a path, a number no record can have (zero, negative, beyond BIGINT) is simply no record:
it reads exactly as a missing one (404), as every other id out of the caller's reach does —
so `NO_RECORD` stands in for it. In a query (a page's cursor, a filter) it is refused as a
422 naming the parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

LARGEST_ID = 2**63 - 1
NO_RECORD = 0  # ids start at 1: a lookup of it finds nothing, on every table


def _within_reach(number: int) -> int:
    return number if 0 < number <= LARGEST_ID else NO_RECORD


RecordId = Annotated[int, Path(), AfterValidator(_within_reach)]
RecordIdQuery = Annotated[int | None, Query(ge=1, le=LARGEST_ID)]
