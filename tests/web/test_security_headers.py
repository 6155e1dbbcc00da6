"""Every answer carries the security headers, whatever its route class: pages, htmx
answers, the JSON API, the gateway's callbacks, the acknowledgement page, static files,
redirects and errors (404, 405, 413, 422, 500). Nothing but a static file may be stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from anbu.bootstrap import Anbu
from anbu.entrypoints.web import create_app
from anbu.entrypoints.web.limits import SMALL_BODY_BYTES
from anbu.services.accounts import create_token
from anbu.settings import Settings

from conftest import ENROLLED, District, log_in

TEMPLATES = Path(__file__).parents[2] / "src" / "anbu" / "entrypoints" / "web" / "templates"


def policy_of(answer: Response) -> dict[str, set[str]]:
    """The Content-Security-Policy as directive → its sources."""
    directives = (part.split() for part in answer.headers["Content-Security-Policy"].split(";"))
    return {words[0]: set(words[1:]) for words in directives if words}


def assert_guarded(answer: Response, *, stored: bool = False) -> None:
    """The headers every answer carries; `stored`: a static file, which may be cached."""
    policy = policy_of(answer)
    assert policy["default-src"] == {"'self'"}
    assert policy["script-src"] == {"'self'"}  # no inline script, no eval, no other site
    assert policy["style-src"] == {"'self'"}
    assert policy["object-src"] == {"'none'"}
    assert policy["base-uri"] == {"'none'"}
    assert policy["form-action"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    if stored:
        assert "no-store" not in answer.headers.get("Cache-Control", "")
    else:
        assert answer.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in answer.headers  # plain HTTP


@pytest.fixture
def api_token(anbu: Anbu, district: District) -> str:
    return create_token(anbu, "kim.a", label="test", now=ENROLLED, actor="t")


def test_pages_and_their_htmx_answers_carry_the_headers(
    client: TestClient, district: District
) -> None:
    assert_guarded(client.get("/"))  # the redirect to the login page
    assert_guarded(client.get("/login"))
    token = log_in(client, "kim.a")
    for path in ("/", f"/alerts/{district.alert_a}", "/people", "/people/SD-0001", "/reports"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert_guarded(answer)
    acknowledged = client.post(
        f"/alerts/{district.alert_a}/ack",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
        follow_redirects=True,
    )
    assert acknowledged.status_code == 200
    assert_guarded(acknowledged)
    assert_guarded(client.get(f"/alerts/{district.alert_b}"))  # another centre's: 404


def test_the_api_answers_and_its_errors_carry_the_headers(
    client: TestClient, api_token: str
) -> None:
    bearer = {"Authorization": f"Bearer {api_token}"}
    assert_guarded(client.get("/api/v1/alerts", headers=bearer))
    assert_guarded(client.get("/api/v1/subjects/SD-0001", headers=bearer))
    assert_guarded(client.get("/api/v1/alerts"))  # 401
    assert_guarded(client.get("/api/v1/alerts", params={"limit": "many"}, headers=bearer))  # 422
    assert_guarded(client.get("/api/v1/alerts/999999", headers=bearer))  # 404
    assert_guarded(client.get("/openapi.json"))
    too_large = client.post("/api/v1/subjects", content=b" " * (SMALL_BODY_BYTES + 1))
    assert too_large.status_code == 413
    assert_guarded(too_large)


def test_callbacks_links_health_and_unknown_paths_carry_the_headers(
    client: TestClient, district: District
) -> None:
    for path, status in (
        ("/callbacks/kannel/dlr?key=k&status=1&secret=wrong", 403),
        ("/a/not-a-token", 404),
        ("/health", 200),
        ("/metrics", 200),
        ("/nowhere", 404),
    ):
        answer = client.get(path)
        assert answer.status_code == status, path
        assert_guarded(answer)
    not_allowed = client.get("/logout")
    assert not_allowed.status_code == 405
    assert_guarded(not_allowed)


def test_static_files_carry_the_headers_and_may_be_cached(client: TestClient) -> None:
    for path in ("/static/anbu.css", "/static/anbu.js", "/static/htmx-2.0.11.min.js"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert_guarded(answer, stored=True)


def test_an_unexpected_error_carries_the_headers(settings: Settings, anbu: Anbu) -> None:
    app = create_app(settings, background=False)

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as web:
        answer = web.get("/broken")

    assert answer.status_code == 500
    assert_guarded(answer)


@pytest.fixture
def over_https(settings: Settings, anbu: Anbu) -> Iterator[TestClient]:
    app = create_app(settings, background=False)
    with TestClient(app, base_url="https://anbu.example", follow_redirects=False) as web:
        yield web


def test_answers_over_https_ask_for_https_from_then_on(over_https: TestClient) -> None:
    for path in ("/login", "/health", "/static/anbu.css"):
        answer = over_https.get(path)
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000", path


def test_the_api_documentation_loads_nothing_from_another_site(client: TestClient) -> None:
    """Swagger UI and ReDoc come from /static/ (a closed network reaches no CDN) and start
    without inline script; ReDoc alone may add style elements."""
    docs, redoc = client.get("/docs"), client.get("/redoc")
    for answer in (docs, redoc):
        policy = policy_of(answer)
        assert policy["script-src"] == {"'self'"}
        assert "http" not in answer.headers["Content-Security-Policy"]
        assert policy["frame-ancestors"] == {"'none'"}
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Cache-Control"] == "no-store"
    assert policy_of(docs)["style-src"] == {"'self'"}
    assert "/static/swagger-ui-bundle-" in docs.text
    assert "/static/redoc.standalone-" in redoc.text


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_carries_inline_script_or_style(template: str) -> None:
    """What a strict policy would refuse in a browser (the browser tests prove the pages
    work under it); style and script belong in /static/."""
    text = (TEMPLATES / template).read_text()

    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script>"
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+=|\shx-on", text), "inline event handler"
