"""Alerts in the database: the one mapper from a row to the domain's `Alert`, and the
repository that adds, reads and saves them. Never commits.

`save(alert, expected)` writes only what a transition changed, as one conditional
`UPDATE … WHERE id, state, step …` (`anbu.domain.alerts.guard`), and says whether it won:
two workers acting on one alert cannot both win, and the loser reads again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Update,
    and_,
    bindparam,
    column,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import BindParameter, ColumnElement, TextClause

from anbu.adapters.storage.batches import Batches, array_of, unnested
from anbu.adapters.storage.tables import RESUMED_UNFOLLOWED, alerts
from anbu.domain.alerts import Alert, changes, guard
from anbu.domain.detection import Reason
from anbu.domain.escalation import EscalationPolicy
from anbu.domain.kinds import AlertKind, AlertState, Carrier, Outcome
from anbu.domain.notifications import Medium
from anbu.domain.rhythm import Level

_ENUMS: dict[str, Any] = {
    "kind": AlertKind,
    "state": AlertState,
    "carrier": Carrier,
    "channel": Medium,
    "outcome": Outcome,
    "level": Level,
}
_FIELDS = tuple(f.name for f in fields(Alert))


@lru_cache(maxsize=64)
def _policy(text: str) -> EscalationPolicy:
    # Nearly every alert carries one of a district's few policies: read each text once.
    return EscalationPolicy.from_json(json.loads(text))


_LEVEL_COLUMNS = {
    Level.ATTENTION: "attention_at",
    Level.CAUTION: "caution_at",
    Level.SERIOUS: "serious_at",
}


def alert_of(row: Row[Any]) -> Alert:
    """The alert a row of `alerts` holds (selected whole, perhaps among other columns)."""
    levels = tuple(
        (level, getattr(row, column))
        for level, column in _LEVEL_COLUMNS.items()
        if getattr(row, column) is not None
    )
    return Alert(
        id=row.id,
        kind=AlertKind(row.kind),
        state=AlertState(row.state),
        base_at=row.base_at,
        due_at=row.due_at,
        opened_at=row.opened_at,
        subject_id=row.subject_id,
        centre_id=row.centre_id,
        carrier=Carrier(row.carrier) if row.carrier else None,
        channel=Medium(row.channel) if row.channel else None,
        policy=_policy(row.policy) if row.policy else None,
        step=row.step,
        step_due_at=row.step_due_at,
        staff_told_at=row.staff_told_at,
        followed_up_at=row.followed_up_at,
        resumed_at=row.resumed_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        visit_needed_at=row.visit_needed_at,
        visited_at=row.visited_at,
        first_contact_at=row.first_contact_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        outcome=Outcome(row.outcome) if row.outcome else None,
        resolution_note=row.resolution_note,
        level=Level(row.level),
        levels=levels,
        reason=Reason.from_json(json.loads(row.reason)) if row.reason else None,
    )


def _columns(name: str, value: Any) -> dict[str, Any]:
    """The columns (and their values) an alert's field is kept in."""
    if name == "levels":
        reached = dict(value)
        return {column: reached.get(level) for level, column in _LEVEL_COLUMNS.items()}
    if value is None:
        return {name: None}
    if name == "policy":
        assert isinstance(value, EscalationPolicy)
        return {name: json.dumps(value.to_json())}
    if name == "reason":
        assert isinstance(value, Reason)
        return {name: json.dumps(value.to_json(), sort_keys=True)}
    if name in _ENUMS:
        return {name: str(value.value)}
    return {name: value}


def _row_of(alert: Alert) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in _FIELDS:
        if name != "id":
            row.update(_columns(name, getattr(alert, name)))
    return row


class AlreadyOpenError(Exception):
    """An alert of this kind about the same person, feed or channel is open already."""


class AlertRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._batches = Batches(connection)

    def add(self, alert: Alert) -> Alert:
        """Insert a new alert; returns it with its id. Raises AlreadyOpenError when another
        worker has just opened the same one: the database refuses a second open alert of
        one kind about one person, feed or channel, and the transaction is spoilt."""
        try:
            (added,) = self.add_all([alert])
        except IntegrityError as exc:
            raise AlreadyOpenError(alert.kind) from exc
        return added

    def add_all(self, new: Sequence[Alert]) -> list[Alert]:
        """Insert many at once; returned with their ids, in the order given."""
        if not new:
            return []
        rows = [_row_of(alert) for alert in new]
        if self.connection.dialect.name == "postgresql":
            ids = self._insert_postgresql(rows)
        else:
            statement = insert(alerts).returning(alerts.c.id, sort_by_parameter_order=True)
            ids = [int(i) for i in self.connection.scalars(statement, rows)]
        return [replace(alert, id=alert_id) for alert, alert_id in zip(new, ids, strict=True)]

    def _insert_postgresql(self, rows: list[dict[str, Any]]) -> list[int]:
        # One statement for any number of rows, one array per column. The ids are drawn
        # from the sequence as the rows come out of the ORDER BY, so sorted they follow
        # `rows` — what SQLAlchemy's own multi-row insert relies on too.
        names = list(rows[0])
        batch = (
            func.unnest(*(array_of([row[n] for row in rows], alerts.c[n].type) for n in names))
            .table_valued(*(column(n, alerts.c[n].type) for n in names), with_ordinality="position")
            .render_derived(name="batch")
        )
        numbered = select(*(batch.c[n] for n in names)).order_by(batch.c.position)
        statement = insert(alerts).from_select(names, numbered).returning(alerts.c.id)
        return sorted(int(alert_id) for alert_id in self.connection.scalars(statement))

    def get(self, alert_id: int, *, lock: bool = False) -> Alert | None:
        """One alert; with `lock`, its row is held until the transaction ends (PostgreSQL),
        so that nobody else moves it between this read and the save."""
        query = select(alerts).where(alerts.c.id == alert_id)
        if lock and self.connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return None if row is None else alert_of(row)

    def get_many(self, alert_ids: Sequence[int], *, lock: bool = False) -> dict[int, Alert]:
        """These alerts, by id; with `lock`, held as `get` holds one — taken in id order, as
        every writer takes them, so that two cannot deadlock."""
        found: dict[int, Alert] = {}
        for chunk in self._batches.per_statement(sorted(set(alert_ids))):
            query = select(alerts).where(self._batches.among(alerts.c.id, chunk))
            if lock and self.connection.dialect.name == "postgresql":
                query = query.order_by(alerts.c.id).with_for_update()
            for row in self.connection.execute(query):
                found[row.id] = alert_of(row)
        return found

    def save(self, alert: Alert, expected: Alert) -> bool:
        """Write what changed from `expected` (the alert as read) to `alert`, on condition
        that the stored row still is as read; False (and nothing written) if another worker,
        an acknowledgement or a resolution came first."""
        changed = changes(expected, alert)
        if not changed:
            return True
        if expected.id is None:
            raise ValueError("an alert is added before it is saved")
        held: dict[str, Any] = {}
        for name, field_value in guard(expected, changed).items():
            held.update(_columns(name, field_value))
        values: dict[str, Any] = {}
        for name, value in changed.items():
            values.update(_columns(name, value))
        statement = _conditional_update(
            tuple((column, value is None) for column, value in held.items()), tuple(values)
        )
        bound = {f"held_{c}": v for c, v in held.items() if v is not None}
        bound |= {f"new_{c}": v for c, v in values.items()}
        return bool(self.connection.execute(statement, bound).rowcount)

    def open_of_subjects(
        self,
        subject_ids: Sequence[int],
        *,
        lock: bool = False,
        resumed_after: datetime | None = None,
    ) -> dict[int, list[Alert]]:
        """The unresolved alerts of these people, by person; with `resumed_after`, only
        those not yet seen to resume by then (the ones a sign of life then could change)."""
        found: dict[int, list[Alert]] = {}
        for chunk in self._batches.per_statement(subject_ids):
            query = select(alerts).where(
                self._batches.among(alerts.c.subject_id, chunk), _unresolved()
            )
            if resumed_after is not None:
                query = query.where(
                    or_(alerts.c.resumed_at.is_(None), alerts.c.resumed_at > resumed_after)
                )
            if lock and self.connection.dialect.name == "postgresql":
                query = query.order_by(alerts.c.id).with_for_update()
            for row in self.connection.execute(query):
                found.setdefault(row.subject_id, []).append(alert_of(row))
        return found

    def open_about_feeds(self) -> dict[Carrier, Alert]:
        """Each carrier's open stale-feed case, in one statement (locked on PostgreSQL): the
        sweep asks at every pass, and once per carrier was a tenth of a backtest's time."""
        query = select(alerts).where(
            alerts.c.subject_id.is_(None),
            alerts.c.kind == AlertKind.FEED_STALE.value,
            _unresolved(),
        )
        if self.connection.dialect.name == "postgresql":
            query = query.order_by(alerts.c.id).with_for_update()
        return {Carrier(row.carrier): alert_of(row) for row in self.connection.execute(query)}

    def open_about_channel(self, channel: Medium) -> Alert | None:
        return self._open_about_system(
            and_(
                alerts.c.channel == channel.value,
                alerts.c.kind == AlertKind.GATEWAY_DOWN.value,
            )
        )

    def _open_about_system(self, about: ColumnElement[bool]) -> Alert | None:
        query = select(alerts).where(about, _unresolved())
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return None if row is None else alert_of(row)

    def due(self, now: datetime, limit: int) -> list[int]:
        """Alerts whose next step is due, and alerts whose person showed life again and
        whose recipients have not yet been told so."""
        stepping = self.connection.scalars(
            select(alerts.c.id)
            .where(step_due_condition(now))
            .order_by(alerts.c.step_due_at)
            .limit(limit)
        )
        resumed = self.connection.scalars(
            select(alerts.c.id).where(resumed_condition()).limit(limit)
        )
        return sorted(set(stepping) | set(resumed))

    def follow_centre(self, subject_id: int, centre_id: int) -> None:
        """A person moved centre: their alerts count for the centre they belong to now."""
        self.connection.execute(
            update(alerts)
            .where(
                alerts.c.subject_id == subject_id, alerts.c.centre_id.is_distinct_from(centre_id)
            )
            .values(centre_id=centre_id)
        )

    def follow_centres(self, moves: Sequence[tuple[int, int]]) -> None:
        """`follow_centre` for many (subject id, centre id) at once."""
        if not moves:
            return
        if self.connection.dialect.name == "postgresql":
            batch = unnested(
                "batch",
                {
                    alerts.c.subject_id: [subject_id for subject_id, _ in moves],
                    alerts.c.centre_id: [centre_id for _, centre_id in moves],
                },
            )
            self.connection.execute(
                update(alerts)
                .where(
                    alerts.c.subject_id == batch.c.subject_id,
                    alerts.c.centre_id.is_distinct_from(batch.c.centre_id),
                )
                .values(centre_id=batch.c.centre_id)
            )
            return
        self.connection.execute(
            update(alerts)
            .where(
                alerts.c.subject_id == bindparam("sid"),
                alerts.c.centre_id.is_distinct_from(bindparam("cid")),
            )
            .values(centre_id=bindparam("cid")),
            [{"sid": subject_id, "cid": centre_id} for subject_id, centre_id in moves],
        )

    def ids_of(self, subject_ids: Iterable[int]) -> list[int]:
        """Every alert about these people, resolved or not."""
        wanted = list(subject_ids)
        found: list[int] = []
        for chunk in self._batches.per_statement(wanted):
            found += self.connection.scalars(
                select(alerts.c.id).where(self._batches.among(alerts.c.subject_id, chunk))
            )
        return found


