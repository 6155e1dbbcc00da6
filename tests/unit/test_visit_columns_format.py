"""Visit information in the district's subject list: three emergency contacts and notes,
under English or Korean headers, each refusal naming its line and column."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from anbu.adapters.catalogue import say
from anbu.adapters.formats.subjects_csv import COLUMNS, Parsed, read_subjects
from anbu.domain.rejections import Rejection
from anbu.domain.subjects import EmergencyContact, GroupPeriods, Relation, VisitInfo

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone(timedelta(hours=9)))
PERSON = "SD-0001,김영희,1948-03-15,010-1234-5678,SKT,왕십리도선동,서울 성동구 왕십리로 222,,,"
CONSENT = "2026-11-01T10:00:00+09:00"
CONTACT_COLUMNS = [
    f"contact{n}_{part}" for n in (1, 2, 3) for part in ("name", "relation", "phone")
]
HEADER = ",".join([*COLUMNS, *CONTACT_COLUMNS, "visit_notes"])


def read(text: str) -> list[Parsed]:
    return list(read_subjects(text.encode(), now=NOW, periods=GroupPeriods()))


def test_it_reads_three_contacts_and_notes_under_english_headers() -> None:
    cells = "김미정,family,010-7777-1111,이옥자,이웃,02-2286-5114,박통장,통장,1077773333"
    [(line, enrolment)] = read(f"{HEADER}\n{PERSON}{CONSENT},{cells},개 조심\n")

    assert line == 2
    assert enrolment.visit == VisitInfo(
        (
            EmergencyContact("김미정", Relation.FAMILY, "+821077771111"),
            EmergencyContact("이옥자", Relation.NEIGHBOUR, "+82222865114"),
            # Excel kept the number as a number: its leading zero is put back.
            EmergencyContact("박통장", Relation.TONGJANG, "+821077773333"),
        ),
        "개 조심",
    )


def test_korean_headers_name_the_same_columns() -> None:
    header = (
        "관리번호,성명,생년월일,전화번호,통신사,동,주소,무응답기준시간,전원꺼짐기준시간,동의일시,"
        "비상연락처1 이름,비상연락처1 관계,비상연락처1 전화,방문 메모"
    )
    [(_, enrolment)] = read(
        f"{header}\n{PERSON}2026-11-01 10:00,김미정,가족,010-7777-1111,현관 1234*\n"
    )

    assert enrolment.visit == VisitInfo(
        (EmergencyContact("김미정", Relation.FAMILY, "+821077771111"),), "현관 1234*"
    )


def test_a_row_without_visit_cells_gives_none_so_what_is_stored_stays() -> None:
    empty = "," * 9
    [(_, with_columns)] = read(f"{HEADER}\n{PERSON}{CONSENT},{empty}\n")
    [(_, without)] = read(f"{','.join(COLUMNS)}\n{PERSON}{CONSENT}\n")

    assert with_columns.visit is None
    assert without.visit is None


def test_a_bad_contact_number_is_refused_naming_line_and_column() -> None:
    good = f"{PERSON}{CONSENT},김미정,가족,010-7777-1111,,,,,,,"
    bad = f"{PERSON.replace('SD-0001', 'SD-0002').replace('5678', '5679')}{CONSENT}"
    rows = read(f"{HEADER}\n{good}\n{bad},김미정,가족,010-7777-1111,이옥자,이웃,12345,,,,\n")

    assert not isinstance(rows[0], Rejection)
    rejection = rows[1]
    assert isinstance(rejection, Rejection)
    assert (rejection.line, rejection.field) == (3, "contact2_phone")
    assert "12345" in say(rejection.reason)


def test_a_contact_needs_a_name_a_known_relation_and_someone_elses_number() -> None:
    refused = {
        "contact1_name": ",가족,010-7777-1111",
        "contact1_relation": "김미정,친구,010-7777-1111",
        "contact1_phone": "김미정,가족,010-1234-5678",  # the person's own number
    }
    for field, cells in refused.items():
        [rejection] = read(f"{HEADER}\n{PERSON}{CONSENT},{cells},,,,,,,\n")
        assert isinstance(rejection, Rejection), field
        assert rejection.field == field


def test_notes_are_bounded() -> None:
    [rejection] = read(f"{HEADER}\n{PERSON}{CONSENT},,,,,,,,,,{'가' * 501}\n")

    assert isinstance(rejection, Rejection)
    assert rejection.field == "visit_notes"
    assert "500" in say(rejection.reason)
