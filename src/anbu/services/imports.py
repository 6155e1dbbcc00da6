"""What an import of a list (people, staff) reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from anbu.domain.rejections import Rejection

Outcome = Literal["created", "updated", "unchanged"]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    # Centres the list created (subjects only): names close to no centre there was.
    new_centres: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}"
        )
