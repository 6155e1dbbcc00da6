"""A multi-day scenario replayed through the `anbu` program, on SQLite and PostgreSQL.

Every step ingests what the carriers sent since the last step (in batches, with a
watermark an hour behind), then sweeps. At the end every alert is checked: subject,
kind and due instant to the second — and that nothing else was opened.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from builders import at, event, jsonl, subject_row, subjects_csv
from scenarios import END, PEOPLE, deliveries, scenario

ANBU = str(Path(sys.executable).parent / "anbu")


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

    for number, (now, documents) in enumerate(deliveries(scenario())):
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
    # Re-running a sweep changes nothing.
    assert "새 알림 0건".encode() in again.stdout

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
