"""Reading the district's subject list (SPEC §4) into enrolments and rejections."""

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import Workbook

from anbu.adapters import catalogue
from anbu.adapters.catalogue import say
from anbu.adapters.formats.subjects_csv import (
    COLUMNS,
    Parsed,
    read_subjects,
    template_csv,
    template_xlsx,
)
from anbu.domain.kinds import Carrier, Group
from anbu.domain.rejections import Rejection, UnreadableInputError
from anbu.domain.subjects import Enrolment, GroupPeriods
from anbu.domain.wording import Message

KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=KST)
HOUR = timedelta(hours=1)
HEADER = ",".join(COLUMNS)
GOOD = {
    "external_id": "SD-0001",
    "name": "김영희",
    "birth_date": "1948-03-15",
    "phone": "010-1234-5678",
    "carrier": "SKT",
    "centre": "왕십리도선동",
    "address": "서울특별시 성동구 왕십리로 222",
    "inactivity_hours": "",
    "phone_off_hours": "",
    "consent_at": "2026-11-01T10:00:00+09:00",
}


def row(**changes: str) -> str:
    cells = {**GOOD, **changes}
    return ",".join(cells[name] for name in COLUMNS)


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *lines, ""]).encode(encoding)


def read_data(data: bytes, periods: GroupPeriods | None = None) -> list[Parsed]:
    return list(read_subjects(data, now=NOW, periods=periods or GroupPeriods()))


def read(*lines: str, periods: GroupPeriods | None = None) -> list[Parsed]:
    return read_data(csv_bytes(*lines), periods)


def only_enrolment(parsed: list[Parsed]) -> Enrolment:
    """The enrolment of a file whose one row, on line 2, is good."""
    (only,) = parsed
    assert not isinstance(only, Rejection), only
    line, enrolment = only
    assert line == 2
    return enrolment


def enrolled(*lines: str, periods: GroupPeriods | None = None) -> Enrolment:
    return only_enrolment(read(*lines, periods=periods))


def rejection(*lines: str) -> Rejection:
    """The rejection from a file of one bad row."""
    (only,) = read(*lines)
    assert isinstance(only, Rejection)
    return only


def test_it_reads_a_good_row() -> None:
    assert enrolled(row()) == Enrolment(
        external_id="SD-0001",
        name="김영희",
        birth_date=date(1948, 3, 15),
        phone="+821012345678",
        carrier=Carrier.SKT,
        centre="왕십리도선동",
        address="서울특별시 성동구 왕십리로 222",
        consent_at=datetime(2026, 11, 1, 10, 0, tzinfo=KST),
        group=Group.AGE_75_PLUS,
        inactivity=48 * HOUR,
        inactivity_custom=False,
        phone_off=24 * HOUR,
        phone_off_custom=False,
    )


def test_empty_periods_take_the_default_of_the_persons_group() -> None:
    periods = GroupPeriods(
        inactivity={g: (24 if g is Group.AGE_75_PLUS else 72) * HOUR for g in Group},
        phone_off={g: (12 if g is Group.AGE_75_PLUS else 24) * HOUR for g in Group},
    )
    elder = enrolled(row(), periods=periods)
    assert (elder.inactivity, elder.phone_off) == (24 * HOUR, 12 * HOUR)


def test_given_periods_are_taken_as_custom() -> None:
    custom = enrolled(row(inactivity_hours="36.5", phone_off_hours="6"))
    assert (
        custom.inactivity,
        custom.inactivity_custom,
        custom.phone_off,
        custom.phone_off_custom,
    ) == (
        timedelta(hours=36, minutes=30),
        True,
        6 * HOUR,
        True,
    )


@pytest.mark.parametrize(
    "phone", ["010-1234-5678", "01012345678", "+82 10-1234-5678", "+821012345678", "010 1234 5678"]
)
def test_it_reads_every_common_phone_form(phone: str) -> None:
    assert enrolled(row(phone=phone)).phone == "+821012345678"


@pytest.mark.parametrize(
    ("written", "carrier"),
    [("KT", Carrier.KT), ("LGU", Carrier.LGU), ("LG U+", Carrier.LGU), ("skt", Carrier.SKT)],
)
def test_it_reads_the_carrier_as_offices_write_it(written: str, carrier: Carrier) -> None:
    assert enrolled(row(carrier=written)).carrier is carrier


