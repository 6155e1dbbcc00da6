"""The alert page: what happened, the person and how to reach them, the timeline, and the
officer's actions on it; its reach, its audit entries and its CSRF protection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from anbu.adapters.channels import Medium
from anbu.adapters.storage.tables import alerts, audit_log, case_events, notifications, subjects
from anbu.bootstrap import Anbu
from anbu.services.dispatch import dispatch

from builders import event, watermark
from conftest import OPENED, District, csrf_of, log_in
from flows import FakeChannel, feed, sweep_at


def _rows(anbu: Anbu, query: Any) -> list[Any]:
    with anbu.engine.connect() as connection:
        return list(connection.execute(query))


def _subject_id(anbu: Anbu, external_id: str) -> int:
    (row,) = _rows(anbu, select(subjects.c.id).where(subjects.c.external_id == external_id))
    return int(row.id)


def _views(anbu: Anbu) -> list[Any]:
    return _rows(
        anbu,
        select(audit_log.c.actor, audit_log.c.subject_id, audit_log.c.detail).where(
            audit_log.c.action == "subject.viewed"
        ),
    )


def test_an_officer_sees_what_happened_and_how_to_reach_the_person(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "kim.a")
    page = client.get(f"/alerts/{district.alert_a}")
    assert page.status_code == 200
    text = page.text
    assert "김*수" in text  # the masked name, as in messages
    assert "김영수" in text  # and the full name: the officer must phone or visit
    assert 'href="tel:+821012345678"' in text
    assert "010-1234-5678" in text
    assert "서울 성동구 왕십리로 1" in text
    assert "1948년생" in text
    assert "왕십리도선동" in text
    assert "통화 없음" in text  # the kind of alert
    assert "2일" in text  # the period crossed: 48 hours by default


def test_opening_the_page_writes_who_saw_whom_to_the_audit_log(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "kim.a")
    assert _views(anbu) == []
    client.get(f"/alerts/{district.alert_a}")
    (view,) = _views(anbu)
    assert (view.actor, view.subject_id) == ("kim.a", _subject_id(anbu, "SD-0001"))
    assert str(district.alert_a) in view.detail


def test_another_centres_alert_reads_exactly_as_a_missing_one(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "kim.a")
    other = client.get(f"/alerts/{district.alert_b}")
    missing = client.get("/alerts/999999")
    assert (other.status_code, missing.status_code) == (404, 404)
    assert other.content == missing.content
    assert "박순자" not in other.text
    assert client.get(f"/alerts/{2**70}").content == missing.content  # beyond any id
    assert _views(anbu) == []  # nothing was seen


def test_an_operator_gets_not_found_for_a_persons_alert(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "ops", page=None)
    answer = client.get(f"/alerts/{district.alert_a}")
    assert answer.status_code == 404
    assert "김영수" not in answer.text
    assert _views(anbu) == []


def test_the_district_sees_every_centre_but_an_officer_only_their_own(
    client: TestClient, district: District
) -> None:
    log_in(client, "admin")
    assert client.get(f"/alerts/{district.alert_b}").status_code == 200
    officer_b = TestClient(client.app, follow_redirects=False)
    log_in(officer_b, "park.b")
    assert "박순자" in officer_b.get(f"/alerts/{district.alert_b}").text
    assert officer_b.get(f"/alerts/{district.alert_a}").status_code == 404


def test_a_feed_alert_shows_to_operators_without_a_person_and_not_to_officers(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    (stale,) = sweep_at(anbu, OPENED + timedelta(hours=7)).opened  # SKT sent nothing since
    log_in(client, "ops", page=None)
    page = client.get(f"/alerts/{stale.id}")
    assert page.status_code == 200
    assert "통신사 자료 지연" in page.text
    assert "SKT" in page.text
    assert "tel:" not in page.text
    assert _views(anbu) == []  # no person was shown
    assert f'action="/alerts/{stale.id}/resolve"' not in page.text
    token = csrf_of(client, f"/alerts/{stale.id}")
    noted = client.post(
        f"/alerts/{stale.id}/contact",
        data={"csrf_token": token, "kind": "note", "note": "SKT 담당자와 통화, 복구 중"},
    )
    assert noted.status_code == 303
    assert "SKT 담당자와 통화, 복구 중" in client.get(f"/alerts/{stale.id}").text
    visit = {"csrf_token": token, "kind": "visit", "result": "reached"}
    assert client.post(f"/alerts/{stale.id}/contact", data=visit).status_code == 409
    closing = {"csrf_token": token, "outcome": "false_alarm"}
    assert client.post(f"/alerts/{stale.id}/resolve", data=closing).status_code == 409
    officer = TestClient(client.app, follow_redirects=False)
    log_in(officer, "kim.a")
    assert officer.get(f"/alerts/{stale.id}").status_code == 404


def test_a_visit_with_its_note_appears_on_the_timeline_and_the_note_is_stored_sealed(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    note = "문이 잠겨 있어 옆집에 여쭈니 어제 병원에 가셨다고 함"
    answer = client.post(
        f"/alerts/{district.alert_a}/contact",
        data={"csrf_token": token, "kind": "visit", "result": "not_reached", "note": note},
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        f"/alerts/{district.alert_a}",
    )
    page = client.get(f"/alerts/{district.alert_a}").text
    assert note in page
    assert "방문" in page
    assert "연락 안 됨·부재" in page
    (stored,) = _rows(anbu, select(case_events).where(case_events.c.kind == "visit"))
    assert (stored.alert_id, stored.by, stored.result) == (district.alert_a, "kim.a", "not_reached")
    assert note.encode() not in bytes(stored.sealed_note)
    assert "병원".encode() not in bytes(stored.sealed_note)


def test_a_call_without_its_result_is_refused_with_the_reason_and_what_was_typed_kept(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    answer = client.post(
        f"/alerts/{district.alert_a}/contact",
        data={"csrf_token": token, "kind": "call", "note": "두 번 걸었음"},
    )
    assert answer.status_code == 409
    assert "결과를 골라 주세요" in answer.text
    assert "두 번 걸었음" in answer.text  # the note is not lost
    assert _rows(anbu, select(case_events)) == []


def test_resolving_with_an_outcome_closes_the_case_and_it_leaves_the_queue(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    assert f"/alerts/{district.alert_a}" in client.get("/").text
    answer = client.post(
        f"/alerts/{district.alert_a}/resolve",
        data={"csrf_token": token, "outcome": "safe", "resolve_note": "통화함, 휴대폰 충전 안 됨"},
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        f"/alerts/{district.alert_a}",
    )
    (row,) = _rows(anbu, select(alerts).where(alerts.c.id == district.alert_a))
    assert (row.state, row.outcome, row.resolved_by) == ("resolved", "safe", "kim.a")
    assert not row.resolution_note  # the note is kept sealed on the case, not in clear
    assert f"/alerts/{district.alert_a}" not in client.get("/").text
    page = client.get(f"/alerts/{district.alert_a}").text
    assert "안전 확인" in page
    assert "통화함, 휴대폰 충전 안 됨" in page
    again = client.post(
        f"/alerts/{district.alert_a}/resolve", data={"csrf_token": token, "outcome": "safe"}
    )
    assert again.status_code == 409
    assert "이미 종결된 건입니다" in again.text


def test_an_outcome_an_officer_does_not_record_is_refused(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    for outcome in ("feed_recovered", "nonsense", ""):
        answer = client.post(
            f"/alerts/{district.alert_a}/resolve", data={"csrf_token": token, "outcome": outcome}
        )
        assert answer.status_code in (409, 422), outcome
    (row,) = _rows(anbu, select(alerts.c.state).where(alerts.c.id == district.alert_a))
    assert row.state != "resolved"


def test_actions_on_another_centres_alert_are_not_found(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    for action, data in (
        ("contact", {"kind": "note", "note": "x"}),
        ("resolve", {"outcome": "safe"}),
    ):
        other = client.post(
            f"/alerts/{district.alert_b}/{action}", data={"csrf_token": token, **data}
        )
        missing = client.post(f"/alerts/999999/{action}", data={"csrf_token": token, **data})
        assert (other.status_code, missing.status_code) == (404, 404)
        assert other.content == missing.content
    (row,) = _rows(anbu, select(alerts.c.state).where(alerts.c.id == district.alert_b))
    assert row.state != "resolved"
    assert _rows(anbu, select(case_events)) == []


def test_actions_without_or_with_a_wrong_csrf_token_are_refused(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "kim.a")
    for action, data in (
        ("contact", {"kind": "visit", "result": "reached", "note": "x"}),
        ("resolve", {"outcome": "safe"}),
    ):
        url = f"/alerts/{district.alert_a}/{action}"
        assert client.post(url, data=data).status_code == 403
        assert client.post(url, data={**data, "csrf_token": "forged"}).status_code == 403
    (row,) = _rows(anbu, select(alerts.c.state).where(alerts.c.id == district.alert_a))
    assert row.state != "resolved"
    assert _rows(anbu, select(case_events)) == []


def test_the_messages_sent_about_the_case_show_with_their_delivery_state(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    channels = {Medium.SMS: FakeChannel(Medium.SMS), Medium.EMAIL: FakeChannel(Medium.EMAIL)}
    report = dispatch(anbu, channels, now=OPENED + timedelta(minutes=1))
    assert report.sent
    told = _rows(
        anbu,
        select(notifications.c.medium, notifications.c.state).where(
            notifications.c.alert_id == district.alert_a
        ),
    )
    assert told
    assert all(n.state == "sent" for n in told)
    log_in(client, "kim.a")
    page = client.get(f"/alerts/{district.alert_a}").text
    timeline = page.split('class="timeline"')[1]
    assert "알림 발송" in timeline
    assert "kim.a" in timeline  # the officer told
    assert "발송됨" in timeline  # its state
    assert "1차 알림" in timeline  # the escalation step
    assert "문자" in timeline or "이메일" in timeline


def test_the_persons_activity_and_its_resumption_show_on_the_timeline(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    later = OPENED + timedelta(hours=2)
    feed(
        anbu,
        event("010-1234-5678", "sms_in", OPENED + timedelta(minutes=30)),
        event("010-1234-5678", "call_in", OPENED + timedelta(minutes=40), duration_s=0),
        event("010-1234-5678", "call_out", OPENED + timedelta(hours=1), duration_s=30),
        watermark("SKT", later),
        now=later,
    )
    sweep_at(anbu, later)
    log_in(client, "kim.a")
    page = client.get(f"/alerts/{district.alert_a}").text
    timeline = page.split('class="timeline"')[1]
    assert "문자 받음" in timeline
    assert "부재중 전화" in timeline
    assert "전화 걺" in timeline
    assert "활동 재개 확인" in timeline
    assert timeline.index("부재중 전화") < timeline.index("전화 걺")  # in order of time
    assert "010-" not in timeline  # no number of anybody on the timeline


def test_an_htmx_action_gets_the_page_back_with_the_record_on_it(
    client: TestClient, district: District
) -> None:
    token = log_in(client, "kim.a")
    answer = client.post(
        f"/alerts/{district.alert_a}/contact",
        data={"kind": "call", "result": "reached", "note": "괜찮다고 하심"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert answer.status_code == 200
    assert 'id="detail"' in answer.text
    assert "괜찮다고 하심" in answer.text
    assert "기록했습니다" in answer.text
    assert "2026-11-04 10:00" in answer.text  # opened at 10:00 in Seoul (01:00 UTC)
