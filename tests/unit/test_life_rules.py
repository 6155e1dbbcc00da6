"""Which activity kinds prove that a person is alive, and which show the phone is on."""

import pytest

from anbu.domain.activity import LifeRules
from anbu.domain.kinds import ActivityKind

RULES = LifeRules()


@pytest.mark.parametrize(
    "kind",
    [ActivityKind.CALL_OUT, ActivityKind.SMS_OUT, ActivityKind.POWER_ON, ActivityKind.CHECKIN],
)
def test_it_counts_what_the_person_does_as_a_sign_of_life(kind: ActivityKind) -> None:
    assert RULES.is_sign_of_life(kind, None)


def test_it_counts_an_outgoing_call_of_any_duration() -> None:
    assert RULES.is_sign_of_life(ActivityKind.CALL_OUT, 0)


def test_it_counts_an_answered_incoming_call() -> None:
    assert RULES.is_sign_of_life(ActivityKind.CALL_IN, 1)


@pytest.mark.parametrize("duration_s", [0, None])
def test_it_does_not_count_a_missed_incoming_call(duration_s: int | None) -> None:
    assert not RULES.is_sign_of_life(ActivityKind.CALL_IN, duration_s)


def test_it_does_not_count_an_arriving_text() -> None:
    assert not RULES.is_sign_of_life(ActivityKind.SMS_IN, None)


def test_it_does_not_count_data_by_default() -> None:
    assert not RULES.is_sign_of_life(ActivityKind.DATA, 300)


def test_it_counts_data_when_configured_to() -> None:
    assert LifeRules(data_counts=True).is_sign_of_life(ActivityKind.DATA, 300)


def test_it_does_not_count_the_phone_going_off() -> None:
    assert not RULES.is_sign_of_life(ActivityKind.POWER_OFF, None)


@pytest.mark.parametrize(
    ("kind", "duration_s"),
    [
        (ActivityKind.POWER_ON, None),
        (ActivityKind.CALL_OUT, 0),
        (ActivityKind.SMS_OUT, None),
        (ActivityKind.CHECKIN, None),
        (ActivityKind.CALL_IN, 30),
    ],
)
def test_it_takes_the_persons_own_activity_as_the_phone_being_on(
    kind: ActivityKind, duration_s: int | None
) -> None:
    assert RULES.shows_phone_on(kind, duration_s)


def test_it_takes_a_data_session_as_the_phone_being_on_even_when_data_is_not_life() -> None:
    assert RULES.shows_phone_on(ActivityKind.DATA, None)


@pytest.mark.parametrize(
    ("kind", "duration_s"),
    [
        (ActivityKind.POWER_OFF, None),
        (ActivityKind.CALL_IN, 0),
        (ActivityKind.CALL_IN, None),
        (ActivityKind.SMS_IN, None),
    ],
)
def test_it_does_not_take_what_the_network_may_hold_as_the_phone_being_on(
    kind: ActivityKind, duration_s: int | None
) -> None:
    assert not RULES.shows_phone_on(kind, duration_s)
