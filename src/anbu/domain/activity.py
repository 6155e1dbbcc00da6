"""Activity events and which of them prove that a person is alive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from anbu.domain.kinds import ActivityKind, Carrier


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """One trace from a carrier. `phone` is in E.164; the counterpart never enters."""

    event_id: str
    carrier: Carrier
    phone: str
    kind: ActivityKind
    occurred_at: datetime
    duration_s: int | None = None


@dataclass(frozen=True, slots=True)
class LifeRules:
    """Which kinds count as a sign of life (SPEC §3); `data` is configurable because
    background traffic flows without anyone touching the phone."""

    data_counts: bool = False

    def is_sign_of_life(self, kind: ActivityKind, duration_s: int | None) -> bool:
        if kind is ActivityKind.CALL_IN:
            return bool(duration_s and duration_s > 0)
        if kind is ActivityKind.DATA:
            return self.data_counts
        return kind in _ALWAYS_LIFE

    def shows_phone_on(self, kind: ActivityKind, duration_s: int | None) -> bool:
        """True when the handset itself must have been on the network.

        A missed call or an arriving text may be held by the network for a phone
        that is off, so they do not end a phone-off episode; a data session does.
        """
        if kind is ActivityKind.DATA:
            return True
        return kind is not ActivityKind.POWER_OFF and self.is_sign_of_life(kind, duration_s)


_ALWAYS_LIFE = frozenset(
    {ActivityKind.CALL_OUT, ActivityKind.SMS_OUT, ActivityKind.POWER_ON, ActivityKind.CHECKIN}
)