def test_a_bad_row_is_rejected_with_its_line_and_field_and_good_rows_still_read() -> None:
    parsed = read(
        row(),
        row(external_id="SD-0002", phone="02-123-4567"),
        row(external_id="SD-0003", phone="010-9999-0000"),
    )
    assert [(p.line, p.field) if isinstance(p, Rejection) else p[0] for p in parsed] == [
        2,
        (3, "phone"),
        4,
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"external_id": ""}, "external_id"),
        ({"external_id": "SD 0001"}, "external_id"),
        ({"name": " "}, "name"),
        ({"centre": ""}, "centre"),
        ({"address": ""}, "address"),
        ({"birth_date": "15/03/1948"}, "birth_date"),
        ({"birth_date": "2027-01-01"}, "birth_date"),
        ({"phone": "not a phone"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"carrier": "Verizon"}, "carrier"),
        ({"inactivity_hours": "two days"}, "inactivity_hours"),
        ({"inactivity_hours": "NaN"}, "inactivity_hours"),
        ({"phone_off_hours": "Infinity"}, "phone_off_hours"),
    ],
)
def test_a_bad_field_is_named(changes: dict[str, str], field: str) -> None:
    assert rejection(row(**changes)).field == field


def test_every_problem_of_a_row_is_named_not_only_the_first() -> None:
    refused = rejection(
        row(birth_date="1948-13-01", phone="12345", carrier="Verizon", inactivity_hours="5")
    )
    assert refused.line == 2
    assert [field for field, _ in refused.problems] == [
        "birth_date",
        "inactivity_hours",
        "phone",
        "carrier",
    ]
    assert (refused.field, refused.reason) == refused.problems[0]
    said = catalogue.rejection(refused)
    for field in ("birth_date", "inactivity_hours", "phone", "carrier"):
        assert f"; {field}: " in said or said.startswith(f"2행 거부: {field}: ")
    assert said.startswith("2행 거부: birth_date: 날짜가 아닙니다: '1948-13-01'")
    english = catalogue.rejection(refused, "en")
    assert english.startswith("rejected line 2: field 'birth_date': '1948-13-01' is not a date")


def test_a_field_with_two_problems_is_named_once() -> None:
    # An empty phone is both missing and no number: one problem for the field.
    refused = rejection(row(phone=""))
    assert [field for field, _ in refused.problems] == ["phone"]
    assert refused.also == ()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"inactivity_hours": "11"}, "inactivity_hours"),
        ({"inactivity_hours": "337"}, "inactivity_hours"),
        ({"inactivity_hours": "-48"}, "inactivity_hours"),
        ({"phone_off_hours": "0.5"}, "phone_off_hours"),
        ({"phone_off_hours": "337"}, "phone_off_hours"),
    ],
)
def test_hours_out_of_bounds_are_rejected(changes: dict[str, str], field: str) -> None:
    refused = rejection(row(**changes))
    assert (refused.field, "outside the allowed" in say(refused.reason, "en")) == (field, True)


@pytest.mark.parametrize("hours", ["1e30", "-1e30", "1e999999999"])
def test_absurdly_large_hours_are_rejected_not_crashed_on(hours: str) -> None:
    assert rejection(row(inactivity_hours=hours)).field == "inactivity_hours"


@pytest.mark.parametrize(("inactivity", "phone_off"), [("12", "1"), ("336", "336")])
def test_hours_at_the_bounds_are_accepted(inactivity: str, phone_off: str) -> None:
    at_bounds = enrolled(row(inactivity_hours=inactivity, phone_off_hours=phone_off))
    assert (at_bounds.inactivity, at_bounds.phone_off) == (
        int(inactivity) * HOUR,
        int(phone_off) * HOUR,
    )


def test_a_row_without_consent_is_rejected() -> None:
    assert rejection(row(consent_at="")).field == "consent_at"


@pytest.mark.parametrize(
    "written", ["2026-11-01T10:00:00", "2026-11-01 10:00", "2026.11.01 10:00", "2026/11/1 10:00"]
)
def test_a_consent_without_offset_is_a_seoul_time(written: str) -> None:
    """A district's own list writes Seoul wall-clock times (the form's field says so)."""
    consent = enrolled(row(consent_at=written)).consent_at
    assert consent == datetime(2026, 11, 1, 10, 0, tzinfo=KST)


def test_a_consent_that_is_no_time_at_all_is_rejected() -> None:
    assert rejection(row(consent_at="어제 오후")).field == "consent_at"


@pytest.mark.parametrize("written", ["1948.03.15", "1948/3/15", "1948.3.15."])
def test_a_birth_date_with_dots_or_slashes_is_read(written: str) -> None:
    assert enrolled(row(birth_date=written)).birth_date == date(1948, 3, 15)


