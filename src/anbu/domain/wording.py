"""Words for people, not yet in a language: a message id of the catalogue (src/anbu/locale)
and the values it names. The domain says *what* went wrong this way and stays free of I/O;
the edges (CLI, pages, API) render it in the reader's language with `anbu.adapters.catalogue`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class Message:
    """`Message("reason.not_a_date", value="1948-13-01")`: the id is a catalogue key (so the
    extractor and the completeness test find it), the named values fill its `{value}`."""

    __slots__ = ("id", "params")

    def __init__(self, id: str, /, **params: object) -> None:
        self.id = id
        self.params: Mapping[str, object] = MappingProxyType(params)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message)
            and other.id == self.id
            and dict(other.params) == dict(self.params)
        )

    def __hash__(self) -> int:
        return hash((self.id, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))

    def __repr__(self) -> str:
        values = "".join(f", {name}={value!r}" for name, value in self.params.items())
        return f"Message({self.id!r}{values})"

    def __str__(self) -> str:
        # Only for logs and exception text: people read the rendered catalogue words.
        return repr(self)


class MessageError(ValueError):
    """A refusal whose words are a `Message`: `reason` says why, for the edges to render in
    the reader's language (`str(error)` is for logs only)."""

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason
