"""The unit of work: one transaction, and the repositories that read and write through it.

A use case opens one (`Database.transaction`), works through its named repositories —
`uow.alerts`, `uow.subjects`, `uow.feeds`, `uow.outbox`, `uow.staff`, `uow.centres`,
`uow.accounts`, `uow.audit`, the sweep's probe and the read-side views — and everything
commits together when the block ends, or nothing does when it raises. Repositories never
commit, and no use case touches the connection: what it needs is a method of a repository or
a view. The audit entries noted during the block are written last, just before the commit,
so that the audit chain's lock is held only that long (see `audit_log`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TypeVar

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from anbu.adapters.storage import engine as schema
from anbu.adapters.storage.accounts import Accounts
from anbu.adapters.storage.alerts import AlertRepository
from anbu.adapters.storage.audit_log import AuditLog, Link
from anbu.adapters.storage.case_views import CaseEvents, CaseViews
from anbu.adapters.storage.centres import CentreRepository
from anbu.adapters.storage.enrolment_review import EnrolmentReview
from anbu.adapters.storage.events import ActivityRepository
from anbu.adapters.storage.feeds import FeedRepository
from anbu.adapters.storage.history import CentreHistory
from anbu.adapters.storage.monitoring import WorkCounts
from anbu.adapters.storage.outbox import Outbox
from anbu.adapters.storage.people import PeopleViews
from anbu.adapters.storage.reports import ReportViews
from anbu.adapters.storage.staff import StaffRepository
from anbu.adapters.storage.subjects import SubjectRepository
from anbu.adapters.storage.sweep_probe import SweepProbe
from anbu.adapters.storage.tables import meta

T = TypeVar("T")


class UnitOfWork:
    def __init__(self, connection: Connection, audit_link: Link) -> None:
        # Storage's own; a use case goes through the repositories.
        self.connection = connection
        self._audit_link = audit_link

    @cached_property
    def alerts(self) -> AlertRepository:
        return AlertRepository(self.connection)

    @cached_property
    def subjects(self) -> SubjectRepository:
        return SubjectRepository(self.connection)

    @cached_property
    def events(self) -> ActivityRepository:
        return ActivityRepository(self.connection)

    @cached_property
    def feeds(self) -> FeedRepository:
        return FeedRepository(self.connection)

    @cached_property
    def sweep_probe(self) -> SweepProbe:
        return SweepProbe(self.connection)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.connection)

    @cached_property
    def staff(self) -> StaffRepository:
        return StaffRepository(self.connection)

    @cached_property
    def centres(self) -> CentreRepository:
        return CentreRepository(self.connection)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.connection)

    @cached_property
    def case_events(self) -> CaseEvents:
        return CaseEvents(self.connection)

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self.connection, self._audit_link)

    def finish(self) -> None:
        """The last writes before commit: the audit entries noted, linked to the chain."""
        if "audit" in self.__dict__:  # only a unit of work that used the audit log
            self.audit.write_pending()

    @cached_property
    def meta(self) -> Meta:
        return Meta(self.connection)

    # -- the read side: what people look at -------------------------------------------

    @cached_property
    def cases(self) -> CaseViews:
        return CaseViews(self.connection)

    @cached_property
    def work(self) -> WorkCounts:
        return WorkCounts(self.connection)

    @cached_property
    def people(self) -> PeopleViews:
        return PeopleViews(self.connection)

    @cached_property
    def reports(self) -> ReportViews:
        return ReportViews(self.connection)

    @cached_property
    def enrolment_review(self) -> EnrolmentReview:
        return EnrolmentReview(self.connection)

    @cached_property
    def history(self) -> CentreHistory:
        return CentreHistory(self.connection)


class Meta:
    """Facts about the database itself (which demo made it, …)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, key: str) -> str | None:
        return self.connection.scalar(select(meta.c.value).where(meta.c.key == key))

    def put(self, key: str, value: str) -> None:
        changed = self.connection.execute(
            update(meta).where(meta.c.key == key).values(value=value)
        ).rowcount
        if not changed:
            self.connection.execute(insert(meta).values(key=key, value=value))


class Database:
    """Where units of work come from: one engine, one transaction each. `audit_link` is
    the vault's: it links each audit entry to the one before."""

    def __init__(self, engine: Engine, audit_link: Link) -> None:
        self.engine = engine
        self.audit_link = audit_link

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        with self.engine.begin() as connection:
            uow = UnitOfWork(connection, self.audit_link)
            yield uow
            uow.finish()

    def retrying(self, step: Callable[[UnitOfWork], T], *, within: float) -> T:
        """`step` in a transaction of its own, run again while the database cannot be
        reached (a restart, a failover: the connection refused or cut) for up to `within`
        seconds; then the last error is raised. Only for steps that touch nothing but the
        database, so that a try that failed left nothing behind."""
        deadline = time.monotonic() + within
        pause = 0.1
        while True:
            try:
                with self.transaction() as uow:
                    return step(uow)
            except DBAPIError as exc:
                if not _connection_lost(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)

    def schema(self) -> str:
        """The revision the schema is at; raises DatabaseUnavailable when the database does
        not answer."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return schema.current_revision(self.engine) or ""
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    @property
    def newest_schema(self) -> str:
        return schema.SCHEMA_HEAD

    def close(self) -> None:
        self.engine.dispose()


def _connection_lost(error: DBAPIError) -> bool:
    # psycopg reports a refused or cut connection (and a server shutting down) as an
    # OperationalError; SQLAlchemy marks a connection it found dead as invalidated.
    return isinstance(error, OperationalError) or error.connection_invalidated


class DatabaseUnavailable(Exception):  # noqa: N818 — the database is what is unavailable
    """The database does not answer."""
