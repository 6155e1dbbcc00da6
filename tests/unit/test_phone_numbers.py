"""Korean mobile numbers: every common written form is the same number; others are refused."""

import pytest

from anbu.domain.phones import PhoneError, normalise_phone


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
    with pytest.raises(PhoneError, match="empty"):
        normalise_phone(written)


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
