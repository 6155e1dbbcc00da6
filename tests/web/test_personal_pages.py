"""Personal detection as officers meet it (both databases): the queue shows a case's level
and, in Korean, why it was raised; the case page shows each level with the moment it fell
due; the JSON API carries the same; the officer's message names the level and the reason
rather than a fixed period; a case still at attention is nowhere in the officers' queue; the
person's page draws the rhythm learned and says when the next level would come."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anbu.adapters.storage.tables import alerts, notifications
from anbu.bootstrap import Anbu
from anbu.entrypoints.clock import SEOUL
from anbu.entrypoints.web.api import alerts as alerts_api
from anbu.entrypoints.web.pages import alert_detail as alert_page
from anbu.entrypoints.web.pages import people as people_page
from anbu.entrypoints.web.pages import queue as queue_page
from anbu.services.accounts import create_token

from builders import at, event, subject_row, watermark
from conftest import CENTRE_A, ENROLLED, District, csrf_of, log_in
from flows import enrol_rows, feed, sweep_at

HOUR = timedelta(hours=1)
PHONE = "010-5555-7777"
LAST_CALL = at("2026-11-27 08:00")  # a Friday morning; the calls stop after it


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The pages' clock, moved by the test."""
    now = [LAST_CALL]
    for module in (alerts_api, alert_page, queue_page, people_page):
        monkeypatch.setattr(module, "wall_clock", lambda: now[0])
    return now


def _personal_subject(anbu: Anbu) -> None:
    """최말순 (SD-0100), personal detection, who calls every two hours 08:00–20:00."""
    row = subject_row(
        external_id="SD-0100",
        name="최말순",
        phone=PHONE,
        centre=CENTRE_A,
        detection="personal",
        inactivity_hours=96,
    )
    enrol_rows(anbu, row, now=ENROLLED)
    calls: list[dict[str, Any]] = []
    day = ENROLLED.replace(hour=0, minute=0)
    while day <= LAST_CALL:
        calls += [
            event(PHONE, "call_out", day + hour * HOUR, duration_s=60)
            for hour in range(8, 21, 2)
            if ENROLLED <= day + hour * HOUR <= LAST_CALL
        ]
        day += timedelta(days=1)
    feed(anbu, *calls, watermark("SKT", LAST_CALL), now=LAST_CALL)


def _level(anbu: Anbu) -> str | None:
    with anbu.engine.connect() as connection:
        found = connection.scalar(
            select(alerts.c.level)
            .where(alerts.c.kind == "no_activity", alerts.c.resolved_at.is_(None))
            .order_by(alerts.c.id.desc())
        )
    return None if found is None else str(found)


def _sweep_until(anbu: Anbu, moment: list[datetime], level: str) -> int:
    """Hourly watermarks and sweeps until the open case reaches `level`; its id."""
    while _level(anbu) != level:
        moment[0] += HOUR
        assert moment[0] < LAST_CALL + timedelta(days=4), f"never reached {level}"
        feed(anbu, watermark("SKT", moment[0]), now=moment[0])
        sweep_at(anbu, moment[0])
    with anbu.engine.connect() as connection:
        return int(connection.scalar(select(alerts.c.id).where(alerts.c.level == level)))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_queue_and_the_case_page_say_how_grave_and_why(
    client: TestClient, anbu: Anbu, district: District, moment: list[datetime]
) -> None:
    _personal_subject(anbu)
    log_in(client, "kim.a")

    attention = _sweep_until(anbu, moment, "attention")
    queue = client.get("/")
    assert queue.status_code == 200
    assert f'data-alert="{attention}"' not in queue.text  # only the person is texted yet

    caution = _sweep_until(anbu, moment, "caution")
    assert caution == attention  # one case, risen
    queue = client.get("/")
    row = re.search(rf'<tr data-alert="{caution}">.*?</tr>', queue.text, re.S)
    assert row, "the risen case is in the queue"
    shown = _text(row[0])
    assert "주의" in shown
    assert "최*순" in shown
    assert "평소" in shown
    assert "기록이 없습니다" in shown

    page = _text(client.get(f"/alerts/{caution}").text)
    assert "단계" in page
    assert "알림 이유" in page
    assert re.search(r"관심 \d\d-\d\d \d\d:\d\d → 주의 \d\d-\d\d \d\d:\d\d", page), page

    assert "평소와 다른 무응답: 관심" in page
    assert "평소와 다른 무응답: 주의" in page
    assert "기준 시간 초과" not in page  # no fixed period ran out

    client.post("/language", data={"csrf_token": csrf_of(client), "language": "en"})
    english = _text(client.get(f"/alerts/{caution}").text)
    assert "Caution" in english
    assert "Why" in english
    assert "Unusual silence" in english


