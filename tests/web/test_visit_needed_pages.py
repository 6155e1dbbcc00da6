"""A case nobody could reach, through the pages and the JSON API (both databases): marked
"연락 안 됨 · 방문 필요", it stays open at the head of the queue with its own badge and in the
API's open list, closes only with a visit's result once a visit is recorded, and a feed's
alert cannot be taken as a visit from the queue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from anbu.adapters.storage.tables import alerts, audit_log, case_events
from anbu.bootstrap import Anbu
from anbu.entrypoints.web.api import alerts as alerts_api
from anbu.entrypoints.web.pages import alert_detail as alert_page
from anbu.entrypoints.web.pages import queue as queue_page
from anbu.services.accounts import create_token

from builders import subject_row, watermark
from conftest import OPENED, District, log_in
from flows import enrol_rows, feed, sweep_at

NOW = OPENED + timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (alerts_api, alert_page, queue_page):
        monkeypatch.setattr(module, "wall_clock", lambda: NOW)


def _api(client: TestClient, anbu: Anbu, login: str) -> dict[str, str]:
    token = create_token(anbu, login, label="test", now=datetime.now(UTC), actor="t")
    return {"Authorization": f"Bearer {token}"}


def _ok(answer: Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def test_the_api_keeps_a_case_waiting_for_a_visit_open_until_the_visit_is_recorded(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    kim = _api(client, anbu, "kim.a")
    path = f"/api/v1/alerts/{district.alert_a}"
    call = {"kind": "call", "result": "not_reached"}
    _ok(client.post(f"{path}/contacts", json=call, headers=kim), 201)

    marked = _ok(
        client.post(f"{path}/visit-needed", json={"note": "세 번 전화, 무응답"}, headers=kim)
    )
    assert marked == {"id": district.alert_a, "state": "visit_needed", "outcome": None}
    listed = _ok(client.get("/api/v1/alerts", params={"status": "open"}, headers=kim))
    (item,) = [i for i in listed["items"] if i["id"] == district.alert_a]
    assert item["state"] == "visit_needed"
    assert item["visit_needed_at"] is not None
    assert client.post(f"{path}/visit-needed", headers=kim).status_code == 409  # already

    early = client.post(f"{path}/resolve", json={"outcome": "safe"}, headers=kim)
    assert early.status_code == 409
    assert "visit" in early.json()["detail"]
    visit = {"kind": "visit", "result": "not_reached", "note": "문 잠김, 경찰·소방 요청"}
    _ok(client.post(f"{path}/contacts", json=visit, headers=kim), 201)
    wrong = client.post(f"{path}/resolve", json={"outcome": "false_alarm"}, headers=kim)
    assert wrong.status_code == 409
    closed = _ok(client.post(f"{path}/resolve", json={"outcome": "door_opened"}, headers=kim))

    assert closed == {"id": district.alert_a, "state": "resolved", "outcome": "door_opened"}
    detail = _ok(client.get(path, headers=kim))
    steps = [e["step"] for e in detail["timeline"]]
    assert steps.index("visit_needed") < steps.index("visit") < steps.index("resolved")
    assert detail["visited_at"] is not None


def test_the_old_unreachable_outcome_moves_a_case_to_waiting_for_a_visit(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    kim = _api(client, anbu, "kim.a")
    path = f"/api/v1/alerts/{district.alert_a}"

    answer = _ok(
        client.post(f"{path}/resolve", json={"outcome": "unreachable_visit_needed"}, headers=kim)
    )

    assert answer == {"id": district.alert_a, "state": "visit_needed", "outcome": None}
    assert _ok(client.get(path, headers=kim))["resolved_at"] is None


def test_operators_cannot_mark_a_visit_needed_and_another_centre_reads_as_missing(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    ops, park = _api(client, anbu, "ops"), _api(client, anbu, "park.b")
    path = f"/api/v1/alerts/{district.alert_a}/visit-needed"

    assert client.post(path, headers=ops).status_code == 403
    other = client.post(path, headers=park)
    missing = client.post("/api/v1/alerts/999999/visit-needed", headers=park)
    assert (other.status_code, missing.status_code) == (404, 404)
    assert other.json() == missing.json()


def test_the_page_marks_a_case_unreachable_and_the_queue_puts_it_first_with_its_badge(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    # A second person of centre A falls due later: unacknowledged, which used to head the
    # queue.
    enrol_rows(anbu, subject_row(external_id="SD-0003", phone="010-3333-4444"), now=OPENED)
    later = OPENED + timedelta(days=3)
    feed(anbu, watermark("SKT", later), now=later)
    sweep_at(anbu, later)
    token = log_in(client, "kim.a")
    client.post(f"/alerts/{district.alert_a}/ack", data={"csrf_token": token})

    marked = client.post(
        f"/alerts/{district.alert_a}/visit-needed",
        data={"csrf_token": token, "visit_note": "두 번 전화했으나 받지 않으심"},
        headers={"HX-Request": "true"},
    )

    assert marked.status_code == 200
    assert "방문 필요로 표시했습니다." in marked.text
    assert 'class="badge visit_needed"' in marked.text
    assert "두 번 전화했으나 받지 않으심" in marked.text  # the note, on the timeline
    assert "경찰·소방 협조 개문" in marked.text  # the visit's results are offered…
    assert 'value="false_alarm"' not in marked.text  # …and only those
    queue = client.get("/").text
    rows = re.findall(r'<tr data-alert="(\d+)">', queue)
    assert rows[0] == str(district.alert_a)
    first_row = queue.split('<tr data-alert="')[1]
    assert "방문 필요" in first_row
    assert 'class="primary">방문 담당' in first_row
    with anbu.engine.connect() as connection:
        (state,) = connection.execute(
            select(alerts.c.state).where(alerts.c.id == district.alert_a)
        ).one()
        kinds = list(connection.scalars(select(case_events.c.kind)))
        actions = list(connection.scalars(select(audit_log.c.action)))
    assert state == "visit_needed"
    assert "visit_needed" in kinds
    assert "alert.visit_needed" in actions


def test_the_page_refuses_to_close_a_case_waiting_for_a_visit_before_the_visit(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    client.post(f"/alerts/{district.alert_a}/visit-needed", data={"csrf_token": token})

    refused = client.post(
        f"/alerts/{district.alert_a}/resolve",
        data={"csrf_token": token, "outcome": "safe"},
        headers={"HX-Request": "true"},
    )

    assert refused.status_code == 409
    assert "방문 기록(또는 이후의 생존 신호)이 있어야 종결할 수 있습니다" in refused.text
    visited = {"csrf_token": token, "kind": "visit", "result": "reached"}
    assert client.post(f"/alerts/{district.alert_a}/contact", data=visited).status_code == 303
    closing = {"csrf_token": token, "outcome": "safe"}
    assert client.post(f"/alerts/{district.alert_a}/resolve", data=closing).status_code == 303
    assert "지금 확인할 알림이 없습니다." in client.get("/").text


def test_the_queue_will_not_take_a_visit_to_a_feed(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    stale = next(
        o for o in sweep_at(anbu, OPENED + timedelta(hours=7)).opened if o.subject_id is None
    )
    token = log_in(client, "admin")

    answer = client.post(f"/alerts/{stale.id}/claim", data={"csrf_token": token})

    assert answer.status_code == 409
    with anbu.engine.connect() as connection:
        (claimed,) = connection.execute(
            select(alerts.c.claimed_by).where(alerts.c.id == stale.id)
        ).one()
    assert claimed is None
