"""The messages of the alerts the sweep opens, sent at each step's instant through the
configured channels (the console by default), as `anbu dispatch` would send them.

The console channels write into an in-memory buffer that is read after each pass: written
straight to the terminal, their text would break the live view.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from anbu.adapters.channels import Channel, Medium
from anbu.adapters.channels.console import ConsoleChannel
from anbu.adapters.storage.outbox import Listed
from anbu.bootstrap import Anbu
from anbu.domain.kinds import NotificationState
from anbu.entrypoints.demo.staff import Member
from anbu.services import notifications
from anbu.services.dispatch import DispatchReport, dispatch

# What the console channel writes before each message: `── 문자(SMS) → ***5678 ──`.
_HEADING = re.compile(r"^── (?P<label>.+) → (?P<address>\S+) ──$")
# Passes per step at most, of up to 100 notifications each; what is left goes next step.
_PASSES = 20


@dataclass(frozen=True, slots=True)
class Printed:
    """One message as a console channel printed it, its address already partly hidden."""

    label: str
    address: str
    text: str

    @property
    def headline(self) -> str:
        """The first sentence, up to any colon: who, and what happened."""
        return self.text.split(". ", 1)[0].partition(": ")[0]


@dataclass(frozen=True, slots=True)
class Trouble:
    medium: Medium
    error: str
    final: bool  # failed for good: it will not be tried again


@dataclass(frozen=True, slots=True)
class Sending:
    """What one step's passes did."""

    printed: list[Printed]
    elsewhere: Counter[Medium]  # sent by a channel that prints nothing (a real mail server)
    troubles: Counter[Trouble]  # alike failures together: a server down fails them all
    # The staff each alert's step reached in these passes, by (alert id, step).
    told: dict[tuple[int, str], frozenset[int]] = field(default_factory=dict)


@dataclass
class Tally:
    """Attempts so far: sent by medium, failed for now (to be retried), failed for good."""

    sent: Counter[Medium] = field(default_factory=Counter)
    retrying: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification, as the verdict needs it."""

    alert_id: int
    officer_id: int | None  # None for the person or their guardian
    medium: Medium
    state: NotificationState
    step: str  # u0, u1… before an acknowledgement, a0… after, follow-up
    sent_at: datetime | None


class Notifier:
    """Runs the dispatcher at each step's instant and keeps count of what it did."""

    def __init__(self, app: Anbu, channels: Mapping[Medium, Channel], buffer: io.StringIO) -> None:
        self.app = app
        self.tally = Tally()
        self._channels = channels
        self._buffer = buffer
        # Media whose channel prints nothing here: a real mail server, say.
        self.unprinted = frozenset(
            m for m, c in channels.items() if not isinstance(c, ConsoleChannel)
        )

    def send(self, now: datetime) -> Sending:
        """Send every notification due at `now`; a failure is recorded by the dispatcher
        and shown, never dropped."""
        report = self._dispatch(now)
        rows = {row.id: row for row in _listing(self.app)} if report.handled else {}
        sent = Counter(Medium(rows[i].medium) for i in report.sent)
        self.tally.sent.update(sent)
        self.tally.retrying += len(report.retrying)
        self.tally.failed += len(report.failed)
        troubles = Counter(
            Trouble(Medium(rows[i].medium), rows[i].last_error or "", final=i in report.failed)
            for i in report.retrying + report.failed
        )
        elsewhere = Counter({m: n for m, n in sent.items() if m in self.unprinted})
        told: dict[tuple[int, str], set[int]] = {}
        for i in report.sent:
            row = rows[i]
            if row.officer_id is not None:
                told.setdefault((row.alert_id, row.step), set()).add(row.officer_id)
        return Sending(
            printed(self._drain()),
            elsewhere,
            troubles,
            {key: frozenset(ids) for key, ids in told.items()},
        )

    def _dispatch(self, now: datetime) -> DispatchReport:
        total = DispatchReport()
        for _ in range(_PASSES):
            report = dispatch(self.app, self._channels, now=now)
            if not report.handled:
                break
            total.sent += report.sent
            total.retrying += report.retrying
            total.failed += report.failed
        return total

    def _drain(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def printed(text: str) -> list[Printed]:
    """The messages in what the console channels wrote: a heading line, then the text."""
    found: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            found.append((heading["label"], heading["address"], []))
        elif found and line.strip():
            found[-1][2].append(line.strip())
    return [Printed(label, address, " ".join(lines)) for label, address, lines in found]


def notices(app: Anbu) -> list[Notice]:
    return [
        Notice(
            row.alert_id,
            row.officer_id,
            Medium(row.medium),
            NotificationState(row.state),
            row.step,
            row.sent_at,
        )
        for row in _listing(app)
    ]


def staff_by_id(app: Anbu, members: Iterable[Member]) -> dict[int, Member]:
    """The staff by the id the import gave them (those it did not import are left out)."""
    with app.transaction() as store:
        staff = store.staff
        rows = [(staff.by_login(member.login), member) for member in members]
    return {row.id: member for row, member in rows if row is not None}


def _listing(app: Anbu) -> list[Listed]:
    return notifications.listing(app)
