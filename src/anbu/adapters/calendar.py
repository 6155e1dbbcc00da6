"""Korean public holidays, from the `holidays` package (offline, no network).

The package computes the lunar holidays (설날, 추석, 부처님오신날), the substitute holidays
(대체공휴일) and the election days it knows of. Temporary holidays (임시공휴일) are designated by
the government at short notice and reach the package only with a new release, so the calendar
also takes extra dates from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import holidays

from anbu.domain.escalation import OfficeHours, is_office_hours, next_opening, to_seoul


def korean_holidays(years: Iterable[int]) -> frozenset[date]:
    """Every public holiday in South Korea in the given years."""
    wanted = sorted(set(years))
    if not wanted:
        # The package reads "no years" as "add years as they are looked up": not what is asked.
        return frozenset()
    return frozenset(holidays.country_holidays("KR", years=wanted).keys())


class HolidayCalendar:
    """Office hours against Korean public holidays, computing each year once, when an instant
    in it is first asked about (a worker runs for months and across New Year).

    The known dates are replaced, never changed in place, so a reader in another thread sees
    either the old set or the new one."""

    def __init__(self, extra: Iterable[date] = ()) -> None:
        self._extra = frozenset(extra)
        self._years: frozenset[int] = frozenset()
        self._dates: frozenset[date] = self._extra

    def holidays_in(self, year: int) -> frozenset[date]:
        """The holidays of `year`, the caller's extra dates included."""
        self._load(year)
        return frozenset(day for day in self._dates if day.year == year)

    def is_holiday(self, day: date) -> bool:
        self._load(day.year)
        return day in self._dates

    def is_office_hours(self, instant: datetime, hours: OfficeHours) -> bool:
        """As `anbu.domain.escalation.is_office_hours`, with the holidays of the instant's
        year in Seoul. Raises ValueError for a naive datetime."""
        self._load(to_seoul(instant).year)
        return is_office_hours(instant, hours, self._dates)

    def next_opening(self, instant: datetime, hours: OfficeHours) -> datetime:
        """As `anbu.domain.escalation.next_opening`, with this year's and next year's
        holidays (the next working day may fall in January)."""
        year = to_seoul(instant).year
        self._load(year)
        self._load(year + 1)
        return next_opening(instant, hours, self._dates)

    def _load(self, year: int) -> None:
        if year in self._years:
            return
        self._dates = self._dates | korean_holidays([year])
        self._years = self._years | {year}
