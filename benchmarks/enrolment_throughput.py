"""Enrolment benchmark (issue 15): `anbu subjects import` at ≥ 10,000 rows/s.

    .venv/bin/python benchmarks/enrolment_throughput.py                   # 20k rows, both databases
    .venv/bin/python benchmarks/enrolment_throughput.py --rows 100000 --databases postgresql

A list of R people (the CSV `anbu subjects import` reads: distinct 010 numbers, 500 centres,
the three carriers) is enrolled into a fresh database by the service the command runs
(`read_subjects` + `enrol`, in this process), three times: all new (created), the same file
again (unchanged), and with every address changed (updated). Then the floor, in the same run:
the rows enrolment wrote, copied into a table with the same columns, primary key and indexes —
PostgreSQL's `COPY … FROM STDIN`, SQLite's `executemany` in one transaction — and the ratio.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from pydantic import SecretStr

from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.bootstrap import bootstrap
from anbu.services.enrolment import enrol
from anbu.services.imports import ImportReport
from anbu.settings import Settings
from benchlib import (
    BENCH_SECRET,
    DEFAULT_ADMIN_URL,
    CpuWatch,
    Stopwatch,
    copy_floor,
    create_database,
    database_url,
    drop_database,
    machine,
    say,
    sqlite_definition,
    table,
)

KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=KST)
TARGET = 10_000  # rows/s, issue 15
COLUMNS = (
    "external_id,name,birth_date,phone,carrier,centre,address,"
    "inactivity_hours,phone_off_hours,consent_at"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument(
        "--databases", nargs="+", choices=["postgresql", "sqlite"], default=["postgresql", "sqlite"]
    )
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print("# enrolment_throughput")
    print(f"machine: {machine(args.admin_url)}")
    print(f"command: {' '.join(['.venv/bin/python', *sys.argv])}")
    first = _list(args.rows, random.Random(args.seed), address="서울 성동구 왕십리로")
    moved = _list(args.rows, random.Random(args.seed), address="서울 성동구 마장로")
    results: list[list[str]] = []
    for database in args.databases:
        with tempfile.TemporaryDirectory(prefix="anbu-bench-") as tmp_name:
            tmp = Path(tmp_name)
            name = create_database(args.admin_url, "enrol") if database == "postgresql" else ""
            url = database_url(args.admin_url, name) if name else ""  # "": SQLite in tmp
            try:
                results += _measure(database, url, tmp, first, moved, args.rows)
            finally:
                if name:
                    drop_database(args.admin_url, name)
    print(
        table(
            [
                "database",
                "pass",
                "rows",
                "seconds",
                "rows/s",
                "floor rows/s",
                "vs floor",
                f"vs {TARGET:,}/s",
                "others' CPU (cores)",
            ],
            results,
        )
    )
    return 0


def _list(count: int, rng: random.Random, *, address: str) -> bytes:
    numbers = rng.sample(range(10_000_000, 100_000_000), count)
    carriers = ("SKT", "KT", "LGU")
    lines = [COLUMNS]
    for n, number in enumerate(numbers):
        digits = f"{number:08d}"
        lines.append(
            f"SD-{n:08d},김영수{n % 100},19{40 + n % 40}-03-02,010-{digits[:4]}-{digits[4:]},"
            f"{carriers[n % 3]},센터{n % 500},{address} {n},,,2026-11-01T09:00:00+09:00"
        )
    return ("\n".join(lines) + "\n").encode()


def _measure(
    database: str, url: str, tmp: Path, first: bytes, moved: bytes, rows: int
) -> list[list[str]]:
    settings = Settings(database_url=url, data_dir=tmp / "data", secret_key=SecretStr(BENCH_SECRET))
    app = bootstrap(settings)
    results: list[list[str]] = []
    try:
        floor_rate, floor_cpu = _floor(url, tmp, first)
        for label, data, expect in (
            ("all new", first, "created"),
            ("the same list again", first, "unchanged"),
            ("every address changed", moved, "updated"),
        ):
            say(f"{database}: {label}, {rows:,} rows")
            with CpuWatch() as cpu:
                clock = Stopwatch()
                report = enrol(
                    app, read_subjects(data, now=NOW, periods=app.periods), now=NOW, actor="bench"
                )
                seconds = clock.seconds
            _check(report, expect, rows)
            results.append(
                [
                    database,
                    label,
                    f"{rows:,}",
                    f"{seconds:.1f}",
                    f"{rows / seconds:,.0f}",
                    f"{floor_rate:,.0f}",
                    f"{rows / seconds / floor_rate:.2f}×",
                    f"{rows / seconds / TARGET:.0%}",
                    f"{cpu.others:.2f}",
                ]
            )
            say(f"{database}: {label}: {rows / seconds:,.0f} rows/s; {cpu.summary()}")
    finally:
        app.close()
    say(f"{database}: floor {floor_rate:,.0f} rows/s ({floor_cpu})")
    return results


def _check(report: ImportReport, expect: str, rows: int) -> None:
    if getattr(report, expect) != rows or report.rejected:
        say(f"note: expected {rows:,} {expect}, got {report.summary()}: {report.rejected[:3]}")


def _floor(url: str, tmp: Path, data: bytes) -> tuple[float, str]:
    """The rows this list becomes, written by the database's own bulk path into a table
    like `subjects` (same columns, primary key and indexes): enrol once into a scratch
    copy, read the rows back, time only the copy."""
    if url:
        return _floor_postgresql(url, tmp, data)
    return _floor_sqlite(tmp, data)


def _rows_of(url: str, data_dir: Path, data: bytes) -> None:
    settings = Settings(database_url=url, data_dir=data_dir, secret_key=SecretStr(BENCH_SECRET))
    scratch = bootstrap(settings)
    try:
        enrol(scratch, read_subjects(data, now=NOW, periods=scratch.periods), now=NOW, actor="x")
    finally:
        scratch.close()


def _floor_postgresql(url: str, tmp: Path, data: bytes) -> tuple[float, str]:
    with psycopg.connect(url) as connection:
        connection.execute("CREATE SCHEMA floor")
        connection.execute("SET search_path = floor")
        connection.commit()
    # Enrolled once in a schema of its own, so the measured database starts empty.
    _rows_of(url + "?options=-csearch_path%3Dfloor", tmp / "floor", data)
    floor = copy_floor(url, "floor.subjects")
    with psycopg.connect(url) as connection:
        connection.execute("DROP SCHEMA floor CASCADE")
        connection.commit()
    return floor.rate, floor.note


def _floor_sqlite(tmp: Path, data: bytes) -> tuple[float, str]:
    _rows_of("", tmp / "floor", data)
    with sqlite3.connect(tmp / "floor" / "anbu.sqlite3") as source:
        rows = source.execute("SELECT * FROM subjects").fetchall()
        ddl = sqlite_definition(source, "subjects")
    target = sqlite3.connect(tmp / "copied.sqlite3")
    try:
        for statement in ddl:  # the same table and indexes, in a file of their own
            target.execute(statement)
        marks = ",".join("?" * len(rows[0]))
        with CpuWatch() as cpu:
            clock = Stopwatch()
            with target:
                target.executemany(f"INSERT INTO subjects VALUES ({marks})", rows)
            seconds = clock.seconds
    finally:
        target.close()
    return len(rows) / seconds, cpu.summary()


if __name__ == "__main__":
    raise SystemExit(main())
