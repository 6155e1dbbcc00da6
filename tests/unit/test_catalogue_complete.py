"""The message catalogue is complete: every message id the code and the templates use has
Korean and English words, so that nobody reads a key (or an English fallback) in place of
Korean. Ids are found by Babel's extractor in src/anbu, by the `t("…")` calls of the
templates, and, for the ids built from a code (`"state." ~ case.state.value`), by the enums
they come from."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from anbu.adapters import catalogue
from anbu.domain.alerts import Refusal
from anbu.domain.kinds import AlertKind, AlertState, Detection, NotificationState, Outcome
from anbu.domain.notifications import Medium
from anbu.domain.rhythm import Level
from anbu.domain.subjects import Relation

SOURCE = Path(catalogue.__file__).resolve().parent.parent
TEMPLATES = SOURCE / "entrypoints" / "web" / "templates"
# A catalogue id: lower-case dotted words (`queue.title`, `reason.not_a_date`).
ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$")
# The functions whose first argument is a message id.
KEYWORDS = dict.fromkeys(("Message", "translate", "text", "word", "_word", "t"))
# `t("queue.title")`, `t('login.title', longest=…)`: a template's fixed ids.
TEMPLATE_ID = re.compile(r"""\bt\(\s*(["'])([a-z][a-z0-9_.-]*)\1\s*[,)]""")
# Ids the pages build from a code, by prefix: each member of the enum needs words.
FAMILIES: list[tuple[str, type[StrEnum]]] = [
    ("state.", AlertState),
    ("level.", Level),
    ("kind.", AlertKind),
    ("outcome.", Outcome),
    ("refusal.", Refusal),
    ("notification.", NotificationState),
    ("detection.", Detection),
    ("medium.", Medium),
    ("visit.relation.", Relation),
]


def python_ids() -> set[str]:
    found = extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    )
    ids = set()
    for _file, _line, message, _comments, _context in found:
        first = message[0] if isinstance(message, tuple) else message
        if isinstance(first, str) and ID.match(first):
            ids.add(first)
    return ids


def template_ids() -> set[str]:
    return {
        match[2]
        for page in TEMPLATES.rglob("*.html")
        for match in TEMPLATE_ID.finditer(page.read_text(encoding="utf-8"))
    }


def family_ids() -> set[str]:
    return {prefix + member.value for prefix, enum in FAMILIES for member in enum}


def test_the_extractor_finds_the_ids_in_code_and_templates() -> None:
    # Guards the finders themselves: an extractor that found nothing would pass everything.
    assert {"reason.not_a_date", "rejection.line", "people.chart.unit"} <= python_ids()
    assert {"queue.title", "nav.queue", "login.title"} <= template_ids()


@pytest.mark.parametrize("language", catalogue.LANGUAGES)
def test_every_id_used_has_words_in_each_language(language: str) -> None:
    used = python_ids() | template_ids() | family_ids()
    missing = sorted(used - catalogue.entries(language).keys())
    assert missing == [], f"src/anbu/locale/{language} lacks: {missing}"


def raw(language: str) -> dict[str, str]:
    """The .po as written, untranslated (empty) entries included."""
    path = SOURCE / "locale" / language / "LC_MESSAGES" / "anbu.po"
    with path.open("rb") as file:
        return {str(m.id): str(m.string) for m in read_po(file) if m.id}


def test_korean_and_english_have_the_same_ids_and_no_empty_words() -> None:
    korean, english = raw("ko"), raw("en")
    assert sorted(korean.keys() ^ english.keys()) == []
    # An empty msgstr is an untranslated one; a deliberate "no word" is a space.
    assert [key for key, words in {**korean, **english}.items() if not words] == []


def test_a_missing_english_word_falls_back_to_korean_and_a_missing_id_to_itself() -> None:
    assert catalogue.text("queue.title", "en") == "Alerts waiting for a check"
    assert catalogue.text("queue.title", "ko") == "확인 대기 중인 알림"
    assert catalogue.text("no.such.id", "en") == "no.such.id"


def test_the_named_values_fill_the_words() -> None:
    assert catalogue.text("reason.too_long", "ko", longest=128) == "128자를 넘습니다."
    assert catalogue.text("reason.too_long", "en", longest=128) == ("is longer than 128 characters")
