"""Memory before identity, against a real `anbu serve`: anonymous bodies of 300 MB, declared
and chunked, are answered 413 after the server has read at most a little of them, and the
server's resident memory hardly moves (it grew by a gigabyte before the limit)."""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

import pytest

from gateways.kannel import free_ports
from processes import serving, serving_pid

HUGE = 300 * 1024 * 1024
PIECE = b" " * (64 * 1024)
_KINDS = {"/login": "application/x-www-form-urlencoded"}


def _peak_rss_mib(pid: int) -> float:
    """The process's high-water resident memory (VmHWM): a peak between samples counts."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def _post_until_answered(port: int, path: str, *, chunked: bool) -> tuple[int, int]:
    """POST a body of HUGE bytes as a careless client would, stopping only once the server
    answers; the answer's status and how many bytes of the body were sent by then."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUGE}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: {_KINDS.get(path, 'application/json')}\r\n{framing}\r\n\r\n"
    )
    piece = b"%x\r\n%s\r\n" % (len(PIECE), PIECE) if chunked else PIECE
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        while sent < HUGE and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and hung up: its answer waits to be read
            sent += len(PIECE)
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), sent


# No database is involved: the body is refused before anything is looked up.
@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])
@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_anonymous_huge_bodies_are_refused_before_they_cost_memory(
    cli_env: dict[str, str], tmp_path: Path, chunked: bool
) -> None:
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background"):
        pid = serving_pid(port)
        before = _peak_rss_mib(pid)
        started = time.monotonic()

        answers = [
            _post_until_answered(port, path, chunked=chunked)
            for path in ("/api/v1/subjects", "/api/v1/alerts/1/resolve", "/login")
        ]
        took = time.monotonic() - started
        grew = _peak_rss_mib(pid) - before

    assert [status for status, _ in answers] == [413, 413, 413]
    # Sent before the answer: what fits in the sockets' buffers, not the 300 MB.
    assert max(sent for _, sent in answers) < 64 * 1024 * 1024
    assert grew < 50, f"the server grew by {grew:.0f} MiB"
    assert took < 20


@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])
def test_a_declared_batch_over_the_ingest_limit_is_refused_at_once(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    (port,) = free_ports(1)
    with serving({**cli_env, "ANBU_INGEST_MAX_MB": "100"}, port, tmp_path / "serve.log"):
        status, sent = _post_until_answered(port, "/api/v1/ingest", chunked=False)

    assert status == 413
    assert sent < 64 * 1024 * 1024
