"""The console channel: prints each message. For the demo and for trying anbu out."""

from __future__ import annotations

from typing import TextIO

from anbu.adapters.channels import Medium, Message

_LABEL = {Medium.SMS: "문자(SMS)", Medium.EMAIL: "이메일"}


class ConsoleChannel:
    def __init__(self, medium: Medium, out: TextIO) -> None:
        self.medium = medium
        self._out = out

    def send(self, message: Message) -> str:
        # Even on a screen, the officer's own number or address is shown only in part.
        self._out.write(
            f"── {_LABEL[self.medium]} → {_partly(message.address)} ──\n{message.text}\n"
        )
        self._out.flush()
        return f"console:{message.key}"


def _partly(address: str) -> str:
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"***{address[-4:]}"
