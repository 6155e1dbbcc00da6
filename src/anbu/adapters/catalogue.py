"""The message catalogue: every word a person reads, Korean first, English for those who
switch. The gettext catalogues in src/anbu/locale/{ko,en}/LC_MESSAGES/anbu.po (key-style
msgids such as `queue.title`, `{name}` parameters) are read with Babel on first use and kept
in memory, so a fresh checkout needs no compile step.

A word missing in English falls back to the Korean; missing in Korean too, to the key itself
(tests/unit/test_catalogue_complete.py fails on that before anyone sees it)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from babel.messages.pofile import read_po

from anbu.domain.rejections import Rejection
from anbu.domain.wording import Message

KOREAN = "ko"
ENGLISH = "en"
LANGUAGES = (KOREAN, ENGLISH)


def language_of(choice: str | None) -> str:
    """`en` when asked for English (`en`, `en-GB`, `EN`); Korean otherwise."""
    return ENGLISH if (choice or "").strip().lower().startswith(ENGLISH) else KOREAN


@cache
def entries(language: str) -> dict[str, str]:
    """The catalogue of `language` as id → words; empty translations left out."""
    path = files("anbu") / "locale" / language / "LC_MESSAGES" / "anbu.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain="anbu")
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string
    }


def text(key: str, language: str = KOREAN, /, **params: object) -> str:
    """The words for `key` in `language`, its `{name}`s filled from `params`."""
    language = language_of(language)
    words = entries(language).get(key) or entries(KOREAN).get(key) or key
    return words.format_map(params) if params else words


def say(message: Message, language: str = KOREAN) -> str:
    """A domain `Message` in `language`; a value that is itself a Message (`2시간`) is
    rendered first."""
    values = {
        name: say(value, language) if isinstance(value, Message) else value
        for name, value in message.params.items()
    }
    return text(message.id, language, **values)


def problem(field: str | None, reason: Message, language: str = KOREAN) -> str:
    """`birth_date: 날짜가 아닙니다…`: one problem of a refused line, its field first."""
    if field is None:
        return say(reason, language)
    return text("rejection.field", language, field=field, reason=say(reason, language))


def rejection(refused: Rejection, language: str = KOREAN) -> str:
    """`3행 거부: birth_date: …; phone: …`: a refused line with all its problems."""
    problems = "; ".join(problem(field, reason, language) for field, reason in refused.problems)
    return text("rejection.line", language, line=refused.line, problems=problems)
