"""The real NATS JetStream server (127.0.0.1:4222, `nats-server -js`), as carriers publish
to it: each test has streams, subjects and a consumer of its own, deleted afterwards, so
that tests running at once never read each other's messages.

NATS is part of the suite, like PostgreSQL: when it cannot be reached the tests that need
it fail, they are not skipped."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import nats
import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from anbu.adapters.jetstream import StreamNames
from anbu.domain.kinds import Carrier

NATS_URL = os.environ.get("ANBU_TEST_NATS_URL", "nats://127.0.0.1:4222")

T = TypeVar("T")


@dataclass(frozen=True)
class Carriers:
    """Where this test's carriers publish, and what `anbu serve` needs to read it."""

    names: StreamNames
    url: str = NATS_URL

    @property
    def env(self) -> dict[str, str]:
        return {
            "ANBU_INGEST_SUBJECT_PREFIX": self.names.prefix,
            "ANBU_INGEST_CONSUMER": self.names.consumer,
        }

    def publish(self, carrier: str, *messages: dict[str, Any] | bytes) -> None:
        """Each message as a carrier publishes it: a document as one JSON line, bytes as
        they are; every one confirmed stored by JetStream."""
        subject = self.names.subject(Carrier(carrier))

        async def publish(client: Client) -> None:
            js = client.jetstream()
            for message in messages:
                payload = message if isinstance(message, bytes) else json.dumps(message).encode()
                await js.publish(subject, payload, stream=self.names.stream(Carrier(carrier)))

        _with_client(self.url, publish)

    def unsettled(self, carrier: str) -> tuple[int, int]:
        """The consumer's messages not yet delivered, and those delivered but not yet
        acknowledged; (-1, -1) before the consumer exists."""

        async def read(client: Client) -> tuple[int, int]:
            try:
                info = await client.jetstream().consumer_info(
                    self.names.stream(Carrier(carrier)), self.names.consumer
                )
            except NotFoundError:
                return (-1, -1)
            return (info.num_pending or 0, info.num_ack_pending or 0)

        return _with_client(self.url, read)

    def make_streams(self) -> None:
        """Create the streams before `anbu serve` does (so that a carrier can publish
        before anbu first starts), as docs/streaming.md shows."""

        async def make(client: Client) -> None:
            js = client.jetstream()
            for carrier in Carrier:
                await js.add_stream(
                    name=self.names.stream(carrier),
                    subjects=[self.names.subject(carrier)],
                    retention="workqueue",  # type: ignore[arg-type]
                )

        _with_client(self.url, make)

    def delete_streams(self) -> None:
        async def delete(client: Client) -> None:
            js = client.jetstream()
            for carrier in Carrier:
                with contextlib.suppress(NotFoundError):
                    await js.delete_stream(self.names.stream(carrier))

        _with_client(self.url, delete)


def _with_client(url: str, work: Callable[[Client], Awaitable[T]]) -> T:
    async def run() -> T:
        # One try, and one more a second later: an absent server fails the test at once.
        client = await nats.connect(
            url,
            connect_timeout=5,
            max_reconnect_attempts=1,
            reconnect_time_wait=1,
            error_cb=_said_by_the_failure,
        )
        try:
            return await work(client)
        finally:
            await client.close()

    # In a thread of its own: Playwright's sync API, used by the browser tests earlier in the
    # same worker, keeps an event loop running in this thread, where asyncio.run refuses.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


@pytest.fixture
def carriers() -> Iterator[Carriers]:
    """This test's streams on the real NATS (their names unique to it), deleted after it."""
    tag = uuid.uuid4().hex[:10]
    found = Carriers(StreamNames(f"anbu.test{tag}.feed", f"anbu-test-{tag}"))
    try:
        _with_client(NATS_URL, _has_jetstream)
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        pytest.fail(f"NATS with JetStream unreachable at {NATS_URL}: {exc!r}", pytrace=False)
    yield found
    found.delete_streams()


async def _said_by_the_failure(exc: Exception) -> None:
    """The client's own report of each failed try: the fixture's failure says it once."""


async def _has_jetstream(client: Client) -> None:
    await client.jetstream().account_info()


@dataclass
class PrivateServer:
    """A NATS server of the test's own, with JetStream kept in `folder`, that it may stop
    and start again without disturbing the shared one."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        program = shutil.which("nats-server") or "/usr/sbin/nats-server"
        if not Path(program).exists():
            pytest.fail("no nats-server program (Debian's nats-server package)", pytrace=False)
        command = [program, "-js", "-a", "127.0.0.1", "-p", str(self.port)]
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "-sd", str(self.folder / "store")], stdout=log, stderr=log
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise AssertionError(f"nats-server did not start: {self.log()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None

    def log(self) -> str:
        return (self.folder / "server.log").read_text(errors="replace")
