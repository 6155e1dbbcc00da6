"""National scale (issue 15): how enrolment, ingest, the sweep and the workers' memory grow
with the number of people, each figure beside the database's own bulk path in the same run.

    .venv/bin/python benchmarks/national_scale.py --people 10000 100000
    .venv/bin/python benchmarks/national_scale.py --people 1000000 --ingest-lines 2000000

For each N, `national.py` writes N people and their day (8 lines a person by default) into a
temporary folder, and on a fresh PostgreSQL database (`anbu_bench_national_*`):

* enrolment: `anbu subjects import subjects.csv --new-centres` (the ~3,500 centres are new),
  run as a user runs it; floor: the `subjects` rows it wrote, `COPY`'d into a table like it;
* ingest: `anbu ingest day.jsonl` (or its first `--ingest-lines` lines); floor: `COPY` of the
  `activity_events` rows it stored;
* the sweep with `--due` people due: the centres' officers imported (2 each), the carriers'
  watermarks set to the instant at which exactly that many are due (as `sweep_due.py` does),
  then `sweep` in this process (the figure), undone, and `anbu sweep` run as a user runs it
  (for its memory).

For N ≤ `--sqlite-max` the import and the ingest run again on SQLite; the ingest's floor is
`sqlite3 FILE .import` of the same rows into a table with the same definition and indexes.

Every command is timed from outside and its peak resident memory read from the finished
child's rusage; every figure has beside it the cores that other processes used meanwhile
(`benchlib.CpuWatch`) and the load average.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from anbu.adapters.storage.tables import centres
from anbu.bootstrap import bootstrap
from anbu.services.sweep import sweep
from anbu.settings import Settings
from benchlib import (
    BENCH_SECRET,
    DEFAULT_ADMIN_URL,
    ChildRun,
    CpuWatch,
    Stopwatch,
    copy_floor,
    counts_in,
    database_url,
    machine,
    run_child,
    say,
    scratch_database,
    sqlite_definition,
    table,
)
from national import DAY, write_day, write_subjects
from sweep_due import due_now, import_officers_for, restore_swept, set_watermarks, watermark_for

ANBU = str(Path(sys.executable).parent / "anbu")
ENROL_AT = DAY  # the list is imported as the day begins; every consent is older
INGEST_AT = DAY + timedelta(days=1, hours=1)  # the day's file arrives after it is over


@dataclass
class Figure:
    people: int
    database: str
    what: str
    count: int
    seconds: float
    floor_rate: float | None
    peak_mib: float | None
    others_cpu: float
    load: float
    unit: str = "rows/s"

    @property
    def rate(self) -> float:
        return self.count / self.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--events-per-person", type=float, default=8.0)
    parser.add_argument("--ingest-lines", type=int, help="ingest only the day's first lines")
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--officers", type=int, default=2, help="officers per centre")
    parser.add_argument("--sqlite-max", type=int, default=100_000)
    parser.add_argument("--tmp", type=Path, help="a folder for the files (default: /tmp)")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    print("# national_scale")
    print(f"machine: {machine(args.admin_url)}")
    print(f"commit: {_commit()}")
    print(f"command: {' '.join(['.venv/bin/python', *sys.argv])}")
    figures: list[Figure] = []
    memory: list[list[str]] = []
    for people in args.people:
        with tempfile.TemporaryDirectory(prefix="anbu-national-", dir=args.tmp) as tmp_name:
            tmp = Path(tmp_name)
            subjects_csv, day = _files(tmp, people, args)
            found = _postgresql(tmp, people, subjects_csv, day, args)
            if people <= args.sqlite_max:
                found += _sqlite(tmp, people, subjects_csv, day)
            figures += [f for f, _ in found]
            memory += [
                [f"{people:,}", f.database, f.what, f"{run.peak_mib:.0f}"]
                for f, run in found
                if run
            ]
    _print(figures, memory)
    return 0


def _commit() -> str:
    here = Path(__file__).parent
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"], cwd=here, capture_output=True, text=True
    ).stdout.strip()
    return head + (" (src/ with uncommitted changes)" if dirty else "")


def _files(tmp: Path, people: int, args: argparse.Namespace) -> tuple[Path, Path]:
    subjects_csv, day = tmp / "subjects.csv", tmp / "day.jsonl"
    clock = Stopwatch()
    write_subjects(subjects_csv, people, args.seed)
    written = clock.seconds
    clock = Stopwatch()
    counts = write_day(day, people, args.events_per_person, args.seed)
    lines = counts["total"] + counts["duplicate"] + counts["watermark"]
    print(
        f"\nN={people:,}: {people:,} people in {written:.1f} s ({people / written:,.0f}/s), "
        f"{lines:,} lines of their day in {clock.seconds:.1f} s "
        f"({lines / clock.seconds:,.0f}/s, {day.stat().st_size / 2**20:,.0f} MiB): "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()) if k != "total")
    )
    if args.ingest_lines and args.ingest_lines < lines:
        head = tmp / "day-head.jsonl"
        with day.open("rb") as source, head.open("wb") as out:
            out.writelines(itertools.islice(source, args.ingest_lines))
        day.unlink()
        head.rename(day)
        print(f"N={people:,}: ingesting the day's first {args.ingest_lines:,} lines")
    return subjects_csv, day


def _environment(url: str, data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ANBU_DATABASE_URL": url,
        "ANBU_SECRET_KEY": BENCH_SECRET,
        "ANBU_DATA_DIR": str(data),
        "COLUMNS": "100",
    }


def _timed(command: list[str], env: dict[str, str], output: Path) -> tuple[ChildRun, CpuWatch]:
    say(" ".join(command[1:3]) + " …")
    with CpuWatch() as cpu:
        run = run_child(command, env, str(output))
    if run.exit_code not in (0, 1):  # 1: some lines rejected, the rest stored
        raise SystemExit(f"{' '.join(command)} exited {run.exit_code}: {run.output[-2000:]}")
    say(f"  {run.seconds:.1f} s, peak {run.peak_mib:.0f} MiB; {cpu.summary()}")
    return run, cpu


def _enrol(env: dict[str, str], subjects_csv: Path, tmp: Path) -> tuple[ChildRun, CpuWatch, int]:
    run_child([ANBU, "db", "upgrade"], env)
    command = [ANBU, "subjects", "import", str(subjects_csv), "--new-centres"]
    run, cpu = _timed([*command, "--now", ENROL_AT.isoformat()], env, tmp / "import.out")
    created = re.search(r"created (\d+)", run.output)
    return run, cpu, int(created[1]) if created else 0


def _ingest(env: dict[str, str], day: Path, tmp: Path) -> tuple[ChildRun, CpuWatch, int]:
    command = [ANBU, "ingest", str(day), "--now", INGEST_AT.isoformat()]
    run, cpu = _timed(command, env, tmp / "ingest.out")
    summary = run.output.strip().splitlines()[-1]
    say(f"  {summary}")
    return run, cpu, counts_in(summary).get("lines", 0)


def _postgresql(
    tmp: Path, people: int, subjects_csv: Path, day: Path, args: argparse.Namespace
) -> list[tuple[Figure, ChildRun | None]]:
    found: list[tuple[Figure, ChildRun | None]] = []
    with scratch_database(args.admin_url, "national") as name:
        url = database_url(args.admin_url, name)
        env = _environment(url, tmp / "data")
        run, cpu, created = _enrol(env, subjects_csv, tmp)
        floor = copy_floor(url, "subjects")
        say(f"  floor: COPY {floor.rate:,.0f} rows/s; {floor.note}")
        found.append(
            (_figure(people, "PostgreSQL", "enrolment", created, run, cpu, floor.rate), run)
        )
        run, cpu, lines = _ingest(env, day, tmp)
        floor = copy_floor(url, "activity_events")
        say(f"  floor: COPY {floor.rate:,.0f} rows/s; {floor.note}")
        found.append(
            (_figure(people, "PostgreSQL", "ingest", lines, run, cpu, floor.rate, "lines/s"), run)
        )
        found += _sweep(url, env, tmp, people, args)
    return found


def _figure(
    people: int,
    database: str,
    what: str,
    count: int,
    run: ChildRun,
    cpu: CpuWatch,
    floor_rate: float | None,
    unit: str = "rows/s",
) -> Figure:
    return Figure(
        people,
        database,
        what,
        count,
        run.seconds,
        floor_rate,
        run.peak_mib,
        cpu.others,
        os.getloadavg()[0],
        unit,
    )


def _sweep(
    url: str, env: dict[str, str], tmp: Path, people: int, args: argparse.Namespace
) -> list[tuple[Figure, ChildRun | None]]:
    settings = Settings(database_url=url, data_dir=tmp / "data", secret_key=SecretStr(BENCH_SECRET))
    app = bootstrap(settings, migrate=False)
    try:
        with app.engine.connect() as connection:
            # Only the centres the list created: at small N not every one has people.
            names = list(connection.scalars(select(centres.c.name).order_by(centres.c.id)))
        import_officers_for(app, names, args.officers)
        until = watermark_for(app, min(args.due, people))
        saved = due_now(app, until)
        set_watermarks(app, until)
        now = until + timedelta(minutes=1)
        say(f"sweep: {len(saved):,} due at {until.isoformat()}")
        with CpuWatch() as cpu:
            clock = Stopwatch()
            report = sweep(app, now=now)
            seconds = clock.seconds
        say(f"  in-process: {seconds:.2f} s, {len(report.opened):,} opened; {cpu.summary()}")
        restore_swept(app, saved)
    finally:
        app.close()
    inside = Figure(
        people,
        "PostgreSQL",
        f"sweep, {len(saved):,} due (in-process)",
        len(report.opened),
        seconds,
        None,
        None,
        cpu.others,
        os.getloadavg()[0],
        "alerts/s",
    )
    run, cpu = _timed([ANBU, "sweep", "--now", now.isoformat()], env, tmp / "sweep.out")
    outside = _figure(
        people, "PostgreSQL", "sweep (`anbu sweep`)", len(saved), run, cpu, None, "alerts/s"
    )
    return [(inside, None), (outside, run)]


def _sqlite(
    tmp: Path, people: int, subjects_csv: Path, day: Path
) -> list[tuple[Figure, ChildRun | None]]:
    data = tmp / "sqlite"
    env = _environment("", data)
    run, cpu, created = _enrol(env, subjects_csv, tmp)
    found: list[tuple[Figure, ChildRun | None]] = [
        (_figure(people, "SQLite", "enrolment", created, run, cpu, None), run)
    ]
    run, cpu, lines = _ingest(env, day, tmp)
    floor_rate = _sqlite_import_floor(data / "anbu.sqlite3", tmp)
    found.append((_figure(people, "SQLite", "ingest", lines, run, cpu, floor_rate, "lines/s"), run))
    return found


def _sqlite_import_floor(database: Path, tmp: Path) -> float:
    """The events the ingest stored, loaded by `sqlite3 FILE .import` (CSV) into a fresh file
    with the same `activity_events` definition and indexes: SQLite's own bulk path."""
    rows = tmp / "events.csv"
    with sqlite3.connect(database) as source:
        ddl = sqlite_definition(source, "activity_events")
        with rows.open("w", newline="") as out:
            count = 0
            writer = csv.writer(out)
            for row in source.execute("SELECT * FROM activity_events"):
                writer.writerow(row)
                count += 1
    target = tmp / "floor.sqlite3"
    with sqlite3.connect(target) as connection:
        for statement in ddl:
            connection.execute(statement)
    with CpuWatch() as cpu:
        run = run_child(
            ["/usr/bin/sqlite3", str(target), f".import --csv {rows} activity_events"],
            dict(os.environ),
        )
    with sqlite3.connect(target) as connection:
        loaded = connection.execute("SELECT count(*) FROM activity_events").fetchone()[0]
    rows.unlink()
    target.unlink()
    if loaded != count:
        say(f"  note: .import loaded {loaded:,} of {count:,} rows")
    say(f"  floor: sqlite3 .import {loaded / run.seconds:,.0f} rows/s; {cpu.summary()}")
    return float(loaded / run.seconds)


def _print(figures: list[Figure], memory: list[list[str]]) -> None:
    print()
    print(
        table(
            [
                "people",
                "database",
                "figure",
                "count",
                "seconds",
                "rate",
                "floor",
                "vs floor",
                "peak MiB",
                "others' CPU (cores)",
                "load (1 min)",
            ],
            [
                [
                    f"{f.people:,}",
                    f.database,
                    f.what,
                    f"{f.count:,}",
                    f"{f.seconds:.2f}",
                    f"{f.rate:,.0f} {f.unit}",
                    f"{f.floor_rate:,.0f} rows/s" if f.floor_rate else "",
                    f"{f.rate / f.floor_rate:.3f}×" if f.floor_rate else "",
                    f"{f.peak_mib:.0f}" if f.peak_mib else "",
                    f"{f.others_cpu:.2f}",
                    f"{f.load:.1f}",
                ]
                for f in figures
            ],
        )
    )
    print("\npeak resident memory of each command, MiB:")
    print(table(["people", "database", "command", "peak MiB"], memory))


if __name__ == "__main__":
    raise SystemExit(main())
