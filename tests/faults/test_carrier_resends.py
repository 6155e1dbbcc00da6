"""A carrier re-sends a whole day — the same events and watermarks again — to a running
`anbu serve`, over HTTP and as a file through `anbu ingest`: nothing is stored or counted
again, no alert is opened and no message sent again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from anbu.adapters.storage.tables import (
    activity_events,
    alerts,
    delivery_attempts,
    event_hours,
    feeds,
    notifications,
)
from anbu.bootstrap import Anbu

from builders import event, jsonl, subject_row, watermark
from flows import feed
from gateways.kannel import free_ports
from outages import FAULTS, Pusher, enrol_with_staff
from processes import eventually, program, serving

pytestmark = FAULTS

ACTIVE = [f"010-2000-{n:04d}" for n in range(1, 6)]
SILENT = "010-2000-0099"  # never heard from: one case, told once


def _district(app: Anbu, now: datetime) -> str:
    """Five people who call every two hours and one who never does, enrolled three days
    ago; their officer; a carrier's operator, whose API token is returned. The carrier's
    data up to a day ago is in already."""
    consent = (now - timedelta(days=3)).isoformat(timespec="seconds")
    rows = [
        subject_row(external_id=f"SD-{n:04d}", phone=phone, consent_at=consent)
        for n, phone in enumerate([*ACTIVE, SILENT], start=1)
    ]
    token = enrol_with_staff(app, rows, now)
    day = now - timedelta(days=1)
    feed(app, *_calls(now - timedelta(days=3), day), watermark("SKT", day), now=now)
    return token


def _calls(since: datetime, until: datetime) -> list[dict[str, Any]]:
    found = []
    moment = since + timedelta(minutes=7)
    while moment < until:
        found += [event(phone, "call_out", moment, duration_s=60) for phone in ACTIVE]
        moment += timedelta(hours=2)
    return found


def _the_day(now: datetime) -> bytes:
    """The last day as the carrier delivered it: each hour's calls, then that hour's
    watermark."""
    documents: list[dict[str, Any]] = []
    start = now - timedelta(days=1)
    for hour in range(24):
        begins = start + timedelta(hours=hour)
        ends = min(begins + timedelta(hours=1), now - timedelta(minutes=1))
        documents += [*_calls(begins, ends), watermark("SKT", ends)]
    return jsonl(*documents)


def _counts(app: Anbu, log: Path) -> dict[str, Any]:
    """What a second delivery must not change, read from the database and from where the
    messages arrive (the console channels print each one to the server's log)."""
    with app.engine.connect() as connection:

        def count(table: Any) -> int:
            return int(connection.scalar(select(func.count()).select_from(table)) or 0)

        return {
            "events": count(activity_events),
            "counted": connection.scalar(select(func.sum(event_hours.c.events))),
            "watermark": connection.scalar(select(feeds.c.declared_until)),
            "alerts": sorted(connection.execute(select(alerts.c.id, alerts.c.kind)).all()),
            "notifications": sorted(
                connection.execute(select(notifications.c.key, notifications.c.state)).all()
            ),
            "attempts": count(delivery_attempts),
            "printed": log.read_text().count("── "),
        }


def _settled(app: Anbu) -> bool:
    """The silent person's case is open and every message about it is out."""
    with app.engine.connect() as connection:
        opened = connection.scalar(select(func.count()).select_from(alerts))
        waiting = connection.scalar(
            select(func.count())
            .select_from(notifications)
            .where(notifications.c.state.not_in(["sent", "delivered"]))
        )
    return bool(opened) and waiting == 0


def test_a_day_sent_again_over_http_and_as_a_file_changes_nothing(
    anbu: Anbu, cli_env: dict[str, str], tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    token = _district(anbu, now)
    day = _the_day(now)
    calls = day.count(b'"call_out"')
    (port,) = free_ports(1)
    log = tmp_path / "serve.log"
    env = cli_env | {
        "ANBU_SWEEP_EVERY_SECONDS": "0.2",
        "ANBU_DISPATCH_EVERY_SECONDS": "0.2",
        # This carrier delivers a day at a time: its feed may lag more than a day.
        "ANBU_FEED_MAX_DELAY_MINUTES": "1800",
    }
    with serving(env, port, log) as base:
        first = Pusher(base, token)
        first.push(day)
        assert (first.stored, first.duplicates) == (calls, 0)
        eventually(lambda: _settled(anbu))
        time.sleep(1.0)  # a few more passes over the first delivery
        before = _counts(anbu, log)
        assert before["events"] == before["counted"]
        assert [kind for _, kind in before["alerts"]] == ["no_activity"]
        assert before["printed"] == before["attempts"] == len(before["notifications"]) > 0

        again = Pusher(base, token)
        again.push(day)
        assert (again.stored, again.duplicates) == (0, calls)
        (tmp_path / "day.jsonl").write_bytes(day)
        done = program(env, "ingest", str(tmp_path / "day.jsonl"))
        assert done.returncode == 0, done.stderr
        assert f"stored 0, duplicates {calls}," in done.stdout
        time.sleep(1.0)  # sweeps and dispatches after each delivery
        assert httpx.get(f"{base}/health").status_code == 200
        assert _counts(anbu, log) == before
