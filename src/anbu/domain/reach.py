"""Reach: whose cases and people a member of staff may see and act on — one rule for the
pages, the JSON API and the command line alike.

Officers and leads reach their own centres' people; the duty desk (the night and holiday
control centre) and administrators every centre's; operators and administrators the alerts
about the system itself (a carrier's feed, a delivery channel). What is out of reach reads as
missing, so that its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from anbu.domain.kinds import Role

_CENTRE_ROLES = (Role.OFFICER, Role.LEAD)
_WHOLE_DISTRICT = (Role.ADMIN, Role.DUTY)
_SYSTEM = (Role.ADMIN, Role.OPERATOR)


@dataclass(frozen=True, slots=True)
class Reach:
    role: Role
    centre_ids: frozenset[int] = frozenset()

    @property
    def centres(self) -> frozenset[int] | None:
        """The centres whose people are within reach: None for every centre."""
        if self.role in _WHOLE_DISTRICT:
            return None
        if self.role in _CENTRE_ROLES:
            return self.centre_ids
        return frozenset()

    @property
    def system(self) -> bool:
        """Whether the alerts about the system (feeds, channels) are within reach."""
        return self.role in _SYSTEM

    @property
    def personal_data(self) -> bool:
        """Operators keep the system running and never see a person's data."""
        return self.role is not Role.OPERATOR

    def covers(self, centre_id: int | None) -> bool:
        """Whether a case is within reach: one about a person of `centre_id`, or about the
        system when `centre_id` is None."""
        if centre_id is None:
            return self.system
        centres = self.centres
        return centres is None or centre_id in centres
