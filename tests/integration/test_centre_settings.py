"""A centre's own periods by group and its policy, through the service: who moves, who
stays, what the sweep then sees, and who may change them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from anbu.adapters.catalogue import say
from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import audit_log
from anbu.bootstrap import Anbu
from anbu.domain.escalation import PolicyError
from anbu.domain.kinds import Group, Role
from anbu.domain.rejections import Rejection
from anbu.domain.subjects import GroupPeriods
from anbu.services import centre_settings
from anbu.services.accounts import StaffUser
from anbu.services.centre_settings import CentreNotFoundError, PeriodsError
from anbu.services.subjects import withdraw

from builders import at, event, subject_row, subjects_csv, watermark
from flows import enrol_rows, feed, sweep_at

NOW = at("2026-11-20 09:00")
CONSENT = "2026-11-20T09:00:00+09:00"
CENTRE_A, CENTRE_B = "왕십리도선동", "마장동"
HOURS = {
    f"{kind}.{group.value}": hours
    for kind, hours in (("inactivity", "48"), ("phone_off", "24"))
    for group in Group
}


def _user(anbu: Anbu, role: Role, *centres: str) -> StaffUser:
    with anbu.transaction() as store:
        ids = store.staff.centre_ids()
    return StaffUser(1, f"{role.value}.test", role, frozenset(ids[name] for name in centres))


def _centre_id(anbu: Anbu, name: str) -> int:
    with anbu.transaction() as store:
        return store.staff.centre_ids()[name]


def _row(anbu: Anbu, external_id: str) -> Any:
    with anbu.transaction() as store:
        return store.subjects.by_external_id(external_id)


def _periods(**hours: str) -> GroupPeriods:
    return centre_settings.periods_from_hours({**HOURS, **hours})


@pytest.fixture
def people(anbu: Anbu) -> None:
    enrol_rows(
        anbu,
        # 75 and over, the group's periods
        subject_row(external_id="P-DEFAULT", phone="010-3000-0001", consent_at=CONSENT),
        # an inactivity period of their own, the group's phone-off period
        subject_row(
            external_id="P-OWN",
            phone="010-3000-0002",
            inactivity_hours="72",
            consent_at=CONSENT,
        ),
        # 40–59: another group of the same centre
        subject_row(
            external_id="P-YOUNGER",
            phone="010-3000-0003",
            birth_date="1975-01-01",
            consent_at=CONSENT,
        ),
        subject_row(
            external_id="P-ELSEWHERE", phone="010-3000-0004", centre=CENTRE_B, consent_at=CONSENT
        ),
        subject_row(external_id="P-GONE", phone="010-3000-0005", consent_at=CONSENT),
        now=NOW,
    )


def test_it_moves_the_default_periods_of_the_centres_people_only(anbu: Anbu, people: None) -> None:
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    centre_id = _centre_id(anbu, CENTRE_A)
    periods = _periods(**{"inactivity.age_75_plus": "24", "phone_off.age_75_plus": "12"})
    moved = centre_settings.set_periods(anbu, lead, centre_id, periods, now=NOW)
    assert moved == 3  # P-DEFAULT, P-OWN (phone-off only), P-GONE; P-YOUNGER's are the same
    default = _row(anbu, "P-DEFAULT")
    assert (default.inactivity_minutes, default.phone_off_minutes) == (24 * 60, 12 * 60)
    assert default.next_due_at == NOW + timedelta(hours=24)
    own = _row(anbu, "P-OWN")
    assert (own.inactivity_minutes, own.inactivity_custom) == (72 * 60, True)
    assert own.phone_off_minutes == 12 * 60
    assert own.next_due_at == NOW + timedelta(hours=72)
    assert _row(anbu, "P-YOUNGER").inactivity_minutes == 48 * 60
    elsewhere = _row(anbu, "P-ELSEWHERE")
    assert elsewhere.inactivity_minutes == 48 * 60
    assert elsewhere.next_due_at == NOW + timedelta(hours=48)


def test_the_sweep_follows_the_new_period(anbu: Anbu, people: None) -> None:
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    centre_id = _centre_id(anbu, CENTRE_A)
    centre_settings.set_periods(
        anbu, lead, centre_id, _periods(**{"inactivity.age_75_plus": "24"}), now=NOW
    )
    day_later = NOW + timedelta(hours=25)
    feed(anbu, watermark("SKT", day_later), now=day_later)
    opened = {alert.subject_id for alert in sweep_at(anbu, day_later).opened}
    due = {_row(anbu, name).id for name in ("P-DEFAULT", "P-GONE")}
    assert opened == due  # not P-OWN (72 h), P-YOUNGER or P-ELSEWHERE (48 h)


def test_the_due_time_counts_from_the_last_sign_of_life(anbu: Anbu, people: None) -> None:
    called = NOW + timedelta(hours=10)
    feed(anbu, event("010-3000-0001", "call_out", called), now=called)
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    centre_settings.set_periods(
        anbu,
        lead,
        _centre_id(anbu, CENTRE_A),
        _periods(**{"inactivity.age_75_plus": "30"}),
        now=called,
    )
    assert _row(anbu, "P-DEFAULT").next_due_at == called + timedelta(hours=30)


def test_a_withdrawn_person_is_left_alone(anbu: Anbu, people: None) -> None:
    withdraw(anbu, "P-GONE", now=NOW, actor="test")
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    centre_settings.set_periods(
        anbu,
        lead,
        _centre_id(anbu, CENTRE_A),
        _periods(**{"inactivity.age_75_plus": "24"}),
        now=NOW,
    )
    gone = _row(anbu, "P-GONE")
    assert gone.inactivity_minutes == 48 * 60
    assert gone.next_due_at is None  # no due time for someone no longer watched


def test_going_back_to_the_districts_periods_moves_people_back(anbu: Anbu, people: None) -> None:
    admin = _user(anbu, Role.ADMIN)
    centre_id = _centre_id(anbu, CENTRE_A)
    centre_settings.set_periods(
        anbu, admin, centre_id, _periods(**{"inactivity.age_75_plus": "24"}), now=NOW
    )
    centre_settings.set_periods(anbu, admin, centre_id, None, now=NOW)
    default = _row(anbu, "P-DEFAULT")
    assert default.inactivity_minutes == 48 * 60
    assert default.next_due_at == NOW + timedelta(hours=48)
    with anbu.transaction() as store:
        assert store.centres.group_periods(centre_id) is None
    shown = centre_settings.settings_of(anbu, admin, centre_id)
    assert (shown.periods_set, shown.periods) == (False, anbu.periods)


def test_a_centres_periods_are_kept_and_read_back(anbu: Anbu, people: None) -> None:
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    centre_id = _centre_id(anbu, CENTRE_A)
    with pytest.raises(PeriodsError):  # 1.5 h is under the 12 h a period may be
        _periods(**{"inactivity.under_40": "1.5"})
    periods = _periods(**{"inactivity.under_40": "96.5", "phone_off.age_60_74": "2"})
    centre_settings.set_periods(anbu, lead, centre_id, periods, now=NOW)
    shown = centre_settings.settings_of(anbu, lead, centre_id)
    assert shown.periods_set
    assert shown.periods == periods
    assert shown.periods.inactivity[Group.UNDER_40] == timedelta(hours=96, minutes=30)


def test_it_audits_each_change_of_periods(anbu: Anbu, people: None) -> None:
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    centre_settings.set_periods(
        anbu, lead, _centre_id(anbu, CENTRE_A), _periods(**{"phone_off.age_40_59": "6"}), now=NOW
    )
    with anbu.transaction() as store:
        rows = store.connection.execute(
            select(audit_log.c.actor, audit_log.c.detail).where(
                audit_log.c.action == "centre.periods_changed"
            )
        ).all()
    assert len(rows) == 1
    assert rows[0].actor == lead.login
    assert rows[0].detail.startswith(CENTRE_A)
    assert "1 people moved" in rows[0].detail


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("inactivity.age_75_plus", "", "is required"),
        ("inactivity.age_75_plus", "soon", "is not a number of hours"),
        ("inactivity.age_75_plus", "NaN", "is not a number of hours"),
        ("inactivity.under_40", "337", "outside the allowed 12–336 h"),
        ("phone_off.age_60_74", "0.5", "outside the allowed 1–336 h"),
    ],
)
def test_a_bad_period_names_its_field(field: str, value: str, reason: str) -> None:
    with pytest.raises(PeriodsError) as refused:
        centre_settings.periods_from_hours({**HOURS, field: value})
    assert refused.value.field == field
    assert reason in say(refused.value.reason, "en")


def test_a_lead_cannot_reach_another_centre_nor_an_officer_any(anbu: Anbu, people: None) -> None:
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    officer = _user(anbu, Role.OFFICER, CENTRE_A)
    other = _centre_id(anbu, CENTRE_B)
    with pytest.raises(CentreNotFoundError):
        centre_settings.settings_of(anbu, lead, other)
    with pytest.raises(CentreNotFoundError):
        centre_settings.set_periods(anbu, lead, other, None, now=NOW)
    with pytest.raises(CentreNotFoundError):
        centre_settings.set_policy(anbu, lead, other, {"self_check": True}, now=NOW)
    with pytest.raises(CentreNotFoundError):
        centre_settings.settings_of(anbu, officer, _centre_id(anbu, CENTRE_A))
    assert [c.name for c in centre_settings.centres(anbu, lead)] == [CENTRE_A]
    assert centre_settings.centres(anbu, officer) == []
    everyone = centre_settings.centres(anbu, _user(anbu, Role.ADMIN))
    assert {c.name: c.people for c in everyone} == {CENTRE_A: 4, CENTRE_B: 1}


def test_a_bad_policy_names_its_field_and_changes_nothing(anbu: Anbu, people: None) -> None:
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    centre_id = _centre_id(anbu, CENTRE_A)
    document = {"tiers": [{"audience": "centre", "wait": 30}, {"audience": "duty", "wait": 0}]}
    with pytest.raises(PolicyError) as refused:
        centre_settings.set_policy(anbu, lead, centre_id, document, now=NOW)
    assert refused.value.field == "tiers[1].wait"
    assert not centre_settings.settings_of(anbu, lead, centre_id).policy_set
    with anbu.transaction() as store:
        count = store.connection.scalar(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "centre.policy_changed")
        )
    assert count == 0


def test_an_enrolment_takes_its_default_periods_from_a_table() -> None:
    periods = _periods(**{"inactivity.age_75_plus": "24", "phone_off.age_75_plus": "6"})
    rows = read_subjects(
        subjects_csv(
            subject_row(external_id="X", inactivity_hours="72", consent_at=CONSENT),
            subject_row(external_id="Y", phone="010-9999-0000", consent_at=CONSENT),
        ),
        now=NOW,
        periods=GroupPeriods(),
    )
    own, default = (
        centre_settings.with_centre_periods(row[1], periods)
        for row in rows
        if not isinstance(row, Rejection)
    )
    assert (own.inactivity, own.inactivity_custom) == (timedelta(hours=72), True)
    assert own.phone_off == timedelta(hours=6)
    assert (default.inactivity, default.phone_off) == (timedelta(hours=24), timedelta(hours=6))


def test_a_policy_field_left_out_keeps_its_value(anbu: Anbu, people: None) -> None:
    lead = _user(anbu, Role.LEAD, CENTRE_A)
    centre_id = _centre_id(anbu, CENTRE_A)
    centre_settings.set_policy(anbu, lead, centre_id, {"guardian": True}, now=NOW)
    changed = centre_settings.set_policy(anbu, lead, centre_id, {"reminders": 7}, now=NOW)
    assert (changed.guardian, changed.reminders) == (True, 7)
