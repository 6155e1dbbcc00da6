"""Counts for the district's reports and the operators' feed board. Never commits.

Every query aggregates in the database and returns one row per group (week × centre × kind,
centre × outcome…), never one row per person, alert or event — except `response_times`,
which returns two numbers per acknowledged alert of the period for the percentiles.

Time buckets (Seoul weeks, clock hours) are computed in Python, where the time zone rules
live, and handed to the database as the list of their boundaries: each row falls in a bucket
by `CASE WHEN at < b1 THEN 0 WHEN at < b2 THEN 1 …`, which reads the same on SQLite and
PostgreSQL (no `date_trunc`, no `strftime`), and the `WHERE b0 <= at < bn` around it is a
plain range that an index on the column can serve.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Select,
    case,
    cast,
    extract,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from anbu.adapters.storage.tables import (
    activity_events,
    alerts,
    case_events,
    centres,
    subjects,
)
from anbu.domain.kinds import AlertKind, AlertState, Carrier, Group, Outcome, SubjectStatus

# The case events that are someone reaching out to the person.
CONTACT_KINDS = ("call", "visit")


@dataclass(frozen=True, slots=True)
class AlertCount:
    week: int  # index into the period's weeks
    centre_id: int
    kind: AlertKind
    outcome: Outcome | None  # None: not resolved yet
    count: int


@dataclass(frozen=True, slots=True)
class ResponseTime:
    """One acknowledged alert: seconds from opening to acknowledgement and, if anyone called
    or visited, to the first call or visit."""

    centre_id: int
    to_acknowledge: float
    to_contact: float | None


@dataclass(frozen=True, slots=True)
class GroupCount:
    centre_id: int
    group: Group
    count: int


@dataclass(frozen=True, slots=True)
class HourCount:
    hour: int  # index into the hours asked for
    carrier: Carrier
    count: int


@dataclass(frozen=True, slots=True)
class SystemAlert:
    """An open alert about the system (a late feed, a channel down): no person in it."""

    id: int
    kind: AlertKind
    state: AlertState
    carrier: str | None
    channel: str | None
    base_at: datetime
    opened_at: datetime
    acknowledged_by: str | None


def centre_names(connection: Connection, scope: Collection[int] | None) -> dict[int, str]:
    """The centres in scope (None: all), by id."""
    query = select(centres.c.id, centres.c.name).order_by(centres.c.name)
    if scope is not None:
        query = query.where(centres.c.id.in_(sorted(scope)))
    return {int(row.id): str(row.name) for row in connection.execute(query)}


def without_jit(connection: Connection) -> None:
    """On PostgreSQL, no JIT compilation for the rest of this transaction. These aggregates
    take tens to hundreds of milliseconds; compiling them took 250 ms more (measured with a
    million people and 100,000 alerts), so JIT only ever made a report slower."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL jit = off"))
        # After five runs psycopg prepares a statement and PostgreSQL may switch to a generic
        # plan that knows neither the dates nor the centres: measured 1.3 s -> 2 s. Always
        # plan for the values at hand.
        connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def alert_counts(
    connection: Connection, scope: Collection[int] | None, boundaries: Sequence[datetime]
) -> list[AlertCount]:
    """Alerts about people opened in each week, by the person's centre, the alert's kind and
    its outcome: the weekly counts and the outcomes from one pass over the period's alerts
    (joining each to its person for the centre is the expensive part)."""
    rows = select(
        _bucket(alerts.c.opened_at, boundaries).label("week"),
        subjects.c.centre_id,
        alerts.c.kind,
        alerts.c.outcome,
    ).select_from(alerts.join(subjects, subjects.c.id == alerts.c.subject_id))
    inner = _in_period(rows, boundaries[0], boundaries[-1], scope).subquery()
    columns = (inner.c.week, inner.c.centre_id, inner.c.kind, inner.c.outcome)
    query = select(*columns, func.count()).group_by(*columns)
    return [
        AlertCount(
            int(week), int(centre_id), AlertKind(kind), Outcome(outcome) if outcome else None, n
        )
        for week, centre_id, kind, outcome, n in connection.execute(query)
    ]


