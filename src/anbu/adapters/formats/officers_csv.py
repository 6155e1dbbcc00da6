"""The district's staff list: `login,name,phone,email,centres,role`, centres split by `;`."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from anbu.adapters.formats.text import decode, distinct_rows, header_and_records
from anbu.domain.kinds import Role
from anbu.domain.officers import Officer, StaffError
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.domain.rejections import Rejection, UnreadableInputError
from anbu.domain.wording import Message

COLUMNS = ("login", "name", "phone", "email", "centres", "role")
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,63}$")
# Deliberately plain: the address is proven by the mail that reaches it, not by a regex.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Parsed = tuple[int, Officer] | Rejection


def read_officers(data: bytes) -> Iterator[Parsed]:
    """Yield (line, Officer) for good rows and a Rejection naming line and field for bad ones.

    Raises UnreadableInputError when the file as a whole cannot be used.
    """
    header, records = header_and_records(io.StringIO(decode(data), newline=""))
    missing = [name for name in COLUMNS if name not in header]
    if not header or missing:
        raise UnreadableInputError(
            Message("unreadable.missing_columns", columns=", ".join(missing or COLUMNS))
        )
    return distinct_rows(records, _officer, lambda o: o.login, "login")


def _officer(cells: dict[str, str]) -> Officer:
    login = cells["login"].strip().lower()
    if not _LOGIN.match(login):
        raise StaffError("login", Message("reason.login"))
    name = cells["name"].strip()
    if not name:
        raise StaffError("name", Message("reason.required"))
    role_text = cells["role"].strip().lower()
    try:
        role = Role(role_text)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise StaffError(
            "role", Message("reason.not_one_of", value=role_text, known=known)
        ) from None
    return Officer(
        login=login,
        name=name,
        phone=_phone(cells["phone"]),
        email=_email(cells["email"]),
        centres=frozenset(c.strip() for c in cells["centres"].split(";") if c.strip()),
        role=role,
    )


def _phone(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        # Alerts go out by SMS, so it must be a mobile number.
        return normalise_phone(text)
    except PhoneError as exc:
        raise StaffError("phone", exc.reason) from exc


def _email(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if not _EMAIL.match(value):
        raise StaffError("email", Message("reason.not_email", value=value))
    return value
