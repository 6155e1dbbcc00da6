"""The JSON API under /api/v1: bearer tokens only, the pages' reach (another centre's case
or person reads exactly as a missing one; operators see nobody), casework on alerts,
enrolling and changing people by the subjects CSV's rules, pauses, carriers pushing events,
and the OpenAPI document that describes it all."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from anbu.adapters.storage.tables import activity_events, audit_log, case_events
from anbu.bootstrap import Anbu
from anbu.domain.alerts import OFFICER_OUTCOMES
from anbu.domain.kinds import Role
from anbu.entrypoints.web.api import alerts as alerts_api
from anbu.entrypoints.web.api import ingest as ingest_api
from anbu.entrypoints.web.api import subjects as subjects_api
from anbu.entrypoints.web.api.schemas import OfficerOutcome
from anbu.services.accounts import create_token, create_user

from builders import at, event, jsonl, watermark
from conftest import CENTRE_A, ENROLLED, OPENED, PASSWORD, District, audited, log_in, subject_id
from flows import sweep_at

NOW = at("2026-11-25 12:00")
# Tokens are made today: the server checks their expiry against its own clock.
TODAY = datetime.now(UTC)
PHONE_A = "010-1234-5678"  # 김영수, SD-0001, centre A


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (alerts_api, subjects_api, ingest_api):
        monkeypatch.setattr(module, "wall_clock", lambda: NOW)


@pytest.fixture
def tokens(anbu: Anbu, district: District) -> dict[str, str]:
    """A bearer token for each member of staff of the district, and a duty desk."""
    create_user(
        anbu, "duty", role=Role.DUTY, centres=[], password=PASSWORD, now=ENROLLED, actor="t"
    )
    return {
        login: create_token(anbu, login, label="test", now=TODAY, actor="t")
        for login in ("kim.a", "park.b", "admin", "ops", "duty")
    }


class Api:
    """Calls as one member of staff: their token on every request, no cookie."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> Response:
        return self.client.get(f"/api/v1{path}", params=params, headers=self.headers)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if "content" in kwargs:
            return self.client.post(f"/api/v1{path}", headers=headers, **kwargs)
        return self.client.post(f"/api/v1{path}", json=body, headers=headers)

    def patch(self, path: str, body: Any) -> Response:
        return self.client.patch(f"/api/v1{path}", json=body, headers=self.headers)


@pytest.fixture
def as_user(client: TestClient, tokens: dict[str, str]) -> Any:
    return lambda login: Api(client, tokens[login])


def ok(answer: Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def alert_ids(api: Api, **params: Any) -> list[int]:
    return [item["id"] for item in ok(api.get("/alerts", **params))["items"]]


def stored_events(anbu: Anbu) -> int:
    with anbu.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(activity_events)) or 0)


NEW_PERSON = {
    "external_id": "SD-0100",
    "name": "이순옥",
    "birth_date": "1950-05-05",
    "phone": "010-5555-6666",
    "carrier": "KT",
    "centre": "왕십리도선동",
    "address": "서울 성동구 무학로 2",
    "consent_at": "2026-11-20T10:00:00+09:00",
}


# -- tokens ---------------------------------------------------------------------------


