"""Carriers pushing over HTTP (issue 15): `POST /api/v1/ingest` with one event a request and
with 1,000-event bodies, against healthchecks' ping endpoint in the same run.

    .venv/bin/python benchmarks/http_push.py --healthchecks-url http://127.0.0.1:8011/ping/UUID
    .venv/bin/python benchmarks/http_push.py --subjects 100000 --workers 2 --seconds 20

S subjects are enrolled straight into a scratch PostgreSQL database (as
`ingest_throughput.py` does), an operator is given an API token, and `anbu serve
--no-background [--workers N]` answers on a port of its own. Then, each for `--seconds`,
`--concurrency` client threads (keep-alive connections) send:

* `single` — one JSON Lines event a request, each a new event of an enrolled person;
* `ping`   — healthchecks' `/ping/<uuid>` (GET), when `--healthchecks-url` names a running
             healthchecks; its set-up is not ours to script (BENCHMARKS.md says how it was run);
* `batch`  — `--batch` events a request.

Prints requests/s and events/s for each, the ratio of `single` to `ping`, the latency
percentiles, and the CPU others used meanwhile. The clients share the machine with both
servers, as they did in the issue's measurement; a floor and its figure come from one run.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr

from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import bootstrap
from anbu.domain.kinds import Carrier
from anbu.services.accounts import create_token
from anbu.services.officers import import_officers
from anbu.settings import Settings
from benchlib import (
    BENCH_SECRET,
    DEFAULT_ADMIN_URL,
    CpuWatch,
    database_url,
    machine,
    say,
    scratch_database,
    serving,
    table,
)
from ingest_throughput import _enrol

OPERATOR_CSV = (
    "login,name,role,centres,phone,email\n"
    "carrier.feed,통신사 연동,operator,,010-9000-0001,feed@example.org\n"
)


@dataclass
class Load:
    name: str
    events_per_request: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    others_cpu: float = 0.0

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--healthchecks-url", default="")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print("# http_push")
    print(f"machine: {machine(args.admin_url)}")
    rng = random.Random(args.seed)
    with (
        tempfile.TemporaryDirectory(prefix="anbu-bench-push-") as folder,
        scratch_database(args.admin_url, "push") as name,
    ):
        tmp = Path(folder)
        url = database_url(args.admin_url, name)
        settings = Settings(
            database_url=url, data_dir=tmp / "data", secret_key=SecretStr(BENCH_SECRET)
        )
        phones = _enrol(settings, args.subjects, rng)
        token = _token(settings)
        events = _events(list(phones.items()))
        loads: list[Load] = []
        options = ["--workers", str(args.workers)] if args.workers > 1 else []
        with serving(url, tmp, *options) as base:
            push = f"{base}/api/v1/ingest"
            headers = {"authorization": f"Bearer {token}", "content-type": "application/x-ndjson"}
            loads.append(
                _drive(
                    Load("single", 1),
                    args,
                    lambda c: c.post(push, content=events.next(), headers=headers),
                )
            )
            if args.healthchecks_url:
                ping = args.healthchecks_url
                loads.append(_drive(Load("ping (healthchecks)", 1), args, lambda c: c.get(ping)))
            body = _bodies(events, args.batch)
            loads.append(
                _drive(
                    Load("batch", args.batch),
                    args,
                    lambda c: c.post(push, content=body.next(), headers=headers),
                )
            )
    _print(loads, args)
    return 0


def _token(settings: Settings) -> str:
    app = bootstrap(settings)
    try:
        now = datetime.now(UTC)
        import_officers(app, read_officers(OPERATOR_CSV.encode()), now=now, actor="bench")
        return create_token(app, "carrier.feed", label="bench", now=now, actor="bench")
    finally:
        app.close()


def _events(people: list[tuple[str, Carrier]]) -> Shared:
    """An endless stream of new events (one JSON line each) of enrolled people."""
    start = datetime.now(UTC) - timedelta(hours=1)

    def lines() -> Iterator[bytes]:
        for n in itertools.count():
            phone, carrier = people[n % len(people)]
            at = (start + timedelta(milliseconds=n)).isoformat()
            yield (
                f'{{"event_id": "push-{n}", "carrier": "{carrier.value}", "phone": "{phone}",'
                f' "kind": "call_out", "occurred_at": "{at}", "duration_s": 30}}\n'
            ).encode()

    return Shared(lines())


def _bodies(events: Shared, size: int) -> Shared:
    def bodies() -> Iterator[bytes]:
        while True:
            yield b"".join(events.next() for _ in range(size))

    return Shared(bodies())


class Shared:
    """A generator the client threads draw from in turn."""

    def __init__(self, source: Iterator[bytes]) -> None:
        self._source = source
        self._lock = threading.Lock()

    def next(self) -> bytes:
        with self._lock:
            return next(self._source)


def _drive(
    load: Load, args: argparse.Namespace, request: Callable[[httpx.Client], httpx.Response]
) -> Load:
    say(f"{load.name}: {args.concurrency} clients for {args.seconds:.0f} s …")
    stop = time.monotonic() + args.seconds
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=30) as session:
            request(session)  # connect and warm up, not counted
            while time.monotonic() < stop:
                started = time.perf_counter()
                answer = request(session)
                took = time.perf_counter() - started
                with lock:
                    if answer.status_code == 200:
                        load.latencies.append(took)
                    else:
                        load.failures += 1

    threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
    with CpuWatch() as cpu:
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        load.seconds = time.perf_counter() - began
    load.others_cpu = cpu.others
    say(
        f"{load.name}: {load.requests_per_second:.0f} req/s, {load.failures} failed;"
        f" {cpu.summary()}"
    )
    return load


def _print(loads: list[Load], args: argparse.Namespace) -> None:
    ping = next((load for load in loads if load.name.startswith("ping")), None)
    rows = []
    for load in loads:
        ratio = (
            f"{load.requests_per_second / ping.requests_per_second:.2f}×"
            if ping and load.events_per_request == 1
            else ""
        )
        rows.append(
            [
                load.name,
                load.events_per_request,
                f"{load.requests_per_second:,.0f}",
                f"{load.requests_per_second * load.events_per_request:,.0f}",
                ratio,
                f"{statistics.median(load.latencies) * 1000:.1f}" if load.latencies else "",
                f"{load.percentile(0.99) * 1000:.1f}",
                load.failures,
                f"{load.others_cpu:.2f}",
            ]
        )
    print(
        f"subjects {args.subjects:,}, {args.concurrency} clients, {args.seconds:.0f} s each,"
        f" anbu workers {args.workers}"
    )
    print()
    print(
        table(
            [
                "load",
                "events/request",
                "requests/s",
                "events/s",
                "÷ ping",
                "p50 ms",
                "p99 ms",
                "failed",
                "others' CPU (cores)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
