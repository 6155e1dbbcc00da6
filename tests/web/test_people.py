"""The people pages: finding someone within one's own centres (never another centre's
person, even by their exact name or number), who is closest to their limit, a person's whole
record (audited on every view), pausing monitoring, and the 30-day activity chart."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from anbu.adapters.storage.tables import centres, pauses, subjects
from anbu.bootstrap import Anbu
from anbu.domain.pauses import Pause
from anbu.entrypoints.web.pages import people as people_page
from anbu.services import subjects as subjects_service
from anbu.services.people import name_key_for

from builders import at, event, subject_row
from conftest import CENTRE_A, CENTRE_B, ENROLLED, District, audited, log_in, subject_id
from flows import enrol_rows, feed

NOW = at("2026-11-25 12:00")


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' clock (sessions keep the real one)."""
    monkeypatch.setattr(people_page, "wall_clock", lambda: NOW)


@pytest.fixture
def named(anbu: Anbu, district: District) -> District:
    """The district with every name keyed for lookups, as enrolment keys it."""
    with anbu.transaction() as tx:
        rows = tx.connection.execute(
            select(subjects.c.id, subjects.c.external_id, subjects.c.personal)
        ).all()
        for row in rows:
            name = anbu.vault.open(row.personal, bound_to=row.external_id)["name"]
            tx.connection.execute(
                update(subjects)
                .where(subjects.c.id == row.id)
                .values(name_key=anbu.vault.lookup_key(name_key_for(name)))
            )
    return district


def found(client: TestClient, **params: str) -> list[str]:
    answer = client.get("/people", params=params)
    assert answer.status_code == 200, answer.text
    return re.findall(r'<tr data-person="([^"]+)"', answer.text)


def centre_id(anbu: Anbu, name: str) -> int:
    with anbu.engine.connect() as connection:
        return int(connection.scalar(select(centres.c.id).where(centres.c.name == name)))


# -- the search -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SD-0001",
        "SD-00",
        "sd-0",
        "김영수",
        " 김영수  ",
        unicodedata.normalize("NFD", "김영수"),
        "010-1234-5678",
        "01012345678",
        "+82 10-1234-5678",
    ],
)
def test_an_officer_finds_their_person_by_reference_name_or_phone(
    client: TestClient, named: District, text: str
) -> None:
    log_in(client, "kim.a")

    assert found(client, q=text) == ["SD-0001"]


@pytest.mark.parametrize("text", ["SD-0002", "박순자", "010-2222-3333", "+821022223333"])
def test_an_officer_never_finds_another_centres_person(
    client: TestClient, named: District, text: str
) -> None:
    log_in(client, "kim.a")

    assert found(client, q=text) == []


def test_an_officer_asking_for_another_centre_gets_nobody(
    client: TestClient, anbu: Anbu, named: District
) -> None:
    log_in(client, "kim.a")

    assert found(client, centre=str(centre_id(anbu, CENTRE_B))) == []
    assert found(client) == ["SD-0001"]


def test_an_administrator_finds_people_of_every_centre(client: TestClient, named: District) -> None:
    log_in(client, "admin")

    assert found(client) == ["SD-0001", "SD-0002"]
    assert found(client, q="SD-000") == ["SD-0001", "SD-0002"]
    assert found(client, q="박순자") == ["SD-0002"]
    assert found(client, q="010-2222-3333") == ["SD-0002"]


def test_a_part_of_a_name_finds_nobody(client: TestClient, named: District) -> None:
    """Names are compared by their keyed hash: whole names only, nothing to pattern-match."""
    log_in(client, "admin")

    assert found(client, q="김영") == []


def test_an_operator_is_refused_the_list(client: TestClient, district: District) -> None:
    log_in(client, "ops", page=None)

    assert client.get("/people").status_code == 403


def test_the_list_shows_masked_names_and_audits_what_it_showed(
    client: TestClient, anbu: Anbu, named: District
) -> None:
    log_in(client, "kim.a")

    page = client.get("/people").text

    assert "김*수" in page
    assert "김영수" not in page
    assert "SD-0002" not in page
    assert audited(anbu, "people.listed") == [("kim.a", None)]


