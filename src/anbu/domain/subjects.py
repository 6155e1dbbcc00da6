"""Subjects (enrolled people), their groups and their periods."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from anbu.domain.kinds import Carrier, Detection, Group
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.domain.rejections import FieldError
from anbu.domain.text import TextError, storable
from anbu.domain.wording import Message

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
    # What to go to the door with; None: the row gives none, and what is stored stays.
    visit: VisitInfo | None = None


MAX_CONTACTS = 3
MAX_CONTACT_NAME = 50
MAX_VISIT_NOTES = 500


class Relation(StrEnum):
    """Who an emergency contact is to the person."""

    FAMILY = "family"  # 가족
    NEIGHBOUR = "neighbour"  # 이웃
    TONGJANG = "tongjang"  # 통장: the neighbourhood's appointed head
    OTHER = "other"  # 기타


# How a relation is written in a district's list and on the page.
RELATION_WORDS = {
    Relation.FAMILY: "가족",
    Relation.NEIGHBOUR: "이웃",
    Relation.TONGJANG: "통장",
    Relation.OTHER: "기타",
}
_RELATIONS = {word: relation for relation, word in RELATION_WORDS.items()} | {
    relation.value: relation for relation in Relation
}


@dataclass(frozen=True, slots=True)
class EmergencyContact:
    """Someone to call when the person cannot be reached (a daughter, the neighbour with a
    key, the 통장)."""

    name: str
    relation: Relation
    phone: str  # E.164


@dataclass(frozen=True, slots=True)
class VisitInfo:
    """What an officer needs at the door: up to MAX_CONTACTS emergency contacts and free
    notes (entry code, health, pets). Sealed with the rest of the person's data."""

    contacts: tuple[EmergencyContact, ...] = ()
    notes: str = ""

    @property
    def empty(self) -> bool:
        return not self.contacts and not self.notes


def contact_field(number: int, part: str) -> str:
    """The column (and form field) of one part of the n-th contact: `contact1_phone`."""
    return f"contact{number}_{part}"


def visit_info(contacts: Sequence[tuple[str, str, str]], notes: str, own_phone: str) -> VisitInfo:
    """Visit information from (name, relation, phone) triples as written (an all-empty
    triple is no contact) and the notes. Raises EnrolmentError naming the field
    (`contact2_phone`, `visit_notes`): a contact needs a name and a mobile or landline
    number that is not the person's own; a relation may be left empty (기타)."""
    if len(contacts) > MAX_CONTACTS:
        raise EnrolmentError("contacts", Message("reason.too_many_contacts", most=MAX_CONTACTS))
    found: list[EmergencyContact] = []
    for number, (name, relation, phone) in enumerate(contacts, start=1):
        if not (name.strip() or relation.strip() or phone.strip()):
            continue
        found.append(_contact(number, name, relation, phone, own_phone))
    notes = _text("visit_notes", notes.strip(), MAX_VISIT_NOTES, multiline=True)
    return VisitInfo(tuple(found), notes)


def _contact(number: int, name: str, relation: str, phone: str, own_phone: str) -> EmergencyContact:
    name_field = contact_field(number, "name")
    name = " ".join(_text(name_field, name, MAX_CONTACT_NAME, multiline=False).split())
    if not name:
        raise EnrolmentError(name_field, Message("reason.contact_name_required"))
    word = relation.strip().lower()
    if word and word not in _RELATIONS:
        raise EnrolmentError(
            contact_field(number, "relation"),
            Message("reason.not_a_relation", value=relation.strip()),
        )
    phone_field = contact_field(number, "phone")
    try:
        e164 = normalise_any_phone(phone)
    except PhoneError as exc:
        raise EnrolmentError(phone_field, exc.reason) from exc
    if e164 == own_phone:
        raise EnrolmentError(phone_field, Message("reason.own_number"))
    return EmergencyContact(name, _RELATIONS.get(word, Relation.OTHER), e164)


def normalise_any_phone(raw: str) -> str:
    """A contact's number in E.164: a mobile as `normalise_phone` reads it, or a Korean
    landline (a neighbour's home phone, 02-123-4567). Raises PhoneError."""
    text = raw.strip()
    if text.isdigit() and len(text) in (9, 10) and text[0] != "0":
        text = "0" + text  # Excel dropped the leading zero
    try:
        return normalise_phone(text)
    except PhoneError as mobile:
        if _landline(text) is None:
            raise mobile from None
        return str(_landline(text))


def _landline(text: str) -> str | None:
    """A valid Korean fixed-line number in E.164, else None."""
    try:
        number = phonenumbers.parse(text, "KR")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 82 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) is not PhoneNumberType.FIXED_LINE:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _text(field_name: str, value: str, limit: int, *, multiline: bool) -> str:
    try:
        return storable(value, max_length=limit, multiline=multiline)
    except TextError as exc:
        raise EnrolmentError(field_name, exc.reason) from exc


def visit_fields(visit: VisitInfo) -> dict[str, Any]:
    """The visit information as sealed with the person's data; nothing for none, so that a
    record without it seals (and keys) as it did before visit information existed."""
    fields: dict[str, Any] = {}
    if visit.contacts:
        fields["contacts"] = [
            {"name": c.name, "relation": c.relation.value, "phone": c.phone} for c in visit.contacts
        ]
    if visit.notes:
        fields["visit_notes"] = visit.notes
    return fields


def without_visit(personal: Mapping[str, Any]) -> dict[str, Any]:
    """The person's opened sealed data with the visit information taken out."""
    return {k: v for k, v in personal.items() if k not in ("contacts", "visit_notes")}


def visit_of(personal: Mapping[str, Any]) -> VisitInfo:
    """The visit information in a person's opened sealed data (none for data sealed
    before it existed, or once consent was withdrawn)."""
    contacts = tuple(
        EmergencyContact(str(c["name"]), Relation(c["relation"]), str(c["phone"]))
        for c in personal.get("contacts") or ()
    )
    return VisitInfo(contacts, str(personal.get("visit_notes") or ""))


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
            Message(
                "reason.period_outside", hours=_hours(given), low=_hours(low), high=_hours(high)
            ),
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
