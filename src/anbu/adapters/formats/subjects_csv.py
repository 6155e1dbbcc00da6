"""The district's subject list (SPEC §4): one row per person to enrol, as CSV (UTF-8 with
or without BOM, or CP949) or as an Excel workbook (.xlsx), under English or Korean headers
(`HEADERS`). A district's own file writes Seoul times without an offset and dates with dots;
both are read as such (docs/formats.md)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from anbu.adapters.formats.spreadsheet import is_workbook, workbook_of, workbook_rows
from anbu.adapters.formats.text import decode, distinct_rows, header_and_records, header_and_rows
from anbu.adapters.formats.timestamps import (
    TimestampError,
    parse_local_date,
    parse_local_instant,
)
from anbu.domain.kinds import Carrier, Detection, Group
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.domain.rejections import FieldError, FieldsError, Rejection, UnreadableInputError
from anbu.domain.subjects import (
    MAX_CONTACTS,
    MAX_INACTIVITY,
    MAX_PHONE_OFF,
    MIN_INACTIVITY,
    MIN_PHONE_OFF,
    Enrolment,
    EnrolmentError,
    GroupPeriods,
    VisitInfo,
    choose_period,
    contact_field,
    group_for,
    visit_info,
)
from anbu.domain.wording import Message

COLUMNS = (
    "external_id",
    "name",
    "birth_date",
    "phone",
    "carrier",
    "centre",
    "address",
    "inactivity_hours",
    "phone_off_hours",
    "consent_at",
)
# Visit information: up to three emergency contacts (name, relation, phone) and notes.
VISIT_COLUMNS = (
    *(
        contact_field(number, part)
        for number in range(1, MAX_CONTACTS + 1)
        for part in ("name", "relation", "phone")
    ),
    "visit_notes",
)
# Columns a file may leave out altogether; a missing one reads as an empty cell in every row.
OPTIONAL_COLUMNS = ("guardian_phone", "detection", *VISIT_COLUMNS)
# The Korean header of each column, as a district's own list writes it (the first is the
# template's); spaces and a note in brackets are ignored: "동의 일시 (서울 시각)" is 동의일시.
HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("관리번호", "대상자번호", "참조번호"),
    "name": ("성명", "이름"),
    "birth_date": ("생년월일",),
    "phone": ("전화번호", "휴대전화", "휴대전화번호", "휴대폰번호", "연락처"),
    "carrier": ("통신사",),
    "centre": ("동", "행정복지센터", "주민센터", "동주민센터", "센터"),
    "address": ("주소",),
    "inactivity_hours": ("무응답기준시간", "무응답시간"),
    "phone_off_hours": ("전원꺼짐기준시간", "전원꺼짐시간"),
    "consent_at": ("동의일시", "동의일자"),
    "guardian_phone": ("보호자연락처", "보호자전화번호"),
    "detection": ("감지방식",),
    **{
        contact_field(number, part): (f"비상연락처{number}{word}",)
        for number in range(1, MAX_CONTACTS + 1)
        for part, word in (("name", "이름"), ("relation", "관계"), ("phone", "전화"))
    },
    "visit_notes": ("방문메모", "방문시참고사항"),
}
_BY_KOREAN = {korean: column for column, names in HEADERS.items() for korean in names}
_NOTE = re.compile(r"[(（\[].*?[)）\]]")
_REQUIRED_TEXT = ("external_id", "name", "centre", "address")
# The law forbids processing a resident registration number here: refuse the column.
_RRN_HEADERS = {
    "rrn",
    "resident_registration_number",
    "resident_number",
    "jumin",
    "주민등록번호",
    "주민번호",
}
_RRN_VALUE = re.compile(r"^\s*\d{6}-[1-8]\d{6}\s*$")
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_MAX_HOURS = 1_000_000
_CARRIER_ALIASES = {"SKT": Carrier.SKT, "KT": Carrier.KT, "LGU": Carrier.LGU, "LGU+": Carrier.LGU}

Parsed = tuple[int, Enrolment] | Rejection
T = TypeVar("T")


def read_subjects(data: bytes, *, now: datetime, periods: GroupPeriods) -> Iterator[Parsed]:
    """Yield (line, Enrolment) for good rows and a Rejection for each bad one.

    Raises UnreadableInputError when the file as a whole cannot be used (encoding, header).
    Line numbers are the file's own, the header being line 1.
    """
    if is_workbook(data):
        header, records = header_and_rows(workbook_rows(data), column_of)
    else:
        header, records = header_and_records(io.StringIO(decode(data), newline=""), column_of)
    _check_header(header)
    return distinct_rows(
        records,
        lambda cells: _enrolment(cells, now=now, periods=periods),
        lambda enrolment: enrolment.external_id,
        "external_id",
    )


def column_of(header: str) -> str:
    """The column a header names: an English name as it is, a Korean one by `HEADERS`."""
    name = header.strip().lstrip("\ufeff")
    korean = re.sub(r"\s+", "", _NOTE.sub("", name))
    return _BY_KOREAN.get(korean, name)


def template(*, korean: bool) -> list[list[str]]:
    """A subjects file to fill in: its header (Korean or English) and one example row."""
    columns = (*COLUMNS, *OPTIONAL_COLUMNS)
    header = [HEADERS[c][0] if korean else c for c in columns]
    example = {
        "external_id": "SD-0001",
        "name": "김영수",
        "birth_date": "1948-03-02",
        "phone": "010-1234-5678",
        "carrier": "SKT",
        "centre": "왕십리도선동",
        "address": "서울특별시 성동구 왕십리로 1",
        "consent_at": "2026-11-01 10:00",
    }
    return [header, [example.get(c, "") for c in columns]]


def template_csv(*, korean: bool) -> bytes:
    """The template as CSV, UTF-8 with a BOM so that Excel opens the Hangul as Hangul."""
    out = io.StringIO()
    csv.writer(out).writerows(template(korean=korean))
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def template_xlsx(*, korean: bool) -> bytes:
    return workbook_of(template(korean=korean), sheet="대상자" if korean else "subjects")


def _check_header(header: list[str]) -> None:
    if not header:
        raise UnreadableInputError(Message("unreadable.no_header"))
    forbidden = [name for name in header if re.sub(r"\s+", "", name).lower() in _RRN_HEADERS]
    if forbidden:
        raise UnreadableInputError(Message("unreadable.rrn_column", column=forbidden[0]))
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise UnreadableInputError(
            Message("unreadable.missing_columns", columns=", ".join(missing))
        )


def _enrolment(cells: dict[str, str], *, now: datetime, periods: GroupPeriods) -> Enrolment:
    """The row as an enrolment; every problem of the row is found before it is refused
    (`FieldsError`), so that one correction of the file fixes the row."""
    problems = _Problems()
    for name, value in cells.items():
        if _RRN_VALUE.match(value):
            problems.add(name, Message("reason.looks_like_rrn"))
    for name in _REQUIRED_TEXT:
        if not cells[name].strip():
            problems.add(name, Message("reason.required"))
    external_id = cells["external_id"].strip()
    if external_id and not _EXTERNAL_ID.match(external_id):
        problems.add("external_id", Message("reason.external_id"))
    birth_date = problems.check(lambda: _birth_date(cells["birth_date"], now))
    consent_at = problems.check(lambda: _consent_at(cells["consent_at"], now))
    # A bad birth date leaves the group unknown: the periods given are still checked
    # against their bounds, which no group changes.
    group = group_for(birth_date, now.date()) if birth_date else Group.AGE_75_PLUS
    inactivity = problems.check(
        lambda: choose_period(
            "inactivity_hours",
            _hours("inactivity_hours", cells["inactivity_hours"]),
            periods.inactivity[group],
            (MIN_INACTIVITY, MAX_INACTIVITY),
        )
    )
    phone_off = problems.check(
        lambda: choose_period(
            "phone_off_hours",
            _hours("phone_off_hours", cells["phone_off_hours"]),
            periods.phone_off[group],
            (MIN_PHONE_OFF, MAX_PHONE_OFF),
        )
    )
    phone = problems.check(lambda: _phone(cells["phone"]))
    carrier = problems.check(lambda: _carrier(cells["carrier"]))
    guardian_phone = problems.check(
        lambda: _guardian_phone(cells.get("guardian_phone", ""), phone or "")
    )
    detection = problems.check(lambda: _detection(cells.get("detection", "")))
    visit = problems.check(lambda: _visit(cells, phone or ""))
    problems.raise_any()
    if (
        birth_date is None
        or consent_at is None
        or inactivity is None
        or phone_off is None
        or phone is None
        or carrier is None
    ):
        raise AssertionError("a field came to nothing without a problem")  # for the types
    return Enrolment(
        external_id=external_id,
        name=cells["name"].strip(),
        birth_date=birth_date,
        phone=phone,
        carrier=carrier,
        centre=cells["centre"].strip(),
        address=cells["address"].strip(),
        consent_at=consent_at,
        group=group,
        inactivity=inactivity[0],
        inactivity_custom=inactivity[1],
        phone_off=phone_off[0],
        phone_off_custom=phone_off[1],
        guardian_phone=guardian_phone,
        detection=detection,
        visit=visit,
    )


class _Problems:
    """A row's problems, collected field by field."""

    def __init__(self) -> None:
        self.found: list[tuple[str, Message]] = []
        self._fields: set[str] = set()

    def add(self, field: str, reason: Message) -> None:
        if field not in self._fields:  # one problem a field: the first says enough
            self._fields.add(field)
            self.found.append((field, reason))

    def check(self, parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except FieldError as exc:
            self.add(exc.field, exc.reason)
            return None

    def raise_any(self) -> None:
        if self.found:
            raise FieldsError(self.found)


def _phone(text: str) -> str:
    return _field("phone", lambda: normalise_phone(_leading_zero(text)))


def _birth_date(text: str, now: datetime) -> date:
    born = _field("birth_date", lambda: parse_local_date(text))
    if born > now.date():
        raise EnrolmentError("birth_date", Message("reason.in_future"))
    return born


def _consent_at(text: str, now: datetime) -> datetime:
    consent_at = _field("consent_at", lambda: parse_local_instant(text))
    if consent_at > now + timedelta(minutes=5):
        raise EnrolmentError("consent_at", Message("reason.in_future"))
    return consent_at


def _visit(cells: dict[str, str], own_phone: str) -> VisitInfo | None:
    """The row's visit information; None when all its cells are empty (or the columns
    absent), so that a district's list re-imported does not wipe what officers wrote on
    the person's page. A row that gives any of it gives all of it."""
    if not any(cells.get(column, "").strip() for column in VISIT_COLUMNS):
        return None
    contacts = [
        tuple(cells.get(contact_field(n, part), "") for part in ("name", "relation", "phone"))
        for n in range(1, MAX_CONTACTS + 1)
    ]
    return visit_info(
        [(name, relation, phone) for name, relation, phone in contacts],
        cells.get("visit_notes", ""),
        own_phone,
    )


def _detection(text: str) -> Detection | None:
    """`fixed` or `personal`; an empty cell follows the centre's default."""
    value = text.strip().lower()
    if not value:
        return None
    try:
        return Detection(value)
    except ValueError:
        raise EnrolmentError(
            "detection", Message("reason.not_a_detection", value=text.strip())
        ) from None


def _field(name: str, parse: Callable[[], T]) -> T:
    try:
        return parse()
    except (TimestampError, PhoneError) as exc:
        raise EnrolmentError(name, exc.reason) from exc


def _leading_zero(text: str) -> str:
    """A mobile number that Excel stored as a number has lost its leading zero
    (1012345678); every Korean number written without a country code starts with one."""
    value = text.strip()
    if value.isdigit() and len(value) in (9, 10) and value[0] != "0":
        return "0" + value
    return value


def _guardian_phone(text: str, own_phone: str) -> str | None:
    """The guardian's mobile number (E.164), or None for an empty cell. The guardian is
    texted when the person cannot be reached, so it must be somebody else's phone."""
    if not text.strip():
        return None
    guardian = _field("guardian_phone", lambda: normalise_phone(_leading_zero(text)))
    if guardian == own_phone:
        raise EnrolmentError("guardian_phone", Message("reason.guardian_own_number"))
    return guardian


def _carrier(text: str) -> Carrier:
    key = text.strip().upper().replace(" ", "")
    if key not in _CARRIER_ALIASES:
        raise EnrolmentError("carrier", Message("reason.not_a_carrier", value=text.strip()))
    return _CARRIER_ALIASES[key]


def _hours(name: str, text: str) -> timedelta | None:
    value = text.strip()
    if not value:
        return None
    try:
        hours = Decimal(value)
    except InvalidOperation as exc:
        raise EnrolmentError(name, Message("reason.not_hours", value=value)) from exc
    if not hours.is_finite():
        raise EnrolmentError(name, Message("reason.not_hours", value=value))
    if hours.copy_abs() > _MAX_HOURS:
        # Checked before any arithmetic: 1e30 hours is no timedelta, and abs() would overflow.
        raise EnrolmentError(name, Message("reason.hours_far_outside", value=value))
    return timedelta(minutes=int(hours * 60))
