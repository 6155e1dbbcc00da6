"""`anbu serve --workers N` on PostgreSQL: N worker processes answer, the schema is migrated once
before they start, a worker killed is replaced while the others go on answering, and the whole
stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from builders import TEST_SECRET
from gateways.kannel import free_ports
from processes import ANBU, eventually


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _workers(pid: int) -> list[int]:
    """uvicorn's worker processes under the serving one (not its multiprocessing helpers)."""
    workers = []
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            workers.append(child)
    return workers


def _gone(pids: list[int]) -> bool:
    """None of these processes runs any more (a zombie has an empty command line)."""
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes():
                return False
        except OSError:
            continue
    return True


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.parametrize("workers", [2])
def test_workers_answer_and_a_killed_one_is_replaced(
    fresh_postgres: str, tmp_path: Path, workers: int
) -> None:
    (port,) = free_ports(1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANBU_")}
    env.update(
        ANBU_DATA_DIR=str(tmp_path / "data"),
        ANBU_DATABASE_URL=fresh_postgres,
        ANBU_SECRET_KEY=TEST_SECRET,
    )
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [ANBU, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        eventually(lambda: _healthy(base), timeout=60)
        running = eventually(lambda: len(_workers(server.pid)) == workers and _workers(server.pid))
        # Every answer says the schema is current: migrated once, before the workers began.
        for _ in range(10):
            answer = httpx.get(f"{base}/health", timeout=5)
            assert answer.status_code == 200
            assert answer.json()["database"] == "ok"
        os.kill(running[0], signal.SIGKILL)
        assert eventually(lambda: _healthy(base), timeout=10), "answers go on"
        replaced = eventually(
            lambda: (
                (now := _workers(server.pid))
                and len(now) == workers
                and running[0] not in now
                and now
            ),
            timeout=30,
        )
        assert running[1] in replaced
        assert _healthy(base)
    finally:
        # As an operator stops it: SIGTERM to the server, which stops its workers.
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0, log.read_text(errors="replace")
    assert eventually(lambda: _gone(replaced), timeout=10), "no worker outlives the server"
