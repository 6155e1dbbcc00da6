"""A multi-day scenario replayed through the `anbu` program, on SQLite and PostgreSQL.

Every step ingests what the carriers sent since the last step (in batches, with a
watermark an hour behind), then sweeps. At the end every alert is checked: subject,
kind and due instant to the second — and that nothing else was opened.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from builders import at, event, jsonl, subject_row, subjects_csv, watermark

ANBU = str(Path(sys.executable).parent / "anbu")
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


def _routine(
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


def _scenario() -> list[dict[str, Any]]:
    p = {key: (phone, carrier) for key, (phone, carrier, _) in PEOPLE.items()}
    events: list[dict[str, Any]] = []
    # A: calls twice a day, then falls silent after 11-03 10:00.
    events += _routine(*p["SD-A"], (10, 19), at("2026-11-03 10:00"))
    # B: calls, then the phone goes off at 20:00 on 11-03 and stays off.
    events += _routine(*p["SD-B"], (9, 19), at("2026-11-03 19:00"))
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
    events += _routine(*p["SD-F"], (9, 21), END)
    # G: enrolled late (consent 11-03 09:00) and never heard from.
    # I: calls at 08, 14 and 20 all along; the KT stall hides some of them until catch-up.
    events += _routine(*p["SD-I"], (8, 14, 20), END)
    # L: phone off overnight, back on in the morning, calls daily: nothing to see.
    events += _routine(*p["SD-L"], (10,), END)
    events.append(event(p["SD-L"][0], "power_off", at("2026-11-02 22:00")))
    events.append(event(p["SD-L"][0], "power_on", at("2026-11-03 07:00")))
    return events


def _deliveries(events: list[dict[str, Any]]) -> list[tuple[datetime, list[dict[str, Any]]]]:
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


def _anbu(
    env: dict[str, str], *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [ANBU, *args], env=env, input=stdin, capture_output=True, timeout=60, check=False
    )


def test_it_replays_days_and_opens_exactly_the_due_alerts(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    rows = {
        k: subject_row(external_id=k, phone=ph, carrier=c, **o) for k, (ph, c, o) in PEOPLE.items()
    }
    late = rows.pop("SD-G")  # enrolled on 11-03 after the survey visit
    first, second = tmp_path / "subjects.csv", tmp_path / "late.csv"
    first.write_bytes(subjects_csv(*rows.values()))
    second.write_bytes(subjects_csv(late))
    done = _anbu(cli_env, "subjects", "import", str(first), "--now", "2026-11-01T10:00:00+09:00")
    assert done.returncode == 0, done.stderr
    assert b"created 8" in done.stdout
    paused = _anbu(
        cli_env,
        "subjects",
        "pause",
        "SD-E",
        "--from",
        "2026-11-02T00:00:00+09:00",
        "--until",
        "2026-11-04T00:00:00+09:00",
        "--reason",
        "입원",
    )
    assert paused.returncode == 0, paused.stderr

    for number, (now, documents) in enumerate(_deliveries(_scenario())):
        stamp = now.isoformat()
        if now == at("2026-11-03 12:00"):
            enrolled = _anbu(cli_env, "subjects", "import", str(second), "--now", stamp)
            assert b"created 1" in enrolled.stdout, enrolled.stderr
        body = jsonl(*documents)
        if number == 8:
            # One corrupt far-future stamp and one broken line: rejected, the rest stored.
            body += jsonl(event("010-1000-0001", "call_out", "2031-01-01T00:00:00+09:00"))
            body += b"{not json\n"
        feed = tmp_path / f"batch-{number:02d}.jsonl"
        feed.write_bytes(body)
        ingested = _anbu(cli_env, "ingest", str(feed), "--now", stamp)
        assert ingested.returncode == (1 if number == 8 else 0), ingested.stderr
        swept = _anbu(cli_env, "sweep", "--now", stamp)
        assert swept.returncode == 0, swept.stderr
    again = _anbu(cli_env, "sweep", "--now", END.isoformat())
    assert b": 0 opened" in again.stdout  # re-running a sweep changes nothing

    listed = _anbu(cli_env, "alerts", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    alerts = [json.loads(line) for line in listed.stdout.decode().splitlines()]
    found = {(a["subject_external_id"] or a["carrier"], a["kind"], a["due_at"]) for a in alerts}
    assert found == {
        ("SD-A", "no_activity", "2026-11-05T10:00:00+09:00"),
        ("SD-B", "phone_off", "2026-11-04T08:00:00+09:00"),
        ("SD-B", "no_activity", "2026-11-04T19:00:00+09:00"),
        ("SD-C", "no_activity", "2026-11-04T12:00:00+09:00"),
        ("SD-E", "no_activity", "2026-11-05T12:00:00+09:00"),
        ("SD-G", "no_activity", "2026-11-05T09:00:00+09:00"),
        ("KT", "feed_stale", "2026-11-04T17:00:00+09:00"),
    }
    assert len(alerts) == len(found)
    by_key = {(a["subject_external_id"] or a["carrier"], a["kind"]): a for a in alerts}
    # The stall raised one operator alert, closed itself on catch-up, and hid nobody:
    stale = by_key[("KT", "feed_stale")]
    assert (stale["state"], stale["outcome"]) == ("resolved", "feed_recovered")
    assert stale["opened_at"] == "2026-11-04T18:00:00+09:00"
    # …and B's silence inside the stall was only judged once KT's data was complete.
    assert by_key[("SD-B", "no_activity")]["opened_at"] == "2026-11-05T06:00:00+09:00"
    assert by_key[("SD-B", "phone_off")]["opened_at"] == "2026-11-04T12:00:00+09:00"
