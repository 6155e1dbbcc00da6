"""What would detection have done on this history? A backtest replays carriers' lines through
the very ingest, detection and sweep that production runs — no second implementation of any
rule — on a simulated clock, into a scratch database the caller made for it.

Each line enters at its arrival: when the carrier delivered it (`received_at`), else an
event at its `occurred_at` and a watermark at its `complete_until`. Between two sweeps, what
arrived is ingested as one delivery at the sweep's instant; then the sweep runs, as `anbu
serve` would every `every`. Nothing is sent: the notifications stay queued in the scratch
database, where they are counted (a self-check text counts as sent).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import perf_counter

from anbu.adapters.formats.activity_feed import EventLine, FeedLine, WatermarkLine
from anbu.domain.notifications import Recipient
from anbu.domain.rejections import Rejection
from anbu.services import case_views
from anbu.services.case_views import AlertLine
from anbu.services.context import Context
from anbu.services.ingest import IngestReport, ingest
from anbu.services.sweep import sweep


@dataclass(frozen=True, slots=True)
class Arrival:
    at: datetime
    line: EventLine | WatermarkLine


@dataclass
class ReplayReport:
    """What the replay did: the lines as `anbu ingest` counts them, the sweeps, the time."""

    lines: int = 0
    stored: int = 0
    duplicates: int = 0
    unknown_numbers: int = 0
    not_monitored: int = 0
    watermarks: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    sweeps: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    seconds: float = 0.0

    @property
    def accepted(self) -> int:
        return self.lines - len(self.rejected)

    def add(self, part: IngestReport) -> None:
        self.stored += part.stored
        self.duplicates += part.duplicates
        self.unknown_numbers += part.unknown_numbers
        self.not_monitored += part.not_monitored
        self.watermarks += part.watermarks


def arrivals(lines: Sequence[FeedLine]) -> tuple[list[Arrival], list[Rejection]]:
    """The lines in order of arrival (stable: lines that arrive together keep their order),
    and the rejected ones."""
    found: list[Arrival] = []
    rejected: list[Rejection] = []
    for line in lines:
        if isinstance(line, Rejection):
            rejected.append(line)
        else:
            found.append(Arrival(_arrival_of(line), line))
    found.sort(key=lambda a: a.at)
    return found, rejected


def replay(
    app: Context,
    lines: Sequence[Arrival],
    *,
    start: datetime,
    end: datetime,
    every: timedelta,
    on_tick: Callable[[datetime], None] | None = None,
) -> ReplayReport:
    """Replay `lines` (in order of arrival) from `start` to `end`, a sweep every `every`.
    Lines that arrived before `start` enter with the first delivery."""
    if every <= timedelta(0):
        raise ValueError("the sweeps must be some time apart")
    began = perf_counter()
    report = ReplayReport(lines=len(lines), started_at=start, ended_at=end)
    times = [a.at for a in lines]
    taken = 0
    tick = start
    while tick <= end:
        upto = bisect_right(times, tick, lo=taken)
        if upto > taken:
            part = ingest(app, [a.line for a in lines[taken:upto]], now=tick)
            report.add(part)
            taken = upto
        sweep(app, now=tick)
        report.sweeps += 1
        if on_tick is not None:
            on_tick(tick)
        tick += every
    report.seconds = perf_counter() - began
    return report


def _arrival_of(line: EventLine | WatermarkLine) -> datetime:
    if line.received_at is not None:
        return line.received_at
    if isinstance(line, EventLine):
        return line.event.occurred_at
    return line.complete_until


@dataclass(frozen=True, slots=True)
class Findings:
    """What detection raised over the replay, and what it would have sent."""

    alerts: list[AlertLine]
    self_checks: int  # texts to the people themselves (counted as sent)
    staff_messages: int  # messages to staff (never sent)


def findings(app: Context) -> Findings:
    """The scratch database's alerts, by when they became due, and its queued messages."""
    lines = case_views.listing(app)
    with app.transaction() as uow:
        queued = uow.outbox.listing()
    to_people = sum(1 for n in queued if n.recipient == Recipient.SUBJECT.value)
    to_staff = sum(1 for n in queued if n.recipient == Recipient.STAFF.value)
    return Findings(lines, to_people, to_staff)
