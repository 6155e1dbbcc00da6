"""Reading the audit log: who saw or changed what, for administrators only. Reading it is
itself recorded. Checking its chain (`verify`) is the operator's, from the command line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from anbu.adapters.storage.audit_log import AuditEntry, AuditFilter, ChainCheck
from anbu.domain.kinds import Role
from anbu.services.accounts import StaffUser
from anbu.services.context import Context

SEOUL = ZoneInfo("Asia/Seoul")
PAGE = 100
LONGEST_FIELD = 64  # actors, actions and references are never longer


class AuditRefusedError(PermissionError):
    """Only administrators read the audit log."""


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """What the administrator asked for; days are Seoul calendar days, both included."""

    actor: str = ""
    action: str = ""
    subject_ref: str = ""
    from_day: date | None = None
    to_day: date | None = None

    def as_filter(self) -> AuditFilter:
        return AuditFilter(
            actor=self.actor.strip()[:LONGEST_FIELD],
            action=self.action.strip()[:LONGEST_FIELD],
            subject_ref=self.subject_ref.strip()[:LONGEST_FIELD],
            since=_midnight(self.from_day),
            until=_midnight(self.to_day + timedelta(days=1) if self.to_day else None),
        )


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    # Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


def read(
    app: Context, user: StaffUser, query: AuditQuery, *, before: int | None, now: datetime
) -> AuditPage:
    """One page of entries, newest first. Raises AuditRefusedError for anyone but an
    administrator."""
    if user.role is not Role.ADMIN:
        raise AuditRefusedError("the audit log is for administrators")
    with app.transaction() as tx:
        found = tx.audit.entries(query.as_filter(), before=before, limit=PAGE + 1)
        asked = {
            "actor": query.actor,
            "action": query.action,
            "subject_ref": query.subject_ref,
            "from": query.from_day.isoformat() if query.from_day else "",
            "to": query.to_day.isoformat() if query.to_day else "",
            "before": before,
        }
        detail = json.dumps({k: v for k, v in asked.items() if v}, ensure_ascii=False)
        tx.audit.record(user.login, "audit.viewed", now, detail=detail)
    more = len(found) > PAGE
    page = found[:PAGE]
    return AuditPage(page, page[-1].id if more and page else None)


def verify(app: Context, *, anchor: bytes | None = None) -> ChainCheck:
    """Walk the audit log's chain up to the first entry that does not follow; `anchor`, a
    link an earlier check printed, must still be in it. Only reads, and is not itself
    recorded, so that it can be run on a restored copy as well."""
    with app.transaction() as tx:
        return tx.audit.check_chain(anchor=anchor)


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0), SEOUL)
