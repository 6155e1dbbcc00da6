"""The channels the settings ask for, chosen by URL scheme."""

from __future__ import annotations

from typing import TextIO

from anbu.adapters.channels import Channel, Medium
from anbu.adapters.channels.console import ConsoleChannel
from anbu.settings import Settings


def configured_channels(settings: Settings, out: TextIO) -> dict[Medium, Channel]:
    """One channel per medium; raises ValueError naming a URL that cannot be used."""
    return {
        Medium.SMS: _sms(settings.sms_url.get_secret_value(), out),
        Medium.EMAIL: _email(settings, out),
    }


def _sms(url: str, out: TextIO) -> Channel:
    if url.startswith("console:"):
        return ConsoleChannel(Medium.SMS, out)
    scheme = url.partition(":")[0]
    raise ValueError(f"ANBU_SMS_URL: the scheme {scheme!r} is not supported (use console://)")


def _email(settings: Settings, out: TextIO) -> Channel:
    url = settings.smtp_url.get_secret_value()
    if url.startswith("console:"):
        return ConsoleChannel(Medium.EMAIL, out)
    from anbu.adapters.channels.email import EmailChannel

    return EmailChannel.from_url(url, settings.mail_from)