@lru_cache(maxsize=256)
def _conditional_update(held: tuple[tuple[str, bool], ...], changed: tuple[str, ...]) -> Update:
    """`save`'s statement for one shape of change (the columns it holds, which of them NULL,
    and the columns it sets), built once: an escalation pass saves thousands of alerts in a
    few shapes, and building each statement anew cost more than running it."""
    condition = [
        alerts.c[column].is_(None) if null else alerts.c[column] == bindparam(f"held_{column}")
        for column, null in held
    ]
    values: dict[str, BindParameter[Any]] = {c: bindparam(f"new_{c}") for c in changed}
    return update(alerts).where(and_(*condition)).values(values)


def step_due_condition(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """An open case whose next step is due by `now`."""
    return and_(alerts.c.step_due_at <= now, _unresolved())


def resumed_condition() -> TextClause:
    """An open case whose person showed life again, its recipients not yet told so."""
    return text(RESUMED_UNFOLLOWED)


def open_feed_condition(carrier: Carrier) -> ColumnElement[bool]:
    """The carrier's open stale-feed case."""
    return and_(
        alerts.c.subject_id.is_(None),
        alerts.c.kind == AlertKind.FEED_STALE.value,
        alerts.c.carrier == carrier.value,
        _unresolved(),
    )


def _unresolved() -> ColumnElement[bool]:
    return alerts.c.state != AlertState.RESOLVED.value
