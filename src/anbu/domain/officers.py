"""Officers and other staff: who is told about whose alerts."""

from __future__ import annotations

from dataclasses import dataclass

from anbu.domain.kinds import Role
from anbu.domain.rejections import FieldError
from anbu.domain.wording import Message

# Roles that receive a centre's alerts: they must name their centres and be reachable.
CENTRE_ROLES = frozenset({Role.OFFICER, Role.LEAD})
# Roles that alerts are sent to: a member without a phone or an e-mail would be a dead end.
ALERTED_ROLES = CENTRE_ROLES | {Role.DUTY}


class StaffError(FieldError):
    """A staff record that cannot be accepted; `field` names the culprit."""


@dataclass(frozen=True, slots=True)
class Officer:
    login: str
    name: str
    phone: str | None  # E.164
    email: str | None
    centres: frozenset[str]
    role: Role

    def __post_init__(self) -> None:
        if self.role in CENTRE_ROLES and not self.centres:
            raise StaffError("centres", Message("reason.role_needs_centre", role=self.role.value))
        if self.role in ALERTED_ROLES and self.phone is None and self.email is None:
            raise StaffError("phone", Message("reason.role_needs_contact", role=self.role.value))
