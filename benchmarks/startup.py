"""What a command costs before it does any work: `anbu --help` and a command's `--help`, run as
a user runs them, timed from outside (wall seconds) with the peak memory of the process
(its largest resident set, from the kernel's accounting of the finished child).

    .venv/bin/python benchmarks/startup.py [--runs 15]

Issue 15's floor: under 0.3 s and 60 MiB. Also prints how many modules `import` of the CLI
loads, which does not depend on the machine's load. Prints one Markdown row per command.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchlib import run_child, table

ANBU = str(Path(sys.executable).parent / "anbu")
COMMANDS = (("--help",), ("sweep", "--help"), ("ingest", "--help"))


def _once(arguments: tuple[str, ...]) -> tuple[float, float]:
    """Wall seconds and peak MiB of one run, the peak read from the child's own rusage."""
    run = run_child([ANBU, *arguments], os.environ | {"COLUMNS": "100"})
    if run.exit_code != 0:
        raise SystemExit(f"anbu {' '.join(arguments)} failed")
    return run.seconds, run.peak_mib


def _modules() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, anbu.entrypoints.cli; print(len(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    rows: list[list[object]] = []
    for arguments in COMMANDS:
        _once(arguments)  # the first run reads the files into the page cache
        runs = [_once(arguments) for _ in range(args.runs)]
        seconds = sorted(run[0] for run in runs)
        rows.append(
            [
                "anbu " + " ".join(arguments),
                f"{statistics.median(seconds):.3f}",
                f"{seconds[int(len(seconds) * 0.9) - 1]:.3f}",
                f"{max(run[1] for run in runs):.0f}",
            ]
        )
    print(table(["command", "median s", "p90 s", "peak MiB"], rows))
    print(f"\nmodules loaded by `import anbu.entrypoints.cli`: {_modules()}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
