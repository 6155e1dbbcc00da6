"""`anbu serve --ingest nats://…`: carriers' feeds taken from NATS JetStream (docs/streaming.md)
and stored by the same ingest service as a file or a push.

Each carrier's stream is read by its own task, a batch at a time: the batch is ingested
(committed) in a worker thread, then its messages are acknowledged, a refused one terminated.
A process that dies in between has acknowledged nothing of the batch, so JetStream delivers
it again, and the ingest counts what it had already stored as duplicates. Any failure (NATS
away, the database restarting) is logged and counted, and the task tries again, waiting a
little longer each time."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from anbu.adapters import catalogue
from anbu.adapters.formats.activity_feed import (
    EventLine,
    FeedFormat,
    FeedLine,
    WatermarkLine,
    read_feed,
)
from anbu.adapters.jetstream import Delivery, FeedStreams, StreamNames
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Carrier
from anbu.domain.rejections import Rejection
from anbu.domain.wording import Message
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.monitoring import Monitoring
from anbu.services.ingest import ingest

log = logging.getLogger("anbu.stream_ingest")

FIRST_WAIT_S = 1.0
LONGEST_WAIT_S = 30.0


class StreamIngest:
    def __init__(self, anbu: Anbu, monitoring: Monitoring) -> None:
        settings = anbu.settings
        self._anbu = anbu
        self._monitoring = monitoring
        self._streams = FeedStreams(
            settings.ingest_servers,
            StreamNames(settings.ingest_subject_prefix, settings.ingest_consumer),
            ack_wait_s=settings.ingest_ack_wait_seconds,
            batch=settings.ingest_batch_size,
        )
        self._task: asyncio.Task[None] | None = None
        # One batch at a time in this process: every batch locks all the feeds first (as
        # every ingest does), so two at once would only wait on each other, holding two of
        # the connections the web pages need.
        self._committing = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._streams.close()

    async def _run(self) -> None:
        # Serve goes on while NATS is away: the web, sweep and dispatch do not need it.
        await self._streams.connect()
        servers = ", ".join(self._anbu.settings.ingest_servers)
        log.warning("reading the carriers' streams from %s", servers)
        await asyncio.gather(*(self._consume(carrier) for carrier in Carrier))

    async def _consume(self, carrier: Carrier) -> None:
        wait = _Backoff()
        while True:
            try:
                deliveries = await self._streams.fetch(carrier)
                if deliveries:
                    await self._take(carrier, deliveries)
                wait.reset()
            except Exception:
                log.exception("%s stream: pass failed; trying again in %.0f s", carrier, wait.next)
                self._monitoring.loop_errors.labels("stream").inc()
                await wait.sleep()

    async def _take(self, carrier: Carrier, deliveries: list[Delivery]) -> None:
        refused: dict[int, Rejection] = {}
        now = wall_clock()
        lines = _lines(deliveries, carrier, now, self._anbu.future_tolerance, refused)
        # Shielded: a stop during the commit waits for it, then acknowledges what it stored.
        work = asyncio.ensure_future(self._ingest(lines, now))
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await work
                await self._settle(carrier, deliveries, refused)
            raise
        await self._settle(carrier, deliveries, refused)

    async def _ingest(self, lines: Iterator[FeedLine], now: datetime) -> None:
        async with self._committing:
            await asyncio.to_thread(ingest, self._anbu, lines, now=now)

    async def _settle(
        self, carrier: Carrier, deliveries: list[Delivery], refused: dict[int, Rejection]
    ) -> None:
        for position, rejection in sorted(refused.items()):
            log.warning(
                "%s stream: message %d refused: %s%s",
                carrier,
                deliveries[position].sequence,
                f"{rejection.field}: " if rejection.field else "",
                # The operators' log is in English, as the rest of it is.
                catalogue.say(rejection.reason, "en"),
            )
        await self._streams.settle(deliveries, set(refused))
        counted = self._monitoring.stream_messages
        counted.labels(carrier.value, "accepted").inc(len(deliveries) - len(refused))
        counted.labels(carrier.value, "refused").inc(len(refused))


def _lines(
    deliveries: list[Delivery],
    carrier: Carrier,
    now: datetime,
    tolerance: timedelta,
    refused: dict[int, Rejection],
) -> Iterator[FeedLine]:
    """Each message as a feed line, numbered by its place in the batch (1 for the first);
    the refused ones are also noted in `refused` by position, for termination."""
    for position, delivery in enumerate(deliveries):
        number = position + 1
        line = _line(delivery.payload, carrier, now, tolerance)
        line = dataclasses.replace(line, line=number)
        if isinstance(line, Rejection):
            refused[position] = line
        yield line


def _line(payload: bytes, carrier: Carrier, now: datetime, tolerance: timedelta) -> FeedLine:
    # One message, one line: a message of several lines is not valid JSON and is refused.
    read = list(read_feed([payload], FeedFormat.JSONL, now=now, tolerance=tolerance))
    if not read:
        return Rejection(1, None, Message("reason.empty_message"))
    (line,) = read
    said = _carrier_of(line)
    if said is not None and said is not carrier:
        # A carrier publishes on its own subject only: it cannot speak for another.
        return Rejection(
            1, "carrier", Message("reason.not_this_stream", said=said.value, stream=carrier.value)
        )
    return line


def _carrier_of(line: FeedLine) -> Carrier | None:
    if isinstance(line, EventLine):
        return line.event.carrier
    if isinstance(line, WatermarkLine):
        return line.carrier
    return None


class _Backoff:
    def __init__(self) -> None:
        self.next = FIRST_WAIT_S

    def reset(self) -> None:
        self.next = FIRST_WAIT_S

    async def sleep(self) -> None:
        await asyncio.sleep(self.next)
        self.next = min(self.next * 2, LONGEST_WAIT_S)
