"""Whose address the login throttle counts, and whether a request came over HTTPS, against a
real `anbu serve`: the connection's own, unless it comes from a proxy named in
ANBU_TRUSTED_PROXIES."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from anbu.services.accounts import MAX_FAILURES_PER_ADDRESS

from gateways.kannel import free_ports
from processes import program, serving


def _failed_login(web: httpx.Client, attempt: int, forwarded_for: str) -> int:
    """One wrong password for a login of its own (so only the per-address count can
    throttle); the answer's status."""
    form = web.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    answer = web.post(
        "/login",
        data={"login": f"guess{attempt}", "password": "wrong password", "csrf_token": token[1]},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return answer.status_code


def test_it_counts_the_connecting_address_however_the_forwarded_header_rotates(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log") as base, httpx.Client(base_url=base) as web:
        answers = [
            _failed_login(web, n, f"203.0.113.{n + 1}") for n in range(MAX_FAILURES_PER_ADDRESS)
        ]
        assert set(answers) == {401}
        assert _failed_login(web, 99, "198.51.100.7") == 429
        # Nor does a client say it came over HTTPS.
        claimed = web.get("/health", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in claimed.headers


def test_it_counts_the_forwarded_address_from_a_named_proxy(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**cli_env, "ANBU_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"}
    (port,) = free_ports(1)
    with serving(env, port, tmp_path / "serve.log") as base, httpx.Client(base_url=base) as web:
        answers = [_failed_login(web, n, "203.0.113.9") for n in range(MAX_FAILURES_PER_ADDRESS)]
        assert set(answers) == {401}
        assert _failed_login(web, 98, "203.0.113.9") == 429
        # Another client behind the same proxy is not held to the first one's guesses.
        assert _failed_login(web, 99, "198.51.100.7") == 401
        # The proxy says the client came over HTTPS: the answer asks for HTTPS from then on.
        secure = web.get("/health", headers={"X-Forwarded-Proto": "https"})
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_it_refuses_to_start_with_a_proxy_that_is_no_address(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    done = program({**cli_env, "ANBU_TRUSTED_PROXIES": "nginx"}, "serve", "--port", "1")
    assert done.returncode == 2
    assert "not an address or network: 'nginx'" in done.stderr