def test_the_api_and_the_officers_message_carry_the_level_and_the_reason(
    client: TestClient, anbu: Anbu, district: District, moment: list[datetime]
) -> None:
    _personal_subject(anbu)
    caution = _sweep_until(anbu, moment, "caution")
    token = create_token(anbu, "kim.a", label="test", now=datetime.now(UTC), actor="t")
    headers = {"Authorization": f"Bearer {token}"}

    detail = client.get(f"/api/v1/alerts/{caution}", headers=headers).json()
    assert detail["level"] == "caution"
    assert [step["level"] for step in detail["levels"]] == ["attention", "caution"]
    risen = [e["level"] for e in detail["timeline"] if e["step"] == "level"]
    assert risen == ["attention", "caution"]
    assert detail["levels"][0]["at"] < detail["levels"][1]["at"]
    assert "평소" in detail["reason"]
    listed = client.get("/api/v1/alerts", params={"status": "open"}, headers=headers).json()
    (item,) = [i for i in listed["items"] if i["id"] == caution]
    assert item["level"] == "caution"
    assert item["reason"] == detail["reason"]
    fixed = client.get(f"/api/v1/alerts/{district.alert_a}", headers=headers).json()
    assert fixed["level"] == "serious"
    assert "72시간" in fixed["reason"] or "기록 없음" in fixed["reason"], fixed["reason"]

    # Caution waits for the centre's working day; then the staff are told the level and the
    # reason, not "72 hours without calls".
    while not (bodies := _staff_bodies(anbu, caution)):
        assert _level(anbu) == "caution"
        moment[0] += HOUR
        assert moment[0] < LAST_CALL + timedelta(days=4), "the staff were never told"
        feed(anbu, watermark("SKT", moment[0]), now=moment[0])
        sweep_at(anbu, moment[0])
    seoul = moment[0].astimezone(SEOUL)
    assert seoul.weekday() < 5
    assert 9 <= seoul.hour < 18
    assert all("[안부·주의]" in body for _, body in bodies), bodies
    texts = [body for medium, body in bodies if medium == "sms"]
    mails = [body for medium, body in bodies if medium == "email"]
    assert texts, bodies
    assert mails, bodies
    # The text message says why in a few words, the e-mail in full.
    assert all(re.search(r"\d+시간째 무응답 \(평소 최장 \d+시간\)", body) for body in texts)
    assert all("평소 이 시간대에는 통화·문자가" in body for body in mails), mails
    assert max(map(len, texts)) < min(map(len, mails))


def _staff_bodies(anbu: Anbu, alert_id: int) -> list[tuple[str, str]]:
    with anbu.engine.connect() as connection:
        return [
            (str(medium), str(body))
            for medium, body in connection.execute(
                select(notifications.c.medium, notifications.c.body).where(
                    notifications.c.alert_id == alert_id, notifications.c.recipient == "staff"
                )
            )
        ]


def _cells(html: str) -> dict[tuple[int, int], float]:
    return {
        (int(day), int(hour)): float(value)
        for day, hour, value in re.findall(
            r'<rect class="cell" data-day="(\d)" data-hour="(\d+)" data-value="([\d.]+)"', html
        )
    }


def test_the_persons_page_draws_their_rhythm_and_says_when_the_next_level_comes(
    client: TestClient, anbu: Anbu, district: District, moment: list[datetime]
) -> None:
    _personal_subject(anbu)
    log_in(client, "kim.a")
    moment[0] = LAST_CALL + 3 * HOUR
    page = client.get("/people/SD-0100")
    assert page.status_code == 200
    cells = _cells(page.text)
    assert len(cells) == 168  # seven days of 24 hours
    # They call from 08:00 to 20:00: a day hour weighs more than a night hour, every day.
    for day in range(7):
        assert cells[(day, 10)] > 4 * cells[(day, 3)], day
    text = _text(page.text)
    assert "개인 맞춤" in text
    assert "평소 생활 리듬" in text
    # How long, as every page says it (`entrypoints/durations`): hours, and minutes if any.
    coming = re.search(
        r'id="coming">(\d+)시간(?: \d+분)? 더 무응답이면 (관심|주의|심각)<', page.text
    )
    assert coming, text
    assert coming[2] == "관심"  # three hours in: nothing reached yet

    # As the silence goes on the page moves with it: the next level after attention.
    attention = _sweep_until(anbu, moment, "attention")
    later = client.get("/people/SD-0100").text
    assert re.search(r'id="coming">\d+시간(?: \d+분)? 더 무응답이면 (주의|심각)<', later), _text(
        later
    )
    assert f'href="/alerts/{attention}"' in later

    fixed = client.get("/people/SD-0001").text
    assert not _cells(fixed)
    assert 'id="coming"' not in fixed
    assert "고정 기준" in _text(fixed)