def test_the_list_says_when_someone_has_an_open_alert(client: TestClient, named: District) -> None:
    log_in(client, "kim.a")

    row = client.get("/people").text.split('data-person="SD-0001"')[1].split("</tr>")[0]

    assert f'href="/alerts/{named.alert_a}"' in row
    assert "통화 없음" in row


def test_live_search_answers_with_the_results_only(client: TestClient, named: District) -> None:
    log_in(client, "kim.a")

    answer = client.get("/people", params={"q": "김영수"}, headers={"HX-Request": "true"})

    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="people-results"')
    assert "<html" not in answer.text
    assert 'data-person="SD-0001"' in answer.text


def test_the_search_form_searches_as_one_types(client: TestClient, named: District) -> None:
    log_in(client, "kim.a")

    page = client.get("/people").text

    assert 'hx-get="/people"' in page
    assert "input delay:300ms" in page
    assert 'hx-target="#people-results"' in page


def test_filters_by_group_status_and_pause(client: TestClient, anbu: Anbu, named: District) -> None:
    enrol_rows(
        anbu,
        subject_row(external_id="SD-0003", phone="010-3333-0003", birth_date="1980-05-05"),
        subject_row(external_id="SD-0004", phone="010-3333-0004"),
        now=ENROLLED,
    )
    token = log_in(client, "kim.a")
    pause = {"csrf_token": token, "starts": "2026-11-24T09:00", "reason": "travel"}
    assert client.post("/people/SD-0004/pauses", data=pause).status_code == 303

    assert found(client, group="age_40_59") == ["SD-0003"]
    assert found(client, group="age_75_plus") == ["SD-0001", "SD-0004"]
    assert found(client, paused="1") == ["SD-0004"]
    assert found(client, status="withdrawn") == []
    assert found(client, status="any") == ["SD-0001", "SD-0003", "SD-0004"]


def test_the_list_comes_in_pages_of_fifty(client: TestClient, anbu: Anbu, named: District) -> None:
    enrol_rows(
        anbu,
        *(subject_row(external_id=f"SD-1{n:03d}", phone=f"010-4444-{n:04d}") for n in range(60)),
        now=ENROLLED,
    )
    log_in(client, "kim.a")

    first = client.get("/people").text
    shown = re.findall(r'<tr data-person="([^"]+)"', first)
    following = re.search(r'<a href="(/people\?[^"]*after=[^"]+)">', first)
    assert following
    rest = re.findall(
        r'<tr data-person="([^"]+)"', client.get(following[1].replace("&amp;", "&")).text
    )

    assert len(shown) == 50
    assert shown + rest == ["SD-0001", *(f"SD-1{n:03d}" for n in range(60))]


# -- closest to their limit -------------------------------------------------------------


def test_closest_lists_active_unpaused_people_soonest_limit_first(
    client: TestClient, anbu: Anbu, named: District
) -> None:
    consent = "2026-11-24T09:00:00+09:00"
    enrol_rows(
        anbu,
        subject_row(
            external_id="SD-0010", phone="010-5555-0010", inactivity_hours=72, consent_at=consent
        ),
        subject_row(
            external_id="SD-0011", phone="010-5555-0011", inactivity_hours=24, consent_at=consent
        ),
        subject_row(
            external_id="SD-0012", phone="010-5555-0012", inactivity_hours=48, consent_at=consent
        ),
        subject_row(
            external_id="SD-0013", phone="010-5555-0013", inactivity_hours=12, consent_at=consent
        ),
        subject_row(
            external_id="SD-0014",
            phone="010-5555-0014",
            centre=CENTRE_B,
            inactivity_hours=12,
            consent_at=consent,
        ),
        now=NOW,
    )
    token = log_in(client, "kim.a")
    pause = {"csrf_token": token, "starts": "2026-11-25T08:00", "reason": "hospital"}
    assert client.post("/people/SD-0013/pauses", data=pause).status_code == 303

    order = found(client, view="closest")

    # SD-0001 has its alert open already (no limit ahead); SD-0013 is paused; SD-0014 is
    # another centre's.
    assert order == ["SD-0011", "SD-0012", "SD-0010"]


