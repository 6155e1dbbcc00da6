"""Engines and migrations: created on demand, never at import time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration. Checked against Alembic's own answer by a test, so that a command
# can tell "the schema is current" with one query instead of loading Alembic every time.
SCHEMA_HEAD = "0018"


def make_engine(url: str, *, scratch: bool = False) -> Engine:
    """The engine for `url`. A `scratch` SQLite database (a backtest's, thrown away after) does
    not wait for the disk at each commit: a crash loses it, and it would be made anew."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        if scratch:
            event.listen(engine, "connect", _sqlite_scratch)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "connect", _binary_arrays)
    return engine


def _binary_arrays(dbapi_connection: Any, _record: Any) -> None:
    # The store sends a batch as one array per column (`= ANY(…)`, `unnest(…)`). psycopg
    # writes lists as text by default, quoting element by element with regular expressions
    # (~2 µs a timestamp); in binary it is ~0.15 µs. A list with no element to tell its
    # type by (empty, all NULL) still goes as text.
    from psycopg.types.array import ListBinaryDumper

    dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while an ingest writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_scratch(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def alembic_config(
    engine: Engine, *, audit_link: Callable[[bytes, bytes], bytes] | None = None
) -> Config:
    """`audit_link` (the vault's) lets revision 0015 link the audit entries already there."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    config.attributes["audit_link"] = audit_link
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        revision: str | None = connection.scalar(text("SELECT version_num FROM alembic_version"))
        return revision


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine, *, audit_link: Callable[[bytes, bytes], bytes]) -> bool:
    """Bring the schema to the newest revision; returns True if anything ran. `audit_link`
    is the vault's: a migration that writes the audit chain needs the key."""
    if current_revision(engine) == SCHEMA_HEAD:
        return False
    from alembic import command

    command.upgrade(alembic_config(engine, audit_link=audit_link), "head")
    return True
