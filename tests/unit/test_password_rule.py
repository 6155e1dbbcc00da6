"""The password rule (anbu.domain.passwords): what NIST SP 800-63B and KISA's guide ask, and
nothing more — length, and not one an attacker tries first."""

from __future__ import annotations

import random
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anbu.adapters import catalogue
from anbu.domain.passwords import (
    KOREAN_COMMON,
    KOREAN_WORDS,
    LONGEST,
    SHORTEST,
    PasswordReason,
    PasswordRefusedError,
    check_password,
    dubeolsik,
    explain,
    refusal,
)

LOGIN = "kim.officer"
GOOD = (
    "correct horse battery staple",
    "왕십리 골목 세 번째 파란 대문",
    "Mj7#vQ2!pLr9",
    "blue kestrel orbit 47",
)
any_text = st.text(max_size=LONGEST + 20)
# The first example that reaches the common list loads it (a tenth of a second or more on a
# busy machine): no deadline, or that example would be reported as flaky.
unhurried = settings(deadline=None)


@pytest.mark.parametrize("password", GOOD)
def test_a_long_uncommon_password_is_accepted(password: str) -> None:
    check_password(password, login=LOGIN)


def test_random_passwords_of_twelve_letters_and_digits_are_accepted() -> None:
    chance = random.Random(13)
    for _ in range(200):
        password = "".join(chance.choices(string.ascii_letters + string.digits, k=12))
        assert refusal(password, login=LOGIN) is None, password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pw!", PasswordReason.TOO_SHORT),
        ("a" * (LONGEST + 1), PasswordReason.TOO_LONG),
        ("aaaaaaaaaa", PasswordReason.REPEATED),
        ("1212121212", PasswordReason.REPEATED),
        ("abcabcabcabc", PasswordReason.REPEATED),
        ("1234567890", PasswordReason.SEQUENCE),
        ("0987654321", PasswordReason.SEQUENCE),
        ("7890123456", PasswordReason.SEQUENCE),
        ("abcdefghijk", PasswordReason.SEQUENCE),
        ("qwertyuiop", PasswordReason.SEQUENCE),
        ("POIUYTREWQ", PasswordReason.SEQUENCE),
        ("가나다라마바사아자차", PasswordReason.SEQUENCE),
        ("kim.officer", PasswordReason.CONTAINS_LOGIN),
        ("KIM.OFFICER2026", PasswordReason.CONTAINS_LOGIN),
        ("i am kimofficer!", PasswordReason.CONTAINS_LOGIN),
        ("password123", PasswordReason.COMMON),
        ("qwer1234!@", PasswordReason.COMMON),
        ("1q2w3e4r5t", PasswordReason.COMMON),
        ("asdf1234!@", PasswordReason.COMMON),
        ("dkssud1234", PasswordReason.COMMON),  # 안녕 typed in English mode, then digits
        ("tkfkdgo2026!", PasswordReason.COMMON),  # 사랑해
        ("dkssudgktpdy", PasswordReason.COMMON),  # 안녕하세요
        ("사랑해요1234567", PasswordReason.COMMON),
        ("monkey123456", PasswordReason.COMMON),
        ("ｑｗｅｒ１２３４!@", PasswordReason.COMMON),  # full-width, as some keyboards type
        ("anbu2026!!", PasswordReason.COMMON),  # the service's own name
    ],
)
def test_it_names_why_a_password_is_refused(password: str, reason: PasswordReason) -> None:
    with pytest.raises(PasswordRefusedError) as refused:
        check_password(password, login=LOGIN)
    assert refused.value.code is reason
    assert refused.value.reason == explain(reason)
    assert password not in str(refused.value)


def test_korean_words_are_checked_as_typed_with_the_keyboard_in_english_mode() -> None:
    assert [dubeolsik(word) for word in ("사랑해", "안녕", "비밀번호", "대한민국")] == [
        "tkfkdgo",
        "dkssud",
        "qlalfqjsgh",
        "eogksalsrnr",
    ]
    for word in KOREAN_WORDS:
        padded = dubeolsik(word) + "1234567890"
        assert refusal(padded, login=LOGIN) is PasswordReason.COMMON, word


@pytest.mark.parametrize("listed", [p for p in KOREAN_COMMON if len(p) >= SHORTEST])
def test_every_long_enough_korean_addition_is_refused(listed: str) -> None:
    assert refusal(listed, login=LOGIN) is not None


@unhurried
@given(password=any_text, login=st.text(max_size=70))
def test_the_words_of_a_refusal_depend_on_its_reason_alone(password: str, login: str) -> None:
    """So no refusal can carry the password, or any part of it."""
    reason = refusal(password, login=login)
    if reason is not None:
        assert PasswordRefusedError(reason).reason == explain(reason)
        assert str(PasswordRefusedError(reason)) == str(explain(reason))


@pytest.mark.parametrize("reason", list(PasswordReason))
def test_each_refusal_has_words_in_korean_and_english(reason: PasswordReason) -> None:
    korean = catalogue.say(explain(reason), "ko")
    english = catalogue.say(explain(reason), "en")
    assert re.search("[가-힣]", korean), korean
    assert english.isascii(), english
    assert english != korean
    assert catalogue.say(explain(PasswordReason.TOO_SHORT), "ko") == (
        f"비밀번호는 {SHORTEST}자 이상이어야 합니다."
    )


@unhurried
@given(password=any_text, login=st.text(max_size=70))
def test_length_is_judged_before_anything_else(password: str, login: str) -> None:
    reason = refusal(password, login=login)
    if len(password) < SHORTEST:
        assert reason is PasswordReason.TOO_SHORT
    elif len(password) > LONGEST:
        assert reason is PasswordReason.TOO_LONG
    else:
        assert reason not in (PasswordReason.TOO_SHORT, PasswordReason.TOO_LONG)


@given(
    character=st.characters(exclude_categories=["Cs"]),
    length=st.integers(SHORTEST, LONGEST),
)
def test_one_character_over_and_over_is_refused(character: str, length: int) -> None:
    assert refusal(character * length, login=LOGIN) is PasswordReason.REPEATED


@given(start=st.integers(0, 9), length=st.integers(SHORTEST, LONGEST), backwards=st.booleans())
def test_a_run_of_digits_either_way_is_refused(start: int, length: int, backwards: bool) -> None:
    run = "".join(str((start + i) % 10) for i in range(length))
    password = run[::-1] if backwards else run
    assert refusal(password, login=LOGIN) in (PasswordReason.SEQUENCE, PasswordReason.REPEATED)


@unhurried
@given(
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    login=st.from_regex(r"[a-z0-9][a-z0-9._-]{2,20}", fullmatch=True),
    upper=st.booleans(),
)
def test_a_password_containing_the_login_in_any_case_is_refused(
    before: str, after: str, login: str, upper: bool
) -> None:
    password = before + (login.upper() if upper else login) + after
    reason = refusal(password, login=login)
    assert reason is not None
    if SHORTEST <= len(password) <= LONGEST and reason is not PasswordReason.CONTAINS_LOGIN:
        # Only a reason judged before the login's may stand in its place.
        assert reason in (PasswordReason.REPEATED, PasswordReason.SEQUENCE)
