"""Which database the demo may use: its own from an earlier run, or an empty one —
never one that holds real people."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete, func, inspect, make_url, select

from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.tables import meta, metadata
from anbu.adapters.storage.unit_of_work import Meta
from anbu.bootstrap import Anbu
from anbu.settings import Settings

DEMO_KEY = "demo"
# The demo's own folder inside the data folder, unless told where.
DEMO_FOLDER = "demo"


class Claim(StrEnum):
    EMPTY = "empty"
    EARLIER_DEMO = "earlier_demo"
    NOT_OURS = "not_ours"


def look(settings: Settings) -> Claim:
    """Read-only: nothing is created, migrated or written, so a refusal leaves the
    database exactly as it was."""
    engine = storage.make_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            if meta.name in present and Meta(connection).get(DEMO_KEY) is not None:
                return Claim.EARLIER_DEMO
            for table in metadata.sorted_tables:
                if table.name in present and connection.scalar(
                    select(func.count()).select_from(table)
                ):
                    return Claim.NOT_OURS
            return Claim.EMPTY
    finally:
        engine.dispose()


def take_over(app: Anbu) -> None:
    """Empty every table (children first) and mark the database as the demo's, in one
    transaction."""
    with app.transaction() as store:
        for table in reversed(metadata.sorted_tables):
            store.connection.execute(delete(table))
        store.meta.put(DEMO_KEY, "1")


def where(settings: Settings) -> str:
    """The database's location for people to read: the file, or the URL without password."""
    url = make_url(settings.sqlalchemy_url)
    if settings.is_sqlite:
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def own_folder(settings: Settings, data_dir: Path | None) -> Settings:
    """The settings the demo runs with: its database and key in `data_dir` when given, else
    where ANBU_DATA_DIR or ANBU_DATABASE_URL say when set, else in a folder of its own,
    `demo` inside the data folder, so that a trial never lands beside real data."""
    if data_dir is not None:
        return settings.model_copy(update={"data_dir": data_dir})
    if {"data_dir", "database_url"} & settings.model_fields_set:
        return settings
    return settings.model_copy(update={"data_dir": settings.data_dir / DEMO_FOLDER})


def looking(settings: Settings) -> str:
    """How to read the demo's alerts afterwards: the commands need its folder (its
    database, or at least its key) too."""
    return f"ANBU_DATA_DIR={settings.data_dir}"
