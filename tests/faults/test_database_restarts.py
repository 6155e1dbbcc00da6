"""PostgreSQL restarted under a running `anbu serve`: once cleanly (a fast restart ends every
session) and once killed (an immediate stop, recovered from the write-ahead log at the next
start), while a carrier pushes events over HTTP and while the loops sweep and dispatch. The
client that got an error sends again; afterwards every event is stored and counted once,
every alert opened once, every notification queued and delivered once, and the same server
process answers again. (And the wait itself: a step waits for the database to come back,
never for a refusal.)"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError

from anbu.adapters.storage.engine import SCHEMA_HEAD
from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.bootstrap import Anbu, bootstrap
from anbu.settings import Settings

from builders import TEST_SECRET, event, jsonl, subject_row, watermark
from gateways.kannel import free_ports
from gateways.smtp import Mailbox, RunningServer, parsed, run_server
from outages import FAULTS, Cluster, Pusher, enrol_with_staff
from processes import eventually, serving

pytestmark = [FAULTS, pytest.mark.postgres]

PEOPLE = 20
BATCHES = 60
EVENTS_PER_BATCH = 40


class SlowMailbox(Mailbox):
    """A mail server that takes a moment over each message, as a real one does: a restart
    then finds the dispatcher in the middle of its batch, not between two."""

    async def handle_DATA(  # noqa: N802 — aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mailbox() -> Mailbox:
    return SlowMailbox()


@pytest.fixture
def smtp(mailbox: Mailbox) -> Iterator[RunningServer]:
    yield from run_server(mailbox)


@pytest.fixture
def app(cluster: Cluster, tmp_path: Path) -> Iterator[Anbu]:
    """anbu on the test's own cluster, for the setting up; closed before the faults, so
    that only the server's connections are there to break."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=cluster.url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
    )
    anbu = bootstrap(settings)
    yield anbu
    anbu.close()


