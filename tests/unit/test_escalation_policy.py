"""Escalation policies: their plans, their JSON form, routing and office hours."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anbu.adapters.catalogue import say
from anbu.domain.escalation import (
    TIER_AUDIENCES,
    Audience,
    EscalationPolicy,
    OfficeHours,
    PlannedStep,
    PolicyError,
    StepKind,
    Tier,
    acknowledged_plan,
    first_staff_step_index,
    is_office_hours,
    route,
    step_audiences,
    unacknowledged_plan,
)

KST = timezone(timedelta(hours=9))
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
HOURS = OfficeHours()
NO_HOLIDAYS: frozenset[date] = frozenset()


def seoul(text: str) -> datetime:
    """`seoul("2026-11-20 09:00:00")` is that instant in Seoul (2026-11-20 is a Friday)."""
    return datetime.fromisoformat(text).replace(tzinfo=KST)


def shape(plan: tuple[PlannedStep, ...]) -> list[tuple[StepKind, Audience, int, bool]]:
    return [(s.kind, s.audience, s.wait // MINUTE, s.last) for s in plan]


# --- plans --------------------------------------------------------------------------------


def test_the_default_plan_notifies_each_tier_then_reminds_the_duty_desk() -> None:
    assert shape(unacknowledged_plan(EscalationPolicy())) == [
        (StepKind.NOTIFY, Audience.CENTRE, 60, False),
        (StepKind.NOTIFY, Audience.LEADS, 60, False),
        (StepKind.NOTIFY, Audience.DUTY, 60, False),
        (StepKind.REMIND, Audience.DUTY, 60, False),
        (StepKind.REMIND, Audience.DUTY, 60, False),
        (StepKind.REMIND, Audience.DUTY, 60, True),
    ]


def test_a_self_check_policy_texts_the_person_before_any_staff() -> None:
    policy = EscalationPolicy(self_check=True, self_check_wait=timedelta(minutes=50))
    assert shape(unacknowledged_plan(policy))[:3] == [
        (StepKind.SELF_CHECK, Audience.SUBJECT, 50, False),
        (StepKind.SELF_CHECK, Audience.SUBJECT, 50, False),
        (StepKind.NOTIFY, Audience.CENTRE, 60, False),
    ]


def test_the_number_of_self_check_tries_is_the_policys() -> None:
    policy = EscalationPolicy(self_check=True, self_check_tries=3)
    kinds = [step.kind for step in unacknowledged_plan(policy)]
    assert kinds.count(StepKind.SELF_CHECK) == 3


def test_a_single_tier_is_notified_then_reminded() -> None:
    policy = EscalationPolicy(tiers=(Tier(Audience.DUTY, 30 * MINUTE),), reminders=2)
    assert shape(unacknowledged_plan(policy)) == [
        (StepKind.NOTIFY, Audience.DUTY, 30, False),
        (StepKind.REMIND, Audience.DUTY, 60, False),
        (StepKind.REMIND, Audience.DUTY, 60, True),
    ]


def test_with_no_reminders_the_last_tier_is_the_last_step() -> None:
    assert shape(unacknowledged_plan(EscalationPolicy(reminders=0)))[-1] == (
        StepKind.NOTIFY,
        Audience.DUTY,
        60,
        True,
    )


def test_a_single_tier_with_no_reminders_is_a_plan_of_one_step() -> None:
    policy = EscalationPolicy(tiers=(Tier(Audience.CENTRE, HOUR),), reminders=0)
    assert shape(unacknowledged_plan(policy)) == [(StepKind.NOTIFY, Audience.CENTRE, 60, True)]


def test_after_an_ack_the_acknowledger_is_reminded_then_the_second_tier_told() -> None:
    assert shape(acknowledged_plan(EscalationPolicy())) == [
        (StepKind.CONTACT_REMINDER, Audience.ACKNOWLEDGER, 240, False),
        (StepKind.CONTACT_ESCALATE, Audience.LEADS, 240, True),
    ]


def test_after_an_ack_a_single_tier_policy_escalates_to_that_tier() -> None:
    policy = EscalationPolicy(tiers=(Tier(Audience.CENTRE, HOUR),))
    assert acknowledged_plan(policy)[-1].audience is Audience.CENTRE


def test_the_first_staff_step_follows_the_self_checks() -> None:
    policy = EscalationPolicy(self_check=True, self_check_tries=2)
    assert first_staff_step_index(unacknowledged_plan(policy)) == 2
    assert first_staff_step_index(unacknowledged_plan(EscalationPolicy())) == 0
    assert first_staff_step_index(acknowledged_plan(policy)) is None


# --- the JSON form ------------------------------------------------------------------------


def test_the_default_policy_has_a_plain_json_form() -> None:
    assert EscalationPolicy().to_json() == {
        "version": 1,
        "tiers": [
            {"audience": "centre", "wait": 60},
            {"audience": "leads", "wait": 60},
            {"audience": "duty", "wait": 60},
        ],
        "reminders": 3,
        "reminder_every": 60,
        "self_check": False,
        "self_check_tries": 2,
        "self_check_wait": 60,
        "guardian": False,
        "contact_within": 240,
        "office_hours": {"start": "09:00", "end": "18:00"},
    }


def test_missing_fields_take_the_defaults() -> None:
    assert EscalationPolicy.from_json({}) == EscalationPolicy()
    assert EscalationPolicy.from_json({"version": 1, "guardian": True}) == EscalationPolicy(
        guardian=True
    )


def test_missing_office_hours_fields_take_the_defaults() -> None:
    policy = EscalationPolicy.from_json({"office_hours": {"end": "17:30"}})
    assert policy.office_hours == OfficeHours(time(9, 0), time(17, 30))


minutes = st.integers(min_value=1, max_value=7 * 24 * 60).map(lambda m: m * MINUTE)
tiers = st.builds(Tier, st.sampled_from(sorted(TIER_AUDIENCES)), minutes)
clock_times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
office_hours = (
    st.tuples(clock_times, clock_times)
    .filter(lambda pair: pair[0] != pair[1])
    .map(lambda pair: OfficeHours(*sorted(pair)))
)
policies = st.builds(
    EscalationPolicy,
    tiers=st.lists(tiers, min_size=1, max_size=10).map(tuple),
    reminders=st.integers(0, 24),
    reminder_every=minutes,
    self_check=st.booleans(),
    self_check_tries=st.integers(1, 5),
    self_check_wait=minutes,
    guardian=st.booleans(),
    contact_within=st.integers(15, 3 * 24 * 60).map(lambda m: m * MINUTE),
    office_hours=office_hours,
)


@given(policies)
def test_any_valid_policy_round_trips_through_json_text(policy: EscalationPolicy) -> None:
    text = json.dumps(policy.to_json())
    assert EscalationPolicy.from_json(json.loads(text)) == policy


def with_field(**changes: Any) -> dict[str, Any]:
    document = EscalationPolicy().to_json()
    document.update(changes)
    return document


@pytest.mark.parametrize(
    ("document", "field", "reason"),
    [
        (with_field(version=2), "version", "unsupported version 2"),
        (with_field(version="1"), "version", "unsupported version '1'"),
        (with_field(tiers=[]), "tiers", "at least one tier"),
        (with_field(tiers="centre"), "tiers", "must be a list"),
        (with_field(tiers=[{"audience": "centre", "wait": 60}] * 11), "tiers", "at most 10"),
        (
            with_field(
                tiers=[{"audience": "centre", "wait": 60}, {"audience": "leads", "wait": 0}]
            ),
            "tiers[1].wait",
            "0 min is outside 1 min–7 d",
        ),
        (
            with_field(tiers=[{"audience": "centre", "wait": 7 * 24 * 60 + 1}]),
            "tiers[0].wait",
            "outside 1 min–7 d",
        ),
        (with_field(tiers=[{"audience": "centre", "wait": 10**30}]), "tiers[0].wait", "outside"),
        (with_field(tiers=[{"audience": "centre", "wait": 1.5}]), "tiers[0].wait", "whole"),
        (with_field(tiers=[{"audience": "centre", "wait": True}]), "tiers[0].wait", "whole"),
        (with_field(tiers=[{"audience": "centre"}]), "tiers[0].wait", "missing"),
        (with_field(tiers=[{"wait": 60}]), "tiers[0].audience", "missing"),
        (with_field(tiers=["centre"]), "tiers[0]", "must be an object"),
        (
            with_field(tiers=[{"audience": "centre", "wait": 60, "who": "x"}]),
            "tiers[0].who",
            "unknown field",
        ),
        (
            with_field(tiers=[{"audience": "mayor", "wait": 60}]),
            "tiers[0].audience",
            "unknown audience 'mayor'",
        ),
        (
            with_field(tiers=[{"audience": ["centre"], "wait": 60}]),
            "tiers[0].audience",
            "unknown audience",
        ),
        (
            with_field(tiers=[{"audience": "guardian", "wait": 60}]),
            "tiers[0].audience",
            "cannot be a tier",
        ),
        (with_field(reminders=25), "reminders", "25 is outside 0–24"),
        (with_field(reminders=-1), "reminders", "outside"),
        (with_field(reminders=True), "reminders", "whole number"),
        (with_field(reminder_every=0), "reminder_every", "outside"),
        (with_field(self_check="yes"), "self_check", "true or false"),
        (with_field(self_check_tries=0), "self_check_tries", "0 is outside 1–5"),
        (with_field(self_check_tries=6), "self_check_tries", "outside"),
        (with_field(self_check_wait=0), "self_check_wait", "outside"),
        (with_field(guardian=1), "guardian", "true or false"),
        (with_field(contact_within=14), "contact_within", "14 min is outside 15 min–3 d"),
        (with_field(contact_within=3 * 24 * 60 + 1), "contact_within", "outside"),
        (with_field(office_hours="09-18"), "office_hours", "must be an object"),
        (with_field(office_hours={"start": "9:00"}), "office_hours.start", "HH:MM"),
        (with_field(office_hours={"end": "24:00"}), "office_hours.end", "HH:MM"),
        (with_field(office_hours={"end": 18}), "office_hours.end", "HH:MM"),
        (
            with_field(office_hours={"start": "18:00", "end": "09:00"}),
            "office_hours.end",
            "not after the start",
        ),
        (
            with_field(office_hours={"start": "09:00", "lunch": "12:00"}),
            "office_hours.lunch",
            "unknown field",
        ),
        (with_field(reminder=5), "reminder", "unknown field"),
    ],
)
def test_a_bad_document_is_refused_naming_the_field(
    document: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(PolicyError) as refused:
        EscalationPolicy.from_json(document)
    assert refused.value.field == field
    assert reason in say(refused.value.reason, "en")


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(PolicyError) as refused:
        EscalationPolicy.from_json([])  # type: ignore[arg-type]
    assert refused.value.field == "policy"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tiers": ()}, "tiers"),
        (
            {"tiers": (Tier(Audience.CENTRE, HOUR), Tier(Audience.SUBJECT, HOUR))},
            "tiers[1].audience",
        ),
        ({"tiers": (Tier(Audience.ACKNOWLEDGER, HOUR),)}, "tiers[0].audience"),
        ({"tiers": (Tier(Audience.CENTRE, timedelta(seconds=90)),)}, "tiers[0].wait"),
        ({"tiers": (Tier(Audience.CENTRE, timedelta(seconds=30)),)}, "tiers[0].wait"),
        ({"reminder_every": timedelta(days=8)}, "reminder_every"),
        ({"contact_within": timedelta(days=4)}, "contact_within"),
        ({"reminders": 25}, "reminders"),
    ],
)
def test_an_invalid_policy_cannot_be_built_by_hand(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(PolicyError) as refused:
        EscalationPolicy(**changes)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (time(18), time(9), "office_hours.end"),
        (time(9), time(9), "office_hours.end"),
        (time(9, 0, 30), time(18), "office_hours.start"),
        (time(9, tzinfo=UTC), time(18), "office_hours.start"),
    ],
)
def test_invalid_office_hours_cannot_be_built(start: time, end: time, field: str) -> None:
    with pytest.raises(PolicyError) as refused:
        OfficeHours(start, end)
    assert refused.value.field == field


# --- routing and audiences ----------------------------------------------------------------


@pytest.mark.parametrize("audience", [Audience.CENTRE, Audience.LEADS])
def test_the_centre_is_told_in_office_hours(audience: Audience) -> None:
    assert route(audience, office_hours=True) is audience


def test_the_centre_goes_to_the_duty_desk_outside_office_hours() -> None:
    assert route(Audience.CENTRE, office_hours=False) is Audience.DUTY


@pytest.mark.parametrize(
    "audience",
    [Audience.LEADS, Audience.DUTY, Audience.SUBJECT, Audience.GUARDIAN, Audience.ACKNOWLEDGER],
)
@pytest.mark.parametrize("office_hours", [True, False])
def test_other_audiences_are_never_rerouted(audience: Audience, office_hours: bool) -> None:
    assert route(audience, office_hours=office_hours) is audience


def test_the_guardian_is_told_with_the_first_staff_step_only() -> None:
    policy = EscalationPolicy(guardian=True, self_check=True)
    plan = unacknowledged_plan(policy)
    first = first_staff_step_index(plan)
    told = [
        step_audiences(step, policy, office_hours=True, first_staff_step=index == first)
        for index, step in enumerate(plan)
    ]
    assert first == 2
    assert [i for i, audiences in enumerate(told) if Audience.GUARDIAN in audiences] == [first]
    assert told[first] == (Audience.CENTRE, Audience.GUARDIAN)


def test_the_guardian_is_told_at_night_along_with_the_duty_desk() -> None:
    policy = EscalationPolicy(guardian=True)
    step = unacknowledged_plan(policy)[0]
    assert step_audiences(step, policy, office_hours=False, first_staff_step=True) == (
        Audience.DUTY,
        Audience.GUARDIAN,
    )


def test_the_guardian_is_not_told_when_the_policy_says_not_to() -> None:
    policy = EscalationPolicy(guardian=False)
    step = unacknowledged_plan(policy)[0]
    assert step_audiences(step, policy, office_hours=True, first_staff_step=True) == (
        Audience.CENTRE,
    )


def test_the_guardian_is_not_told_with_a_self_check() -> None:
    policy = EscalationPolicy(guardian=True, self_check=True)
    step = unacknowledged_plan(policy)[0]
    assert step_audiences(step, policy, office_hours=True, first_staff_step=True) == (
        Audience.SUBJECT,
    )


def test_the_acknowledger_is_reminded_at_night_too() -> None:
    policy = EscalationPolicy()
    reminder, escalation = acknowledged_plan(policy)
    assert step_audiences(reminder, policy, office_hours=False, first_staff_step=False) == (
        Audience.ACKNOWLEDGER,
    )
    # The lead is woken: the duty desk may be the one that acknowledged.
    assert step_audiences(escalation, policy, office_hours=False, first_staff_step=False) == (
        Audience.LEADS,
    )


# --- office hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "staffed"),
    [
        ("2026-11-20 08:59:59", False),
        ("2026-11-20 09:00:00", True),
        ("2026-11-20 17:59:59", True),
        ("2026-11-20 18:00:00", False),
        ("2026-11-20 00:00:00", False),
        ("2026-11-21 12:00:00", False),  # Saturday
        ("2026-11-22 12:00:00", False),  # Sunday
        ("2026-11-23 12:00:00", True),  # Monday
    ],
)
def test_office_hours_are_weekdays_from_nine_to_six(text: str, staffed: bool) -> None:
    assert is_office_hours(seoul(text), HOURS, NO_HOLIDAYS) is staffed


def test_a_public_holiday_is_outside_office_hours() -> None:
    chuseok = seoul("2026-09-25 11:00:00")  # a Friday
    assert is_office_hours(chuseok, HOURS, NO_HOLIDAYS)
    assert not is_office_hours(chuseok, HOURS, {date(2026, 9, 25)})


def test_an_instant_in_utc_is_judged_in_seoul() -> None:
    # 00:00Z is 09:00 in Seoul, 08:59:59Z is 17:59:59, 09:00Z is 18:00.
    assert is_office_hours(datetime(2026, 11, 20, 0, 0, tzinfo=UTC), HOURS, NO_HOLIDAYS)
    assert is_office_hours(datetime(2026, 11, 20, 8, 59, 59, tzinfo=UTC), HOURS, NO_HOLIDAYS)
    assert not is_office_hours(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), HOURS, NO_HOLIDAYS)
    assert not is_office_hours(datetime(2026, 11, 19, 23, 59, tzinfo=UTC), HOURS, NO_HOLIDAYS)


def test_the_holiday_is_the_seoul_date_not_the_utc_date() -> None:
    # Friday 2026-12-25 10:00 in Seoul is still Thursday 24 December in UTC.
    christmas_morning = datetime(2026, 12, 25, 1, 0, tzinfo=UTC)
    assert not is_office_hours(christmas_morning, HOURS, {date(2026, 12, 25)})


def test_the_weekday_is_the_seoul_weekday() -> None:
    # Friday 20:00 in New York is Saturday 10:00 in Seoul.
    new_york = timezone(timedelta(hours=-5))
    assert not is_office_hours(datetime(2026, 11, 20, 20, 0, tzinfo=new_york), HOURS, NO_HOLIDAYS)


def test_a_centres_own_hours_apply() -> None:
    early = OfficeHours(time(8, 0), time(17, 0))
    assert is_office_hours(seoul("2026-11-20 08:00:00"), early, NO_HOLIDAYS)
    assert not is_office_hours(seoul("2026-11-20 17:00:00"), early, NO_HOLIDAYS)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        is_office_hours(datetime(2026, 11, 20, 10, 0), HOURS, NO_HOLIDAYS)


# --- properties of every plan -------------------------------------------------------------


@given(policies)
def test_the_unacknowledged_plan_is_never_empty_and_ends_once(policy: EscalationPolicy) -> None:
    plan = unacknowledged_plan(policy)
    assert plan
    assert [step.last for step in plan] == [False] * (len(plan) - 1) + [True]


@given(policies)
def test_the_acknowledged_plan_ends_once(policy: EscalationPolicy) -> None:
    assert [step.last for step in acknowledged_plan(policy)] == [False, True]


@given(policies)
def test_every_notify_goes_to_a_tier_in_order(policy: EscalationPolicy) -> None:
    notified = [s.audience for s in unacknowledged_plan(policy) if s.kind is StepKind.NOTIFY]
    assert notified == [tier.audience for tier in policy.tiers]


@given(policies)
def test_the_unacknowledged_plan_spans_the_sum_of_the_policys_waits(
    policy: EscalationPolicy,
) -> None:
    plan = unacknowledged_plan(policy)
    expected = (
        sum((tier.wait for tier in policy.tiers), timedelta())
        + policy.reminders * policy.reminder_every
        + (policy.self_check_tries * policy.self_check_wait if policy.self_check else timedelta())
    )
    assert sum((step.wait for step in plan), timedelta()) == expected


@given(policies)
def test_staff_steps_route_only_to_staff(policy: EscalationPolicy) -> None:
    plan = unacknowledged_plan(policy)
    first = first_staff_step_index(plan)
    for index, step in enumerate(plan):
        for office_hours in (True, False):
            audiences = step_audiences(
                step, policy, office_hours=office_hours, first_staff_step=index == first
            )
            assert len(set(audiences)) == len(audiences)
            if step.kind is not StepKind.SELF_CHECK:
                assert audiences[0] in TIER_AUDIENCES
            if not office_hours:
                assert Audience.CENTRE not in audiences
