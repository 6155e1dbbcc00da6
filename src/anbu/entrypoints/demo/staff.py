"""The district's staff as the demo invents them: one or two officers at each community
centre, a lead over each neighbourhood's centres, one administrator, one operator and the
district duty desk (당직실), told of every centre's alerts at night, at weekends and on
holidays — written out as the staff CSV so that they take the real import path."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from anbu.adapters.formats.officers_csv import COLUMNS
from anbu.domain.kinds import Role
from anbu.entrypoints.demo.roster import ENROLLED_NUMBERS, draw_phone, korean_name
from anbu.entrypoints.demo.seongdong import DONGS, NEIGHBOURHOODS

# .example is reserved (RFC 2606): even through a real mail server, no one receives these.
EMAIL_DOMAIN = "sd.example"
_TWO_OFFICERS_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Member:
    login: str
    name: str
    phone: str  # as the district writes it: 010-1234-5678
    role: Role
    centres: tuple[str, ...]  # none for the administrator, the operator and the duty desk

    @property
    def email(self) -> str:
        return f"{self.login}@{EMAIL_DOMAIN}"


def make_staff(rng: random.Random, centres: Iterable[str], taken: Iterable[str]) -> list[Member]:
    """Staff for the centres that have people (a centre exists once someone is enrolled
    there), with numbers unlike any in `taken` (the residents') and unlike each other."""
    present = set(centres)
    phones = _fresh_phones(rng, set(taken))
    staff = [
        Member(
            f"{dong.roman}-officer-{n}", korean_name(rng), next(phones), Role.OFFICER, (dong.name,)
        )
        for dong in DONGS
        if dong.name in present
        for n in range(1, _officers(rng) + 1)
    ]
    for hood in NEIGHBOURHOODS:
        dongs = tuple(d for d in hood.dongs if d in present)
        if dongs:
            staff.append(
                Member(f"{hood.roman}-lead", korean_name(rng), next(phones), Role.LEAD, dongs)
            )
    staff.append(Member("district-admin", korean_name(rng), next(phones), Role.ADMIN, ()))
    staff.append(Member("operator", korean_name(rng), next(phones), Role.OPERATOR, ()))
    staff.append(Member("duty-desk", korean_name(rng), next(phones), Role.DUTY, ()))
    return staff


def _officers(rng: random.Random) -> int:
    return 2 if rng.random() < _TWO_OFFICERS_SHARE else 1


def _fresh_phones(rng: random.Random, taken: set[str]) -> Iterator[str]:
    while True:
        phone = draw_phone(rng, ENROLLED_NUMBERS)
        if phone not in taken:
            taken.add(phone)
            yield phone


def staff_csv(staff: list[Member]) -> bytes:
    """The staff as the district's staff CSV, ready for `read_officers`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for member in staff:
        writer.writerow(
            {
                "login": member.login,
                "name": member.name,
                "phone": member.phone,
                "email": member.email,
                "centres": ";".join(member.centres),
                "role": member.role.value,
            }
        )
    return buffer.getvalue().encode("utf-8")
