"""`anbu serve --ingest nats://…` killed (SIGKILL) while it works through a carrier's
stream, then started again: every event published is stored exactly once and counted
once, and the sweep opens exactly the case it would have opened without the crash."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from anbu.adapters.storage.tables import activity_events, event_hours
from anbu.bootstrap import Anbu

from builders import event, subject_row, watermark
from flows import enrol_rows
from gateways.jetstream import NATS_URL, Carriers
from gateways.kannel import free_ports
from outages import FAULTS
from processes import eventually, jsonl, program, serving, serving_pid

pytestmark = FAULTS

ACTIVE = [f"010-4000-{n:04d}" for n in range(1, 21)]
SILENT = "010-4000-0099"  # enrolled, never heard from: the one case


def _district(app: Anbu, now: datetime) -> list[dict[str, Any]]:
    """Twenty people who call every hour and one who never does, enrolled three
    days ago; what their carrier publishes of those days, its watermark last."""
    consent = now - timedelta(days=3)
    rows = [
        subject_row(external_id=f"NK-{n:04d}", phone=phone, consent_at=consent.isoformat())
        for n, phone in enumerate([*ACTIVE, SILENT], start=1)
    ]
    enrol_rows(app, *rows, now=now)
    documents: list[dict[str, Any]] = []
    moment = consent + timedelta(minutes=7)
    while moment < now - timedelta(minutes=5):
        documents += [event(phone, "call_out", moment, duration_s=60) for phone in ACTIVE]
        moment += timedelta(hours=1)
    return [*documents, watermark("SKT", now - timedelta(minutes=1))]


def _stored(app: Anbu) -> tuple[int, int]:
    """Events stored, and events counted by the hour they were received."""
    with app.engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(activity_events))
        counted = connection.scalar(select(func.sum(event_hours.c.events)))
    return int(stored or 0), int(counted or 0)


def test_a_consumer_killed_mid_batch_loses_and_doubles_nothing(
    anbu: Anbu, cli_env: dict[str, str], carriers: Carriers, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    documents = _district(anbu, now)
    events = len(documents) - 1
    carriers.make_streams()
    carriers.publish("SKT", *documents)
    env = cli_env | carriers.env
    env |= {
        # Small batches, so that the kill falls in the middle of the work.
        "ANBU_INGEST_BATCH_SIZE": "10",
        # What the killed process fetched comes again this soon.
        "ANBU_INGEST_ACK_WAIT_SECONDS": "3",
    }
    (port,) = free_ports(1)

    # Without the background loops: a sweep amid the catching up would rightly find the
    # feed days behind; the sweep comes once everything is in.
    serve = ("--ingest", NATS_URL, "--no-background")
    with serving(env, port, tmp_path / "first.log", *serve):
        pid = serving_pid(port)  # found first: the kill follows the check at once

        def working() -> bool:
            stored, _ = _stored(anbu)
            _, fetched = carriers.unsettled("SKT")
            return 0 < stored < events and fetched > 0

        eventually(working, timeout=30, every=0.02)
        os.kill(pid, signal.SIGKILL)
    # Killed with a batch in hand: fetched, never acknowledged, so JetStream still has it.
    assert _stored(anbu)[0] < events
    _, fetched = carriers.unsettled("SKT")
    assert fetched > 0

    with serving(env, port, tmp_path / "second.log", *serve):
        eventually(lambda: carriers.unsettled("SKT") == (0, 0), timeout=60)
    assert _stored(anbu) == (events, events)

    done = program(env, "sweep")
    assert done.returncode == 0, done.stderr
    opened = jsonl(env, "alerts", "list", "--json")
    assert [(a["subject_external_id"], a["kind"]) for a in opened] == [("NK-0021", "no_activity")]
