"""The API's documentation in a closed network: `/docs` (Swagger UI) and `/redoc` (ReDoc)
render the operations from files anbu serves itself, in a browser that can reach nothing
but anbu, under a policy that allows this origin alone, with no violation reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from gateways.kannel import free_ports
from processes import serving

REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"

# What the page reports when the policy refuses something; kept for the test to read.
LISTEN = """
document.addEventListener("securitypolicyviolation", (e) =>
  window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`));
"""


def _offline(browser: Browser, base: str) -> tuple[Page, list[str], list[str]]:
    """A page that reaches `base` only: every other request is refused and noted; and what
    the policy or a script refused."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ko-KR")
    outside: list[str] = []
    refused: list[str] = []

    def route(found: Route) -> None:
        if found.request.url.startswith(base) or found.request.url.startswith("blob:"):
            found.continue_()
        else:
            outside.append(found.request.url)
            found.abort("internetdisconnected")

    context.route("**/*", route)
    page = context.new_page()
    page.expose_function("reportViolation", lambda violation: refused.append(violation))
    page.add_init_script(LISTEN)
    page.on("pageerror", lambda error: refused.append(f"script error: {error}"))
    return page, outside, refused


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no data is read
def test_swagger_ui_renders_the_operations_with_the_network_unreachable(
    cli_env: dict[str, str], browser: Browser, tmp_path: Path
) -> None:
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        page, outside, refused = _offline(browser, base)
        answer = page.goto(f"{base}/docs")
        assert answer is not None
        assert "'self'" in answer.headers["content-security-policy"]
        assert "http" not in answer.headers["content-security-policy"]
        operations = page.locator(".opblock-summary-path")
        expect(operations.filter(has_text="/health")).to_be_visible()
        assert operations.count() > 5
        assert outside == []
        assert refused == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_redoc_renders_the_operations_with_the_network_unreachable(
    cli_env: dict[str, str], browser: Browser, tmp_path: Path
) -> None:
    (port,) = free_ports(1)
    with serving(cli_env, port, tmp_path / "serve.log", "--no-background") as base:
        page, outside, refused = _offline(browser, base)
        answer = page.goto(f"{base}/redoc")
        assert answer is not None
        assert "http" not in answer.headers["content-security-policy"]
        expect(page.locator("[data-section-id^='tag/']").first).to_be_attached()
        expect(page.get_by_text("/health").first).to_be_attached()
        assert outside == []
        # ReDoc's bundle draws its own "powered by" logo from its CDN once the sidebar is
        # laid out; the policy refusing it is the point (nothing leaves), and nothing else
        # may be refused.
        assert [r for r in refused if r != f"img-src {REDOC_LOGO}"] == []
