"""The password rule, the one place it lives (NIST SP 800-63B §3.1.1.2; KISA's password guide
for Korean services): 10 to 128 characters, and not one an attacker tries first — common or
breached, the login itself, one character or a short block repeated, or a run along the
keyboard, the digits or the alphabet.

Nothing else is asked (no "one capital, one digit"): length and a blocklist are what the
guidance keeps. The refusal names a reason and its words never contain the password.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from functools import cache

from anbu.domain.wording import Message, MessageError

SHORTEST = 10
# Longer ones are refused before they are hashed: a megabyte "password" must not cost the
# server a megabyte of argon2.
LONGEST = 128
# A login this short ("ab") is inside too many good passwords to forbid them.
SHORTEST_LOGIN_TO_AVOID = 3
# A common word with digits or signs around it ("monkey1234!") is still that word; below
# four letters the word itself says too little.
SHORTEST_COMMON_CORE = 4
LONGEST_REPEATED_BLOCK = 4

# Korean words people turn into passwords, checked as typed in Hangul and as typed on a
# Korean keyboard left in English mode (두벌식: 사랑해 → tkfkdgo), with the product's own name.
KOREAN_WORDS = (
    "안녕",
    "안녕하세요",
    "사랑",
    "사랑해",
    "사랑해요",
    "비밀",
    "비밀번호",
    "대한민국",
    "한국",
    "서울",
    "행복",
    "가나다라",
    "가나다라마바사",
    "자기야",
    "우리집",
    "엄마",
    "아빠",
    "하늘",
    "바다",
    "친구",
    "관리자",
    "안부",
    "성동구",
)
# Patterns that Korean password lists are full of, beyond zxcvbn's (English-speaking) list.
KOREAN_COMMON = (
    "anbu",
    "qwer1234",
    "qwer1234!",
    "qwer1234!@",
    "qwer12345",
    "1q2w3e4r",
    "1q2w3e4r!",
    "1q2w3e4r!@",
    "1q2w3e4r5t",
    "1q2w3e4r5t!",
    "1q2w3e4r5t6y",
    "q1w2e3r4",
    "q1w2e3r4t5",
    "asdf1234",
    "asdf1234!",
    "zxcv1234",
    "zxcv1234!",
    "qwerasdf",
    "qwerasdf1234",
    "qwerasdfzxcv",
    "1qaz2wsx",
    "1qaz2wsx3edc",
    "a123456789",
    "a1234567890",
    "abc1234567",
    "abcd123456",
    "abcd1234!",
    "abcd1234!@",
    "password1!",
    "password12!",
    "p@ssw0rd1!",
    "admin1234",
    "admin12345",
    "korea1234",
    "seoul1234",
)

# Runs that a finger or a habit follows; a password inside one (either way) is refused.
_RUNS = (
    "0123456789" * (LONGEST // 10 + 2),  # round and round: "7890123456" is a run too
    "abcdefghijklmnopqrstuvwxyz",
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎ",
    "가나다라마바사아자차카타파하",
    "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ",  # the Korean keyboard's rows
    "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ",
    "ㅋㅌㅊㅍㅠㅜㅡ",
)


class PasswordReason(StrEnum):
    """Why a password was refused: a stable code; `explain` puts it in words."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    REPEATED = "repeated"
    SEQUENCE = "sequence"
    CONTAINS_LOGIN = "contains_login"
    COMMON = "common"


# Words for each reason, fixed: a refusal never carries the password or any part of it.
_WORDS: dict[PasswordReason, Message] = {
    PasswordReason.TOO_SHORT: Message("password.too_short", shortest=SHORTEST),
    PasswordReason.TOO_LONG: Message("password.too_long", longest=LONGEST),
    PasswordReason.REPEATED: Message("password.repeated"),
    PasswordReason.SEQUENCE: Message("password.sequence"),
    PasswordReason.CONTAINS_LOGIN: Message("password.contains_login"),
    PasswordReason.COMMON: Message("password.common"),
}


class PasswordRefusedError(MessageError):
    """A password the rule refuses: `code` says which part of the rule, `reason` the
    catalogue message for the edges to render in the reader's language."""

    def __init__(self, reason: PasswordReason) -> None:
        super().__init__(explain(reason))
        self.code = reason


def explain(reason: PasswordReason) -> Message:
    return _WORDS[reason]


