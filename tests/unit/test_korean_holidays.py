"""Korean public holidays, as the `holidays` package computes them offline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from anbu.adapters.calendar import HolidayCalendar, korean_holidays
from anbu.domain.escalation import OfficeHours

KST = timezone(timedelta(hours=9))
HOURS = OfficeHours()
HOLIDAYS_2026 = korean_holidays([2026])


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 2, 16),  # 설날 연휴 (Mon–Wed)
        date(2026, 2, 17),  # 설날
        date(2026, 2, 18),
        date(2026, 3, 2),  # 삼일절 fell on a Sunday: the Monday is its substitute
        date(2026, 9, 24),  # 추석 연휴 (Thu–Sat)
        date(2026, 9, 25),  # 추석
        date(2026, 9, 26),
        date(2026, 12, 25),  # 성탄절
    ],
)
def test_it_knows_the_2026_holidays(day: date) -> None:
    assert day in HOLIDAYS_2026


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 2, 19),  # the Thursday after 설날
        date(2026, 9, 28),  # 추석's last day is a Saturday, which earns no substitute
        date(2026, 11, 20),
    ],
)
def test_it_does_not_invent_holidays(day: date) -> None:
    assert day not in HOLIDAYS_2026


def test_it_returns_the_holidays_of_every_year_asked() -> None:
    both = korean_holidays([2026, 2027])
    assert {day.year for day in both} == {2026, 2027}
    assert both > HOLIDAYS_2026


def test_no_years_means_no_holidays() -> None:
    assert korean_holidays([]) == frozenset()


def test_the_calendar_keeps_chuseok_out_of_office_hours() -> None:
    calendar = HolidayCalendar()
    assert not calendar.is_office_hours(datetime(2026, 9, 25, 11, 0, tzinfo=KST), HOURS)
    assert calendar.is_office_hours(datetime(2026, 9, 23, 11, 0, tzinfo=KST), HOURS)


def test_the_calendar_loads_the_year_of_the_seoul_date() -> None:
    # 2026-12-31 16:00Z is 2027-01-01 01:00 in Seoul; New Year's Day is 2027's holiday.
    calendar = HolidayCalendar()
    assert not calendar.is_office_hours(datetime(2026, 12, 31, 16, 0, tzinfo=UTC), HOURS)
    assert calendar.holidays_in(2027) == korean_holidays([2027])
    assert calendar.is_holiday(date(2027, 1, 1))


def test_the_calendar_takes_extra_holidays() -> None:
    temporary = date(2026, 11, 20)  # a hypothetical 임시공휴일
    calendar = HolidayCalendar(extra=[temporary])
    assert not calendar.is_office_hours(datetime(2026, 11, 20, 11, 0, tzinfo=KST), HOURS)
    assert temporary in calendar.holidays_in(2026)


def test_the_calendar_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        HolidayCalendar().is_office_hours(datetime(2026, 9, 25, 11, 0), HOURS)
