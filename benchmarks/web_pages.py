"""Web pages at a million people (issue 4): p50/p95 of the pages officers use, served by a
real `anbu serve` process over PostgreSQL holding a district-sized history; target p95 under
200 ms.

    .venv/bin/python benchmarks/web_pages.py                       # 1M people, ~10 min
    .venv/bin/python benchmarks/web_pages.py --subjects 100000 --alerts 10000 --events 500000
    .venv/bin/python benchmarks/web_pages.py --keep                # keep the database …
    .venv/bin/python benchmarks/web_pages.py --reuse anbu_bench_web_1a2b3c4d   # … and reuse it

The database (`anbu_bench_web_*`, migrated by `bootstrap`) is filled directly, in SQL, with
what a year of use leaves:

* the 17 community centres of Seongdong-gu (the demo's `DONGS`), each with two officers, a
  lead per neighbourhood and a district administrator, all with web passwords
  (`accounts.create_user`);
* N people, spread evenly over the centres, filled by `sweep_due.FILL_SQL` (periods, last
  signs of life before now, a few phones off, `next_due_at` as the domain computes it), plus
  the `name_key` enrolment writes; their `personal` (name, phone, birth date, address, a
  guardian for some) sealed by the app's Vault, in Python, one `bytea[]` per 500k rows;
* about `--alerts` alerts opened over the past year: 1.5 % still open (open, notified or
  acknowledged, some taken for a visit, with their people's last sign of life at the alert's
  base), the rest resolved with an outcome (35 % the person answered the self-check, then
  safe, false alarm, hospitalised, unreachable, deceased, consent withdrawn) and, when staff
  took them, acknowledgement times (median ~20 min, long tail) and calls, visits and claims as
  case events; two notifications (SMS, e-mail) with their delivery attempts for each alert
  staff were told of; the open cases' calls carry sealed notes;
* about `--events` activity events over the last 30 days (~8 a day each: calls, texts, data
  sessions, power on/off) for every 48th person or so (at the default sizes) and for everyone
  with an open alert, their last event at most at their last sign of life;
* pauses for 1 % of the people, a third of them in force now.

Then `anbu serve --no-background` is started as its own process (uvicorn, one worker),
officers log in through the real login form (GET /login for the CSRF cookie and
field, POST /login), and each page is requested sequentially with httpx, after a warm-up,
timing the whole request at the client. The officer belongs to the first centre; the
district-wide report is read as the administrator.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

import anbu
from anbu.adapters.sealing import Vault
from anbu.bootstrap import Anbu, bootstrap
from anbu.domain.escalation import EscalationPolicy
from anbu.domain.kinds import Carrier, Role
from anbu.domain.subjects import name_key_for
from anbu.entrypoints.demo.roster import korean_name
from anbu.entrypoints.demo.seongdong import DISTRICT, DONGS, NEIGHBOURHOODS
from anbu.services.accounts import create_user
from anbu.settings import Settings
from benchlib import (
    BENCH_SECRET,
    DEFAULT_ADMIN_URL,
    CpuWatch,
    Stopwatch,
    create_database,
    database_url,
    drop_database,
    machine,
    say,
    serving,
    table,
)
from sweep_due import FILL_SQL

PASSWORD = "bench-password-0123"  # noqa: S105 — every benchmark account's
TARGET_MS = 200.0
CHUNK = 500_000
EVENTS_PER_DAY = 8  # per person in the sample, on average
CHART_DAYS = 30
OPEN_SHARE = 0.015  # of the alerts, still open now
ROADS = sorted({road for dong in DONGS for road in dong.roads})
# How old the people are (weights as the demo's roster: 40–59 and 75+ first).
AGE_BANDS = ((25, 39, 10), (40, 59, 42), (60, 74, 18), (75, 94, 30))


def _subjects_sql() -> str:
    """`sweep_due.FILL_SQL`, which fills subjects as enrolment and ingest would, plus the
    `name_key` enrolment writes (the whole-name search needs it), sent as a second array
    beside `personal`. Each edit must apply exactly once: if FILL_SQL changes shape this
    fails loudly rather than filling something else."""
    edits = [
        ("next_due_at, created_at, updated_at)", "next_due_at, created_at, updated_at, name_key)"),
        ("    consent_at, consent_at\n", "    consent_at, consent_at, name_key\n"),
        ("                    personal,\n", "                    personal, name_key,\n"),
        (
            "AS i, personal, random() AS r_carrier",
            "AS i, personal, name_key, random() AS r_carrier",
        ),
        (
            "unnest(%(personal)s::bytea[]) WITH ORDINALITY AS u(personal, n)",
            "unnest(%(personal)s::bytea[], %(name_key)s::bytea[])"
            " WITH ORDINALITY AS u(personal, name_key, n)",
        ),
    ]
    sql = FILL_SQL
    for old, new in edits:
        assert sql.count(old) == 1, f"sweep_due.FILL_SQL changed: {old!r}"
        sql = sql.replace(old, new)
    return sql


SUBJECTS_SQL = _subjects_sql()

# -- alerts ---------------------------------------------------------------------------------

# Acknowledgement delay in minutes: log-normal, median 20 min, clipped to [1 min, 48 h].
_ACK_MINUTES = (
    "LEAST(2880, GREATEST(1, exp(ln(20) + 1.2 * sqrt(-2 * ln(1 - random()))"
    " * cos(2 * pi() * random()))))"
)
# From acknowledgement to closing: median 3 h, clipped to [10 min, 48 h].
_CLOSE_MINUTES = (
    "LEAST(2880, GREATEST(10, exp(ln(180) + 1.0 * sqrt(-2 * ln(1 - random()))"
    " * cos(2 * pi() * random()))))"
)

RESOLVED_SQL = f"""
INSERT INTO alerts (
    subject_id, carrier, kind, state, base_at, due_at, opened_at, resumed_at,
    acknowledged_at, acknowledged_by, resolved_at, outcome, resolved_by, policy, step,
    step_due_at, staff_told_at, followed_up_at, claimed_by, claimed_at, centre_id)
SELECT
    subject_id, carrier, kind, 'resolved', opened_at - lag - period, opened_at - lag, opened_at,
    resumed_at, acknowledged_at,
    CASE WHEN acknowledged_at IS NOT NULL THEN officer END,
    CASE WHEN outcome = 'checked_in' THEN opened_at + (5 + r_close * 85) * interval '1 minute'
         WHEN outcome = 'consent_withdrawn' THEN opened_at + (1 + r_close * 2) * interval '1 day'
         ELSE acknowledged_at + close_minutes * interval '1 minute' END,
    outcome,
    CASE WHEN outcome = 'checked_in' THEN 'anbu'
         WHEN outcome = 'consent_withdrawn' THEN 'district-admin' ELSE officer END,
    %(policy)s, CASE WHEN outcome = 'checked_in' THEN 1 ELSE 2 END, NULL,
    CASE WHEN outcome <> 'checked_in' THEN opened_at + interval '1 minute' END,
    CASE WHEN resumed_at IS NOT NULL AND outcome <> 'checked_in'
         THEN resumed_at + interval '1 minute' END,
    CASE WHEN visited THEN officer END,
    CASE WHEN visited THEN acknowledged_at + interval '5 minutes' END,
    centre_id
FROM (
    SELECT *,
        CASE WHEN outcome IN ('checked_in', 'consent_withdrawn') THEN NULL
             ELSE opened_at + ack_minutes * interval '1 minute' END AS acknowledged_at,
        CASE WHEN outcome = 'safe' AND r_resumed < 0.4
             THEN opened_at + r_resumed * interval '2 hours' END AS resumed_at,
        outcome IN ('hospitalised', 'door_opened', 'deceased')
            OR (outcome = 'safe' AND r_resumed > 0.8) AS visited
    FROM (
        SELECT s.id AS subject_id, s.centre_id, s.carrier, g.kind,
            make_interval(mins => CASE WHEN g.kind = 'no_activity' THEN s.inactivity_minutes
                                       ELSE s.phone_off_minutes END) AS period,
            %(now)s::timestamptz - interval '4 days' - g.r_t * interval '361 days' AS opened_at,
            g.r_lag * interval '30 minutes' AS lag,
            CASE WHEN g.r_o < 0.35 THEN 'checked_in' WHEN g.r_o < 0.80 THEN 'safe'
                 WHEN g.r_o < 0.90 THEN 'false_alarm' WHEN g.r_o < 0.95 THEN 'hospitalised'
                 WHEN g.r_o < 0.975 THEN 'door_opened'
                 WHEN g.r_o < 0.98 THEN 'deceased' ELSE 'consent_withdrawn' END AS outcome,
            (%(romans)s::text[])[s.centre_id] || '-officer-' || (1 + (g.i %% 2)) AS officer,
            g.ack_minutes, g.close_minutes, g.r_close, g.r_resumed
        FROM (
            SELECT i, 1 + floor(random() * %(subjects)s)::bigint AS sid,
                CASE WHEN random() < 0.88 THEN 'no_activity' ELSE 'phone_off' END AS kind,
                random() AS r_t, random() AS r_lag, random() AS r_o, random() AS r_close,
                random() AS r_resumed,
                {_ACK_MINUTES} AS ack_minutes, {_CLOSE_MINUTES} AS close_minutes
            FROM generate_series(1, %(count)s) AS i
        ) AS g
        JOIN subjects s ON s.id = g.sid
    ) AS a
) AS b
"""

# Open alerts: distinct people (at most one open alert of a kind each), opened in the last
# three days; a tenth still at the self-check, then notified, then acknowledged.
OPEN_SQL = f"""
INSERT INTO alerts (
    subject_id, carrier, kind, state, base_at, due_at, opened_at, acknowledged_at,
    acknowledged_by, policy, step, step_due_at, staff_told_at, claimed_by, claimed_at,
    centre_id)
SELECT subject_id, carrier, kind, state, due_at - period, due_at, opened_at,
    CASE WHEN state = 'acknowledged' THEN acknowledged_at END,
    CASE WHEN state = 'acknowledged' THEN officer END,
    %(policy)s, CASE WHEN state = 'open' THEN 0 ELSE 1 END,
    CASE WHEN state = 'acknowledged' THEN acknowledged_at + interval '4 hours'
         ELSE opened_at + interval '1 hour' END,
    CASE WHEN state <> 'open' THEN opened_at END,
    CASE WHEN state = 'acknowledged' AND r_claim < 0.3 THEN officer END,
    CASE WHEN state = 'acknowledged' AND r_claim < 0.3
         THEN acknowledged_at + interval '5 minutes' END,
    centre_id
FROM (
    SELECT *, opened_at - r_lag * interval '30 minutes' AS due_at,
        LEAST(%(now)s::timestamptz - interval '1 minute',
              opened_at + ack_minutes * interval '1 minute') AS acknowledged_at
    FROM (
        SELECT s.id AS subject_id, s.centre_id, s.carrier,
            CASE WHEN random() < 0.88 THEN 'no_activity' ELSE 'phone_off' END AS kind,
            %(now)s::timestamptz - random() * interval '72 hours' AS opened_at,
            random() AS r_lag, random() AS r_claim,
            CASE WHEN r_state < 0.10 THEN 'open' WHEN r_state < 0.55 THEN 'notified'
                 ELSE 'acknowledged' END AS state,
            (%(romans)s::text[])[s.centre_id] || '-officer-' || (1 + s.id %% 2) AS officer,
            {_ACK_MINUTES} AS ack_minutes,
            s.inactivity_minutes, s.phone_off_minutes
        -- A pseudo-random sample by a hash of the id: with ORDER BY random(), PostgreSQL
        -- would compute one random() for both and keep the smallest r_state only.
        FROM (SELECT id, random() AS r_state FROM subjects
              ORDER BY hashint8(id) LIMIT %(count)s) AS p
        JOIN subjects s ON s.id = p.id
    ) AS a
    CROSS JOIN LATERAL (
        SELECT make_interval(mins => CASE WHEN a.kind = 'no_activity' THEN a.inactivity_minutes
                                          ELSE a.phone_off_minutes END) AS period
    ) AS q
) AS b
"""

# The people of open alerts, as detection left them: their silence (or the phone going off)
# began at the alert's base, and that kind is marked alerted.
OPEN_SUBJECTS_SQL = """
UPDATE subjects s SET
    last_life_at = CASE WHEN a.kind = 'no_activity' THEN a.base_at
                        ELSE LEAST(s.last_life_at, a.base_at - interval '1 hour') END,
    last_on_at = CASE WHEN a.kind = 'no_activity' THEN a.base_at
                      ELSE a.base_at - interval '1 hour' END,
    last_off_at = CASE WHEN a.kind = 'phone_off' THEN a.base_at END,
    silence_alerted_base = CASE WHEN a.kind = 'no_activity' THEN a.base_at END,
    off_alerted_base = CASE WHEN a.kind = 'phone_off' THEN a.base_at END,
    next_due_at = CASE WHEN a.kind = 'no_activity' THEN NULL
                       ELSE LEAST(s.last_life_at, a.base_at - interval '1 hour')
                            + make_interval(mins => s.inactivity_minutes) END
FROM alerts a
WHERE a.subject_id = s.id AND a.state <> 'resolved'
"""

# What staff did on the closed cases: a call soon after acknowledging, and for the cases
# that needed one, the visit taken (claim) and made.
CASE_EVENTS_SQL = """
INSERT INTO case_events (alert_id, at, by, kind, result)
SELECT id, acknowledged_at + random() * interval '10 minutes', acknowledged_by, 'call',
    CASE WHEN outcome = 'safe' AND random() < 0.8 THEN 'reached' ELSE 'not_reached' END
FROM alerts WHERE state = 'resolved' AND acknowledged_at IS NOT NULL
UNION ALL
SELECT id, claimed_at, claimed_by, 'claim', NULL
FROM alerts WHERE state = 'resolved' AND claimed_at IS NOT NULL
UNION ALL
SELECT id, claimed_at + (20 + random() * 160) * interval '1 minute', claimed_by, 'visit',
    CASE WHEN outcome = 'door_opened' THEN 'not_reached'
         WHEN random() < 0.2 THEN 'other' ELSE 'reached' END
