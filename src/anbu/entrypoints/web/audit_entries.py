"""An audit entry as an administrator reads it: its action in words ("보고서 열람", not
`report.viewed`) and its detail as labelled fields (Korean labels, Seoul times, outcomes,
roles and kinds in words, staff by name) rather than the JSON or text the log keeps.

The log itself is unchanged: what is shown is read from what was written, so an entry
written before a word existed still shows (its code, its text)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from anbu.entrypoints.web.i18n import known, translate
from anbu.entrypoints.web.templating import seoul


class AuditEntry(Protocol):
    """What is read of an entry of the log (`anbu.adapters.storage.audit_log.AuditEntry`)."""

    @property
    def id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def subject_ref(self) -> str | None: ...
    @property
    def detail(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Field:
    """One labelled value; `login` when the value is a member of staff (shown by name,
    the login on hover)."""

    label: str
    text: str = ""
    login: str | None = None


@dataclass(frozen=True, slots=True)
class ReadableEntry:
    entry: AuditEntry
    action: str  # in words, or the code for an action that has none
    fields: list[Field]


def action_words(action: str, language: str) -> str:
    key = f"audit.action.{action}"
    return translate(key, language) if known(key) else action


def readable(entry: AuditEntry, language: str) -> ReadableEntry:
    return ReadableEntry(entry, action_words(entry.action, language), _fields(entry, language))


def logins_in(entries: Iterable[AuditEntry]) -> set[str]:
    """Every member of staff the entries name (actors, and logins in their details), so
    that a page reads all their names at once."""
    found: set[str] = set()
    for entry in entries:
        found.add(entry.actor)
        found.update(f.login for f in _fields(entry, "ko") if f.login)
    return found


# -- the detail, by what was written ----------------------------------------------------

# Plain-text details: what the text is, by action (its prefix before the dot, or whole).
_TEXT_LABELS = {
    "login": "address",
    "login.failed": "address",
    "subject.paused": "reason",
    "centre.policy_changed": "centre",
}
_SUMMARY = re.compile(r"(created|updated|unchanged|rejected) (\d+)")
_PERIODS = re.compile(r"^(?P<centre>.*): (?P<periods>.*); (?P<moved>\d+) people moved$")


def _fields(entry: AuditEntry, language: str) -> list[Field]:
    detail = (entry.detail or "").strip()
    if not detail:
        return []
    try:
        document = json.loads(detail)
    except ValueError:
        document = None
    if isinstance(document, dict):
        return [
            f for key, value in document.items() if (f := _field(key, value, language)) is not None
        ]
    return _text_fields(entry.action, detail, language)


def _text_fields(action: str, detail: str, language: str) -> list[Field]:
    def label(key: str) -> str:
        return _label(key, language)

    family = action.partition(".")[0]
    if family == "alert":
        alert_id, _, outcome = detail.partition(" ")
        fields = [Field(label("alert"), f"#{alert_id}")]
        if outcome:
            fields.append(Field(label("outcome"), _word(f"outcome.{outcome}", outcome, language)))
        return fields
    if family == "officer":
        return [Field(label("login"), detail, login=detail)]
    if action == "subjects.imported" and _SUMMARY.search(detail):
        return [Field(label(f"imported.{name}"), count) for name, count in _SUMMARY.findall(detail)]
    periods = _PERIODS.match(detail) if action == "centre.periods_changed" else None
    if periods:
        return [
            Field(label("centre"), periods["centre"]),
            Field(label("periods"), periods["periods"]),
            Field(label("people"), periods["moved"]),
        ]
    return [Field(label(_TEXT_LABELS.get(action, "detail")), detail)]


def _field(key: str, value: Any, language: str) -> Field | None:
    if value is None or value == "" or value == []:
        return None
    label = _label(key, language)
    if key in ("login", "actor") and isinstance(value, str):
        return Field(label, value, login=value)
    shown = _VALUES.get(key, _plain)(value, language)
    return Field(label, shown)


def _label(key: str, language: str) -> str:
    word = f"audit.field.{key}"
    return translate(word, language) if known(word) else key


def _plain(value: Any, language: str) -> str:
    if isinstance(value, bool):
        return (
            translate("audit.value.yes", language)
            if value
            else translate("audit.value.no", language)
        )
    if isinstance(value, list):
        return ", ".join(_plain(v, language) for v in value)
    if isinstance(value, str):
        return _instant(value) or value
    return str(value)


def _instant(text: str) -> str:
    """An ISO instant with its offset, in Seoul time; "" for anything else."""
    if len(text) < 16 or "T" not in text:
        return ""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return ""
    return seoul(instant) if instant.tzinfo is not None else ""


def _word(key: str, fallback: str, language: str) -> str:
    return translate(key, language) if known(key) else fallback


def _in_words(prefix: str) -> Callable[[Any, str], str]:
    def shown(value: Any, language: str) -> str:
        values = value if isinstance(value, list) else [value]
        return ", ".join(_word(f"{prefix}.{v}", str(v), language) for v in values)

    return shown


def _alerts(value: Any, language: str) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(f"#{v}" for v in values) if values else ""


def _change(value: Any, language: str) -> str:
    """`[before, after]` → `1 → 2`."""
    if isinstance(value, list) and len(value) == 2:
        return f"{value[0]} → {value[1]}"
    return _plain(value, language)


def _centres(value: Any, language: str) -> str:
    if value == "all":
        return translate("audit.value.all_centres", language)
    return _plain(value, language)


def _format(value: Any, language: str) -> str:
    return translate("audit.value.on_screen", language) if value == "html" else str(value)


_VALUES: dict[str, Callable[[Any, str], str]] = {
    "outcome": _in_words("outcome"),
    "kind": _in_words("kind"),
    "state": _in_words("state"),
    "role": _in_words("audit.value.role"),
    "detection": _in_words("detection"),
    "view": _in_words("audit.value.view"),
    "tables": _in_words("reports.sheet"),
    "alert": _alerts,
    "alerts": _alerts,
    "contacts": _change,
    "centres": _centres,
    "format": _format,
}
