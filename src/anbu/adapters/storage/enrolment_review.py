"""Reads for reviewing a list before it is enrolled: what is stored under its references
and who holds its numbers, a chunk of rows at a time. Never writes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from anbu.adapters.storage.tables import subjects

_CHUNK = 500  # within SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class Known:
    """What `enrol` compares a row with."""

    external_id: str
    record_key: bytes
    phone_key: bytes
    withdrawn_at: datetime | None


class EnrolmentReview:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def known(self, external_ids: Collection[str]) -> dict[str, Known]:
        """What is stored under each of these references, where anything is."""
        found: dict[str, Known] = {}
        wanted = sorted(set(external_ids))
        for start in range(0, len(wanted), _CHUNK):
            rows = self.connection.execute(
                select(
                    subjects.c.external_id,
                    subjects.c.record_key,
                    subjects.c.phone_key,
                    subjects.c.withdrawn_at,
                ).where(subjects.c.external_id.in_(wanted[start : start + _CHUNK]))
            )
            for external_id, record_key, phone_key, withdrawn_at in rows:
                found[external_id] = Known(
                    external_id, bytes(record_key), bytes(phone_key), withdrawn_at
                )
        return found

    def holders(self, phone_keys: Collection[bytes]) -> dict[bytes, str]:
        """The reference enrolled under each of these phone keys, where there is one."""
        found: dict[bytes, str] = {}
        wanted = sorted(set(phone_keys))
        for start in range(0, len(wanted), _CHUNK):
            rows = self.connection.execute(
                select(subjects.c.phone_key, subjects.c.external_id).where(
                    subjects.c.phone_key.in_(wanted[start : start + _CHUNK])
                )
            )
            found.update((bytes(key), external_id) for key, external_id in rows)
        return found
