"""Backups of the database by the database's own means: SQLite's online backup API, and
PostgreSQL's `pg_dump` / `pg_restore` in their custom format. A backup holds what the database
holds — personal data sealed, phone numbers and names as keyed hashes — and never the key, which
is kept apart (`anbu.services.backups`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine, make_url

from anbu.adapters.storage.tables import alerts, subjects

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """The backup or restore cannot be made; the message says why, for an operator."""


class BackupKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


@dataclass(frozen=True, slots=True)
class Contents:
    """What a database holds, counted: enough to see a restore brought back what it should."""

    schema: str | None
    people: int
    alerts: int


def kind_of_engine(engine: Engine) -> BackupKind:
    return BackupKind.SQLITE if engine.dialect.name == "sqlite" else BackupKind.POSTGRESQL


def kind_of_file(source: Path) -> BackupKind:
    """A backup says what it is by its first bytes, whatever its name."""
    try:
        with source.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"{source}: {exc.strerror}") from exc
    if head.startswith(_SQLITE_MAGIC):
        return BackupKind.SQLITE
    if head.startswith(_PG_DUMP_MAGIC):
        return BackupKind.POSTGRESQL
    raise BackupError(f"{source}: not an anbu backup (neither SQLite nor pg_dump's custom format)")


def contents(engine: Engine) -> Contents:
    tables = set(inspect(engine).get_table_names())
    if "subjects" not in tables:
        return Contents(None, 0, 0)
    with engine.connect() as connection:
        schema = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        people = connection.scalar(select(func.count()).select_from(subjects)) or 0
        cases = connection.scalar(select(func.count()).select_from(alerts)) or 0
    return Contents(schema, people, cases)


def is_empty(engine: Engine) -> bool:
    """No table at all: a restore never mixes a backup into a database in use."""
    return not inspect(engine).get_table_names()


def back_up(engine: Engine, target: Path) -> None:
    """Write the whole database to `target` (which must not exist yet), readable by its owner
    only. Consistent while anbu keeps running: SQLite copies one snapshot, pg_dump reads in
    one transaction."""
    if target.exists():
        raise BackupError(f"{target}: already exists; a backup never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Made empty and private first, so that the copy is never readable by others even for a
    # moment.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if kind_of_engine(engine) is BackupKind.SQLITE:
            _sqlite_copy(_sqlite_path(engine), target)
        else:
            _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(engine))
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def restore(engine: Engine, source: Path) -> None:
    """Load `source` into the configured database, which must be empty. On SQLite the
    database file is written whole and put in place at the end, so a failed restore leaves
    no half a database."""
    kind = kind_of_file(source)
    if kind is not kind_of_engine(engine):
        raise BackupError(
            f"{source} is a {kind.value} backup; the configured database is "
            f"{kind_of_engine(engine).value}"
        )
    if not is_empty(engine):
        raise BackupError("the configured database is not empty; restore only into an empty one")
    if kind is BackupKind.SQLITE:
        path = _sqlite_path(engine)
        engine.dispose()
        partial = path.with_name(path.name + ".restoring")
        partial.unlink(missing_ok=True)
        _sqlite_copy(source, partial)
        for leftover in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        partial.replace(path)
    else:
        _run(
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_libpq(engine)}",
            str(source),
        )


def _sqlite_copy(source: Path, target: Path) -> None:
    # The backup API copies a consistent snapshot page by page, even of a database another
    # process is writing (WAL), which copying the file would not.
    with (
        contextlib.closing(sqlite3.connect(source)) as reading,
        contextlib.closing(sqlite3.connect(target)) as writing,
    ):
        reading.backup(writing)


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(database)


def _libpq(engine: Engine) -> str:
    """The URL as libpq's tools take it: no SQLAlchemy driver name, the password kept."""
    url = make_url(engine.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(tool: str, *args: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed; install the PostgreSQL client of the server's version "
            "(Debian: postgresql-client)"
        )
    done = subprocess.run([tool, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.returncode}")
