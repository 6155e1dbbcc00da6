"""One-tap acknowledgement links: signed, expiring, good for one alert and one officer only.

A token is `<alert>.<officer>.<expires, epoch seconds>.<signature>`; it carries no personal
data, and a token for one alert cannot acknowledge another (the signature covers all three
numbers and the purpose).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from anbu.adapters.sealing import Vault
from anbu.domain.wording import Message, MessageError

PURPOSE = "ack"
# Long enough to cover a night and the morning after; short enough that an old message
# found later on a lost phone does nothing.
LIFETIME = timedelta(hours=24)


class LinkError(MessageError):
    """The link is malformed, forged or expired; `reason` says which, for the page to word."""


@dataclass(frozen=True, slots=True)
class AckGrant:
    alert_id: int
    officer_id: int
    expires_at: datetime


def token_for(vault: Vault, alert_id: int, officer_id: int, now: datetime) -> str:
    expires = int((now + LIFETIME).timestamp())
    payload = f"{alert_id}.{officer_id}.{expires}"
    return f"{payload}.{vault.sign(PURPOSE, payload)}"


def url_for(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/a/{token}"


def read(vault: Vault, token: str, now: datetime) -> AckGrant:
    parts = token.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
        raise LinkError(Message("link.invalid"))
    payload = ".".join(parts[:3])
    if not vault.verify(PURPOSE, payload, parts[3]):
        raise LinkError(Message("link.invalid"))
    expires_at = datetime.fromtimestamp(int(parts[2]), UTC)
    if now >= expires_at:
        raise LinkError(Message("link.expired"))
    return AckGrant(int(parts[0]), int(parts[1]), expires_at)
