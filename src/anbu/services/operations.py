"""For operators and load balancers: is the service up, and how is the work going."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from anbu.adapters.storage.unit_of_work import DatabaseUnavailable
from anbu.domain.kinds import Carrier
from anbu.services.context import Context


@dataclass(frozen=True, slots=True)
class Health:
    database: bool  # it answers
    schema: str | None  # the revision it is at (None when it does not answer)
    current: bool  # at the newest revision: the service can work


@dataclass(frozen=True, slots=True)
class WorkState:
    open_alerts: dict[tuple[str, str], int]  # by (kind, state)
    notifications: dict[tuple[str, str], int]  # by (medium, state)
    oldest_queued: dict[str, datetime]  # by medium
    watermarks: dict[Carrier, datetime]  # each feed's, where it has one


def health(app: Context) -> Health:
    try:
        schema = app.database.schema()
    except DatabaseUnavailable:
        return Health(database=False, schema=None, current=False)
    return Health(database=True, schema=schema, current=schema == app.database.newest_schema)


def work_state(app: Context) -> WorkState:
    """Read from the database, so that it is the same whichever process did the work."""
    with app.transaction() as uow:
        feeds = uow.feeds.all()
        return WorkState(
            open_alerts=uow.work.open_alerts(),
            notifications=uow.work.notifications_by_state(),
            oldest_queued=uow.work.oldest_queued(),
            watermarks={c: f.watermark for c, f in feeds.items() if f.watermark is not None},
        )
