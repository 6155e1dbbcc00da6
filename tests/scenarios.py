"""A multi-day scenario of nine people and three carriers, as the carriers deliver it: the
replay test drives it through the `anbu` program step by step, the backtest replays it in one
command, and both must find exactly the same alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from builders import at, event, watermark

START, END, STEP = at("2026-11-01 12:00"), at("2026-11-06 00:00"), timedelta(hours=6)
STALL = (at("2026-11-04 12:00"), at("2026-11-05 06:00"))  # KT sends nothing in between

PEOPLE = {
    # external_id: (phone, carrier, overrides)
    "SD-A": ("010-1000-0001", "SKT", {}),
    "SD-B": ("010-1000-0002", "KT", {"inactivity_hours": "24", "phone_off_hours": "12"}),
    "SD-C": ("010-1000-0003", "LGU", {}),
    "SD-D": ("010-1000-0004", "SKT", {}),
    "SD-E": ("010-1000-0005", "SKT", {}),
    "SD-F": ("010-1000-0006", "KT", {}),
    "SD-G": ("010-1000-0007", "LGU", {"consent_at": "2026-11-03T09:00:00+09:00"}),
    "SD-I": ("010-1000-0008", "KT", {"inactivity_hours": "13"}),
    "SD-L": ("010-1000-0009", "SKT", {}),
}


def routine(
    phone: str, carrier: str, hours: tuple[int, ...], until: datetime
) -> list[dict[str, Any]]:
    events = []
    day = at("2026-11-01 00:00")
    while day < END:
        for hour in hours:
            when = day + timedelta(hours=hour)
            if START - timedelta(hours=3) <= when <= until:
                events.append(event(phone, "call_out", when, carrier=carrier, duration_s=60))
        day += timedelta(days=1)
    return events


def scenario() -> list[dict[str, Any]]:
    p = {key: (phone, carrier) for key, (phone, carrier, _) in PEOPLE.items()}
    events: list[dict[str, Any]] = []
    # A: calls twice a day, then falls silent after 11-03 10:00.
    events += routine(*p["SD-A"], (10, 19), at("2026-11-03 10:00"))
    # B: calls, then the phone goes off at 20:00 on 11-03 and stays off.
    events += routine(*p["SD-B"], (9, 19), at("2026-11-03 19:00"))
    events.append(event(p["SD-B"][0], "power_off", at("2026-11-03 20:00"), carrier="KT"))
    # C: last call 11-02 12:00; then only missed calls, texts in and data: none counts.
    events.append(event(p["SD-C"][0], "call_out", at("2026-11-02 12:00"), carrier="LGU"))
    for hours in range(14, 80, 7):
        when = at("2026-11-02 00:00") + timedelta(hours=hours)
        events.append(event(p["SD-C"][0], "call_in", when, carrier="LGU", duration_s=0))
        events.append(event(p["SD-C"][0], "sms_in", when + timedelta(minutes=5), carrier="LGU"))
        events.append(event(p["SD-C"][0], "data", when + timedelta(minutes=9), carrier="LGU"))
    # D: never calls out, but answers a call every day: alive.
    day = at("2026-11-01 18:00")
    while day < END:
        events.append(event(p["SD-D"][0], "call_in", day, duration_s=30))
        day += timedelta(days=1)
    # E: last call 11-01 12:00, in hospital 11-02 00:00–11-04 00:00 (a pause, set by CLI).
    events.append(event(p["SD-E"][0], "call_out", at("2026-11-01 12:00"), duration_s=5))
    # F: active all along; its carrier delivers in reverse order (see _deliveries).
    events += routine(*p["SD-F"], (9, 21), END)
    # G: enrolled late (consent 11-03 09:00) and never heard from.
    # I: calls at 08, 14 and 20 all along; the KT stall hides some of them until catch-up.
    events += routine(*p["SD-I"], (8, 14, 20), END)
    # L: phone off overnight, back on in the morning, calls daily: nothing to see.
    events += routine(*p["SD-L"], (10,), END)
    events.append(event(p["SD-L"][0], "power_off", at("2026-11-02 22:00")))
    events.append(event(p["SD-L"][0], "power_on", at("2026-11-03 07:00")))
    return events


def deliveries(events: list[dict[str, Any]]) -> list[tuple[datetime, list[dict[str, Any]]]]:
    """What the carriers send at each step: the events since the last step (KT holding
    everything back during its stall), each batch newest first, with duplicates."""
    steps = []
    sent: set[str] = set()
    now = START
    while now <= END:
        stalled = STALL[0] < now < STALL[1]
        batch = [
            e
            for e in events
            if e["event_id"] not in sent
            and datetime.fromisoformat(e["occurred_at"]) <= now
            and not (stalled and e["carrier"] == "KT")
        ]
        sent.update(e["event_id"] for e in batch)
        batch.sort(key=lambda e: e["occurred_at"], reverse=True)
        batch += batch[:2]  # carriers re-send: ignored
        marks = [
            watermark(c, now - timedelta(hours=1))
            for c in ("SKT", "KT", "LGU")
            if not (stalled and c == "KT")
        ]
        steps.append((now, batch + marks))
        now += STEP
    return steps
