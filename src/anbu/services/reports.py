"""Reports: how many alerts, how fast they were answered, how they ended, who is enrolled —
for officers and leads (their centres), administrators and the duty desk (the district);
and the operators' board of feeds, channels and the outbox. Counts only: no person appears.

Periods are whole weeks, Monday to Sunday in Seoul, the last of them the current week (so far).
An alert belongs to the week it opened in, and to the centre its person belongs to now.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from time import perf_counter
from zoneinfo import ZoneInfo

from anbu.adapters.storage.reports import (
    AlertCount,
    GroupCount,
    ReportViews,
    ResponseSpreads,
    SystemAlert,
    WeekContact,
)
from anbu.domain.alerts import OFFICER_OUTCOMES
from anbu.domain.kinds import AlertKind, Carrier, Group, NotificationState, Outcome, Role
from anbu.domain.spread import Spread
from anbu.services import feeds
from anbu.services.accounts import StaffUser
from anbu.services.context import Context

SEOUL = ZoneInfo("Asia/Seoul")
PERIODS = (4, 12, 52)  # weeks a report may cover
DEFAULT_WEEKS = 12
SUBJECT_KINDS = (AlertKind.NO_ACTIVITY, AlertKind.PHONE_OFF)
# How outcomes are listed; None is "not closed yet".
OUTCOME_ORDER: tuple[Outcome | None, ...] = (
    *OFFICER_OUTCOMES,
    Outcome.CHECKED_IN,
    Outcome.SUPERSEDED,
    Outcome.CONSENT_WITHDRAWN,
    None,
)
REPORT_ROLES = (Role.OFFICER, Role.LEAD, Role.ADMIN, Role.DUTY)
BOARD_ROLES = (Role.OPERATOR, Role.ADMIN)
HOURS = 24  # the feed board's window of events per hour


class ReportTable(StrEnum):
    ALERTS_PER_WEEK = "alerts_per_week"
    TIMINGS = "timings"
    OUTCOMES = "outcomes"
    ENROLMENT = "enrolment"
    CENTRES = "centres"  # per centre, per 100 enrolled
    TREND = "trend"  # the same figures week by week, the district's and each centre's


class ReportRefusedError(PermissionError):
    """This member of staff's role does not read this report."""


@dataclass(frozen=True, slots=True)
class Period:
    weeks: int
    # The Mondays 00:00 Seoul that start each week, then the Monday after the last week.
    boundaries: tuple[datetime, ...]
    now: datetime  # the last week is counted so far

    @property
    def since(self) -> datetime:
        return self.boundaries[0]

    @property
    def until(self) -> datetime:
        return self.boundaries[-1]

    @property
    def week_starts(self) -> list[date]:
        return [b.astimezone(SEOUL).date() for b in self.boundaries[:-1]]


def period(weeks: int, now: datetime) -> Period:
    """The `weeks` Monday-based Seoul weeks ending with the current one. Boundaries are
    computed on the calendar, then placed in Seoul's zone, so they stay midnights even if
    the zone's offset ever changes."""
    if weeks not in PERIODS:
        raise ValueError(f"a report covers {', '.join(map(str, PERIODS))} weeks, not {weeks}")
    today = now.astimezone(SEOUL).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    bounds = tuple(
        datetime.combine(first + timedelta(weeks=i), time(0), SEOUL) for i in range(weeks + 1)
    )
    return Period(weeks, bounds, now)