FROM alerts WHERE state = 'resolved' AND claimed_at IS NOT NULL
"""

# What `Alert.record_contact` writes on the alert with each call or visit: the first one.
FIRST_CONTACT_SQL = """
UPDATE alerts a SET first_contact_at = f.at
FROM (SELECT e.alert_id, min(e.at) AS at FROM case_events e JOIN alerts o ON o.id = e.alert_id
      WHERE e.kind IN ('call', 'visit') AND e.at >= o.opened_at GROUP BY e.alert_id) AS f
WHERE a.id = f.alert_id
"""

# Each alert staff were told of: an SMS and an e-mail to its centre's first officer, sent
# seconds after it opened (the SMS delivered), each with its attempts.
NOTIFICATIONS_SQL = """
INSERT INTO notifications (
    alert_id, officer_id, recipient, step, medium, key, subject, body, state, attempts,
    next_attempt_at, provider_ref, created_at, sent_at, delivered_at)
SELECT a.id, o.id, 'staff', 'u0', m.medium,
    a.id || ':' || o.id || ':' || m.medium || ':u0',
    '[안부] ' || c.name || ' 확인 요청',
    '[안부] ' || c.name || ' 대상자 ' || s.external_id || ' 님의 휴대전화 사용이 '
        || (s.inactivity_minutes / 60) || '시간 동안 없습니다. 확인 부탁드립니다.',
    CASE WHEN m.medium = 'sms' THEN 'delivered' ELSE 'sent' END, 1, a.staff_told_at,
    'ref-' || a.id || '-' || m.medium, a.staff_told_at, a.staff_told_at + interval '4 seconds',
    CASE WHEN m.medium = 'sms' THEN a.staff_told_at + interval '20 seconds' END
FROM alerts a
JOIN subjects s ON s.id = a.subject_id
JOIN centres c ON c.id = s.centre_id
JOIN officers o ON o.login = (%(romans)s::text[])[s.centre_id] || '-officer-1'
CROSS JOIN (VALUES ('sms'), ('email')) AS m(medium)
WHERE a.staff_told_at IS NOT NULL
"""

ATTEMPTS_SQL = """
INSERT INTO delivery_attempts (notification_id, at, outcome, detail, provider_ref)
SELECT id, sent_at, 'sent', '', provider_ref FROM notifications
UNION ALL
SELECT id, delivered_at, 'delivered', 'DLR 1', provider_ref FROM notifications
WHERE delivered_at IS NOT NULL
"""

# What ingest counts as it stores events: per carrier and hour received (the feed board).
EVENT_HOURS_SQL = """
INSERT INTO event_hours (carrier, hour, events)
SELECT carrier, date_trunc('hour', received_at, 'UTC'), count(*) FROM activity_events
GROUP BY 1, 2
"""

# Activity over the last 30 days for the people in the sample, up to each one's last sign
# of life: ~8 a day, between 120 and 360 each (a person's count from their id, so that the
# LATERAL is evaluated per person).
EVENTS_SQL = """
INSERT INTO activity_events (carrier, event_id, subject_id, kind, occurred_at, duration_s,
                             received_at)
SELECT carrier, 'w' || id || '-' || n, id, kind, occurred_at,
    CASE WHEN kind IN ('call_out', 'call_in')
         THEN CASE WHEN random() < 0.2 THEN 0 ELSE 10 + floor(random() * 600)::int END END,
    occurred_at + (2 + random() * 58) * interval '1 minute'
FROM (
    SELECT s.id, s.carrier, g.n,
        s.last_life_at - CASE WHEN g.n = 1 THEN interval '0'
                              ELSE random() * %(days)s * interval '1 day' END AS occurred_at,
        CASE WHEN g.n = 1 THEN 'call_out' ELSE
            (ARRAY['data', 'data', 'data', 'data', 'data', 'data', 'data', 'data', 'data',
                   'call_out', 'call_out', 'call_out', 'call_in', 'call_in', 'call_in',
                   'sms_out', 'sms_out', 'sms_in', 'sms_in', 'power_off', 'power_on'])[
                1 + floor(random() * 21)::int] END AS kind
    FROM subjects s
    CROSS JOIN LATERAL generate_series(1, %(low)s + (s.id * 7919) %% %(spread)s) AS g(n)
    WHERE s.id BETWEEN %(first)s AND %(last)s AND s.last_life_at IS NOT NULL
      AND (s.id %% %(every)s = 0
           OR EXISTS (SELECT 1 FROM alerts a
                      WHERE a.subject_id = s.id AND a.state <> 'resolved'))
) AS e
"""

# 1 % of the people paused once in the last two months (a hospital stay, a trip); about a
# third of those pauses are in force now.
PAUSES_SQL = """
INSERT INTO pauses (subject_id, starts_at, ends_at, reason, created_at)
SELECT id, starts_at,
    CASE WHEN r_end < 0.1 THEN NULL ELSE starts_at + (1 + r_end * 20) * interval '1 day' END,
    (ARRAY['병원 입원', '여행', '기타'])[1 + floor(random() * 3)::int],
    starts_at - interval '1 hour'
