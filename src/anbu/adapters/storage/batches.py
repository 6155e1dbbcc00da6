"""Many values in one statement: how every repository looks up or writes a batch, the same
way on both databases. Never commits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    Connection,
    String,
    TableValuedAlias,
    bindparam,
    column,
    func,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine

from anbu.adapters.storage.tables import sqlite_text

# SQLite's limit of bound parameters leaves room for this many values at a time.
SQLITE_CHUNK = 500


class Batches:
    def __init__(self, connection: Connection) -> None:
        self._postgresql = connection.dialect.name == "postgresql"

    def per_statement(self, values: Sequence[Any]) -> list[Sequence[Any]]:
        """Values to look up together: all at once on PostgreSQL (see `among`); on SQLite
        at most 500 at a time, within its limit of bound parameters."""
        if self._postgresql:
            return [values] if values else []
        return list(chunks(list(values), SQLITE_CHUNK))

    def among(self, col: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        """`col` is one of `values`.

        On PostgreSQL `col IN (SELECT unnest(:array))`: one parameter, so the text is the
        same for any count and is parsed once, where a new `IN (…)` list each time was parsed
        and planned anew. Not `col = ANY(:array)`: once psycopg prepares a statement the
        server may settle on a generic plan that guesses ten values, and for a small table
        that is a sequential scan testing every row against the whole array (12 ms for a
        page of 500 ids against 2,000 alerts, growing with the table). As a semi-join it
        stays an index or hash lookup whatever the plan.
        """
        if self._postgresql:
            return col.in_(select(func.unnest(array_of(values, col.type))))
        return col.in_(values)


def sqlite_cursor(connection: Connection) -> sqlite3.Cursor:
    """The SQLite driver's own cursor, in this unit of work's transaction: for the few
    statements a backtest sends tens of thousands of times, whose text is made once and sent
    as it is (SQLAlchemy built, cached and processed each anew, ~a fifth of their cost)."""
    driver = connection.connection.dbapi_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver.cursor()


# An instant as the `Instant` column type binds it on SQLite (the same text stored).
sqlite_instant = sqlite_text


def array_of(values: Sequence[Any], item: TypeEngine[Any]) -> BindParameter[Any]:
    """A PostgreSQL array bound as one parameter. `item` processes each element (an
    `Instant` refuses naive values and sends aware UTC, as for a single value); a string
    type loses its length, since a cast to VARCHAR(n)[] would silently cut longer values."""
    if isinstance(item, String):
        item = String()
    return bindparam(None, list(values), type_=postgresql.ARRAY(item))


def unnested(alias: str, arrays: Mapping[Column[Any], Sequence[Any]]) -> TableValuedAlias:
    """`unnest(:a, :b, …) AS alias(a, b, …)`: rows given as one array per column, in
    order, named and typed as those columns."""
    return (
        func.unnest(*(array_of(values, col.type) for col, values in arrays.items()))
        .table_valued(*(column(col.name, col.type) for col in arrays))
        .render_derived(name=alias)
    )


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
