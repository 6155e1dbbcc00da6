"""Every page fits a phone (390 × 844) and a desk (1366 × 768), as an officer and as an
administrator, in a real browser (Debian's Chromium through Playwright) against `anbu serve`:
every page speaks Korean (no English word but the codes people use as they are), nothing is
wider than the screen, no chart or table is wider than its box, each report and
feed chart, and the person's 30-day chart, shows its newest week, hour or day in view with
words large enough to read, and the administrator's menu folds into one button on the phone.

Every page at both widths is photographed into artifacts/screenshots/ (kept by CI); the
queue, a case, the person, the reports and the feeds also into docs/screenshots/, which the
README shows."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Outcome, Role
from anbu.services import cases
from anbu.services.accounts import create_user
from anbu.services.officers import import_officers

from builders import event, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at
from gateways.browser import screenshot
from gateways.kannel import free_ports
from processes import serving

PASSWORD = "correct horse battery staple"
README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}
CENTRES = ("왕십리도선동", "행당제1동", "금호2·3가동")
# The server counts by its own clock: the story is told back from now, so that the
# reports' weeks and the feed board's day hold it whenever the test runs.
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
ENROLLED = NOW - timedelta(weeks=5)

# Whatever is wider than the screen, or than its box: each as "tag#id.class: widths".
MEASURE = """
() => {
  const visible = (e) => e.getClientRects().length > 0;
  const name = (e) => `${e.tagName.toLowerCase()}#${e.id}.${e.getAttribute('class') || ''}`;
  const found = [];
  const page = document.documentElement.scrollWidth;
  if (page > window.innerWidth) found.push(`page: ${page} > ${window.innerWidth}`);
  for (const e of document.querySelectorAll('main svg, main table')) {
    if (!visible(e)) continue;
    const box = e.parentElement.getBoundingClientRect();
    const own = e.getBoundingClientRect();
    if (own.left < box.left - 0.5 || own.right > box.right + 0.5)
      found.push(`${name(e)}: ${own.left}–${own.right} outside ${box.left}–${box.right}`);
  }
  return found;
}
"""
# Each chart drawn to its box in view (the reports', the feeds', the person's 30 days): how
# large its words are drawn, and where its newest period (the band of the one still counting,
# or the last day's bar) lies against the chart and the screen.
CHARTS = """
() => [...document.querySelectorAll('svg.chart.wide, svg.chart.narrow')]
  .filter((svg) => svg.getClientRects().length > 0)
  .map((svg) => {
    const box = svg.getBoundingClientRect();
    const days = svg.querySelectorAll('g.bar');
    const last = svg.querySelector('rect.pending') || days[days.length - 1];
    const newest = last ? last.getBoundingClientRect() : null;
    return {
      id: svg.querySelector('title').id,
      bars: days.length,
      font: parseFloat(svg.getAttribute('font-size')) * box.width / svg.viewBox.baseVal.width,
      newest: newest && [newest.left, newest.right],
      chart: [box.left, box.right],
      screen: window.innerWidth,
    };
  })
