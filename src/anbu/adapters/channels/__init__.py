"""Notification channels: one module per way of reaching a person, behind one interface.

A channel takes a `Message` and either returns the provider's reference or raises
`DeliveryError`, saying whether trying again could help (`permanent=False`: a timeout, a
gateway that is down, or anbu's own configuration — a wrong gateway password is fixed by an
operator, after which the same message goes through) or not (`permanent=True`: a bad
number, a refused address, a text the gateway can never carry), and whether the fault lies
with the recipient's address (`bad_address`: flagged for an administrator to correct).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from anbu.domain.notifications import Medium

__all__ = ["Channel", "DeliveryError", "Medium", "Message"]


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool, bad_address: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.bad_address = bad_address


@dataclass(frozen=True, slots=True)
class Message:
    """One message to one address. `key` is the notification's idempotency key: channels
    pass it to the provider where the provider can use it to drop a repeat (e-mail's
    Message-ID, an SMS gateway's own id), so that a retry after a crash is not a second
    message."""

    key: str
    address: str  # E.164 phone for SMS, an e-mail address for e-mail
    subject: str
    text: str
    html: str | None = None


class Channel(Protocol):
    medium: Medium

    def send(self, message: Message) -> str:
        """Deliver (or hand to the gateway) and return the provider's reference.
        Raises DeliveryError."""
        ...
