"""The audit chain as it is written for real: `anbu serve` answering API clients at once,
with its background loops running, while CLI commands write entries of their own."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import audit_log
from anbu.bootstrap import Anbu
from anbu.services.accounts import create_token
from anbu.services.officers import import_officers

from builders import at, officer_row, officers_csv, subject_row
from flows import enrol_rows
from gateways.kannel import free_ports
from processes import program, serving

NOW = at("2026-11-20 09:00")
CLIENTS, CALLS, COMMANDS = 6, 15, 4


def test_many_writers_at_once_through_the_server_and_the_cli_keep_one_chain(
    anbu: Anbu, cli_env: dict[str, str], tmp_path: Path
) -> None:
    enrol_rows(anbu, subject_row(), now=NOW)
    import_officers(anbu, read_officers(officers_csv(officer_row())), now=NOW, actor="test")
    token = create_token(anbu, "kim.officer", label="load", now=NOW, actor="test")
    env = cli_env | {"ANBU_SWEEP_EVERY_SECONDS": "0.2", "ANBU_DISPATCH_EVERY_SECONDS": "0.2"}
    (port,) = free_ports(1)

    with serving(env, port, tmp_path / "serve.log") as base:

        def client(_: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                for _ in range(CALLS):
                    answer = http.get(
                        "/api/v1/alerts", headers={"Authorization": f"Bearer {token}"}
                    )
                    assert answer.status_code == 200, answer.text

        def command(n: int) -> None:
            done = program(env, "tokens", "create", "kim.officer", "--label", f"cli {n}")
            assert done.returncode == 0, done.stderr

        with ThreadPoolExecutor(CLIENTS + COMMANDS) as pool:
            calls = [pool.submit(client, n) for n in range(CLIENTS)]
            calls += [pool.submit(command, n) for n in range(COMMANDS)]
            for call in calls:
                call.result()

    done = program(cli_env, "audit", "verify", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    check = json.loads(done.stdout)
    with anbu.engine.connect() as connection:
        written = connection.scalar(select(func.count()).select_from(audit_log))
        listed = connection.scalar(
            select(func.count()).where(audit_log.c.action == "alerts.listed")
        )
    assert listed == CLIENTS * CALLS
    assert check["entries"] == written
    assert check["broken"] is None
