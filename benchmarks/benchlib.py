"""Shared helpers for the benchmarks: scratch PostgreSQL databases, timing, tables.

Not a test helper: nothing here asserts on time. Each benchmark creates its own
`anbu_bench_*` database(s) on the server named by `--admin-url` and drops them at the end.
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

DEFAULT_ADMIN_URL = os.environ.get(
    "ANBU_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# A throwaway key for throwaway databases, like the tests' TEST_SECRET.
BENCH_SECRET = "bench-secret-0123456789abcdef"  # noqa: S105


def say(message: str) -> None:
    """Progress on stderr, results on stdout: `> results.txt` keeps only the results."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def database_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


def create_database(admin_url: str, prefix: str, template: str | None = None) -> str:
    name = f"anbu_bench_{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if template:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def scratch_database(admin_url: str, prefix: str, *, keep: bool = False) -> Iterator[str]:
    """Yields the name of a new empty database; dropped afterwards unless `keep`."""
    name = create_database(admin_url, prefix)
    say(f"created database {name}")
    try:
        yield name
    finally:
        if keep:
            say(f"kept database {name} (drop it with: DROP DATABASE {name})")
        else:
            drop_database(admin_url, name)
            say(f"dropped database {name}")


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def p50(values: Sequence[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, ready to paste into BENCHMARKS.md."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def machine(admin_url: str | None) -> str:
    parts = [
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"{os.cpu_count()} CPUs",
        f"{_memory_gib()} GiB RAM",
        f"Python {platform.python_version()}",
    ]
    if admin_url:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            version = connection.execute("SHOW server_version").fetchone()
            buffers = connection.execute("SHOW shared_buffers").fetchone()
            sync = connection.execute("SHOW synchronous_commit").fetchone()
        assert version is not None
        assert buffers is not None
        assert sync is not None
        parts.append(
            f"PostgreSQL {version[0]} local (shared_buffers {buffers[0]}, "
            f"synchronous_commit {sync[0]})"
        )
    return ", ".join(parts)


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo") as handle:
            kib = int(handle.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return "?"
    return f"{kib / 1024 / 1024:.0f}"


class CpuWatch:
    """Who used the CPUs during a run: this machine may be shared (tests, other
    benchmarks), and a number measured beside a busy neighbour is not the same number.

    Samples /proc every `interval` seconds and splits CPU time into this benchmark (this
    process, its children, and PostgreSQL backends of `anbu_bench_*` databases), other
    PostgreSQL processes (background workers, other databases) and everything else.
    Processes that live less than one interval are partly missed.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.seconds = {"benchmark": 0.0, "postgres (other)": 0.0, "other processes": 0.0}
        self.other_commands: dict[str, float] = {}
        self._last: dict[int, int] = {}
        self._tick = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._started = 0.0
        self.wall = 0.0

    def __enter__(self) -> CpuWatch:
        self._started = time.perf_counter()
        self._sample(initial=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(initial=False)
        self.wall = time.perf_counter() - self._started

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample(initial=False)

    def _sample(self, *, initial: bool) -> None:
        me = os.getpid()
        parents: dict[int, int] = {}
        ticks: dict[int, int] = {}
        names: dict[int, str] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    stat = handle.read()
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    command = handle.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            parents[pid] = int(fields[1])
            ticks[pid] = int(fields[11]) + int(fields[12])
            names[pid] = command.strip()[:80] or stat.split("(", 1)[1].split(")", 1)[0]
        for pid, total in ticks.items():
            before = self._last.get(pid)
            self._last[pid] = total
            if initial:
                continue
            # A pid not seen before was born since the last sample: all its CPU counts.
            used = (total - (before or 0)) / self._tick
            if used <= 0:
                continue
            group = self._group(pid, me, parents, names)
            self.seconds[group] += used
            if group == "other processes":
                self.other_commands[names[pid]] = self.other_commands.get(names[pid], 0.0) + used

    @staticmethod
    def _group(pid: int, me: int, parents: dict[int, int], names: dict[int, str]) -> str:
        if "anbu_bench_" in names[pid]:
            return "benchmark"
        seen = pid
        for _ in range(64):
            if seen == me:
                return "benchmark"
            seen = parents.get(seen, 0)
            if seen <= 1:
                break
        if names[pid].startswith("postgres"):
            return "postgres (other)"
        return "other processes"

    @property
    def others(self) -> float:
        """Average number of cores used by anything but this benchmark."""
        busy = self.seconds["postgres (other)"] + self.seconds["other processes"]
        return busy / max(self.wall, 1e-9)

    def summary(self) -> str:
        parts = [f"{name} {value / self.wall:.2f}" for name, value in self.seconds.items()]
        text = f"CPU cores busy on average over {self.wall:.0f} s: " + ", ".join(parts)
        top = sorted(self.other_commands.items(), key=lambda kv: -kv[1])[:3]
        if top and self.seconds["other processes"] / max(self.wall, 1e-9) > 0.05:
            text += "; busiest others: " + "; ".join(f"{n} ({s:.0f} s)" for n, s in top)
        return text


@contextmanager
def serving(
    url: str,
    tmp: Path,
    *options: str,
    background: bool = False,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """`anbu serve [options]` as its own process on the database `url` (without its sweep
    and dispatch loops unless `background`); yields its base URL once /health answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "ANBU_DATABASE_URL": url,
        "ANBU_SECRET_KEY": BENCH_SECRET,
        "ANBU_DATA_DIR": str(tmp / "server"),
        **(env or {}),
    }
    anbu = str(Path(sys.executable).parent / "anbu")
    loops = [] if background else ["--no-background"]
    command = [anbu, "serve", *loops, "--port", str(port), *options]
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        say(f"server pid {process.pid} at {base}")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class ChildRun:
    """A command run as a user runs it: wall seconds from outside, and its peak resident
    memory from the kernel's accounting of the finished child (its own, not its children's)."""

    seconds: float
    peak_mib: float
    exit_code: int
    output: str


def run_child(command: Sequence[str], env: dict[str, str], output: str = os.devnull) -> ChildRun:
    """Runs `command` with stdout and stderr into the file `output`; reads it back after.

    The peak is measured by GNU time, which forks a small process to run the command: the
    kernel carries the largest resident set over an exec, and a child spawned straight from
    this process (posix_spawn shares its memory until the exec) would report this process's
    own peak whenever that is the larger."""
    with tempfile.NamedTemporaryFile(prefix="anbu-peak-") as peak:
        clock = Stopwatch()
        pid = os.posix_spawn(
            "/usr/bin/time",
            ["/usr/bin/time", "-f", "%M", "-o", peak.name, *command],
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 1, output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
        )
        _, status, _ = os.wait4(pid, 0)
        seconds = clock.seconds
        kib = Path(peak.name).read_text().split()[-1]
    text = "" if output == os.devnull else Path(output).read_text(errors="replace")
    return ChildRun(seconds, int(kib) / 1024, os.waitstatus_to_exitcode(status), text)


@dataclass
class Floor:
    """The database's own bulk path for rows a run stored: `COPY … FROM STDIN (FORMAT
    binary)` into a table like theirs (same columns, primary key, unique keys and indexes),
    in the same run on the same machine."""

    rows: int
    seconds: float
    note: str
    others_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def copy_floor(url: str, table_name: str) -> Floor:
    """Copies `table_name`'s rows out, then times copying them into a fresh table LIKE it."""
    source = sql.Identifier(*table_name.split("."))
    target = sql.Identifier(*table_name.split(".")[:-1], table_name.split(".")[-1] + "_floor")
    with psycopg.connect(url) as connection:
        dump = bytearray()
        with connection.cursor().copy(
            sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(source)
        ) as out:
            for block in out:
                dump += block
        connection.execute(
            sql.SQL(
                "CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                " INCLUDING INDEXES)"
            ).format(target, source)
        )
        connection.commit()
        with CpuWatch() as cpu:
            clock = Stopwatch()
            with connection.cursor().copy(
                sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(target)
            ) as copy:
                copy.write(bytes(dump))
            connection.commit()
            seconds = clock.seconds
        counted = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(target)).fetchone()
        connection.execute(sql.SQL("DROP TABLE {}").format(target))
        connection.commit()
    return Floor(int(counted[0]) if counted else 0, seconds, cpu.summary(), cpu.others)


def counts_in(summary: str) -> dict[str, int]:
    """`lines 10: stored 8, duplicates 1, unknown numbers 1, …` → {name: value}."""
    found: dict[str, int] = {}
    for part in summary.replace(":", ",").split(","):
        words = part.split()
        if len(words) >= 2 and words[-1].isdigit():
            found[" ".join(words[:-1])] = int(words[-1])
    return found


def sqlite_definition(connection: sqlite3.Connection, table_name: str) -> list[str]:
    """The statements that create `table_name` and its indexes, to make a table like it."""
    return [
        text
        for (text,) in connection.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", (table_name,)
        )
    ]