def test_closest_comes_in_pages_across_carriers(
    client: TestClient, anbu: Anbu, named: District
) -> None:
    """Every carrier's people in one order; equal limits are ordered by reference, and the
    next page starts exactly after the last one shown."""
    carriers = ("SKT", "KT", "LGU")
    enrol_rows(
        anbu,
        *(
            subject_row(
                external_id=f"SD-2{n:03d}",
                phone=f"010-5656-{n:04d}",
                carrier=carriers[n % 3],
                # Three people share each limit: 24 h, 25 h, … after consent.
                inactivity_hours=24 + n // 3,
                consent_at="2026-11-24T09:00:00+09:00",
            )
            for n in reversed(range(60))
        ),
        now=NOW,
    )
    log_in(client, "kim.a")

    first = client.get("/people", params={"view": "closest"}).text
    following = re.search(r'<a href="(/people\?[^"]*after=[^"]+)">', first)
    assert following
    second = client.get(following[1].replace("&amp;", "&")).text

    shown = re.findall(r'<tr data-person="([^"]+)"', first)
    rest = re.findall(r'<tr data-person="([^"]+)"', second)
    assert len(shown) == 50
    assert shown + rest == [f"SD-2{n:03d}" for n in range(60)]


def test_closest_shows_the_time_left(client: TestClient, anbu: Anbu, named: District) -> None:
    enrol_rows(
        anbu,
        subject_row(
            external_id="SD-0020",
            phone="010-6666-0020",
            inactivity_hours=48,
            consent_at="2026-11-24T15:00:00+09:00",
        ),
        now=NOW,
    )
    log_in(client, "kim.a")

    row = client.get("/people", params={"view": "closest"}).text.split('data-person="SD-0020"')[1]

    # Limit 11-26 15:00; now 11-25 12:00.
    assert "1일 3시간" in row.split("</tr>")[0]


# -- a person's record ------------------------------------------------------------------


def test_a_person_page_shows_the_whole_record(client: TestClient, district: District) -> None:
    log_in(client, "kim.a")

    page = client.get("/people/SD-0001")

    assert page.status_code == 200
    for shown in ("김영수", "010-1234-5678", "1948-03-02", "서울 성동구 왕십리로 1", CENTRE_A):
        assert shown in page.text
    assert "48시간" in page.text or "2일" in page.text
    assert f'href="/alerts/{district.alert_a}"' in page.text


def test_every_view_of_a_person_is_audited_once(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "kim.a")
    sid = subject_id(anbu, "SD-0001")

    client.get("/people/SD-0001")
    assert audited(anbu, "subject.viewed") == [("kim.a", sid)]

    client.get("/people/SD-0001")
    assert audited(anbu, "subject.viewed") == [("kim.a", sid), ("kim.a", sid)]


def test_another_centres_person_reads_exactly_as_an_unknown_one(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "kim.a")

    theirs = client.get("/people/SD-0002")
    unknown = client.get("/people/SD-9999")

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.content == unknown.content
    assert "박순자" not in theirs.text
    assert audited(anbu, "subject.viewed") == []


def test_the_duty_desk_and_administrators_see_every_centre(
    client: TestClient, district: District
) -> None:
    log_in(client, "admin")

    assert "박순자" in client.get("/people/SD-0002").text


def test_an_operator_sees_no_person(client: TestClient, anbu: Anbu, district: District) -> None:
    log_in(client, "ops", page=None)

    answer = client.get("/people/SD-0001")

    assert answer.status_code == 404
    assert answer.content == client.get("/people/SD-9999").content
    assert audited(anbu, "subject.viewed") == []


