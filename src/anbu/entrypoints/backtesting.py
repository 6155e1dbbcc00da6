"""Running a backtest: a scratch anbu in a temporary folder, the people enrolled as `subjects
import` would, the lines replayed (`anbu.services.backtest`), what it found read back, and
the folder thrown away. Shared by `anbu backtest` and `anbu evaluate`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from anbu.adapters.formats.activity_feed import FeedLine
from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.bootstrap import scratch_in
from anbu.domain.rejections import Rejection
from anbu.domain.subjects import Enrolment
from anbu.services import backtest
from anbu.services.enrolment import enrol
from anbu.settings import Settings


class SubjectsRefusedError(ValueError):
    """The subjects file has bad rows: a backtest of part of the list would answer another
    question than the one asked."""

    def __init__(self, rows: list[Rejection]) -> None:
        super().__init__(f"{len(rows)} rows of the subjects file were rejected")
        self.rows = rows


class NothingToReplayError(ValueError):
    """No event or watermark was accepted."""


@dataclass(frozen=True, slots=True)
class Backtest:
    findings: backtest.Findings
    report: backtest.ReplayReport


def run(
    settings: Settings,
    people: bytes | Sequence[tuple[int, Enrolment]],
    lines: Sequence[FeedLine],
    *,
    listed_at: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    every: timedelta = timedelta(minutes=15),
    on_span: Callable[[datetime, datetime], Callable[[datetime], None]] | None = None,
) -> Backtest:
    """Replay `lines` for the people of `people` (a subjects file as read on `listed_at`, or
    people already read)
    from `start` (the first line) to `end` (the last line plus the longest period).
    `on_span(first, last)` may give a callback for each sweep's instant (a progress bar).
    Raises SubjectsRefusedError, NothingToReplayError, or UnreadableInputError for a
    subjects file that cannot be read at all."""
    arrived, rejected = backtest.arrivals(lines)
    if not arrived:
        raise NothingToReplayError("no event or watermark was accepted")
    with tempfile.TemporaryDirectory(prefix="anbu-backtest-") as folder:
        scratch = scratch_in(Path(folder), settings)
        try:
            parsed: list[tuple[int, Enrolment] | Rejection] = (
                list(read_subjects(people, now=listed_at, periods=scratch.periods))
                if isinstance(people, bytes)
                else list(people)
            )
            refused = [row for row in parsed if isinstance(row, Rejection)]
            if refused:
                raise SubjectsRefusedError(refused)
            enrolled = [row for _, row in (r for r in parsed if not isinstance(r, Rejection))]
            longest = max((max(e.inactivity, e.phone_off) for e in enrolled), default=timedelta())
            first = start or arrived[0].at
            last = end or arrived[-1].at + longest
            enrol(scratch, parsed, now=first, actor="backtest")
            tick = on_span(first, last) if on_span else None
            report = backtest.replay(
                scratch, arrived, start=first, end=last, every=every, on_tick=tick
            )
            found = backtest.findings(scratch)
        finally:
            scratch.close()
    report.rejected = rejected
    report.lines += len(rejected)
    return Backtest(found, report)
