"""Hostile and careless input at every door: a NUL or another character no database can
store, an identifier out of any integer's range, a filter combination nobody tried. Each is
answered with a clear 4xx naming what was wrong — never a 500 — and nothing good is lost
with the bad (SPEC: a bad line is rejected by line, field and reason; the rest is kept)."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import settings as settings_of_hypothesis
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import func, select

from anbu.adapters.storage.tables import activity_events, centres, pauses
from anbu.bootstrap import Anbu
from anbu.entrypoints.web import create_app
from anbu.services.accounts import create_token
from anbu.settings import Settings

from builders import event
from conftest import CENTRE_A, ENROLLED, District, log_in

NUL = "a\x00b"
SURROGATE = "a\ud800b"
HUGE = str(10**30)
BEYOND_BIGINT = str(2**63)
GATEWAY_SECRET = "kannel-callbacks"
PHONE_A = "010-1234-5678"
WHEN = "2026-11-05T09:00:00+09:00"
HOSTILE = (NUL, "a\x1bb", HUGE, BEYOND_BIGINT, "-1", "0", "%00", "\x00")


@pytest.fixture
def token(anbu: Anbu, district: District) -> str:
    return create_token(anbu, "admin", label="probe", now=ENROLLED, actor="t")


@pytest.fixture
def operator_token(anbu: Anbu, district: District) -> str:
    return create_token(anbu, "ops", label="carrier", now=ENROLLED, actor="t")


def _no_500(answer: Any, what: str) -> None:
    assert answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:300]}"


# Every query parameter the pages and the API read, with the page it is on.
PAGE_QUERIES = {
    "/": [],
    "/audit": ["actor", "action", "subject", "day_from", "day_to", "before"],
    "/people": ["q", "centre", "group", "status", "paused", "view", "after"],
    "/reports": ["weeks"],
    "/reports.csv": ["table", "weeks"],
    "/enrol": ["done", "outcome", "discarded"],
    "/login": ["next"],
    "/feeds": [],
    "/centres": [],
}
API_QUERIES = {
    "/api/v1/alerts": ["status", "before", "limit"],
    "/api/v1/subjects": ["centre", "status", "after", "limit", "q"],
}
# Every identifier in a path, in the pages and the API (GET).
PAGE_PATHS = ("/alerts/{}", "/centres/{}", "/people/{}")
API_PATHS = ("/api/v1/alerts/{}", "/api/v1/subjects/{}")


def test_no_query_or_path_value_makes_a_page_fail(client: TestClient, district: District) -> None:
    log_in(client, "admin", page=None)
    for value in HOSTILE:
        _pages_with(client, value)


def _pages_with(client: TestClient, value: str) -> None:
    for page, names in PAGE_QUERIES.items():
        for name in names:
            _no_500(client.get(page, params={name: value}), f"{page}?{name}")
    for path in PAGE_PATHS:
        _no_500(client.get(path.format(quote(value, safe=""))), path)
    _no_500(client.get("/people/SD-0001", params={"pause": value}), "/people/…?pause")
    _no_500(client.get("/centres/1", params={"saved": value, "moved": value}), "/centres/1")


def test_no_query_or_path_value_makes_the_api_fail(client: TestClient, token: str) -> None:
    for value in HOSTILE:
        _api_with(client, {"Authorization": f"Bearer {token}"}, value)


def _api_with(client: TestClient, headers: dict[str, str], value: str) -> None:
    for path, names in API_QUERIES.items():
        for name in names:
            _no_500(client.get(path, params={name: value}, headers=headers), f"{path}?{name}")
    for path in API_PATHS:
        _no_500(client.get(path.format(quote(value, safe="")), headers=headers), path)
    pause_end = f"/api/v1/subjects/SD-0001/pauses/{quote(value, safe='')}/end"
    _no_500(client.post(pause_end, headers=headers), pause_end)


def test_a_nul_in_a_query_is_refused_naming_the_parameter(client: TestClient, token: str) -> None:
    answer = client.get(
        "/api/v1/alerts", params={"before": NUL}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 422
    assert "before" in answer.text


def test_unstorable_text_in_forms_is_refused_and_stores_nothing(
    anbu: Anbu, client: TestClient, district: District
) -> None:
    csrf = log_in(client, "admin")
    for value in (NUL, "a\x1bb", "a\x07b"):
        _forms_with(anbu, client, district, csrf, value)


def _forms_with(anbu: Anbu, client: TestClient, district: District, csrf: str, value: str) -> None:
    centre_id = _centre_id(anbu, CENTRE_A)
    posts: dict[str, dict[str, str]] = {
        f"/alerts/{district.alert_a}/contact": {"kind": "call", "result": "reached", "note": value},
        f"/alerts/{district.alert_a}/visit-needed": {"visit_note": value},
        f"/alerts/{district.alert_a}/resolve": {"outcome": "false_alarm", "resolve_note": value},
        "/people/SD-0001/pauses": {
            "starts": "2026-11-26",
            "ends": "2026-11-28",
            "reason": "hospital",
            "note": value,
        },
        f"/centres/{centre_id}/detection": {"detection": value},
        "/enrol": {
            "external_id": value,
            "name": value,
            "phone": "010-5555-6666",
            "carrier": "SKT",
            "centre": value,
            "consent_at": "2026-11-01T10:00",
        },
    }
    before = _counts(anbu)
    for path, form in posts.items():
        answer = client.post(path, data={**form, "csrf_token": csrf})
        _no_500(answer, path)
        assert answer.status_code in (400, 403, 404, 409, 422), (path, answer.status_code)
    assert _counts(anbu) == before


def test_unstorable_text_in_the_api_is_refused_naming_the_field(
    anbu: Anbu, client: TestClient, token: str, district: District
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.post(
        "/api/v1/subjects/SD-0001/pauses",
        headers=headers,
        json={"starts_at": "2026-11-26T00:00:00+09:00", "reason": "hospital", "note": NUL},
    )
    assert answer.status_code == 422, answer.text
    assert "note" in answer.text
    # Sent as a JSON encoder sends it (an escape); httpx itself cannot encode the surrogate.
    answer = client.post(
        f"/api/v1/alerts/{district.alert_a}/contacts",
        headers={**headers, "Content-Type": "application/json"},
        content=json.dumps({"kind": "call", "result": "reached", "note": SURROGATE}),
    )
    _no_500(answer, "contact with a lone surrogate")
    assert answer.status_code == 422, answer.text


def test_a_nul_in_the_gateway_callbacks_is_a_clear_refusal(
    settings: Settings, anbu: Anbu, district: District
) -> None:
    """Kannel's reports and replies, with the right secret (so that they reach the
    database): a NUL in the report's key or a reply's sender is refused by name."""
    gateway = settings.model_copy(update={"callback_secret": SecretStr(GATEWAY_SECRET)})
    with TestClient(create_app(gateway, background=False)) as client:
        for path, params in (
            ("/callbacks/kannel/dlr", {"key": NUL, "status": "1"}),
            ("/callbacks/kannel/dlr", {"key": "1", "status": NUL}),
            ("/callbacks/kannel/incoming", {"from": NUL, "text": NUL, "id": NUL}),
        ):
            answer = client.get(path, params={**params, "secret": GATEWAY_SECRET})
            assert answer.status_code == 422, (path, params, answer.text)
        _no_500(client.get(f"/a/{quote(NUL)}"), "/a/…")
        _no_500(client.post(f"/a/{quote(NUL)}"), "/a/…")


def test_the_gateway_callbacks_answer_any_text_without_failing(
    settings: Settings, anbu: Anbu, district: District
) -> None:
    """Fuzzed: whatever Kannel (or someone with its secret) sends as a report's key and
    status or a reply's sender, text and id, the answer is a 2xx or a 4xx."""
    gateway = settings.model_copy(update={"callback_secret": SecretStr(GATEWAY_SECRET)})
    text = st.text(st.characters(codec="utf-8"), max_size=40)

    with TestClient(create_app(gateway, background=False)) as client:

        @settings_of_hypothesis(max_examples=60, deadline=None)
        @given(key=text, status=text | st.integers().map(str), sender=text, words=text, id_=text)
        def probe(key: str, status: str, sender: str, words: str, id_: str) -> None:
            secret = {"secret": GATEWAY_SECRET}
            report = {"key": key, "status": status, **secret}
            _no_500(client.get("/callbacks/kannel/dlr", params=report), "dlr")
            reply = {"from": sender, "text": words, "id": id_, **secret}
            _no_500(client.get("/callbacks/kannel/incoming", params=reply), "incoming")
            probed.append(key)

        probed: list[str] = []
        probe()
        assert len(probed) > 10