"""


@pytest.fixture
def district(anbu: Anbu) -> dict[str, Any]:
    """Six people in three centres; two rounds of alerts three weeks apart, some answered
    in minutes, some in hours, some closed; carriers reporting over the last day. An
    officer of one centre and an administrator of the district."""
    consent = (ENROLLED - timedelta(days=1)).isoformat()
    people = [
        subject_row(
            external_id=f"SD-{i:04d}",
            name=name,
            phone=f"010-1234-{5670 + i}",
            centre=CENTRES[(i - 1) % 3],
            consent_at=consent,
        )
        for i, name in enumerate(("김영수", "박순자", "이민호", "최영희", "정말순", "한복동"), 1)
    ]
    enrol_rows(anbu, *people, now=ENROLLED)
    import_officers(anbu, read_officers(officers_csv(officer_row())), now=ENROLLED, actor="t")
    for login, role, centres in (
        ("kim.officer", Role.OFFICER, [CENTRES[0]]),
        ("admin", Role.ADMIN, []),
    ):
        create_user(
            anbu, login, role=role, centres=centres, password=PASSWORD, now=ENROLLED, actor="t"
        )
    for start in (ENROLLED, ENROLLED + timedelta(weeks=3)):
        calls = [event(p["phone"], "call_out", start + timedelta(hours=1)) for p in people]
        feed(anbu, *calls, now=start + timedelta(hours=1))
        opened = start + timedelta(days=4)
        feed(anbu, watermark("SKT", opened), now=opened)
        found = [alert.id for alert in sweep_at(anbu, opened).opened]
        answers = ((7, Outcome.SAFE), (25, Outcome.FALSE_ALARM), (140, Outcome.SAFE), (50, None))
        for alert_id, (minutes, outcome) in zip(found, answers, strict=False):
            taken = opened + timedelta(minutes=minutes)
            cases.acknowledge(anbu, alert_id, by="admin", now=taken)
            if outcome is not None:
                done = taken + timedelta(hours=1)
                cases.resolve(anbu, alert_id, outcome, by="admin", note="", now=done)
    for hours in (20, 9, 3, 1):
        received = NOW - timedelta(hours=hours)
        calls = [event(p["phone"], "sms_out", received) for p in people[: 7 - hours % 6]]
        feed(anbu, *calls, now=received)
    feed(anbu, watermark("SKT", NOW - timedelta(minutes=30)), now=NOW - timedelta(minutes=30))
    return {}


def _log_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("아이디").fill(login)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="확인 대기 중인 알림")).to_be_visible()


# What may stand in Latin letters on a Korean page: codes people use as they are (carriers,
# media, file formats), the staff's logins and the people's references, addresses, times.
LATIN_ALLOWED = re.compile(
    r"^(SKT|KT|LGU\+?|SMS|LMS|API|CSV|XLSX|xlsx|csv|Excel|PDF|ID|OK|English|CP949|UTF-8|BOM|"
    r"[a-z]+(\.[a-z]+)+|[a-z]+-[a-z0-9-]+|SD-\d+|[A-Z]{2,}-\d+|\S+@\S+|https?://\S+|"
    r"Asia/Seoul|UTC|KST|AM|PM|p\d+|v\d+(\.\d+)*|"
    # The administrator has no record but the login, and is named by it; the audit's filter
    # takes action codes and shows one as its example (`alert.`); this test's own actor.
    r"admin|alert|test)$"
)


def _english(text: str) -> list[str]:
    """Words of three Latin letters or more that a Korean reader would not expect."""
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9.+/@:_-]{2,}", text))
    return sorted(w for w in words if not LATIN_ALLOWED.match(w.strip(".,:;()")))


def _check(page: Page, url: str, shot: str | None, login: str) -> None:
    """Open `url`: nothing wider than the screen or its box; every report chart readable
    with its newest period in view. Photographed for the artifacts, and for the README as
    docs/screenshots/`shot`-{width}.png if named."""
    answer = page.goto(url)
    assert answer is not None, url
    assert answer.ok, url
    expect(page.locator("h1").first).to_be_visible()
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate(MEASURE) == [], f"{url} at {width} px"
    body = page.locator("body").inner_text()
    assert _english(body) == [], f"{url} at {width} px"
    charts = page.evaluate(CHARTS)
    if "/people/" in url:  # the person's 30 days, drawn to fit
        assert [c["bars"] for c in charts] == [30], f"{url} at {width} px: {charts}"
    for chart in charts:
        where = f"{url} at {width} px, {chart['id']}"
        assert chart["font"] >= 11, where  # words no smaller than 11 px
        if chart["newest"] is None:
            continue  # not over time: centres, age bands
        left, right = chart["newest"]
        assert chart["chart"][0] <= left < right <= chart["chart"][1] + 0.5, where
        assert right <= chart["screen"], where
    where = re.sub(r"[^a-z0-9]+", "-", url.split("/", 3)[3].lower()).strip("-") or "queue"
    taken = screenshot(page, f"widths-{login}-{where}-{width}")
    if shot:
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(taken, README_SHOTS / f"{shot}-{width}.png")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # widths, not storage
def test_every_page_fits_a_phone_and_a_desk(
    district: dict[str, Any], cli_env: dict[str, str], browser: Browser, tmp_path: Path
) -> None:
    officer_pages = [
        ("/", "queue"),
        ("the first case in the queue", "case"),
        ("/people", None),
        ("/people/SD-0001", "person"),
        ("/reports", None),
    ]
    admin_pages = [
        ("/", None),
        ("/people", None),
        ("/enrol", None),
        ("/reports", "reports"),
        ("/reports?weeks=52", None),
        ("/centres", None),
        ("/feeds", "feeds"),
        ("/audit", None),
    ]
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        for viewport in (PHONE, DESK):
            for login, pages in (("kim.officer", officer_pages), ("admin", admin_pages)):
                context = browser.new_context(
                    viewport=viewport, locale="ko-KR", timezone_id="Asia/Seoul"
                )
                page = context.new_page()
                _log_in(page, base, login)
                for path, shot in pages:
                    if not path.startswith("/"):
                        path = page.get_by_role("link", name="자세히").first.get_attribute("href")
                    _check(page, f"{base}{path}", shot, login)
                context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_administrators_menu_folds_into_one_button_on_a_phone(
    district: dict[str, Any], cli_env: dict[str, str], browser: Browser, tmp_path: Path
) -> None:
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        context = browser.new_context(viewport=PHONE, locale="ko-KR", timezone_id="Asia/Seoul")
        page = context.new_page()
        _log_in(page, base, "admin")
        header = page.locator("header.top")
        # One line: no taller than its tallest item and its padding.
        assert header.bounding_box()["height"] < 64  # type: ignore[index]
        audit = page.get_by_role("link", name="감사 기록")
        expect(audit).to_be_hidden()
        page.get_by_text("메뉴", exact=True).click()
        expect(audit).to_be_visible()
        audit.click()
        expect(page).to_have_url(re.compile(r"/audit$"))
        context.close()

        context = browser.new_context(viewport=DESK, locale="ko-KR", timezone_id="Asia/Seoul")
        page = context.new_page()
        _log_in(page, base, "admin")
        expect(page.get_by_text("메뉴", exact=True)).to_be_hidden()
        expect(page.get_by_role("link", name="감사 기록")).to_be_visible()
        context.close()
