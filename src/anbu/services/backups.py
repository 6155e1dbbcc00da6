"""Backups and restores, as an operator runs them: the database by its own means, and a check
after a restore that the key in use opens what was restored. The key is never inside a backup:
whoever finds a backup finds sealed records and keyed hashes, nothing readable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from anbu.adapters.sealing import SealError
from anbu.adapters.storage import backups as database_backups
from anbu.adapters.storage.backups import BackupError, Contents
from anbu.services import audit_log
from anbu.services.context import Context

__all__ = [
    "BackupError",
    "Contents",
    "KeyCheck",
    "back_up",
    "check_key",
    "contents",
    "opens_a_record",
    "restore",
]


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """Whether the key opens the restored data: a person's sealed record and the audit
    chain's links (both made with the key). `tried` is False when there was nothing to try."""

    opens: bool
    tried: bool


def back_up(app: Context, target: Path) -> Contents:
    database_backups.back_up(app.database.engine, target)
    return database_backups.contents(app.database.engine)


def restore(app: Context, source: Path) -> None:
    database_backups.restore(app.database.engine, source)


def contents(app: Context) -> Contents:
    return database_backups.contents(app.database.engine)


def opens_a_record(app: Context) -> bool | None:
    """Whether the key opens the first person's sealed record (None: nobody to try it on).
    Asked of a restored database before its schema is brought up to date: the upgrade from
    before schema 0006 opens every record to give it its name key, and with a wrong key it
    would fail there rather than say that the key is wrong. Reads only what every schema
    has (a reference and its sealed record)."""
    with app.transaction() as tx:
        sealed = tx.subjects.first_sealed()
    if sealed is None:
        return None
    external_id, personal = sealed
    try:
        app.vault.open(personal, bound_to=external_id)
    except SealError:
        return False
    return True


def check_key(app: Context) -> KeyCheck:
    """Try the key on the restored data. A wrong key would serve a district whose names and
    addresses cannot be read and whose audit log reads as tampered: say so at once."""
    with app.transaction() as tx:
        sealed = tx.subjects.first_sealed()
    chain = audit_log.verify(app)
    tried = sealed is not None or chain.entries > 0
    if sealed is not None:
        external_id, personal = sealed
        try:
            app.vault.open(personal, bound_to=external_id)
        except SealError:
            return KeyCheck(opens=False, tried=True)
    return KeyCheck(opens=chain.broken is None, tried=tried)