def response_times(
    connection: Connection, scope: Collection[int] | None, since: datetime, until: datetime
) -> list[ResponseTime]:
    """For each acknowledged alert opened in [since, until): seconds to acknowledgement and
    to the first call or visit recorded after it opened. A call or a visit acknowledges the
    case, so an alert never acknowledged had neither.

    The first contacts are a grouped join rather than a subquery per alert, so that the
    planner may hash the period's calls and visits (a year: one pass) or look each alert up
    in the `(alert_id, at)` index (a few weeks)."""
    period = alerts.alias("period")
    first_contacts = (
        select(case_events.c.alert_id, func.min(case_events.c.at).label("at"))
        .join(period, period.c.id == case_events.c.alert_id)
        .where(
            case_events.c.kind.in_(CONTACT_KINDS),
            case_events.c.at >= period.c.opened_at,
            period.c.opened_at >= since,
            period.c.opened_at < until,
        )
        .group_by(case_events.c.alert_id)
        .subquery()
    )
    seconds = _seconds_between(connection)
    query = select(
        subjects.c.centre_id,
        seconds(alerts.c.acknowledged_at, alerts.c.opened_at),
        seconds(first_contacts.c.at, alerts.c.opened_at),
    ).select_from(
        alerts.join(subjects, subjects.c.id == alerts.c.subject_id).outerjoin(
            first_contacts, first_contacts.c.alert_id == alerts.c.id
        )
    )
    query = _in_period(query, since, until, scope).where(alerts.c.acknowledged_at.is_not(None))
    return [
        ResponseTime(
            int(centre_id),
            max(float(ack), 0.0),
            None if contact is None else max(float(contact), 0.0),
        )
        for centre_id, ack, contact in connection.execute(query)
    ]


def enrolment(connection: Connection, scope: Collection[int] | None) -> list[GroupCount]:
    """People monitored now (active), by centre and group (age band)."""
    query = (
        select(subjects.c.centre_id, subjects.c.group, func.count())
        .where(subjects.c.status == SubjectStatus.ACTIVE.value)
        .group_by(subjects.c.centre_id, subjects.c.group)
    )
    if scope is not None:
        query = query.where(subjects.c.centre_id.in_(sorted(scope)))
    return [
        GroupCount(int(centre_id), Group(group), int(count))
        for centre_id, group, count in connection.execute(query)
    ]


def events_per_hour(connection: Connection, boundaries: Sequence[datetime]) -> list[HourCount]:
    """Activity events received in each hour, by carrier (a range of the `received_at`
    index: the cost is the number of events in the hours asked for)."""
    inner = (
        select(
            _bucket(activity_events.c.received_at, boundaries).label("hour"),
            activity_events.c.carrier,
        )
        .where(
            activity_events.c.received_at >= boundaries[0],
            activity_events.c.received_at < boundaries[-1],
        )
        .subquery()
    )
    query = select(inner.c.hour, inner.c.carrier, func.count()).group_by(
        inner.c.hour, inner.c.carrier
    )
    return [
        HourCount(int(hour), Carrier(carrier), int(count))
        for hour, carrier, count in connection.execute(query)
    ]


def open_system_alerts(connection: Connection) -> list[SystemAlert]:
    """Unresolved alerts about feeds and channels (the partial unique indexes on open
    system alerts serve this)."""
    query = (
        select(
            alerts.c.id,
            alerts.c.kind,
            alerts.c.state,
            alerts.c.carrier,
            alerts.c.channel,
            alerts.c.base_at,
            alerts.c.opened_at,
            alerts.c.acknowledged_by,
        )
        .where(alerts.c.subject_id.is_(None), alerts.c.state != AlertState.RESOLVED.value)
        .order_by(alerts.c.opened_at, alerts.c.id)
    )
    return [
        SystemAlert(
            int(row.id),
            AlertKind(row.kind),
            AlertState(row.state),
            row.carrier,
            row.channel,
            row.base_at,
            row.opened_at,
            row.acknowledged_by,
        )
        for row in connection.execute(query)
    ]


def _in_period(
    query: Select[Any], since: datetime, until: datetime, scope: Collection[int] | None
) -> Select[Any]:
    query = query.where(alerts.c.opened_at >= since, alerts.c.opened_at < until)
    if scope is not None:
        query = query.where(subjects.c.centre_id.in_(sorted(scope)))
    return query


def _bucket(column: ColumnElement[datetime], boundaries: Sequence[datetime]) -> Any:
    """The index of the interval [b(i), b(i+1)) that `column` falls in; the caller keeps the
    rows within [b0, bn). The indexes are literals: as bound parameters PostgreSQL would read
    the CASE's type as text."""
    last = len(boundaries) - 2
    whens = [
        (column < boundary, literal_column(str(index), Integer()))
        for index, boundary in enumerate(boundaries[1:-1])
    ]
    if not whens:
        return literal_column("0", Integer())
    return case(*whens, else_=literal_column(str(last), Integer()))


def _seconds_between(connection: Connection) -> Any:
    """`later − earlier` in seconds, as a number, in this database's dialect (NULL if either
    is NULL)."""
    if connection.dialect.name == "postgresql":

        def on_postgresql(later: Any, earlier: Any) -> ColumnElement[Any]:
            return cast(extract("epoch", later - earlier), Float())

        return on_postgresql

    def on_sqlite(later: Any, earlier: Any) -> ColumnElement[Any]:
        # Instants are stored as naive UTC text, which julianday() reads.
        days = func.julianday(later) - func.julianday(earlier)
        return cast(days * 86400.0, Float())

    return on_sqlite
