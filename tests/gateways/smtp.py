"""A real SMTP server (aiosmtpd) in the test process, for the tests that send e-mail."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Mailbox:
    """The server's side: what arrived, and what to answer to chosen recipients."""

    received: list[Envelope] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str = "250 OK"
    # Hold the n-th message (1-based) without answering until `release` is set, then refuse
    # it: a client killed meanwhile has handed nothing over (SMTP's 250 is the hand-over).
    hold_at: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    # Where the held message came from (host, port): which client process is stuck.
    held_peer: tuple[str, int] | None = None
    held_at: float = 0.0  # time.monotonic() when the hold began
    _seen: int = 0

    async def handle_RCPT(  # noqa: N802 — aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 — aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self._seen += 1
        if self._seen == self.hold_at:
            self.held_peer = session.peer  # type: ignore[assignment]
            self.held_at = time.monotonic()
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 60)
            return "451 4.3.0 held by the test, not accepted"
        if self.data_reply.startswith("250"):
            self.received.append(envelope)
        return self.data_reply

    def message_ids(self) -> list[str]:
        return [str(parsed(envelope)["Message-ID"]) for envelope in self.received]

    def only_mail(self) -> EmailMessage:
        assert len(self.received) == 1
        return parsed(self.received[0])


class EphemeralPortController(Controller):
    """aiosmtpd 1.4 wakes its server by connecting to the configured port, which with port=0
    is refused (aio-libs/aiosmtpd#276); point it at the port the system picked instead."""

    def _trigger_server(self) -> None:
        self.port = bound_port(self)
        super()._trigger_server()  # type: ignore[no-untyped-call]


def bound_port(controller: Controller) -> int:
    assert isinstance(controller.server, asyncio.Server)
    port: int = controller.server.sockets[0].getsockname()[1]
    return port


@dataclass
class RunningServer:
    mailbox: Mailbox
    port: int


def run_server(mailbox: Mailbox | None = None, **smtp_options: Any) -> Iterator[RunningServer]:
    mailbox = mailbox or Mailbox()
    controller = EphemeralPortController(mailbox, hostname="127.0.0.1", port=0, **smtp_options)
    controller.start()
    try:
        yield RunningServer(mailbox, bound_port(controller))
    finally:
        mailbox.release.set()
        controller.stop()


def parsed(envelope: Envelope) -> EmailMessage:
    assert isinstance(envelope.content, bytes)
    mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    return mail