def test_a_withdrawn_person_shows_no_personal_data(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    from anbu.services.subjects import withdraw

    withdraw(anbu, "SD-0001", now=NOW, actor="test")
    log_in(client, "kim.a")

    page = client.get("/people/SD-0001")

    assert page.status_code == 200
    assert "동의 철회" in page.text
    assert "김영수" not in page.text
    assert "010-1234-5678" not in page.text
    assert 'name="starts"' not in page.text  # nothing to pause


# -- pauses ------------------------------------------------------------------------------


def pauses_of(anbu: Anbu, external_id: str) -> list[tuple[datetime, datetime | None, str]]:
    with anbu.engine.connect() as connection:
        return [
            (row.starts_at, row.ends_at, row.reason)
            for row in connection.execute(
                select(pauses.c.starts_at, pauses.c.ends_at, pauses.c.reason).where(
                    pauses.c.subject_id == subject_id(anbu, external_id)
                )
            )
        ]


def test_adding_a_pause_records_it_and_shows_it(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")

    answer = client.post(
        "/people/SD-0001/pauses",
        data={
            "csrf_token": token,
            "starts": "2026-11-25T09:00",
            "ends": "2026-12-02T18:00",
            "reason": "hospital",
            "note": "한양대병원",
        },
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/people/SD-0001#pauses"
    assert pauses_of(anbu, "SD-0001") == [
        (at("2026-11-25 09:00"), at("2026-12-02 18:00"), "병원 입원 · 한양대병원")
    ]
    page = client.get("/people/SD-0001").text
    assert "병원 입원 · 한양대병원" in page
    assert "2026-12-02 18:00" in page
    assert "지금 적용 중" in page
    assert audited(anbu, "subject.paused") == [("kim.a", subject_id(anbu, "SD-0001"))]


def test_a_pause_until_further_notice_takes_the_person_off_the_closest_list(
    client: TestClient, anbu: Anbu, named: District
) -> None:
    enrol_rows(
        anbu,
        subject_row(
            external_id="SD-0030", phone="010-7777-0030", consent_at="2026-11-24T09:00:00+09:00"
        ),
        now=NOW,
    )
    token = log_in(client, "kim.a")
    assert found(client, view="closest") == ["SD-0030"]

    client.post(
        "/people/SD-0030/pauses",
        data={"csrf_token": token, "starts": "2026-11-25T10:00", "reason": "travel"},
    )

    assert pauses_of(anbu, "SD-0030") == [(at("2026-11-25 10:00"), None, "여행")]
    assert found(client, view="closest") == []
    assert "해제할 때까지" in client.get("/people/SD-0030").text


def test_a_pause_without_the_csrf_token_is_refused(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "kim.a")

    answer = client.post(
        "/people/SD-0001/pauses", data={"starts": "2026-11-25T09:00", "reason": "travel"}
    )

    assert answer.status_code == 403
    assert pauses_of(anbu, "SD-0001") == []


def test_a_pause_for_another_centres_person_is_not_found(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")

    answer = client.post(
        "/people/SD-0002/pauses",
        data={"csrf_token": token, "starts": "2026-11-25T09:00", "reason": "travel"},
    )

    assert answer.status_code == 404
    assert answer.content == client.get("/people/SD-9999").content
    assert pauses_of(anbu, "SD-0002") == []


@pytest.mark.parametrize(
    ("starts", "ends", "says"),
    [
        ("2026-11-25T09:00", "2026-11-24T09:00", "끝나는 때는 시작보다 뒤여야 합니다."),
        ("", "", "시작과 끝을 날짜와 시각으로 입력해 주세요."),
        ("어제", "", "시작과 끝을 날짜와 시각으로 입력해 주세요."),
        ("2030-01-01T00:00", "", "일시 중지는 앞뒤 1년 안에서만 정할 수 있습니다."),
    ],
)
def test_a_pause_that_makes_no_sense_is_refused_with_a_reason(
    client: TestClient, anbu: Anbu, district: District, starts: str, ends: str, says: str
) -> None:
    token = log_in(client, "kim.a")

    answer = client.post(
        "/people/SD-0001/pauses",
        data={"csrf_token": token, "starts": starts, "ends": ends, "reason": "other"},
    )

    assert answer.status_code == 422
    assert says in answer.text
    assert pauses_of(anbu, "SD-0001") == []


def test_a_refused_pause_says_why_in_the_viewers_language(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    client.post("/language", data={"csrf_token": token, "language": "en"})

    answer = client.post(
        "/people/SD-0001/pauses",
        data={"csrf_token": token, "starts": "2030-01-01T00:00", "reason": "other"},
    )

    assert answer.status_code == 422
    assert "A pause can only be set within a year before or after today." in answer.text
    assert "1년" not in answer.text
    assert pauses_of(anbu, "SD-0001") == []


def pause_ids(page: str) -> list[int]:
    """The pauses the page offers to end, in the order shown."""
    return [int(found) for found in re.findall(r'action="/people/[^"]+/pauses/(\d+)/end"', page)]


def add_pause_for(client: TestClient, token: str, external_id: str, **fields: str) -> int:
    """Add a pause through the form; returns its number, read from the page."""
    before = set(pause_ids(client.get(f"/people/{external_id}").text))
    data = {"csrf_token": token, "reason": "hospital", **fields}
    assert client.post(f"/people/{external_id}/pauses", data=data).status_code == 303
    (added,) = set(pause_ids(client.get(f"/people/{external_id}").text)) - before
    return added


def test_ending_a_pause_in_force_ends_it_now_and_is_audited(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    pause_id = add_pause_for(
        client, token, "SD-0001", starts="2026-11-24T09:00", ends="2026-12-02T18:00"
    )
    assert "끝내기" in client.get("/people/SD-0001").text

    answer = client.post(f"/people/SD-0001/pauses/{pause_id}/end", data={"csrf_token": token})

    assert answer.status_code == 303
    assert answer.headers["location"] == "/people/SD-0001?pause=ended#pauses"
    assert pauses_of(anbu, "SD-0001") == [(at("2026-11-24 09:00"), NOW, "병원 입원")]
    assert audited(anbu, "subject.pause_ended") == [("kim.a", subject_id(anbu, "SD-0001"))]
    page = client.get(answer.headers["location"]).text
    assert "일시 중지를 끝냈습니다." in page
    assert "지금 적용 중" not in page
    assert pause_ids(page) == []  # over: nothing left to end


def test_a_pause_not_yet_begun_is_cancelled(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    pause_id = add_pause_for(
        client, token, "SD-0001", starts="2026-12-01T09:00", ends="2026-12-03T18:00"
    )

    answer = client.post(f"/people/SD-0001/pauses/{pause_id}/end", data={"csrf_token": token})

    assert answer.headers["location"] == "/people/SD-0001?pause=removed#pauses"
    assert pauses_of(anbu, "SD-0001") == []
    assert audited(anbu, "subject.pause_removed") == [("kim.a", subject_id(anbu, "SD-0001"))]
    assert "시작 전이던 일시 중지를 취소했습니다." in client.get(answer.headers["location"]).text


def test_ending_a_pause_already_over_is_refused_with_a_reason(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    ends = add_pause_for(client, token, "SD-0001", starts="2026-11-25T09:00")
    client.post(f"/people/SD-0001/pauses/{ends}/end", data={"csrf_token": token})

    answer = client.post(f"/people/SD-0001/pauses/{ends}/end", data={"csrf_token": token})

    assert answer.status_code == 409
    assert "이미 끝난 일시 중지입니다." in answer.text
    assert pauses_of(anbu, "SD-0001") == [(at("2026-11-25 09:00"), NOW, "병원 입원")]
    assert len(audited(anbu, "subject.pause_ended")) == 1
    client.post("/language", data={"csrf_token": token, "language": "en"})
    english = client.post(f"/people/SD-0001/pauses/{ends}/end", data={"csrf_token": token})
    assert "This pause is already over." in english.text


def test_ending_a_pause_without_the_csrf_token_is_refused(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    token = log_in(client, "kim.a")
    pause_id = add_pause_for(client, token, "SD-0001", starts="2026-11-25T09:00")

    answer = client.post(f"/people/SD-0001/pauses/{pause_id}/end", data={"csrf_token": "x"})
    assert answer.status_code == 403
    assert client.post(f"/people/SD-0001/pauses/{pause_id}/end").status_code == 403

    assert pauses_of(anbu, "SD-0001") == [(at("2026-11-25 09:00"), None, "병원 입원")]
    assert audited(anbu, "subject.pause_ended") == []


def test_ending_another_centres_pause_is_not_found(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    travel = Pause(at("2026-11-25 09:00"))
    theirs = subjects_service.pause(anbu, "SD-0002", travel, "여행", now=NOW, actor="park.b")
    assert theirs is not None
    token = log_in(client, "kim.a")
    unknown = client.get("/people/SD-9999")

    other_person = client.post(f"/people/SD-0002/pauses/{theirs}/end", data={"csrf_token": token})
    own_person = client.post(f"/people/SD-0001/pauses/{theirs}/end", data={"csrf_token": token})

    assert (other_person.status_code, own_person.status_code) == (404, 404)
    assert other_person.content == own_person.content == unknown.content
    assert pauses_of(anbu, "SD-0002") == [(at("2026-11-25 09:00"), None, "여행")]
    assert audited(anbu, "subject.pause_ended") == []


def test_the_end_button_speaks_english_too(client: TestClient, district: District) -> None:
    token = log_in(client, "kim.a")
    add_pause_for(client, token, "SD-0001", starts="2026-11-25T09:00")
    client.post("/language", data={"csrf_token": token, "language": "en"})

    assert ">End now</button>" in client.get("/people/SD-0001").text


# -- the activity chart ------------------------------------------------------------------


def test_the_chart_has_a_bar_per_day_counting_that_days_events(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    phone = "010-1234-5678"
    feed(
        anbu,
        event(phone, "call_out", at("2026-11-10 09:00")),
        event(phone, "sms_in", at("2026-11-10 10:00")),
        # 23:30 in Seoul is still the 10th there, though the 10th's 14:30 in UTC.
        event(phone, "call_out", at("2026-11-10 23:30")),
        # 00:30 in Seoul is the 11th there, though still the 10th in UTC; unanswered.
        event(phone, "call_in", at("2026-11-11 00:30"), duration_s=0),
        event(phone, "call_in", at("2026-11-11 08:00"), duration_s=30),
        event(phone, "checkin", at("2026-11-25 11:00")),
        # Another person's event is not theirs.
        event("010-2222-3333", "call_out", at("2026-11-12 09:00")),
        now=NOW,
    )
    log_in(client, "kim.a")

    page = client.get("/people/SD-0001").text

    # Drawn twice, for a desk and for a phone, each with the same 30 days.
    drawings = re.findall(r'<svg [^>]*class="chart (wide|narrow)".*?</svg>', page, re.S)
    assert drawings == ["wide", "narrow"]
    wide, narrow = re.findall(r'<svg [^>]*class="chart (?:wide|narrow)".*?</svg>', page, re.S)
    day = r'<g class="bar" data-label="([^"]+)" data-value="(\d+)" data-part="(\d+)">'
    bars = re.findall(day, wide)
    assert re.findall(day, narrow) == bars
    assert len(bars) == 30
    assert bars[0][0] == "10월 27일"
    assert bars[-1][0] == "11월 25일"
    counts = {label: (int(events), int(life)) for label, events, life in bars if events != "0"}
    assert counts == {"11월 10일": (3, 2), "11월 11일": (2, 1), "11월 25일": (1, 1)}
    assert "최근 30일 기록 6건, 그중 생존 신호 4건." in page


def test_name_keys_ignore_spacing_composition_and_case() -> None:
    assert name_key_for(" 김  영수 ") == name_key_for("김 영수")
    assert name_key_for(unicodedata.normalize("NFD", "김영수")) == "김영수"
    assert name_key_for("Kim  Young-su") == name_key_for("kim young-su")
    assert name_key_for("김영수") != name_key_for("김 영수")
