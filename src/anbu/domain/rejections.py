"""Rejections: what a bad input line gets — its line number, the field and the reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.reason}"


class FieldError(ValueError):
    """A record refused because of one field; `field` names it, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnreadableInputError(ValueError):
    """The input as a whole cannot be read (missing, undecodable, wrong header)."""
