"""Centre settings: periods by group, the escalation policy and the staff, for a centre's
lead and administrators only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anbu.adapters.storage.tables import audit_log, centres, subjects
from anbu.bootstrap import Anbu
from anbu.domain.escalation import Audience
from anbu.domain.kinds import Role
from anbu.entrypoints.clock import wall_clock
from anbu.services import centres as centre_policies
from anbu.services.accounts import create_user, session_user

from builders import at, subject_row
from conftest import CENTRE_A, CENTRE_B, ENROLLED, PASSWORD, District, log_in
from flows import enrol_rows

CONSENT = at("2026-11-20 09:00")


@pytest.fixture
def lead(anbu: Anbu, district: District) -> str:
    create_user(
        anbu,
        "lee.lead",
        role=Role.LEAD,
        centres=[CENTRE_A],
        password=PASSWORD,
        now=ENROLLED,
        actor="t",
    )
    return "lee.lead"


def _centre_ids(anbu: Anbu) -> dict[str, int]:
    with anbu.transaction() as store:
        return store.staff.centre_ids()


def _policy_form(**overrides: str) -> dict[str, str]:
    form = {
        "tiers[0].audience": "centre",
        "tiers[0].wait": "30",
        "tiers[1].audience": "leads",
        "tiers[1].wait": "60",
        "tiers[2].audience": "",
        "tiers[2].wait": "",
        "tiers[3].audience": "duty",
        "tiers[3].wait": "90",
        "reminders": "5",
        "reminder_every": "45",
        "self_check": "1",
        "self_check_tries": "3",
        "self_check_wait": "50",
        "contact_within": "120",
        "office_hours.start": "08:30",
        "office_hours.end": "17:30",
    }
    form.update(overrides)
    return form


def _actions(anbu: Anbu, actor: str) -> list[tuple[str, str]]:
    with anbu.transaction() as store:
        rows = store.connection.execute(
            select(audit_log.c.action, audit_log.c.detail)
            .where(audit_log.c.actor == actor)
            .order_by(audit_log.c.id)
        )
        return [(action, detail) for action, detail in rows]


def _subject(anbu: Anbu, external_id: str) -> Any:
    with anbu.transaction() as store:
        return store.subjects.by_external_id(external_id)


def test_a_lead_sees_only_their_own_centres(client: TestClient, anbu: Anbu, lead: str) -> None:
    log_in(client, lead)
    page = client.get("/centres")
    assert page.status_code == 200
    ids = _centre_ids(anbu)
    assert f'href="/centres/{ids[CENTRE_A]}"' in page.text
    assert f'href="/centres/{ids[CENTRE_B]}"' not in page.text
    assert CENTRE_B not in page.text


def test_an_administrator_sees_every_centre(
    client: TestClient, anbu: Anbu, district: District
) -> None:
    log_in(client, "admin")
    page = client.get("/centres")
    ids = _centre_ids(anbu)
    for centre_id in ids.values():
        assert f'href="/centres/{centre_id}"' in page.text
    assert client.get(f"/centres/{ids[CENTRE_B]}").status_code == 200


def test_a_lead_sets_a_policy_with_self_checks_and_reminders_and_sees_it_again(
    client: TestClient, anbu: Anbu, lead: str
) -> None:
    centre_id = _centre_ids(anbu)[CENTRE_A]
    token = log_in(client, lead, page=f"/centres/{centre_id}")
    answer = client.post(
        f"/centres/{centre_id}/policy", data={**_policy_form(), "csrf_token": token}
    )
    assert answer.status_code == 303
    stored = centre_policies.policy(anbu, CENTRE_A)
    assert [(t.audience, t.wait) for t in stored.tiers] == [
        (Audience.CENTRE, timedelta(minutes=30)),
        (Audience.LEADS, timedelta(minutes=60)),
        (Audience.DUTY, timedelta(minutes=90)),
    ]
    assert (stored.self_check, stored.self_check_tries) == (True, 3)
    assert stored.self_check_wait == timedelta(minutes=50)
    assert (stored.reminders, stored.reminder_every) == (5, timedelta(minutes=45))
    assert stored.guardian is False
    assert f"{stored.office_hours.start:%H:%M}" == "08:30"
    page = client.get(answer.headers["location"])
    assert "알림 단계를 저장했습니다" in page.text
    assert re.search(r'name="self_check" value="1"\s+checked', page.text)
    assert re.search(r'name="reminders"[^>]*\s+value="5"', page.text)
    assert re.search(r'name="tiers\[2\].wait"[^>]*value="90"', page.text)  # rows closed up
    assert 'value="08:30"' in page.text
    assert ("centre.policy_changed", CENTRE_A) in _actions(anbu, lead)


def test_a_wait_of_zero_is_shown_beside_its_field_and_nothing_changes(
    client: TestClient, anbu: Anbu, lead: str
) -> None:
    centre_id = _centre_ids(anbu)[CENTRE_A]
    token = log_in(client, lead, page=f"/centres/{centre_id}")
    before = centre_policies.policy(anbu, CENTRE_A)
    # The fourth row of the form is the policy's third tier: the error names the row.
    answer = client.post(
        f"/centres/{centre_id}/policy",
        data={**_policy_form(**{"tiers[3].wait": "0"}), "csrf_token": token},
    )
    assert answer.status_code == 400
    error = re.search(r'id="error-tiers\[3\]\.wait"[^>]*>([^<]+)<', answer.text)
    assert error, "no error beside the tier's wait"
    assert "0분은(는) 1분–7일 범위를 벗어납니다." in error[1]
    assert re.search(r'name="tiers\[3\].wait"[^>]*value="0"', answer.text)  # as typed
    assert centre_policies.policy(anbu, CENTRE_A) == before
    assert not [a for a, _ in _actions(anbu, lead) if a == "centre.policy_changed"]


def test_a_word_where_a_number_goes_is_named(client: TestClient, anbu: Anbu, lead: str) -> None:
    centre_id = _centre_ids(anbu)[CENTRE_A]
    token = log_in(client, lead, page=f"/centres/{centre_id}")
    answer = client.post(
        f"/centres/{centre_id}/policy",
        data={**_policy_form(reminders="many"), "csrf_token": token},
    )
    assert answer.status_code == 400
    assert re.search(r'id="error-reminders"[^>]*>[^<]*정수여야 합니다', answer.text)


def test_a_policy_goes_back_to_the_default(client: TestClient, anbu: Anbu, lead: str) -> None:
    centre_id = _centre_ids(anbu)[CENTRE_A]
    token = log_in(client, lead, page=f"/centres/{centre_id}")
    client.post(f"/centres/{centre_id}/policy", data={**_policy_form(), "csrf_token": token})
    answer = client.post(
        f"/centres/{centre_id}/policy", data={**_policy_form(), "reset": "1", "csrf_token": token}
    )
    assert answer.status_code == 303
    with anbu.transaction() as store:
        raw = store.connection.scalar(
            select(centres.c.escalation_policy).where(centres.c.id == centre_id)
        )
    assert raw is None


def test_a_lead_of_one_centre_cannot_reach_another(
    client: TestClient, anbu: Anbu, lead: str
) -> None:
    ids = _centre_ids(anbu)
    token = log_in(client, lead)
    other = ids[CENTRE_B]
    assert client.get(f"/centres/{other}").status_code == 404
    assert client.get("/centres/999999").status_code == 404
    policy = client.post(f"/centres/{other}/policy", data={**_policy_form(), "csrf_token": token})
    assert policy.status_code == 404
    periods = client.post(f"/centres/{other}/periods", data={"reset": "1", "csrf_token": token})
    assert periods.status_code == 404
    assert centre_policies.policy(anbu, CENTRE_B).self_check is False


@pytest.mark.parametrize("login", ["kim.a", "ops"])
def test_centre_settings_are_refused_to_other_roles(
    client: TestClient, anbu: Anbu, district: District, login: str
) -> None:
    log_in(client, login, page=None)
    user = session_user(anbu, client.cookies["anbu_session"], wall_clock())
    assert user is not None
    own = _centre_ids(anbu)[CENTRE_A]
    assert client.get("/centres").status_code == 403
    assert client.get(f"/centres/{own}").status_code == 403
    answer = client.post(
        f"/centres/{own}/policy", data={**_policy_form(), "csrf_token": user.csrf_token}
    )
    assert answer.status_code == 403
    assert centre_policies.policy(anbu, CENTRE_A).self_check is False


def test_a_change_without_its_csrf_token_is_refused(
    client: TestClient, anbu: Anbu, lead: str
) -> None:
    centre_id = _centre_ids(anbu)[CENTRE_A]
    log_in(client, lead)
    assert client.post(f"/centres/{centre_id}/policy", data=_policy_form()).status_code == 403
    forged = {**_policy_form(), "csrf_token": "forged"}
    assert client.post(f"/centres/{centre_id}/policy", data=forged).status_code == 403
    periods = {"inactivity.age_75_plus": "24", "csrf_token": "forged"}
    assert client.post(f"/centres/{centre_id}/periods", data=periods).status_code == 403
    assert centre_policies.policy(anbu, CENTRE_A).self_check is False


def _period_form(**overrides: str) -> dict[str, str]:
    form = {
        f"{kind}.{group}": hours
        for kind, hours in (("inactivity", "48"), ("phone_off", "24"))
        for group in ("under_40", "age_40_59", "age_60_74", "age_75_plus")
    }
    form.update(overrides)
    return form


def test_group_periods_move_people_without_their_own_period_and_their_due_time(
    client: TestClient, anbu: Anbu, lead: str
) -> None:
    enrol_rows(
        anbu,
        subject_row(external_id="SD-0010", phone="010-3000-0010", consent_at=CONSENT.isoformat()),
        subject_row(
            external_id="SD-0011",
            phone="010-3000-0011",
            inactivity_hours="72",
            consent_at=CONSENT.isoformat(),
        ),
        subject_row(
            external_id="SD-0012",
            phone="010-3000-0012",
            centre=CENTRE_B,
            consent_at=CONSENT.isoformat(),
        ),
        now=CONSENT,
    )
    centre_id = _centre_ids(anbu)[CENTRE_A]
    token = log_in(client, lead, page=f"/centres/{centre_id}")
    answer = client.post(
        f"/centres/{centre_id}/periods",
        data={**_period_form(**{"inactivity.age_75_plus": "24"}), "csrf_token": token},
    )
    assert answer.status_code == 303
    moved = _subject(anbu, "SD-0010")
    assert moved.inactivity_minutes == 24 * 60
    assert moved.next_due_at == CONSENT + timedelta(hours=24)
    own = _subject(anbu, "SD-0011")  # a period of their own stays theirs
    assert own.inactivity_minutes == 72 * 60
    assert own.next_due_at == CONSENT + timedelta(hours=72)
    elsewhere = _subject(anbu, "SD-0012")  # another centre's person
    assert elsewhere.inactivity_minutes == 48 * 60
    assert elsewhere.next_due_at == CONSENT + timedelta(hours=48)
    page = client.get(answer.headers["location"])
    assert re.search(r'id="moved">\d+<', page.text)
    assert re.search(r'name="inactivity.age_75_plus"[^>]*value="24"', page.text)
    assert any(
        action == "centre.periods_changed" and CENTRE_A in detail
        for action, detail in _actions(anbu, lead)
    )


def test_a_period_out_of_bounds_is_shown_beside_its_field(
    client: TestClient, anbu: Anbu, lead: str
) -> None:
    centre_id = _centre_ids(anbu)[CENTRE_A]
    token = log_in(client, lead, page=f"/centres/{centre_id}")
    answer = client.post(
        f"/centres/{centre_id}/periods",
        data={**_period_form(**{"phone_off.under_40": "0.5"}), "csrf_token": token},
    )
    assert answer.status_code == 400
    assert re.search(r'id="error-phone_off.under_40"[^>]*>[^<]*허용 범위', answer.text)
    assert _subject(anbu, "SD-0001").phone_off_minutes == 24 * 60
    with anbu.transaction() as store:
        assert (
            store.connection.scalar(
                select(centres.c.group_periods).where(centres.c.id == centre_id)
            )
            is None
        )


def test_the_centre_page_lists_its_staff_and_flags_a_contact_problem(
    client: TestClient, anbu: Anbu, lead: str
) -> None:
    with anbu.transaction() as store:
        staff = store.staff
        officer = staff.by_login("kim.a")
        assert officer is not None
        store.staff.flag_contact(officer.id, "SMS refused: unknown subscriber")
    log_in(client, lead)
    page = client.get(f"/centres/{_centre_ids(anbu)[CENTRE_A]}")
    row = re.search(r'<tr data-login="kim.a">(.*?)</tr>', page.text, re.S)
    assert row, "the centre's officer is not listed"
    assert "담당 공무원" in row[1]
    assert "SMS refused: unknown subscriber" in row[1]
    assert 'data-login="lee.lead"' in page.text
    assert 'data-login="park.b"' not in page.text  # centre B's officer


def _detection(anbu: Anbu, external_id: str) -> str:
    with anbu.transaction() as store:
        return str(
            store.connection.scalar(
                select(subjects.c.detection).where(subjects.c.external_id == external_id)
            )
        )


def test_a_lead_switches_the_centres_people_to_personal_detection(
    client: TestClient, anbu: Anbu, lead: str
) -> None:
    enrol_rows(
        anbu,
        subject_row(external_id="SD-0020", phone="010-3000-0020", consent_at=CONSENT.isoformat()),
        subject_row(
            external_id="SD-0021",
            phone="010-3000-0021",
            detection="fixed",  # chosen for the person: stays
            consent_at=CONSENT.isoformat(),
        ),
        subject_row(
            external_id="SD-0022",
            phone="010-3000-0022",
            centre=CENTRE_B,
            consent_at=CONSENT.isoformat(),
        ),
        now=CONSENT,
    )
    centre_id = _centre_ids(anbu)[CENTRE_A]
    token = log_in(client, lead, page=f"/centres/{centre_id}")
    page = client.get(f"/centres/{centre_id}")
    assert re.search(r'id="detection-now">고정 기준<', page.text)
    assert re.search(r'value="fixed" checked', page.text)

    answer = client.post(
        f"/centres/{centre_id}/detection", data={"detection": "personal", "csrf_token": token}
    )
    assert answer.status_code == 303
    shown = client.get(answer.headers["location"])
    assert re.search(r'id="moved">2<', shown.text)  # SD-0001 and SD-0020
    assert re.search(r'id="detection-now">개인 맞춤<', shown.text)
    assert re.search(r'value="personal" checked', shown.text)
    assert _detection(anbu, "SD-0020") == "personal"
    assert _detection(anbu, "SD-0021") == "fixed"
    assert _detection(anbu, "SD-0022") == "fixed"
    assert centre_policies.detection(anbu, CENTRE_B).value == "fixed"
    assert any(action == "centre.detection_changed" for action, _ in _actions(anbu, lead))

    wrong = client.post(
        f"/centres/{centre_id}/detection", data={"detection": "psychic", "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert 'data-field="detection"' in wrong.text
    assert _detection(anbu, "SD-0020") == "personal"
    other = _centre_ids(anbu)[CENTRE_B]
    refused = client.post(
        f"/centres/{other}/detection", data={"detection": "personal", "csrf_token": token}
    )
    assert refused.status_code == 404
    assert _detection(anbu, "SD-0022") == "fixed"
