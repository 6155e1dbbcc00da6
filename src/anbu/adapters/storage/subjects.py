"""People in the database: their enrolment records, their detection state (watches), their
pauses, and the index the sweep asks "who is due?". Never commits."""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Row,
    and_,
    bindparam,
    case,
    column,
    delete,
    exists,
    func,
    insert,
    null,
    select,
    tuple_,
    update,
)
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from anbu.adapters.storage.batches import (
    Batches,
    array_of,
    sqlite_cursor,
    sqlite_instant,
    unnested,
)
from anbu.adapters.storage.tables import Instant, activity_events, alerts, centres, pauses, subjects
from anbu.domain.detection import Personal, Watch
from anbu.domain.kinds import Carrier, Detection, Group, SubjectStatus
from anbu.domain.pauses import Pause
from anbu.domain.rhythm import Level, Rhythm, usual_rhythm


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """Just enough of a subject to route an event to them."""

    id: int
    consent_at: datetime
    status: SubjectStatus


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
    subjects.c.group,
    subjects.c.detection,
    subjects.c.rhythm,
    subjects.c.rhythm_at,
    subjects.c.missed_calls,
    subjects.c.silence_level,
)


def _personal(row: Row[Any], packed: bytes | None = None) -> Personal | None:
    """Personal detection's state as stored (the rhythm from `packed` when it was read
    apart), or None for a person watched by the fixed period."""
    if row.detection != Detection.PERSONAL.value:
        return None
    packed = packed if packed is not None else row.rhythm
    rhythm = Rhythm()
    if packed is not None and row.rhythm_at is not None:
        rhythm = Rhythm(bytes(packed), row.rhythm_at)
    calls: tuple[datetime, ...] = ()
    if row.missed_calls:
        calls = tuple(
            datetime.fromtimestamp(seconds, UTC) for seconds in array("q", bytes(row.missed_calls))
        )
    return Personal(
        rhythm=rhythm,
        usual=usual_rhythm(Group(row.group)),
        missed_calls=calls,
        level=Level(row.silence_level) if row.silence_level else None,
    )


_LEARNED = ("rhythm", "rhythm_at", "missed_calls", "silence_level")
_RHYTHM = _LEARNED[:2]
# In a batch of watches: this row's learned state is left as it is (a fixed-rule person),
# or its rhythm is (a rhythm `watches` did not read).
_KEEP: Column[bool] = Column("keep", Boolean())
_KEEP_RHYTHM: Column[bool] = Column("keep_rhythm", Boolean())


def _personal_columns(personal: Personal) -> dict[str, Any]:
    rhythm = personal.rhythm
    return {
        "rhythm": rhythm.packed if rhythm.reference else None,
        "rhythm_at": rhythm.reference,
        "missed_calls": (
            array("q", (int(c.timestamp()) for c in personal.missed_calls)).tobytes()
            if personal.missed_calls
            else None
        ),
        "silence_level": None if personal.level is None else personal.level.value,
    }


@dataclass(frozen=True, slots=True)
class AlertSubject:
    """What a message may say about the person: their reference, centre, sealed data."""

    subject_id: int
    external_id: str
    centre_id: int
    centre: str
    personal: bytes
    inactivity_minutes: int
    phone_off_minutes: int


@dataclass(frozen=True, slots=True)
class PauseRow:
    """One of a person's pauses as stored; `ends_at` None: until further notice."""

    id: int
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    created_at: datetime


# What a PauseRow is read from, in the order of its fields.
PAUSE_COLUMNS = (
    pauses.c.id,
    pauses.c.starts_at,
    pauses.c.ends_at,
    pauses.c.reason,
    pauses.c.created_at,
)


class SubjectRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._dialect = connection.dialect.name
        self._batches = Batches(connection)
        # People whose rhythm `watches` left unread (ingest): `save_watches` leaves it be.
        self._rhythm_unread: set[int] = set()

    def centre_named(self, name: str, now: datetime) -> int:
        found = self.connection.scalar(select(centres.c.id).where(centres.c.name == name))
        if found is not None:
            return int(found)
        return int(
            self.connection.execute(
                insert(centres).values(name=name, created_at=now).returning(centres.c.id)
            ).scalar_one()
        )

    def by_external_id(self, external_id: str) -> Row[Any] | None:
        return self.connection.execute(
            select(subjects).where(subjects.c.external_id == external_id)
        ).first()

    def by_phone(self, phone_key: bytes) -> Row[Any] | None:
        return self.connection.execute(
            select(subjects.c.id, subjects.c.carrier, subjects.c.status).where(
                subjects.c.phone_key == phone_key
            )
        ).first()

    def external_id_by_phone_key(self, phone_key: bytes) -> str | None:
        return self.connection.scalar(
            select(subjects.c.external_id).where(subjects.c.phone_key == phone_key)
        )

    def add(self, values: dict[str, Any]) -> int:
        result = self.connection.execute(insert(subjects).values(**values).returning(subjects.c.id))
        return int(result.scalar_one())

    def by_external_ids(self, external_ids: Collection[str]) -> dict[str, Row[Any]]:
        """`by_external_id` for many at once (enrolment reads a chunk's people together)."""
        found: dict[str, Row[Any]] = {}
        for chunk in self._batches.per_statement(sorted(external_ids)):
            rows = self.connection.execute(
                select(subjects).where(self._batches.among(subjects.c.external_id, chunk))
            )
            found.update((row.external_id, row) for row in rows)
        return found

    def external_ids_by_phone_keys(self, keys: Collection[bytes]) -> dict[bytes, str]:
        """`external_id_by_phone_key` for many at once."""
        found: dict[bytes, str] = {}
        for chunk in self._batches.per_statement(sorted(keys)):
            rows = self.connection.execute(
                select(subjects.c.phone_key, subjects.c.external_id).where(
                    self._batches.among(subjects.c.phone_key, chunk)
                )
            )
            found.update((bytes(key), str(external_id)) for key, external_id in rows)
        return found

    def add_all(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert people (every row with the same columns); their ids in the rows' order."""
        if not rows:
            return []
        if self._dialect == "postgresql":
            # One array per column: the statement's text is the same for any count, where a
            # multi-row VALUES list was a new, long text that psycopg split with a regular
            # expression each time (a third of an import's time). Ids are drawn as the rows
            # come out of the ORDER BY, so sorted they follow `rows`.
            names = list(rows[0])
            batch = (
                func.unnest(
                    *(array_of([row[n] for row in rows], subjects.c[n].type) for n in names)
                )
                .table_valued(
                    *(column(n, subjects.c[n].type) for n in names), with_ordinality="position"
                )
                .render_derived(name="batch")
            )
            numbered = select(*(batch.c[n] for n in names)).order_by(batch.c.position)
            statement = insert(subjects).from_select(names, numbered).returning(subjects.c.id)
            return sorted(int(subject_id) for subject_id in self.connection.scalars(statement))
        result = self.connection.execute(
            insert(subjects).returning(subjects.c.id, sort_by_parameter_order=True), list(rows)
        )
        return [int(subject_id) for subject_id in result.scalars()]

    def update_each(self, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """`update` for many people: one statement per set of columns changed, sent with
        all their rows at once."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for subject_id, values in changes:
            rows = by_columns.setdefault(tuple(sorted(values)), [])
            rows.append({"sid": subject_id} | {f"new_{n}": v for n, v in values.items()})
        for names, rows in by_columns.items():
            if self._dialect == "postgresql":
                # One statement for all of them, one array per column: one row each is
                # still a statement each on the server, pipelined or not.
                arrays: dict[Column[Any], list[Any]] = {
                    subjects.c.id: [row["sid"] for row in rows]
                } | {subjects.c[n]: [row[f"new_{n}"] for row in rows] for n in names}
                batch = unnested("batch", arrays)
                self.connection.execute(
                    update(subjects)
                    .where(subjects.c.id == batch.c.id)
                    .values({name: batch.c[name] for name in names})
                )
                continue
            self.connection.execute(
                update(subjects)
                .where(subjects.c.id == _bind("sid"))
                .values({name: _bind(f"new_{name}") for name in names}),
                rows,
            )

    def without_name_key(self, after: int, limit: int) -> list[tuple[int, str, bytes]]:
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

    def sealed_for_change(self, subject_id: int) -> bytes:
        """The person's sealed data, their row locked until the transaction ends, so that
        two changes to it (two officers, an officer and an import) do not lose one."""
        query = select(subjects.c.personal).where(subjects.c.id == subject_id)
        return bytes(self.connection.execute(query.with_for_update()).scalar_one())

    def reseal(self, subject_id: int, personal: bytes, now: datetime) -> None:
        """Store the person's sealed data anew; their record key stays that of the list
        they came by, so the same list imported again leaves the change be."""
        self.connection.execute(
            update(subjects)
            .where(subjects.c.id == subject_id)
            .values(personal=personal, updated_at=now)
        )

    def update(self, subject_id: int, values: dict[str, Any]) -> None:
        self.connection.execute(
            update(subjects).where(subjects.c.id == subject_id).values(**values)
        )

    def by_phone_keys(self, keys: Iterable[bytes]) -> dict[bytes, SubjectRef]:
        found: dict[bytes, SubjectRef] = {}
        for chunk in self._batches.per_statement(list(set(keys))):
            rows = self.connection.execute(
                select(
                    subjects.c.phone_key, subjects.c.id, subjects.c.consent_at, subjects.c.status
                ).where(self._batches.among(subjects.c.phone_key, chunk))
            ).all()
            for key, subject_id, consent_at, status in rows:
                found[bytes(key)] = SubjectRef(subject_id, consent_at, SubjectStatus(status))
        return found

    def forget(self, subject_id: int, personal: bytes, placeholder: bytes, now: datetime) -> None:
        """Withdrawal: delete the person's events and pauses and overwrite what identifies
        them. Their cases stay, holding no personal data once their notes are gone
        (`CaseViews.forget_notes`)."""
        self.connection.execute(
            delete(activity_events).where(activity_events.c.subject_id == subject_id)
        )
        self.connection.execute(delete(pauses).where(pauses.c.subject_id == subject_id))
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
                rhythm=None,
                rhythm_at=None,
                missed_calls=None,
                silence_level=None,
                updated_at=now,
            )
        )

    def count(self) -> int:
        return int(self.connection.scalar(select(func.count()).select_from(subjects)) or 0)

    def first_sealed(self) -> tuple[str, bytes] | None:
        """One person's reference and sealed record (the first enrolled), to try a key on."""
        row = self.connection.execute(
            select(subjects.c.external_id, subjects.c.personal).order_by(subjects.c.id).limit(1)
        ).first()
        return None if row is None else (row.external_id, bytes(row.personal))

    def refresh_statistics(self) -> None:
        """Tell the planner what the people table now holds, after a bulk load: until the
        database's own daemon gets to it (PostgreSQL's autovacuum, within minutes; SQLite
        never), it plans the next ingest's lookups for the table as it was — measured at
        7,224 events/s after `ANALYZE` against 4,986 before (issue 15). PostgreSQL samples a
        fixed number of rows whatever the size; SQLite is bounded the same way."""
        if self._dialect == "sqlite":
            self.connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
        self.connection.exec_driver_sql("ANALYZE subjects")

    def lock(self, subject_ids: Sequence[int]) -> None:
        """Take these people's rows for this transaction, in id order, before anything that
        refers to them is written: an event's insert takes a weaker lock on its person (its
        foreign key), and two writers each holding that and both asking for the row would
        deadlock."""
        if self._dialect != "postgresql":
            return  # SQLite has one writer at a time
        for chunk in self._batches.per_statement(sorted(subject_ids)):
            self.connection.execute(
                select(subjects.c.id)
                .where(self._batches.among(subjects.c.id, chunk))
                .order_by(subjects.c.id)
                .with_for_update()
            ).all()

    def watches(
        self, subject_ids: Sequence[int], *, lock: bool, learning: Collection[int] | None = None
    ) -> dict[int, Watch]:
        """Their detection state. With `learning` (ingest), a personal rhythm is read only for
        those people — the ones who showed life, whose rhythm learns — and the others' is
        left unread, and unwritten by `save_watches`: most of a delivery is data sessions
        and incoming texts, which teach a rhythm nothing."""
        result: dict[int, Watch] = {}
        columns: list[Any] = list(_WATCH_COLUMNS)
        if learning is not None:
            columns = [c for c in _WATCH_COLUMNS if c.name != "rhythm"]
            columns.append(null().label("rhythm"))
        # Whether a person has any pause, read with the row: most have none, and asking the
        # pauses table for every chunk was a statement per chunk for nothing.
        columns.append(exists().where(pauses.c.subject_id == subjects.c.id).label("paused"))
        for chunk in self._batches.per_statement(subject_ids):
            query = select(*columns).where(self._batches.among(subjects.c.id, chunk))
            if lock and self._dialect == "postgresql":
                # Every writer locks in id order, so that two of them cannot deadlock.
                query = query.order_by(subjects.c.id).with_for_update()
            elif lock:
                query = query.with_for_update()
            rows = self.connection.execute(query).all()
            paused = self._pauses([r.id for r in rows if r.paused])
            rhythms: dict[int, bytes] = {}
            watched = {r.id for r in rows if r.detection == Detection.PERSONAL.value}
            self._rhythm_unread -= watched  # read again: what holds is what is read now
            if learning is not None:
                rhythms = self._rhythms(sorted(watched & set(learning)))
                self._rhythm_unread |= watched - set(learning)
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
                    personal=_personal(row, rhythms.get(row.id) if learning is not None else None),
                )
        return result

    def _rhythms(self, subject_ids: Sequence[int]) -> dict[int, bytes]:
        if not subject_ids:
            return {}
        rows = self.connection.execute(
            select(subjects.c.id, subjects.c.rhythm).where(
                self._batches.among(subjects.c.id, subject_ids), subjects.c.rhythm.is_not(None)
            )
        )
        return {subject_id: bytes(packed) for subject_id, packed in rows}

    def _pauses(self, subject_ids: Sequence[int]) -> dict[int, list[Pause]]:
        found: dict[int, list[Pause]] = {}
        if not subject_ids:
            return found
        rows = self.connection.execute(
            select(pauses.c.subject_id, pauses.c.starts_at, pauses.c.ends_at).where(
                self._batches.among(pauses.c.subject_id, subject_ids)
            )
        )
        for subject_id, starts_at, ends_at in rows:
            found.setdefault(subject_id, []).append(Pause(starts_at, ends_at))
        return found

    def save_watches(self, watches: dict[int, Watch], now: datetime, *, exact: bool = True) -> None:
        """Write each subject's detection state; the caller holds their rows' locks. The
        personal state is written only for the people watched personally: a fixed-period
        person's save costs what it did before personal detection existed. `exact=False`
        (ingest) indexes a personal rhythm's cheap bound instead of judging it
        (`Watch.next_check_at`); the sweep judges it when the bound comes."""
        if not watches:
            return
        due = {
            i: w.next_due_at if exact or w.personal is None else w.next_check_at
            for i, w in watches.items()
        }
        personal = {i: w.personal for i, w in watches.items() if w.personal is not None}
        if self._dialect == "postgresql":
            # One statement for all of it: one new version of each row, not two.
            self._save_watches_postgresql(watches, due, personal, now)
            return
        self._save_watches_sqlite(watches, due, personal, now)

    def _save_watches_sqlite(
        self,
        watches: dict[int, Watch],
        due: dict[int, datetime | None],
        personal: dict[int, Personal],
        now: datetime,
    ) -> None:
        # The driver's `executemany` of a text made once: a backtest saves watches after
        # every delivery and every sweep that found someone due.
        cursor = sqlite_cursor(self.connection)
        try:
            for names, which in (
                (_LEARNED, [i for i in personal if i not in self._rhythm_unread]),
                (_LEARNED[2:], [i for i in personal if i in self._rhythm_unread]),
            ):
                if which:
                    cursor.executemany(
                        _sqlite_update(names),
                        [_sqlite_learned(_personal_columns(personal[i]), names, i) for i in which],
                    )
            instant = sqlite_instant
            updated_at = instant(now)
            cursor.executemany(
                _SQLITE_SAVE_WATCH,
                [
                    (
                        instant(w.last_life_at),
                        instant(w.last_on_at),
                        instant(w.last_off_at),
                        instant(w.silence_alerted_base),
                        instant(w.off_alerted_base),
                        instant(due[subject_id]),
                        updated_at,
                        subject_id,
                    )
                    for subject_id, w in watches.items()
                ],
            )
        finally:
            cursor.close()

    def _save_watches_postgresql(
        self,
        watches: dict[int, Watch],
        due: dict[int, datetime | None],
        personal: dict[int, Personal],
        now: datetime,
    ) -> None:
        states = list(watches.values())
        learned = [_personal_columns(p) for p in personal.values()] if personal else []
        arrays: dict[Column[Any], list[Any]] = {
            subjects.c.id: list(watches),
            subjects.c.last_life_at: [w.last_life_at for w in states],
            subjects.c.last_on_at: [w.last_on_at for w in states],
            subjects.c.last_off_at: [w.last_off_at for w in states],
            subjects.c.silence_alerted_base: [w.silence_alerted_base for w in states],
            subjects.c.off_alerted_base: [w.off_alerted_base for w in states],
            subjects.c.next_due_at: list(due.values()),
        }
        values: dict[str, Any] = {}
        if personal:
            # A fixed-rule person in the same batch keeps what they have (`keep`).
            at = {subject_id: n for n, subject_id in enumerate(personal)}
            index = [at.get(subject_id) for subject_id in watches]
            for name in _LEARNED:
                arrays[subjects.c[name]] = [None if n is None else learned[n][name] for n in index]
            arrays[_KEEP] = [n is None for n in index]
            arrays[_KEEP_RHYTHM] = [
                n is None or i in self._rhythm_unread for n, i in zip(index, watches, strict=True)
            ]
        batch = unnested("batch", arrays)
        if personal:
            values = {
                name: case(
                    (batch.c.keep_rhythm if name in _RHYTHM else batch.c.keep, subjects.c[name]),
                    else_=batch.c[name],
                )
                for name in _LEARNED
            }
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
                **values,
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

    def pause_of(self, subject_id: int, pause_id: int) -> PauseRow | None:
        """One of the person's pauses, its row locked until the transaction ends (so that
        two officers ending it at once are told apart); None if the person has no such
        pause."""
        query = select(*PAUSE_COLUMNS).where(
            pauses.c.id == pause_id, pauses.c.subject_id == subject_id
        )
        row = self.connection.execute(query.with_for_update()).first()
        return None if row is None else PauseRow(*row)

    def end_pause(self, pause_id: int, ends_at: datetime) -> None:
        self.connection.execute(
            update(pauses).where(pauses.c.id == pause_id).values(ends_at=ends_at)
        )

    def remove_pause(self, pause_id: int) -> None:
        self.connection.execute(delete(pauses).where(pauses.c.id == pause_id))

    def due(
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
            .where(due_condition(carrier, until))
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

    def about(self, subject_ids: Sequence[int]) -> dict[int, AlertSubject]:
        query = select(
            subjects.c.id,
            subjects.c.external_id,
            subjects.c.centre_id,
            centres.c.name,
            subjects.c.personal,
            subjects.c.inactivity_minutes,
            subjects.c.phone_off_minutes,
        ).join(centres, centres.c.id == subjects.c.centre_id)
        """What messages about these people's alerts may say of them, by person."""
        found: dict[int, AlertSubject] = {}
        for chunk in self._batches.per_statement(sorted(set(subject_ids))):
            for row in self.connection.execute(
                query.where(self._batches.among(subjects.c.id, chunk))
            ):
                found[row.id] = AlertSubject(
                    row.id,
                    row.external_id,
                    row.centre_id,
                    row.name,
                    bytes(row.personal),
                    row.inactivity_minutes,
                    row.phone_off_minutes,
                )
        return found

    def sealed_by_alert(self, alert_id: int) -> tuple[str, bytes] | None:
        """(reference, sealed personal data) of the person an alert is about."""
        row = self.connection.execute(
            select(subjects.c.external_id, subjects.c.personal)
            .join(alerts, alerts.c.subject_id == subjects.c.id)
            .where(alerts.c.id == alert_id)
        ).first()
        return None if row is None else (row.external_id, bytes(row.personal))


def due_condition(
    carrier: Carrier, until: datetime | BindParameter[datetime]
) -> ColumnElement[bool]:
    """Who is due: an active subject of `carrier` whose next due instant is by `until`."""
    return and_(
        subjects.c.carrier == carrier.value,
        subjects.c.next_due_at <= until,
        subjects.c.status == SubjectStatus.ACTIVE.value,
    )


_SQLITE_SAVE_WATCH = (
    "UPDATE subjects SET last_life_at = ?, last_on_at = ?, last_off_at = ?,"
    " silence_alerted_base = ?, off_alerted_base = ?, next_due_at = ?, updated_at = ?"
    " WHERE id = ?"
)


@lru_cache(maxsize=4)
def _sqlite_update(names: tuple[str, ...]) -> str:
    """The update of these learned columns of one person (names from `_LEARNED` only)."""
    return f"UPDATE subjects SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?"


def _sqlite_learned(
    columns: dict[str, Any], names: tuple[str, ...], subject_id: int
) -> tuple[Any, ...]:
    return (
        *(sqlite_instant(columns[n]) if n == "rhythm_at" else columns[n] for n in names),
        subject_id,
    )


def _bind(name: str) -> Any:
    return bindparam(name)


def _literal_pair(after: tuple[datetime, int]) -> tuple[Any, Any]:
    return bindparam("after_due", after[0], type_=Instant()), bindparam("after_id", after[1])
