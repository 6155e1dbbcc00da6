"""The demo's residents: invented people living alone in Seongdong-gu, written out as the
district's subjects CSV (SPEC §4) so that enrolment takes the real path."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from anbu.adapters.formats.subjects_csv import COLUMNS
from anbu.domain.kinds import Carrier
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.domain.subjects import mask_name
from anbu.entrypoints.clock import SEOUL
from anbu.entrypoints.demo.seongdong import DISTRICT, DONGS

# Roughly how common each surname is in Korea (per cent).
_SURNAMES = {
    "김": 21.5, "이": 14.7, "박": 8.4, "최": 4.7, "정": 4.3, "강": 2.4, "조": 2.1, "윤": 2.1,
    "장": 2.0, "임": 1.7, "한": 1.5, "오": 1.5, "서": 1.4, "신": 1.4, "권": 1.4, "황": 1.4,
    "안": 1.3, "송": 1.3, "류": 1.2, "전": 1.1, "홍": 1.1, "고": 0.9, "문": 0.9, "양": 0.9,
    "손": 0.9, "배": 0.8, "백": 0.7, "허": 0.6, "유": 0.6, "남": 0.6, "심": 0.5, "노": 0.4,
}  # fmt: skip
_GIVEN_FIRST = "영정성상민현지은진미경종동재선혜승준수광명순옥춘만길태"
_GIVEN_SECOND = "수호희자숙철민영순진우식남미란화석훈준배환옥덕례"

# The district enrols 40–59 and 75+ first (SPEC §1), so those bands dominate.
_AGE_BANDS = ((25, 39, 10), (40, 59, 42), (60, 74, 18), (75, 94, 30))
_CARRIERS = ((Carrier.SKT, 45), (Carrier.KT, 30), (Carrier.LGU, 25))
# Most people take their group's default period; a few were given their own.
_OWN_PERIOD_SHARE = 0.12
_OWN_PERIODS = ((24, 10), (36, 15), (72, 45), (96, 30))
# Enrolled numbers are drawn from 010-2000-0000 upwards; lower ones stay free for
# strangers (numbers nobody enrolled), so the two can never collide.
ENROLLED_NUMBERS = range(20_000_000, 100_000_000)
STRANGER_NUMBERS = range(10_000_000, 20_000_000)


@dataclass(frozen=True, slots=True)
class Person:
    external_id: str
    name: str
    birth_date: date
    phone: str  # as the district writes it: 010-1234-5678
    carrier: Carrier
    dong: str
    address: str
    consent_at: datetime
    inactivity_hours: int | None  # None: the group's default

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


def phone_text(number: int) -> str:
    """010-XXXX-YYYY for an eight-digit subscriber number."""
    return f"010-{number // 10_000:04d}-{number % 10_000:04d}"


def draw_phone(rng: random.Random, numbers: range) -> str:
    """A number from `numbers` that is a real Korean mobile number: some 010 blocks
    (010-5970 to 010-5999, for one) are unassigned and rightly refused."""
    while True:
        phone = phone_text(rng.choice(numbers))
        try:
            normalise_phone(phone)
        except PhoneError:
            continue
        return phone


def make_roster(rng: random.Random, count: int, *, start: datetime) -> list[Person]:
    phones: dict[str, None] = {}  # insertion-ordered, so the same seed gives the same roster
    while len(phones) < count:
        phones[draw_phone(rng, ENROLLED_NUMBERS)] = None
    return [_person(rng, index, phone, start) for index, phone in enumerate(phones)]


def _person(rng: random.Random, index: int, phone: str, start: datetime) -> Person:
    dong = rng.choices(DONGS, weights=[d.weight for d in DONGS])[0]
    return Person(
        external_id=f"SD-{index + 1:06d}",
        name=korean_name(rng),
        birth_date=_birth_date(rng, start.astimezone(SEOUL).date()),
        phone=phone,
        carrier=rng.choices([c for c, _ in _CARRIERS], weights=[w for _, w in _CARRIERS])[0],
        dong=dong.name,
        address=_address(rng, rng.choice(dong.roads)),
        consent_at=_consent_at(rng, start),
        inactivity_hours=_own_period(rng),
    )


def korean_name(rng: random.Random) -> str:
    """A believable Korean name: a surname by how common it is, two given syllables."""
    surname = rng.choices(list(_SURNAMES), weights=list(_SURNAMES.values()))[0]
    first = rng.choice(_GIVEN_FIRST)
    second = rng.choice(_GIVEN_SECOND.replace(first, ""))
    return surname + first + second


def _birth_date(rng: random.Random, today: date) -> date:
    low, high, _ = rng.choices(_AGE_BANDS, weights=[w for _, _, w in _AGE_BANDS])[0]
    age = rng.randint(low, high)
    return today - timedelta(days=int((age + rng.random()) * 365.25))


def _address(rng: random.Random, road: str) -> str:
    address = f"{DISTRICT} {road} {rng.randint(1, 320)}"
    if rng.random() < 0.4:
        address += f", {rng.randint(1, 15)}{rng.randint(1, 12):02d}호"
    return address


def _consent_at(rng: random.Random, start: datetime) -> datetime:
    """Consent was taken at the community centre, in office hours, 1–3 days before."""
    day = start.astimezone(SEOUL).date() - timedelta(days=rng.randint(1, 3))
    return datetime.combine(day, time(rng.randint(9, 17), rng.randrange(60)), tzinfo=SEOUL)


def _own_period(rng: random.Random) -> int | None:
    if rng.random() >= _OWN_PERIOD_SHARE:
        return None
    return rng.choices([h for h, _ in _OWN_PERIODS], weights=[w for _, w in _OWN_PERIODS])[0]


def subjects_csv(people: list[Person]) -> bytes:
    """The roster as the district's subjects CSV, ready for `read_subjects`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for person in people:
        writer.writerow(
            (
                person.external_id,
                person.name,
                person.birth_date.isoformat(),
                person.phone,
                person.carrier.value,
                person.dong,
                person.address,
                "" if person.inactivity_hours is None else str(person.inactivity_hours),
                "",
                person.consent_at.isoformat(),
            )
        )
    return buffer.getvalue().encode("utf-8")
