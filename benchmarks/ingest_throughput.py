"""Ingest benchmark (SPEC §5): ≥ 50,000 events/s into PostgreSQL, batch.

    .venv/bin/python benchmarks/ingest_throughput.py
    .venv/bin/python benchmarks/ingest_throughput.py --subjects 100000 --events 1000000
    .venv/bin/python benchmarks/ingest_throughput.py --modes inprocess --profile

S subjects are enrolled straight into the tables, exactly as enrolment would store them
(`phone_key = vault.lookup_key(e164)`, a sealed `personal`, `next_due_at` from the domain's
`Watch`). A JSON Lines file of E events for them is written: one day of realistic kinds
in roughly time order (a few % late), a few % for unknown numbers, about 1 % re-sent
duplicates, and a watermark per carrier every 10,000 lines. Then, each on a fresh copy of
the enrolled database:

* `cli`       — the real path, `anbu ingest FILE --now …` in a subprocess
                (ANBU_DATABASE_URL, ANBU_SECRET_KEY set), timed from the outside;
* `inprocess` — `read_feed` + `ingest` in this process, with a breakdown of where the
                time goes (parsing, phone hashing, each query, commits, the rest);
* `--profile` — the in-process path again under cProfile (on `--profile-events` lines).

Throughput is input lines per second (every line is an event the carrier sent, whether
stored, duplicate or unknown); stored rows per second is shown beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import wraps
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr

import anbu.services.ingest as ingest_module
from anbu.adapters.formats.activity_feed import FeedFormat, FeedLine, read_feed
from anbu.adapters.sealing import Vault
from anbu.adapters.storage.alerts import AlertRepository
from anbu.adapters.storage.events import ActivityRepository
from anbu.adapters.storage.feeds import FeedRepository
from anbu.adapters.storage.subjects import SubjectRepository
from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.bootstrap import Anbu, bootstrap
from anbu.domain.detection import Personal, Watch
from anbu.domain.kinds import Carrier, Group
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.domain.rhythm import usual_rhythm
from anbu.services.ingest import IngestReport, ingest
from anbu.settings import Settings
from benchlib import (
    BENCH_SECRET,
    DEFAULT_ADMIN_URL,
    CpuWatch,
    Floor,
    Stopwatch,
    copy_floor,
    counts_in,
    create_database,
    database_url,
    drop_database,
    machine,
    say,
    table,
)

KST = timezone(timedelta(hours=9))
DAY = datetime(2026, 11, 24, 0, 0, tzinfo=KST)  # the day the events cover
CONSENT = DAY - timedelta(days=30)
NOW = DAY + timedelta(days=1, hours=1)  # the ingest runs after the day is over
TARGET = 50_000  # events/s, SPEC §5
WATERMARK_EVERY = 10_000
VENV_BIN = Path(sys.executable).parent

# What a phone does in a day, roughly: most traffic is data and incoming texts.
KINDS = (
    ("data", 0.34),
    ("sms_in", 0.18),
    ("call_in", 0.16),
    ("call_out", 0.14),
    ("sms_out", 0.13),
    ("checkin", 0.02),
    ("power_off", 0.015),
    ("power_on", 0.015),
)


@dataclass
class Run:
    mode: str
    seconds: float
    lines: int
    stored: int
    duplicates: int
    unknown: int
    watermarks: int
    breakdown: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    others_cpu: float = 0.0  # cores used by other processes meanwhile
    cpu_note: str = ""

    @property
    def rate(self) -> float:
        return self.lines / self.seconds

    @property
    def stored_rate(self) -> float:
        return self.stored / self.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--unknown", type=float, default=0.03, help="share of unknown numbers")
    parser.add_argument("--duplicates", type=float, default=0.01, help="share of re-sent lines")
    parser.add_argument(
        "--modes", nargs="+", choices=["cli", "inprocess"], default=["cli", "inprocess"]
    )
    parser.add_argument("--batch-size", type=int, help="ANBU_INGEST_BATCH_SIZE (default 5000)")
    parser.add_argument("--profile", action="store_true", help="also run under cProfile")
    parser.add_argument("--profile-events", type=int, default=200_000)
    parser.add_argument("--profile-out", type=Path, help="save the cProfile stats here")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--detection",
        choices=["fixed", "personal"],
        default="fixed",
        help="how every subject is watched: personal learns each rhythm at ingest",
    )
    args = parser.parse_args()

    print("# ingest_throughput (PostgreSQL)")
    print(f"machine: {machine(args.admin_url)}")
    print(f"command: {' '.join(['.venv/bin/python', *sys.argv])}")
    rng = random.Random(args.seed)
    runs: list[Run] = []
    floor: Floor | None = None
    profile_text = ""
    with tempfile.TemporaryDirectory(prefix="anbu-bench-") as tmp_name:
        tmp = Path(tmp_name)
        template = create_database(args.admin_url, "ingest_tmpl")
        made = [template]
        try:
            settings = _settings(args, database_url(args.admin_url, template), tmp)
            phones = _enrol(settings, args.subjects, rng, args.detection)
            feed_file = tmp / "events.jsonl"
            clock = Stopwatch()
            counts = _write_events(feed_file, phones, args, rng)
            say(
                f"wrote {args.events:,} lines ({feed_file.stat().st_size / 2**20:,.0f} MiB) "
                f"in {clock.seconds:.0f} s: {counts}"
            )
            for mode in args.modes:
                name = create_database(args.admin_url, f"ingest_{mode}", template=template)
                made.append(name)
                url = database_url(args.admin_url, name)
                say(f"{mode}: ingesting {args.events:,} lines into {name}")
                with CpuWatch() as cpu:
                    if mode == "cli":
                        run = _run_cli(args, url, feed_file, tmp)
                    else:
                        run = _run_inprocess(_settings(args, url, tmp), feed_file)
                run.others_cpu, run.cpu_note = cpu.others, cpu.summary()
                runs.append(run)
                say(f"{mode}: {run.rate:,.0f} lines/s ({run.seconds:.1f} s); {run.cpu_note}")
                if floor is None:
                    floor = _floor(url)
                    say(f"floor: COPY of the same rows, {floor.rate:,.0f} rows/s; {floor.note}")
            if args.profile:
                name = create_database(args.admin_url, "ingest_profile", template=template)
                made.append(name)
                say(f"profile: {args.profile_events:,} lines under cProfile")
                profile_text = _run_profile(
                    _settings(args, database_url(args.admin_url, name), tmp),
                    feed_file,
                    args.profile_events,
                    args.profile_out,
                )
        finally:
            for name in made:
                if args.keep:
                    say(f"kept database {name}")
                else:
                    drop_database(args.admin_url, name)
            if not args.keep:
                say(f"dropped {len(made)} database(s)")
    _print_results(runs, args, floor)
    if profile_text:
        print(profile_text)
    return 0


def _settings(args: argparse.Namespace, url: str, tmp: Path) -> Settings:
    extra: dict[str, Any] = {}
    if args.batch_size:
        extra["ingest_batch_size"] = args.batch_size
    return Settings(
        database_url=url, data_dir=tmp / "data", secret_key=SecretStr(BENCH_SECRET), **extra
    )


# -- the enrolled population -----------------------------------------------------


def _phones(count: int, rng: random.Random) -> list[str]:
    """`count` distinct valid Korean mobile numbers, written as carriers write them."""
    found: set[str] = set()
    while len(found) < count:
        n = rng.randrange(2000_0000, 10000_0000)
        text = f"010-{n // 10000:04d}-{n % 10000:04d}"
        if text in found:
            continue
        try:
            normalise_phone(text)
        except PhoneError:
            continue
        found.add(text)
    return sorted(found, key=lambda _: rng.random())


def _enrol(
    settings: Settings, count: int, rng: random.Random, detection: str = "fixed"
) -> dict[str, Carrier]:
    """Subjects written straight into the tables as enrolment stores them, by COPY."""
    clock = Stopwatch()
    app = bootstrap(settings)  # migrates the template database
    try:
        vault = app.vault
        phones = _phones(count, rng)
        carriers = [_carrier(rng) for _ in phones]
        url = settings.database_url
        with psycopg.connect(url) as connection:
            connection.execute("SET synchronous_commit = off")
            centre_ids = [
                row[0]
                for row in connection.execute(
                    "INSERT INTO centres (name, created_at)"
                    " SELECT 'centre ' || i, %s FROM generate_series(1, 100) AS i RETURNING id",
                    (CONSENT,),
                )
            ]
            columns = (
                'external_id, centre_id, carrier, phone_key, personal, record_key, "group",'
                " inactivity_minutes, inactivity_custom, phone_off_minutes, phone_off_custom,"
                " consent_at, status, last_life_at, last_on_at, next_due_at,"
                " created_at, updated_at, detection"
            )
            with connection.cursor().copy(f"COPY subjects ({columns}) FROM STDIN") as copy:
                for i, (phone, carrier) in enumerate(zip(phones, carriers, strict=True)):
                    row = _subject_row(vault, i, phone, carrier, centre_ids, rng, detection)
                    copy.write_row(row)
            connection.execute(
                "INSERT INTO feeds (carrier, declared_until, expected_since, updated_at)"
                " SELECT unnest(%s::text[]), %s, %s, %s",
                ([c.value for c in Carrier], DAY, CONSENT, CONSENT),
            )
            connection.commit()
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    finally:
        app.close()
    say(f"enrolled {count:,} subjects in {clock.seconds:.0f} s")
    return dict(zip(phones, carriers, strict=True))


def _carrier(rng: random.Random) -> Carrier:
    r = rng.random()
    return Carrier.SKT if r < 0.45 else Carrier.KT if r < 0.75 else Carrier.LGU


def _subject_row(
    vault: Vault,
    i: int,
    phone: str,
    carrier: Carrier,
    centres: list[int],
    rng: random.Random,
    detection: str,
) -> tuple[Any, ...]:
    e164 = normalise_phone(phone)
    external_id = f"KR-{i:09d}"
    inactivity = timedelta(hours=48)
    phone_off = timedelta(hours=24)
    last_life = DAY - rng.random() * timedelta(hours=40)
    personal = Personal(usual=usual_rhythm(Group.AGE_75_PLUS)) if detection == "personal" else None
    watch = Watch(
        CONSENT,
        inactivity,
        phone_off,
        last_life_at=last_life,
        last_on_at=last_life,
        personal=personal,
    )
    sealed = {
        "name": "김영수",
        "phone": e164,
        "birth_date": f"19{rng.randint(30, 85)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "address": f"서울 성동구 왕십리로 {rng.randint(1, 400)}",
    }
    return (
        external_id,
        rng.choice(centres),
        carrier.value,
        vault.lookup_key(e164),
        vault.seal(sealed, bound_to=external_id),
        vault.lookup_key(f"record:{external_id}"),
        Group.AGE_75_PLUS.value,
        int(inactivity.total_seconds() // 60),
        False,
        int(phone_off.total_seconds() // 60),
        False,
        CONSENT,
        "active",
        last_life,
        last_life,
        watch.next_due_at,
        CONSENT,
        CONSENT,
        detection,
    )


# -- the feed file ---------------------------------------------------------------


def _write_events(
    path: Path, phones: dict[str, Carrier], args: argparse.Namespace, rng: random.Random
) -> dict[str, int]:
    numbers = list(phones)
    unknown_pool = [p for p in _phones(min(20_000, args.events // 10 + 1), rng) if p not in phones]
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    sequence = dict.fromkeys(Carrier, 0)
    recent: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    last_seen: dict[Carrier, datetime] = {}
    span = timedelta(days=1)
    with path.open("w", encoding="utf-8") as out:
        for i in range(args.events):
            if i and i % WATERMARK_EVERY == 0 and last_seen:
                carrier = list(Carrier)[(i // WATERMARK_EVERY) % len(Carrier)]
                if carrier in last_seen:
                    mark = last_seen[carrier] - timedelta(minutes=10)
                    out.write(_watermark_line(carrier, mark))
                    counts["watermark"] += 1
                    continue
            r = rng.random()
            if r < args.duplicates and recent:
                out.write(rng.choice(recent))
                counts["duplicate"] += 1
                continue
            if r < args.duplicates + args.unknown:
                phone = rng.choice(unknown_pool)
                carrier = _carrier(rng)
                counts["unknown"] += 1
            else:
                phone = rng.choice(numbers)
                carrier = phones[phone]
            when = DAY + span * (i / args.events)
            if rng.random() < 0.05:  # late: arrives up to an hour after its time
                when -= rng.random() * timedelta(hours=1)
            kind = rng.choices(kinds, weights)[0]
            sequence[carrier] += 1
            document: dict[str, Any] = {
                "event_id": f"{carrier.value}-{sequence[carrier]:012d}",
                "carrier": carrier.value,
                "phone": phone,
                "kind": kind,
                "occurred_at": when.isoformat(timespec="seconds"),
            }
            if kind in ("call_in", "call_out"):
                document["duration_s"] = 0 if rng.random() < 0.25 else rng.randint(3, 900)
            line = json.dumps(document) + "\n"
            out.write(line)
            counts[kind] += 1
            last_seen[carrier] = max(last_seen.get(carrier, when), when)
            if len(recent) < 50_000:
                recent.append(line)
            else:
                recent[rng.randrange(50_000)] = line
    return dict(counts)


def _watermark_line(carrier: Carrier, until: datetime) -> str:
    document = {
        "carrier": carrier.value,
        "kind": "watermark",
        "complete_until": until.isoformat(timespec="seconds"),
    }
    return json.dumps(document) + "\n"


# -- the runs --------------------------------------------------------------------


def _run_cli(args: argparse.Namespace, url: str, feed_file: Path, tmp: Path) -> Run:
    env = {
        **os.environ,
        "ANBU_DATABASE_URL": url,
        "ANBU_SECRET_KEY": BENCH_SECRET,
        "ANBU_DATA_DIR": str(tmp / "data"),
    }
    if args.batch_size:
        env["ANBU_INGEST_BATCH_SIZE"] = str(args.batch_size)
    command = [str(VENV_BIN / "anbu"), "ingest", str(feed_file), "--now", NOW.isoformat()]
    clock = Stopwatch()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = clock.seconds
    if done.returncode != 0:
        say(f"anbu ingest exited {done.returncode}: {done.stderr[-2000:]}")
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    say(f"cli said: {summary}")
    numbers = counts_in(summary)
    return Run(
        "cli (`anbu ingest`)",
        seconds,
        numbers.get("lines", 0),
        numbers.get("stored", 0),
        numbers.get("duplicates", 0),
        numbers.get("unknown numbers", 0),
        numbers.get("watermarks", 0),
    )


class Breakdown:
    """Wall time per stage of the in-process ingest, by wrapping the functions it calls."""

    # (repository, method) of each query the ingest makes.
    QUERIES: tuple[tuple[Any, str], ...] = (
        (FeedRepository, "all"),
        (SubjectRepository, "by_phone_keys"),
        (ActivityRepository, "add_all"),
        (ActivityRepository, "count_received"),
        (SubjectRepository, "watches"),
        (SubjectRepository, "save_watches"),
        (AlertRepository, "open_of_subjects"),
        (AlertRepository, "save"),
        (FeedRepository, "save"),
    )

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[Callable[[], None]] = []

    def _wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        @wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    @contextmanager
    def installed(self) -> Iterator[None]:
        for owner, name in self.QUERIES:
            self._wrap(owner, name, f"query: {owner.__name__}.{name}")
        self._wrap(Vault, "lookup_key", "HMAC: Vault.lookup_key")
        self._wrap(ingest_module, "record_all", "domain: record_all")
        self._wrap(ingest_module, "_batch", "batch total")
        # Commit time: wrap the transaction's exit, where engine.begin() commits.
        original_transaction = Anbu.transaction
        seconds = self.seconds
        calls = self.calls

        @contextmanager
        def transaction(app: Anbu) -> Iterator[UnitOfWork]:
            begin = app.engine.begin()
            connection = begin.__enter__()
            try:
                uow = UnitOfWork(connection, app.database.audit_link)
                yield uow
                uow.finish()  # the audit entries noted, as Database.transaction writes them
            except BaseException:
                if not begin.__exit__(*sys.exc_info()):
                    raise
                return
            started = time.perf_counter()
            begin.__exit__(None, None, None)
            seconds["commit"] += time.perf_counter() - started
            calls["commit"] += 1

        Anbu.transaction = transaction  # type: ignore[method-assign,assignment]
        self._undo.append(lambda: setattr(Anbu, "transaction", original_transaction))
        try:
            yield
        finally:
            for undo in reversed(self._undo):
                undo()
            self._undo.clear()

    def parsing(self, lines: Iterable[FeedLine]) -> Iterator[FeedLine]:
        """Time spent producing each parsed line (reading, JSON, validation)."""
        iterator = iter(lines)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.seconds["parse: read_feed"] += time.perf_counter() - started
                return
            self.seconds["parse: read_feed"] += time.perf_counter() - started
            yield item


def _run_inprocess(settings: Settings, feed_file: Path) -> Run:
    app = bootstrap(settings, migrate=False)
    breakdown = Breakdown()
    try:
        with breakdown.installed(), feed_file.open("rb") as stream:
            clock = Stopwatch()
            lines = read_feed(
                stream, FeedFormat.JSONL, now=NOW, tolerance=settings.future_tolerance
            )
            report = ingest(app, breakdown.parsing(lines), now=NOW)
            seconds = clock.seconds
    finally:
        app.close()
    _check(report)
    parts = dict(breakdown.seconds)
    batch_total = parts.pop("batch total", 0.0)
    inside = sum(v for k, v in parts.items() if k.startswith(("query", "HMAC", "domain", "commit")))
    parts["other Python in ingest._batch (dedup, feeds, row dicts, grouping)"] = max(
        batch_total - inside, 0.0
    )
    parts["other (ingest loop, batching)"] = max(
        seconds - batch_total - parts.get("parse: read_feed", 0.0),
        0.0,
    )
    return Run(
        "in-process (`read_feed` + `ingest`)",
        seconds,
        report.lines,
        report.stored,
        report.duplicates,
        report.unknown_numbers,
        report.watermarks,
        breakdown=parts,
        calls=dict(breakdown.calls),
    )


def _check(report: IngestReport) -> None:
    if report.rejected_count:
        say(f"note: {report.rejected_count} lines rejected, e.g. {report.rejected[:3]}")


def _run_profile(settings: Settings, feed_file: Path, events: int, out: Path | None) -> str:
    app = bootstrap(settings, migrate=False)
    profiler = cProfile.Profile()
    try:
        with feed_file.open("rb") as stream:
            head = itertools.islice(stream, events)
            lines = read_feed(head, FeedFormat.JSONL, now=NOW, tolerance=settings.future_tolerance)
            clock = Stopwatch()
            profiler.enable()
            report = ingest(app, lines, now=NOW)
            profiler.disable()
            seconds = clock.seconds
    finally:
        app.close()
    if out:
        profiler.dump_stats(out)
    text = io.StringIO()
    text.write(
        f"\n## cProfile of the in-process ingest, {report.lines:,} lines in {seconds:.1f} s"
        f" ({report.lines / seconds:,.0f} lines/s under the profiler)\n"
    )
    for order in ("tottime", "cumulative"):
        text.write(f"\n### top 30 by {order}\n```\n")
        stats = pstats.Stats(profiler, stream=text)
        stats.strip_dirs().sort_stats(order).print_stats(30)
        text.write("```\n")
    return text.getvalue()


# -- the floor: PostgreSQL's own bulk path for the same rows ----------------------


def _floor(url: str) -> Floor:
    """The events a run stored, copied by `COPY … FROM STDIN` into a table like
    `activity_events`: what the database itself takes to write them."""
    return copy_floor(url, "activity_events")


# -- report ----------------------------------------------------------------------


def _print_results(runs: list[Run], args: argparse.Namespace, floor: Floor | None) -> None:
    print(
        f"\nsubjects {args.subjects:,} ({args.detection} detection), lines {args.events:,}, "
        f"batch size {args.batch_size or Settings.model_fields['ingest_batch_size'].default}"
    )
    print(
        table(
            [
                "path",
                "lines",
                "stored",
                "duplicates",
                "unknown",
                "watermarks",
                "seconds",
                "lines/s",
                "stored/s",
                f"vs {TARGET:,}/s",
                "floor: COPY rows/s",
                "vs floor",
                "others' CPU (cores)",
            ],
            [
                [
                    r.mode,
                    f"{r.lines:,}",
                    f"{r.stored:,}",
                    f"{r.duplicates:,}",
                    f"{r.unknown:,}",
                    f"{r.watermarks:,}",
                    f"{r.seconds:.1f}",
                    f"{r.rate:,.0f}",
                    f"{r.stored_rate:,.0f}",
                    f"{r.rate / TARGET:.0%}",
                    f"{floor.rate:,.0f}" if floor else "",
                    f"{r.rate / floor.rate:.2f}×" if floor else "",
                    f"{r.others_cpu:.2f}",
                ]
                for r in runs
            ],
        )
    )
    for run in runs:
        print(f"{run.mode}: {run.cpu_note}")
    for run in runs:
        if not run.breakdown:
            continue
        print(f"\nwhere the time goes ({run.mode}, {run.seconds:.1f} s wall):")
        rows = sorted(run.breakdown.items(), key=lambda kv: -kv[1])
        print(
            table(
                ["stage", "calls", "seconds", "share", "µs per line"],
                [
                    [
                        name,
                        f"{run.calls.get(name, 0):,}" if run.calls.get(name) else "",
                        f"{value:.1f}",
                        f"{value / run.seconds:.0%}",
                        f"{value / run.lines * 1e6:.1f}",
                    ]
                    for name, value in rows
                ],
            )
        )


if __name__ == "__main__":
    raise SystemExit(main())
