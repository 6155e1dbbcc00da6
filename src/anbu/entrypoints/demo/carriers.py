"""The three carriers' feeds, as they would send them: JSON Lines (SPEC §4) of events
and one watermark per delivery.

Like real feeds they are imperfect: some events recorded just before a file is cut miss
it and come an hour late, out of order; a few are sent twice; some concern numbers nobody
enrolled; once a line is malformed. Their watermarks stay honest — never past an event
still held back — so that lateness cannot make anyone look silent.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from anbu.domain.kinds import ActivityKind, Carrier
from anbu.entrypoints.clock import SEOUL
from anbu.entrypoints.demo.rhythms import Trace
from anbu.entrypoints.demo.roster import STRANGER_NUMBERS, draw_phone
from anbu.entrypoints.demo.timeline import Timeline

# How far each carrier's watermark trails its delivery: "complete until a little ago".
LAGS = {
    Carrier.SKT: timedelta(minutes=5),
    Carrier.KT: timedelta(minutes=15),
    Carrier.LGU: timedelta(minutes=10),
}
# Of the events recorded in the last minutes before a file is cut, this share misses it.
_LATE_SHARE = 0.1
_CUT_OFF = timedelta(minutes=20)
_RESENT_SHARE = 0.004
_STRANGER_SHARE = 0.3  # chance per delivery of one event for a number nobody enrolled


@dataclass(frozen=True, slots=True)
class _Queued:
    line: bytes
    occurred_at: datetime
    origin: int  # the step that should have delivered it
    release: int  # the step that will


@dataclass(frozen=True, slots=True)
class Delivery:
    """One carrier's file for one step."""

    carrier: Carrier
    document: bytes
    events: int  # lines other than the watermark
    late: int  # events that should have come with an earlier file


@dataclass
class Outbox:
    carrier: Carrier
    rng: random.Random
    garble_at: int | None = None  # the step whose file carries one malformed line
    _by_step: dict[int, list[tuple[datetime, str, Trace]]] = field(default_factory=dict)
    _held: list[_Queued] = field(default_factory=list)
    _resend: list[bytes] = field(default_factory=list)
    _sequence: int = 0

    def load(self, phone: str, traces: list[Trace], timeline: Timeline) -> None:
        for trace in traces:
            bucket = self._by_step.setdefault(timeline.index_of(trace.occurred_at), [])
            bucket.append((trace.occurred_at, phone, trace))

    def deliver(self, index: int, at: datetime, *, stalled: bool) -> Delivery | None:
        """The file sent at step `index`; None while the feed is stalled."""
        self._queue(index, at)
        if stalled:
            return None
        due = [q for q in self._held if q.release <= index]
        self._held = [q for q in self._held if q.release > index]
        fresh = [q.line for q in due]
        lines = fresh + self._resend + self._strangers(at) + self._garbled(index, at)
        # A few lines go out again with the next file, as a retrying exporter does.
        self._resend = [line for line in fresh if self.rng.random() < _RESENT_SHARE]
        watermark = _watermark_line(self.carrier, self._watermark(at))
        return Delivery(
            carrier=self.carrier,
            document=b"\n".join([*lines, watermark]) + b"\n",
            events=len(lines),
            late=sum(1 for q in due if index > q.origin),
        )

    def _queue(self, index: int, at: datetime) -> None:
        """Number this step's events; a few recorded near the cut-off wait for the next."""
        for occurred_at, phone, trace in sorted(self._by_step.pop(index, []), key=_first):
            line = self._event_line(phone, trace.kind, occurred_at, trace.duration_s)
            late = index > 0 and occurred_at > at - _CUT_OFF and self.rng.random() < _LATE_SHARE
            self._held.append(_Queued(line, occurred_at, index, index + int(late)))

    def _watermark(self, at: datetime) -> datetime:
        """A little behind now, and never past an event still held back."""
        mark = at - LAGS[self.carrier]
        if self._held:
            mark = min(mark, min(q.occurred_at for q in self._held) - timedelta(seconds=1))
        return mark

    def _strangers(self, at: datetime) -> list[bytes]:
        if self.rng.random() >= _STRANGER_SHARE:
            return []
        phone = draw_phone(self.rng, STRANGER_NUMBERS)
        occurred_at = at - timedelta(seconds=self.rng.randrange(3600))
        return [self._event_line(phone, ActivityKind.CALL_OUT, occurred_at, 60)]

    def _garbled(self, index: int, at: datetime) -> list[bytes]:
        if index != self.garble_at:
            return []
        # A timestamp without its offset, as a careless export might write it.
        local = at.astimezone(SEOUL).replace(tzinfo=None).isoformat(timespec="seconds")
        document = {
            "event_id": self._next_id(),
            "carrier": self.carrier.value,
            "phone": draw_phone(self.rng, STRANGER_NUMBERS),
            "kind": ActivityKind.CALL_OUT.value,
            "occurred_at": local,
            "duration_s": 30,
        }
        return [json.dumps(document).encode()]

    def _event_line(
        self, phone: str, kind: ActivityKind, occurred_at: datetime, duration_s: int | None
    ) -> bytes:
        document: dict[str, str | int] = {
            "event_id": self._next_id(),
            "carrier": self.carrier.value,
            "phone": phone,
            "kind": kind.value,
            "occurred_at": occurred_at.astimezone(SEOUL).isoformat(timespec="seconds"),
        }
        if duration_s is not None:
            document["duration_s"] = duration_s
        return json.dumps(document).encode()

    def _next_id(self) -> str:
        self._sequence += 1
        return f"{self.carrier.value}-{self._sequence:09d}"


def _first(item: tuple[datetime, str, Trace]) -> datetime:
    return item[0]


def _watermark_line(carrier: Carrier, until: datetime) -> bytes:
    document = {
        "carrier": carrier.value,
        "kind": "watermark",
        "complete_until": until.astimezone(SEOUL).isoformat(timespec="seconds"),
    }
    return json.dumps(document).encode()
