"""Detection benchmark (SPEC §5): a sweep over millions of subjects finds the due ones
in under a second, its cost growing with the number due, not the number enrolled.

    .venv/bin/python benchmarks/sweep_due.py                      # PostgreSQL, 100k and 1M
    .venv/bin/python benchmarks/sweep_due.py --subjects 1000000 8000000
    .venv/bin/python benchmarks/sweep_due.py --sqlite             # SQLite, 20k and 200k

For each size N the subjects table is filled (directly, with realistic columns: periods,
last signs of life, a few phones off, `next_due_at` consistent with them, and `personal`
sealed by the app's Vault as enrolment seals it), then VACUUM ANALYZE. Every centre has its
officers, imported through the real staff import, so the sweep queues each alert's
notifications as in production. For each K the carriers' watermarks are set to the instant
at which exactly K subjects are due, and we time

* `sweep(app, now=…)` — the real use case: finds the due, opens their alerts, saves state,
  queues the notifications (opening each alerted subject's sealed personal data);
* `SubjectRepository.due` — the due query alone: the first page of each carrier, and every page
  (as the sweep pages through them), in a transaction rolled back afterwards.

Each run starts from the same state: after it, the alerts and notifications are deleted and
the swept subjects' alerted bases and `next_due_at` are put back. Sizes are filled in
ascending order into one database (the larger size adds rows to the smaller one).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Connection, bindparam, delete, event, func, insert, select, text, update

from anbu.adapters.sealing import Vault
from anbu.adapters.storage.subjects import SubjectRepository
from anbu.adapters.storage.tables import alerts, centres, feeds, notifications, subjects
from anbu.bootstrap import Anbu, bootstrap
from anbu.domain.kinds import Carrier, Role
from anbu.domain.officers import Officer
from anbu.services.officers import import_officers
from anbu.services.sweep import sweep
from anbu.settings import Settings
from benchlib import (
    BENCH_SECRET,
    DEFAULT_ADMIN_URL,
    CpuWatch,
    Stopwatch,
    database_url,
    machine,
    ms,
    p50,
    say,
    scratch_database,
    table,
)

KST = timezone(timedelta(hours=9))
# Everyone's last sign of life lies before BASE; due instants spread over the weeks after.
BASE = datetime(2026, 11, 24, 0, 0, tzinfo=KST)
CENTRES = 3500  # roughly the number of eup/myeon/dong community centres in Korea
PAGE = 500  # the sweep's page size (anbu.services.sweep._CHUNK)
NAMES = ["김영수", "이순자", "박정호", "최영희", "정말순", "강철수", "조옥자", "윤상철", "장미경"]

# Subjects of N rows, all active, in SQL so that 8 million fill in minutes. Columns follow
# what enrolment and ingest write; next_due_at is what Watch.next_due_at would say. Only
# `personal` comes from Python: one blob sealed by the Vault per row (~5 µs each), sent as
# one bytea[] per chunk and numbered by unnest … WITH ORDINALITY.
FILL_SQL = """
INSERT INTO subjects (
    external_id, centre_id, carrier, phone_key, personal, record_key, "group",
    inactivity_minutes, inactivity_custom, phone_off_minutes, phone_off_custom,
    consent_at, status, last_life_at, last_on_at, last_off_at,
    silence_alerted_base, off_alerted_base, next_due_at, created_at, updated_at)
SELECT
    external_id, centre_id, carrier, phone_key, personal, record_key, grp,
    inactivity, inactivity <> 2880, phone_off, phone_off <> 1440,
    consent_at, 'active', last_life_at, last_on_at, last_off_at,
    NULL, NULL,
    LEAST(last_life_at + make_interval(mins => inactivity),
          CASE WHEN last_off_at > last_on_at
               THEN last_off_at + make_interval(mins => phone_off) END),
    consent_at, consent_at