@pytest.mark.parametrize(
    ("content_type", "bad"),
    [
        ("application/x-ndjson", None),
        ("application/json", None),
        ("text/csv", None),
    ],
)
def test_one_line_with_a_nul_is_rejected_and_the_rest_of_the_batch_is_stored(
    anbu: Anbu, client: TestClient, operator_token: str, content_type: str, bad: None
) -> None:
    good = [event(PHONE_A, "call_out", WHEN, event_id=f"GOOD-{i}") for i in range(3)]
    poisoned = event(PHONE_A, "call_out", WHEN, event_id="BAD\x00ID")
    surrogate = event(PHONE_A, "call_out", WHEN, event_id="BAD\ud800")
    documents = [good[0], poisoned, good[1], surrogate, good[2]]
    body = _body(content_type, documents)
    answer = client.post(
        "/api/v1/ingest",
        content=body,
        headers={"Authorization": f"Bearer {operator_token}", "Content-Type": content_type},
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["stored"] == 3
    rejected = {(r["line"], r["field"]) for r in result["rejected"]}
    first = 2 if content_type != "text/csv" else 3  # the CSV's header is its line 1
    assert (first, "event_id") in rejected
    assert len(rejected) == 2
    with anbu.engine.connect() as connection:
        ids = set(connection.scalars(select(activity_events.c.event_id)))
    assert ids == {"GOOD-0", "GOOD-1", "GOOD-2"}


def _body(content_type: str, documents: list[dict[str, Any]]) -> bytes:
    if content_type == "application/json":
        return json.dumps(documents).encode()
    if content_type == "application/x-ndjson":
        # json.dumps escapes the lone surrogate as \ud800, as a carrier's encoder would.
        return "".join(json.dumps(d) + "\n" for d in documents).encode()
    columns = ("event_id", "carrier", "phone", "kind", "occurred_at")
    rows = [",".join(columns)]
    for document in documents:
        rows.append(",".join(str(document.get(c, "")) for c in columns))
    return ("\n".join(rows) + "\n").encode("utf-8", errors="surrogatepass")


def _centre_id(anbu: Anbu, name: str) -> int:
    with anbu.engine.connect() as connection:
        return int(connection.scalar(select(centres.c.id).where(centres.c.name == name)))


def _counts(anbu: Anbu) -> tuple[int, ...]:
    with anbu.engine.connect() as connection:
        return tuple(
            int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in (pauses, activity_events)
        )


def test_every_combination_of_the_people_filters_answers(
    anbu: Anbu, client: TestClient, token: str
) -> None:
    """The people list (page and API) under every combination of its filters; `closest`
    with `paused` once failed on a query naming one CTE twice. Whatever is listed fits
    every filter asked for, and the closest among the paused is nobody."""
    headers = {"Authorization": f"Bearer {token}"}
    paused_from = {"starts_at": "2026-11-26T00:00:00+09:00", "reason": "hospital"}
    answer = client.post("/api/v1/subjects/SD-0001/pauses", headers=headers, json=paused_from)
    assert answer.status_code == 201, answer.text
    log_in(client, "admin", page=None)
    centre = _centre_id(anbu, CENTRE_A)
    seen_paused = False
    combinations = itertools.product(
        ("", "SD"),
        (None, centre),
        (None, "age_75_plus"),
        ("active", "withdrawn", "any"),
        (False, True),
        ("all", "closest"),
    )
    for q, centre_id, group, status, paused, view in combinations:
        params: dict[str, Any] = {"q": q, "status": status, "view": view}
        if group:
            params["group"] = group
        if paused:
            params["paused"] = "true"
        page = client.get("/people", params={**params, "centre": centre_id or ""})
        assert page.status_code == 200, (params, page.text[:300])
        api = client.get(
            "/api/v1/subjects",
            params={**params, **({"centre_id": centre_id} if centre_id else {})},
            headers=headers,
        )
        assert api.status_code == 200, (params, api.text[:300])
        items = api.json()["items"]
        if paused and view == "closest":
            assert items == []
        seen_paused = seen_paused or (paused and bool(items))
        for item in items:
            assert not paused or item["paused"]
            assert status == "any" or item["status"] == status
            assert centre_id is None or item["centre"] == CENTRE_A
            assert group is None or item["group"] == group
    assert seen_paused, "the paused person was never listed"
