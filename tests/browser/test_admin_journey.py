"""A district administrator's day in a real browser (Debian's Chromium through Playwright)
against `anbu serve`: log in, upload the district's Excel list with Korean headers and
Seoul times without an offset, see that one row's centre is a typo of a centre on file and
take the suggested name in one click, enrol; then, once alerts were raised and answered,
read the per-centre report and export it as .xlsx — opened here with openpyxl and checked
against what was enrolled and raised."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from anbu.adapters.storage.tables import alerts, subjects
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Outcome, Role
from anbu.services import cases
from anbu.services.accounts import create_user

from builders import subject_row, watermark
from flows import enrol_rows, feed, sweep_at
from gateways.browser import screenshot
from gateways.kannel import free_ports
from processes import serving

PASSWORD = "correct horse battery staple"
SEOUL = ZoneInfo("Asia/Seoul")
CENTRE, OTHER = "왕십리도선동", "마장동"
# The server counts by its own clock: the story is told back from now, so that the
# report's weeks hold it whenever the test runs.
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
ENROLLED = NOW - timedelta(weeks=3)
RAISED = NOW - timedelta(days=2)
HEADERS = (
    "관리번호",
    "성명",
    "생년월일",
    "전화번호",
    "통신사",
    "동",
    "주소",
    "동의일시",
    "무응답기준시간",
    "전원꺼짐기준시간",
)


@pytest.fixture
def admin(anbu: Anbu) -> str:
    """The district has one centre with one person on file, and an administrator."""
    enrol_rows(
        anbu,
        subject_row(external_id="SD-0001", consent_at=(ENROLLED - timedelta(days=1)).isoformat()),
        now=ENROLLED,
    )
    create_user(
        anbu, "admin", role=Role.ADMIN, centres=[], password=PASSWORD, now=ENROLLED, actor="t"
    )
    return "admin"


def _survey() -> bytes:
    """The district's own list: Korean headers, consent in Seoul wall-clock time."""
    consent = (ENROLLED - timedelta(days=1)).astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    sheet.append(
        (
            "SD-0101",
            "박순자",
            "1944-02-03",
            "010-2222-0001",
            "KT",
            CENTRE,
            "서울 성동구 왕십리로 2",
            consent,
            None,
            None,
        )
    )
    sheet.append(
        (
            "SD-0102",
            "이말순",
            "1946-07-08",
            "010-2222-0002",
            "SKT",
            "왕십리 도선동",
            "서울 성동구 왕십리로 3",
            consent,
            None,
            None,
        )
    )
    sheet.append(
        (
            "SD-0103",
            "정복동",
            "1941-11-12",
            "010-2222-0003",
            "LGU",
            OTHER,
            "서울 성동구 마장로 4",
            consent,
            None,
            None,
        )
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _log_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("아이디").fill(login)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="확인 대기 중인 알림")).to_be_visible()


def _alert_of(anbu: Anbu, external_id: str) -> int:
    with anbu.transaction() as store:
        return int(
            store.connection.execute(
                select(alerts.c.id)
                .join(subjects, subjects.c.id == alerts.c.subject_id)
                .where(subjects.c.external_id == external_id)
            ).scalar_one()
        )


def test_an_administrator_enrols_a_list_fixes_a_centre_and_exports_the_report(
    anbu: Anbu, admin: str, cli_env: dict[str, str], desk: Page, tmp_path: Path
) -> None:
    survey = tmp_path / "조사명단.xlsx"
    survey.write_bytes(_survey())
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        _log_in(desk, base, admin)
        desk.get_by_role("link", name="등록").click()
        desk.get_by_label("명단 파일").set_input_files(str(survey))
        desk.get_by_role("button", name="검토").click()

        typo = desk.locator("tr[data-line='3']")
        expect(typo).to_contain_text("'왕십리 도선동' 센터가 없습니다. 비슷한 센터: 왕십리도선동")
        expect(desk.locator("#new-centres")).to_contain_text(OTHER)
        expect(desk.locator("li[data-count='created'] strong")).to_have_text("2")
        screenshot(desk, "enrol-typo-desk")
        desk.get_by_role("button", name="왕십리도선동(으)로 바꾸기").click()

        expect(desk.locator("#centre-choices")).to_contain_text("왕십리 도선동 → 왕십리도선동")
        expect(desk.locator("#centre-typos")).to_have_count(0)
        expect(desk.locator("li[data-count='created'] strong")).to_have_text("3")
        expect(desk.locator("li[data-count='rejected'] strong")).to_have_text("0")
        desk.get_by_role("button", name="오류 없는 줄 저장").click()
        expect(desk.get_by_role("heading", name="등록 결과")).to_be_visible()
        expect(desk.locator("li[data-count='created'] strong")).to_have_text("3")
        expect(desk.locator("#new-centres")).to_contain_text(OTHER)

        # Two days ago nobody's phone had spoken for days: four alerts. One was a false
        # alarm; one came to need a visit; the others are open.
        feed(
            anbu,
            watermark("SKT", RAISED),
            watermark("KT", RAISED),
            watermark("LGU", RAISED),
            now=RAISED,
        )
        assert len(sweep_at(anbu, RAISED).opened) == 4
        cases.resolve(
            anbu,
            _alert_of(anbu, "SD-0101"),
            Outcome.FALSE_ALARM,
            by="admin",
            note="",
            now=RAISED + timedelta(hours=1),
        )
        cases.need_visit(
            anbu,
            _alert_of(anbu, "SD-0103"),
            by="admin",
            note="",
            now=RAISED + timedelta(hours=2),
        )

        desk.get_by_role("link", name="보고서").click()
        rows = desk.locator("#per-centre tbody tr")
        expect(rows).to_have_count(3)
        here = desk.locator(f"#per-centre tr[data-centre='{CENTRE}']")
        expect(here.locator("td").nth(1)).to_have_text("3")  # enrolled
        expect(here.locator("td[data-figure='alerts_count']")).to_contain_text("100.0")
        expect(here.locator("td[data-figure='false_alarms']")).to_contain_text("33.3")
        screenshot(desk, "reports-per-centre-desk")

        with desk.expect_download() as downloading:
            desk.locator("#centres-xlsx").click()
        download = downloading.value
        assert re.fullmatch(r"anbu-centres-12w-\d{4}-\d\d-\d\d\.xlsx", download.suggested_filename)
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)

    book = load_workbook(saved, read_only=True)
    table = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert book.worksheets[0].title == "센터별 100명당"
    assert table[0][:4] == ["센터", "등록 인원", "알림", "알림 100명당"]
    by_centre = {row[0]: row[1:10] for row in table[1:]}
    # Enrolled, then alerts, false alarms, open, visit needed — each with its rate per 100.
    assert by_centre[CENTRE] == [3, 3, 100, 1, 33.3, 2, 66.7, 0, 0]
    assert by_centre[OTHER] == [1, 1, 100, 0, 0, 1, 100, 1, 100]
    assert by_centre["전체"] == [4, 4, 100, 1, 25, 3, 75, 1, 25]