FROM (
    SELECT *,
        CASE WHEN r_off < 0.02 THEN last_on_at + r_t2 * interval '10 hours' END AS last_off_at
    FROM (
        SELECT *,
            last_life_at + r_t2 * interval '6 hours' AS last_on_at
        FROM (
            SELECT *,
                %(base)s::timestamptz - r_t1 * make_interval(mins => inactivity) AS last_life_at,
                %(base)s::timestamptz - (30 + r_c * 400) * interval '1 day' AS consent_at
            FROM (
                SELECT
                    'KR-' || lpad(i::text, 9, '0') AS external_id,
                    1 + floor(random() * %(centres)s)::bigint AS centre_id,
                    CASE WHEN r_carrier < 0.45 THEN 'SKT'
                         WHEN r_carrier < 0.75 THEN 'KT' ELSE 'LGU' END AS carrier,
                    sha256(convert_to('phone:' || i, 'UTF8')) AS phone_key,
                    personal,
                    sha256(convert_to('record:' || i, 'UTF8')) AS record_key,
                    (ARRAY['under_40', 'age_40_59', 'age_60_74', 'age_75_plus'])[
                        1 + floor(random() * 4)::int] AS grp,
                    CASE WHEN random() < 0.9 THEN 2880
                         ELSE 60 * (12 + floor(random() * 325))::int END AS inactivity,
                    CASE WHEN random() < 0.95 THEN 1440
                         ELSE 60 * (1 + floor(random() * 336))::int END AS phone_off,
                    random() AS r_t1, random() AS r_t2, random() AS r_c, random() AS r_off
                FROM (SELECT %(first)s::bigint + n - 1 AS i, personal, random() AS r_carrier
                      FROM unnest(%(personal)s::bytea[]) WITH ORDINALITY AS u(personal, n)) AS g
            ) AS a
        ) AS b
    ) AS c
) AS d
"""


@dataclass
class Result:
    subjects: int
    due: int
    opened: list[int]
    queued: list[int]
    unrouted: list[int]
    sweep_s: list[float]
    first_page_s: list[float]
    all_pages_s: list[float]
    others_cpu: float = 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--subjects",
        type=int,
        nargs="+",
        help="sizes to measure (default 100000 1000000; with --sqlite 20000 200000)",
    )
    parser.add_argument(
        "--due", type=int, nargs="+", default=[0, 100, 1000, 10_000], help="values of K"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per K (p50 reported)")
    parser.add_argument("--sqlite", action="store_true", help="the SQLite default instead")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one sweep at the largest N and K"
    )
    parser.add_argument(
        "--officers",
        type=int,
        default=1,
        help="officers per centre, each with a phone and an e-mail (default 1; 0: alerts fall"
        " back to the one administrator)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    default_sizes = [20_000, 200_000] if args.sqlite else [100_000, 1_000_000]
    sizes = sorted(args.subjects or default_sizes)

    print(f"# sweep_due ({'SQLite' if args.sqlite else 'PostgreSQL'})")
    print(f"machine: {machine(None if args.sqlite else args.admin_url)}")
    print(f"command: {' '.join(['.venv/bin/python', *sys.argv])}")
    with (
        tempfile.TemporaryDirectory(prefix="anbu-bench-") as tmp,
        _database(args, Path(tmp)) as url,
    ):
        settings = Settings(
            database_url=url,
            data_dir=Path(tmp) / "data",
            secret_key=SecretStr(BENCH_SECRET),
        )
        app = bootstrap(settings)
        try:
            results = _run(app, sizes, args)
            profile = _profile(app, max(args.due)) if args.profile else ""
        finally:
            app.close()
    _print_results(results, sizes, args.due)
    if profile:
        print(profile)
    return 0


@contextmanager
def _database(args: argparse.Namespace, tmp: Path) -> Iterator[str]:
    if args.sqlite:
        say(f"SQLite database in {tmp}")
        yield ""
        return
    with scratch_database(args.admin_url, "sweep", keep=args.keep) as name:
        yield database_url(args.admin_url, name)


def _run(app: Anbu, sizes: list[int], args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    rng = random.Random(args.seed)
    _fill_centres_and_feeds(app)
    import_officers_for(app, [f"centre {c:04d}" for c in range(1, CENTRES + 1)], args.officers)
    filled = 0
    for size in sizes:
        clock = Stopwatch()
        if app.settings.is_sqlite:
            _fill_sqlite(app, filled + 1, size, rng)
        else:
            _fill_postgres(app, filled + 1, size)
        filled = size
        _analyze(app)
        say(f"{size:,} subjects ready in {clock.seconds:.0f} s ({_size_note(app)})")
        for due in args.due:
            with CpuWatch() as cpu:
                last = _measure(app, size, due, args.repeat, explain=args.explain)
            last.others_cpu = cpu.others
            results.append(last)
            say(
                f"N={size:,} K={due:,}: sweep p50 {ms(p50(last.sweep_s))} ms, "
                f"first page p50 {ms(p50(last.first_page_s))} ms, "
                f"all pages p50 {ms(p50(last.all_pages_s))} ms, opened {last.opened}, "
                f"notifications {last.queued}, unrouted {last.unrouted}; "
                f"{cpu.summary()}"
            )
    return results


# -- filling -------------------------------------------------------------------


def _fill_centres_and_feeds(app: Anbu) -> None:
    with app.engine.begin() as connection:
        connection.execute(
            insert(centres),
            [{"name": f"centre {i:04d}", "created_at": BASE} for i in range(1, CENTRES + 1)],
        )
        connection.execute(
            insert(feeds),
            [
                {
                    "carrier": carrier.value,
                    "declared_until": BASE,
                    "expected_since": BASE - timedelta(days=500),
                    "updated_at": BASE,
                }
                for carrier in Carrier
            ],
        )


def import_officers_for(app: Anbu, centre_names: list[str], per_centre: int) -> None:
    """Staff as the district imports them: `per_centre` officers for every centre named,
    each reachable by SMS and e-mail, and one administrator (the fallback when a centre has
    nobody)."""
    staff = [
        Officer(
            login=f"officer-{c:04d}-{k}",
            name=NAMES[(c + k) % len(NAMES)],
            phone=f"+8210{c:04d}{k:04d}",
            email=f"officer-{c:04d}-{k}@centre.example.go.kr",
            centres=frozenset({centre}),
            role=Role.OFFICER,
        )
        for c, centre in enumerate(centre_names, start=1)
        for k in range(1, per_centre + 1)
    ]
    staff.append(
        Officer("admin", "이관리", "+821099990000", "admin@example.go.kr", frozenset(), Role.ADMIN)
    )
    clock = Stopwatch()
    report = import_officers(app, enumerate(staff, start=2), now=BASE, actor="benchmark")
    assert not report.rejected, report.rejected
    say(f"imported {len(staff):,} staff ({per_centre} per centre) in {clock.seconds:.1f} s")


def _personal(vault: Vault, i: int) -> bytes:
    """Subject i's personal data, sealed and bound to their reference as enrolment does."""
    fields = {
        "name": NAMES[i % len(NAMES)],
        "phone": f"+8210{i % 100_000_000:08d}",
        "birth_date": f"19{30 + i % 56}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "address": f"서울 성동구 왕십리로 {1 + i % 400}",
    }
    return vault.seal(fields, bound_to=f"KR-{i:09d}")


