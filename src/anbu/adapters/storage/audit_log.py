"""The audit log: who saw or changed which person's data, and when. Append-only, chained so
that a changed, removed or moved entry shows; never commits.

Newest first is the order of recording (`id`), so a page is a walk down the primary key from
where the last page stopped (`before`): page 1,000 costs what page 1 costs. The filters are
conditions on that walk.

The chain. Each entry keeps `link`, a keyed hash (`Link`, the vault's `audit_link`: HMAC-SHA256
under a key derived from the master key, which is never in the database) of the link before
it and of its own content, and `previous_link`, the link it was made from. `id` is the chain's
order. Walking it (`check_chain`), an entry whose link is not the hash of its content is
*edited*; one that links to anything but the entry before it follows a gap (*missing*) or sits
elsewhere than it was written (*reordered*, when the entry it links to is still there); and
the head row (`audit_chain`) names the newest link, so entries removed from the end show too
— unless the head is rewound with them, which only a link noted elsewhere earlier (`anchor`)
can show.

Concurrent writers. `record` only notes an entry; the unit of work writes what was noted as its
last step before commit (`write_pending`). That step first updates the head row, and the update
is the lock: on PostgreSQL a row lock held from there to commit, on SQLite the database's one
write lock, which any writer takes anyway. So no two transactions link to the same entry (the
chain never forks), and because ids are drawn under the lock, `id` order is chain order. The
lock covers a few inserts and the commit, never a request's own work: the head is taken after
it. Taken over a sealer that links committed entries afterwards because an entry is linked
the moment it exists — there is no window in which a fresh entry could be removed unnoticed —
and there is no second process to run and watch.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from anbu.adapters.storage.tables import audit_chain, audit_log, subjects

# previous link, entry's canonical bytes -> link; the vault's `audit_link`.
Link = Callable[[bytes, bytes], bytes]
# What the first entry links to.
GENESIS = bytes(32)
HEAD = 1  # the head row's id
_WALK = 2000  # entries read at a time when checking


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


class Break(StrEnum):
    """What is wrong at the first entry that does not follow the chain."""

    EDITED = "edited"  # its content (or its links) changed since it was written
    MISSING = "missing"  # an entry before it is gone (or, with no entry, the newest ones)
    REORDERED = "reordered"  # it links to an entry that is still there, elsewhere


@dataclass(frozen=True, slots=True)
class BrokenLink:
    kind: Break
    # The entry that does not follow; None when the newest entries are gone.
    entry_id: int | None
    at: datetime | None
    # The last entry that still followed; None when the break is at the first.
    after_id: int | None


@dataclass(frozen=True, slots=True)
class ChainCheck:
    entries: int  # how many were walked
    # The newest entry walked and its link, hex: noted somewhere else, they show later
    # whether entries were removed from the end with the head rewound.
    last_id: int | None
    last_link: str
    broken: BrokenLink | None


@dataclass(frozen=True, slots=True)
class _Noted:
    """An entry recorded, waiting for its transaction's end to be linked and written."""

    at: datetime
    actor: str
    action: str
    subject_id: int | None
    detail: str

    def content(self) -> bytes:
        return canonical(self.at, self.actor, self.action, self.subject_id, self.detail)

    def row(self, previous: bytes, link: bytes) -> dict[str, Any]:
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject_id": self.subject_id,
            "detail": self.detail,
            "previous_link": previous,
            "link": link,
        }


