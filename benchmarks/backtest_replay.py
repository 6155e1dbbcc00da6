"""Backtest benchmark (issue 12): `anbu backtest` on 1,000 people × 90 days, 15-minute sweeps.

    .venv/bin/python benchmarks/backtest_replay.py
    .venv/bin/python benchmarks/backtest_replay.py --people 200 --days 30 --detection fixed

A district is simulated by `anbu evaluate`'s generator (believable people, hourly carrier
deliveries with their `received_at`, a carrier outage, planted incidents), written as the
subjects CSV and the JSON Lines file a district would hand over, and replayed by the real
command — `anbu backtest --subjects … --events … --json` in a subprocess, timed from the
outside (start-up, reading, enrolment, the replay, the findings). Once with everyone on the
fixed 48-hour rule, once on personal detection (96 hours its maximum). The replay runs on
the embedded SQLite in a temporary folder, as the command always does; no PostgreSQL.

Prints, as Markdown: lines, sweeps, alerts, wall seconds, the replay's own seconds (from
the summary), lines per second, peak memory of the command.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anbu.entrypoints.evaluation.district import delivered, simulate, subjects_csv
from benchlib import CpuWatch, machine, say, table

ANBU = str(Path(sys.executable).parent / "anbu")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sweep-every", type=int, default=15, help="minutes")
    parser.add_argument(
        "--detection", nargs="+", choices=["fixed", "personal"], default=["fixed", "personal"]
    )
    args = parser.parse_args()

    print("# backtest_replay")
    print(f"machine: {machine(None)}")
    print(f"command: {' '.join(['.venv/bin/python', *sys.argv])}")
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="anbu-bench-backtest-") as folder:
        tmp = Path(folder)
        started = time.perf_counter()
        district = simulate(args.seed, args.people, args.days)
        events = tmp / "events.jsonl"
        events.write_bytes(delivered(district))
        lines = sum(1 for _ in events.open("rb"))
        say(
            f"simulated {args.people} people × {args.days} days: {lines:,} lines "
            f"in {time.perf_counter() - started:.0f} s"
        )
        for detection in args.detection:
            personal = detection == "personal"
            people = tmp / f"subjects-{detection}.csv"
            people.write_bytes(
                subjects_csv(district, 96 if personal else 48, "personal" if personal else None)
            )
            say(f"{detection}: anbu backtest …")
            with CpuWatch() as cpu:
                result = _run(people, events, args.sweep_every, tmp / f"data-{detection}")
            summary = result.summary
            rows.append(
                [
                    "personal (96 h maximum)" if personal else "fixed 48 h",
                    f"{lines:,}",
                    f"{summary['sweeps']:,}",
                    f"{result.alerts:,}",
                    f"{result.wall:.1f}",
                    f"{summary['seconds']:.1f}",
                    f"{lines / result.wall:,.0f}",
                    f"{result.peak_mib:,.0f}",
                    f"{cpu.others:.2f}",
                ]
            )
            say(f"{detection}: {result.wall:.1f} s; {cpu.summary()}")
    print()
    print(
        table(
            [
                "detection",
                "lines",
                "sweeps",
                "alerts",
                "wall s",
                "own s",
                "lines/s",
                "peak MiB",
                "others' CPU (cores)",
            ],
            rows,
        )
    )
    return 0


@dataclass(frozen=True, slots=True)
class Result:
    wall: float  # seconds, from the outside
    peak_mib: float
    alerts: int
    summary: dict[str, Any]  # the command's own summary line


def _run(people: Path, events: Path, every: int, data: Path) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANBU_")}
    env["ANBU_DATA_DIR"] = str(data)  # the configured database stays untouched anyway
    command = [
        ANBU, "backtest", "--subjects", str(people), "--events", str(events),
        "--sweep-every", str(every), "--json",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"anbu backtest failed ({done.returncode}): {done.stderr[-2000:]}")
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    documents = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    summary = documents[-1]["summary"]
    alerts = sum(1 for d in documents if "summary" not in d)
    return Result(wall, peak / 1024, alerts, summary)


if __name__ == "__main__":
    raise SystemExit(main())
