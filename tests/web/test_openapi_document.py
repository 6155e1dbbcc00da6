"""The OpenAPI document says what the API does, checked here one rule at a time (the live
schemathesis run in test_openapi_live.py checks them all at once): the right `Allow`, the
statuses every route can answer, `/metrics` as Prometheus text, and the rules of the text
a client may send."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anbu.bootstrap import Anbu
from anbu.domain.text import unstorable
from anbu.entrypoints.web.openapi import NON_BLANK_TEXT, STORABLE_TEXT
from anbu.services.accounts import create_token

from conftest import District

METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture
def admin_token(anbu: Anbu, district: District) -> str:
    return create_token(anbu, "admin", label="test", now=datetime.now(UTC), actor="t")


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    answer: dict[str, Any] = client.get("/openapi.json").json()
    return answer


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])
@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/subjects", "GET, POST"),
        ("/api/v1/subjects/SD-0001", "GET, PATCH"),
        ("/a/some-link", "GET, POST"),
        ("/api/v1/alerts/1/ack", "POST"),
    ],
)
def test_a_method_a_path_does_not_take_is_answered_with_every_method_it_does(
    client: TestClient, path: str, methods: str
) -> None:
    answer = client.options(path)

    assert answer.status_code == 405
    assert answer.headers["Allow"] == methods


@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])
def test_every_operation_documents_a_body_too_large_and_refused_text(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        assert {"413", "422"} <= operation["responses"].keys(), (method, path)
        if "requestBody" in operation:  # a body that is not even UTF-8
            assert "400" in operation["responses"], (method, path)


@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])
def test_metrics_are_documented_as_prometheus_text_and_health_as_its_503(
    client: TestClient, document: dict[str, Any]
) -> None:
    metrics = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain"]
    assert client.get("/metrics").headers["Content-Type"].startswith("text/plain")
    assert "503" in document["paths"]["/health"]["get"]["responses"]


@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])
def test_text_a_client_sends_is_documented_as_the_text_anbu_stores(
    document: dict[str, Any],
) -> None:
    search = document["paths"]["/api/v1/subjects"]["get"]["parameters"]
    (q,) = [p for p in search if p["name"] == "q"]
    assert q["schema"]["pattern"] == STORABLE_TEXT
    person = document["components"]["schemas"]["SubjectIn"]["properties"]
    for field in ("external_id", "name", "centre", "address"):
        assert person[field]["pattern"] == NON_BLANK_TEXT, field
    for text in ("", " ", "\u3000\t", "김영수", " SD-1 ", "a\x00", "a\x85", "\ufffe"):
        storable = unstorable(text) is None
        assert bool(re.search(STORABLE_TEXT, text)) == storable, repr(text)
        assert bool(re.search(NON_BLANK_TEXT, text)) == (storable and bool(text.strip()))


@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])
def test_the_document_says_a_call_needs_a_result_and_a_note_its_words(
    document: dict[str, Any],
) -> None:
    kinds = document["components"]["schemas"]["ContactIn"]["oneOf"]
    call_or_visit, note = kinds
    assert call_or_visit["required"] == ["kind", "result"]
    assert note["required"] == ["kind", "note"]
    assert note["properties"]["note"]["pattern"] == NON_BLANK_TEXT


def test_a_person_refused_as_json_is_refused_by_field_with_no_csv_line(
    client: TestClient, district: District, admin_token: str
) -> None:
    answer = client.post(
        "/api/v1/subjects",
        json={
            "external_id": "SD-0100",
            "name": " ",
            "birth_date": "1948-03-02",
            "phone": "010-5555-6666",
            "carrier": "SKT",
            "centre": "왕십리도선동",
            "address": "서울",
            "consent_at": "2026-11-01T09:00:00+09:00",
        },
        headers={"Authorization": f"Bearer {admin_token}"},
    )

    assert answer.status_code == 422
    assert answer.json() == {
        "detail": [{"line": None, "field": "name", "reason": "값이 필요합니다."}],
        "code": "invalid_request",
        "message": "입력값을 확인해 주세요. (name)",
    }


def test_a_body_that_is_not_utf8_is_the_documented_400(
    client: TestClient, district: District, admin_token: str
) -> None:
    answer = client.post(
        "/api/v1/alerts/1/contacts",
        content=b"\xff\xfe{",
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
    )

    assert answer.status_code == 400


@pytest.mark.parametrize("database_url", [""], ids=["sqlite"])
def test_the_document_says_what_a_pushed_item_must_be(document: dict[str, Any]) -> None:
    body = document["paths"]["/api/v1/ingest"]["post"]["requestBody"]["content"]
    event, watermark = body["application/json"]["schema"]["items"]["oneOf"]
    assert event["properties"]["carrier"]["enum"] == ["SKT", "KT", "LGU"]
    assert "call_out" in event["properties"]["kind"]["enum"]
    assert set(event["required"]) == {"event_id", "carrier", "phone", "kind", "occurred_at"}
    assert watermark["properties"]["kind"] == {"const": "watermark"}
    assert watermark["required"] == ["carrier", "kind", "complete_until"]
