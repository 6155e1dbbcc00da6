"""The channels the settings ask for, chosen by URL scheme."""

from __future__ import annotations

from typing import TextIO

from anbu.adapters.channels import Channel, Medium
from anbu.adapters.channels.console import ConsoleChannel
from anbu.settings import Settings

_SMS_SCHEMES = "console://, kannel://, https+json:// or http+json:// (loopback only)"


def configured_channels(settings: Settings, out: TextIO) -> dict[Medium, Channel]:
    """One channel per medium; raises ValueError naming a URL that cannot be used."""
    return {
        Medium.SMS: _sms(settings, out),
        Medium.EMAIL: _email(settings, out),
    }


def _sms(settings: Settings, out: TextIO) -> Channel:
    url = settings.sms_url.get_secret_value()
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
            callback_secret=settings.callback_secret.get_secret_value() or None,
        )
    if scheme in ("https+json", "http+json"):
        from anbu.adapters.channels.http_json import JsonSmsChannel

        return JsonSmsChannel.from_url(url, settings.sms_sender)
    raise ValueError(f"ANBU_SMS_URL: the scheme {scheme!r} is not supported (use {_SMS_SCHEMES})")


def _email(settings: Settings, out: TextIO) -> Channel:
    url = settings.smtp_url.get_secret_value()
    if url.startswith("console:"):
        return ConsoleChannel(Medium.EMAIL, out)
    from anbu.adapters.channels.email import EmailChannel

    return EmailChannel.from_url(url, settings.mail_from)