def check_password(password: str, *, login: str) -> None:
    """Return if `password` may be set for `login`; raises PasswordRefusedError otherwise."""
    reason = refusal(password, login=login)
    if reason is not None:
        raise PasswordRefusedError(reason)


def refusal(password: str, *, login: str) -> PasswordReason | None:
    """Why `password` may not be set for `login`, or None if it may. Length is judged first
    and alone, so an over-long password is never looked into."""
    if len(password) < SHORTEST:
        return PasswordReason.TOO_SHORT
    if len(password) > LONGEST:
        return PasswordReason.TOO_LONG
    folded = _fold(password)
    if _repeats_a_block(folded):
        return PasswordReason.REPEATED
    if _follows_a_run(folded):
        return PasswordReason.SEQUENCE
    if _contains_login(folded, _fold(login)):
        return PasswordReason.CONTAINS_LOGIN
    if _is_common(folded):
        return PasswordReason.COMMON
    return None


def too_long(password: str) -> bool:
    """Whether a password offered at login is past what could ever have been set."""
    return len(password) > LONGEST


def _fold(text: str) -> str:
    # NFKC first: a full-width "ｑｗｅｒ" or composed jamo are the same keys pressed.
    return unicodedata.normalize("NFKC", text).casefold()


def _repeats_a_block(password: str) -> bool:
    """ "aaaaaaaaaa", "1212121212", "abcabcabca": a block of at most four, over and over."""
    return any(
        (password[:size] * (len(password) // size + 1))[: len(password)] == password
        for size in range(1, LONGEST_REPEATED_BLOCK + 1)
    )


def _follows_a_run(password: str) -> bool:
    return any(password in run or password in run[::-1] for run in _RUNS)


def _contains_login(password: str, login: str) -> bool:
    """The login, or the login without its dots and dashes ("kim.officer" → "kimofficer")."""
    forms = {login, _letters_and_digits(login)}
    return any(
        len(form) >= SHORTEST_LOGIN_TO_AVOID
        and (form in password or form in _letters_and_digits(password))
        for form in forms
    )


def _is_common(password: str) -> bool:
    """On the list, or a word on the list with only digits and signs around it."""
    listed = _common_passwords()
    core = password.strip("0123456789 !@#$%^&*()-_=+[]{};:'\",.<>/?\\|`~")
    return password in listed or (len(core) >= SHORTEST_COMMON_CORE and core in listed)


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@cache
def _common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most frequent passwords (from leaked sets), our Korean additions, and
    each Korean word both in Hangul and as typed with the keyboard in English mode."""
    # Imported here, not at the top: the lists take a tenth of a second to load, and only
    # setting a password needs them.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    korean = {word for hangul in KOREAN_WORDS for word in (hangul, dubeolsik(hangul))}
    zxcvbn: list[str] = FREQUENCY_LISTS["passwords"]
    return frozenset(zxcvbn) | frozenset(KOREAN_COMMON) | frozenset(korean)


# 두벌식 (the standard Korean keyboard): the key under each jamo, in Unicode's order.
# fmt: off
_INITIAL = ("r", "R", "s", "e", "E", "f", "a", "q", "Q", "t", "T", "d", "w", "W", "c", "z", "x",
            "v", "g")
_MEDIAL = ("k", "o", "i", "O", "j", "p", "u", "P", "h", "hk", "ho", "hl", "y", "n", "nj", "np",
           "nl", "b", "m", "ml", "l")
_FINAL = ("", "r", "R", "rt", "s", "sw", "sg", "e", "f", "fr", "fa", "fq", "ft", "fx", "fv", "fg",
          "a", "q", "qt", "t", "T", "d", "w", "c", "z", "x", "v", "g")
# fmt: on


def dubeolsik(hangul: str) -> str:
    """What Hangul becomes when typed with the keyboard left in English mode, lower case
    (사랑해 → tkfkdgo): what Korean password lists are full of."""
    keys = []
    for ch in hangul:
        index = ord(ch) - 0xAC00
        if not 0 <= index < 11172:
            keys.append(ch)
            continue
        initial, rest = divmod(index, 21 * 28)
        medial, final = divmod(rest, 28)
        keys.append(_INITIAL[initial] + _MEDIAL[medial] + _FINAL[final])
    return "".join(keys).casefold()
