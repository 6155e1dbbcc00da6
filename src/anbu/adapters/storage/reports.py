"""Counts for the district's reports and the operators' feed board. Never commits.

Every query aggregates in the database and returns one row per group (week × centre × kind,
centre × outcome…), never one row per person, alert or event — except `response_times` on
SQLite, which has no percentiles and reads two numbers per acknowledged alert.

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
    ARRAY,
    Connection,
    DateTime,
    Float,
    Integer,
    Select,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from anbu.adapters.storage.tables import (
    alerts,
    centres,
    event_hours,
    subjects,
)
from anbu.domain.kinds import AlertKind, AlertState, Carrier, Group, Outcome, SubjectStatus
from anbu.domain.spread import Spread


@dataclass(frozen=True, slots=True)
class AlertCount:
    week: int  # index into the period's weeks
    centre_id: int
    kind: AlertKind
    outcome: Outcome | None  # None: not resolved yet
    count: int
    visit_needed: bool = False  # the case went as far as needing a visit


@dataclass(frozen=True, slots=True)
class ResponseSpreads:
    """Acknowledged alerts of a centre (None: the whole scope): how long until someone
    acknowledged, and until the first call or visit."""

    centre_id: int | None
    acknowledge: Spread
    contact: Spread


@dataclass(frozen=True, slots=True)
class WeekContact:
    """Alerts opened in one week of a centre (None: the whole scope) that had a call or a
    visit: how long until the first."""

    week: int  # index into the period's weeks
    centre_id: int | None
    contact: Spread


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


class ReportViews:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._postgresql = connection.dialect.name == "postgresql"

    def without_jit(self) -> None:
        """On PostgreSQL, no JIT compilation for the rest of this transaction. These
        aggregates take tens to hundreds of milliseconds; compiling them took 250 ms more
        (measured with a million people and 100,000 alerts), so JIT only ever made a report
        slower."""
        if self._postgresql:
            self.connection.execute(text("SET LOCAL jit = off"))
            # After five runs psycopg prepares a statement and PostgreSQL may switch to a
            # generic plan that knows neither the dates nor the centres: measured 1.3 s ->
            # 2 s. Always plan for the values at hand.
            self.connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            # A year's percentiles sort 60,000 durations per measure: in memory, not on disk.
            self.connection.execute(text("SET LOCAL work_mem = '64MB'"))

    def centre_names(self, scope: Collection[int] | None) -> dict[int, str]:
        """The centres in scope (None: all), by id."""
        query = select(centres.c.id, centres.c.name).order_by(centres.c.name)
        if scope is not None:
            query = query.where(centres.c.id.in_(sorted(scope)))
        return {int(row.id): str(row.name) for row in self.connection.execute(query)}

    # -- the district's reports --------------------------------------------------------

    def alert_counts(
        self, scope: Collection[int] | None, boundaries: Sequence[datetime]
    ) -> list[AlertCount]:
        """Alerts about people opened in each week, by centre, kind, outcome and whether
        the case came to need a visit: the weekly counts and the outcomes from one pass
        over the period's alerts (`ix_alerts_opened`, or `ix_alerts_centre_opened` for a
        few centres). The alert row carries its person's
        centre, so no person is read."""
        week = self._week(boundaries).label("week")
        visit = alerts.c.visit_needed_at.is_not(None).label("visit_needed")
        inner = _in_period(
            select(week, alerts.c.centre_id, alerts.c.kind, alerts.c.outcome, visit),
            boundaries[0],
            boundaries[-1],
            scope,
        ).subquery()
        columns = (
            inner.c.week,
            inner.c.centre_id,
            inner.c.kind,
            inner.c.outcome,
            inner.c.visit_needed,
        )
        query = select(*columns, func.count()).group_by(*columns)
        return [
            AlertCount(
                int(week),
                int(centre_id),
                AlertKind(kind),
                Outcome(outcome) if outcome else None,
                n,
                bool(visit_needed),
            )
            for week, centre_id, kind, outcome, visit_needed, n in self.connection.execute(query)
        ]

    def response_times(
        self, scope: Collection[int] | None, since: datetime, until: datetime
    ) -> list[ResponseSpreads]:
        """For the acknowledged alerts opened in [since, until), per centre and then for the
        whole scope (centre None): the spread of seconds to acknowledgement and to the first
        call or visit. A call or a visit acknowledges the case, so an alert never
        acknowledged had neither.

        PostgreSQL computes the percentiles itself and returns a row per centre; SQLite (a
        district's test or demo, not a country) sends the durations to Python."""
        seconds = self._seconds_between()
        # Clamped at zero: clocks of different machines may disagree by a moment.
        to_ack = _not_below_zero(seconds(alerts.c.acknowledged_at, alerts.c.opened_at))
        to_contact = _not_below_zero(seconds(alerts.c.first_contact_at, alerts.c.opened_at))
        acknowledged = alerts.c.acknowledged_at.is_not(None)
        if self._postgresql:
            return self._spreads_in_sql(scope, since, until, to_ack, to_contact, acknowledged)
        rows = self.connection.execute(
            _in_period(select(alerts.c.centre_id, to_ack, to_contact), since, until, scope).where(
                acknowledged
            )
        ).all()
        ack: dict[int | None, list[float]] = {None: []}
        contact: dict[int | None, list[float]] = {None: []}
        for centre_id, to_ack_s, to_contact_s in rows:
            for key in (int(centre_id), None):
                ack.setdefault(key, []).append(float(to_ack_s))
                if to_contact_s is not None:
                    contact.setdefault(key, []).append(float(to_contact_s))
        return [
            ResponseSpreads(key, Spread.of(values), Spread.of(contact.get(key, [])))
            for key, values in ack.items()
        ]

    def weekly_contact(
        self, scope: Collection[int] | None, boundaries: Sequence[datetime]
    ) -> list[WeekContact]:
        """For the alerts opened in each week that had a call or a visit, per centre and then
        for the whole scope (centre None): the spread of seconds to the first of them.
        Weeks and centres with none are left out. As `response_times`, PostgreSQL computes
        the percentiles, SQLite sends the durations to Python."""
        seconds = self._seconds_between()
        to_contact = _not_below_zero(seconds(alerts.c.first_contact_at, alerts.c.opened_at))
        inner = (
            _in_period(
                select(
                    self._week(boundaries).label("week"),
                    alerts.c.centre_id,
                    to_contact.label("seconds"),
                ),
                boundaries[0],
                boundaries[-1],
                scope,
            )
            .where(alerts.c.first_contact_at.is_not(None))
            .subquery()
        )
        if self._postgresql:
            fractions = literal([0.5, 0.9], ARRAY(Float()))
            spread = func.percentile_cont(fractions, type_=ARRAY(Float())).within_group(
                inner.c.seconds
            )
            query = select(
                inner.c.week, inner.c.centre_id, func.count(inner.c.seconds), spread
            ).group_by(inner.c.week, func.rollup(inner.c.centre_id))
            return [
                WeekContact(
                    int(week),
                    None if centre_id is None else int(centre_id),
                    Spread.summarised(n, *(figures or (None, None))),
                )
                for week, centre_id, n, figures in self.connection.execute(query)
            ]
        found: dict[tuple[int, int | None], list[float]] = {}
        for week, centre_id, taken in self.connection.execute(select(inner)):
            for key in ((int(week), int(centre_id)), (int(week), None)):
                found.setdefault(key, []).append(float(taken))
        return [
            WeekContact(week, centre_id, Spread.of(values))
            for (week, centre_id), values in found.items()
        ]

    def enrolment(self, scope: Collection[int] | None) -> list[GroupCount]:
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
            for centre_id, group, count in self.connection.execute(query)
        ]

    # -- the operators' board ----------------------------------------------------------

    def events_per_hour(self, boundaries: Sequence[datetime]) -> list[HourCount]:
        """Activity events received in each hour, by carrier, from the counts ingest keeps
        (`event_hours`: a row per carrier and hour, whatever the volume). The boundaries are
        whole hours."""
        index = {boundary: position for position, boundary in enumerate(boundaries[:-1])}
        query = select(event_hours.c.hour, event_hours.c.carrier, event_hours.c.events).where(
            event_hours.c.hour >= boundaries[0], event_hours.c.hour < boundaries[-1]
        )
        return [
            HourCount(index[hour], Carrier(carrier), int(count))
            for hour, carrier, count in self.connection.execute(query)
            if hour in index
        ]

    def open_system_alerts(self) -> list[SystemAlert]:
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
            for row in self.connection.execute(query)
        ]

    # -- how each dialect says it ------------------------------------------------------

    def _spreads_in_sql(
        self,
        scope: Collection[int] | None,
        since: datetime,
        until: datetime,
        to_ack: ColumnElement[float],
        to_contact: ColumnElement[float],
        acknowledged: ColumnElement[bool],
    ) -> list[ResponseSpreads]:
        # Both fractions from one sort per measure.
        fractions = literal([0.5, 0.9], ARRAY(Float()))
        figures = (
            func.count(to_ack),
            func.percentile_cont(fractions, type_=ARRAY(Float())).within_group(to_ack),
            func.count(to_contact),
            func.percentile_cont(fractions, type_=ARRAY(Float())).within_group(to_contact),
        )
        query = _in_period(select(alerts.c.centre_id, *figures), since, until, scope).where(
            acknowledged
        )
        # ROLLUP adds the whole scope's row, with centre NULL.
        query = query.group_by(func.rollup(alerts.c.centre_id))
        return [
            ResponseSpreads(
                None if centre_id is None else int(centre_id),
                Spread.summarised(ack_n, *(ack or (None, None))),
                Spread.summarised(contact_n, *(contact or (None, None))),
            )
            for centre_id, ack_n, ack, contact_n, contact in self.connection.execute(query)
        ]

    def _week(self, boundaries: Sequence[datetime]) -> Any:
        """The index of the week an alert opened in. PostgreSQL's `width_bucket` finds it by
        bisecting the boundaries; the CASE elsewhere tries them in turn (52 tests a row for
        the last week of a year, which SQLite's few thousand alerts do not feel)."""
        if not self._postgresql:
            return _bucket(alerts.c.opened_at, boundaries)
        bounds = literal(list(boundaries), ARRAY(DateTime(timezone=True)))
        return func.width_bucket(alerts.c.opened_at, bounds) - literal_column("1", Integer())

    def _seconds_between(self) -> Any:
        """`later − earlier` in seconds, as a number, in this database's dialect (NULL if
        either is NULL)."""
        if self._postgresql:

            def on_postgresql(later: Any, earlier: Any) -> ColumnElement[Any]:
                # date_part, not EXTRACT: EXTRACT answers in `numeric` (since PostgreSQL 14),
                # whose arithmetic and sorting made the percentiles a third slower.
                return func.date_part("epoch", later - earlier, type_=Float())

            return on_postgresql

        def on_sqlite(later: Any, earlier: Any) -> ColumnElement[Any]:
            # Instants are stored as naive UTC text, which julianday() reads.
            days = func.julianday(later) - func.julianday(earlier)
            return cast(days * 86400.0, Float())

        return on_sqlite


def _in_period(
    query: Select[Any], since: datetime, until: datetime, scope: Collection[int] | None
) -> Select[Any]:
    """Alerts about people (not the system's) opened in [since, until), in the scope."""
    query = query.where(alerts.c.opened_at >= since, alerts.c.opened_at < until)
    if scope is None:
        return query.where(alerts.c.centre_id.is_not(None))
    return query.where(alerts.c.centre_id.in_(sorted(scope)))


def _not_below_zero(seconds: ColumnElement[float]) -> ColumnElement[float]:
    # CASE rather than GREATEST: PostgreSQL's GREATEST skips NULLs, which would turn "no
    # contact yet" into zero seconds.
    return case((seconds < 0.0, literal_column("0.0", Float())), else_=seconds)


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
