"""Notifications as values: who a message is for, by which medium, at which escalation step,
and the one idempotency key that makes a message about an alert exist at most once.

A step is named `u3` (the third step after the first, zero-based, before anyone
acknowledged), `a1` (the acknowledged case's contact check), `v0` (a case that needs a visit)
or `follow-up` (the person showed life again). These strings are stored on each notification
and are part of every key already sent, so their form never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Medium(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Recipient(StrEnum):
    """Who a message is for: a member of staff (named by their id), or the person themself
    (the self-check text) or their guardian, whose numbers are read from the person's sealed
    record at sending time."""

    STAFF = "staff"
    SUBJECT = "subject"
    GUARDIAN = "guardian"


class Phase(StrEnum):
    """Which of an alert's plans a step belongs to (the letter of its `StepRef`)."""

    UNACKNOWLEDGED = "u"
    ACKNOWLEDGED = "a"
    VISIT = "v"


_FOLLOW_UP = "follow-up"


class StepRefError(ValueError):
    """Text that names no step."""


@dataclass(frozen=True, slots=True)
class StepRef:
    """One step of an alert's escalation: `phase` and `index`, or the follow-up sent when
    the person showed life again (`phase` None)."""

    phase: Phase | None
    index: int = 0

    def __post_init__(self) -> None:
        if self.index < 0:
            raise StepRefError(f"a step index is never negative ({self.index})")

    @classmethod
    def follow_up(cls) -> StepRef:
        return cls(None)

    @property
    def is_follow_up(self) -> bool:
        return self.phase is None

    @property
    def round(self) -> int:
        """The step counted from 1, as officers read it ("2차 알림")."""
        return self.index + 1

    def __str__(self) -> str:
        return _FOLLOW_UP if self.phase is None else f"{self.phase.value}{self.index}"

    @classmethod
    def parse(cls, text: str) -> StepRef:
        """The step a stored `u3`/`a1`/`v0`/`follow-up` names. Raises StepRefError."""
        if text == _FOLLOW_UP:
            return cls.follow_up()
        letter, digits = text[:1], text[1:]
        if not digits.isascii() or not digits.isdigit():
            raise StepRefError(f"{text!r} names no step")
        try:
            return cls(Phase(letter), int(digits))
        except ValueError as exc:
            raise StepRefError(f"{text!r} names no step") from exc


@dataclass(frozen=True, slots=True)
class Addressee:
    """A recipient: a member of staff by id, or the person or their guardian."""

    recipient: Recipient
    officer_id: int | None = None

    def __post_init__(self) -> None:
        if (self.recipient is Recipient.STAFF) != (self.officer_id is not None):
            raise ValueError("staff are named by their id, and only staff are")

    @classmethod
    def staff(cls, officer_id: int) -> Addressee:
        return cls(Recipient.STAFF, officer_id)

    @classmethod
    def subject(cls) -> Addressee:
        return cls(Recipient.SUBJECT)

    @classmethod
    def guardian(cls) -> Addressee:
        return cls(Recipient.GUARDIAN)

    @property
    def is_staff(self) -> bool:
        return self.recipient is Recipient.STAFF

    @property
    def tag(self) -> str:
        return f"officer-{self.officer_id}" if self.officer_id is not None else self.recipient.value


def notification_key(alert_id: int, step: StepRef, addressee: Addressee, medium: Medium) -> str:
    """The idempotency key: one notification per alert, step, recipient and medium, so a
    step taken twice (two workers, a retry after a crash) queues nothing twice."""
    return f"alert-{alert_id}.{step}.{addressee.tag}.{medium.value}"


@dataclass(frozen=True, slots=True)
class Notification:
    """A message to queue: about which alert, at which step, to whom, by what, saying what."""

    alert_id: int
    step: StepRef
    addressee: Addressee
    medium: Medium
    title: str
    body: str
    at: datetime

    @property
    def key(self) -> str:
        return notification_key(self.alert_id, self.step, self.addressee, self.medium)
