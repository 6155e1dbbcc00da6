"""Every error the JSON API answers says what went wrong twice: a stable `code` for a
program (docs/web.md lists them) and a `message` for a person, in Korean — or in English
when the request's Accept-Language asks for it — besides FastAPI's `detail`, kept as it was."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.entrypoints.web.errors import preferred
from anbu.entrypoints.web.limits import SMALL_BODY_BYTES
from anbu.services.accounts import create_token, create_user

from conftest import ENROLLED, PASSWORD, District

TODAY = datetime.now(UTC)
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9,ko;q=0.5"}
HANGUL = range(0xAC00, 0xD7A4)


@pytest.fixture
def token(anbu: Anbu, district: District) -> Any:
    create_user(
        anbu, "duty", role=Role.DUTY, centres=[], password=PASSWORD, now=ENROLLED, actor="t"
    )

    def of(login: str) -> dict[str, str]:
        made = create_token(anbu, login, label="test", now=TODAY, actor="t")
        return {"Authorization": f"Bearer {made}"}

    return of


def korean(answer: Response) -> str:
    message = answer.json()["message"]
    assert isinstance(message, str)
    assert any(ord(c) in HANGUL for c in message), message
    return message


def english(answer: Response) -> str:
    message = answer.json()["message"]
    assert isinstance(message, str)
    assert message, answer.text
    assert message.isascii(), message
    return message


def test_a_missing_record_is_not_found_in_words(client: TestClient, token: Any) -> None:
    answer = client.get("/api/v1/subjects/SD-9999", headers=token("admin"))

    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    assert answer.json()["detail"] == "not found"
    assert korean(answer) == "찾을 수 없습니다."
    english_answer = client.get("/api/v1/subjects/SD-9999", headers=token("admin") | ENGLISH)
    assert english(english_answer) == "Not found."


def test_a_call_without_a_token_says_so(client: TestClient, district: District) -> None:
    answer = client.get("/api/v1/alerts")

    assert answer.status_code == 401
    assert answer.json()["code"] == "token_required"
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "토큰" in korean(answer)
    assert "token" in english(client.get("/api/v1/alerts", headers=ENGLISH))


def test_a_role_that_may_not_is_told_in_words(client: TestClient, token: Any) -> None:
    answer = client.get("/api/v1/subjects", headers=token("ops"))

    assert answer.status_code == 403
    assert answer.json()["code"] == "not_for_role"
    assert answer.json()["detail"] == "not for this role"
    assert "역할" in korean(answer)


def test_a_case_that_moved_on_answers_its_refusal(
    client: TestClient, token: Any, district: District
) -> None:
    officer = token("kim.a")
    path = f"/api/v1/alerts/{district.alert_a}/ack"
    assert client.post(path, headers=officer).status_code == 200

    again = client.post(path, headers=officer)
    assert again.status_code == 409
    assert again.json()["code"] == "already_acknowledged"
    assert "already" in again.json()["detail"]
    assert korean(again) == "이미 다른 담당자가 접수했거나 종결된 건입니다."
    in_english = client.post(path, headers=officer | ENGLISH)
    assert english(in_english) == "Someone has already acknowledged this case, or it is closed."


def test_a_refused_field_is_named_in_the_message(client: TestClient, token: Any) -> None:
    officer = token("kim.a")
    pause = {"starts_at": "not a time", "reason": "travel"}

    answer = client.post("/api/v1/subjects/SD-0001/pauses", json=pause, headers=officer)
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"
    assert [r["field"] for r in answer.json()["detail"]] == ["starts_at"]
    assert korean(answer) == "입력값을 확인해 주세요. (starts_at)"
    in_english = client.post(
        "/api/v1/subjects/SD-0001/pauses", json=pause, headers=officer | ENGLISH
    )
    assert english(in_english) == "Please check what was sent. (starts_at)"


def test_a_person_refused_by_the_enrolment_rules_is_told_which_field(
    client: TestClient, token: Any
) -> None:
    answer = client.patch(
        "/api/v1/subjects/SD-0001", json={"phone": "02-123-4567"}, headers=token("admin")
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"
    assert "phone" in [r["field"] for r in answer.json()["detail"]]
    assert "(phone" in korean(answer)


def test_a_method_the_path_does_not_take_has_its_code(client: TestClient, token: Any) -> None:
    answer = client.delete("/api/v1/subjects", headers=token("admin"))

    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"
    assert answer.headers["Allow"] == "GET, POST"
    korean(answer)


def test_a_body_over_its_limit_has_its_code_before_any_token(client: TestClient) -> None:
    answer = client.post("/api/v1/subjects", content=b" " * (SMALL_BODY_BYTES + 1), headers=ENGLISH)

    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"
    assert english(answer) == "The body is too large."


def test_an_unknown_content_type_and_an_unreadable_batch(client: TestClient, token: Any) -> None:
    ops = token("ops")
    wrong = client.post(
        "/api/v1/ingest", content=b"x", headers=ops | {"Content-Type": "text/plain"}
    )
    unreadable = client.post(
        "/api/v1/ingest", content=b"[", headers=ops | {"Content-Type": "application/json"}
    )

    assert (wrong.status_code, wrong.json()["code"]) == (415, "unsupported_media_type")
    assert (unreadable.status_code, unreadable.json()["code"]) == (400, "unreadable_body")
    korean(wrong)
    korean(unreadable)


def test_a_batch_with_every_line_rejected_says_so(client: TestClient, token: Any) -> None:
    answer = client.post(
        "/api/v1/ingest",
        content=b'{"event_id": "x"}\n',
        headers=token("ops") | {"Content-Type": "application/x-ndjson"},
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "all_lines_rejected"
    assert answer.json()["rejected_count"] == 1
    korean(answer)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "ko"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8", "ko"),
        ("fr-FR,en;q=0.5,ko;q=0.7", "ko"),
        ("fr-FR,en;q=0.5", "en"),
        ("en;q=0,ko;q=0.1", "ko"),
        ("de", "ko"),
    ],
)
def test_the_language_asked_for(header: str, language: str) -> None:
    assert preferred(header) == language
