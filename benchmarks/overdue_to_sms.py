"""Overdue to a text handed to the gateway (issue 15): how long after a person falls due does
the officer's text leave `anbu serve`, with N people enrolled and carrier traffic flowing?

    .venv/bin/python benchmarks/overdue_to_sms.py --subjects 100000 --due 300 --window 180
    .venv/bin/python benchmarks/overdue_to_sms.py --subjects 1000000 --sweep-every 20

N people are enrolled straight into a scratch PostgreSQL database (as `ingest_throughput.py`
does; a sign of life an hour ago each), one officer with a phone per centre. K of them are
made to fall due at random instants over the next `--window` seconds (their last sign of life
moved back by their 48-hour period). `anbu serve` runs as deployed, sweeping and dispatching
on its own loops (`--sweep-every`/`--dispatch-every`: the product's defaults unless given),
its texts going to an SMS provider's JSON API that this script answers on a local port — the
gateway's side of the wire, where the text is "handed over". Meanwhile a carrier pushes
`--push-rate` events a second of the other people, and each carrier's watermark (complete
until now) every second, through `POST /api/v1/ingest`.

Prints, for the K people: the delay from the instant each fell due to the instant its text
reached the gateway (p50, p95, p99, max), how many never arrived within `--window` + 3
minutes, and the CPU others used meanwhile.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
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

PERIOD = timedelta(hours=48)  # ingest_throughput's people are on the fixed 48-hour rule
REFERENCE = re.compile(r"\((KR-\d{9})\)")


class Gateway:
    """The SMS provider's side: when each text arrived, by the person it names."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                at = time.time()
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                found = REFERENCE.search(body.get("text", ""))
                if found:
                    with gateway._lock:
                        gateway.arrived.setdefault(found.group(1), at)
                answer = json.dumps({"messageId": body.get("reference", "")}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=300)
    parser.add_argument("--window", type=float, default=180.0, help="seconds")
    parser.add_argument("--push-rate", type=int, default=200, help="events a second")
    parser.add_argument("--sweep-every", type=float, default=None, help="seconds")
    parser.add_argument("--dispatch-every", type=float, default=None, help="seconds")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print("# overdue_to_sms")
    print(f"machine: {machine(args.admin_url)}")
    rng = random.Random(args.seed)
    gateway = Gateway()
    with (
        tempfile.TemporaryDirectory(prefix="anbu-bench-overdue-") as folder,
        scratch_database(args.admin_url, "overdue") as name,
    ):
        tmp = Path(folder)
        url = database_url(args.admin_url, name)
        settings = Settings(
            database_url=url, data_dir=tmp / "data", secret_key=SecretStr(BENCH_SECRET)
        )
        phones = _enrol(settings, args.subjects, rng)
        token = _staff(settings, url)
        start = datetime.now(UTC) + timedelta(seconds=20)  # once the server is up
        due = _fall_due(url, args, start, rng)
        env = {
            "ANBU_SMS_URL": f"http+json://bench@127.0.0.1:{gateway.port}/send",
            **({"ANBU_SWEEP_EVERY_SECONDS": str(args.sweep_every)} if args.sweep_every else {}),
            **(
                {"ANBU_DISPATCH_EVERY_SECONDS": str(args.dispatch_every)}
                if args.dispatch_every
                else {}
            ),
        }
        others = [(p, c) for p, c in phones.items()]
        with serving(url, tmp, background=True, env=env) as base:
            stop = threading.Event()
            pusher = threading.Thread(
                target=_push, args=(base, token, others, args.push_rate, stop, rng), daemon=True
            )
            pusher.start()
            with CpuWatch() as cpu:
                deadline = time.time() + (start - datetime.now(UTC)).total_seconds()
                deadline += args.window + 180
                while time.time() < deadline and len(gateway.arrived) < len(due):
                    time.sleep(1)
                    say(f"{len(gateway.arrived)} of {len(due)} texts at the gateway")
            stop.set()
            pusher.join()
    _print(args, due, gateway.arrived, cpu)
    return 0