def _env(cluster: Cluster, tmp_path: Path, smtp: RunningServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANBU_")}
    return env | {
        "ANBU_DATA_DIR": str(tmp_path / "data"),
        "ANBU_DATABASE_URL": cluster.url,
        "ANBU_SECRET_KEY": TEST_SECRET,
        "ANBU_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "ANBU_SWEEP_EVERY_SECONDS": "0.2",
        "ANBU_DISPATCH_EVERY_SECONDS": "0.2",
    }


def _people(app: Anbu, count: int, enrolled: datetime, now: datetime) -> tuple[list[str], str]:
    """`count` people enrolled at `enrolled`, one officer (SMS and e-mail) for their
    centre, and a carrier's operator; returns their phone numbers and its token."""
    consent = enrolled.isoformat(timespec="seconds")
    rows = [
        subject_row(external_id=f"SD-{n:04d}", phone=f"010-1000-{n:04d}", consent_at=consent)
        for n in range(1, count + 1)
    ]
    token = enrol_with_staff(app, rows, now)
    return [row["phone"] for row in rows], token


def _batches(phones: list[str], now: datetime) -> list[bytes]:
    """Four hours of calls spread evenly over everyone, ending a minute ago, in batches
    that each end with the carrier's watermark (never older than the feed may lag)."""
    total = BATCHES * EVENTS_PER_BATCH
    start, end = now - timedelta(hours=4), now - timedelta(minutes=1)
    step = (end - start) / total
    documents = [
        event(phones[n % len(phones)], "call_out", start + n * step, duration_s=30)
        for n in range(total)
    ]
    return [
        jsonl(*chunk, watermark("SKT", datetime.fromisoformat(chunk[-1]["occurred_at"])))
        for chunk in (
            documents[i : i + EVENTS_PER_BATCH] for i in range(0, total, EVENTS_PER_BATCH)
        )
    ]


def _loop_errors(base: str) -> dict[str, float]:
    text = httpx.get(f"{base}/metrics").text
    return {
        loop: float(value)
        for loop, value in re.findall(r'^anbu_loop_errors_total\{loop="(\w+)"\} (\S+)$', text, re.M)
    }


def _healthy(base: str) -> None:
    eventually(lambda: httpx.get(f"{base}/health", timeout=5).status_code == 200)
    assert httpx.get(f"{base}/health").json() == {
        "status": "ok",
        "database": "ok",
        "schema": SCHEMA_HEAD,
    }


def test_it_stores_and_counts_each_pushed_event_once_across_a_restart_and_a_crash(
    app: Anbu, cluster: Cluster, smtp: RunningServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    phones, token = _people(app, PEOPLE, now - timedelta(hours=5), now)
    batches = _batches(phones, now)
    app.close()
    (port,) = free_ports(1)
    env = _env(cluster, tmp_path, smtp)
    with serving(env, port, tmp_path / "serve.log") as base:
        pusher = Pusher(base, token)
        pushed = threading.Event()
        progress: list[int] = []

        def carrier() -> None:
            for number, body in enumerate(batches):
                pusher.push(body)
                progress.append(number)
                time.sleep(0.05)
            pushed.set()

        thread = threading.Thread(target=carrier, daemon=True)
        thread.start()
        eventually(lambda: len(progress) >= 10, timeout=30)
        cluster.restart()
        eventually(lambda: len(progress) >= 25, timeout=60)
        cluster.kill()
        time.sleep(1.5)  # the carrier keeps sending meanwhile, and is refused
        cluster.start()
        assert pushed.wait(120), f"the carrier is stuck: {pusher.answers}"
        thread.join()
        _healthy(base)  # the same server process, without a restart
        assert pusher.retries > 0, "the faults were never felt by the carrier"

    total = BATCHES * EVENTS_PER_BATCH
    assert cluster.count("SELECT count(*) FROM activity_events") == total
    assert cluster.count("SELECT count(DISTINCT event_id) FROM activity_events") == total
    # The operators' hourly counts move in the same transaction as the events themselves.
    assert cluster.count("SELECT sum(events) FROM event_hours") == total
    # A batch whose answer was lost came back as duplicates, never as a second copy.
    assert pusher.stored <= total <= pusher.stored + pusher.duplicates
    # Everyone called within the hour: the faults raised no false alarm.
    # (The feed itself was monitored for less than its allowed delay before it reported.)
    assert cluster.count("SELECT count(*) FROM alerts") == 0


def test_it_opens_and_notifies_each_alert_once_across_a_crash_mid_sweep_and_a_restart(
    app: Anbu, cluster: Cluster, mailbox: Mailbox, smtp: RunningServer, tmp_path: Path
) -> None:
    people = 600  # more than a sweep opens in one transaction (500)
    now = datetime.now(UTC)
    _, token = _people(app, people, now - timedelta(days=3), now)
    app.close()
    (port,) = free_ports(1)
    env = _env(cluster, tmp_path, smtp)
    with serving(env, port, tmp_path / "serve.log") as base:
        # Everyone has been silent since enrolment; the carrier's watermark makes it known.
        Pusher(base, token).push(jsonl(watermark("SKT", now - timedelta(minutes=1))))
        eventually(lambda: _alerts(cluster) > 0, every=0.02)
        cluster.restart()  # with the sweep in its second chunk, or escalating the first
        eventually(lambda: len(mailbox.received) >= 75, timeout=60, every=0.02)
        # A pass claims 100 (an e-mail and a text for each alert): the dispatcher is half-way
        # through what it claimed.
        cluster.kill()
        time.sleep(1.0)
        cluster.start()
        eventually(lambda: len(mailbox.received) >= people, timeout=90)
        _all_sent(cluster)
        _healthy(base)
        errors = _loop_errors(base)
        assert errors.get("sweep", 0) + errors.get("dispatch", 0) > 0, errors
        time.sleep(1.0)  # a few more passes: nothing more may be sent

    # (Besides the feed's own alert: it had not reported since the people were enrolled.)
    assert _alerts(cluster) == people
    assert cluster.count("SELECT count(DISTINCT subject_id) FROM alerts") == people
    by_medium = _notifications(cluster)
    assert by_medium == {"email": people, "sms": people}  # one of each per alert
    # Each e-mail arrived once: its Message-ID is made from its notification's key.
    ids = Counter(str(parsed(mail)["Message-ID"]) for mail in mailbox.received)
    assert len(ids) == people
    assert set(ids.values()) == {1}
    # Each text was printed once by the console channel (SMS is not configured here).
    assert (tmp_path / "serve.log").read_text().count("── 문자(SMS) → ") == people


def _alerts(cluster: Cluster) -> int:
    return int(cluster.count("SELECT count(*) FROM alerts WHERE subject_id IS NOT NULL"))


def _all_sent(cluster: Cluster, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while waiting := _unsettled(cluster):
        assert time.monotonic() < deadline, f"not sent within {timeout} s: {waiting}"
        time.sleep(0.1)


def _unsettled(cluster: Cluster) -> list[Any]:
    """The notifications not sent yet: state, attempts, when next tried."""
    with psycopg.connect(cluster.url, autocommit=True) as connection:
        return connection.execute(
            "SELECT state, attempts, next_attempt_at, last_error FROM notifications"
            " WHERE state NOT IN ('sent', 'delivered')"
        ).fetchall()


def _notifications(cluster: Cluster) -> dict[str, Any]:
    with psycopg.connect(cluster.url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT medium, count(*), count(DISTINCT alert_id), count(DISTINCT key)"
            " FROM notifications JOIN alerts ON alerts.id = alert_id"
            " WHERE subject_id IS NOT NULL GROUP BY medium"
        ).fetchall()
    for medium, count, alerts, keys in rows:
        assert count == alerts == keys, (medium, count, alerts, keys)
    return {medium: count for medium, count, _, _ in rows}


def test_a_step_waits_for_the_database_to_come_back_and_a_refusal_is_not_retried(
    app: Anbu, cluster: Cluster
) -> None:
    database = app.database
    database.retrying(lambda uow: uow.meta.put("fault", "before"), within=5)
    cluster.kill()
    with pytest.raises(OperationalError):  # away for longer than it may wait
        database.retrying(lambda uow: uow.meta.get("fault"), within=0.5)
    back = threading.Timer(1.0, cluster.start)
    back.start()
    started = time.monotonic()
    database.retrying(lambda uow: uow.meta.put("fault", "after"), within=30)
    back.join()
    assert time.monotonic() - started > 1.0  # it waited for the start
    assert database.retrying(lambda uow: uow.meta.get("fault"), within=5) == "after"

    tries: list[int] = []

    def refused(uow: UnitOfWork) -> None:
        tries.append(1)
        uow.connection.execute(text("SELECT 1 / 0"))

    with pytest.raises(DataError):  # the database answered: asking again changes nothing
        database.retrying(refused, within=30)
    assert tries == [1]
