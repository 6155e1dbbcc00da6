"""The `anbu` program run as its users run it: `anbu serve` in the background, one-off
commands to completion."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ANBU = str(Path(sys.executable).parent / "anbu")


def program(
    env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ANBU, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def jsonl(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    done = program(env, *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@contextlib.contextmanager
def serving(env: dict[str, str], port: int, log: Path, *args: str) -> Iterator[str]:
    """`anbu serve` on 127.0.0.1:`port` until the block ends; yields its base URL once
    /health answers 200."""
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [ANBU, "serve", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_healthy(base, process, log)
            yield base
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"anbu serve exited: {log.read_text(errors='replace')}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"anbu serve did not become healthy: {log.read_text(errors='replace')}")


def eventually(check: Any, timeout: float = 20.0, every: float = 0.1) -> Any:
    """Call `check` until it returns something truthy; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: last {result!r}")
        time.sleep(every)


def serving_pid(port: int) -> int:
    """The process id of the `anbu serve` listening on `port` (its own, not a wrapper's)."""
    wanted = ["serve", "--port", str(port)]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            if any(argv[i : i + 3] == wanted for i in range(len(argv))):
                return int(entry.name)
    raise AssertionError(f"no anbu serve on port {port}")
