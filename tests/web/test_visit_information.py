"""What an officer takes to the door (both databases): emergency contacts and visit notes
come in by a district's list under Korean headers, by the person page's form and by the
JSON API; they are sealed with the rest of the person's data; the person page and the case
page show them with tap-to-call links and a map link built from the address."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import audit_log, subjects
from anbu.bootstrap import Anbu
from anbu.entrypoints.web.pages import people as people_page
from anbu.services.accounts import create_token
from anbu.services.enrolment import enrol

from builders import at, subject_row
from conftest import CENTRE_A, District, audited, log_in, subject_id
from flows import enrol_rows

NOW = at("2026-11-05 09:00")
# A district's own list: Korean headers, a Seoul time without offset, three contacts.
KOREAN_LIST = (
    "관리번호,성명,생년월일,전화번호,통신사,동,주소,무응답 기준시간,전원꺼짐 기준시간,"
    "동의 일시 (서울 시각),비상연락처1 이름,비상연락처1 관계,비상연락처1 전화,"
    "비상연락처2 이름,비상연락처2 관계,비상연락처2 전화,비상연락처3 이름,비상연락처3 관계,"
    "비상연락처3 전화,방문 메모\n"
    "SD-0001,김영수,1948-03-02,010-1234-5678,SKT,왕십리도선동,서울 성동구 왕십리로 1 101동/202호,,,"
    "2026-11-01 09:00,김미정,가족,010-7777-1111,이옥자,이웃,02-2286-5114,박통장,통장,"
    '010-7777-3333,"현관 비밀번호 1234*\n고양이 두 마리, 당뇨"\n'
)


def _import(anbu: Anbu, data: bytes) -> None:
    report = enrol(anbu, read_subjects(data, now=NOW, periods=anbu.periods), now=NOW, actor="test")
    assert not report.rejected, report.rejected


def _sealed(anbu: Anbu, external_id: str) -> bytes:
    with anbu.engine.connect() as connection:
        return bytes(
            connection.scalar(
                select(subjects.c.personal).where(subjects.c.external_id == external_id)
            )
        )


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _visit_form(token: str, **fields: str) -> dict[str, str]:
    form = {"csrf_token": token, "visit_notes": ""}
    for n in (1, 2, 3):
        for part in ("name", "relation", "phone"):
            form[f"contact{n}_{part}"] = ""
    form.update(fields)
    return form


def test_a_korean_list_brings_contacts_and_notes_onto_the_person_and_case_pages(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    _import(anbu, KOREAN_LIST.encode())
    log_in(client, "kim.a")

    for page in (client.get("/people/SD-0001"), client.get(f"/alerts/{district.alert_a}")):
        assert page.status_code == 200
        shown = _text(page.text)
        assert re.search(r"가족 김미정 010-7777-1111", shown), shown
        assert re.search(r"이웃 이옥자 02-2286-5114", shown)
        assert re.search(r"통장 박통장 010-7777-3333", shown)
        for number in ("+821077771111", "+82222865114", "+821077773333"):
            assert f'href="tel:{number}"' in page.text
        assert "현관 비밀번호 1234*\n고양이 두 마리, 당뇨" in html.unescape(page.text)
        # The address whole, "/" and all, in the map links; nothing fetched by the server.
        address = (
            "%EC%84%9C%EC%9A%B8%20%EC%84%B1%EB%8F%99%EA%B5%AC%20"  # 서울 성동구
            "%EC%99%95%EC%8B%AD%EB%A6%AC%EB%A1%9C%201%20"  # 왕십리로 1
            "101%EB%8F%99%2F202%ED%98%B8"  # 101동/202호
        )
        assert f'href="https://map.kakao.com/link/search/{address}"' in page.text
        assert f'href="geo:0,0?q={address}"' in page.text


def test_contacts_and_notes_are_sealed_not_stored_in_clear(anbu: Anbu, district: District) -> None:
    _import(anbu, KOREAN_LIST.encode())

    sealed = _sealed(anbu, "SD-0001")
    for clear in ("김미정", "이옥자", "현관 비밀번호", "고양이", "01077771111", "+821077771111"):
        assert clear.encode() not in sealed
    opened = anbu.vault.open(sealed, bound_to="SD-0001")
    assert [c["name"] for c in opened["contacts"]] == ["김미정", "이옥자", "박통장"]
    assert opened["visit_notes"].startswith("현관 비밀번호")


def test_a_list_without_visit_columns_keeps_what_the_officer_wrote(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a", page="/people/SD-0001")
    form = _visit_form(
        token,
        contact1_name="김미정",
        contact1_relation="family",
        contact1_phone="010-7777-1111",
        visit_notes="개 조심",
    )
    assert client.post("/people/SD-0001/visit", data=form).status_code == 303

    # The district's list again, the address changed, with no visit columns at all.
    enrol_rows(anbu, subject_row(address="서울 성동구 무학로 2"), now=NOW)

    opened = anbu.vault.open(_sealed(anbu, "SD-0001"), bound_to="SD-0001")
    assert opened["address"] == "서울 성동구 무학로 2"
    assert opened["contacts"] == [
        {"name": "김미정", "relation": "family", "phone": "+821077771111"}
    ]
    assert opened["visit_notes"] == "개 조심"


def test_the_form_changes_the_visit_information_and_the_change_is_audited(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a", page="/people/SD-0001")
    form = _visit_form(
        token,
        contact2_name="이옥자",
        contact2_relation="neighbour",
        contact2_phone="02-2286-5114",
        visit_notes="<script>alert(1)</script> 열쇠는 이웃집",
    )

    answer = client.post("/people/SD-0001/visit", data=form)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/people/SD-0001?visit=saved#visit"
    page = client.get(answer.headers["location"]).text
    assert "방문 정보를 저장했습니다." in page
    assert re.search(r"이웃 이옥자 02-2286-5114", _text(page))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 열쇠는 이웃집" in page
    assert audited(anbu, "subject.visit_changed") == [("kim.a", subject_id(anbu, "SD-0001"))]
    with anbu.engine.connect() as connection:
        detail = connection.scalar(
            select(audit_log.c.detail).where(audit_log.c.action == "subject.visit_changed")
        )
    assert "이옥자" not in detail
    assert "열쇠" not in detail

    # Emptied, the form takes it all away.
    assert client.post("/people/SD-0001/visit", data=_visit_form(token)).status_code == 303
    opened = anbu.vault.open(_sealed(anbu, "SD-0001"), bound_to="SD-0001")
    assert "contacts" not in opened
    assert "visit_notes" not in opened
    assert opened["name"] == "김영수"


def test_the_same_form_sent_again_writes_and_audits_nothing(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a", page="/people/SD-0001")
    form = _visit_form(token, contact1_name="김미정", contact1_phone="010-7777-1111")
    assert client.post("/people/SD-0001/visit", data=form).status_code == 303
    sealed = _sealed(anbu, "SD-0001")

    assert client.post("/people/SD-0001/visit", data=form).status_code == 303

    assert _sealed(anbu, "SD-0001") == sealed  # not sealed anew: nothing written
    assert len(audited(anbu, "subject.visit_changed")) == 1


def test_a_bad_number_on_the_form_is_refused_naming_the_field(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a", page="/people/SD-0001")
    form = _visit_form(
        token,
        contact2_name="이옥자",
        contact2_relation="neighbour",
        contact2_phone="12345",
        visit_notes="개 조심",
    )

    answer = client.post("/people/SD-0001/visit", data=form)

    assert answer.status_code == 422
    assert "비상 연락처 2 전화번호" in answer.text
    assert 'value="이옥자"' in answer.text  # what was typed is kept
    assert audited(anbu, "subject.visit_changed") == []


def test_another_centres_officer_cannot_change_it(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "park.b")
    form = _visit_form(token, visit_notes="남의 센터")

    assert client.post("/people/SD-0001/visit", data=form).status_code == 404
    assert client.post("/people/SD-0001/visit", data={"visit_notes": "x"}).status_code == 403
    assert audited(anbu, "subject.visit_changed") == []


def test_the_api_takes_and_gives_contacts_and_notes(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = create_token(anbu, "admin", label="t", now=datetime.now(UTC), actor="t")
    admin = {"Authorization": f"Bearer {token}"}
    body: dict[str, Any] = {
        **subject_row(external_id="SD-0050", phone="010-5050-5050", centre=CENTRE_A),
        "emergency_contacts": [
            {"name": "김미정", "relation": "가족", "phone": "010-7777-1111"},
            {"name": "박통장", "relation": "tongjang", "phone": "010-7777-3333"},
        ],
        "visit_notes": "현관 비밀번호 1234*",
    }
    body.pop("inactivity_hours")
    body.pop("phone_off_hours")

    created = client.post("/api/v1/subjects", json=body, headers=admin)
    assert created.status_code == 201, created.text
    got = client.get("/api/v1/subjects/SD-0050", headers=admin).json()
    assert got["emergency_contacts"] == [
        {
            "name": "김미정",
            "relation": "family",
            "phone": "010-7777-1111",
            "phone_e164": "+821077771111",
        },
        {
            "name": "박통장",
            "relation": "tongjang",
            "phone": "010-7777-3333",
            "phone_e164": "+821077773333",
        },
    ]
    assert got["visit_notes"] == "현관 비밀번호 1234*"

    # A change of the notes alone keeps the contacts.
    changed = client.patch(
        "/api/v1/subjects/SD-0050", json={"visit_notes": "개 조심"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    got = client.get("/api/v1/subjects/SD-0050", headers=admin).json()
    assert [c["name"] for c in got["emergency_contacts"]] == ["김미정", "박통장"]
    assert got["visit_notes"] == "개 조심"

    # A bad number names its field; nothing changes.
    bad = client.patch(
        "/api/v1/subjects/SD-0050",
        json={"emergency_contacts": [{"name": "이옥자", "relation": "이웃", "phone": "123"}]},
        headers=admin,
    )
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["detail"]] == ["contact1_phone"]

    # Taken away entirely.
    cleared = client.patch(
        "/api/v1/subjects/SD-0050",
        json={"emergency_contacts": [], "visit_notes": ""},
        headers=admin,
    )
    assert cleared.status_code == 200, cleared.text
    got = client.get("/api/v1/subjects/SD-0050", headers=admin).json()
    assert got["emergency_contacts"] == []
    assert got["visit_notes"] == ""
    # An existing field of the schema stays as it was.
    assert got["address"] == "서울 성동구 왕십리로 1"


def test_the_api_case_carries_the_visit_information_as_the_person_record_does(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    _import(anbu, KOREAN_LIST.encode())
    token = create_token(anbu, "kim.a", label="t", now=datetime.now(UTC), actor="t")
    officer = {"Authorization": f"Bearer {token}"}

    case = client.get(f"/api/v1/alerts/{district.alert_a}", headers=officer)

    assert case.status_code == 200, case.text
    person = case.json()["person"]
    assert person["emergency_contacts"] == [
        {"name": "김미정", "relation": "family", "phone": "010-7777-1111",
         "phone_e164": "+821077771111"},
        {"name": "이옥자", "relation": "neighbour", "phone": "02-2286-5114",
         "phone_e164": "+82222865114"},
        {"name": "박통장", "relation": "tongjang", "phone": "010-7777-3333",
         "phone_e164": "+821077773333"},
    ]  # fmt: skip
    assert person["visit_notes"] == "현관 비밀번호 1234*\n고양이 두 마리, 당뇨"
    # Read with the rest of the person's data: one view of the person, audited as such.
    assert audited(anbu, "subject.viewed") == [("kim.a", subject_id(anbu, "SD-0001"))]
    record = client.get("/api/v1/subjects/SD-0001", headers=officer).json()
    assert record["emergency_contacts"] == person["emergency_contacts"]
    assert record["visit_notes"] == person["visit_notes"]


def test_the_activity_chart_marks_consent_the_alert_and_the_threshold(
    client: TestClient, anbu: Anbu, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pages' clock: the chart's 30 days are 10-12 to 11-10, enrolment on 11-01.
    monkeypatch.setattr(people_page, "wall_clock", lambda: at("2026-11-10 12:00"))
    log_in(client, "kim.a")

    page = client.get("/people/SD-0001").text
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg
    chart = svg[0]

    # Before consent (11-01 09:00): 20 days and 9 hours from 10-12 00:00, shaded.
    shading = re.search(r'<rect class="before-consent" data-days="([\d.]+)"[^>]*>', chart)
    assert shading
    assert float(shading[1]) == pytest.approx(20 + 9 / 24, abs=1e-3)
    assert "<title>동의 전</title>" in chart
    # The alert opened 11-04 10:00, marked where it opened, named in its title.
    marks = re.findall(r'<g class="alert-mark" data-days="([\d.]+)"><title>([^<]*)</title>', chart)
    assert [(pytest.approx(float(days), abs=1e-3), words) for days, words in marks] == [
        (23 + 10 / 24, "11-04 10:00 알림 발생 (통화 없음)")
    ]
    # The threshold: 48 hours from the consent (no sign of life since), a red line.
    line = re.search(r'<g class="threshold" data-from="([\d.]+)" data-to="([\d.]+)">', chart)
    assert line
    assert float(line[1]) == pytest.approx(20 + 9 / 24, abs=1e-3)
    assert float(line[2]) == pytest.approx(22 + 9 / 24, abs=1e-3)
    assert "기준 2일" in chart
    assert "빨간 가로선은 기준 2일: 마지막 생존 신호(11-01 09:00)부터 11-03 09:00까지" in chart
