"""Centre names in a list: a name close to one that exists is a typo until an administrator
says otherwise, so that "왕십리 도선동" does not quietly become a centre beside
"왕십리도선동" with nobody to tell.

Close means: the same once spaces, punctuation and letter case are set aside, or alike by
difflib's ratio (`CLOSE`) on those spellings with the same numbers in them — 행당1동 and
행당2동 are neighbours, not a typo of each other. A name close to no existing centre is a new
centre (a district's first list sets its centres up; a centre may genuinely be new).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from anbu.domain.wording import Message

CLOSE = 0.75  # difflib ratio from which two spellings are taken for the same centre
SUGGESTED = 3  # closest names named in a refusal, at most


@dataclass(frozen=True, slots=True)
class NewCentres:
    """The close-to-existing centres an administrator allowed a list to create: by name,
    or all of them (`every`)."""

    names: frozenset[str] = frozenset()
    every: bool = False

    def allow(self, name: str) -> bool:
        return self.every or name in self.names


NONE_NEW = NewCentres()


@dataclass(frozen=True, slots=True)
class CentreChoices:
    """What an administrator decided about a reviewed list's unknown centres: names to
    read as an existing centre's instead (`renamed`, typo to centre), and the new centres
    allowed. Empty: nothing decided, every typo refused."""

    renamed: tuple[tuple[str, str], ...] = ()
    new: NewCentres = NONE_NEW

    def centre(self, name: str) -> str:
        return dict(self.renamed).get(name, name)


UNDECIDED = CentreChoices()


def spelling(name: str) -> str:
    """The name as compared: NFKC, without spaces or punctuation, case folded."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def close_names(name: str, existing: Collection[str]) -> list[str]:
    """Existing centres close to `name` (not equal to it), the closest first."""
    wanted = spelling(name)
    scored: list[tuple[float, str]] = []
    for other in existing:
        if other == name:
            continue
        theirs = spelling(other)
        if _numbers(theirs) != _numbers(wanted):
            continue
        ratio = 1.0 if theirs == wanted else difflib.SequenceMatcher(None, wanted, theirs).ratio()
        if ratio >= CLOSE:
            scored.append((ratio, other))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [other for _, other in scored[:SUGGESTED]]


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def unknown_centre(name: str, existing: Collection[str], allowed: NewCentres) -> list[str]:
    """The existing centres `name` is probably a typo of: empty when the centre exists,
    is close to none, or the administrator allowed creating it."""
    if name in existing or allowed.allow(name):
        return []
    return close_names(name, existing)


def refusal(name: str, suggestions: list[str]) -> Message:
    """Why a row naming a centre close to one on file is refused, with the close ones."""
    return Message("reason.centre_typo", name=name, close=", ".join(suggestions))
