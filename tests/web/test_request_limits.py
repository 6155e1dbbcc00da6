"""The body limit of each route class, checked before a body is read or a caller known: a
carrier's batch may be large (ANBU_INGEST_MAX_MB), every other form and JSON call is small.
Declared lengths and chunked bodies alike."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from anbu.bootstrap import Anbu
from anbu.entrypoints.web import create_app
from anbu.entrypoints.web.limits import SMALL_BODY_BYTES
from anbu.services.accounts import create_token
from anbu.settings import Settings

from builders import watermark
from conftest import ENROLLED, OPENED, District, log_in

MIB = 1024 * 1024


def _chunked(size: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    """`size` bytes sent without a length, as a client streaming a body does."""
    sent = 0
    while sent < size:
        yield b" " * min(piece, size - sent)
        sent += piece


def _padded_batch(size: int) -> bytes:
    """A JSON array of one watermark, padded with blanks to `size` bytes."""
    document = json.dumps([watermark("SKT", OPENED)]).encode()
    return document[:1] + b" " * (size - len(document)) + document[1:]


@pytest.fixture
def operator_token(anbu: Anbu, district: District) -> str:
    return create_token(anbu, "ops", label="carrier", now=ENROLLED, actor="t")


@pytest.fixture
def small_ingest(settings: Settings, anbu: Anbu) -> Iterator[TestClient]:
    """The application with ingest held to 1 MiB."""
    app = create_app(settings.model_copy(update={"ingest_max_mb": 1}), background=False)
    with TestClient(app, follow_redirects=False) as web:
        yield web


def test_an_anonymous_json_call_over_the_limit_is_413_not_401(client: TestClient) -> None:
    declared = client.post(
        "/api/v1/subjects",
        content=b"{" + b" " * SMALL_BODY_BYTES + b"}",
        headers={"Content-Type": "application/json"},
    )
    chunked = client.post(
        "/api/v1/subjects",
        content=_chunked(SMALL_BODY_BYTES + 1),
        headers={"Content-Type": "application/json"},
    )

    assert declared.status_code == 413
    assert declared.json() == {
        "detail": f"Content Too Large: at most {SMALL_BODY_BYTES} bytes",
        "code": "body_too_large",
        "message": "보낸 자료가 너무 큽니다.",
    }
    assert chunked.status_code == 413


def test_a_json_call_within_the_limit_still_meets_the_token_check(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/subjects", content=b"{}", headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 401


def test_a_form_over_the_limit_is_413_before_its_csrf_token_is_checked(
    client: TestClient,
) -> None:
    declared = client.post("/login", data={"login": "x" * SMALL_BODY_BYTES, "password": "p"})
    chunked = client.post(
        "/login",
        content=_chunked(2 * SMALL_BODY_BYTES),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert declared.status_code == 413
    assert chunked.status_code == 413


def test_a_carriers_batch_may_be_larger_than_any_other_call(
    client: TestClient, operator_token: str
) -> None:
    answer = client.post(
        "/api/v1/ingest",
        content=_padded_batch(3 * MIB),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {operator_token}"},
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["watermarks"] == 1


def test_a_batch_over_the_ingest_setting_is_413(
    small_ingest: TestClient, operator_token: str
) -> None:
    anonymous = {"Content-Type": "application/json"}
    carrier = {**anonymous, "Authorization": f"Bearer {operator_token}"}
    declared = small_ingest.post(
        "/api/v1/ingest", content=_padded_batch(MIB + 1), headers=anonymous
    )
    # Without a length the size is known only by reading: counted, and cut off at the limit.
    chunked = small_ingest.post("/api/v1/ingest", content=_chunked(MIB + 1), headers=carrier)
    within = small_ingest.post("/api/v1/ingest", content=_padded_batch(MIB), headers=carrier)

    assert declared.status_code == 413
    assert chunked.status_code == 413
    assert within.status_code == 200, within.text


def test_an_enrolment_file_larger_than_a_form_reaches_the_page(
    client: TestClient, district: District
) -> None:
    token = log_in(client, "admin", page="/enrol")
    answer = client.post(
        "/enrol/upload",
        data={"csrf_token": token},
        files={"file": ("survey.csv", b"\xff" * (2 * MIB), "text/csv")},
    )

    # The page read it and said what it thinks of it: the shell let it through.
    assert answer.status_code == 400
    assert "파일" in answer.text