def _fill_postgres(app: Anbu, first: int, last: int) -> None:
    chunk = 500_000
    raw = app.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET synchronous_commit = off")
        for start in range(first, last + 1, chunk):
            end = min(start + chunk - 1, last)
            clock = Stopwatch()
            personal = [_personal(app.vault, i) for i in range(start, end + 1)]
            sealing = clock.seconds
            values = {"base": BASE, "centres": CENTRES, "first": start, "personal": personal}
            cursor.execute(FILL_SQL, values)
            raw.commit()
            say(
                f"  filled subjects {start:,}–{end:,} in {clock.seconds:.1f} s"
                f" (sealing {sealing:.1f} s)"
            )
    finally:
        raw.close()


def _fill_sqlite(app: Anbu, first: int, last: int, rng: random.Random) -> None:
    """The same distribution as FILL_SQL, generated in Python (SQLite lacks sha256)."""
    chunk = 50_000
    for start in range(first, last + 1, chunk):
        end = min(start + chunk - 1, last)
        rows = [_python_row(app.vault, i, rng) for i in range(start, end + 1)]
        with app.engine.begin() as connection:
            connection.execute(insert(subjects), rows)
        say(f"  filled subjects {start:,}–{end:,}")


def _python_row(vault: Vault, i: int, rng: random.Random) -> dict[str, Any]:
    r = rng.random()
    carrier = "SKT" if r < 0.45 else "KT" if r < 0.75 else "LGU"
    inactivity = 2880 if rng.random() < 0.9 else 60 * rng.randint(12, 336)
    phone_off = 1440 if rng.random() < 0.95 else 60 * rng.randint(1, 336)
    last_life = BASE - rng.random() * timedelta(minutes=inactivity)
    last_on = last_life + rng.random() * timedelta(hours=6)
    last_off = last_on + rng.random() * timedelta(hours=10) if rng.random() < 0.02 else None
    consent = BASE - (30 + rng.random() * 400) * timedelta(days=1)
    due = last_life + timedelta(minutes=inactivity)
    if last_off is not None:
        due = min(due, last_off + timedelta(minutes=phone_off))
    return {
        "external_id": f"KR-{i:09d}",
        "centre_id": rng.randint(1, CENTRES),
        "carrier": carrier,
        "phone_key": rng.randbytes(32),
        "personal": _personal(vault, i),
        "record_key": rng.randbytes(32),
        "group": rng.choice(["under_40", "age_40_59", "age_60_74", "age_75_plus"]),
        "inactivity_minutes": inactivity,
        "inactivity_custom": inactivity != 2880,
        "phone_off_minutes": phone_off,
        "phone_off_custom": phone_off != 1440,
        "consent_at": consent,
        "status": "active",
        "last_life_at": last_life,
        "last_on_at": last_on,
        "last_off_at": last_off,
        "next_due_at": due,
        "created_at": consent,
        "updated_at": consent,
    }


