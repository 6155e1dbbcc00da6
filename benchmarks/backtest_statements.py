"""What a backtest asks of its database, counted: statements, commits and CPU seconds of one
`anbu backtest` run, in this process. The counts do not depend on the machine or its load,
so a change that saves statements can be shown on a busy machine, where timings cannot.

    .venv/bin/python benchmarks/backtest_statements.py --people 300 --days 21
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python benchmarks/backtest_statements.py

The district is `anbu evaluate`'s (seed 1), as in `backtest_replay.py`. Prints one Markdown
row per detection mode.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from anbu.entrypoints.cli import main as anbu
from anbu.entrypoints.evaluation.district import delivered, simulate, subjects_csv
from benchlib import say, table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = {"statements": 0, "commits": 0}

    def statement(*_: object, **__: object) -> None:
        counts["statements"] += 1

    def commit(*_: object) -> None:
        counts["commits"] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="anbu-bench-statements-") as folder:
        tmp = Path(folder)
        district = simulate(args.seed, args.people, args.days)
        events = tmp / "events.jsonl"
        events.write_bytes(delivered(district))
        for detection in ("fixed", "personal"):
            personal = detection == "personal"
            people = tmp / f"subjects-{detection}.csv"
            people.write_bytes(
                subjects_csv(district, 96 if personal else 48, "personal" if personal else None)
            )
            os.environ["ANBU_DATA_DIR"] = str(tmp / f"data-{detection}")
            counts.update(statements=0, commits=0)
            say(f"{detection}: anbu backtest …")
            started = time.process_time()
            sys.argv = ["anbu", "backtest", "--subjects", str(people), "--events", str(events)]
            sys.argv += ["--json"]
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
                anbu()
            cpu = time.process_time() - started
            rows.append(
                [detection, f"{counts['statements']:,}", f"{counts['commits']:,}", f"{cpu:.1f}"]
            )
    print(table(["detection", "statements", "commits", "CPU s"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
