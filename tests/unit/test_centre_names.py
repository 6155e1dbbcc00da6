"""Centre names in a list: a typo of a centre on file is caught, a neighbour is not."""

from __future__ import annotations

from anbu.adapters import catalogue
from anbu.domain.centre_names import (
    CentreChoices,
    NewCentres,
    close_names,
    refusal,
    unknown_centre,
)

ON_FILE = ["왕십리도선동", "왕십리2동", "행당1동", "마장동"]


def test_a_name_spelt_with_a_space_or_a_slip_is_close_to_the_centre_on_file() -> None:
    assert close_names("왕십리 도선동", ON_FILE) == ["왕십리도선동"]
    assert close_names("왕십리·도선동", ON_FILE) == ["왕십리도선동"]
    assert close_names("왕십리도선둥", ON_FILE) == ["왕십리도선동"]


def test_a_numbered_neighbour_or_a_far_name_is_a_new_centre() -> None:
    assert close_names("행당2동", ON_FILE) == []
    assert close_names("사근동", ON_FILE) == []
    assert unknown_centre("사근동", ON_FILE, NewCentres()) == []


def test_a_centre_on_file_or_one_allowed_is_not_refused() -> None:
    assert unknown_centre("왕십리도선동", ON_FILE, NewCentres()) == []
    assert unknown_centre("왕십리 도선동", ON_FILE, NewCentres(frozenset({"왕십리 도선동"}))) == []
    assert unknown_centre("왕십리 도선동", ON_FILE, NewCentres(every=True)) == []
    assert unknown_centre("왕십리 도선동", [], NewCentres()) == []  # a district's first list


def test_the_refusal_names_the_closest_centres() -> None:
    suggested = unknown_centre("왕십리 도선동", ON_FILE, NewCentres())
    assert catalogue.say(refusal("왕십리 도선동", suggested)) == (
        "'왕십리 도선동' 센터가 없습니다. 비슷한 센터: 왕십리도선동"
    )


def test_a_choice_reads_a_typo_as_the_centre_on_file() -> None:
    choices = CentreChoices((("왕십리 도선동", "왕십리도선동"),))
    assert choices.centre("왕십리 도선동") == "왕십리도선동"
    assert choices.centre("마장동") == "마장동"
