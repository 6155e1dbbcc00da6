"""The wall clock stepping back an hour under a running `anbu serve` (an NTP correction, an
operator's mistake undone), then forward again: libfaketime moves the server's clock, and
nothing is done twice — no second alert for the same silence, no message sent again, no
escalation step taken again — and nothing is lost: the next step is taken, once, when its
time comes round."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import alerts, delivery_attempts, notifications
from anbu.bootstrap import Anbu
from anbu.services.officers import import_officers

from builders import officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed
from gateways.kannel import free_ports
from gateways.smtp import Mailbox, RunningServer, parsed, run_server
from outages import FAULTS, SteppedClock
from processes import eventually, serving

pytestmark = FAULTS

PASSES = 2.0  # seconds: ten sweeps and ten dispatch passes at the rates below


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp(mailbox: Mailbox) -> Iterator[RunningServer]:
    yield from run_server(mailbox)


def _district(app: Anbu, now: datetime) -> None:
    """One person silent since enrolment three days ago, their carrier's data complete to
    a minute ago; the centre's officer and its lead, both by e-mail only."""
    consent = (now - timedelta(days=3)).isoformat(timespec="seconds")
    enrol_rows(app, subject_row(consent_at=consent), now=now)
    staff = (
        officer_row(phone=""),
        officer_row(login="lee.lead", role="lead", phone="", email="lee@seongdong.example"),
    )
    import_officers(app, read_officers(officers_csv(*staff)), now=now, actor="test")
    feed(app, watermark("SKT", now - timedelta(minutes=1)), now=now)


def _state(app: Anbu, mailbox: Mailbox) -> dict[str, Any]:
    """The case, its messages and their sending, as the database and the mail server saw
    them."""
    with app.engine.connect() as connection:
        cases = connection.execute(select(alerts.c.id, alerts.c.kind, alerts.c.step)).all()
        queued = connection.execute(
            select(notifications.c.key, notifications.c.step, notifications.c.state)
        ).all()
        attempts = connection.scalar(select(func.count()).select_from(delivery_attempts))
    return {
        "cases": sorted(tuple(row) for row in cases),
        "notifications": sorted(tuple(row) for row in queued),
        "attempts": attempts,
        "mails": Counter(str(parsed(m)["Message-ID"]) for m in mailbox.received),
    }


def _wait_behind(base: str, seconds: float) -> None:
    """Until the server's wall clock is `seconds` behind the true time, by the Date header
    it answers with (a minute either way)."""

    def behind() -> float:
        answered = parsedate_to_datetime(httpx.get(f"{base}/health").headers["date"])
        return (datetime.now(UTC) - answered).total_seconds()

    eventually(lambda: abs(behind() - seconds) < 60, timeout=10)


def _all_sent(app: Anbu, mailbox: Mailbox, step: str) -> dict[str, Any] | None:
    state = _state(app, mailbox)
    steps = {row[1] for row in state["notifications"]}
    out = all(row[2] == "sent" for row in state["notifications"])
    return state if step in steps and out else None


def test_a_clock_stepped_back_an_hour_doubles_nothing_and_loses_nothing(
    anbu: Anbu,
    cli_env: dict[str, str],
    mailbox: Mailbox,
    smtp: RunningServer,
    tmp_path: Path,
) -> None:
    _district(anbu, datetime.now(UTC))
    clock = SteppedClock(tmp_path / "faketime")
    env = (
        cli_env
        | clock.env()
        | {
            "ANBU_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "ANBU_SWEEP_EVERY_SECONDS": "0.2",
            "ANBU_DISPATCH_EVERY_SECONDS": "0.2",
        }
    )
    (port,) = free_ports(1)
    with serving(env, port, tmp_path / "serve.log") as base:
        told = eventually(lambda: _all_sent(anbu, mailbox, "u0"))
        ((_, kind, step),) = told["cases"]
        assert kind == "no_activity"

        clock.set("-1h")
        _wait_behind(base, 3600)
        time.sleep(PASSES)
        assert _state(anbu, mailbox) == told  # the same silence is not alerted twice

        # Forward again, past the hour the first tier is given: the next tier is told.
        clock.set("+65m")
        escalated = eventually(lambda: _all_sent(anbu, mailbox, "u1"))
        ((_, _, next_step),) = escalated["cases"]
        assert next_step == step + 1

        clock.set("+5m")  # and back an hour once more
        _wait_behind(base, -300)
        time.sleep(PASSES)
        assert _state(anbu, mailbox) == escalated
        assert httpx.get(f"{base}/health").status_code == 200

    assert {row[1] for row in escalated["notifications"]} == {"u0", "u1"}
    # Every message went out once: one attempt each, one e-mail each (its Message-ID is
    # made from its key).
    assert escalated["attempts"] == len(escalated["notifications"])
    assert len(escalated["mails"]) == len(escalated["notifications"])
    assert set(escalated["mails"].values()) == {1}
