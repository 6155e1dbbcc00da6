"""The channels the configuration asks for, chosen by URL scheme."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from anbu.adapters.channels import Channel, Medium
from anbu.adapters.channels.console import ConsoleChannel

_SMS_SCHEMES = "console://, kannel://, https+json:// or http+json:// (loopback only)"


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """What the channels are built from (the `ANBU_*` settings of the same names)."""

    sms_url: str
    sms_sender: str
    smtp_url: str
    mail_from: str
    public_url: str
    callback_secret: str


def channels_for(settings: ChannelSettings, out: TextIO) -> dict[Medium, Channel]:
    """One channel per medium; raises ValueError naming a URL that cannot be used."""
    return {
        Medium.SMS: _sms(settings, out),
        Medium.EMAIL: _email(settings, out),
    }


def _sms(settings: ChannelSettings, out: TextIO) -> Channel:
    url = settings.sms_url
    scheme = url.partition(":")[0].strip().lower()
    if scheme == "console":
        return ConsoleChannel(Medium.SMS, out)
    # Imported here: a channel's client library is loaded only when that channel is used.
    if scheme == "kannel":
        from anbu.adapters.channels.kannel import KannelChannel

        return KannelChannel.from_url(
            url,
            settings.sms_sender,
            public_url=settings.public_url,
            callback_secret=settings.callback_secret or None,
        )
    if scheme in ("https+json", "http+json"):
        from anbu.adapters.channels.http_json import JsonSmsChannel

        return JsonSmsChannel.from_url(url, settings.sms_sender)
    raise ValueError(f"ANBU_SMS_URL: the scheme {scheme!r} is not supported (use {_SMS_SCHEMES})")


def _email(settings: ChannelSettings, out: TextIO) -> Channel:
    url = settings.smtp_url
    if url.startswith("console:"):
        return ConsoleChannel(Medium.EMAIL, out)
    from anbu.adapters.channels.email import EmailChannel

    return EmailChannel.from_url(url, settings.mail_from)
