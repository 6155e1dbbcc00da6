"""The audit log: who saw or changed which person's data, and when. Append-only; never
commits.

Newest first is the order of recording (`id`), so a page is a walk down the primary key from
where the last page stopped (`before`): page 1,000 costs what page 1 costs. The filters are
conditions on that walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from anbu.adapters.storage.tables import audit_log, subjects


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str = ""
    action: str = ""  # a prefix: "alert." finds every action on alerts
    subject_ref: str = ""  # the person's reference (external id), never a name
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject_ref: str | None
    detail: str


class AuditLog:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def record(
        self,
        actor: str,
        action: str,
        now: datetime,
        *,
        subject_id: int | None = None,
        detail: str = "",
    ) -> None:
        self.connection.execute(
            insert(audit_log).values(
                at=now, actor=actor, action=action, subject_id=subject_id, detail=detail
            )
        )

    def entries(self, where: AuditFilter, *, before: int | None, limit: int) -> list[AuditEntry]:
        """Up to `limit` entries matching `where`, newest first, older than entry `before`."""
        return _entries(self.connection, where, before=before, limit=limit)


def _entries(
    connection: Connection, where: AuditFilter, *, before: int | None, limit: int
) -> list[AuditEntry]:
    query = (
        select(
            audit_log.c.id,
            audit_log.c.at,
            audit_log.c.actor,
            audit_log.c.action,
            subjects.c.external_id,
            audit_log.c.detail,
        )
        .select_from(audit_log.outerjoin(subjects, subjects.c.id == audit_log.c.subject_id))
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(audit_log.c.id < before)
    if where.actor:
        query = query.where(audit_log.c.actor == where.actor)
    if where.action:
        query = query.where(audit_log.c.action.startswith(where.action, autoescape=True))
    if where.subject_ref:
        query = query.where(subjects.c.external_id == where.subject_ref)
    if where.since is not None:
        query = query.where(audit_log.c.at >= where.since)
    if where.until is not None:
        query = query.where(audit_log.c.at < where.until)
    return [
        AuditEntry(int(row.id), row.at, row.actor, row.action, row.external_id, row.detail)
        for row in connection.execute(query)
    ]
