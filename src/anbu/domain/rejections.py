"""Rejections: what a bad input line gets — its line number, the field and the reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused line: its first problem in `field` and `reason`, and the line's other
    problems, if any, in `also` as (field, reason) — so that whoever fixes the file fixes
    the whole row at once, not one field per try."""

    line: int
    field: str | None
    reason: str
    also: tuple[tuple[str, str], ...] = ()

    @property
    def problems(self) -> list[tuple[str | None, str]]:
        return [(self.field, self.reason), *self.also]

    def __str__(self) -> str:
        parts = [(f"field '{name}': " if name else "") + reason for name, reason in self.problems]
        return f"line {self.line}" + (", " if self.field else ": ") + "; ".join(parts)


class FieldError(ValueError):
    """A record refused because of one field; `field` names it, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class FieldsError(FieldError):
    """A record refused for several fields at once: the first as a FieldError's, all of
    them in `problems`."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(*problems[0])
        self.problems = problems


class UnreadableInputError(ValueError):
    """The input as a whole cannot be read (missing, undecodable, wrong header)."""
