"""Enrol or update subjects from the district's list."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anbu.adapters.storage.centres import CentreDefaults
from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.domain.centre_names import NONE_NEW, NewCentres, refusal, unknown_centre
from anbu.domain.detection import Personal, Watch
from anbu.domain.kinds import Carrier, Detection, SubjectStatus
from anbu.domain.rejections import Rejection
from anbu.domain.rhythm import usual_rhythm
from anbu.domain.subjects import (
    Enrolment,
    name_key_for,
    visit_fields,
    visit_of,
)
from anbu.domain.watermarks import Feed
from anbu.domain.wording import Message
from anbu.services.centre_settings import with_centre_periods
from anbu.services.context import Context
from anbu.services.imports import ImportReport, Outcome

_CHUNK = 500
# An import that wrote this many people refreshes the planner's statistics of the table at
# its end (a few hundred milliseconds, sampled): a district's first list, a national load.
BULK_ROWS = 1000


def enrol(
    app: Context,
    rows: Iterable[tuple[int, Enrolment] | Rejection],
    *,
    now: datetime,
    actor: str,
    new_centres: NewCentres = NONE_NEW,
) -> ImportReport:
    """Create or update each subject; a bad row is reported and the rest go on.

    A row naming a centre that does not exist but is close to one that does is refused
    (field `centre`, the close names suggested) unless `new_centres` allows creating it;
    the centres created are listed in `report.new_centres`.

    Rows are committed in chunks, so an interrupted import keeps what it had done and a
    re-run finishes the rest (a re-import of an unchanged row changes nothing).
    """
    report = ImportReport()
    batch: list[tuple[int, Enrolment]] = []
    for row in rows:
        if isinstance(row, Rejection):
            report.rejected.append(row)
            continue
        batch.append(row)
        if len(batch) >= _CHUNK:
            _enrol_chunk(app, batch, report, new_centres, now=now, actor=actor)
            batch = []
    if batch:
        _enrol_chunk(app, batch, report, new_centres, now=now, actor=actor)
    if report.created + report.updated >= BULK_ROWS:
        with app.transaction() as store:
            store.subjects.refresh_statistics()
    report.rejected.sort(key=lambda r: r.line)
    return report


def _enrol_chunk(
    app: Context,
    batch: list[tuple[int, Enrolment]],
    report: ImportReport,
    allowed: NewCentres,
    *,
    now: datetime,
    actor: str,
) -> None:
    with app.transaction() as store:
        # Read, not locked: written last, moving only earlier (as ingest does, see there).
        feeds = store.feeds.all()
        touched_feeds: set[Carrier] = set()
        chunk = _Chunk(app, store, batch, now=now, actor=actor)
        centres = _Centres(set(store.centres.names()), allowed, report.new_centres)
        for line, enrolment in batch:
            outcome = _enrol_one(app, chunk, line, enrolment, centres, now=now)
            if isinstance(outcome, Rejection):
                report.rejected.append(outcome)
                continue
            report.count(outcome)
            if outcome != "unchanged":
                feed = feeds.get(enrolment.carrier) or Feed(enrolment.carrier)
                feeds[enrolment.carrier] = feed.expect_from(enrolment.consent_at)
                touched_feeds.add(enrolment.carrier)
        chunk.flush()
        for carrier in sorted(touched_feeds):
            store.feeds.advance(feeds[carrier], now)


class _Chunk:
    """A chunk's people, numbers and centres read at once, and its writes held and sent
    together (`flush`): a handful of statements a chunk instead of five a row.

    Each row is still judged as if the rows before it were written: a row about a person
    or a number that a held write touches sends the held writes first and reads afresh.
    """

    def __init__(
        self,
        app: Context,
        store: UnitOfWork,
        batch: list[tuple[int, Enrolment]],
        *,
        now: datetime,
        actor: str,
    ) -> None:
        self._app, self._store, self._now, self._actor = app, store, now, actor
        self._existing = store.subjects.by_external_ids({e.external_id for _, e in batch})
        self._holders = store.subjects.external_ids_by_phone_keys(
            {app.vault.lookup_key(e.phone) for _, e in batch}
        )
        self._centres = store.centres.defaults_named({e.centre for _, e in batch})
        # References and number keys written in this chunk, held or sent.
        self._touched: set[str | bytes] = set()
        self._creates: list[dict[str, Any]] = []
        self._updates: list[tuple[int, dict[str, Any]]] = []
        self._moves: list[tuple[int, int]] = []
        # In row order, what to audit: (subject id, None) for a person updated, or (None,
        # their place among `_creates`) for one created.
        self._audit: list[tuple[int | None, int | None]] = []

    def existing(self, external_id: str, phone_key: bytes) -> tuple[Any, str | None]:
        """The person of that reference, and the reference holding that number."""
        if external_id in self._touched or phone_key in self._touched:
            # Written in this chunk: what was read at its start no longer holds.
            self.flush()
            subjects = self._store.subjects
            found = subjects.by_external_id(external_id)
            if found is None:
                self._existing.pop(external_id, None)
            else:
                self._existing[external_id] = found
            holder = subjects.external_id_by_phone_key(phone_key)
            if holder is None:
                self._holders.pop(phone_key, None)
            else:
                self._holders[phone_key] = holder
        return self._existing.get(external_id), self._holders.get(phone_key)

    def centre(self, name: str) -> CentreDefaults:
        found = self._centres.get(name)
        if found is None:
            # Created on first mention by a row that gets this far, as one row at a time did.
            centre_id = self._store.subjects.centre_named(name, self._now)
            found = CentreDefaults(
                centre_id,
                self._store.centres.detection(centre_id),
                self._store.centres.group_periods(centre_id),
            )
            self._centres[name] = found
        return found

    def create(self, values: dict[str, Any]) -> None:
        self._touched |= {values["external_id"], values["phone_key"]}
        self._audit.append((None, len(self._creates)))
        self._creates.append(values)

    def update(self, existing: Any, values: dict[str, Any]) -> None:
        self._touched |= {existing.external_id, bytes(existing.phone_key), values["phone_key"]}
        self._updates.append((existing.id, values))
        self._moves.append((existing.id, values["centre_id"]))
        self._audit.append((existing.id, None))

    def flush(self) -> None:
        if not self._audit:
            return
        store = self._store
        created = store.subjects.add_all(self._creates)
        store.subjects.update_each(self._updates)
        # A person's alerts count for the centre they belong to now.
        store.alerts.follow_centres(self._moves)
        # Periods or consent may have changed: the indexed due instant must follow.
        updated = sorted(subject_id for subject_id, _ in self._updates)
        store.subjects.save_watches(store.subjects.watches(updated, lock=True), self._now)
        for subject_id, place in self._audit:
            # A person not yet inserted when noted was created by this list; else updated.
            store.audit.record(
                self._actor,
                "subject.created" if place is not None else "subject.updated",
                self._now,
                subject_id=created[place] if place is not None else subject_id,
            )
        self._creates, self._updates, self._moves, self._audit = [], [], [], []


def _enrol_one(
    app: Context,
    chunk: _Chunk,
    line: int,
    enrolment: Enrolment,
    centres: _Centres,
    *,
    now: datetime,
) -> Outcome | Rejection:
    phone_key = app.vault.lookup_key(enrolment.phone)
    record_key = app.vault.lookup_key(_canonical(enrolment))
    existing, holder = chunk.existing(enrolment.external_id, phone_key)
    if holder is not None and holder != enrolment.external_id:
        return Rejection(line, "phone", Message("reason.phone_taken", holder=holder))
    if existing is not None and bytes(existing.record_key) == record_key:
        return "unchanged"
    withdrawn_at = existing.withdrawn_at if existing is not None else None
    withdrawn = withdrawn_at is not None
    if withdrawn_at is not None and enrolment.consent_at <= withdrawn_at:
        # An old list must not bring back someone who said no; a new consent does.
        return Rejection(
            line,
            "consent_at",
            Message("reason.consent_withdrawn"),
        )
    typo_of = centres.typo_of(enrolment.centre)
    if typo_of:
        return Rejection(line, "centre", refusal(enrolment.centre, typo_of))
    centre = chunk.centre(enrolment.centre)
    centres.created(enrolment.centre)
    centre_id = centre.id
    detection = enrolment.detection or centre.detection
    # Periods not given for the person are their centre's for their group. The record key
    # above stays that of the row as read, so that a centre changing its periods later
    # does not make an unchanged row "updated" (and a review still foretells exactly).
    enrolment = with_centre_periods(enrolment, centre.periods or app.periods)
    personal = _personal(enrolment)
    if enrolment.visit is None and existing is not None and not withdrawn:
        # The row gives no visit information: what officers wrote on the page stays.
        stored = app.vault.open(bytes(existing.personal), bound_to=enrolment.external_id)
        personal.update(visit_fields(visit_of(stored)))
    values: dict[str, Any] = {
        "centre_id": centre_id,
        "carrier": enrolment.carrier.value,
        "phone_key": phone_key,
        "personal": app.vault.seal(personal, bound_to=enrolment.external_id),
        # Officers find a person by whole name without readable names in the database.
        "name_key": app.vault.lookup_key(name_key_for(enrolment.name)),
        "record_key": record_key,
        "group": enrolment.group.value,
        "inactivity_minutes": int(enrolment.inactivity.total_seconds() // 60),
        "inactivity_custom": enrolment.inactivity_custom,
        "phone_off_minutes": int(enrolment.phone_off.total_seconds() // 60),
        "phone_off_custom": enrolment.phone_off_custom,
        "consent_at": enrolment.consent_at,
        "detection": detection.value,
        "detection_custom": enrolment.detection is not None,
        "updated_at": now,
    }
    if existing is None:
        watch = Watch(
            enrolment.consent_at,
            enrolment.inactivity,
            enrolment.phone_off,
            personal=(
                Personal(usual=usual_rhythm(enrolment.group))
                if detection is Detection.PERSONAL
                else None
            ),
        )
        chunk.create(
            {
                **values,
                "external_id": enrolment.external_id,
                "status": SubjectStatus.ACTIVE.value,
                "next_due_at": watch.next_due_at,
                "created_at": now,
            }
        )
        return "created"
    if withdrawn:
        values.update(status=SubjectStatus.ACTIVE.value, withdrawn_at=None)
    chunk.update(existing, values)
    return "updated"


@dataclass(slots=True)
class _Centres:
    """The centres known while a chunk is enrolled, and those the list created (shared
    with the report, so that a centre is listed once however many chunks name it)."""

    known: set[str]
    allowed: NewCentres
    new: list[str]

    def typo_of(self, name: str) -> list[str]:
        return unknown_centre(name, self.known, self.allowed)

    def created(self, name: str) -> None:
        if name not in self.known:
            self.known.add(name)
            self.new.append(name)


def _personal(enrolment: Enrolment) -> dict[str, Any]:
    """What is sealed. It is also part of the record key, so a guardian number given,
    changed or taken away makes the row "updated"; a row without a guardian keeps the key
    it had before guardians existed, so re-importing an old list changes nothing. Visit
    information likewise, when the row gives it."""
    personal: dict[str, Any] = {
        "name": enrolment.name,
        "phone": enrolment.phone,
        "birth_date": enrolment.birth_date.isoformat(),
        "address": enrolment.address,
    }
    if enrolment.guardian_phone is not None:
        personal["guardian_phone"] = enrolment.guardian_phone
    if enrolment.visit is not None:
        personal.update(visit_fields(enrolment.visit))
    return personal


def _canonical(enrolment: Enrolment) -> str:
    return json.dumps(
        {
            **_personal(enrolment),
            "external_id": enrolment.external_id,
            "carrier": enrolment.carrier.value,
            "centre": enrolment.centre,
            "consent_at": enrolment.consent_at.isoformat(),
            "group": enrolment.group.value,
            "inactivity": enrolment.inactivity.total_seconds(),
            "inactivity_custom": enrolment.inactivity_custom,
            "phone_off": enrolment.phone_off.total_seconds(),
            "phone_off_custom": enrolment.phone_off_custom,
            # Only when given: a row without it keeps the key it had before the column.
            **({"detection": enrolment.detection.value} if enrolment.detection else {}),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def fill_missing_name_keys(app: Context, *, chunk: int = 1000) -> int:
    """Give people enrolled before whole-name search existed (schema 0006) their name key,
    so that a search by name finds them too; returns how many. Runs after an upgrade: the
    key needs the vault, which a migration does not have. Chunk by chunk, each committed,
    so a restart picks up where it stopped (the rows still without a key)."""
    filled = 0
    after = 0
    while True:
        with app.transaction() as store:
            rows = store.subjects.without_name_key(after, chunk)
            if not rows:
                return filled
            for subject_id, external_id, personal in rows:
                name = str(app.vault.open(personal, bound_to=external_id)["name"])
                key = app.vault.lookup_key(name_key_for(name))
                store.subjects.update(subject_id, {"name_key": key})
            filled += len(rows)
            after = rows[-1][0]
