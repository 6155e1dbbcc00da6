"""An officer's day in a real browser (Debian's Chromium through Playwright) against
`anbu serve`: log in, an alert appears in the queue, acknowledge it, take the visit, record
the visit and its outcome, the case leaves the queue and is counted in the report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.services.accounts import create_user
from anbu.services.officers import import_officers

from builders import at, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at
from gateways.browser import screenshot
from gateways.kannel import free_ports
from processes import serving

PASSWORD = "correct horse battery staple"
ENROLLED = at("2026-11-01 10:00")
OPENED = at("2026-11-04 10:00")


@pytest.fixture
def officer(anbu: Anbu) -> str:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    import_officers(anbu, read_officers(officers_csv(officer_row())), now=ENROLLED, actor="t")
    create_user(
        anbu,
        "kim.officer",
        role=Role.OFFICER,
        centres=["왕십리도선동"],
        password=PASSWORD,
        now=ENROLLED,
        actor="t",
    )
    return "kim.officer"


def _log_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("아이디").fill(login)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="확인 대기 중인 알림")).to_be_visible()


def test_an_officer_sees_an_alert_arrive_and_takes_charge_of_it(
    anbu: Anbu, officer: str, cli_env: dict[str, str], phone: Page, tmp_path: Path
) -> None:
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        _log_in(phone, base, officer)
        expect(phone.get_by_text("지금 확인할 알림이 없습니다.")).to_be_visible()

        feed(anbu, watermark("SKT", OPENED), now=OPENED)
        sweep_at(anbu, OPENED)  # the alert opens while the officer looks at the queue
        phone.reload()
        row = phone.locator("tr", has_text="SD-0001")
        expect(row).to_contain_text("김*수")
        expect(row).to_contain_text("새 알림")
        screenshot(phone, "queue-phone")

        row.get_by_role("button", name="접수").click()
        expect(row).to_contain_text("접수됨")
        row.get_by_role("button", name="방문 담당").click()
        expect(row).to_contain_text("김담당")  # who took it, by name
        expect(row.get_by_role("button", name="담당 해제")).to_be_visible()

        row.get_by_role("link", name="자세히").click()
        expect(phone.get_by_text("김영수")).to_be_visible()  # the full name, for the visit
        phone.get_by_role("radio", name="방문", exact=True).check()
        phone.get_by_label("본인과 통화·만남").check()
        phone.locator("textarea[name=note]").fill("집에 계심. 휴대전화 충전기 고장.")
        phone.get_by_role("button", name="기록").click()
        expect(phone.get_by_text("집에 계심. 휴대전화 충전기 고장.")).to_be_visible()
        screenshot(phone, "alert-detail-phone")
        phone.get_by_label("안전 확인").check()
        phone.get_by_role("button", name="이 결과로 종결").click()
        # Wait for the answer before leaving: navigating away could abort the POST.
        expect(phone.get_by_role("status")).to_contain_text("종결했습니다.")
        phone.goto(f"{base}/")
        expect(phone.get_by_text("지금 확인할 알림이 없습니다.")).to_be_visible()

        phone.get_by_text("메뉴", exact=True).click()  # on a phone the links fold into a menu
        phone.get_by_role("link", name="보고서").click()
        safe = phone.locator("#outcomes td[data-label='안전 확인']").first
        expect(safe).to_have_text("1")
        screenshot(phone, "reports-phone")


def test_an_officer_who_cannot_reach_the_person_sends_someone_to_the_door(
    anbu: Anbu, officer: str, cli_env: dict[str, str], phone: Page, tmp_path: Path
) -> None:
    """On a phone: the calls go unanswered, so the officer marks "연락 안 됨 · 방문 필요"; the
    case does not close but heads the queue with its badge; the officer takes the visit,
    records it, and only then closes it with the visit's result."""
    feed(anbu, watermark("SKT", OPENED), now=OPENED)
    sweep_at(anbu, OPENED)
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        _log_in(phone, base, officer)
        phone.locator("tr", has_text="SD-0001").get_by_role("link", name="자세히").click()
        phone.get_by_role("radio", name="전화", exact=True).check()
        phone.get_by_label("연락 안 됨·부재").check()
        phone.get_by_role("button", name="기록").click()
        expect(phone.get_by_role("status")).to_contain_text("기록했습니다.")

        phone.locator("textarea[name=visit_note]").fill("세 번 전화했으나 받지 않으심")
        phone.get_by_role("button", name="연락 안 됨 · 방문 필요").click()
        expect(phone.get_by_role("status")).to_contain_text("방문 필요로 표시했습니다.")
        expect(phone.locator("h1 .badge")).to_have_text("방문 필요")
        # Not closed: nothing to close with until a visit is on record.
        expect(phone.get_by_text("방문을 기록하면")).to_be_visible()

        phone.goto(f"{base}/")
        row = phone.locator("tr", has_text="SD-0001")
        # The state sits beside the level: the case still reads as serious, and as a visit.
        expect(row.locator(".badge.visit_needed")).to_have_text("방문 필요")
        expect(row.locator(".badge.level")).to_have_text("심각")
        screenshot(phone, "visit-needed-queue-phone")
        row.get_by_role("button", name="방문 담당").click()
        expect(row).to_contain_text("김담당")  # who took it, by name

        row.get_by_role("link", name="자세히").click()
        phone.get_by_role("radio", name="방문", exact=True).check()
        phone.get_by_label("연락 안 됨·부재").check()
        phone.locator("textarea[name=note]").fill("문이 잠겨 있어 경찰·소방에 요청")
        phone.get_by_role("button", name="기록").click()
        expect(phone.get_by_role("status")).to_contain_text("기록했습니다.")
        phone.get_by_label("경찰·소방 협조 개문").check()
        screenshot(phone, "visit-needed-case-phone")
        phone.get_by_role("button", name="이 결과로 종결").click()
        expect(phone.get_by_role("status")).to_contain_text("종결했습니다.")
        expect(phone.locator("h1 .badge")).to_have_text("종결")
        phone.goto(f"{base}/")
        expect(phone.get_by_text("지금 확인할 알림이 없습니다.")).to_be_visible()
