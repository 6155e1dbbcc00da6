"""The audit log reads for people: each action in words, its detail as labelled fields
(Korean labels, Seoul times, outcomes and roles in words), staff by name with the login on
hover — never the codes and JSON the log keeps."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from test_reports import _table

from anbu.bootstrap import Anbu
from anbu.domain.kinds import Outcome
from anbu.services import cases
from anbu.services.accounts import create_token

from builders import at
from conftest import OPENED, District, csrf_of, log_in

CODES = ("alert.resolved", "token.created", "queue.viewed", "false_alarm", '{"', "expires_at")


def test_actions_and_details_read_in_korean_words_and_names(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    cases.resolve(anbu, district.alert_a, Outcome.FALSE_ALARM, by="kim.a", note="", now=OPENED)
    create_token(anbu, "kim.a", label="구청 연동", now=at("2026-11-05 09:00"), actor="admin")
    log_in(client, "kim.a")  # reads the queue
    client.cookies.clear()
    log_in(client, "admin")

    page = client.get("/audit?actor=kim.a").text
    rows = {row[2]: row for row in _table(page, "audit")}
    assert rows["알림 종결"][1] == "김담당"
    assert rows["알림 종결"][4] == f"알림 #{district.alert_a} 처리 결과 오경보"
    assert "확인 대기 목록 열람" in rows
    # The name is shown; the login is on hover, and the code of the action too.
    assert '<span class="staff" title="kim.a">김담당</span>' in page
    assert '<span title="alert.resolved">알림 종결</span>' in page

    tokens = _table(client.get("/audit?action=token.").text, "audit")
    assert [row[2] for row in tokens] == ["API 토큰 발급"]
    # The token lasts 90 days from its making, 09:00 in Seoul.
    assert tokens[0][4] == "직원 김담당 토큰 이름 구청 연동 만료 2027-02-03 09:00"

    for row in _table(client.get("/audit").text, "audit"):
        assert not any(code in cell for code in CODES for cell in row[1:]), row


def test_the_log_reads_in_english_for_who_chose_it(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    cases.resolve(anbu, district.alert_a, Outcome.FALSE_ALARM, by="kim.a", note="", now=OPENED)
    log_in(client, "admin")
    client.post("/language", data={"language": "en", "csrf_token": csrf_of(client)})

    rows = _table(client.get("/audit?action=alert.").text, "audit")
    assert [row[2] for row in rows] == ["Alert closed"]
    assert rows[0][4] == f"Alert #{district.alert_a} Outcome False alarm"


def test_a_token_made_today_is_listed_with_its_seoul_expiry(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    """The detail's instants are Seoul time, whatever offset they were written with."""
    create_token(anbu, "admin", label="x", now=datetime(2026, 11, 5, 15, 30, tzinfo=UTC), actor="t")
    log_in(client, "admin")

    (row,) = _table(client.get("/audit?action=token.").text, "audit")
    assert row[4].endswith("만료 2027-02-04 00:30")