FROM (
    SELECT id, %(now)s::timestamptz - random() * interval '60 days' AS starts_at,
        random() AS r_end
    FROM subjects TABLESAMPLE BERNOULLI (1) REPEATABLE (7)
) AS p
"""


@dataclass
class Page:
    """One row of the results: a page, who asks, and the URLs to ask in turn."""

    name: str
    who: str
    urls: list[str]
    expect: str  # a text every answer must contain (the page really rendered)
    times: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    others_cpu: float = 0.0
    note: str = ""

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.times)
        rank = fraction * (len(ordered) - 1)
        low = int(rank)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=1_000_000, help="people (default 1M)")
    parser.add_argument("--alerts", type=int, default=100_000, help="alerts over the year")
    parser.add_argument(
        "--events", type=int, default=5_000_000, help="activity events in the last 30 days"
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="seconds a page may take in all: a slow page gets fewer requests (at least 20)",
    )
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DBNAME", help="measure an existing database")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="measure only the pages whose name contains TEXT (repeatable)",
    )
    parser.add_argument(
        "--hold",
        action="store_true",
        help="after measuring, keep the server running until Enter (for py-spy, EXPLAIN)",
    )
    args = parser.parse_args()

    print("# web_pages (PostgreSQL, `anbu serve --no-background`)")
    print(f"machine: {machine(args.admin_url)}; load average {_load()}")
    print(f"command: {' '.join(['.venv/bin/python', *sys.argv])}")
    # The server reads it from the environment; 0 measures every report counted afresh.
    print(
        f"ANBU_REPORT_CACHE_SECONDS={os.environ.get('ANBU_REPORT_CACHE_SECONDS', '60 (default)')}"
    )
    print(f"commit: {_commit()}; anbu imported from {Path(anbu.__file__).parent}")
    name = args.reuse or create_database(args.admin_url, "web")
    url = database_url(args.admin_url, name)
    say(f"{'reusing' if args.reuse else 'created'} database {name}")
    try:
        with tempfile.TemporaryDirectory(prefix="anbu-bench-web-") as tmp:
            settings = Settings(
                database_url=url, data_dir=Path(tmp) / "data", secret_key=SecretStr(BENCH_SECRET)
            )
            app = bootstrap(settings)
            try:
                if not args.reuse:
                    clock = Stopwatch()
                    _fill(app, args)
                    say(f"filled in {clock.seconds:.0f} s")
                    print(f"fill: {clock.seconds:.0f} s")
                print(f"data: {_contents(app)}")
                pages = _pages(app, args)
                if args.only:
                    pages = [p for p in pages if any(text in p.name for text in args.only)]
            finally:
                app.close()
            with serving(url, Path(tmp)) as base:
                _measure(base, pages, name, args)
                if args.hold:
                    say(f"server at {base}; press Enter to stop")
                    sys.stdin.readline()
    finally:
        if args.reuse or args.keep:
            say(f"kept database {name} (drop it with: DROP DATABASE {name})")
        else:
            drop_database(args.admin_url, name)
            say(f"dropped database {name}")
    print(f"load average after: {_load()}")
    _print(pages)
    return 0


# -- filling ------------------------------------------------------------------------------


def _fill(app: Anbu, args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    rng = random.Random(args.seed)
    romans = [dong.roman for dong in DONGS]
    policy = json.dumps(EscalationPolicy().to_json())
    _centres_and_feeds(app, now)
    _staff(app, now)
    raw = app.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET synchronous_commit = off")

        def run(label: str, sql: str, params: dict[str, Any] | None = None) -> int:
            clock = Stopwatch()
            cursor.execute(sql, params or {})
            raw.commit()
            say(f"  {label}: {cursor.rowcount:,} rows in {clock.seconds:.1f} s")
            return int(cursor.rowcount)

        for first in range(1, args.subjects + 1, CHUNK):
            last = min(first + CHUNK - 1, args.subjects)
            clock = Stopwatch()
            personal, keys = _sealed(app.vault, first, last, rng)
            sealing = clock.seconds
            values = {
                "base": now,
                "centres": len(DONGS),
                "first": first,
                "personal": personal,
                "name_key": keys,
            }
            cursor.execute(SUBJECTS_SQL, values)
            raw.commit()
            say(f"  subjects {first:,}–{last:,} in {clock.seconds:.1f} s (sealing {sealing:.1f} s)")
        _vacuum(app, "subjects")
        opened = round(args.alerts * OPEN_SHARE)
        common = {"now": now, "romans": romans, "policy": policy, "subjects": args.subjects}
        run("resolved alerts", RESOLVED_SQL, {**common, "count": args.alerts - opened})
        run("open alerts", OPEN_SQL, {**common, "count": opened})
        run("their people's state", OPEN_SUBJECTS_SQL)
        run("case events (closed cases)", CASE_EVENTS_SQL)
        _open_case_events(app, now, rng)
        run("first contacts", FIRST_CONTACT_SQL)
        run("notifications", NOTIFICATIONS_SQL, {"romans": romans})
        run("delivery attempts", ATTEMPTS_SQL)
        run("pauses", PAUSES_SQL, {"now": now})
        per_person = EVENTS_PER_DAY * CHART_DAYS
        every = max(1, round(args.subjects * per_person / max(args.events, 1)))
        say(f"  activity: every {every}th person, ~{per_person} events each")
        step = max(1, 1_000_000 * every // per_person)  # ~1M events a statement
        for first in range(1, args.subjects + 1, step):
            run(
                f"activity events, people {first:,}–{min(first + step - 1, args.subjects):,}",
                EVENTS_SQL,
                {
                    "days": CHART_DAYS,
                    "low": per_person // 2,
                    "spread": per_person,
                    "first": first,
                    "last": first + step - 1,
                    "every": every,
                },
            )
        run("events per hour", EVENT_HOURS_SQL)
    finally:
        raw.close()
    for name in (
        "subjects",
        "alerts",
        "case_events",
        "notifications",
        "delivery_attempts",
        "activity_events",
        "pauses",
        "officers",
        "officer_centres",
        "centres",
        "web_sessions",
    ):
        _vacuum(app, name)
    # Write the fill out now, not while pages are being timed.
    with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("CHECKPOINT")


def _centres_and_feeds(app: Anbu, now: datetime) -> None:
    with app.engine.begin() as connection:
        for dong in DONGS:  # in order, so that centre i is DONGS[i - 1]
            connection.exec_driver_sql(
                "INSERT INTO centres (name, created_at) VALUES (%(name)s, %(at)s)",
                {"name": dong.name, "at": now - timedelta(days=400)},
            )
        for carrier in Carrier:
            connection.exec_driver_sql(
                "INSERT INTO feeds (carrier, declared_until, seen_until, expected_since,"
                " updated_at) VALUES (%(c)s, %(at)s, %(at)s, %(since)s, %(at)s)",
                {"c": carrier.value, "at": now, "since": now - timedelta(days=400)},
            )


def _staff(app: Anbu, now: datetime) -> None:
    """The demo's staff list: two officers per centre, a lead per neighbourhood, the
    district administrator; each with a web password, as `anbu accounts create` gives."""
    clock = Stopwatch()
    accounts: list[tuple[str, Role, list[str]]] = [
        (f"{dong.roman}-officer-{n}", Role.OFFICER, [dong.name]) for dong in DONGS for n in (1, 2)
    ]
    accounts += [(f"{hood.roman}-lead", Role.LEAD, list(hood.dongs)) for hood in NEIGHBOURHOODS]
    accounts.append(("district-admin", Role.ADMIN, []))
    for login, role, centres in accounts:
        create_user(
            app, login, role=role, centres=centres, password=PASSWORD, now=now, actor="benchmark"
        )
    say(f"  {len(accounts)} staff accounts in {clock.seconds:.1f} s")


def _sealed(
    vault: Vault, first: int, last: int, rng: random.Random
) -> tuple[list[bytes], list[bytes]]:
    """Personal data sealed as enrolment seals it (bound to the reference FILL_SQL gives
    person i), and the keyed hash of each name."""
    today = datetime.now(UTC).date()
    keys: dict[str, bytes] = {}
    band_weights = [w for _, _, w in AGE_BANDS]
    sealed: list[bytes] = []
    name_keys: list[bytes] = []
    for i in range(first, last + 1):
        name = korean_name(rng)
        low, high, _ = rng.choices(AGE_BANDS, weights=band_weights)[0]
        born = today - timedelta(days=int((rng.randint(low, high) + rng.random()) * 365.25))
        fields = {
            "name": name,
            "phone": f"+8210{20_000_000 + i % 80_000_000:08d}",
            "birth_date": born.isoformat(),
            "address": f"{DISTRICT} {ROADS[i % len(ROADS)]} {1 + i % 320}",
        }
        if i % 3 == 0:
            fields["guardian_phone"] = f"+8210{10_000_000 + i % 10_000_000:08d}"
        sealed.append(vault.seal(fields, bound_to=f"KR-{i:09d}"))
        key = keys.get(name)
        if key is None:
            key = keys[name] = vault.lookup_key(name_key_for(name))
        name_keys.append(key)
    return sealed, name_keys


def _open_case_events(app: Anbu, now: datetime, rng: random.Random) -> None:
    """The open acknowledged cases: a call that did not reach the person, with a sealed
    note, and for those taken for a visit, the claim."""
    with app.engine.begin() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, acknowledged_at, acknowledged_by, claimed_at, claimed_by FROM alerts"
            " WHERE state = 'acknowledged'"
        ).all()
        values = []
        for alert_id, acked, by, claimed, claimer in rows:
            note = rng.choice(["전화 안 받음, 다시 걸 예정", "문자 남김", "보호자에게 연락 중"])
            values.append(
                {
                    "a": alert_id,
                    "at": min(acked + timedelta(minutes=3), now),
                    "by": by,
                    "k": "call",
                    "r": "not_reached",
                    "n": app.vault.seal({"note": note}, bound_to=f"case:{alert_id}"),
                }
            )
            if claimed is not None:
                values.append(
                    {
                        "a": alert_id,
                        "at": claimed,
                        "by": claimer,
                        "k": "claim",
                        "r": None,
                        "n": None,
                    }
                )
        if values:
            connection.exec_driver_sql(
                "INSERT INTO case_events (alert_id, at, by, kind, result, sealed_note)"
                " VALUES (%(a)s, %(at)s, %(by)s, %(k)s, %(r)s, %(n)s)",
                values,
            )
    say(f"  case events (open cases): {len(values):,} rows")


def _vacuum(app: Anbu, name: str) -> None:
    with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM ANALYZE {name}")


def _contents(app: Anbu) -> str:
    with app.engine.connect() as connection:
        counts = {
            name: connection.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one()
            for name in (
                "subjects",
                "alerts",
                "case_events",
                "notifications",
                "activity_events",
                "pauses",
                "officers",
            )
        }
        open_alerts = connection.exec_driver_sql(
            "SELECT count(*) FROM alerts WHERE state <> 'resolved'"
        ).scalar_one()
        size = connection.exec_driver_sql(
            "SELECT pg_database_size(current_database())"
        ).scalar_one()
    parts = [f"{name} {count:,}" for name, count in counts.items()]
    parts.insert(2, f"open alerts {open_alerts:,}")
    return ", ".join(parts) + f"; database {size / 2**30:.1f} GiB"


# -- what to ask --------------------------------------------------------------------------


def _pages(app: Anbu, args: argparse.Namespace) -> list[Page]:
    """The URLs to time, drawn from the database: the officer is of centre 1."""
    rng = random.Random(args.seed + 1)
    n = args.requests + args.warmup
    with app.engine.connect() as connection:
        centre = connection.exec_driver_sql(
            "SELECT id FROM centres WHERE name = %(n)s", {"n": DONGS[0].name}
        ).scalar_one()
        # People of the centre whose 30-day chart has data (the sample with events).
        charted = (
            connection.exec_driver_sql(
                "SELECT s.external_id FROM subjects s WHERE s.centre_id = %(c)s AND EXISTS"
                " (SELECT 1 FROM activity_events e WHERE e.subject_id = s.id)",
                {"c": centre},
            )
            .scalars()
            .all()
        )
        open_ids = (
            connection.exec_driver_sql(
                "SELECT a.id FROM alerts a JOIN subjects s ON s.id = a.subject_id"
                " WHERE a.state <> 'resolved' AND s.centre_id = %(c)s ORDER BY a.id",
                {"c": centre},
            )
            .scalars()
            .all()
        )
        someone = connection.exec_driver_sql(
            "SELECT external_id, personal FROM subjects WHERE centre_id = %(c)s"
            " ORDER BY random() LIMIT %(n)s",
            {"c": centre, "n": n},
        ).all()
    names = [str(app.vault.open(bytes(p), bound_to=ref)["name"]) for ref, p in someone]
    people = rng.sample(charted, min(n, len(charted))) if charted else []
    officer = f"{DONGS[0].roman}-officer-1"
    say(
        f"officer {officer}: {len(charted):,} charted people, {len(open_ids):,} open alerts"
        " in the centre"
    )

    def cycle(urls: list[str]) -> list[str]:
        return [urls[i % len(urls)] for i in range(n)] if urls else []

    pages = [
        Page("queue `/`", officer, ["/"] * n, 'id="queue"'),
        Page("person `/people/{ref}`", officer, cycle([f"/people/{p}" for p in people]), "<svg"),
        Page(
            "alert `/alerts/{id}` (open)",
            officer,
            cycle([f"/alerts/{a}" for a in open_ids]),
            "tel:",
        ),
        Page("report `/reports` (12 weeks, 1 centre)", officer, ["/reports"] * n, "<svg"),
        Page(
            "report `/reports?weeks=52` (district)",
            "district-admin",
            ["/reports?weeks=52"] * n,
            "<svg",
        ),
        Page(
            "search `/people?q=<whole name>`",
            officer,
            [f"/people?q={name}" for name in cycle(names)],
            "<table",
        ),
        Page("closest `/people?view=closest`", officer, ["/people?view=closest"] * n, "<table"),
        Page("queue `/` (district)", "district-admin", ["/"] * n, 'id="queue"'),
        Page("feed board `/feeds`", "district-admin", ["/feeds"] * n, 'id="events-per-hour"'),
    ]
    return pages


# -- the server ---------------------------------------------------------------------------


def _logged_in(base: str, login: str) -> httpx.Client:
    """A client with a session, through the login form as a browser fills it."""
    client = httpx.Client(base_url=base, timeout=120, follow_redirects=False)
    form = client.get("/login")
    form.raise_for_status()
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert found, "no CSRF field on the login form"
    answer = client.post(
        "/login",
        data={"login": login, "password": PASSWORD, "csrf_token": found.group(1), "next": "/"},
    )
    if answer.status_code != 303 or "anbu_session" not in client.cookies:
        raise RuntimeError(f"login as {login} failed: {answer.status_code} {answer.text[:300]}")
    return client


# -- measuring ----------------------------------------------------------------------------


class _Watch(CpuWatch):
    """CpuWatch counting as ours only this database's PostgreSQL backends (another
    benchmark's `anbu_bench_*` backends are a neighbour here)."""

    def __init__(self, database: str) -> None:
        super().__init__()
        self.database = database

    def _group(  # type: ignore[override]
        self, pid: int, me: int, parents: dict[int, int], names: dict[int, str]
    ) -> str:
        name = names[pid]
        if name.startswith("postgres") and "anbu_bench_" in name and self.database not in name:
            return "postgres (other)"
        return CpuWatch._group(pid, me, parents, names)


