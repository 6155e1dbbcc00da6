"""The background work of `anbu serve`: sweep (and escalate) every 20 s, dispatch every
few seconds, and recount the reports people are reading before their figures expire. Each
pass runs in a worker thread so that callbacks are answered meanwhile; a pass that fails is
logged and counted, and the loop goes on."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from anbu.adapters.channels import Channel, Medium
from anbu.bootstrap import Anbu
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.monitoring import Monitoring
from anbu.services import reports
from anbu.services.dispatch import dispatch
from anbu.services.reports import ReportCache
from anbu.services.sweep import sweep

log = logging.getLogger("anbu.loops")


class Loops:
    def __init__(
        self,
        anbu: Anbu,
        channels: Mapping[Medium, Channel],
        monitoring: Monitoring,
        report_cache: ReportCache,
    ) -> None:
        self._anbu = anbu
        self._channels = channels
        self._monitoring = monitoring
        self._report_cache = report_cache
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        settings = self._anbu.settings
        self._tasks = [
            asyncio.create_task(self._every("sweep", settings.sweep_every_seconds, self._sweep)),
            asyncio.create_task(
                self._every("dispatch", settings.dispatch_every_seconds, self._dispatch)
            ),
        ]
        if settings.report_cache_seconds:
            # A third of the freshness: each viewed report is recounted once per lifetime.
            every = max(settings.report_cache_seconds / 3, 5.0)
            self._tasks.append(asyncio.create_task(self._every("reports", every, self._reports)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _sweep(self) -> None:
        sweep(self._anbu, now=wall_clock())

    def _dispatch(self) -> None:
        dispatch(self._anbu, self._channels, now=wall_clock())

    def _reports(self) -> None:
        reports.refresh(self._anbu, self._report_cache, wall_clock())

    async def _every(self, name: str, seconds: float, work: Callable[[], None]) -> None:
        while True:
            started = time.perf_counter()
            try:
                await asyncio.to_thread(work)
            except Exception:
                # One bad pass (a database restart, say) must not end the loop.
                log.exception("%s pass failed", name)
                self._monitoring.loop_errors.labels(name).inc()
            self._monitoring.loop_seconds.labels(name).observe(time.perf_counter() - started)
            await asyncio.sleep(seconds)
