"""A record's number in a path or a query: a positive integer that fits the database's
BIGINT. Anything else is refused as a 422 naming the parameter before any query runs —
`10**30` would otherwise overflow the driver (SQLite) or the column (PostgreSQL) and answer
500 on any route that takes an id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

LARGEST_ID = 2**63 - 1

RecordId = Annotated[int, Path(ge=1, le=LARGEST_ID)]
RecordIdQuery = Annotated[int | None, Query(ge=1, le=LARGEST_ID)]
