"""Korean mobile numbers: every common written form is the same number; others are refused."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anbu.adapters.catalogue import say
from anbu.domain.phones import (
    PhoneError,
    e164_by_library,
    e164_of_common_form,
    normalise_phone,
)


@pytest.mark.parametrize(
    "written",
    [
        "010-1234-5678",
        "01012345678",
        "+82 10-1234-5678",
        "+821012345678",
        "010 1234 5678",
        " 010-1234-5678 ",
        "+82 010-1234-5678",
    ],
)
def test_it_reads_every_common_form_as_one_number(written: str) -> None:
    assert normalise_phone(written) == "+821012345678"


@pytest.mark.parametrize(
    "written",
    [
        "02-123-4567",  # a Seoul landline
        "031-123-4567",  # a Gyeonggi landline
        "070-1234-5678",  # internet telephony
        "+1 650-253-0000",  # a foreign number
        "+81 90-1234-5678",  # a Japanese mobile
        "hello",
        "010-1234",
    ],
)
def test_it_refuses_what_is_not_a_korean_mobile_number(written: str) -> None:
    with pytest.raises(PhoneError):
        normalise_phone(written)


@pytest.mark.parametrize("written", ["", "   "])
def test_it_refuses_an_empty_number(written: str) -> None:
    with pytest.raises(PhoneError) as refused:
        normalise_phone(written)
    assert "empty" in say(refused.value.reason, "en")


@pytest.mark.parametrize("written", ["010-5970-1234", "010-5999-0000"])
def test_it_takes_every_010_number_even_where_the_library_lists_none(written: str) -> None:
    digits = written.replace("-", "")
    assert normalise_phone(written) == "+82" + digits[1:]


@pytest.mark.parametrize("written", ["011-234-5678", "016-1234-5678", "019-234-5678"])
def test_it_takes_the_old_2g_prefixes_that_feature_phones_still_use(written: str) -> None:
    assert normalise_phone(written).startswith("+821")


def test_it_refuses_an_010_number_of_the_wrong_length() -> None:
    with pytest.raises(PhoneError):
        normalise_phone("010-1234-56789")


# -- the fast path for common forms against the library -------------------------------

COMMON_FORMS = [
    "010-1234-5678",
    "01012345678",
    "010 1234 5678",
    "010-1234 5678",
    "+82 10-1234-5678",
    "+821012345678",
    "+82-10-1234-5678",
    "+82 010-1234-5678",
    "+8201012345678",
]


@pytest.mark.parametrize("written", COMMON_FORMS)
def test_it_reads_the_common_forms_without_the_library_and_as_the_library_does(
    written: str,
) -> None:
    assert e164_of_common_form(written) == e164_by_library(written) == "+821012345678"


@pytest.mark.parametrize(
    "written",
    [
        "011-234-5678",  # old 2G prefixes: the library knows which blocks exist
        "016-1234-5678",
        "(010) 1234-5678",
        "010.1234.5678",
        "010--1234-5678",
        "010-123-45678",
        "010-1234-56789",
        "82 10-1234-5678",
        "０１０-1234-5678",  # fullwidth digits
        "010-１２３４-5678",
        "02-123-4567",
    ],
)
def test_it_leaves_every_other_form_to_the_library(written: str) -> None:
    assert e164_of_common_form(written) is None


def test_it_still_reads_a_form_left_to_the_library() -> None:
    assert normalise_phone("０１０-1234-5678") == "+821012345678"


MOBILE_PREFIXES = ("010", "011", "016", "017", "018", "019")
SEPARATORS = ("", " ", "-")


@st.composite
def written_numbers(
    draw: st.DrawFn,
    prefixes: tuple[str, ...] = MOBILE_PREFIXES,
    middle_sizes: tuple[int, ...] = (3, 4),
) -> tuple[str, str]:
    """A random mobile number as written by people and carriers, and its digits as
    dialled at home (`01012345678`): national or +82, with or without the 0, each part
    set off by nothing, a space or a dash."""
    prefix = draw(st.sampled_from(prefixes))
    middle = draw(st.text("0123456789", min_size=min(middle_sizes), max_size=max(middle_sizes)))
    last = draw(st.text("0123456789", min_size=4, max_size=4))
    start = draw(st.sampled_from([prefix, "+82{}" + prefix, "+82{}" + prefix[1:]]))
    first, second, third = (draw(st.sampled_from(SEPARATORS)) for _ in range(3))
    return start.format(first) + second + middle + third + last, prefix + middle + last


def _by_library(written: str) -> str | None:
    try:
        return e164_by_library(written)
    except PhoneError:
        return None


@settings(max_examples=500)
@given(written_numbers())
def test_the_fast_path_and_the_library_agree_on_every_number_it_reads(
    number: tuple[str, str],
) -> None:
    written, _ = number
    expected = _by_library(written)
    fast = e164_of_common_form(written)
    if fast is not None:
        assert fast == expected
    if expected is None:
        with pytest.raises(PhoneError):
            normalise_phone(written)
    else:
        assert normalise_phone(written) == expected


@given(written_numbers(prefixes=("010",), middle_sizes=(4,)))
def test_the_fast_path_reads_every_010_number_in_every_common_form(
    number: tuple[str, str],
) -> None:
    written, digits = number
    assert e164_of_common_form(written) == "+82" + digits[1:]
