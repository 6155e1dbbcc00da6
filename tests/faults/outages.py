"""What the fault tests break and who suffers it: a PostgreSQL cluster of the test's own,
that it may restart or kill without disturbing the shared server the rest of the suite
uses; a wall clock the test steps under a running program; and a carrier's client that
sends again when it got no answer it can trust."""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.services.accounts import create_token, create_user
from anbu.services.officers import import_officers

from builders import officer_row, officers_csv
from flows import enrol_rows

# The fault tests run one after another on one xdist worker (CI's `--dist loadgroup`): each
# runs servers on timings of a few seconds, and two of them at once on two cores would
# only slow each other down.
FAULTS = pytest.mark.xdist_group("faults")


def _postgres_bin() -> Path:
    """The newest installed server's programs (Debian keeps them out of PATH)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
    )
    if not found:
        pytest.fail("no PostgreSQL server programs under /usr/lib/postgresql", pytrace=False)
    return found[-1].parent


def _as_postgres() -> list[str]:
    # initdb and the server refuse to run as root: as root, they run as the system user
    # the Debian package creates; anyone else runs them as themselves.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class Cluster:
    """A PostgreSQL server of the test's own, in a temporary folder, on a free port."""

    folder: Path
    port: int
    bin: Path = field(default_factory=_postgres_bin)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/anbu"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "anbu")

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> str:
        return str(self.folder / "server.log")

    def start(self) -> None:
        # fsync off: the machine never crashes under the test, only the server does (an
        # immediate stop), and what the server wrote survives that in the page cache.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", self.log, "-o", options)

    def restart(self) -> None:
        """A fast restart: sessions are ended, the server shuts down cleanly and comes back."""
        # The same options as the start (pg_ctl keeps them); the log named again, or the
        # server would write to, and hold open, pg_ctl's own output.
        self._run("pg_ctl", "restart", "-w", "-m", "fast", "-D", str(self.data), "-l", self.log)

    def kill(self) -> None:
        """An immediate stop: the server quits without a shutdown checkpoint, as in a crash;
        the next start recovers from the write-ahead log."""
        self._run("pg_ctl", "stop", "-m", "immediate", "-D", str(self.data))

    def stop(self) -> None:
        subprocess.run(
            [*_as_postgres(), str(self.bin / "pg_ctl"), "stop", "-m", "fast", "-D", str(self.data)],
            capture_output=True,
            check=False,
        )

    def count(self, query: str) -> Any:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as connection:
            row = connection.execute(query).fetchone()
            assert row is not None
            return row[0]

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*_as_postgres(), str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"{program}: {done.stdout}{done.stderr}"


@dataclass
class Pusher:
    """A carrier's client: POSTs a batch until it gets an answer it can trust (a 2xx), so a
    batch whose answer was lost is sent again, as real carriers do."""

    base: str
    token: str
    answers: Counter[int | str] = field(default_factory=Counter)
    stored: int = 0
    duplicates: int = 0

    @property
    def retries(self) -> int:
        return sum(n for status, n in self.answers.items() if status != 200)

    def push(self, body: bytes, *, give_up_after: float = 60.0) -> None:
        deadline = time.monotonic() + give_up_after
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/x-ndjson",
        }
        while True:
            try:
                answer = httpx.post(
                    f"{self.base}/api/v1/ingest", content=body, headers=headers, timeout=30
                )
            except httpx.TransportError as exc:
                self.answers[type(exc).__name__] += 1
            else:
                self.answers[answer.status_code] += 1
                if answer.status_code == 200:
                    result = answer.json()
                    assert result["rejected_count"] == 0, result
                    self.stored += result["stored"]
                    self.duplicates += result["duplicates"]
                    return
                # A 5xx (the database went away mid-request) is worth repeating; anything
                # else is the test's own mistake.
                assert answer.status_code >= 500, answer.text
            assert time.monotonic() < deadline, f"no 200 within {give_up_after} s: {self.answers}"
            time.sleep(0.2)


def _libfaketime() -> Path:
    found = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is missing: run scripts/install-system-packages.sh", pytrace=False)
    return found[0]


@dataclass
class SteppedClock:
    """The wall clock of the programs started with `env`, moved by the test while they run:
    libfaketime, preloaded, reads the offset from `file` once a second (so no code of ours
    is patched). Only the wall clock moves; the monotonic clock that sleeps and timeouts
    use runs on, as it does when the system clock is stepped."""

    file: Path

    def env(self) -> dict[str, str]:
        self.set("+0")
        return {
            "LD_PRELOAD": str(_libfaketime()),
            "FAKETIME_TIMESTAMP_FILE": str(self.file),
            # Read again each second, not at every call: a file read per clock reading
            # slows a busy server to a crawl on a loaded machine.
            "FAKETIME_CACHE_DURATION": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }

    def set(self, offset: str) -> None:
        """An offset from the true time, as libfaketime writes it: "+0", "-1h", "+65m"."""
        ahead = self.file.with_suffix(".new")
        ahead.write_text(offset + "\n")
        ahead.replace(self.file)  # never half a line for a reader


def enrol_with_staff(app: Anbu, rows: list[dict[str, str]], now: datetime) -> str:
    """`rows` enrolled, one officer (SMS and e-mail) for their centre, and a carrier's
    operator (`skt.feed`), whose API token is returned."""
    enrol_rows(app, *rows, now=now)
    import_officers(app, read_officers(officers_csv(officer_row())), now=now, actor="test")
    create_user(
        app,
        "skt.feed",
        role=Role.OPERATOR,
        centres=[],
        password="Xq7!faults-carrier-feed",
        now=now,
        actor="test",
    )
    return create_token(app, "skt.feed", label="SKT feed", now=now, actor="test")