def test_a_call_without_a_valid_bearer_token_is_refused(
    client: TestClient, tokens: dict[str, str]
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer anbu_not-a-token"},
        {"Authorization": f"Basic {tokens['admin']}"},
        {"Authorization": tokens["admin"]},
    ):
        answer = client.get("/api/v1/alerts", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert client.post("/api/v1/ingest", content=b"{}").status_code == 401


def test_an_expired_token_is_refused_like_a_revoked_one(
    client: TestClient, anbu: Anbu, tokens: dict[str, str]
) -> None:
    made = datetime.now(UTC) - timedelta(days=8)
    expired = create_token(anbu, "admin", label="last week's", now=made, actor="t", days=7)
    current = create_token(anbu, "admin", label="this week's", now=made, actor="t", days=9)
    answer = client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {current}"}).is_success


def test_a_logged_in_browser_without_a_token_is_refused(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """The API reads no cookie: a session is no way in (and nothing for CSRF to ride on)."""
    log_in(client, "admin")

    assert client.get("/api/v1/alerts").status_code == 401
    assert client.get("/api/v1/subjects/SD-0001").status_code == 401


# -- alerts ---------------------------------------------------------------------------


def test_an_officer_lists_only_their_centres_alerts_with_masked_names(
    as_user: Any, district: District
) -> None:
    answer = as_user("kim.a").get("/alerts")
    (item,) = ok(answer)["items"]

    assert item["id"] == district.alert_a
    assert item["subject"] == {
        "reference": "SD-0001",
        "masked_name": "김*수",
        "centre": "왕십리도선동",
    }
    assert item["kind"] == "no_activity"
    assert item["state"] in ("open", "notified")
    assert "김영수" not in answer.text
    assert item["opened_at"].endswith("+09:00")  # Seoul time
    assert alert_ids(as_user("park.b")) == [district.alert_b]


def test_the_district_sees_every_centres_alerts(as_user: Any, district: District) -> None:
    both = sorted([district.alert_a, district.alert_b], reverse=True)

    assert alert_ids(as_user("admin")) == both
    assert alert_ids(as_user("duty")) == both


def test_the_list_is_written_to_the_audit_log(as_user: Any, anbu: Anbu, district: District) -> None:
    as_user("kim.a").get("/alerts")

    assert audited(anbu, "alerts.listed") == [("kim.a", None)]


def test_the_list_comes_in_pages(as_user: Any, district: District) -> None:
    admin = as_user("admin")
    first = ok(admin.get("/alerts", limit=1))
    assert [i["id"] for i in first["items"]] == [district.alert_b]
    second = ok(admin.get("/alerts", limit=1, before=first["next_before"]))

    assert [i["id"] for i in second["items"]] == [district.alert_a]
    assert ok(admin.get("/alerts", limit=1, before=district.alert_a))["items"] == []


def test_an_operator_lists_the_systems_alerts_and_nobodys_case(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    (stale,) = sweep_at(anbu, OPENED + timedelta(hours=7)).opened  # SKT sent nothing since
    answer = as_user("ops").get("/alerts")
    (item,) = ok(answer)["items"]

    assert item["id"] == stale.id
    assert item["kind"] == "feed_stale"
    assert item["subject"] is None
    assert item["carrier"] == "SKT"
    detail = ok(as_user("ops").get(f"/alerts/{stale.id}"))
    assert detail["person"] is None
    assert stale.id not in alert_ids(as_user("kim.a"))
    assert stale.id not in alert_ids(as_user("duty"))
    assert stale.id in alert_ids(as_user("admin"))


def test_one_case_gives_the_officer_the_person_and_is_audited(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    case = ok(as_user("kim.a").get(f"/alerts/{district.alert_a}"))

    person = case["person"]
    assert person["name"] == "김영수"
    assert person["phone"] == PHONE_A
    assert person["phone_e164"] == "+821012345678"
    assert person["address"] == "서울 성동구 왕십리로 1"
    assert person["birth_year"] == 1948
    assert case["subject"]["masked_name"] == "김*수"
    assert case["period_seconds"] == 48 * 3600
    assert case["silent_seconds"] > 48 * 3600
    assert [e["step"] for e in case["timeline"]][:3] == ["began", "crossed", "opened"]
    assert audited(anbu, "subject.viewed") == [("kim.a", subject_id(anbu, "SD-0001"))]


def test_another_centres_case_reads_exactly_as_a_missing_one(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    officer = as_user("kim.a")
    missing = officer.get("/alerts/999999")
    assert missing.status_code == 404

    for answer in (
        officer.get(f"/alerts/{district.alert_b}"),
        officer.post(f"/alerts/{district.alert_b}/ack"),
        officer.post(f"/alerts/{district.alert_b}/resolve", {"outcome": "safe"}),
    ):
        assert answer.status_code == 404
        assert answer.json() == missing.json()
    assert officer.get(f"/alerts/{2**70}").json() == missing.json()
    assert audited(anbu, "subject.viewed") == []
    assert ok(as_user("park.b").get(f"/alerts/{district.alert_b}"))["state"] != "acknowledged"


def test_acknowledging_then_resolving_and_neither_twice(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    officer = as_user("kim.a")
    path = f"/alerts/{district.alert_a}"

    assert ok(officer.post(f"{path}/ack")) == {
        "id": district.alert_a,
        "state": "acknowledged",
        "outcome": None,
    }
    again = officer.post(f"{path}/ack")
    assert again.status_code == 409
    assert "already" in again.json()["detail"]
    case = ok(officer.get(path))
    assert case["state"] == "acknowledged"
    assert case["acknowledged_by"] == "kim.a"

    closing = {"outcome": "false_alarm", "note": "여행 중이었음, 딸과 통화"}
    assert ok(officer.post(f"{path}/resolve", closing))["state"] == "resolved"
    assert officer.post(f"{path}/resolve", {"outcome": "safe"}).status_code == 409
    assert officer.post(f"{path}/ack").status_code == 409
    case = ok(officer.get(path))
    assert (case["state"], case["outcome"], case["resolved_by"]) == (
        "resolved",
        "false_alarm",
        "kim.a",
    )
    # The note is kept on the case's timeline (sealed), not in the clear resolution note.
    assert "여행 중이었음, 딸과 통화" in [e["note"] for e in case["timeline"]]
    assert case["resolution_note"] in (None, "")
    assert district.alert_a not in alert_ids(officer)
    closed = ok(officer.get("/alerts", status="all"))["items"]
    assert [(i["id"], i["outcome"]) for i in closed] == [(district.alert_a, "false_alarm")]


def test_the_duty_desk_acknowledges_any_centres_case(as_user: Any, district: District) -> None:
    assert ok(as_user("duty").post(f"/alerts/{district.alert_b}/ack"))["state"] == "acknowledged"


@pytest.mark.parametrize("outcome", ["feed_recovered", "checked_in", "fine", ""])
def test_an_outcome_an_officer_does_not_record_is_refused(
    as_user: Any, district: District, outcome: str
) -> None:
    officer = as_user("kim.a")
    answer = officer.post(f"/alerts/{district.alert_a}/resolve", {"outcome": outcome})

    assert answer.status_code == 422
    assert ok(officer.get(f"/alerts/{district.alert_a}"))["state"] != "resolved"


def test_the_outcomes_offered_are_exactly_those_an_officer_records() -> None:
    """And `unreachable_visit_needed`, which closes nothing: it moves the case to waiting
    for a visit (as clients sent it before that was a state)."""
    assert [o.value for o in OfficerOutcome] == [
        *(o.value for o in OFFICER_OUTCOMES),
        "unreachable_visit_needed",
    ]


def test_an_alert_about_a_feed_is_not_closed_by_hand(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    (stale,) = sweep_at(anbu, OPENED + timedelta(hours=7)).opened
    answer = as_user("ops").post(f"/alerts/{stale.id}/resolve", {"outcome": "false_alarm"})

    assert answer.status_code == 409
    assert ok(as_user("ops").post(f"/alerts/{stale.id}/ack"))["state"] == "acknowledged"


# -- subjects -------------------------------------------------------------------------


def test_an_officer_lists_their_own_people_masked(as_user: Any, district: District) -> None:
    answer = as_user("kim.a").get("/subjects")
    page = ok(answer)

    assert [(p["reference"], p["masked_name"]) for p in page["items"]] == [("SD-0001", "김*수")]
    assert page["items"][0]["open_alerts"][0]["id"] == district.alert_a
    assert [c["name"] for c in page["centres"]] == ["왕십리도선동"]
    assert "김영수" not in answer.text
    assert ok(as_user("kim.a").get("/subjects", q="SD-0002"))["items"] == []
    admin = ok(as_user("admin").get("/subjects"))
    assert [p["reference"] for p in admin["items"]] == ["SD-0001", "SD-0002"]


def test_one_person_with_their_contact_details_and_the_view_audited(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    person = ok(as_user("kim.a").get("/subjects/SD-0001"))

    assert person["name"] == "김영수"
    assert person["phone"] == PHONE_A
    assert person["birth_date"] == "1948-03-02"
    assert person["inactivity_hours"] == 48
    assert person["inactivity_custom"] is False
    assert [a["id"] for a in person["alerts"]] == [district.alert_a]
    assert len(person["activity"]) == 30
    assert audited(anbu, "subject.viewed") == [("kim.a", subject_id(anbu, "SD-0001"))]


def test_another_centres_person_reads_exactly_as_an_unknown_one(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    officer = as_user("kim.a")
    unknown = officer.get("/subjects/SD-9999")
    assert unknown.status_code == 404

    other = officer.get("/subjects/SD-0002")
    assert other.status_code == 404
    assert other.json() == unknown.json()
    pause = {"starts_at": "2026-11-25T09:00:00+09:00", "reason": "hospital"}
    paused = officer.post("/subjects/SD-0002/pauses", pause)
    assert paused.status_code == 404
    assert paused.json() == unknown.json()
    assert audited(anbu, "subject.viewed") == []


def test_an_operator_sees_no_personal_data(as_user: Any, anbu: Anbu, district: District) -> None:
    ops = as_user("ops")

    assert ops.get("/subjects").status_code == 403
    assert ops.get("/subjects/SD-0001").status_code == 404
    assert ops.get(f"/alerts/{district.alert_a}").status_code == 404
    assert ops.post(f"/alerts/{district.alert_a}/ack").status_code == 404
    pause = {"starts_at": "2026-11-25T09:00:00+09:00", "reason": "travel"}
    assert ops.post("/subjects/SD-0001/pauses", pause).status_code == 404
    assert ops.post("/subjects", NEW_PERSON).status_code == 403
    assert ok(ops.get("/alerts"))["items"] == []
    assert audited(anbu, "subject.viewed") == []


def test_an_administrator_enrols_a_person(as_user: Any, anbu: Anbu, district: District) -> None:
    admin = as_user("admin")
    created = admin.post("/subjects", {**NEW_PERSON, "inactivity_hours": 72})

    assert ok(created, 201) == {"reference": "SD-0100", "outcome": "created"}
    assert created.headers["Location"] == "/api/v1/subjects/SD-0100"
    person = ok(admin.get("/subjects/SD-0100"))
    assert (person["name"], person["phone"], person["carrier"]) == ("이순옥", "010-5555-6666", "KT")
    assert (person["inactivity_hours"], person["inactivity_custom"]) == (72, True)
    assert person["consent_at"] == "2026-11-20T10:00:00+09:00"
    assert ("admin", subject_id(anbu, "SD-0100")) in audited(anbu, "subject.created")
    # Sent again, the same record changes nothing (as a re-imported file).
    again = admin.post("/subjects", {**NEW_PERSON, "inactivity_hours": "72"})
    assert ok(again) == {"reference": "SD-0100", "outcome": "unchanged"}
    # And the officer of the centre now finds them.
    assert ok(as_user("kim.a").get("/subjects/SD-0100"))["address"] == "서울 성동구 무학로 2"


def test_a_bad_phone_is_refused_naming_the_field(as_user: Any, district: District) -> None:
    admin = as_user("admin")
    answer = admin.post("/subjects", {**NEW_PERSON, "phone": "02-123"})

    assert answer.status_code == 422
    (refusal,) = answer.json()["detail"]
    assert refusal["field"] == "phone"
    assert refusal["line"] is None  # a JSON document has fields, not the CSV's line 2
    assert refusal["reason"]
    assert admin.get("/subjects/SD-0100").status_code == 404


def test_a_centre_close_to_one_is_created_only_when_the_request_says_so(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    admin = as_user("admin")
    typo = {**NEW_PERSON, "centre": "왕십리 도선동"}

    refused = admin.post("/subjects", typo)
    allowed = admin.post("/subjects", {**typo, "new_centre": True})

    assert refused.status_code == 422
    (reason,) = refused.json()["detail"]
    assert reason["field"] == "centre"
    assert "왕십리도선동" in reason["reason"]  # the close one, suggested
    assert ok(allowed, 201) == {"reference": "SD-0100", "outcome": "created"}
    assert ok(admin.get("/subjects/SD-0100"))["centre"] == "왕십리 도선동"
    with anbu.transaction() as store:
        assert {"왕십리 도선동", "왕십리도선동"} <= set(store.centres.names())
    # A change of centre asks the same: refused as a typo, unless allowed.
    moved = {"centre": "마 장동"}
    assert admin.patch("/subjects/SD-0001", moved).status_code == 422
    assert ok(admin.patch("/subjects/SD-0001", {**moved, "new_centre": True}))["outcome"] == (
        "updated"
    )
    assert ok(admin.get("/subjects/SD-0001"))["centre"] == "마 장동"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"carrier": "SKY"}, "carrier"),
        ({"consent_at": "2026-11-20 오전 10시"}, "consent_at"),  # no time anbu can read
        ({"inactivity_hours": 2}, "inactivity_hours"),  # below 12 hours
        ({"phone": "010-2222-3333"}, "phone"),  # SD-0002's number
        ({"birth_date": "1950-13-01"}, "birth_date"),
        ({"address": " "}, "address"),
    ],
)
def test_the_enrolment_rules_refuse_as_for_a_file(
    as_user: Any, district: District, change: dict[str, Any], field: str
) -> None:
    answer = as_user("admin").post("/subjects", {**NEW_PERSON, **change})

    assert answer.status_code == 422
    assert [r["field"] for r in answer.json()["detail"]] == [field]


def test_a_missing_field_is_refused_in_the_same_form_without_echoing_the_record(
    as_user: Any, district: District
) -> None:
    admin = as_user("admin")
    answer = admin.post("/subjects", {k: v for k, v in NEW_PERSON.items() if k != "name"})

    assert answer.status_code == 422
    assert answer.json() == {
        "detail": [{"line": None, "field": "name", "reason": "Field required"}],
        "code": "invalid_request",
        "message": "입력값을 확인해 주세요. (name)",
    }
    assert "무학로" not in answer.text  # the address sent is not sent back
    broken = admin.post(
        "/subjects", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert [r["field"] for r in broken.json()["detail"]] == [None]
    assert [r["field"] for r in admin.get("/alerts", limit=0).json()["detail"]] == ["limit"]


def test_a_field_the_list_does_not_have_is_refused(as_user: Any, district: District) -> None:
    """A resident registration number column, or a misspelt one, is never silently dropped."""
    admin = as_user("admin")

    assert admin.post("/subjects", {**NEW_PERSON, "rrn": "480302-1234567"}).status_code == 422
    assert admin.patch("/subjects/SD-0001", {"adress": "x"}).status_code == 422
    assert ok(admin.get("/subjects/SD-0001"))["address"] == "서울 성동구 왕십리로 1"


def test_only_an_administrator_enrols_or_changes_people(as_user: Any, district: District) -> None:
    officer = as_user("kim.a")

    assert officer.post("/subjects", NEW_PERSON).status_code == 403
    assert officer.patch("/subjects/SD-0001", {"address": "어딘가"}).status_code == 403
    assert as_user("duty").patch("/subjects/SD-0001", {"address": "어딘가"}).status_code == 403


def test_a_change_of_address_is_saved_and_the_rest_kept(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    admin = as_user("admin")
    changed = admin.patch("/subjects/SD-0001", {"address": "서울 성동구 고산자로 270"})

    assert ok(changed) == {"reference": "SD-0001", "outcome": "updated"}
    person = ok(admin.get("/subjects/SD-0001"))
    assert person["address"] == "서울 성동구 고산자로 270"
    assert (person["name"], person["phone"], person["centre"]) == (
        "김영수",
        PHONE_A,
        "왕십리도선동",
    )
    assert person["consent_at"] == "2026-11-01T09:00:00+09:00"
    assert ("admin", subject_id(anbu, "SD-0001")) in audited(anbu, "subject.updated")


def test_a_change_that_changes_nothing_is_unchanged(as_user: Any, district: District) -> None:
    """The stored record, read back as a row, is the record enrolled: no spurious update."""
    admin = as_user("admin")

    assert ok(admin.patch("/subjects/SD-0001", {}))["outcome"] == "unchanged"
    assert ok(admin.patch("/subjects/SD-0001", {"name": "김영수"}))["outcome"] == "unchanged"


def test_a_persons_own_period_is_kept_until_set_back_to_the_default(
    as_user: Any, district: District
) -> None:
    admin = as_user("admin")

    assert ok(admin.patch("/subjects/SD-0001", {"inactivity_hours": 36.5}))["outcome"] == "updated"
    assert ok(admin.patch("/subjects/SD-0001", {"address": "서울 성동구 마장로 3"}))
    person = ok(admin.get("/subjects/SD-0001"))
    assert (person["inactivity_hours"], person["inactivity_custom"]) == (36.5, True)
    assert ok(admin.patch("/subjects/SD-0001", {}))["outcome"] == "unchanged"
    ok(admin.patch("/subjects/SD-0001", {"inactivity_hours": None}))
    person = ok(admin.get("/subjects/SD-0001"))
    assert (person["inactivity_hours"], person["inactivity_custom"]) == (48, False)


def test_a_changed_record_that_breaks_the_rules_is_refused(
    as_user: Any, district: District
) -> None:
    admin = as_user("admin")
    answer = admin.patch("/subjects/SD-0001", {"phone": "12345"})

    assert answer.status_code == 422
    assert [r["field"] for r in answer.json()["detail"]] == ["phone"]
    assert ok(admin.get("/subjects/SD-0001"))["phone"] == PHONE_A
    assert admin.patch("/subjects/SD-9999", {"address": "x"}).status_code == 404


def test_a_pause_appears_on_the_persons_record(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    officer = as_user("kim.a")
    pause = {
        "starts_at": "2026-11-25T09:00:00+09:00",
        "ends_at": "2026-11-28T18:00:00+09:00",
        "reason": "hospital",
        "note": "한양대병원",
    }
    answer = ok(officer.post("/subjects/SD-0001/pauses", pause), 201)

    assert answer["current"] is True
    assert answer["reason"] == "병원 입원 · 한양대병원"
    person = ok(officer.get("/subjects/SD-0001"))
    assert person["paused"] is True
    (stored,) = person["pauses"]
    assert (stored["starts_at"], stored["ends_at"]) == (pause["starts_at"], pause["ends_at"])
    assert ("kim.a", subject_id(anbu, "SD-0001")) in audited(anbu, "subject.paused")
    listed = ok(officer.get("/subjects", paused=True))["items"]
    assert [p["reference"] for p in listed] == ["SD-0001"]


def test_a_pause_that_makes_no_sense_is_refused(as_user: Any, district: District) -> None:
    officer = as_user("kim.a")
    backwards = {
        "starts_at": "2026-11-28T09:00:00+09:00",
        "ends_at": "2026-11-25T09:00:00+09:00",
        "reason": "travel",
    }
    naive = {"starts_at": "2026-11-25T09:00:00", "reason": "travel"}

    refused = officer.post("/subjects/SD-0001/pauses", backwards)
    assert refused.status_code == 422
    (reason,) = refused.json()["detail"]
    assert reason["reason"] == "끝나는 때는 시작보다 뒤여야 합니다."
    assert officer.post("/subjects/SD-0001/pauses", naive).status_code == 422
    assert ok(officer.get("/subjects/SD-0001"))["pauses"] == []


def test_ending_a_pause_now_through_the_api(as_user: Any, anbu: Anbu, district: District) -> None:
    officer = as_user("kim.a")
    pause = {"starts_at": "2026-11-24T09:00:00+09:00", "reason": "hospital"}
    added = ok(officer.post("/subjects/SD-0001/pauses", pause), 201)
    (listed,) = ok(officer.get("/subjects/SD-0001"))["pauses"]
    assert listed["id"] == added["id"]

    ended = ok(officer.post(f"/subjects/SD-0001/pauses/{added['id']}/end"))

    assert ended == {
        **added,
        "ends_at": "2026-11-25T12:00:00+09:00",
        "current": False,
        "removed": False,
    }
    person = ok(officer.get("/subjects/SD-0001"))
    assert person["paused"] is False
    assert person["pauses"] == [{k: v for k, v in ended.items() if k != "removed"}]
    assert audited(anbu, "subject.pause_ended") == [("kim.a", subject_id(anbu, "SD-0001"))]
    again = officer.post(f"/subjects/SD-0001/pauses/{added['id']}/end")
    assert again.status_code == 409
    assert again.json() == {
        "detail": "이미 끝난 일시 중지입니다.",
        "code": "pause_over",
        "message": "이미 끝난 일시 중지 기간입니다.",
    }


def test_a_pause_not_begun_is_cancelled_through_the_api(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    officer = as_user("kim.a")
    trip = {"starts_at": "2026-12-01T09:00:00+09:00", "reason": "travel"}
    added = ok(officer.post("/subjects/SD-0001/pauses", trip), 201)

    cancelled = ok(officer.post(f"/subjects/SD-0001/pauses/{added['id']}/end"))

    assert cancelled == {**added, "removed": True}
    assert ok(officer.get("/subjects/SD-0001"))["pauses"] == []
    assert audited(anbu, "subject.pause_removed") == [("kim.a", subject_id(anbu, "SD-0001"))]
    # The planned dates stay on record; why (a trip, a hospital) does not.
    with anbu.engine.connect() as connection:
        detail = json.loads(
            connection.scalar(
                select(audit_log.c.detail).where(audit_log.c.action == "subject.pause_removed")
            )
        )
    assert detail == {"pause": added["id"], "starts_at": "2026-12-01T00:00:00+00:00", "ends_at": ""}


def test_another_centres_pause_cannot_be_ended_and_reads_as_unknown(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    pause = {"starts_at": "2026-11-25T09:00:00+09:00", "reason": "hospital"}
    theirs = ok(as_user("park.b").post("/subjects/SD-0002/pauses", pause), 201)["id"]
    officer = as_user("kim.a")
    unknown = officer.get("/subjects/SD-9999")

    for path in (
        f"/subjects/SD-0002/pauses/{theirs}/end",
        f"/subjects/SD-0001/pauses/{theirs}/end",  # one's own person, another's pause
        "/subjects/SD-0002/pauses/999999/end",
    ):
        answer = officer.post(path)
        assert answer.status_code == 404, path
        assert answer.json() == unknown.json()
    assert as_user("ops").post(f"/subjects/SD-0002/pauses/{theirs}/end").status_code == 404
    assert audited(anbu, "subject.pause_ended") == []

    assert ok(as_user("park.b").post(f"/subjects/SD-0002/pauses/{theirs}/end"))["removed"] is False
    assert audited(anbu, "subject.pause_ended") == [("park.b", subject_id(anbu, "SD-0002"))]


# -- ingest ---------------------------------------------------------------------------


def test_a_carrier_pushes_json_lines_and_a_bad_line_is_named(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    body = jsonl(
        event(PHONE_A, "call_out", at("2026-11-25 09:00"), event_id="SKT-A1"),
        event(PHONE_A, "sms_in", at("2026-11-25 09:30"), event_id="SKT-A2"),
        event(PHONE_A, "teleport", at("2026-11-25 09:40"), event_id="SKT-A3"),
        event("010-0000-0000", "call_out", at("2026-11-25 09:50")),
        watermark("SKT", at("2026-11-25 11:00")),
    )
    ops = as_user("ops")
    sent = {"content": body, "headers": {"Content-Type": "application/x-ndjson"}}
    report = ok(ops.post("/ingest", **sent))

    assert report["lines"] == 5
    assert report["accepted"] == 4
    assert report["stored"] == 2
    assert report["unknown_numbers"] == 1
    assert report["watermarks"] == 1
    assert report["rejected_count"] == 1
    assert report["rejected"] == [
        {"line": 3, "field": "kind", "reason": report["rejected"][0]["reason"]}
    ]
    assert "teleport" in report["rejected"][0]["reason"]
    assert stored_events(anbu) == 2
    # Sent again: nothing is stored twice.
    again = ok(ops.post("/ingest", **sent))
    assert (again["stored"], again["duplicates"]) == (0, 2)
    assert stored_events(anbu) == 2
    # The person's call is their sign of life, on their record.
    person = ok(as_user("kim.a").get("/subjects/SD-0001"))
    assert person["last_sign_at"] == "2026-11-25T09:00:00+09:00"


def test_a_carrier_pushes_a_json_array_and_a_bad_item_is_named_by_its_position(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    documents = [
        event(PHONE_A, "call_out", at("2026-11-25 09:00"), event_id="KT-1"),
        {"carrier": "SKT", "kind": "call_out", "phone": PHONE_A, "event_id": "x"},  # no time
        "not an object",
        event(PHONE_A, "checkin", at("2026-11-25 10:00"), event_id="KT-2"),
    ]
    report = ok(as_user("admin").post("/ingest", documents))

    assert report["stored"] == 2
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(2, "occurred_at"), (3, None)]
    assert stored_events(anbu) == 2


def test_a_carrier_pushes_csv(as_user: Any, anbu: Anbu, district: District) -> None:
    body = (
        "event_id,carrier,phone,kind,occurred_at,duration_s,complete_until\n"
        f"LGU-1,SKT,{PHONE_A},call_in,2026-11-25T09:00:00+09:00,30,\n"
        f"LGU-2,SKT,{PHONE_A},call_in,2026-11-25T09:05:00+09:00,many,\n"
    ).encode()
    answer = as_user("ops").post("/ingest", content=body, headers={"Content-Type": "text/csv"})
    report = ok(answer)

    assert report["stored"] == 1
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(3, "duration_s")]


def test_a_batch_with_every_line_rejected_is_unprocessable(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    body = b'{"carrier": "SKT"}\nnot json\n'
    answer = as_user("ops").post(
        "/ingest", content=body, headers={"Content-Type": "application/x-ndjson"}
    )

    assert answer.status_code == 422
    assert [r["line"] for r in answer.json()["rejected"]] == [1, 2]
    assert stored_events(anbu) == 0


def test_ingest_refuses_what_it_cannot_read(as_user: Any, district: District) -> None:
    ops = as_user("ops")

    def push(content: bytes, kind: str) -> int:
        return int(ops.post("/ingest", content=content, headers={"Content-Type": kind}).status_code)

    assert push(b"[1, 2", "application/json") == 400
    assert push(b'{"carrier": "SKT"}', "application/json") == 400  # not an array
    assert push(b"", "text/csv") == 400  # no header
    assert push(b"hello", "text/plain") == 415


def test_only_operators_and_administrators_push(as_user: Any, district: District) -> None:
    body = jsonl(watermark("SKT", NOW))
    for login in ("kim.a", "duty"):
        answer = as_user(login).post(
            "/ingest", content=body, headers={"Content-Type": "application/x-ndjson"}
        )
        assert answer.status_code == 403


# -- the OpenAPI document -------------------------------------------------------------

ENDPOINTS = {
    ("get", "/api/v1/alerts"),
    ("get", "/api/v1/alerts/{alert_id}"),
    ("post", "/api/v1/alerts/{alert_id}/ack"),
    ("post", "/api/v1/alerts/{alert_id}/resolve"),
    ("post", "/api/v1/alerts/{alert_id}/claim"),
    ("post", "/api/v1/alerts/{alert_id}/release"),
    ("post", "/api/v1/alerts/{alert_id}/contacts"),
    ("post", "/api/v1/alerts/{alert_id}/visit-needed"),
    ("get", "/api/v1/subjects"),
    ("post", "/api/v1/subjects"),
    ("get", "/api/v1/subjects/{reference}"),
    ("patch", "/api/v1/subjects/{reference}"),
    ("post", "/api/v1/subjects/{reference}/pauses"),
    ("post", "/api/v1/subjects/{reference}/pauses/{pause_id}/end"),
    ("post", "/api/v1/ingest"),
}


def test_the_openapi_document_describes_every_endpoint_with_its_bearer_token(
    client: TestClient,
) -> None:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    document = json.loads(answer.text)

    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    described = {
        (method, path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    assert described == ENDPOINTS
    for method, path in ENDPOINTS:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"bearer": []}], (method, path)
        assert operation["summary"], (method, path)
        assert operation["tags"] in (["alerts"], ["subjects"], ["ingest"])
        assert "401" in operation["responses"]
    ingest_body = document["paths"]["/api/v1/ingest"]["post"]["requestBody"]["content"]
    assert {"application/x-ndjson", "text/csv", "application/json"} <= set(ingest_body)
    # The pages are not part of the API.
    assert not {"/", "/people", "/login", "/enrol"} & set(document["paths"])


# -- taking the visit, recording calls, visits and notes -------------------------------


@pytest.fixture
def second_officer(client: TestClient, anbu: Anbu, district: District) -> Api:
    """Another officer of kim.a's centre, who could go to the same door."""
    create_user(
        anbu,
        "lee.a",
        role=Role.OFFICER,
        centres=[CENTRE_A],
        password=PASSWORD,
        now=ENROLLED,
        actor="t",
    )
    return Api(client, create_token(anbu, "lee.a", label="test", now=TODAY, actor="t"))


def case_events_of(anbu: Anbu, alert_id: int) -> list[tuple[str, str, str | None, bytes | None]]:
    with anbu.engine.connect() as connection:
        return [
            (
                row.kind,
                row.by,
                row.result,
                None if row.sealed_note is None else bytes(row.sealed_note),
            )
            for row in connection.execute(
                select(case_events)
                .where(case_events.c.alert_id == alert_id)
                .order_by(case_events.c.id)
            )
        ]


def staff_steps(case: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    staff = ("claim", "release", "call", "visit", "note")
    return [(e["step"], e["by"], e["result"]) for e in case["timeline"] if e["step"] in staff]


CALL = {"kind": "call", "result": "not_reached", "note": "세 번 걸었으나 받지 않음"}


def test_taking_the_visit_shows_who_has_it_and_a_second_officer_is_refused(
    as_user: Any, anbu: Anbu, district: District, second_officer: Api
) -> None:
    path = f"/alerts/{district.alert_a}"
    case = ok(as_user("kim.a").post(f"{path}/claim"))

    assert case["id"] == district.alert_a
    assert (case["claimed_by"], case["claimed_at"]) == ("kim.a", "2026-11-25T12:00:00+09:00")
    assert case["person"]["address"] == "서울 성동구 왕십리로 1"  # where to go
    assert staff_steps(case) == [("claim", "kim.a", None)]
    again = second_officer.post(f"{path}/claim")
    assert again.status_code == 409
    assert again.json()["detail"]
    assert ok(second_officer.get(path))["claimed_by"] == "kim.a"
    assert audited(anbu, "alert.claimed") == [("kim.a", None)]
    listed = ok(second_officer.get("/alerts"))["items"]
    assert [(i["id"], i["claimed_by"]) for i in listed] == [(district.alert_a, "kim.a")]


def test_a_closed_case_is_not_taken(as_user: Any, district: District) -> None:
    officer = as_user("kim.a")
    path = f"/alerts/{district.alert_a}"
    ok(officer.post(f"{path}/resolve", {"outcome": "safe"}))

    assert officer.post(f"{path}/claim").status_code == 409
    assert ok(officer.get(path))["claimed_by"] is None


def test_only_the_officer_who_took_the_visit_gives_it_back(
    as_user: Any, anbu: Anbu, district: District, second_officer: Api
) -> None:
    officer = as_user("kim.a")
    path = f"/alerts/{district.alert_a}"
    assert officer.post(f"{path}/release").status_code == 409  # nobody has it
    ok(officer.post(f"{path}/claim"))

    refused = second_officer.post(f"{path}/release")
    assert refused.status_code == 409
    assert ok(officer.get(path))["claimed_by"] == "kim.a"
    case = ok(officer.post(f"{path}/release"))
    assert (case["claimed_by"], case["claimed_at"]) == (None, None)
    assert officer.post(f"{path}/release").status_code == 409
    assert ok(second_officer.post(f"{path}/claim"))["claimed_by"] == "lee.a"
    assert audited(anbu, "alert.released") == [("kim.a", None)]
    # All at one (frozen) instant: the timeline orders them by step, the store as done.
    assert [e[:2] for e in case_events_of(anbu, district.alert_a)] == [
        ("claim", "kim.a"),
        ("release", "kim.a"),
        ("claim", "lee.a"),
    ]
    assert sorted(staff_steps(ok(officer.get(path)))) == [
        ("claim", "kim.a", None),
        ("claim", "lee.a", None),
        ("release", "kim.a", None),
    ]


def test_a_call_is_on_the_timeline_and_acknowledges_the_case(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    officer = as_user("kim.a")
    path = f"/alerts/{district.alert_a}"
    assert ok(officer.get(path))["state"] in ("open", "notified")

    answer = officer.post(f"{path}/contacts", CALL)
    assert ok(answer, 201) == {
        "alert_id": district.alert_a,
        "kind": "call",
        "result": "not_reached",
        "at": "2026-11-25T12:00:00+09:00",
        "by": "kim.a",
        "noted": True,
    }
    assert CALL["note"] not in answer.text
    case = ok(officer.get(path))
    assert (case["state"], case["acknowledged_by"]) == ("acknowledged", "kim.a")
    (call,) = [e for e in case["timeline"] if e["step"] == "call"]
    assert (call["by"], call["result"], call["note"]) == ("kim.a", "not_reached", CALL["note"])
    assert audited(anbu, "alert.call") == [("kim.a", None)]
    # The second acknowledgement is refused: the call took charge of the case.
    assert officer.post(f"{path}/ack").status_code == 409


def test_a_visit_by_another_officer_leaves_the_acknowledgement_as_it_was(
    as_user: Any, district: District, second_officer: Api
) -> None:
    path = f"/alerts/{district.alert_a}"
    ok(as_user("kim.a").post(f"{path}/ack"))

    visit = {"kind": "visit", "result": "reached"}
    recorded = ok(second_officer.post(f"{path}/contacts", visit), 201)
    assert (recorded["kind"], recorded["result"], recorded["noted"]) == ("visit", "reached", False)
    case = ok(second_officer.get(path))
    assert case["acknowledged_by"] == "kim.a"
    assert staff_steps(case) == [("visit", "lee.a", "reached")]


def test_a_note_is_kept_sealed_and_takes_no_charge_of_the_case(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    officer = as_user("kim.a")
    path = f"/alerts/{district.alert_a}"
    words = "이웃 말로는 딸 집에 갔다고 함"

    answer = officer.post(f"{path}/contacts", {"kind": "note", "note": words})
    recorded = ok(answer, 201)
    assert (recorded["kind"], recorded["result"], recorded["noted"]) == ("note", None, True)
    assert words not in answer.text
    ((kind, by, result, sealed),) = case_events_of(anbu, district.alert_a)
    assert (kind, by, result) == ("note", "kim.a", None)
    assert sealed is not None
    assert words.encode() not in sealed
    case = ok(officer.get(path))
    assert case["state"] in ("open", "notified")
    assert [e["note"] for e in case["timeline"] if e["step"] == "note"] == [words]
    assert audited(anbu, "alert.note") == [("kim.a", None)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "kind"),
        ({"kind": "letter", "result": "reached"}, "kind"),
        ({"kind": "call"}, "result"),
        ({"kind": "visit", "result": None}, "result"),
        ({"kind": "call", "result": "maybe"}, "result"),
        ({"kind": "note", "result": "reached", "note": "메모"}, "result"),
        ({"kind": "note"}, "note"),
        ({"kind": "note", "note": "   "}, "note"),
        ({"kind": "call", "result": "reached", "note": "가" * 2001}, "note"),
        ({"kind": "call", "result": "reached", "by": "park.b"}, "by"),
    ],
)
def test_a_contact_that_does_not_fit_is_refused_naming_the_field(
    as_user: Any, anbu: Anbu, district: District, body: dict[str, Any], field: str
) -> None:
    answer = as_user("kim.a").post(f"/alerts/{district.alert_a}/contacts", body)

    assert answer.status_code == 422
    (rejected,) = answer.json()["detail"]
    assert (rejected["line"], rejected["field"]) == (None, field)
    assert rejected["reason"]
    assert "메모" not in answer.text  # what was sent is not echoed
    assert case_events_of(anbu, district.alert_a) == []


def test_another_centres_case_reads_as_a_missing_one_for_casework(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    officer = as_user("kim.a")
    missing = officer.post("/alerts/999999/claim")
    assert missing.status_code == 404

    for alert_id in (district.alert_b, 999999, 2**70):
        for answer in (
            officer.post(f"/alerts/{alert_id}/claim"),
            officer.post(f"/alerts/{alert_id}/release"),
            officer.post(f"/alerts/{alert_id}/contacts", CALL),
        ):
            assert answer.status_code == 404, (alert_id, answer.request.url)
            assert answer.json() == missing.json()
    case = ok(as_user("park.b").get(f"/alerts/{district.alert_b}"))
    assert case["claimed_by"] is None
    assert case["state"] in ("open", "notified")
    assert case_events_of(anbu, district.alert_b) == []
    assert audited(anbu, "subject.viewed") == [("park.b", subject_id(anbu, "SD-0002"))]


def test_the_duty_desk_and_an_administrator_take_any_centres_visit(
    as_user: Any, district: District
) -> None:
    assert ok(as_user("duty").post(f"/alerts/{district.alert_b}/claim"))["claimed_by"] == "duty"
    assert ok(as_user("admin").post(f"/alerts/{district.alert_a}/claim"))["claimed_by"] == "admin"
    ok(as_user("admin").post(f"/alerts/{district.alert_b}/contacts", CALL), 201)


def test_an_operator_takes_no_visit_and_reaches_nobodys_case(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    ops = as_user("ops")
    path = f"/alerts/{district.alert_a}"

    assert ops.post(f"{path}/claim").status_code == 403
    assert ops.post(f"{path}/release").status_code == 403
    assert ops.post(f"{path}/contacts", CALL).status_code == 404
    assert ops.post(f"{path}/contacts", {"kind": "note", "note": "확인"}).status_code == 404
    assert case_events_of(anbu, district.alert_a) == []


def test_an_alert_about_a_feed_takes_notes_only(
    as_user: Any, anbu: Anbu, district: District
) -> None:
    (stale,) = sweep_at(anbu, OPENED + timedelta(hours=7)).opened
    ops, path = as_user("ops"), f"/alerts/{stale.id}"

    assert ops.post(f"{path}/contacts", CALL).status_code == 409
    note = {"kind": "note", "note": "SKT에 문의함"}
    assert ok(ops.post(f"{path}/contacts", note), 201)["by"] == "ops"
    assert as_user("admin").post(f"{path}/claim").status_code == 409  # nobody to visit
    case = ok(ops.get(path))
    assert case["claimed_by"] is None
    assert staff_steps(case) == [("note", "ops", None)]


def test_casework_without_a_bearer_token_is_refused(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    path = f"/api/v1/alerts/{district.alert_a}"
    for answer in (
        client.post(f"{path}/claim"),
        client.post(f"{path}/release"),
        client.post(f"{path}/contacts", json=CALL),
        client.post(f"{path}/contacts", json=CALL, headers={"Authorization": "Bearer anbu_x"}),
    ):
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert case_events_of(anbu, district.alert_a) == []


def test_the_openapi_document_describes_casework(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]

    def answers(path: str) -> dict[str, Any]:
        return dict(paths[f"/api/v1/alerts/{{alert_id}}/{path}"]["post"]["responses"])

    for path in ("claim", "release"):
        assert {"200", "401", "403", "404", "409", "422"} <= set(answers(path))
        schema = answers(path)["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/AlertDetail"}
    contacts = answers("contacts")
    assert {"201", "401", "404", "409", "422"} <= set(contacts)
    assert "200" not in contacts
    recorded = contacts["201"]["content"]["application/json"]["schema"]["$ref"]
    fields = document["components"]["schemas"][recorded.rsplit("/", 1)[-1]]["properties"]
    assert set(fields) == {"alert_id", "kind", "result", "at", "by", "noted"}
    alert = document["components"]["schemas"]["AlertDetail"]["properties"]
    assert {"claimed_by", "claimed_at"} <= set(alert)
