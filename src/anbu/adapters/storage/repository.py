"""The store: every query anbu makes, over one connection. It never commits; the
service that opened the transaction does (see `Anbu.transaction` in `anbu.bootstrap`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    Connection,
    Row,
    String,
    TableValuedAlias,
    bindparam,
    column,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

from anbu.adapters.storage.tables import (
    Instant,
    activity_events,
    alerts,
    audit_log,
    case_events,
    centres,
    event_hours,
    feeds,
    meta,
    pauses,
    subjects,
)
from anbu.domain.detection import Watch
from anbu.domain.kinds import AlertKind, AlertState, Carrier, Outcome, SubjectStatus
from anbu.domain.pauses import Pause
from anbu.domain.watermarks import Feed


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """Just enough of a subject to route an event to them."""

    id: int
    consent_at: datetime
    status: SubjectStatus


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    subject_external_id: str | None
    centre: str | None
    carrier: str | None
    kind: AlertKind
    state: AlertState
    base_at: datetime
    due_at: datetime
    opened_at: datetime
    resumed_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    outcome: Outcome | None


_WATCH_COLUMNS = (
    subjects.c.id,
    subjects.c.consent_at,
    subjects.c.inactivity_minutes,
    subjects.c.phone_off_minutes,
    subjects.c.last_life_at,
    subjects.c.last_on_at,
    subjects.c.last_off_at,
    subjects.c.silence_alerted_base,
    subjects.c.off_alerted_base,
)


@dataclass(frozen=True, slots=True)
class OpenEpisode:
    """An open alert about a person: the episode it is about, and whether they showed life
    again since."""

    alert_id: int
    kind: AlertKind
    base_at: datetime
    resumed_at: datetime | None


class Store:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._dialect = connection.dialect.name

    # -- centres and subjects -------------------------------------------------

    def centre_id(self, name: str, now: datetime) -> int:
        found = self.connection.scalar(select(centres.c.id).where(centres.c.name == name))
        if found is not None:
            return int(found)
        return int(
            self.connection.execute(
                insert(centres).values(name=name, created_at=now).returning(centres.c.id)
            ).scalar_one()
        )

    def subject_by_external_id(self, external_id: str) -> Row[Any] | None:
        return self.connection.execute(
            select(subjects).where(subjects.c.external_id == external_id)
        ).first()

    def subject_by_phone(self, phone_key: bytes) -> Row[Any] | None:
        return self.connection.execute(
            select(subjects.c.id, subjects.c.carrier, subjects.c.status).where(
                subjects.c.phone_key == phone_key
            )
        ).first()

    def external_id_by_phone_key(self, phone_key: bytes) -> str | None:
        return self.connection.scalar(
            select(subjects.c.external_id).where(subjects.c.phone_key == phone_key)
        )

    def insert_subject(self, values: dict[str, Any]) -> int:
        result = self.connection.execute(insert(subjects).values(**values).returning(subjects.c.id))
        return int(result.scalar_one())

    def subjects_without_name_key(self, after: int, limit: int) -> list[tuple[int, str, bytes]]:
        """(id, reference, sealed data) of people still monitored who have no name key
        (enrolled before schema 0006), by id after `after`."""
        rows = self.connection.execute(
            select(subjects.c.id, subjects.c.external_id, subjects.c.personal)
            .where(
                subjects.c.id > after,
                subjects.c.name_key.is_(None),
                subjects.c.status != SubjectStatus.WITHDRAWN.value,
            )
            .order_by(subjects.c.id)
            .limit(limit)
        )
        return [(int(row.id), str(row.external_id), bytes(row.personal)) for row in rows]

    def update_subject(self, subject_id: int, values: dict[str, Any]) -> None:
        self.connection.execute(
            update(subjects).where(subjects.c.id == subject_id).values(**values)
        )
        if "centre_id" in values:
            # A person's alerts count for the centre they belong to now.
            self.connection.execute(
                update(alerts)
                .where(
                    alerts.c.subject_id == subject_id,
                    alerts.c.centre_id.is_distinct_from(values["centre_id"]),
                )
                .values(centre_id=values["centre_id"])
            )

    def subjects_by_phone_keys(self, keys: Iterable[bytes]) -> dict[bytes, SubjectRef]:
        found: dict[bytes, SubjectRef] = {}
        for chunk in self._per_statement(list(set(keys))):
            rows = self.connection.execute(
                select(
                    subjects.c.phone_key, subjects.c.id, subjects.c.consent_at, subjects.c.status
                ).where(self._among(subjects.c.phone_key, chunk))
            ).all()
            for key, subject_id, consent_at, status in rows:
                found[bytes(key)] = SubjectRef(subject_id, consent_at, SubjectStatus(status))
        return found

    def forget_subject(
        self, subject_id: int, personal: bytes, placeholder: bytes, now: datetime
    ) -> None:
        """Withdrawal: delete the person's events and pauses and overwrite what identifies
        them; the alert history stays, holding no personal data."""
        self.connection.execute(
            delete(activity_events).where(activity_events.c.subject_id == subject_id)
        )
        self.connection.execute(delete(pauses).where(pauses.c.subject_id == subject_id))
        # Officers' notes on the person's cases may describe them: they go too, and so do
        # the resolution notes; the fact that a case was handled, and how, stays.
        cases_of = select(alerts.c.id).where(alerts.c.subject_id == subject_id)
        self.connection.execute(
            update(case_events).where(case_events.c.alert_id.in_(cases_of)).values(sealed_note=None)
        )
        self.connection.execute(
            update(alerts).where(alerts.c.subject_id == subject_id).values(resolution_note=None)
        )
        self.connection.execute(
            update(subjects)
            .where(subjects.c.id == subject_id)
            .values(
                name_key=None,
                personal=personal,
                phone_key=placeholder,
                record_key=placeholder,
                status=SubjectStatus.WITHDRAWN.value,
                withdrawn_at=now,
                last_life_at=None,
                last_on_at=None,
                last_off_at=None,
                silence_alerted_base=None,
                off_alerted_base=None,
                next_due_at=None,
                updated_at=now,
            )
        )

    def open_alert_ids(self, subject_id: int) -> list[int]:
        return list(
            self.connection.scalars(
                select(alerts.c.id).where(
                    alerts.c.subject_id == subject_id, alerts.c.state != AlertState.RESOLVED.value
                )
            )
        )

    def purge_events(self, received_before: datetime) -> int:
        result = self.connection.execute(
            delete(activity_events).where(activity_events.c.received_at < received_before)
        )
        self.connection.execute(delete(event_hours).where(event_hours.c.hour < received_before))
        return int(result.rowcount)

    def count_subjects(self) -> int:
        return int(self.connection.scalar(select(func.count()).select_from(subjects)) or 0)

    # -- watches: detection state ---------------------------------------------

    def watches(self, subject_ids: Sequence[int], *, lock: bool) -> dict[int, Watch]:
        result: dict[int, Watch] = {}
        for chunk in self._per_statement(subject_ids):
            query = select(*_WATCH_COLUMNS).where(self._among(subjects.c.id, chunk))
            if lock and self._dialect == "postgresql":
                # Every writer locks in id order, so that two of them cannot deadlock.
                query = query.order_by(subjects.c.id).with_for_update()
            elif lock:
                query = query.with_for_update()
            rows = self.connection.execute(query).all()
            paused = self._pauses(chunk)
            for row in rows:
                result[row.id] = Watch(
                    consent_at=row.consent_at,
                    inactivity=timedelta(minutes=row.inactivity_minutes),
                    phone_off_limit=timedelta(minutes=row.phone_off_minutes),
                    pauses=tuple(paused.get(row.id, ())),
                    last_life_at=row.last_life_at,
                    last_on_at=row.last_on_at,
                    last_off_at=row.last_off_at,
                    silence_alerted_base=row.silence_alerted_base,
                    off_alerted_base=row.off_alerted_base,
                )
        return result

    def _pauses(self, subject_ids: Sequence[int]) -> dict[int, list[Pause]]:
        found: dict[int, list[Pause]] = {}
        rows = self.connection.execute(
            select(pauses.c.subject_id, pauses.c.starts_at, pauses.c.ends_at).where(
                self._among(pauses.c.subject_id, subject_ids)
            )
        )
        for subject_id, starts_at, ends_at in rows:
            found.setdefault(subject_id, []).append(Pause(starts_at, ends_at))
        return found

    def save_watches(self, watches: dict[int, Watch], now: datetime) -> None:
        """Write each subject's detection state; the caller holds their rows' locks."""
        if not watches:
            return
        if self._dialect == "postgresql":
            self._save_watches_postgresql(watches, now)
            return
        statement = (
            update(subjects)
            .where(subjects.c.id == _bind("sid"))
            .values(
                last_life_at=_bind("last_life_at"),
                last_on_at=_bind("last_on_at"),
                last_off_at=_bind("last_off_at"),
                silence_alerted_base=_bind("silence_alerted_base"),
                off_alerted_base=_bind("off_alerted_base"),
                next_due_at=_bind("next_due_at"),
                updated_at=now,
            )
        )
        self.connection.execute(
            statement,
            [
                {
                    "sid": subject_id,
                    "last_life_at": w.last_life_at,
                    "last_on_at": w.last_on_at,
                    "last_off_at": w.last_off_at,
                    "silence_alerted_base": w.silence_alerted_base,
                    "off_alerted_base": w.off_alerted_base,
                    "next_due_at": w.next_due_at,
                }
                for subject_id, w in watches.items()
            ],
        )

    def _save_watches_postgresql(self, watches: dict[int, Watch], now: datetime) -> None:
        states = list(watches.values())
        batch = _unnest(
            "batch",
            {
                subjects.c.id: list(watches),
                subjects.c.last_life_at: [w.last_life_at for w in states],
                subjects.c.last_on_at: [w.last_on_at for w in states],
                subjects.c.last_off_at: [w.last_off_at for w in states],
                subjects.c.silence_alerted_base: [w.silence_alerted_base for w in states],
                subjects.c.off_alerted_base: [w.off_alerted_base for w in states],
                subjects.c.next_due_at: [w.next_due_at for w in states],
            },
        )
        self.connection.execute(
            update(subjects)
            .where(subjects.c.id == batch.c.id)
            .values(
                last_life_at=batch.c.last_life_at,
                last_on_at=batch.c.last_on_at,
                last_off_at=batch.c.last_off_at,
                silence_alerted_base=batch.c.silence_alerted_base,
                off_alerted_base=batch.c.off_alerted_base,
                next_due_at=batch.c.next_due_at,
                updated_at=now,
            )
        )

    def add_pause(self, subject_id: int, pause: Pause, reason: str, now: datetime) -> int:
        result = self.connection.execute(
            insert(pauses)
            .values(
                subject_id=subject_id,
                starts_at=pause.starts_at,
                ends_at=pause.ends_at,
                reason=reason,
                created_at=now,
            )
            .returning(pauses.c.id)
        )
        return int(result.scalar_one())

    def pause_of(self, subject_id: int, pause_id: int) -> Row[Any] | None:
        """One of the person's pauses, its row locked until the transaction ends (so that
        two officers ending it at once are told apart); None if the person has no such
        pause."""
        query = select(
            pauses.c.id, pauses.c.starts_at, pauses.c.ends_at, pauses.c.reason, pauses.c.created_at
        ).where(pauses.c.id == pause_id, pauses.c.subject_id == subject_id)
        return self.connection.execute(query.with_for_update()).first()

    def end_pause(self, pause_id: int, ends_at: datetime) -> None:
        self.connection.execute(
            update(pauses).where(pauses.c.id == pause_id).values(ends_at=ends_at)
        )

    def remove_pause(self, pause_id: int) -> None:
        self.connection.execute(delete(pauses).where(pauses.c.id == pause_id))

    def due_subjects(
        self,
        carrier: Carrier,
        until: datetime,
        after: tuple[datetime, int] | None,
        limit: int,
    ) -> list[tuple[datetime, int]]:
        """Active subjects of `carrier` whose next due instant is at or before `until`,
        in (next_due_at, id) order after `after`. Answered from `ix_subjects_due`."""
        query = (
            select(subjects.c.next_due_at, subjects.c.id)
            .where(
                subjects.c.carrier == carrier.value,
                subjects.c.next_due_at <= until,
                subjects.c.status == SubjectStatus.ACTIVE.value,
            )
            .order_by(subjects.c.next_due_at, subjects.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(
                tuple_(subjects.c.next_due_at, subjects.c.id) > tuple_(*_literal_pair(after))
            )
        if self._dialect == "postgresql":
            # Several sweepers may run at once: each takes the rows nobody else holds.
            query = query.with_for_update(skip_locked=True)
        return [(row.next_due_at, row.id) for row in self.connection.execute(query)]

    # -- activity events -------------------------------------------------------

    def insert_events(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """Insert, skipping (carrier, event_id) pairs already stored; returns those added."""
        if not rows:
            return set()
        if self._dialect == "postgresql":
            return self._insert_events_postgresql(rows)
        statement = (
            sqlite.insert(activity_events)
            .on_conflict_do_nothing(index_elements=["carrier", "event_id"])
            .returning(activity_events.c.carrier, activity_events.c.event_id)
        )
        result = self.connection.execute(statement, rows)
        return {(row.carrier, row.event_id) for row in result}

    def _insert_events_postgresql(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        # One statement for the whole batch, the rows as one array per column.
        names = list(rows[0])
        batch = _unnest("batch", {activity_events.c[n]: [row[n] for row in rows] for n in names})
        statement = (
            postgresql.insert(activity_events)
            .from_select(names, select(*batch.c))
            .on_conflict_do_nothing(index_elements=["carrier", "event_id"])
            .returning(activity_events.c.carrier, activity_events.c.event_id)
        )
        return {
            (carrier, event_id) for carrier, event_id in self.connection.execute(statement).all()
        }

    def count_received(self, hour: datetime, counts: Mapping[str, int]) -> None:
        """Add `counts` (events stored, by carrier) to what was received in `hour`."""
        if not counts:
            return
        rows = [{"carrier": c, "hour": hour, "events": n} for c, n in sorted(counts.items())]
        if self._dialect == "postgresql":
            on_postgresql = postgresql.insert(event_hours)
            self.connection.execute(
                on_postgresql.on_conflict_do_update(
                    index_elements=["carrier", "hour"],
                    set_={"events": event_hours.c.events + on_postgresql.excluded.events},
                ),
                rows,
            )
            return
        on_sqlite = sqlite.insert(event_hours)
        self.connection.execute(
            on_sqlite.on_conflict_do_update(
                index_elements=["carrier", "hour"],
                set_={"events": event_hours.c.events + on_sqlite.excluded.events},
            ),
            rows,
        )

    def mark_resumed(
        self, subject_id: int, kind: AlertKind, base_at: datetime, resumed_at: datetime
    ) -> None:
        """Record on an open alert the first activity after its episode began."""
        self.connection.execute(
            update(alerts)
            .where(
                alerts.c.subject_id == subject_id,
                alerts.c.kind == kind.value,
                alerts.c.state != AlertState.RESOLVED.value,
                alerts.c.base_at == base_at,
                or_(alerts.c.resumed_at.is_(None), alerts.c.resumed_at > resumed_at),
            )
            .values(resumed_at=resumed_at)
        )

    def open_episodes(self, subject_ids: Sequence[int]) -> dict[int, list[OpenEpisode]]:
        """The open alerts of these subjects, by subject."""
        found: dict[int, list[OpenEpisode]] = {}
        for chunk in self._per_statement(subject_ids):
            rows = self.connection.execute(
                select(
                    alerts.c.id,
                    alerts.c.subject_id,
                    alerts.c.kind,
                    alerts.c.base_at,
                    alerts.c.resumed_at,
                ).where(
                    self._among(alerts.c.subject_id, chunk),
                    alerts.c.state != AlertState.RESOLVED.value,
                )
            )
            for alert_id, subject_id, kind, base_at, resumed_at in rows:
                found.setdefault(subject_id, []).append(
                    OpenEpisode(alert_id, AlertKind(kind), base_at, resumed_at)
                )
        return found

    # -- feeds -------------------------------------------------------------------

    def feeds(self, *, lock: bool = False) -> dict[Carrier, Feed]:
        query = select(feeds).order_by(feeds.c.carrier)
        if lock:
            query = query.with_for_update()
        return {
            Carrier(row.carrier): Feed(
                carrier=Carrier(row.carrier),
                declared_until=row.declared_until,
                seen_until=row.seen_until,
                expected_since=row.expected_since,
            )
            for row in self.connection.execute(query)
        }

    def save_feed(self, feed: Feed, now: datetime) -> None:
        values = {
            "declared_until": feed.declared_until,
            "seen_until": feed.seen_until,
            "expected_since": feed.expected_since,
            "updated_at": now,
        }
        changed = self.connection.execute(
            update(feeds).where(feeds.c.carrier == feed.carrier.value).values(**values)
        ).rowcount
        if not changed:
            self.connection.execute(insert(feeds).values(carrier=feed.carrier.value, **values))

    # -- alerts ------------------------------------------------------------------

    def insert_alert(self, values: dict[str, Any]) -> int:
        result = self.connection.execute(insert(alerts).values(**values).returning(alerts.c.id))
        return int(result.scalar_one())

    def insert_alerts(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert many (every row naming the same columns); the ids come back in the order
        of `rows`."""
        if not rows:
            return []
        if self._dialect == "postgresql":
            # One statement for any number of rows, one array per column. The ids are
            # drawn from the sequence as the rows come out of the ORDER BY, so sorted they
            # follow `rows` — what SQLAlchemy's own multi-row insert relies on too.
            names = list(rows[0])
            batch = (
                func.unnest(*(_array([row[n] for row in rows], alerts.c[n].type) for n in names))
                .table_valued(
                    *(column(n, alerts.c[n].type) for n in names), with_ordinality="position"
                )
                .render_derived(name="batch")
            )
            numbered = select(*(batch.c[n] for n in names)).order_by(batch.c.position)
            statement = insert(alerts).from_select(names, numbered).returning(alerts.c.id)
            return sorted(int(alert_id) for alert_id in self.connection.scalars(statement))
        statement = insert(alerts).returning(alerts.c.id, sort_by_parameter_order=True)
        return [int(alert_id) for alert_id in self.connection.scalars(statement, rows)]

    def open_feed_alert(self, carrier: Carrier) -> int | None:
        return self.connection.scalar(
            select(alerts.c.id).where(
                alerts.c.subject_id.is_(None),
                alerts.c.carrier == carrier.value,
                alerts.c.kind == AlertKind.FEED_STALE.value,
                alerts.c.state != AlertState.RESOLVED.value,
            )
        )

    def resolve_alert(
        self, alert_id: int, outcome: Outcome, by: str, now: datetime, note: str = ""
    ) -> bool:
        """Conditional update: False if it was resolved already (someone got there first)."""
        changed = self.connection.execute(
            update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.state != AlertState.RESOLVED.value)
            .values(
                state=AlertState.RESOLVED.value,
                outcome=outcome.value,
                resolved_by=by,
                resolved_at=now,
                resolution_note=note or None,
                # A closed case has no further steps.
                step_due_at=None,
            )
        ).rowcount
        return bool(changed)

    def list_alerts(
        self, *, states: Sequence[AlertState] | None = None, limit: int | None = None
    ) -> list[AlertRow]:
        query = (
            select(
                alerts,
                subjects.c.external_id.label("subject_external_id"),
                centres.c.name.label("centre"),
            )
            .select_from(
                alerts.outerjoin(subjects, subjects.c.id == alerts.c.subject_id).outerjoin(
                    centres, centres.c.id == subjects.c.centre_id
                )
            )
            .order_by(alerts.c.due_at, alerts.c.id)
        )
        if states:
            query = query.where(alerts.c.state.in_([s.value for s in states]))
        if limit is not None:
            query = query.limit(limit)
        return [
            AlertRow(
                id=row.id,
                subject_external_id=row.subject_external_id,
                centre=row.centre,
                carrier=row.carrier,
                kind=AlertKind(row.kind),
                state=AlertState(row.state),
                base_at=row.base_at,
                due_at=row.due_at,
                opened_at=row.opened_at,
                resumed_at=row.resumed_at,
                acknowledged_at=row.acknowledged_at,
                acknowledged_by=row.acknowledged_by,
                resolved_at=row.resolved_at,
                resolved_by=row.resolved_by,
                outcome=Outcome(row.outcome) if row.outcome else None,
            )
            for row in self.connection.execute(query)
        ]

    # -- audit and meta ---------------------------------------------------------

    def audit(
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

    def meta_value(self, key: str) -> str | None:
        return self.connection.scalar(select(meta.c.value).where(meta.c.key == key))

    def set_meta(self, key: str, value: str) -> None:
        changed = self.connection.execute(
            update(meta).where(meta.c.key == key).values(value=value)
        ).rowcount
        if not changed:
            self.connection.execute(insert(meta).values(key=key, value=value))

    # -- many values in one statement ----------------------------------------------

    def _per_statement(self, values: Sequence[Any]) -> list[Sequence[Any]]:
        """Values to look up together: all at once on PostgreSQL (see `_among`); on SQLite
        at most 500 at a time, within its limit of bound parameters."""
        if self._dialect == "postgresql":
            return [values] if values else []
        return list(_chunks(list(values), 500))

    def _among(self, col: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        """`col` is one of `values`.

        On PostgreSQL `col IN (SELECT unnest(:array))`: one parameter, so the text is the
        same for any count and is parsed once, where a new `IN (…)` list each time was parsed
        and planned anew. Not `col = ANY(:array)`: once psycopg prepares a statement the
        server may settle on a generic plan that guesses ten values, and for a small table
        that is a sequential scan testing every row against the whole array (12 ms for a
        page of 500 ids against 2,000 alerts, growing with the table). As a semi-join it
        stays an index or hash lookup whatever the plan.
        """
        if self._dialect == "postgresql":
            return col.in_(select(func.unnest(_array(values, col.type))))
        return col.in_(values)


def _array(values: Sequence[Any], item: TypeEngine[Any]) -> BindParameter[Any]:
    """A PostgreSQL array bound as one parameter. `item` processes each element (an
    `Instant` refuses naive values and sends aware UTC, as for a single value); a string
    type loses its length, since a cast to VARCHAR(n)[] would silently cut longer values."""
    if isinstance(item, String):
        item = String()
    return bindparam(None, list(values), type_=postgresql.ARRAY(item))


def _unnest(alias: str, arrays: dict[Column[Any], Sequence[Any]]) -> TableValuedAlias:
    """`unnest(:a, :b, …) AS alias(a, b, …)`: rows given as one array per column, in
    order, named and typed as those columns."""
    return (
        func.unnest(*(_array(values, col.type) for col, values in arrays.items()))
        .table_valued(*(column(col.name, col.type) for col in arrays))
        .render_derived(name=alias)
    )


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bind(name: str) -> Any:
    return bindparam(name)


def _literal_pair(after: tuple[datetime, int]) -> tuple[Any, Any]:
    return bindparam("after_due", after[0], type_=Instant()), bindparam("after_id", after[1])
