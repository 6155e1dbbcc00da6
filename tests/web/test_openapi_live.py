"""The OpenAPI document says what the API does, proven by schemathesis against a real
`anbu serve` on SQLite and PostgreSQL: every operation in the document is called with data
generated from it, valid and invalid, as an administrator and as an officer, with data
present (two centres' people and an open alert in each), and every check schemathesis has
must hold — no 500, no status, media type, header or body the document does not declare,
invalid data refused and valid data accepted, an `Allow` that tells the truth, no answer
given without the token.

Bounded: a fixed seed and a few examples per operation, so that a run takes about a minute
per database and a failure reproduces."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from anbu.bootstrap import Anbu
from anbu.services.accounts import create_token

from conftest import District
from gateways.kannel import free_ports
from processes import serving

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
SEED = 13
EXAMPLES = 50
SECONDS = 240


def _run(base: str, token: str, work: Path) -> subprocess.CompletedProcess[str]:
    """schemathesis run in `work`, where it keeps its cache and its report."""
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    return subprocess.run(
        [
            SCHEMATHESIS,
            f"--config-file={CONFIG}",
            "run",
            f"{base}/openapi.json",
            "--checks=all",
            f"--seed={SEED}",
            f"--max-examples={EXAMPLES}",
            "--workers=1",
            "--continue-on-failure",
            "--request-timeout=20",
            f"--header=Authorization: Bearer {token}",
            "--output-truncate=false",
            "--report=ndjson",
            f"--report-dir={work / 'report'}",
        ],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        check=False,
    )


@pytest.mark.parametrize("login", ["admin", "kim.a"], ids=["administrator", "officer"])
def test_the_api_does_what_its_document_says(
    anbu: Anbu, district: District, cli_env: dict[str, str], tmp_path: Path, login: str
) -> None:
    token = create_token(anbu, login, label="schemathesis", now=datetime.now(UTC), actor="t")
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        done = _run(base, token, tmp_path)

    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-3000:]
    # Every case generated was sent and held every check (none failed or errored).
    counted = re.search(r"(\d+) generated, (\d+) passed(, \d+ skipped)?\s*$", done.stdout, re.M)
    assert counted is not None, done.stdout[-5000:]
    assert int(counted[1]) == int(counted[2]) > 500, counted[0]
