"""The staff list: each row an Officer, or a rejection naming line and field."""

from __future__ import annotations

import pytest

from anbu.adapters.catalogue import say
from anbu.adapters.formats.officers_csv import read_officers
from anbu.domain.kinds import Role
from anbu.domain.officers import Officer
from anbu.domain.rejections import Rejection, UnreadableInputError

from builders import officer_row, officers_csv


def _read(*rows: dict[str, str], encoding: str = "utf-8") -> list[tuple[int, Officer] | Rejection]:
    return list(read_officers(officers_csv(*rows, encoding=encoding)))


def test_it_reads_a_good_row_with_centres_split_by_semicolons() -> None:
    ((line, officer),) = _read(officer_row(centres="마장동; 사근동", login="Kim.Officer"))  # type: ignore[misc]
    assert line == 2
    assert officer.login == "kim.officer"
    assert officer.centres == frozenset({"마장동", "사근동"})
    assert officer.phone == "+821090000001"
    assert officer.role is Role.OFFICER


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"login": "x"}, "login"),
        ({"login": "김"}, "login"),
        ({"name": " "}, "name"),
        ({"phone": "02-123-4567"}, "phone"),
        ({"email": "kim-at-example"}, "email"),
        ({"role": "boss"}, "role"),
        ({"centres": ""}, "centres"),
        ({"phone": "", "email": ""}, "phone"),
        ({"role": "duty", "centres": "", "phone": "", "email": ""}, "phone"),
    ],
)
def test_it_names_the_field_of_a_bad_row(overrides: dict[str, str], field: str) -> None:
    (rejection,) = _read(officer_row(**overrides))
    assert isinstance(rejection, Rejection)
    assert (rejection.line, rejection.field) == (2, field)


def test_it_lets_an_administrator_or_operator_have_no_centre_or_contact() -> None:
    rows = _read(
        officer_row(login="admin", role="admin", centres="", phone="", email=""),
        officer_row(login="ops", role="operator", centres="", phone="", email="ops@example.org"),
    )
    assert [r[1].role for r in rows if not isinstance(r, Rejection)] == [Role.ADMIN, Role.OPERATOR]


def test_it_lets_the_duty_desk_have_no_centre() -> None:
    (row,) = _read(officer_row(login="duty", role="duty", centres=""))
    assert not isinstance(row, Rejection)
    assert (row[1].role, row[1].centres) == (Role.DUTY, frozenset())


def test_it_refuses_a_login_given_twice() -> None:
    rows = _read(officer_row(), officer_row(name="김다른"))
    assert isinstance(rows[1], Rejection)
    assert (rows[1].line, rows[1].field) == (3, "login")
    assert "line 2" in say(rows[1].reason, "en")


def test_it_reads_cp949() -> None:
    ((_, officer),) = _read(officer_row(name="홍길동"), encoding="cp949")  # type: ignore[misc]
    assert officer.name == "홍길동"


def test_it_refuses_a_file_without_the_columns() -> None:
    with pytest.raises(UnreadableInputError) as refused:
        list(read_officers(b"login,name,phone,email,centres\nkim,k,,,x\n"))
    assert "role" in say(refused.value.reason, "en")
