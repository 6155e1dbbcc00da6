"""Every kind of page under the strict Content-Security-Policy, in a real browser (Debian's
Chromium through Playwright) against `anbu serve`: the policy is in force, the browser reports
no violation on any page, and the pages still work — htmx posts and swaps, the search that
updates as one types, a refusal shown in place, the one-tap acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.services import ack_links
from anbu.services.accounts import create_user
from anbu.services.officers import import_officers

from builders import at, event, officer_row, officers_csv, subject_row, subjects_csv, watermark
from flows import enrol_rows, feed, sweep_at
from gateways.kannel import free_ports
from processes import eventually, serving

PASSWORD = "correct horse battery staple"
ENROLLED = at("2026-11-01 10:00")
OPENED = at("2026-11-04 10:00")
# What the page would report to the server; kept here, for the test to read.
LISTEN = """
document.addEventListener("securitypolicyviolation", (e) =>
  window.reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def violations(desk: Page) -> list[str]:
    """What the browser refused on any page, from the violation events and the console."""
    found: list[str] = []

    def report(violation: str) -> None:
        found.append(violation)

    desk.expose_function("reportViolation", report)
    desk.add_init_script(LISTEN)

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    desk.on("console", console)
    desk.on("pageerror", lambda error: found.append(f"script error: {error}"))
    return found


@pytest.fixture
def case(anbu: Anbu) -> tuple[int, str]:
    """One open case and a one-tap acknowledgement link for it; an administrator."""
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    import_officers(anbu, read_officers(officers_csv(officer_row())), now=ENROLLED, actor="t")
    for login, role, centres in (
        ("kim.officer", Role.OFFICER, ["왕십리도선동"]),
        ("admin", Role.ADMIN, []),
    ):
        create_user(
            anbu, login, role=role, centres=centres, password=PASSWORD, now=ENROLLED, actor="t"
        )
    feed(anbu, event("010-1234-5678", "call_out", at("2026-11-02 09:00")), now=ENROLLED)
    feed(anbu, watermark("SKT", OPENED), now=OPENED)
    (alert,) = sweep_at(anbu, OPENED).opened
    with anbu.transaction() as tx:
        officer = tx.staff.by_login("kim.officer")
    assert officer is not None
    token = ack_links.token_for(anbu.vault, alert.id, officer.id, datetime.now(UTC))
    return alert.id, token


def _visit(page: Page, url: str, violations: list[str]) -> Response:
    """Open `url`; the violations so far are none (on this page or before it)."""
    answer = page.goto(url)
    assert answer is not None, url
    assert answer.ok, url
    # The policy is in force: a page that ran without it would prove nothing.
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy, url
    assert "style-src 'self';" in policy, url
    expect(page.locator("h1").first).to_be_visible()
    assert violations == [], url
    return answer


def test_every_page_works_under_the_policy_without_a_violation(
    anbu: Anbu,
    case: tuple[int, str],
    cli_env: dict[str, str],
    desk: Page,
    violations: list[str],
    tmp_path: Path,
) -> None:
    alert_id, ack_token = case
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        _visit(desk, f"{base}/login", violations)
        desk.get_by_label("아이디").fill("admin")
        desk.get_by_label("비밀번호").fill(PASSWORD)
        desk.get_by_role("button", name="로그인").click()
        expect(desk.get_by_role("heading", name="확인 대기 중인 알림")).to_be_visible()

        # The queue: taking the visit is an htmx post that swaps the queue in place (the
        # case is left unacknowledged, for the link at the end).
        _visit(desk, f"{base}/", violations)
        row = desk.locator("tr", has_text="SD-0001")
        row.get_by_role("button", name="방문 담당").click()
        expect(row.get_by_role("button", name="담당 해제")).to_be_visible()

        # The case page: a refusal (a call without its result) is swapped in and shown,
        # which only the page's script allows; then a note is recorded.
        _visit(desk, f"{base}/alerts/{alert_id}", violations)
        desk.get_by_role("radio", name="전화", exact=True).check()
        desk.get_by_role("button", name="기록").click()
        expect(desk.get_by_role("alert")).to_be_visible()
        desk.get_by_role("radio", name="메모만", exact=True).check()
        desk.locator("textarea[name=note]").fill("보호자와 통화 예정")
        desk.get_by_role("button", name="기록").click()
        expect(desk.get_by_role("status")).to_contain_text("기록했습니다.")

        # The people list searches as one types (htmx); the person's page draws its charts.
        _visit(desk, f"{base}/people", violations)
        desk.get_by_role("searchbox").fill("SD-0002")
        expect(desk.locator("#people-results tr[data-person]")).to_have_count(0)
        desk.get_by_role("searchbox").fill("SD-0001")
        expect(desk.locator("#people-results tr[data-person]")).to_have_count(1)
        _visit(desk, f"{base}/people/SD-0001", violations)
        expect(desk.locator("svg.chart").first).to_be_visible()

        for path in ("/reports", "/feeds", "/centres", "/enrol", "/audit"):
            _visit(desk, f"{base}{path}", violations)
        _visit(desk, f"{base}/centres", violations)
        desk.locator("#centres a").first.click()
        expect(desk.locator("#detection")).to_be_visible()

        _visit(desk, f"{base}/enrol", violations)
        survey = tmp_path / "survey.csv"
        survey.write_bytes(subjects_csv(subject_row(external_id="SD-0300", name="이순례")))
        desk.locator("#f-file").set_input_files(survey)
        desk.get_by_role("button", name="검토").click()
        expect(desk.locator("#counts")).to_be_visible()

        # The one-tap link, opened from a text message: no session, one button.
        desk.context.clear_cookies()
        _visit(desk, f"{base}/a/{ack_token}", violations)
        desk.get_by_role("button", name="제가 확인하겠습니다").click()
        expect(desk.get_by_role("heading", name="접수되었습니다")).to_be_visible()

        assert violations == []

        # The listener hears what the policy refuses: a style element added now is reported.
        desk.evaluate(
            "() => { const s = document.createElement('style');"
            " s.textContent = 'main { color: red }'; document.head.append(s); }"
        )
        eventually(lambda: any("style-src" in found for found in violations))
