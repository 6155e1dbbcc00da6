"""The vendored front-end files (static/VENDORED.md) are the ones recorded: each row's file
is served from /static/ and has the checksum written beside it, so an edit or a swap shows."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import anbu.entrypoints.web

STATIC = Path(anbu.entrypoints.web.__file__).parent / "static"
ROWS = re.findall(
    r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$",
    (STATIC / "VENDORED.md").read_text(),
    re.MULTILINE,
)


def test_it_records_htmx_swagger_ui_and_redoc() -> None:
    names = {name for name, _ in ROWS}
    assert names >= {
        "htmx-2.0.11.min.js",
        "swagger-ui-bundle-5.35.0.js",
        "swagger-ui-5.35.0.css",
        "redoc.standalone-2.5.4.js",
    }


@pytest.mark.parametrize(("name", "digest"), ROWS, ids=[name for name, _ in ROWS])
def test_each_file_has_its_recorded_checksum(name: str, digest: str) -> None:
    assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest
