"""Subjects: ages, age bands and the bounds on their periods."""

from datetime import date, timedelta

import pytest

from anbu.adapters.catalogue import say
from anbu.domain.kinds import Group
from anbu.domain.subjects import (
    MAX_INACTIVITY,
    MIN_INACTIVITY,
    EnrolmentError,
    age_on,
    choose_period,
    group_for,
)

HOUR = timedelta(hours=1)
BOUNDS = (MIN_INACTIVITY, MAX_INACTIVITY)


def test_age_does_not_change_the_day_before_a_birthday() -> None:
    assert age_on(date(1966, 11, 20), date(2026, 11, 19)) == 59


def test_age_changes_on_the_birthday() -> None:
    assert age_on(date(1966, 11, 20), date(2026, 11, 20)) == 60


def test_age_counts_a_later_month_as_before_the_birthday() -> None:
    assert age_on(date(1966, 12, 1), date(2026, 11, 30)) == 59


@pytest.mark.parametrize(
    ("birth_date", "group"),
    [
        (date(1986, 11, 21), Group.UNDER_40),
        (date(1986, 11, 20), Group.AGE_40_59),
        (date(1966, 11, 21), Group.AGE_40_59),
        (date(1966, 11, 20), Group.AGE_60_74),
        (date(1951, 11, 21), Group.AGE_60_74),
        (date(1951, 11, 20), Group.AGE_75_PLUS),
    ],
)
def test_it_moves_a_person_to_the_next_band_on_their_birthday(
    birth_date: date, group: Group
) -> None:
    assert group_for(birth_date, date(2026, 11, 20)) is group


def test_it_takes_the_default_when_no_period_is_given() -> None:
    assert choose_period("inactivity_hours", None, 48 * HOUR, BOUNDS) == (48 * HOUR, False)


def test_it_takes_a_given_period_within_bounds_as_custom() -> None:
    assert choose_period("inactivity_hours", 72 * HOUR, 48 * HOUR, BOUNDS) == (72 * HOUR, True)


@pytest.mark.parametrize("given", [12 * HOUR, timedelta(days=14)])
def test_it_accepts_twelve_hours_and_fourteen_days_themselves(given: timedelta) -> None:
    assert choose_period("inactivity_hours", given, 48 * HOUR, BOUNDS) == (given, True)


@pytest.mark.parametrize(
    "given", [12 * HOUR - timedelta(minutes=1), timedelta(days=14, minutes=1), -HOUR]
)
def test_it_refuses_a_period_out_of_bounds_naming_the_field(given: timedelta) -> None:
    with pytest.raises(EnrolmentError) as caught:
        choose_period("inactivity_hours", given, 48 * HOUR, BOUNDS)
    assert caught.value.field == "inactivity_hours"
    assert "outside the allowed 12–336 h" in say(caught.value.reason, "en")
