"""Carriers' feeds over NATS JetStream (docs/streaming.md): one stream per carrier, one
durable pull consumer that every `anbu serve` shares, and messages settled only when told.

Each message is one JSON-Lines feed line. This module only moves bytes: what a line means,
and whether it is stored, is the ingest service's business, and a message is acknowledged
(or terminated, when it was refused) only after the caller has committed its batch, so that
a process killed in between loses nothing: JetStream delivers the message again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType
from nats.js.errors import NotFoundError

from anbu.domain.kinds import Carrier

log = logging.getLogger("anbu.jetstream")

# How long a fetch waits for a first message: short enough that a stop is not kept waiting
# long, long enough that an idle stream costs one request every few seconds.
FETCH_WAIT_SECONDS = 5.0
# Between two tries to reach a server, the first connection's as a reconnection's.
RECONNECT_WAIT_SECONDS = 2
# How long a stop waits for the acknowledgements it sent to reach the server.
FLUSH_SECONDS = 5


@dataclass(frozen=True, slots=True)
class StreamNames:
    """Where a carrier publishes and who reads it: subject `{prefix}.{carrier}` in stream
    `{PREFIX}_{carrier}` (dots as underscores, upper case), read by durable `consumer`."""

    prefix: str
    consumer: str

    def subject(self, carrier: Carrier) -> str:
        return f"{self.prefix}.{carrier.value}"

    def stream(self, carrier: Carrier) -> str:
        return f"{self.prefix.replace('.', '_').replace('-', '_').upper()}_{carrier.value}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message as fetched: its payload (a feed line) and where it sits in its stream."""

    carrier: Carrier
    payload: bytes
    sequence: int
    message: Msg


class FeedStreams:
    """One connection to NATS and a pull subscription per carrier.

    The client reconnects by itself for as long as it takes (a restarted server, a moved
    one); the streams and the consumer are created when missing, at the start and again
    whenever a carrier's subscription failed, so a server that lost them is set up anew."""

    def __init__(
        self, servers: list[str], names: StreamNames, *, ack_wait_s: float, batch: int
    ) -> None:
        self._servers = servers
        self._names = names
        self._ack_wait_s = ack_wait_s
        self._batch = batch
        self._client: Client | None = None
        self._subscriptions: dict[Carrier, JetStreamContext.PullSubscription] = {}

    async def connect(self) -> None:
        """Connected, however long it takes: the client tries every few seconds, the first
        time as after a disconnection, and logs each new kind of failure once."""
        self._client = await nats.connect(
            servers=self._servers,
            name="anbu-ingest",
            connect_timeout=5,
            reconnect_time_wait=RECONNECT_WAIT_SECONDS,
            max_reconnect_attempts=-1,
            error_cb=_failures.seen,
            disconnected_cb=_on_disconnected,
            reconnected_cb=_on_reconnected,
        )
        _failures.clear()

    async def fetch(self, carrier: Carrier) -> list[Delivery]:
        """Up to a batch of messages of `carrier`'s stream; none when nothing came in a few
        seconds. Unsettled, they come again after the consumer's ack wait."""
        subscription = await self._subscription(carrier)
        try:
            messages = await subscription.fetch(self._batch, timeout=FETCH_WAIT_SECONDS)
        except NatsTimeoutError:
            return []
        except Exception:
            # Subscribe afresh next time: the server may have lost the stream or consumer.
            self._subscriptions.pop(carrier, None)
            raise
        return [
            Delivery(carrier, message.data, message.metadata.sequence.stream, message)
            for message in messages
        ]

    async def settle(self, deliveries: list[Delivery], refused: set[int]) -> None:
        """Acknowledge the deliveries, once their batch is committed; terminate those
        `refused` (by position, 0 for the first) so that they are never delivered again.
        Waits until the server has them: a lost acknowledgement costs a redelivery, which
        the ingest counts as duplicates."""
        for position, delivery in enumerate(deliveries):
            if position in refused:
                await delivery.message.term()
            else:
                await delivery.message.ack()
        if self._client is not None:
            await self._client.flush(timeout=FLUSH_SECONDS)

    async def close(self) -> None:
        client, self._client = self._client, None
        self._subscriptions.clear()
        if client is not None and not client.is_closed:
            await client.close()

    async def _subscription(self, carrier: Carrier) -> JetStreamContext.PullSubscription:
        found = self._subscriptions.get(carrier)
        if found is not None:
            return found
        if self._client is None:
            raise RuntimeError("not connected")
        stream = await self._ready(self._client.jetstream(), carrier)
        subscription = await self._client.jetstream().pull_subscribe_bind(
            durable=self._names.consumer, stream=stream
        )
        self._subscriptions[carrier] = subscription
        return subscription

    async def _ready(self, js: JetStreamContext, carrier: Carrier) -> str:
        """The carrier's stream, and the consumer on it, created when missing."""
        stream, subject = self._names.stream(carrier), self._names.subject(carrier)
        try:
            await js.stream_info(stream)
        except NotFoundError:
            # Kept until read: a message leaves the stream when it is acknowledged, never
            # before, however long anbu is away.
            await js.add_stream(
                name=stream,
                subjects=[subject],
                retention=RetentionPolicy.WORK_QUEUE,
                storage=StorageType.FILE,
            )
            log.info("created stream %s for %s", stream, subject)
        await js.add_consumer(
            stream,
            ConsumerConfig(
                durable_name=self._names.consumer,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                filter_subject=subject,
                ack_wait=self._ack_wait_s,
                # Never given up on: a message not yet stored is delivered until it is.
                max_deliver=-1,
                # A whole batch for each of a few instances at once.
                max_ack_pending=self._batch * 4,
            ),
        )
        return stream


class _Failures:
    """The client reports every failed try, every few seconds while a server is away: each
    kind is logged once until a connection succeeds."""

    def __init__(self) -> None:
        self._logged: set[str] = set()

    async def seen(self, exc: Exception) -> None:
        said = f"{type(exc).__name__}: {exc}"
        if said not in self._logged:
            self._logged.add(said)
            log.warning("NATS: %s (trying again every %d s)", said, RECONNECT_WAIT_SECONDS)

    def clear(self) -> None:
        self._logged.clear()


_failures = _Failures()


async def _on_disconnected() -> None:
    log.warning("NATS: disconnected")


async def _on_reconnected() -> None:
    _failures.clear()
    log.warning("NATS: reconnected")