class AuditLog:
    def __init__(self, connection: Connection, link: Link) -> None:
        self.connection = connection
        self._link = link
        self._pending: list[_Noted] = []

    def record(
        self,
        actor: str,
        action: str,
        now: datetime,
        *,
        subject_id: int | None = None,
        detail: str = "",
    ) -> None:
        """Note an entry; it is written, linked, when the transaction commits."""
        self._pending.append(_Noted(now, actor, action, subject_id, detail))

    def write_pending(self) -> None:
        """Write the entries noted, linked to the chain's head. Last thing before commit: it
        holds the chain's lock until then (see the module's docstring)."""
        if not self._pending:
            return
        previous = self._take_head()
        rows = []
        for noted in self._pending:
            link = self._link(previous, noted.content())
            rows.append(noted.row(previous, link))
            previous = link
        # Many rows are inserted in their order, so that ids follow the chain.
        self.connection.execute(insert(audit_log), rows)
        self.connection.execute(
            update(audit_chain).where(audit_chain.c.id == HEAD).values(link=previous)
        )
        self._pending.clear()

    def entries(self, where: AuditFilter, *, before: int | None, limit: int) -> list[AuditEntry]:
        """Up to `limit` entries matching `where`, newest first, older than entry `before`."""
        return _entries(self.connection, where, before=before, limit=limit)

    def check_chain(self, *, anchor: bytes | None = None) -> ChainCheck:
        """Walk the chain from the first entry; stop at the first that does not follow.
        `anchor` is a link noted from an earlier check and kept elsewhere: the chain must
        still have it. Safe while others write: entries added meanwhile are walked too."""
        head = self._head()
        expected, last_id, walked = GENESIS, None, 0
        head_seen, anchor_seen = head in (None, GENESIS), anchor in (None, GENESIS)
        for row in self._walk():
            broken = self._follows(row, expected, last_id)
            if broken:
                return ChainCheck(walked, last_id, expected.hex(), broken)
            expected, last_id, walked = bytes(row.link), int(row.id), walked + 1
            head_seen = head_seen or expected == head
            anchor_seen = anchor_seen or expected == anchor
        # Entries but no head (still none after the walk, so not a first entry written
        # meanwhile): the head was deleted, and the newest entries perhaps with it.
        headless = walked > 0 and head is None and self._head() is None
        whole = head_seen and anchor_seen and not headless
        broken = None if whole else BrokenLink(Break.MISSING, None, None, last_id)
        return ChainCheck(walked, last_id, expected.hex(), broken)

    def _head(self) -> bytes | None:
        head = self.connection.scalar(select(audit_chain.c.link).where(audit_chain.c.id == HEAD))
        return None if head is None else bytes(head)

    def _take_head(self) -> bytes:
        # A no-op update: the lock, and the newest committed link, in one statement.
        taken = self.connection.scalar(
            update(audit_chain)
            .where(audit_chain.c.id == HEAD)
            .values(link=audit_chain.c.link)
            .returning(audit_chain.c.link)
        )
        if taken is not None:
            return bytes(taken)
        # No head: the first entry ever, or the schema was emptied (the demo's take-over).
        # Start one at the newest entry; a writer that got there first wins, and this one
        # then waits for it.
        newest = self.connection.scalar(
            select(audit_log.c.link).order_by(audit_log.c.id.desc()).limit(1)
        )
        self.connection.execute(_insert_head(self.connection, newest or GENESIS))
        return self._take_head()

    def _walk(self) -> Iterator[Any]:
        after = 0
        while True:
            rows = self.connection.execute(
                select(audit_log)
                .where(audit_log.c.id > after)
                .order_by(audit_log.c.id)
                .limit(_WALK)
            ).all()
            yield from rows
            if len(rows) < _WALK:
                return
            after = rows[-1].id

    def _follows(self, row: Any, expected: bytes, last_id: int | None) -> BrokenLink | None:
        """None when `row` is whole and links to `expected`; else what is wrong."""
        if row.link is None or row.previous_link is None:  # only with the schema changed
            return BrokenLink(Break.EDITED, int(row.id), row.at, last_id)
        content = canonical(row.at, row.actor, row.action, row.subject_id, row.detail)
        previous = bytes(row.previous_link)
        if not hmac.compare_digest(self._link(previous, content), bytes(row.link)):
            return BrokenLink(Break.EDITED, int(row.id), row.at, last_id)
        if previous == expected:
            return None
        # Whole, but written after another entry than the one before it now.
        moved = (
            previous == GENESIS
            or self.connection.scalar(
                select(audit_log.c.id).where(audit_log.c.link == previous).limit(1)
            )
            is not None
        )
        kind = Break.REORDERED if moved else Break.MISSING
        return BrokenLink(kind, int(row.id), row.at, last_id)


def canonical(at: datetime, actor: str, action: str, subject_id: int | None, detail: str) -> bytes:
    """The bytes of an entry that its link covers: every column but the id and the links,
    the instant in UTC to the microsecond (what both databases keep)."""
    stamp = at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps([stamp, actor, action, subject_id, detail], separators=(",", ":")).encode()


def _insert_head(connection: Connection, link: bytes) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(audit_chain).values(id=HEAD, link=link).on_conflict_do_nothing()


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
