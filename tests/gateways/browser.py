"""Debian's Chromium driven by Playwright, for the browser tests. Never Playwright's own
browser download (it cannot run here): the system's /usr/bin/chromium, installed with a
Hangul font by scripts/install-system-packages.sh.

Screenshots go to `artifacts/screenshots/` at the top of the checkout (kept by CI as test
artifacts); the README's come from tests/browser/test_page_widths.py, in docs/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# Without these, Chromium reaches for Google's services, which this network refuses.
QUIET = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is not installed: run scripts/install-system-packages.sh", pytrace=False
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=QUIET)
        yield launched
        launched.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page the size of a phone, in Korean and Seoul time."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        locale="ko-KR",
        timezone_id="Asia/Seoul",
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desk(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page, in Korean and Seoul time."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ko-KR", timezone_id="Asia/Seoul"
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