def _staff(settings: Settings, url: str) -> str:
    """One officer with a phone for each centre, and a carrier's operator with a token."""
    with psycopg.connect(url) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM centres ORDER BY id")]
    rows = ["login,name,role,centres,phone,email"]
    for n, centre in enumerate(names):
        rows.append(f"officer-{n},담당 {n},officer,{centre},010-8{n // 10000:03d}-{n % 10000:04d},")
    rows.append("carrier.feed,통신사 연동,operator,,010-9000-0001,")
    app = bootstrap(settings)
    try:
        now = datetime.now(UTC)
        report = import_officers(
            app, read_officers("\n".join(rows).encode()), now=now, actor="bench"
        )
        assert not report.rejected, report.rejected
        return create_token(app, "carrier.feed", label="bench", now=now, actor="bench")
    finally:
        app.close()


def _fall_due(
    url: str, args: argparse.Namespace, start: datetime, rng: random.Random
) -> dict[str, datetime]:
    """Everyone showed life an hour ago; K people fall due over the window instead."""
    now = datetime.now(UTC)
    due: dict[str, datetime] = {}
    with psycopg.connect(url) as connection:
        connection.execute(
            "UPDATE subjects SET last_life_at = %s, last_on_at = %s, next_due_at = %s",
            (now - timedelta(hours=1), now - timedelta(hours=1), now - timedelta(hours=1) + PERIOD),
        )
        ids = [row[0] for row in connection.execute("SELECT external_id FROM subjects")]
        for reference in rng.sample(ids, args.due):
            due[reference] = start + timedelta(seconds=rng.uniform(0, args.window))
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE subjects SET last_life_at = %s, last_on_at = %s, next_due_at = %s"
                " WHERE external_id = %s",
                [(at - PERIOD, at - PERIOD, at, reference) for reference, at in due.items()],
            )
        connection.execute(
            "UPDATE feeds SET declared_until = %s, seen_until = %s, updated_at = %s",
            (now, now, now),
        )
        connection.commit()
        connection.execute("ANALYZE subjects")
        connection.commit()
    say(f"{len(due)} people fall due between {start:%H:%M:%S} and +{args.window:.0f} s")
    return due


def _push(
    base: str,
    token: str,
    people: list[tuple[str, Carrier]],
    rate: int,
    stop: threading.Event,
    rng: random.Random,
) -> None:
    """A carrier's traffic: `rate` events a second of people, and every carrier's watermark
    (complete until now) each second. The due people are among `people` too, but their
    events are never sent: their last sign of life stays where it was put."""
    headers = {"authorization": f"Bearer {token}", "content-type": "application/x-ndjson"}
    count = 0
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            second = time.monotonic()
            now = datetime.now(UTC)
            lines = [
                json.dumps(
                    {"carrier": c.value, "kind": "watermark", "complete_until": now.isoformat()}
                )
                for c in Carrier
            ]
            for phone, carrier in rng.sample(people, rate):
                count += 1
                lines.append(
                    json.dumps(
                        {
                            "event_id": f"traffic-{count}",
                            "carrier": carrier.value,
                            "phone": phone,
                            "kind": "data",
                            "occurred_at": (now - timedelta(seconds=5)).isoformat(),
                        }
                    )
                )
            client.post(f"{base}/api/v1/ingest", content="\n".join(lines) + "\n", headers=headers)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - second)))


def _print(
    args: argparse.Namespace, due: dict[str, datetime], arrived: dict[str, float], cpu: CpuWatch
) -> None:
    delays = sorted(arrived[r] - at.timestamp() for r, at in due.items() if r in arrived)
    missing = len(due) - len(delays)

    def pick(share: float) -> str:
        return f"{delays[min(len(delays) - 1, int(share * len(delays)))]:.1f}" if delays else ""

    sweep = f"{args.sweep_every:g} s" if args.sweep_every else "default"
    dispatch = f"{args.dispatch_every:g} s" if args.dispatch_every else "default"
    print(
        f"subjects {args.subjects:,}, due {args.due} over {args.window:.0f} s, traffic "
        f"{args.push_rate} events/s, sweep every {sweep}, dispatch every {dispatch}"
    )
    print()
    print(
        table(
            ["texts", "missing", "p50 s", "p95 s", "p99 s", "max s", "mean s", "others' CPU"],
            [
                [
                    len(delays),
                    missing,
                    pick(0.5),
                    pick(0.95),
                    pick(0.99),
                    f"{delays[-1]:.1f}" if delays else "",
                    f"{statistics.mean(delays):.1f}" if delays else "",
                    f"{cpu.others:.2f}",
                ]
            ],
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
