"""Rejections: what a bad input line gets — its line number, the field and the reason."""

from __future__ import annotations

from dataclasses import dataclass

from anbu.domain.wording import Message, MessageError


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused line: its first problem in `field` and `reason`, and the line's other
    problems, if any, in `also` as (field, reason) — so that whoever fixes the file fixes
    the whole row at once, not one field per try. Reasons are catalogue messages, rendered
    in the reader's language at the edge (`anbu.adapters.catalogue.rejection`)."""

    line: int
    field: str | None
    reason: Message
    also: tuple[tuple[str, Message], ...] = ()

    @property
    def problems(self) -> list[tuple[str | None, Message]]:
        return [(self.field, self.reason), *self.also]


class FieldError(ValueError):
    """A record refused because of one field; `field` names it, `reason` says why."""

    def __init__(self, field: str, reason: Message) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class FieldsError(FieldError):
    """A record refused for several fields at once: the first as a FieldError's, all of
    them in `problems`."""

    def __init__(self, problems: list[tuple[str, Message]]) -> None:
        super().__init__(*problems[0])
        self.problems = problems


class UnreadableInputError(MessageError):
    """The input as a whole cannot be read (missing, undecodable, wrong header)."""
