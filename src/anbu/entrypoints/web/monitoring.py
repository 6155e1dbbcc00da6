"""Prometheus metrics. The state of the work (open alerts, the outbox, the feeds' lag) is
read from the database at each scrape, so it is the same whichever process did the work;
the loops' own timings are this process's."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from anbu.bootstrap import Anbu
from anbu.entrypoints.clock import wall_clock
from anbu.services import operations


class Monitoring:
    def __init__(self, anbu: Anbu) -> None:
        # One registry per application, so that two apps in one process (tests) do not
        # clash over the global one.
        self.registry = CollectorRegistry()
        self.loop_seconds = Histogram(
            "anbu_loop_seconds",
            "Duration of one background pass",
            ["loop"],
            registry=self.registry,
        )
        self.loop_errors = Counter(
            "anbu_loop_errors", "Background passes that failed", ["loop"], registry=self.registry
        )
        self.stream_messages = Counter(
            "anbu_stream_messages",
            "Messages taken from the carriers' NATS streams, accepted or refused",
            ["carrier", "outcome"],
            registry=self.registry,
        )
        self.registry.register(_State(anbu))


class _State(Collector):
    def __init__(self, anbu: Anbu) -> None:
        self._anbu = anbu

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = wall_clock()
        work = operations.work_state(self._anbu)
        alerts, outbox, oldest = work.open_alerts, work.notifications, work.oldest_queued
        open_alerts = GaugeMetricFamily(
            "anbu_alerts_open", "Alerts not yet resolved", labels=["kind", "state"]
        )
        for (kind, state), count in sorted(alerts.items()):
            open_alerts.add_metric([kind, state], count)
        yield open_alerts
        notes = GaugeMetricFamily(
            "anbu_notifications", "Notifications by medium and state", labels=["medium", "state"]
        )
        for (medium, state), count in sorted(outbox.items()):
            notes.add_metric([medium, state], count)
        yield notes
        waiting = GaugeMetricFamily(
            "anbu_notification_oldest_queued_seconds",
            "Age of the oldest notification still waiting to go out",
            labels=["medium"],
        )
        for medium, at in sorted(oldest.items()):
            waiting.add_metric([medium], (now - at).total_seconds())
        yield waiting
        lag = GaugeMetricFamily(
            "anbu_feed_lag_seconds",
            "How far each carrier's watermark is behind the clock",
            labels=["carrier"],
        )
        for carrier, watermark in sorted(work.watermarks.items()):
            lag.add_metric([carrier.value], (now - watermark).total_seconds())
        yield lag