def test_a_consent_with_no_utc_form_is_rejected() -> None:
    assert rejection(row(consent_at="0001-01-01T00:00:00+09:00")).field == "consent_at"


def test_a_consent_in_the_future_is_rejected() -> None:
    assert rejection(row(consent_at="2026-11-21T10:00:00+09:00")).field == "consent_at"


def test_a_second_row_with_the_same_external_id_is_rejected_naming_the_first() -> None:
    parsed = read(row(), row(phone="010-9999-0000"))
    assert parsed[1] == Rejection(
        3, "external_id", Message("reason.given_twice", value="SD-0001", first=2)
    )


@pytest.mark.parametrize(
    "column", ["주민등록번호", "주민번호", "RRN", "resident_registration_number"]
)
def test_a_file_with_a_resident_registration_number_column_is_refused_whole(column: str) -> None:
    data = csv_bytes(row() + ",800101-1234567", header=f"{HEADER},{column}")
    with pytest.raises(UnreadableInputError) as refused:
        read_data(data)
    assert "resident registration number" in say(refused.value.reason, "en")


def test_a_cell_that_looks_like_a_resident_registration_number_is_rejected() -> None:
    assert rejection(row(address="800101-1234567")).field == "address"


def test_the_rejection_of_a_resident_registration_number_does_not_repeat_it() -> None:
    assert "1234567" not in str(rejection(row(address="800101-1234567")))


def test_a_cp949_file_from_korean_excel_is_read() -> None:
    enrolment = only_enrolment(read_data(csv_bytes(row(), encoding="cp949")))
    assert (enrolment.name, enrolment.centre, enrolment.address) == (
        "김영희",
        "왕십리도선동",
        "서울특별시 성동구 왕십리로 222",
    )


def test_a_utf8_file_with_a_byte_order_mark_is_read() -> None:
    enrolment = only_enrolment(read_data(b"\xef\xbb\xbf" + csv_bytes(row())))
    assert enrolment.external_id == "SD-0001"


def test_a_file_that_is_neither_utf8_nor_cp949_is_unreadable() -> None:
    with pytest.raises(UnreadableInputError) as refused:
        read_data(csv_bytes(row()) + b"\xff\xff")
    assert "neither UTF-8 nor CP949" in say(refused.value.reason, "en")


def test_a_header_missing_columns_is_unreadable_naming_them() -> None:
    header = ",".join(c for c in COLUMNS if c not in ("consent_at", "carrier"))
    with pytest.raises(UnreadableInputError) as refused:
        read_data(csv_bytes(header=header))
    assert "carrier, consent_at" in say(refused.value.reason, "en")


def test_an_empty_file_is_unreadable() -> None:
    with pytest.raises(UnreadableInputError) as refused:
        read_data(b"")
    assert "empty" in say(refused.value.reason, "en")


def test_columns_may_come_in_any_order() -> None:
    header = ",".join(reversed(COLUMNS))
    data = csv_bytes(",".join(GOOD[c] for c in reversed(COLUMNS)), header=header)
    assert only_enrolment(read_data(data)) == enrolled(row())


def test_a_row_with_the_wrong_number_of_fields_is_rejected() -> None:
    assert rejection(row() + ",extra") == Rejection(
        2, None, Message("reason.field_count", count=11, header=10)
    )


def test_blank_lines_are_skipped_but_keep_their_numbers() -> None:
    parsed = read(row(), "", row(external_id="SD-0002", phone="010-9999-0000"))
    assert [p[0] for p in parsed if not isinstance(p, Rejection)] == [2, 4]


def test_a_field_too_large_to_read_is_rejected_and_the_next_rows_still_read() -> None:
    parsed = read(row(address="x" * 200_000), row(external_id="SD-0002", phone="010-9999-0000"))
    assert [(p.line, p.field) if isinstance(p, Rejection) else p[0] for p in parsed] == [
        (2, None),
        3,
    ]


# The guardian (보호자): an optional column, someone else's mobile number.


def with_guardian(*lines: str) -> list[Parsed]:
    """A file with the optional `guardian_phone` column last, each line's cell given."""
    return read_data(csv_bytes(*lines, header=f"{HEADER},guardian_phone"))


def test_a_file_without_the_guardian_column_reads_as_no_guardian() -> None:
    assert enrolled(row()).guardian_phone is None


def test_it_reads_a_guardian_number_in_any_common_form() -> None:
    parsed = with_guardian(row() + ",010 5555-0000")
    assert only_enrolment(parsed).guardian_phone == "+821055550000"


