"""Enrolment from the web: one person by form, a list reviewed before it is saved, and who
may do either."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from anbu.adapters.catalogue import say
from anbu.adapters.storage.tables import audit_log
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.entrypoints.clock import wall_clock
from anbu.services.accounts import create_user, session_user

from builders import subject_row, subjects_csv
from conftest import CENTRE_A, ENROLLED, PASSWORD, District, log_in

SEOUL = ZoneInfo("Asia/Seoul")
# The pages judge consent against the wall clock: a consent given yesterday.
YESTERDAY = datetime.now(SEOUL) - timedelta(days=1)


def _person(**overrides: str) -> dict[str, str]:
    form = {
        "external_id": "SD-0100",
        "name": "최영희",
        "birth_date": "1950-05-05",
        "phone": "010-4444-5555",
        "carrier": "KT",
        "centre": CENTRE_A,
        "new_centre": "",
        "address": "서울 성동구 왕십리로 100",
        "inactivity_hours": "",
        "phone_off_hours": "",
        "consent_at": YESTERDAY.strftime("%Y-%m-%dT%H:%M"),
        "guardian_phone": "",
    }
    form.update(overrides)
    return form


def _stored(anbu: Anbu, external_id: str) -> Any:
    with anbu.transaction() as store:
        return store.subjects.by_external_id(external_id)


def _actions(anbu: Anbu, actor: str) -> list[str]:
    with anbu.transaction() as store:
        return list(
            store.connection.scalars(
                select(audit_log.c.action)
                .where(audit_log.c.actor == actor)
                .order_by(audit_log.c.id)
            )
        )


def _subject_count(anbu: Anbu) -> int:
    with anbu.transaction() as store:
        return store.subjects.count()


def _phone_reason(text: str) -> str:
    """What the subjects file's rules say of this number, as a page shows it."""
    with pytest.raises(PhoneError) as refused:
        normalise_phone(text)
    return say(refused.value.reason)


def _csrf(client: TestClient, anbu: Anbu) -> str:
    """The session's CSRF token, for roles with no page of their own to read it from."""
    user = session_user(anbu, client.cookies["anbu_session"], wall_clock())
    assert user is not None
    return user.csrf_token


def _upload(client: TestClient, token: str, data: bytes) -> Any:
    return client.post(
        "/enrol/upload",
        data={"csrf_token": token},
        files={"file": ("survey.csv", data, "text/csv")},
    )


def _upload_id(html: str) -> str:
    found = re.search(r'action="/enrol/upload/([0-9a-f]+)/confirm"', html)
    assert found, "no confirmation form in the review"
    return found[1]


def _held_files(anbu: Anbu) -> list[str]:
    folder = anbu.settings.data_dir / "uploads"
    return [p.name for p in folder.iterdir()] if folder.is_dir() else []


