"""The operators' feed board and the administrators' audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_reports import _table

from anbu.adapters.storage.tables import audit_log, notifications
from anbu.bootstrap import Anbu
from anbu.domain.alerts import Alert
from anbu.domain.notifications import Medium
from anbu.entrypoints.web.pages import feeds as feeds_page

from builders import at, event
from conftest import OPENED, District, log_in
from flows import feed, sweep_at

PERSONAL = ("SD-0001", "SD-0002", "김영수", "김*수", "박순자", "010-1234-5678", "010-")


def _clock(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    monkeypatch.setattr(feeds_page, "wall_clock", lambda: now)


# -- feeds ---------------------------------------------------------------------------------


def test_an_operator_sees_each_carriers_lag_and_allowed_delay(
    client: TestClient, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clock(monkeypatch, OPENED + timedelta(hours=2))
    log_in(client, "ops", page=None)
    page = client.get("/feeds")
    assert page.status_code == 200
    assert _table(page.text, "feed-status") == [
        ["SKT", "11-04 10:00", "2시간", "6시간", "정상", "—"],
    ]


def test_a_stale_feed_shows_its_open_alert(
    client: TestClient, anbu: Anbu, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = OPENED + timedelta(hours=7)
    sweep_at(anbu, late)  # six hours allowed: the feed is stale, one alert for the operators
    _clock(monkeypatch, late)
    log_in(client, "ops", page=None)
    (row,) = _table(client.get("/feeds").text, "feed-status")
    assert row[2:5] == ["7시간", "6시간", "지연됨"]
    assert row[5].startswith("새 알림 #") or row[5].startswith("알림 발송 #")
    assert row[5].endswith("11-04 17:00부터")


def test_events_are_counted_per_hour_of_receipt(
    client: TestClient, anbu: Anbu, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = (
        event("010-1234-5678", "call_out", OPENED + timedelta(minutes=30)),
        event("010-2222-3333", "sms_out", OPENED + timedelta(minutes=40)),
    )
    feed(anbu, *calls, now=OPENED + timedelta(minutes=90))  # received at 11:30
    feed(
        anbu, event("010-1234-5678", "call_out", at("2026-11-03 09:00")), now=at("2026-11-03 09:00")
    )
    _clock(monkeypatch, OPENED + timedelta(hours=2))
    log_in(client, "ops", page=None)
    page = client.get("/feeds").text
    hours = {row[0]: row[1:] for row in _table(page, "events-per-hour")}
    assert len(hours) == 24
    assert list(hours)[::23] == ["13:00", "12:00 (집계 중)"]  # the hour still counting
    assert hours["11:00"] == ["2"]
    assert sum(int(counts[0]) for counts in hours.values()) == 2  # the day before is older
    assert "SKT 2" in page  # the chart's description


def test_channels_down_and_the_outbox_are_shown_as_counts(
    client: TestClient, anbu: Anbu, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    down_since = OPENED - timedelta(minutes=30)
    with anbu.transaction() as store:
        store.alerts.add(
            Alert.for_channel(Medium.SMS, base_at=down_since, due_at=OPENED, now=OPENED)
        )
        queued = store.connection.execute(
            select(notifications.c.medium, func.count())
            .where(notifications.c.state == "queued")
            .group_by(notifications.c.medium)
        ).all()
    _clock(monkeypatch, OPENED + timedelta(hours=1))
    log_in(client, "ops", page=None)
    page = client.get("/feeds").text
    (down,) = _table(page, "channels-down")
    assert down[0].startswith("문자 #")
    assert down[1] == "11-04 09:30 (1시간 30분)"  # how long, as `anbu feeds list` says it
    outbox = {row[0]: row[1:] for row in _table(page, "outbox")}
    assert queued, "the district's alerts queued their messages"
    for medium, count in queued:
        label = {"sms": "문자", "email": "이메일"}[medium]
        assert outbox[label][0] == str(count)  # queued, sent, delivered, failed, oldest
        assert outbox[label][4].startswith("11-04 10:00")


def test_the_feed_board_shows_no_person(
    client: TestClient, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clock(monkeypatch, OPENED + timedelta(hours=2))
    log_in(client, "ops", page=None)
    page = client.get("/feeds").text
    for personal in PERSONAL:
        assert personal not in page


def test_an_operator_is_sent_from_the_queue_to_the_feeds_and_kept_from_people(
    client: TestClient, district: District
) -> None:
    token = log_in(client, "ops", page="/feeds")
    assert client.get("/").headers["location"] == "/feeds"
    assert client.get("/reports").status_code == 403
    answer = client.post(f"/alerts/{district.alert_a}/ack", data={"csrf_token": token})
    assert answer.status_code == 404


def test_officers_do_not_see_the_feed_board(client: TestClient, district: District) -> None:
    log_in(client, "kim.a")
    assert client.get("/feeds").status_code == 403


def test_administrators_see_the_feed_board(
    client: TestClient, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clock(monkeypatch, OPENED + timedelta(hours=2))
    log_in(client, "admin")
    assert _table(client.get("/feeds").text, "feed-status")[0][0] == "SKT"


# -- audit -----------------------------------------------------------------------------------


def test_the_audit_log_is_refused_to_officers_and_operators(
    client: TestClient, district: District
) -> None:
    log_in(client, "kim.a")
    assert client.get("/audit").status_code == 403
    client.cookies.clear()
    log_in(client, "ops", page=None)
    assert client.get("/audit").status_code == 403


def test_an_administrator_sees_who_viewed_the_queue(client: TestClient, district: District) -> None:
    log_in(client, "kim.a")  # reads the queue
    client.cookies.clear()
    log_in(client, "admin")
    rows = _table(client.get("/audit").text, "audit")
    viewed = [row for row in rows if row[2] == "확인 대기 목록 열람"]
    assert [row[1] for row in viewed][-1:] == ["김담당"]  # by name, the login on hover
    assert viewed[-1][4] == f"알림 #{district.alert_a}"
    assert viewed[-1][3] == "—"  # no single person


def test_reading_the_audit_log_is_itself_recorded(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "admin")
    client.get("/audit?actor=kim.a&action=alert.")
    with anbu.transaction() as store:
        (detail,) = store.connection.scalars(
            select(audit_log.c.detail).where(
                audit_log.c.action == "audit.viewed", audit_log.c.actor == "admin"
            )
        ).all()
    assert detail == '{"actor": "kim.a", "action": "alert."}'
    rows = _table(client.get("/audit?action=audit.").text, "audit")
    assert [row[1:3] for row in rows] == [["admin", "감사 기록 열람"]]


def test_the_audit_log_is_filtered_by_actor_and_action_prefix(
    client: TestClient, district: District
) -> None:
    log_in(client, "kim.a")
    client.cookies.clear()
    log_in(client, "admin")
    by_kim = _table(client.get("/audit?actor=kim.a").text, "audit")
    assert by_kim
    assert {row[1] for row in by_kim} == {"김담당"}
    accounts = _table(client.get("/audit?action=account.").text, "audit")
    # kim.a and park.b were imported as officers first: their accounts were updated.
    assert sorted(row[2] for row in accounts) == sorted(["계정 생성"] * 2 + ["계정 변경"] * 2)


def test_the_audit_log_is_filtered_by_the_persons_reference_not_their_name(
    client: TestClient, district: District
) -> None:
    log_in(client, "admin")
    page = client.get("/audit?subject=SD-0001").text
    rows = _table(page, "audit")
    assert rows
    assert {row[3] for row in rows} == {"SD-0001"}
    assert "대상자 등록" in {row[2] for row in rows}
    assert "김영수" not in client.get("/audit").text


def test_the_audit_log_is_filtered_by_seoul_days(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    with anbu.transaction() as store:
        store.audit.record("night", "test.late", at("2026-11-01 23:30"))  # 14:30 UTC
        store.audit.record("night", "test.early", at("2026-11-02 00:30"))  # 15:30 UTC, same UTC day
    log_in(client, "admin")
    first = _table(
        client.get("/audit?actor=night&day_from=2026-11-01&day_to=2026-11-01").text, "audit"
    )
    second = _table(client.get("/audit?actor=night&day_from=2026-11-02").text, "audit")
    assert [row[2] for row in first] == ["test.late"]
    assert [row[2] for row in second] == ["test.early"]
    assert first[0][0] == "2026-11-01 23:30:00"


def test_a_malformed_day_is_explained(client: TestClient, district: District) -> None:
    log_in(client, "admin")
    answer = client.get("/audit?day_from=yesterday")
    assert answer.status_code == 400
    assert "날짜는 2026-11-20처럼 써 주세요." in answer.text


def test_the_audit_log_pages_by_a_hundred_newest_first(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    with anbu.transaction() as store:
        for n in range(105):
            store.audit.record("bulk", "test.bulk", OPENED + timedelta(seconds=n), detail=f"n={n}")
    log_in(client, "admin")
    first = client.get("/audit?actor=bulk").text
    rows = _table(first, "audit")
    assert len(rows) == 100
    assert (rows[0][4], rows[-1][4]) == ("내용 n=104", "내용 n=5")
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert older.startswith("/audit?actor=bulk&amp;before=")
    rest = _table(client.get(older.replace("&amp;", "&")).text, "audit")
    assert [row[4] for row in rest] == [f"내용 n={n}" for n in (4, 3, 2, 1, 0)]
    assert 'rel="next"' not in client.get(older.replace("&amp;", "&")).text
