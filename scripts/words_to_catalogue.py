"""Carry `"key": ("한국어", "English")` entries from Python files into the message catalogue.

    .venv/bin/python scripts/words_to_catalogue.py src/anbu/entrypoints/web/i18n.py [FILE...]

Every dict literal whose values are pairs of plain strings (the old `WORDS` and `i18n.add`
style) becomes catalogue entries: the key as msgid, the Korean as src/anbu/locale/ko's msgstr,
the English as en's. A key already in the catalogue is replaced with the file's words, so the
newest branch wins; delete the dict from the Python file afterwards. An f-string or any other
computed word is not carried over but listed, to be written as a `{name}` parameter by hand.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "src" / "anbu" / "locale"
LANGUAGES = ("ko", "en")
HEADER = {
    "ko": "# anbu's words in Korean, the first language (msgid: a key, msgstr: the words).",
    "en": "# anbu's words in English, for those who switch (msgid: a key, msgstr: the words).",
}


def pairs_in(source: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """The (Korean, English) words of each key, and the keys whose words are computed."""
    words: dict[str, tuple[str, str]] = {}
    computed: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if not (isinstance(value, ast.Tuple) and len(value.elts) == 2):
                continue
            texts = [e.value for e in value.elts if isinstance(e, ast.Constant)]
            if len(texts) == 2 and all(isinstance(t, str) for t in texts):
                words[key.value] = (texts[0], texts[1])
            else:
                computed.append(key.value)
    return words, computed


def catalogue_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "anbu.po"


def load(language: str) -> Catalog:
    path = catalogue_path(language)
    if not path.exists():
        return Catalog(
            locale=language,
            domain="anbu",
            project="anbu",
            version="0.1",
            header_comment=HEADER[language],
            fuzzy=False,
        )
    with path.open("rb") as file:
        return read_po(file, locale=language, domain="anbu")


def save(catalog: Catalog, language: str) -> None:
    path = catalogue_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        # One line per entry and sorted ids: merges of two branches' additions stay simple.
        write_po(file, catalog, width=0, sort_output=True, omit_header=False)


def carry(words: dict[str, tuple[str, str]]) -> None:
    for index, language in enumerate(LANGUAGES):
        catalog = load(language)
        for key, texts in words.items():
            catalog.delete(key)
            catalog.add(key, texts[index])
        save(catalog, language)


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    everything: dict[str, tuple[str, str]] = {}
    for path in paths:
        words, computed = pairs_in(Path(path).read_text(encoding="utf-8"))
        everything.update(words)
        for key in computed:
            print(f"{path}: {key}: computed words, write them in the catalogue by hand")
    carry(everything)
    print(f"{len(everything)} entries carried into {LOCALE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
