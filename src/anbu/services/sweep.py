"""The sweep: open the alerts that are due, and watch the feeds themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.domain.alerts import Alert
from anbu.domain.detection import Overdue, supersedes
from anbu.domain.kinds import AlertKind, Carrier, Outcome
from anbu.domain.rhythm import Level
from anbu.domain.watermarks import Feed
from anbu.services import escalation
from anbu.services.context import Context
from anbu.services.escalation import EscalationReport, NewAlert
from anbu.services.outbox import queue_feed_alert

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class OpenedAlert:
    id: int
    subject_id: int | None
    carrier: Carrier
    kind: AlertKind
    due_at: datetime
    level: Level = Level.SERIOUS  # how grave it opened (a feed's or a channel's: serious)


@dataclass
class SweepReport:
    opened: list[OpenedAlert] = field(default_factory=list)
    recovered_feeds: list[Carrier] = field(default_factory=list)
    # Due, but an alert of that kind is still open for the same episode.
    still_open: int = 0
    # Open cases closed because their person showed life and then a new episode began.
    superseded: list[int] = field(default_factory=list)
    # Open cases whose silence went on to a higher level (personal detection).
    raised: list[int] = field(default_factory=list)
    # Alerts opened with nobody on file to tell (no staff for the centre, no admin).
    unrouted: int = 0
    # The escalation steps taken after opening (reminders, next tiers, follow-ups).
    escalation: EscalationReport = field(default_factory=EscalationReport)


def sweep(app: Context, *, now: datetime) -> SweepReport:
    """Open every alert that is due at `now` and take the escalation steps that are due;
    running it again changes nothing.

    A subject is judged against their carrier's watermark (never later than `now`),
    so a stalled feed raises one feed alert and no subject alert for its silence.
    """
    report = SweepReport()
    with app.transaction() as store:
        feeds = store.feeds.all()
        until = {c: min(f.watermark, now) for c, f in feeds.items() if f.watermark is not None}
        # One statement says what there is to do; most sweeps of a replay find nothing.
        work = store.sweep_probe.ask(until, feeds, now)
    for carrier in until:
        if carrier in work.carriers:
            _sweep_carrier(app, carrier, until[carrier], now, report)
    judged = any(
        _feed_moves(app, feed, feed.carrier in work.feed_cases, now) for feed in feeds.values()
    )
    if judged:
        _watch_feeds(app, now, report)
    if work.escalation or work.carriers or judged:
        # Then every open case whose next step is due moves on (next tier, reminder, the
        # self-check's end, a follow-up when the person showed life again). Asked again
        # after people were swept or feeds judged: a case opened now may be due now.
        report.escalation = escalation.escalate(app, now=now)
        report.unrouted += report.escalation.unrouted
    return report


def _feed_moves(app: Context, feed: Feed, has_case: bool, now: datetime) -> bool:
    """Whether `_judge_feed` would open or close this feed's case: it is stale and has none,
    or it has one and is no longer stale."""
    return feed.is_stale(now, app.options.max_feed_delay(feed.carrier)) != has_case


def _sweep_carrier(
    app: Context, carrier: Carrier, until: datetime, now: datetime, report: SweepReport
) -> None:
    after: tuple[datetime, int] | None = None
    while True:
        with app.transaction() as store:
            due = store.subjects.due(carrier, until, after, _CHUNK)
            if not due:
                return
            after = due[-1]
            ids = [subject_id for _, subject_id in due]
            _open_due(app, store, ids, carrier, until, now, report)
        if len(due) < _CHUNK:
            # A short page was the last: asking again would only find it empty (a replay
            # sweeps thousands of times, and this was a quarter of its due queries).
            return


def _open_due(
    app: Context,
    store: UnitOfWork,
    subject_ids: list[int],
    carrier: Carrier,
    until: datetime,
    now: datetime,
    report: SweepReport,
) -> None:
    watches = store.subjects.watches(subject_ids, lock=False)  # rows held by `due` already
    open_now = store.alerts.open_of_subjects(subject_ids, lock=True)
    due: list[tuple[int, Overdue]] = []
    superseded: list[Alert] = []
    changed = {}
    for subject_id in subject_ids:
        watch = watches[subject_id]
        open_by_kind = {alert.kind: alert for alert in open_now.get(subject_id, ())}
        for overdue in watch.overdue(until):
            case = open_by_kind.get(overdue.kind)
            if case is not None and case.base_at == overdue.base:
                # The same silence goes on: its case rises to the level now due.
                raised = case.raise_level(overdue.reached, now, app.calendar, overdue.reason)
                if raised != case and store.alerts.save(raised, case) and case.id is not None:
                    report.raised.append(case.id)
                watch = watch.alerted(overdue)
                continue
            if case is not None:
                if not supersedes(overdue, case.resumed_at):
                    # One open alert per kind: the officer's open case still stands for this.
                    report.still_open += 1
                    continue
                superseded.append(case)
            elif (
                overdue.base == watch.silence_alerted_base and overdue.kind is AlertKind.NO_ACTIVITY
            ):
                # Staff closed this silence's case: its later levels do not open it again.
                watch = watch.alerted(overdue)
                continue
            due.append((subject_id, overdue))
            watch = watch.alerted(overdue)
        if watch != watches[subject_id] or watch.personal is not None:
            # A personal rhythm's is saved even unchanged: its indexed bound (written by
            # ingest) becomes the exact instant its next level falls due.
            changed[subject_id] = watch
    for case in superseded:
        # Closed first: the database allows one open alert per person and kind.
        store.alerts.save(case.supersede(now), case)
    # Same transaction as the watches: an alert is opened with its first step taken and
    # its messages queued, or not at all.
    opened = escalation.open_alerts(
        app,
        store,
        [NewAlert(s, carrier, o.kind, o.base, o.due_at, o.reached, o.reason) for s, o in due],
        now,
    )
    for alert in opened.alerts:
        assert alert.id is not None
        report.opened.append(
            OpenedAlert(alert.id, alert.subject_id, carrier, alert.kind, alert.due_at, alert.level)
        )
    report.superseded += [case.id for case in superseded if case.id is not None]
    report.unrouted += opened.unrouted
    store.subjects.save_watches(changed, now)


def _watch_feeds(app: Context, now: datetime, report: SweepReport) -> None:
    with app.transaction() as store:
        feeds = store.feeds.all(lock=True)
        cases = store.alerts.open_about_feeds()
        for feed in feeds.values():
            _judge_feed(app, store, feed, cases.get(feed.carrier), now, report)


def _judge_feed(
    app: Context,
    store: UnitOfWork,
    feed: Feed,
    case: Alert | None,
    now: datetime,
    report: SweepReport,
) -> None:
    max_delay = app.options.max_feed_delay(feed.carrier)
    if feed.is_stale(now, max_delay):
        if case is None:
            stale_since = feed.stale_since(max_delay)
            assert stale_since is not None  # is_stale implies a reference instant
            base = stale_since - max_delay
            alert = store.alerts.add(
                Alert.for_feed(feed.carrier, base_at=base, due_at=stale_since, now=now)
            )
            assert alert.id is not None
            report.opened.append(
                OpenedAlert(alert.id, None, feed.carrier, AlertKind.FEED_STALE, stale_since)
            )
            report.unrouted += queue_feed_alert(store, alert.id, feed.carrier, base, now)
    elif case is not None:
        # The feed caught up: the operator's case closes itself, with the reason recorded.
        store.alerts.save(case.close(Outcome.FEED_RECOVERED, now), case)
        report.recovered_feeds.append(feed.carrier)