@dataclass(frozen=True, slots=True)
class WeekRow:
    week_start: date
    centre: str  # "" for the whole scope
    counts: dict[AlertKind, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class TimingRow:
    centre: str  # "" for the whole scope
    acknowledge: Spread
    contact: Spread


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    centre: str  # "" for the whole scope
    counts: dict[Outcome | None, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def closed_by_officers(self) -> int:
        return sum(self.counts.get(outcome, 0) for outcome in OFFICER_OUTCOMES)

    @property
    def false_alarm_share(self) -> float | None:
        """False alarms among the cases officers closed (None when they closed none)."""
        closed = self.closed_by_officers
        return self.counts.get(Outcome.FALSE_ALARM, 0) / closed if closed else None


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    centre: str  # "" for the whole scope
    counts: dict[Group, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class CaseFigures:
    """What a district acts on, for a centre ("" for the whole scope) over the period or
    one week: the alerts opened, and of them the false alarms, those still open and those
    that came to need a visit; each also per 100 people enrolled now (None with nobody
    enrolled). `to_contact` is the median time to the first call or visit (the period's
    only: per week it is None)."""

    centre: str
    enrolled: int
    alerts: int = 0
    false_alarms: int = 0
    open: int = 0
    visit_needed: int = 0
    to_contact: timedelta | None = None
    week_start: date | None = None  # None: the whole period

    def per_hundred(self, count: int) -> float | None:
        return round(count * 100 / self.enrolled, 1) if self.enrolled else None


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    centres: list[str]
    # Per week, all the centres together; then per week and centre (for the export).
    weeks: list[WeekRow] = field(default_factory=list)
    weeks_by_centre: list[WeekRow] = field(default_factory=list)
    # Per centre over the period, then the whole scope last (centre "").
    by_centre: list[WeekRow] = field(default_factory=list)
    timings: list[TimingRow] = field(default_factory=list)
    outcomes: list[OutcomeRow] = field(default_factory=list)
    enrolment: list[EnrolmentRow] = field(default_factory=list)
    # Per centre over the period, then the whole scope last (centre "").
    per_centre: list[CaseFigures] = field(default_factory=list)
    # Per week, oldest first: the whole scope, then each centre.
    trend: list[CaseFigures] = field(default_factory=list)


_CacheKey = tuple[frozenset[int] | None, int, frozenset[ReportTable], datetime]


class ReportCache:
    """Reports counted in the last `seconds`, by scope, period and tables, so that a
    year's figures for the district are counted once a minute rather than at every view.
    The slow ones (counting took `slow` or more: a district's or a country's year, not a
    centre's weeks) viewed in the last `keep_warm` are recounted ahead of expiry (`refresh`,
    in `anbu serve`'s background), so that those views never wait for the count; the quick
    ones are simply counted again at their next view, so the background does not grow with
    the number of centres. Thread-safe; holds at most `size` reports (the oldest counted is
    dropped first)."""

    def __init__(
        self,
        seconds: float,
        size: int = 64,
        keep_warm: timedelta = timedelta(minutes=15),
        slow: timedelta = timedelta(milliseconds=100),
    ) -> None:
        self.fresh_for = timedelta(seconds=seconds)
        self.keep_warm = keep_warm
        self.slow = slow
        self._size = size
        self._reports: dict[_CacheKey, Report] = {}
        self._took: dict[_CacheKey, timedelta] = {}
        self._viewed: dict[_CacheKey, datetime] = {}
        self._lock = threading.Lock()

    def get(self, key: _CacheKey, now: datetime) -> Report | None:
        with self._lock:
            self._viewed[key] = now
            found = self._reports.get(key)
        if found is None or not timedelta(0) <= now - found.period.now < self.fresh_for:
            return None
        return found

    def put(self, key: _CacheKey, counted: Report, took: timedelta) -> None:
        if not self.fresh_for:
            return
        with self._lock:
            self._reports[key] = counted
            self._took[key] = took
            while len(self._reports) > self._size:
                oldest = min(self._reports, key=lambda k: self._reports[k].period.now)
                del self._reports[oldest]
                del self._took[oldest]
            self._forget(counted.period.now)

    def to_refresh(self, now: datetime) -> list[_CacheKey]:
        """Slow reports viewed within `keep_warm` whose figures are past half their
        freshness; the reports not viewed for that long are forgotten."""
        with self._lock:
            self._forget(now)
            return [
                key
                for key in self._viewed
                if key in self._reports
                and self._took[key] >= self.slow
                and now - self._reports[key].period.now >= self.fresh_for / 2
            ]

    def _forget(self, now: datetime) -> None:
        for key in [k for k, seen in self._viewed.items() if now - seen > self.keep_warm]:
            del self._viewed[key]
            if key in self._reports:
                del self._reports[key]
                del self._took[key]


def refresh(app: Context, cache: ReportCache, now: datetime) -> int:
    """Recount the slow reports people are looking at before their figures expire; returns
    how many. Not a view: nothing is audited. A report whose period has moved on (a new
    week began) is left to be counted at its next view."""
    recounted = 0
    for key in cache.to_refresh(now):
        scope, weeks, tables, since = key
        span = period(weeks, now)
        if span.since != since:
            continue
        _count_into(app, cache, key, span, scope, tables)
        recounted += 1
    return recounted


def _count_into(
    app: Context,
    cache: ReportCache,
    key: _CacheKey,
    span: Period,
    scope: frozenset[int] | None,
    tables: Collection[ReportTable],
) -> Report:
    started = perf_counter()
    with app.transaction() as tx:
        counted = _count(tx.reports, span, scope, tables)
    cache.put(key, counted, timedelta(seconds=perf_counter() - started))
    return counted


def report(
    app: Context,
    user: StaffUser,
    *,
    weeks: int,
    now: datetime,
    tables: Collection[ReportTable] = tuple(ReportTable),
    exported: str | None = None,
    cache: ReportCache | None = None,
) -> Report:
    """The report over the last `weeks` weeks for the user's centres (the whole district
    for administrators and the duty desk). Raises ReportRefusedError for operators, who see
    no casework, and ValueError for a period not offered. The view is audit-logged, also
    when the figures come from the `cache` (then `period.now` says when they were counted),
    with the format it was given in: `html`, or the file's when `exported` (csv, xlsx)."""
    if user.role not in REPORT_ROLES:
        raise ReportRefusedError(f"reports are not for the {user.role.value} role")
    span = period(weeks, now)
    scope = user.reach.centres
    key: _CacheKey = (scope, weeks, frozenset(tables), span.since)
    result = cache.get(key, now) if cache else None
    if result is None:
        if cache:
            result = _count_into(app, cache, key, span, scope, tables)
        else:
            with app.transaction() as tx:
                result = _count(tx.reports, span, scope, tables)
    with app.transaction() as tx:
        detail = {
            "weeks": weeks,
            "tables": sorted(t.value for t in tables),
            "format": exported or "html",
            "centres": "all" if scope is None else sorted(scope),
        }
        tx.audit.record(user.login, "report.viewed", now, detail=json.dumps(detail))
    return result


def _count(
    views: ReportViews,
    span: Period,
    scope: frozenset[int] | None,
    tables: Collection[ReportTable],
) -> Report:
    views.without_jit()
    names = views.centre_names(scope)
    result = Report(span, list(names.values()))
    acts = {ReportTable.CENTRES, ReportTable.TREND} & set(tables)
    counted: list[AlertCount] = []
    if acts or {ReportTable.ALERTS_PER_WEEK, ReportTable.OUTCOMES} & set(tables):
        counted = views.alert_counts(scope, span.boundaries)
    if ReportTable.ALERTS_PER_WEEK in tables:
        _fill_weeks(result, counted, names)
    if ReportTable.OUTCOMES in tables:
        result.outcomes.extend(_outcomes(counted, names))
    timings: list[TimingRow] = []
    if ReportTable.TIMINGS in tables or ReportTable.CENTRES in tables:
        timings = _timings(views.response_times(scope, span.since, span.until), names)
    if ReportTable.TIMINGS in tables:
        result.timings.extend(timings)
    enrolment: list[EnrolmentRow] = []
    if acts or ReportTable.ENROLMENT in tables:
        enrolment = _enrolment(views.enrolment(scope), names)
    if ReportTable.ENROLMENT in tables:
        result.enrolment.extend(enrolment)
    if acts:
        enrolled = {row.centre: row.total for row in enrolment}
        if ReportTable.CENTRES in tables:
            contact = {row.centre: row.contact.median for row in timings}
            result.per_centre.extend(_per_centre(counted, names, enrolled, contact))
        if ReportTable.TREND in tables:
            weekly = views.weekly_contact(scope, span.boundaries)
            result.trend.extend(_trend(counted, names, enrolled, span.week_starts, weekly))
    return result


def _figures(
    counted: list[AlertCount],
    centre: str,
    enrolled: int,
    *,
    to_contact: timedelta | None = None,
    week_start: date | None = None,
) -> CaseFigures:
    """The figures of the alert counts given (already those of one centre or the scope,
    one week or the period)."""
    mine = [row for row in counted if row.kind in SUBJECT_KINDS]
    return CaseFigures(
        centre,
        enrolled,
        alerts=sum(row.count for row in mine),
        false_alarms=sum(row.count for row in mine if row.outcome is Outcome.FALSE_ALARM),
        open=sum(row.count for row in mine if row.outcome is None),
        visit_needed=sum(row.count for row in mine if row.visit_needed),
        to_contact=to_contact,
        week_start=week_start,
    )


def _per_centre(
    counted: list[AlertCount],
    names: dict[int, str],
    enrolled: dict[str, int],
    contact: dict[str, timedelta | None],
) -> list[CaseFigures]:
    rows = [
        _figures(
            [row for row in counted if row.centre_id == centre_id],
            name,
            enrolled.get(name, 0),
            to_contact=contact.get(name),
        )
        for centre_id, name in names.items()
    ]
    inside = [row for row in counted if row.centre_id in names]
    rows.append(_figures(inside, "", enrolled.get("", 0), to_contact=contact.get("")))
    return rows


def _trend(
    counted: list[AlertCount],
    names: dict[int, str],
    enrolled: dict[str, int],
    starts: list[date],
    weekly: list[WeekContact],
) -> list[CaseFigures]:
    cells: dict[tuple[int, int], list[AlertCount]] = {}
    for row in counted:
        if row.centre_id in names:
            cells.setdefault((row.week, row.centre_id), []).append(row)
    contact = {(row.week, row.centre_id): row.contact.median for row in weekly}
    rows = []
    for week, start in enumerate(starts):
        this_week = [row for centre_id in names for row in cells.get((week, centre_id), [])]
        rows.append(
            _figures(
                this_week,
                "",
                enrolled.get("", 0),
                to_contact=contact.get((week, None)),
                week_start=start,
            )
        )
        for centre_id, name in names.items():
            theirs = cells.get((week, centre_id), [])
            median = contact.get((week, centre_id))
            rows.append(
                _figures(theirs, name, enrolled.get(name, 0), to_contact=median, week_start=start)
            )
    return rows


def _fill_weeks(result: Report, counted: list[AlertCount], names: dict[int, str]) -> None:
    starts = result.period.week_starts
    cells: dict[tuple[int, int], dict[AlertKind, int]] = {}
    for row in counted:
        if row.kind in SUBJECT_KINDS and row.centre_id in names:
            cell = cells.setdefault((row.week, row.centre_id), {})
            cell[row.kind] = cell.get(row.kind, 0) + row.count
    totals: dict[int, dict[AlertKind, int]] = {}
    for week, start in enumerate(starts):
        week_total = {kind: 0 for kind in SUBJECT_KINDS}
        for centre_id, name in names.items():
            cell = cells.get((week, centre_id), {})
            counts = {kind: cell.get(kind, 0) for kind in SUBJECT_KINDS}
            result.weeks_by_centre.append(WeekRow(start, name, counts))
            centre_total = totals.setdefault(centre_id, {kind: 0 for kind in SUBJECT_KINDS})
            for kind in SUBJECT_KINDS:
                week_total[kind] += counts[kind]
                centre_total[kind] += counts[kind]
        result.weeks.append(WeekRow(start, "", week_total))
    period_start = starts[0]
    for centre_id, name in names.items():
        result.by_centre.append(WeekRow(period_start, name, totals.get(centre_id, {})))
    everything = {kind: sum(row.counts[kind] for row in result.weeks) for kind in SUBJECT_KINDS}
    result.by_centre.append(WeekRow(period_start, "", everything))


def _timings(spreads: list[ResponseSpreads], names: dict[int, str]) -> list[TimingRow]:
    """A row per centre in scope (empty when it had no acknowledged alert), then the whole."""
    found = {row.centre_id: row for row in spreads}
    nothing = Spread(0, None, None)
    rows = []
    for key, name in [*names.items(), (None, "")]:
        row = found.get(key)
        rows.append(
            TimingRow(name, row.acknowledge, row.contact)
            if row
            else TimingRow(name, nothing, nothing)
        )
    return rows


def _outcomes(ended: list[AlertCount], names: dict[int, str]) -> list[OutcomeRow]:
    counts: dict[int, dict[Outcome | None, int]] = {centre_id: {} for centre_id in names}
    for row in ended:
        if row.centre_id in counts:
            cell = counts[row.centre_id]
            cell[row.outcome] = cell.get(row.outcome, 0) + row.count
    rows = [OutcomeRow(name, counts[centre_id]) for centre_id, name in names.items()]
    whole: dict[Outcome | None, int] = {}
    for cell in counts.values():
        for outcome, count in cell.items():
            whole[outcome] = whole.get(outcome, 0) + count
    rows.append(OutcomeRow("", whole))
    return rows


def _enrolment(found: list[GroupCount], names: dict[int, str]) -> list[EnrolmentRow]:
    counts: dict[int, dict[Group, int]] = {
        centre_id: {group: 0 for group in Group} for centre_id in names
    }
    for row in found:
        if row.centre_id in counts:
            counts[row.centre_id][row.group] += row.count
    rows = [EnrolmentRow(name, counts[centre_id]) for centre_id, name in names.items()]
    whole = {group: sum(cell[group] for cell in counts.values()) for group in Group}
    rows.append(EnrolmentRow("", whole))
    return rows


# -- the operators' board ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedRow:
    status: feeds.FeedStatus
    open_alert: SystemAlert | None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    medium: str
    counts: dict[NotificationState, int]
    oldest_queued: datetime | None


@dataclass(frozen=True, slots=True)
class FeedBoard:
    now: datetime
    feeds: list[FeedRow]
    hours: list[datetime]  # the start of each hour counted, oldest first
    # Per carrier, one count per hour.
    events: dict[Carrier, list[int]]
    channel_alerts: list[SystemAlert]
    outbox: list[OutboxRow]


def feed_board(app: Context, user: StaffUser, now: datetime) -> FeedBoard:
    """Each carrier's watermark and lag, open alerts about feeds and channels, the outbox,
    and the events received per hour over the last day (from the counts ingest keeps: a
    row per carrier and hour, however many events). Counts and carriers only, for operators
    (and administrators). Raises ReportRefusedError for other roles."""
    if user.role not in BOARD_ROLES:
        raise ReportRefusedError(f"the feed board is not for the {user.role.value} role")
    statuses = feeds.statuses(app, now=now)
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    bounds = [hour - timedelta(hours=HOURS - 1 - i) for i in range(HOURS + 1)]
    with app.transaction() as tx:
        counted = tx.reports.events_per_hour(bounds)
        system = tx.reports.open_system_alerts()
        by_state = tx.work.notifications_by_state()
        oldest = tx.work.oldest_queued()
    feed_alerts = {a.carrier: a for a in system if a.kind is AlertKind.FEED_STALE}
    carriers = sorted({s.carrier for s in statuses} | {c.carrier for c in counted})
    events = {carrier: [0] * HOURS for carrier in carriers}
    for row in counted:
        events[row.carrier][row.hour] += row.count
    media = sorted({medium for medium, _ in by_state} | set(oldest))
    outbox = [
        OutboxRow(
            medium,
            {state: by_state.get((medium, state.value), 0) for state in NotificationState},
            oldest.get(medium),
        )
        for medium in media
    ]
    return FeedBoard(
        now=now,
        feeds=[FeedRow(s, feed_alerts.get(s.carrier.value)) for s in statuses],
        hours=bounds[:-1],
        events=events,
        channel_alerts=[a for a in system if a.kind is AlertKind.GATEWAY_DOWN],
        outbox=outbox,
    )