def _analyze(app: Anbu) -> None:
    if app.settings.is_sqlite:
        with app.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        return
    with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE subjects")
        connection.exec_driver_sql("VACUUM ANALYZE centres")


def _size_note(app: Anbu) -> str:
    if app.settings.is_sqlite:
        path = app.settings.data_dir / "anbu.sqlite3"
        return f"file {path.stat().st_size / 2**20:,.0f} MiB"
    with app.engine.connect() as connection:
        heap, indexes, due_index = connection.execute(
            text(
                "SELECT pg_table_size('subjects'), pg_indexes_size('subjects'),"
                " pg_relation_size('ix_subjects_due')"
            )
        ).one()
    return (
        f"table {heap / 2**20:,.0f} MiB, indexes {indexes / 2**20:,.0f} MiB, "
        f"ix_subjects_due {int(due_index or 0) / 2**20:,.0f} MiB"
    )


# -- measuring -----------------------------------------------------------------


def watermark_for(app: Anbu, due: int) -> datetime:
    """The instant at which exactly `due` subjects are due (next_due_at ≤ it)."""
    earliest: list[datetime] = []
    with app.engine.connect() as connection:
        for carrier in Carrier:
            earliest += connection.scalars(
                select(subjects.c.next_due_at)
                .where(subjects.c.carrier == carrier.value, subjects.c.next_due_at.is_not(None))
                .order_by(subjects.c.next_due_at)
                .limit(max(due, 1))
            ).all()
    earliest.sort()
    if due == 0:
        return earliest[0] - timedelta(seconds=1)
    return earliest[due - 1]


def due_now(app: Anbu, until: datetime) -> list[tuple[int, datetime]]:
    found: list[tuple[int, datetime]] = []
    with app.engine.connect() as connection:
        for carrier in Carrier:
            found += [
                (row.id, row.next_due_at)
                for row in connection.execute(
                    select(subjects.c.id, subjects.c.next_due_at).where(
                        subjects.c.carrier == carrier.value, subjects.c.next_due_at <= until
                    )
                )
            ]
    return found


def set_watermarks(app: Anbu, until: datetime) -> None:
    with app.engine.begin() as connection:
        connection.execute(update(feeds).values(declared_until=until, updated_at=until))


def restore_swept(app: Anbu, saved: list[tuple[int, datetime]]) -> None:
    """Undo a sweep: no alerts nor notifications, and the swept subjects as they were."""
    with app.engine.begin() as connection:
        connection.execute(delete(notifications))
        connection.execute(delete(alerts))
        if saved:
            connection.execute(
                update(subjects)
                .where(subjects.c.id == bindparam("sid"))
                .values(
                    silence_alerted_base=None,
                    off_alerted_base=None,
                    next_due_at=bindparam("due"),
                ),
                [{"sid": sid, "due": due} for sid, due in saved],
            )


def _measure(app: Anbu, size: int, due: int, repeat: int, *, explain: bool) -> Result:
    until = watermark_for(app, due)
    saved = due_now(app, until)
    if len(saved) != due:
        say(f"  note: {len(saved)} due at the chosen watermark, wanted {due}")
    now = until + timedelta(minutes=1)
    set_watermarks(app, until)
    result = Result(size, len(saved), [], [], [], [], [], [])
    for _ in range(repeat):
        first, every = _time_due_query(app, until)
        result.first_page_s.append(first)
        result.all_pages_s.append(every)
    for _ in range(repeat):
        clock = Stopwatch()
        report = sweep(app, now=now)
        result.sweep_s.append(clock.seconds)
        result.opened.append(len(report.opened))
        result.queued.append(_count_notifications(app))
        result.unrouted.append(report.unrouted)
        restore_swept(app, saved)
    if explain:
        _explain(app, until, due)
    return result


def _count_notifications(app: Anbu) -> int:
    with app.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(notifications)) or 0)


