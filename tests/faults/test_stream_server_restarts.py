"""`anbu serve --ingest` started while NATS is away, and NATS restarted under it: it
serves meanwhile, connects when the server comes, reads on after the restart, and what
the carriers published is all stored, once."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from anbu.adapters.jetstream import StreamNames
from anbu.adapters.storage.tables import activity_events
from anbu.bootstrap import Anbu

from builders import event, subject_row
from flows import enrol_rows
from gateways.jetstream import Carriers, PrivateServer
from gateways.kannel import free_ports
from outages import FAULTS
from processes import eventually, serving

pytestmark = FAULTS

PHONE = "010-5000-0001"


@pytest.fixture
def nats_server() -> Iterator[PrivateServer]:
    with tempfile.TemporaryDirectory(prefix="anbu-faults-nats-") as folder:
        (port,) = free_ports(1)
        server = PrivateServer(Path(folder), port)
        try:
            yield server
        finally:
            server.stop()


def _stored(app: Anbu) -> int:
    with app.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(activity_events)) or 0)


def test_the_consumer_waits_for_nats_and_reads_on_after_its_restart(
    anbu: Anbu, cli_env: dict[str, str], nats_server: PrivateServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    consent = (now - timedelta(days=1)).isoformat(timespec="seconds")
    enrol_rows(anbu, subject_row(phone=PHONE, consent_at=consent), now=now)
    calls = [event(PHONE, "call_out", now - timedelta(minutes=n)) for n in range(1, 31)]
    carriers = Carriers(StreamNames("anbu.feed", "anbu-ingest"), url=nats_server.url)
    (port,) = free_ports(1)
    log = tmp_path / "serve.log"
    with serving(cli_env, port, log, "--ingest", nats_server.url) as base:
        # NATS is not there: anbu serves all the same.
        assert httpx.get(f"{base}/health").json()["status"] == "ok"
        nats_server.start()
        eventually(lambda: carriers.unsettled("SKT") != (-1, -1), timeout=30)
        carriers.publish("SKT", *calls[:10])
        eventually(lambda: _stored(anbu) == 10)

        nats_server.stop()
        nats_server.start()  # the same store: the stream and its consumer are kept
        carriers.publish("SKT", *calls[10:])
        eventually(lambda: _stored(anbu) == 30, timeout=30)
        eventually(lambda: carriers.unsettled("SKT") == (0, 0))
    text = log.read_text()
    assert "NATS: ConnectionRefusedError" in text
    assert "NATS: reconnected" in text