def test_an_empty_guardian_cell_means_no_guardian() -> None:
    assert only_enrolment(with_guardian(row() + ", ")).guardian_phone is None


@pytest.mark.parametrize("guardian", ["02-123-4567", "not a phone", "+1 415 555 0100"])
def test_a_bad_guardian_number_rejects_the_row_naming_line_and_field(guardian: str) -> None:
    parsed = with_guardian(row(external_id="SD-0002") + ",010-5555-0000", row() + f",{guardian}")
    assert [(p.line, p.field) if isinstance(p, Rejection) else p[0] for p in parsed] == [
        2,
        (3, "guardian_phone"),
    ]


def test_the_persons_own_number_is_refused_as_their_guardian() -> None:
    (refused,) = with_guardian(row(phone="010-1234-5678") + ",+82 10 1234 5678")
    assert isinstance(refused, Rejection)
    assert (refused.line, refused.field, "someone else" in say(refused.reason, "en")) == (
        2,
        "guardian_phone",
        True,
    )


KOREAN_HEADER = (
    "관리번호,성명,생년월일,전화번호,통신사,동,주소,무응답 기준시간,전원꺼짐기준시간,"
    "동의 일시 (서울 시각)"
)


def test_korean_headers_name_the_same_columns_in_cp949() -> None:
    """As Korean Excel saves a district's list: Korean headers, CP949, Seoul times."""
    line = row(consent_at="2026-11-01 10:00", birth_date="1948.03.15")
    enrolment = only_enrolment(read_data(csv_bytes(line, header=KOREAN_HEADER, encoding="cp949")))
    assert (enrolment.external_id, enrolment.name, enrolment.centre) == (
        "SD-0001",
        "김영희",
        "왕십리도선동",
    )
    assert enrolment.consent_at == datetime(2026, 11, 1, 10, 0, tzinfo=KST)


def test_a_korean_header_missing_a_column_is_named_by_its_column() -> None:
    header = KOREAN_HEADER.replace(",주소", "")
    line = ",".join(GOOD[c] for c in COLUMNS if c != "address")
    with pytest.raises(UnreadableInputError) as refused:
        read_data(csv_bytes(line, header=header))
    assert "address" in say(refused.value.reason, "en")


def test_a_resident_number_column_is_refused_however_it_is_spaced() -> None:
    with pytest.raises(UnreadableInputError) as refused:
        read_data(csv_bytes(row() + ",x", header=HEADER + ",주민 등록 번호"))
    assert "resident registration" in say(refused.value.reason, "en")


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in rows:
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_workbook_is_read_like_its_csv() -> None:
    """Typed cells as Excel keeps them: a date, a Seoul date-time, a phone number stored as a
    number (its leading zero gone), an empty period."""
    cells = {
        **GOOD,
        "birth_date": date(1948, 3, 15),
        "phone": 1012345678,
        "consent_at": datetime(2026, 11, 1, 10, 0),
        "inactivity_hours": None,
    }
    data = _workbook([KOREAN_HEADER.split(","), [cells[c] for c in COLUMNS]])
    enrolment = only_enrolment(read_data(data))
    assert enrolment.phone == "+821012345678"
    assert enrolment.birth_date == date(1948, 3, 15)
    assert enrolment.consent_at == datetime(2026, 11, 1, 10, 0, tzinfo=KST)


def test_a_bad_row_of_a_workbook_is_named_by_its_row_and_column() -> None:
    good = [GOOD[c] for c in COLUMNS]
    bad = [*good]
    bad[COLUMNS.index("external_id")] = "SD-0002"
    bad[COLUMNS.index("birth_date")] = "1948-13-01"
    parsed = read_data(_workbook([list(COLUMNS), good, bad]))
    assert isinstance(parsed[1], Rejection)
    assert (parsed[1].line, parsed[1].field) == (3, "birth_date")


def test_a_file_that_looks_like_a_workbook_but_is_not_is_unreadable() -> None:
    with pytest.raises(UnreadableInputError) as refused:
        read_data(b"PK\x03\x04 not really a zip")
    assert "xlsx" in say(refused.value.reason, "en")


@pytest.mark.parametrize("korean", [True, False])
def test_the_template_reads_back_as_one_good_row(korean: bool) -> None:
    for data in (template_csv(korean=korean), template_xlsx(korean=korean)):
        enrolment = only_enrolment(read_data(data))
        assert enrolment.external_id == "SD-0001"
        assert enrolment.consent_at == datetime(2026, 11, 1, 10, 0, tzinfo=KST)