def _time_due_query(app: Anbu, until: datetime) -> tuple[float, float]:
    """(first page of every carrier, every page of every carrier), rolled back."""
    first_total = 0.0
    with app.engine.connect() as connection:
        subjects = SubjectRepository(connection)
        clock = Stopwatch()
        for carrier in Carrier:
            subjects.due(carrier, until, None, PAGE)
        first_total = clock.seconds
        connection.rollback()
        clock = Stopwatch()
        for carrier in Carrier:
            after: tuple[datetime, int] | None = None
            while True:
                page = subjects.due(carrier, until, after, PAGE)
                if not page:
                    break
                after = page[-1]
        every = clock.seconds
        connection.rollback()
    return first_total, every


def _explain(app: Anbu, until: datetime, due: int) -> None:
    """EXPLAIN ANALYZE of the statements `due_subjects` really sends (pages 1 and 2)."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    with app.engine.connect() as connection:
        subjects = SubjectRepository(connection)
        event.listen(connection, "before_cursor_execute", capture)
        page = subjects.due(Carrier.SKT, until, None, PAGE)
        if page:
            subjects.due(Carrier.SKT, until, page[-1], PAGE)
        event.remove(connection, "before_cursor_execute", capture)
        connection.rollback()
        for number, (statement, parameters) in enumerate(captured, start=1):
            plan = _plan(connection, statement, parameters)
            connection.rollback()
            print(f"\nEXPLAIN (K={due}, SKT, page {number}):\n{statement}\n{plan}")


def _plan(connection: Connection, statement: str, parameters: Any) -> str:
    prefix = (
        "EXPLAIN QUERY PLAN "
        if connection.dialect.name == "sqlite"
        else ("EXPLAIN (ANALYZE, BUFFERS) ")
    )
    rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join("  " + " ".join(str(c) for c in row) for row in rows)


def _profile(app: Anbu, due: int) -> str:
    until = watermark_for(app, due)
    saved = due_now(app, until)
    set_watermarks(app, until)
    profiler = cProfile.Profile()
    clock = Stopwatch()
    profiler.enable()
    report = sweep(app, now=until + timedelta(minutes=1))
    profiler.disable()
    seconds = clock.seconds
    restore_swept(app, saved)
    text = io.StringIO()
    text.write(
        f"\n## cProfile of one sweep, {len(saved):,} due, {len(report.opened):,} opened,"
        f" {seconds * 1000:.0f} ms under the profiler\n\n```\n"
    )
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats("tottime").print_stats(12)
    text.write("```\n\nanbu's own functions by cumulative time:\n\n```\n")
    stats.sort_stats("cumulative").print_stats(
        r"repository|sweep|detection|outbox|staff|sealing", 20
    )
    text.write("```\n")
    return text.getvalue()


# -- report ----------------------------------------------------------------------


def _print_results(results: list[Result], sizes: list[int], dues: list[int]) -> None:
    print()
    print(
        table(
            [
                "subjects N",
                "due K",
                "alerts opened",
                "notifications queued",
                "sweep p50 ms",
                "sweep max ms",
                "due query, first pages p50 ms",
                "due query, all pages p50 ms",
                "others' CPU (cores)",
            ],
            [
                [
                    f"{r.subjects:,}",
                    f"{r.due:,}",
                    f"{p50([float(o) for o in r.opened]):,.0f}",
                    f"{p50([float(q) for q in r.queued]):,.0f}",
                    ms(p50(r.sweep_s)),
                    ms(max(r.sweep_s)),
                    ms(p50(r.first_page_s)),
                    ms(p50(r.all_pages_s)),
                    f"{r.others_cpu:.2f}",
                ]
                for r in results
            ],
        )
    )
    if len(sizes) > 1:
        print("\nsweep p50 by N (ms):")
        rows = []
        for due in dues:
            row: list[object] = [f"{due:,}"]
            for size in sizes:
                match = [r for r in results if r.subjects == size and r.due == due]
                row.append(ms(p50(match[0].sweep_s)) if match else "")
            rows.append(row)
        print(table(["due K", *(f"N={s:,}" for s in sizes)], rows))
    per_alert = [
        p50(r.sweep_s) / r.due * 1e6 for r in results if r.due >= 1000 and r.subjects == sizes[-1]
    ]
    if per_alert:
        print(f"\nsweep cost per due subject at N={sizes[-1]:,}: ~{min(per_alert):.0f} µs")


if __name__ == "__main__":
    raise SystemExit(main())
