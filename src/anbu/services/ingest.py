"""Ingest carriers' events and watermarks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from anbu.adapters.formats.activity_feed import EventLine, FeedLine, WatermarkLine
from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.domain.activity import ActivityEvent, LifeRules
from anbu.domain.detection import Watch, record_all
from anbu.domain.kinds import AlertKind, Carrier, SubjectStatus
from anbu.domain.rejections import Rejection
from anbu.domain.watermarks import Feed
from anbu.services.context import Context

# Enough to say what went wrong without letting a garbage file exhaust memory.
MAX_REJECTIONS_KEPT = 1000


@dataclass
class IngestReport:
    lines: int = 0
    stored: int = 0
    duplicates: int = 0
    unknown_numbers: int = 0
    not_monitored: int = 0
    watermarks: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.lines - self.rejected_count

    def reject(self, rejection: Rejection) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REJECTIONS_KEPT:
            self.rejected.append(rejection)


def ingest(
    app: Context,
    lines: Iterable[FeedLine],
    *,
    now: datetime,
    on_batch: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Store new events, advance watermarks and detection state, batch by batch.

    Each batch commits on its own: a failure later in a file loses nothing already
    accepted, and since state is made of maxima a re-sent file changes nothing.
    """
    report = IngestReport()
    events: list[ActivityEvent] = []
    marks: list[WatermarkLine] = []
    size = app.options.ingest_batch_size
    for item in lines:
        report.lines += 1
        if isinstance(item, Rejection):
            report.reject(item)
        elif isinstance(item, EventLine):
            events.append(item.event)
        else:
            marks.append(item)
        if len(events) + len(marks) >= size:
            _batch(app, events, marks, report, now)
            events, marks = [], []
            if on_batch:
                on_batch(report)
    if events or marks:
        _batch(app, events, marks, report, now)
    if on_batch:
        on_batch(report)
    return report


def _batch(
    app: Context,
    events: list[ActivityEvent],
    marks: list[WatermarkLine],
    report: IngestReport,
    now: datetime,
) -> None:
    unique: dict[tuple[str, str], ActivityEvent] = {}
    for event in events:
        key = (event.carrier.value, event.event_id)
        if key in unique:
            report.duplicates += 1
        else:
            unique[key] = event
    # A feed has seen what its latest event shows: one `see` per carrier, not per event.
    latest: dict[Carrier, datetime] = {}
    for event in unique.values():
        seen = latest.get(event.carrier)
        if seen is None or event.occurred_at > seen:
            latest[event.carrier] = event.occurred_at
    with app.transaction() as store:
        # The feeds are read, not locked, and what this batch taught of them is written
        # last (`advance`: watermarks only move forward), as is the hour's count: the rows
        # every batch of a carrier shares are held from there to the commit only, so
        # concurrent pushes do not queue behind each other's whole transaction. Subjects,
        # then their alerts, then those shared rows: every writer locks in this order.
        feeds = store.feeds.all()
        before = dict(feeds)
        for carrier, occurred_at in latest.items():
            feeds[carrier] = feeds.get(carrier, Feed(carrier)).see(occurred_at)
        for mark in marks:
            feeds[mark.carrier] = feeds.get(mark.carrier, Feed(mark.carrier)).declare(
                mark.complete_until
            )
            report.watermarks += 1
        _store_events(app, store, unique, report, now)
        for carrier, feed in sorted(feeds.items()):
            if before.get(carrier) != feed:
                store.feeds.advance(feed, now)


def _store_events(
    app: Context,
    store: UnitOfWork,
    events: dict[tuple[str, str], ActivityEvent],
    report: IngestReport,
    now: datetime,
) -> None:
    """Store `events` (by carrier and event id) of monitored subjects; advance their watches."""
    keys = {phone: app.vault.lookup_key(phone) for phone in {e.phone for e in events.values()}}
    refs = store.subjects.by_phone_keys(keys.values())
    rows: list[dict[str, Any]] = []
    owned: list[tuple[tuple[str, str], int, ActivityEvent]] = []
    for key, event in events.items():
        carrier, event_id = key
        ref = refs.get(keys[event.phone])
        if ref is None:
            report.unknown_numbers += 1
            continue
        if ref.status is not SubjectStatus.ACTIVE or event.occurred_at < ref.consent_at:
            # No consent, no monitoring: what happened before it is not ours to keep.
            report.not_monitored += 1
            continue
        owned.append((key, ref.id, event))
        rows.append(
            {
                "carrier": carrier,
                "event_id": event_id,
                "subject_id": ref.id,
                "kind": event.kind.value,
                "occurred_at": event.occurred_at,
                "duration_s": event.duration_s,
                "received_at": now,
            }
        )
    store.subjects.lock(sorted({subject_id for _, subject_id, _ in owned}))
    added = store.events.add_all(rows)
    report.stored += len(added)
    report.duplicates += len(rows) - len(added)
    by_subject: dict[int, list[ActivityEvent]] = {}
    for key, subject_id, event in owned:
        if key in added:
            by_subject.setdefault(subject_id, []).append(event)
    _advance(app.rules, store, by_subject, now)
    # Every event of a batch is received at `now`: one hour's count per carrier, a row
    # every batch shares, so counted after the people's rows (see `_batch`).
    store.events.count_received(_hour_of(now), Counter(carrier for carrier, _ in added))


def _hour_of(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _advance(
    rules: LifeRules, store: UnitOfWork, by_subject: dict[int, list[ActivityEvent]], now: datetime
) -> None:
    ids = sorted(by_subject)
    # Only a sign of life teaches a rhythm: the others' need not be read.
    learning = {
        s
        for s, events in by_subject.items()
        if any(rules.is_sign_of_life(e.kind, e.duration_s) for e in events)
    }
    watches = store.subjects.watches(ids, lock=True, learning=learning)
    changed: dict[int, Watch] = {}
    for subject_id in ids:
        old = watches[subject_id]
        new = record_all(
            old, ((e.kind, e.occurred_at, e.duration_s) for e in by_subject[subject_id]), rules
        )
        if new != old:
            changed[subject_id] = new
    store.subjects.save_watches(changed, now, exact=False)
    # The open cases of these people see the first sign of life since their episode began.
    # Locked (after the people, as every writer does): nothing moves them under us.
    # A case already seen to resume before any of these events cannot change.
    earliest = min((e.occurred_at for s in changed for e in by_subject[s]), default=None)
    cases = store.alerts.open_of_subjects(list(changed), lock=True, resumed_after=earliest)
    for subject_id, open_alerts in cases.items():
        for alert in open_alerts:
            first = _first_after(rules, alert.kind, alert.base_at, by_subject[subject_id])
            if first is not None:
                store.alerts.save(alert.resumed(first), alert)


def _first_after(
    rules: LifeRules, kind: AlertKind, base_at: datetime, events: list[ActivityEvent]
) -> datetime | None:
    """The earliest event after an open alert's episode began that ends the episode."""
    ends = rules.is_sign_of_life if kind is AlertKind.NO_ACTIVITY else rules.shows_phone_on
    times = [
        e.occurred_at for e in events if e.occurred_at > base_at and ends(e.kind, e.duration_s)
    ]
    return min(times, default=None)
