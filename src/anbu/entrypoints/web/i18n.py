"""The pages' words, Korean first and English second, from the message catalogue
(src/anbu/locale, read by `anbu.adapters.catalogue`). A missing English word falls back to
the Korean, never to the key."""

from __future__ import annotations

from anbu.adapters import catalogue


def translate(key: str, language: str, /, **params: object) -> str:
    """The words for `key` in `language`, its `{name}`s filled from `params` when given."""
    return catalogue.text(key, language, **params)


def refusal(reason: str, language: str) -> str:
    """Why a case refused an action, in the reader's language."""
    return translate(f"refusal.{reason}", language)


def known(key: str) -> bool:
    """Whether the catalogue has words for `key` (in Korean, which has them all)."""
    return key in catalogue.entries(catalogue.KOREAN)
