"""Staff by name: the header, the queue and the case page call staff by the names on record
(the login only on hover), and the queue tells how far a case has gone up — the tier it has
reached, who was told and when, in Seoul time — with a button to phone the person."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from anbu.adapters.channels import Medium
from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.services.accounts import create_token, create_user
from anbu.services.dispatch import dispatch
from anbu.services.officers import import_officers

from builders import at, officer_row, officers_csv, subject_row, watermark
from conftest import PASSWORD, log_in
from flows import FakeChannel, enrol_rows, feed, sweep_at

ENROLLED = at("2026-11-01 10:00")
OPENED = at("2026-11-04 10:00")  # a Wednesday, in office hours
HOUR = timedelta(hours=1)
OFFICER, LEAD, DUTY = "wangsimni-doseon-officer-1", "wangsimni-lead", "duty-desk"


@pytest.fixture
def alert_id(anbu: Anbu) -> int:
    """SD-0001 (김영수) falls silent; the centre's officer 김도선 is told at 10:00, nobody
    answers, and at 11:00 the case goes up to the lead 이팀장."""
    _staffed(anbu)
    feed(anbu, watermark("SKT", OPENED), now=OPENED)
    (opened,) = sweep_at(anbu, OPENED).opened
    channels = {m: FakeChannel(m) for m in Medium}
    dispatch(anbu, channels, now=OPENED + timedelta(minutes=1))
    sweep_at(anbu, OPENED + HOUR)  # nobody acknowledged within the hour
    dispatch(anbu, channels, now=OPENED + HOUR + timedelta(minutes=2))
    assert opened.id is not None
    return opened.id


def _staffed(anbu: Anbu) -> None:
    """SD-0001 enrolled; the centre's officer, its lead and the district's duty desk."""
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    staff = (
        officer_row(login=OFFICER, name="김도선"),
        officer_row(login=LEAD, name="이팀장", role="lead", phone="010-9000-0002"),
        officer_row(login=DUTY, name="정당직", role="duty", centres="", phone="010-9000-0003"),
    )
    import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="t")
    create_user(
        anbu,
        OFFICER,
        role=Role.OFFICER,
        centres=["왕십리도선동"],
        password=PASSWORD,
        now=ENROLLED,
        actor="t",
    )


def _shown(html: str) -> str:
    """What a reader sees: the page's text without its tags (and their attributes)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row(html: str, alert_id: int) -> str:
    found = re.search(rf'<tr data-alert="{alert_id}">.*?</tr>', html, re.S)
    assert found, "the case is not in the queue"
    return found[0]


def test_the_queue_calls_staff_by_name_and_keeps_the_login_for_hover(
    client: TestClient, alert_id: int
) -> None:
    log_in(client, OFFICER)
    page = client.get("/").text
    shown = _shown(page)
    assert "김도선" in shown  # in the header, and among those told
    assert OFFICER not in shown
    assert LEAD not in shown
    assert f'title="{OFFICER}">김도선<' in page
    assert f'title="{LEAD}">이팀장<' in _row(page, alert_id)


def test_the_queue_shows_the_tier_reached_and_who_was_told_when_in_seoul_time(
    client: TestClient, alert_id: int
) -> None:
    log_in(client, OFFICER)
    row = _shown(_row(client.get("/").text, alert_id))
    assert "팀장에게 상향" in row
    # Sent at 10:01 and 11:02 Seoul time (01:01 and 02:02 UTC), the earliest told first.
    assert re.search(r"김도선 11-04 10:01 .*이팀장 11-04 11:02", row), row


def test_before_the_deadline_the_tier_is_the_centres_officers(
    client: TestClient, anbu: Anbu
) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    staff = (officer_row(login=OFFICER, name="김도선"),)
    import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="t")
    create_user(
        anbu, OFFICER, role=Role.OFFICER, centres=[], password=PASSWORD, now=ENROLLED, actor="t"
    )
    feed(anbu, watermark("SKT", OPENED), now=OPENED)
    (opened,) = sweep_at(anbu, OPENED).opened
    assert opened.id is not None
    log_in(client, OFFICER)
    row = _shown(_row(client.get("/").text, opened.id))
    assert "담당자" in row
    assert "팀장에게 상향" not in row
    assert "(발송 대기)" in row  # told, but the message has not gone out yet


def test_a_centre_with_no_lead_shows_the_duty_desk_its_message_fell_back_to(
    client: TestClient, anbu: Anbu
) -> None:
    """The lead's tier finds nobody at the centre, so its message goes to the duty desk:
    the queue says the case is at the duty desk, beside the name of who was told."""
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    staff = (
        officer_row(login=OFFICER, name="김도선"),
        officer_row(login=DUTY, name="정당직", role="duty", centres="", phone="010-9000-0003"),
    )
    import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="t")
    create_user(
        anbu, OFFICER, role=Role.OFFICER, centres=[], password=PASSWORD, now=ENROLLED, actor="t"
    )
    feed(anbu, watermark("SKT", OPENED), now=OPENED)
    (opened,) = sweep_at(anbu, OPENED).opened
    assert opened.id is not None
    sweep_at(anbu, OPENED + HOUR)  # nobody acknowledged: the lead's tier, and no lead

    log_in(client, OFFICER)
    row = _shown(_row(client.get("/").text, opened.id))
    assert "당직실" in row
    assert "팀장에게 상향" not in row
    assert "정당직" in row


def test_at_night_the_queue_shows_the_case_at_the_duty_desk(client: TestClient, anbu: Anbu) -> None:
    _staffed(anbu)
    saturday_night = at("2026-11-07 03:00")
    feed(anbu, watermark("SKT", saturday_night), now=saturday_night)
    (opened,) = sweep_at(anbu, saturday_night).opened
    assert opened.id is not None
    log_in(client, OFFICER)
    row = _shown(_row(client.get("/").text, opened.id))
    assert "당직실" in row
    assert re.search(r"정당직 11-07 03:00", row), row
    assert "김도선 11-07" not in row  # the officer's message went to the duty desk


def test_the_queue_has_a_button_to_phone_the_person(client: TestClient, alert_id: int) -> None:
    log_in(client, OFFICER)
    row = _row(client.get("/").text, alert_id)
    call = re.search(r'<a class="button call" href="tel:\+821012345678" aria-label="([^"]+)"', row)
    assert call, row
    assert "김*수" in call[1]
    assert "010-1234-5678" in call[1]


def test_the_case_page_names_who_was_told_and_who_acted(client: TestClient, alert_id: int) -> None:
    csrf = log_in(client, OFFICER)
    acted = client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": csrf})
    assert acted.status_code == 303
    page = client.get(f"/alerts/{alert_id}").text
    shown = _shown(page)
    assert "이팀장" in shown  # told, in the timeline
    assert shown.count("김도선") >= 3  # the header, told, and who acknowledged
    assert OFFICER not in shown
    assert LEAD not in shown
    assert f'title="{LEAD}">이팀장<' in page


def test_an_account_with_no_name_on_record_shows_its_login(
    client: TestClient, anbu: Anbu, alert_id: int
) -> None:
    create_user(
        anbu, "admin", role=Role.ADMIN, centres=[], password=PASSWORD, now=ENROLLED, actor="t"
    )
    csrf = log_in(client, "admin")
    client.post(f"/alerts/{alert_id}/claim", data={"csrf_token": csrf})
    page = client.get("/").text
    row = _row(page, alert_id)
    assert re.search(r'<td data-label="담당">admin</td>', row), row
    assert 'title="admin"' not in page
    assert "admin" in _shown(page.split("</header>")[0])


def test_a_persons_alert_history_names_who_acknowledged(client: TestClient, alert_id: int) -> None:
    csrf = log_in(client, OFFICER)
    client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": csrf})
    page = client.get("/people/SD-0001").text
    assert f'title="{OFFICER}">김도선<' in page
    assert OFFICER not in _shown(page)


def test_the_centre_page_lists_its_staff_by_name_beside_their_login(
    client: TestClient, anbu: Anbu, alert_id: int
) -> None:
    create_user(
        anbu, "admin", role=Role.ADMIN, centres=[], password=PASSWORD, now=ENROLLED, actor="t"
    )
    with anbu.transaction() as store:
        centre_id = store.staff.centre_ids()["왕십리도선동"]
    log_in(client, "admin")
    page = client.get(f"/centres/{centre_id}").text
    lead = re.search(rf'<tr data-login="{LEAD}">(.*?)</tr>', page, re.S)
    assert lead, page
    assert re.search(r'data-label="이름">이팀장<', lead[1])
    assert re.search(rf'data-label="아이디">{LEAD}\b', lead[1])


def test_the_api_case_adds_the_names_beside_the_logins(
    client: TestClient, anbu: Anbu, alert_id: int
) -> None:
    token = create_token(anbu, OFFICER, label="t", now=datetime.now(UTC), actor="t")
    answer = client.get(f"/api/v1/alerts/{alert_id}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    case = answer.json()
    assert case["staff_names"] == {OFFICER: "김도선", LEAD: "이팀장"}
    told = {e["recipient"] for e in case["timeline"] if e.get("recipient")}
    assert LEAD in told  # the login fields stay logins