def _measure(base: str, pages: list[Page], database: str, args: argparse.Namespace) -> None:
    clients: dict[str, httpx.Client] = {}
    try:
        for page in pages:
            if not page.urls:
                page.note = "nothing to ask (no data)"
                continue
            client = clients.get(page.who) or clients.setdefault(
                page.who, _logged_in(base, page.who)
            )
            warm = [_get(client, url, page.expect)[0] for url in page.urls[: args.warmup]]
            typical = statistics.median(warm) if warm else 0.0
            count = args.requests
            if typical * count > args.budget:
                count = max(20, int(args.budget / max(typical, 1e-6)))
                page.note = f"{count} requests (slow page: budget {args.budget:.0f} s)"
            urls = page.urls[args.warmup : args.warmup + count]
            with _Watch(database) as cpu:
                for url in urls:
                    seconds, size = _get(client, url, page.expect)
                    page.times.append(seconds)
                    page.sizes.append(size)
            page.others_cpu = cpu.others
            say(
                f"{page.name}: p50 {page.percentile(0.5) * 1000:.1f} ms,"
                f" p95 {page.percentile(0.95) * 1000:.1f} ms over {len(page.times)};"
                f" {cpu.summary()}"
            )
    finally:
        for client in clients.values():
            client.close()


def _get(client: httpx.Client, url: str, expect: str) -> tuple[float, int]:
    clock = Stopwatch()
    answer = client.get(url)
    seconds = clock.seconds
    if answer.status_code != 200 or expect not in answer.text:
        raise RuntimeError(f"GET {url}: {answer.status_code}, {answer.text[:500]}")
    return seconds, len(answer.content)


def _print(pages: list[Page]) -> None:
    rows = []
    for page in pages:
        if not page.times:
            rows.append([page.name, page.who, 0, "", "", "", "", "", ""])
            continue
        p95 = page.percentile(0.95) * 1000
        rows.append(
            [
                page.name,
                page.who,
                len(page.times),
                f"{page.percentile(0.5) * 1000:.1f}",
                f"{p95:.1f}",
                f"{max(page.times) * 1000:.1f}",
                f"{statistics.median(page.sizes) / 1024:.0f}",
                "yes" if p95 < TARGET_MS else "**no**",
                f"{page.others_cpu:.2f}",
            ]
        )
    print()
    print(
        table(
            [
                "page",
                "as",
                "requests",
                "p50 ms",
                "p95 ms",
                "max ms",
                "KiB",
                f"p95 < {TARGET_MS:.0f} ms",
                "others' CPU (cores)",
            ],
            rows,
        )
    )
    for page in pages:
        if page.note:
            print(f"\n{page.name}: {page.note}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" (src/ has uncommitted changes)" if dirty else "")


if __name__ == "__main__":
    raise SystemExit(main())
