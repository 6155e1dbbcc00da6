"""What the use cases need from the world, and nothing more: a way to open a unit of work,
the vault for personal data, the holiday calendar, the rules of life and periods, and the
few settings they read. `anbu.bootstrap` builds it; no service reads the settings object,
the environment or the clock itself (time is always passed in)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from anbu.adapters.calendar import HolidayCalendar
from anbu.adapters.sealing import Vault
from anbu.adapters.storage.unit_of_work import Database, UnitOfWork
from anbu.domain.activity import LifeRules
from anbu.domain.kinds import Carrier
from anbu.domain.subjects import GroupPeriods

T = TypeVar("T")
# How long a step that must not be lost waits for the database to come back (a restart
# takes seconds). A claim whose lease ran out meanwhile is checked again before it is
# sent (services/claims.py), so waiting this long doubles nothing.
DATABASE_PATIENCE_SECONDS = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """The settings the use cases read (see `anbu.settings.Settings` for each)."""

    future_tolerance: timedelta = timedelta(minutes=5)
    feed_max_delay: timedelta = timedelta(hours=6)
    feed_max_delay_by_carrier: Mapping[Carrier, timedelta] = field(default_factory=dict)
    gateway_alarm: timedelta = timedelta(minutes=10)
    event_retention: timedelta = timedelta(days=90)
    ingest_batch_size: int = 5000
    # Where `anbu serve` is reached; empty: messages carry no link.
    public_url: str = ""
    # Where an enrolment upload waits, sealed, for its uploader to confirm it.
    uploads: Path = Path("uploads")

    def max_feed_delay(self, carrier: Carrier) -> timedelta:
        """How far a carrier's watermark may lag the clock before its feed is stale."""
        return self.feed_max_delay_by_carrier.get(carrier, self.feed_max_delay)


@dataclass(kw_only=True)
class Context:
    database: Database
    vault: Vault
    rules: LifeRules
    options: Options = field(default_factory=Options)
    periods: GroupPeriods = field(default_factory=GroupPeriods)
    # Korean public holidays, for routing alerts outside office hours to the duty desk.
    calendar: HolidayCalendar = field(default_factory=HolidayCalendar)

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """The unit of work: everything inside commits together or not at all."""
        with self.database.transaction() as uow:
            yield uow

    def retrying(self, step: Callable[[UnitOfWork], T]) -> T:
        """`step` in a unit of work of its own, run again while the database cannot be
        reached, for up to a minute; for steps that touch nothing but the database."""
        return self.database.retrying(step, within=DATABASE_PATIENCE_SECONDS)

    @property
    def future_tolerance(self) -> timedelta:
        return self.options.future_tolerance
