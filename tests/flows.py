"""Running the use cases from test data, as the CLI does."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from anbu.adapters.channels import DeliveryError, Medium, Message
from anbu.adapters.formats.activity_feed import FeedFormat, read_feed
from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.bootstrap import Anbu
from anbu.services.enrolment import enrol
from anbu.services.ingest import IngestReport, ingest
from anbu.services.sweep import SweepReport, sweep

from builders import jsonl, subjects_csv


def enrol_rows(anbu: Anbu, *rows: dict[str, str], now: datetime) -> None:
    report = enrol(
        anbu,
        read_subjects(subjects_csv(*rows), now=now, periods=anbu.periods),
        now=now,
        actor="test",
    )
    assert not report.rejected, report.rejected


def feed(anbu: Anbu, *documents: dict[str, Any], now: datetime) -> IngestReport:
    lines = jsonl(*documents).splitlines(keepends=True)
    parsed = read_feed(lines, FeedFormat.JSONL, now=now, tolerance=timedelta(minutes=5))
    return ingest(anbu, parsed, now=now)


def sweep_at(anbu: Anbu, now: datetime) -> SweepReport:
    return sweep(anbu, now=now)


class FakeChannel:
    """Records what it was asked to send; fails as told."""

    def __init__(self, medium: Medium, failures: list[DeliveryError] | None = None) -> None:
        self.medium = medium
        self.sent: list[Message] = []
        self.failures = failures or []

    def send(self, message: Message) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return f"ref-{len(self.sent)}"
