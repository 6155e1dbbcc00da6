"""Text anbu can store and show: the one rule every door applies (forms, the JSON API, query
strings, carriers' feeds, the CLI's files).

A NUL cannot be stored by PostgreSQL at all, a lone surrogate cannot be encoded as UTF-8,
and other control characters are never part of a name, an address or a note — they come
from a broken encoder or from someone probing. Refusing them where they enter, with the
field named, is what keeps one bad value from failing a whole batch deep in the database.
Text is also put in NFC, so that a name typed on a phone that composes Hangul differently
(decomposed jamo) is the same name for search and keyed lookups.
"""

from __future__ import annotations

import re
import unicodedata

from anbu.domain.wording import Message, MessageError

# C0 controls but tab, line feed and carriage return (which multi-line notes carry), DEL,
# C1 controls, UTF-16 surrogates (a lone one cannot be encoded) and the two noncharacters
# U+FFFE/U+FFFF that mark a byte-order mistake.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\n\r]")


class TextError(MessageError):
    """Why a value is refused, in words fit for the person who sent it."""


def unstorable(value: str, *, multiline: bool = True) -> Message | None:
    """Why `value` cannot be stored as text, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None and not multiline:
        found = _LINE_BREAKS.search(value)
    if found is None:
        return None
    code, position = ord(found[0]), found.start() + 1
    if 0xD800 <= code <= 0xDFFF:
        return Message("reason.not_utf8_at", code=f"U+{code:04X}", position=position)
    return Message("reason.control_character", code=f"U+{code:04X}", position=position)


def storable(value: str, *, max_length: int | None = None, multiline: bool = True) -> str:
    """`value` in NFC, or TextError when it holds a character no field may hold or is longer
    than `max_length` characters."""
    if value.isascii() and value.isprintable():
        # Nearly every identifier, number and time a carrier sends: nothing to find or
        # normalise, and ingest reads millions of them.
        if max_length is not None and len(value) > max_length:
            raise TextError(Message("reason.too_long", longest=max_length))
        return value
    reason = unstorable(value, multiline=multiline)
    if reason is not None:
        raise TextError(reason)
    normal = unicodedata.normalize("NFC", value)
    if max_length is not None and len(normal) > max_length:
        raise TextError(Message("reason.too_long", longest=max_length))
    return normal
