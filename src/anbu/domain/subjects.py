"""Subjects (enrolled people), their groups and their periods."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from anbu.domain.kinds import Carrier, Detection, Group
from anbu.domain.rejections import FieldError

MIN_INACTIVITY = timedelta(hours=12)
MAX_INACTIVITY = timedelta(days=14)
MIN_PHONE_OFF = timedelta(hours=1)
MAX_PHONE_OFF = timedelta(days=14)


class EnrolmentError(FieldError):
    """A subject record that cannot be enrolled; `field` names the culprit."""


@dataclass(frozen=True, slots=True)
class GroupPeriods:
    """Default periods by group; a subject's own period, when given, wins."""

    inactivity: dict[Group, timedelta] = field(
        default_factory=lambda: {g: timedelta(hours=48) for g in Group}
    )
    phone_off: dict[Group, timedelta] = field(
        default_factory=lambda: {g: timedelta(hours=24) for g in Group}
    )


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A validated subject record, as the district sends it (personal fields in clear)."""

    external_id: str
    name: str
    birth_date: date
    phone: str  # E.164
    carrier: Carrier
    centre: str
    address: str
    consent_at: datetime
    group: Group
    inactivity: timedelta
    inactivity_custom: bool
    phone_off: timedelta
    phone_off_custom: bool
    guardian_phone: str | None = None  # E.164; someone else's mobile, texted if policy says so
    # How their silence is judged; None: as their centre's default says.
    detection: Detection | None = None


def age_on(birth_date: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def group_for(birth_date: date, today: date) -> Group:
    age = age_on(birth_date, today)
    if age >= 75:
        return Group.AGE_75_PLUS
    if age >= 60:
        return Group.AGE_60_74
    if age >= 40:
        return Group.AGE_40_59
    return Group.UNDER_40


def choose_period(
    field_name: str,
    given: timedelta | None,
    default: timedelta,
    bounds: tuple[timedelta, timedelta],
) -> tuple[timedelta, bool]:
    """Return (period, custom). Raises EnrolmentError when `given` is out of bounds."""
    if given is None:
        return default, False
    low, high = bounds
    if not low <= given <= high:
        raise EnrolmentError(
            field_name,
            f"{_hours(given)} h is outside the allowed {_hours(low)}–{_hours(high)} h",
        )
    return given, True


def _hours(period: timedelta) -> str:
    return f"{period.total_seconds() / 3600:g}"


def mask_name(name: str) -> str:
    """What a message may show of a name: first and last syllable, the middle hidden
    (김*수, 남**수); a two-syllable name shows its first (김*)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def name_key_for(name: str) -> str:
    """The form of a name that is keyed for lookups: `vault.lookup_key(name_key_for(name))`
    is what `subjects.name_key` holds and what a search compares, so "김 영수 ", "김 영수"
    and a decomposed (NFD) "김 영수" find the same person. Spaces inside are kept (one) and
    Latin letters are case-folded."""
    composed = unicodedata.normalize("NFC", name)
    return " ".join(composed.split()).casefold()