def test_an_administrator_enrols_one_person_by_form(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    answer = client.post("/enrol", data={**_person(), "csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/enrol?done=SD-0100&outcome=created"
    row = _stored(anbu, "SD-0100")
    assert row is not None
    assert row.carrier == "KT"
    assert row.consent_at == YESTERDAY.replace(second=0, microsecond=0)
    personal = anbu.vault.open(row.personal, bound_to="SD-0100")
    assert (personal["name"], personal["phone"]) == ("최영희", "+821044445555")
    assert "subject.created" in _actions(anbu, "admin")
    shown = client.get(answer.headers["location"])
    assert "SD-0100" in shown.text
    assert "등록했습니다" in shown.text


def test_the_form_can_enrol_into_a_new_centre_with_a_period_of_its_own(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    person = _person(centre="", new_centre="사근동", inactivity_hours="72")
    answer = client.post("/enrol", data={**person, "csrf_token": token})
    assert answer.status_code == 303
    row = _stored(anbu, "SD-0100")
    assert (row.inactivity_minutes, row.inactivity_custom) == (72 * 60, True)
    assert (row.phone_off_minutes, row.phone_off_custom) == (24 * 60, False)
    assert "사근동" in client.get("/enrol").text  # offered in the select from now on


def test_a_bad_phone_is_shown_beside_the_phone_field_and_nothing_is_saved(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    before = _subject_count(anbu)
    answer = client.post("/enrol", data={**_person(phone="02-123"), "csrf_token": token})
    assert answer.status_code == 400
    error = re.search(
        r'<p class="error field-error" id="error-phone"[^>]*>([^<]+)</p>', answer.text
    )
    assert error, "no error beside the phone field"
    assert html.unescape(error[1]) == _phone_reason("02-123")
    assert 'id="f-phone"' in answer.text
    assert 'aria-describedby="error-phone"' in answer.text
    assert "error-name" not in answer.text  # only the culprit is marked
    assert 'value="최영희"' in answer.text  # what was typed is kept
    assert _stored(anbu, "SD-0100") is None
    assert _subject_count(anbu) == before


def test_a_consent_in_the_future_is_shown_beside_its_field(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    later = (datetime.now(SEOUL) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post("/enrol", data={**_person(consent_at=later), "csrf_token": token})
    assert answer.status_code == 400
    assert 'id="error-consent_at"' in answer.text
    assert "미래의 날짜입니다." in answer.text
    assert _stored(anbu, "SD-0100") is None


def test_an_upload_is_reviewed_and_nothing_is_saved_until_confirmed(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    consent = YESTERDAY.isoformat(timespec="minutes")
    data = subjects_csv(
        subject_row(external_id="SD-0200", phone="010-7777-8888", consent_at=consent),
        subject_row(external_id="SD-0201", phone="010-12", consent_at=consent),
    )
    before = _subject_count(anbu)
    review = _upload(client, token, data)
    assert review.status_code == 200
    row = re.search(r'<tr data-line="3">(.*?)</tr>', review.text, re.S)
    assert row, "line 3 is not reported"
    assert 'data-field="phone"' in row[1]
    # The reason, as the file's rules give it.
    assert _phone_reason("010-12") in html.unescape(row[1])
    assert 'data-line="2"' not in review.text
    assert re.search(r'data-count="created">.*?<strong>1</strong>', review.text, re.S)
    assert re.search(r'data-count="rejected".*?<strong>1</strong>', review.text, re.S)
    assert _subject_count(anbu) == before  # a review writes nothing
    assert _stored(anbu, "SD-0200") is None
    held = _held_files(anbu)
    assert len(held) == 1
    assert b"SD-0200" not in (anbu.settings.data_dir / "uploads" / held[0]).read_bytes()

    upload_id = _upload_id(review.text)
    saved = client.post(f"/enrol/upload/{upload_id}/confirm", data={"csrf_token": token})
    assert saved.status_code == 200
    assert _stored(anbu, "SD-0200") is not None
    assert _stored(anbu, "SD-0201") is None
    assert _subject_count(anbu) == before + 1
    assert _held_files(anbu) == []  # deleted once confirmed
    assert "subjects.imported" in _actions(anbu, "admin")
    again = client.post(f"/enrol/upload/{upload_id}/confirm", data={"csrf_token": token})
    assert again.status_code == 404


def test_the_review_names_every_problem_of_a_row_and_counts_the_row_once(
    client: TestClient, district: District
) -> None:
    token = log_in(client, "admin", page="/enrol")
    consent = YESTERDAY.isoformat(timespec="minutes")
    data = subjects_csv(
        subject_row(
            external_id="SD-0210",
            birth_date="1948-13-01",
            phone="010-12",
            carrier="Verizon",
            consent_at=consent,
        ),
    )
    review = _upload(client, token, data)
    assert review.status_code == 200
    rows = re.findall(r'<tr data-line="2">(.*?)</tr>', review.text, re.S)
    fields = [re.search(r'data-field="([a-z_]*)"', found)[1] for found in rows]  # type: ignore[index]
    assert fields == ["birth_date", "phone", "carrier"]
    assert _phone_reason("010-12") in html.unescape(rows[1])
    assert re.search(r'data-count="rejected".*?<strong>1</strong>', review.text, re.S)


def test_the_template_downloads_fill_in_and_upload_as_a_workbook(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    """The enrolment page offers the template as .xlsx and CSV (Korean headers); the
    workbook, filled in as a district would — Korean headers, a Seoul time without an
    offset, the phone number typed as a number — is reviewed and saved like a CSV."""
    token = log_in(client, "admin", page="/enrol")
    page = client.get("/enrol")
    assert 'href="/enrol/template.xlsx"' in page.text
    csv_template = client.get("/enrol/template.csv")
    assert csv_template.status_code == 200
    assert csv_template.content.startswith(b"\xef\xbb\xbf\xea\xb4\x80")  # BOM, then 관
    workbook = client.get("/enrol/template.xlsx")
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content))
    sheet = book.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["관리번호", "성명", "생년월일"]
    sheet.delete_rows(2)
    values = {
        "관리번호": "SD-0300",
        "성명": "한영자",
        "생년월일": datetime(1947, 7, 7),
        "전화번호": 1066667777,
        "통신사": "LGU",
        "동": CENTRE_A,
        "주소": "서울 성동구 왕십리로 300",
        "동의일시": YESTERDAY.replace(tzinfo=None, second=0, microsecond=0),
    }
    sheet.append([values.get(str(name)) for name in header])
    filled = io.BytesIO()
    book.save(filled)
    review = client.post(
        "/enrol/upload",
        data={"csrf_token": token},
        files={"file": ("명단.xlsx", filled.getvalue(), "application/octet-stream")},
    )
    assert review.status_code == 200, review.text
    assert re.search(r'data-count="created">.*?<strong>1</strong>', review.text, re.S)
    saved = client.post(
        f"/enrol/upload/{_upload_id(review.text)}/confirm", data={"csrf_token": token}
    )
    assert saved.status_code == 200
    assert _stored(anbu, "SD-0300") is not None


def test_an_officer_gets_no_template(client: TestClient, district: District) -> None:
    log_in(client, "kim.a", page=None)
    assert client.get("/enrol/template.xlsx").status_code == 403


def test_a_review_counts_unchanged_and_updated_rows_as_saving_would(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    # The fixture's people, as they were enrolled: SD-0001 as is, SD-0002 with a new address.
    data = subjects_csv(
        subject_row(),
        subject_row(
            external_id="SD-0002",
            name="박순자",
            phone="010-2222-3333",
            centre="마장동",
            address="서울 성동구 마장로 2",
        ),
        subject_row(external_id="SD-0300", phone="010-2222-3333", centre="송정동"),
    )
    review = _upload(client, token, data)
    counts = {
        name: int(value)
        for name, value in re.findall(
            r'data-count="(\w+)"[^>]*>.*?<strong>(\d+)</strong>', review.text, re.S
        )
    }
    assert counts == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 1}
    assert "이미 다른 대상자(SD-0002)에게 등록된 번호입니다." in review.text
    assert "송정동" not in review.text  # its only row is refused: no centre would be made
    saved = client.post(
        f"/enrol/upload/{_upload_id(review.text)}/confirm", data={"csrf_token": token}
    )
    assert re.search(r'data-count="updated">.*?<strong>1</strong>', saved.text, re.S)


def test_a_typod_centre_shows_its_suggestion_and_is_saved_under_it_in_one_click(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    consent = YESTERDAY.isoformat(timespec="minutes")
    data = subjects_csv(
        subject_row(
            external_id="SD-0400", phone="010-4000-0001", consent_at=consent, centre="왕십리 도선동"
        ),
        subject_row(
            external_id="SD-0401", phone="010-4000-0002", consent_at=consent, centre="사근동"
        ),
    )
    review = _upload(client, token, data)
    row = re.search(r'<tr data-line="2">(.*?)</tr>', review.text, re.S)
    assert row, "the typo'd row is not reported"
    assert 'data-field="centre"' in row[1]
    assert "&#39;왕십리 도선동&#39; 센터가 없습니다. 비슷한 센터: 왕십리도선동" in row[1]
    assert 'data-use="왕십리도선동"' in review.text
    assert re.search(r'id="new-centres".*?사근동', review.text, re.S)
    upload_id = _upload_id(review.text)

    used = client.post(
        f"/enrol/upload/{upload_id}/centres",
        data={"csrf_token": token, "rename_from": "왕십리 도선동", "rename_to": "왕십리도선동"},
    )
    assert used.status_code == 200
    assert re.search(r'data-count="created">.*?<strong>2</strong>', used.text, re.S)
    assert 'id="centre-typos"' not in used.text
    assert 'name="rename_to" value="왕십리도선동"' in used.text  # carried to the confirm
    saved = client.post(
        f"/enrol/upload/{upload_id}/confirm",
        data={"csrf_token": token, "rename_from": "왕십리 도선동", "rename_to": "왕십리도선동"},
    )
    assert re.search(r'data-count="created">.*?<strong>2</strong>', saved.text, re.S)
    assert "왕십리 도선동" not in client.get("/enrol").text  # no such centre was made


def test_a_typod_centre_may_be_allowed_as_a_new_centre(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    consent = YESTERDAY.isoformat(timespec="minutes")
    data = subjects_csv(
        subject_row(
            external_id="SD-0400", phone="010-4000-0001", consent_at=consent, centre="왕십리 도선동"
        ),
    )
    review = _upload(client, token, data)
    assert 'id="nothing-to-save"' in review.text  # held for the decision all the same
    upload_id = re.search(r'action="/enrol/upload/([0-9a-f]+)/centres"', review.text)
    assert upload_id
    allowed = client.post(
        f"/enrol/upload/{upload_id[1]}/centres",
        data={"csrf_token": token, "allow": "왕십리 도선동"},
    )
    assert re.search(r'id="new-centres".*?왕십리 도선동', allowed.text, re.S)
    saved = client.post(
        f"/enrol/upload/{upload_id[1]}/confirm",
        data={"csrf_token": token, "allow": "왕십리 도선동"},
    )
    assert re.search(r'data-count="created">.*?<strong>1</strong>', saved.text, re.S)
    assert "왕십리 도선동" in client.get("/enrol").text


def test_a_list_that_would_save_nothing_is_not_kept(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    review = _upload(client, token, subjects_csv(subject_row()))  # SD-0001 as enrolled
    assert review.status_code == 200
    assert re.search(r'data-count="unchanged">.*?<strong>1</strong>', review.text, re.S)
    assert 'id="nothing-to-save"' in review.text
    assert "/confirm" not in review.text
    assert _held_files(anbu) == []


def test_a_discarded_upload_is_deleted_and_cannot_be_confirmed(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    data = subjects_csv(subject_row(external_id="SD-0400", phone="010-6666-7777"))
    upload_id = _upload_id(_upload(client, token, data).text)
    answer = client.post(f"/enrol/upload/{upload_id}/discard", data={"csrf_token": token})
    assert answer.status_code == 303
    assert _held_files(anbu) == []
    gone = client.post(f"/enrol/upload/{upload_id}/confirm", data={"csrf_token": token})
    assert gone.status_code == 404
    assert _stored(anbu, "SD-0400") is None


def test_another_administrator_cannot_confirm_someone_elses_upload(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    create_user(
        anbu, "admin2", role=Role.ADMIN, centres=[], password=PASSWORD, now=ENROLLED, actor="t"
    )
    token = log_in(client, "admin", page="/enrol")
    data = subjects_csv(subject_row(external_id="SD-0500", phone="010-6666-8888"))
    upload_id = _upload_id(_upload(client, token, data).text)
    client.cookies.clear()
    other = log_in(client, "admin2", page="/enrol")
    answer = client.post(f"/enrol/upload/{upload_id}/confirm", data={"csrf_token": other})
    assert answer.status_code == 404
    assert _stored(anbu, "SD-0500") is None


def test_an_unreadable_file_is_refused_with_its_reason(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    token = log_in(client, "admin", page="/enrol")
    answer = _upload(client, token, b"external_id,name\nSD-1,x\n")
    assert answer.status_code == 400
    assert "머리글에 열이 없습니다: " in answer.text
    assert _held_files(anbu) == []  # nothing is kept of a file that cannot be used


@pytest.mark.parametrize("login", ["kim.a", "ops", "lee.lead"])
def test_only_an_administrator_may_enrol(
    client: TestClient, district: District, anbu: Anbu, login: str
) -> None:
    create_user(
        anbu,
        "lee.lead",
        role=Role.LEAD,
        centres=[CENTRE_A],
        password=PASSWORD,
        now=ENROLLED,
        actor="t",
    )
    log_in(client, login, page=None)
    token = _csrf(client, anbu)
    assert client.get("/enrol").status_code == 403
    answer = client.post("/enrol", data={**_person(), "csrf_token": token})
    assert answer.status_code == 403
    upload = _upload(client, token, subjects_csv(subject_row(external_id="SD-0600")))
    assert upload.status_code == 403
    assert _stored(anbu, "SD-0100") is None


def test_a_form_without_its_csrf_token_is_refused(
    client: TestClient, district: District, anbu: Anbu
) -> None:
    log_in(client, "admin", page="/enrol")
    assert client.post("/enrol", data=_person()).status_code == 403
    assert client.post("/enrol", data={**_person(), "csrf_token": "forged"}).status_code == 403
    upload = client.post("/enrol/upload", files={"file": ("a.csv", subjects_csv(subject_row()))})
    assert upload.status_code == 403
    assert _stored(anbu, "SD-0100") is None
    assert _held_files(anbu) == []


def test_the_enrolment_page_needs_a_session(client: TestClient, district: District) -> None:
    answer = client.get("/enrol")
    assert (answer.status_code, answer.headers["location"]) == (303, "/login?next=/enrol")
