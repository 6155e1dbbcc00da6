"""Faults on the way to the officer, with real processes, a real Kannel and a real SMTP
server: the gateway stopped while alerts are open, and the dispatcher killed mid-batch.
Nothing may be lost and nothing doubled — counted where the messages arrive."""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.services.officers import import_officers

from builders import at, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed
from gateways.kannel import KannelGateway, free_ports
from gateways.smtp import Mailbox, RunningServer, parsed, run_server
from processes import ANBU, jsonl, program, serving

ENROLLED = at("2026-11-01 10:00")
T0 = at("2026-11-04 10:00")  # a Wednesday, office hours
SECRET = "kannel-shared-secret"


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp(mailbox: Mailbox) -> Iterator[RunningServer]:
    yield from run_server(mailbox)


def _district(app: Anbu, people: int) -> list[str]:
    """`people` silent since enrolment, one officer (SMS and e-mail), one operator; their
    carrier's data complete to T0. Returns their references."""
    rows = [
        subject_row(external_id=f"SD-{n:04d}", phone=f"010-1000-{n:04d}")
        for n in range(1, people + 1)
    ]
    enrol_rows(app, *rows, now=ENROLLED)
    staff = (
        officer_row(),
        officer_row(
            login="ops", role="operator", centres="", phone="010-9000-0004", email="ops@sd.example"
        ),
    )
    import_officers(app, read_officers(officers_csv(*staff)), now=ENROLLED, actor="test")
    feed(app, watermark("SKT", T0), now=T0)
    return [row["external_id"] for row in rows]


def _env(cli_env: dict[str, str], kannel: KannelGateway, smtp: RunningServer) -> dict[str, str]:
    return cli_env | {
        "ANBU_SMS_URL": kannel.sms_url,
        "ANBU_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
    }


def _run(env: dict[str, str], *args: str) -> str:
    done = program(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _dispatch_until_done(env: dict[str, str], now: datetime) -> None:
    for _ in range(5):
        if not _run(env, "dispatch", "--once", "--now", now.isoformat()).strip():
            return
    raise AssertionError("the dispatcher still had work after five passes")


def _references(texts: list[str]) -> Counter[str]:
    return Counter(word.split("(")[1].split(")")[0] for word in texts if "(" in word)


def test_kannel_down_retries_sms_alerts_operators_by_mail_and_sends_each_text_once(
    anbu: Anbu,
    cli_env: dict[str, str],
    kannel: KannelGateway,
    smtp: RunningServer,
) -> None:
    references = _district(anbu, 3)
    env = _env(cli_env, kannel, smtp)
    kannel.stop_bearerbox()
    _run(env, "sweep", "--now", T0.isoformat())
    for minutes in (0, 1, 2, 4, 8):
        _run(env, "dispatch", "--once", "--now", (T0 + timedelta(minutes=minutes)).isoformat())
    # E-mail is not held up by the SMS gateway.
    assert sorted(parsed(m)["To"] for m in smtp.mailbox.received) == ["kim@seongdong.example"] * 3
    sms = [n for n in jsonl(env, "notifications", "list", "--json") if n["medium"] == "sms"]
    assert {(n["state"], n["attempts"] > 1) for n in sms} == {("queued", True)}
    assert all(
        "Connection refused" in n["last_error"] or "ConnectError" in n["last_error"] for n in sms
    )

    # Ten minutes of nothing but failures: the operator hears of it, by e-mail only.
    _dispatch_until_done(env, T0 + timedelta(minutes=16))
    gateway = [a for a in jsonl(env, "alerts", "list", "--json") if a["kind"] == "gateway_down"]
    assert len(gateway) == 1
    to_ops = [parsed(m) for m in smtp.mailbox.received if "ops@" in str(parsed(m)["To"])]
    assert ["문자(SMS) 발송 장애" in str(m["Subject"]) for m in to_ops] == [True]

    kannel.start_bearerbox()
    _dispatch_until_done(env, T0 + timedelta(hours=1))
    texts = kannel.wait_for(3, timeout=20)
    _dispatch_until_done(env, T0 + timedelta(hours=2))  # nothing is left to send again
    assert len(kannel.received()) == 3
    assert _references([t.text for t in texts]) == Counter(references)
    (gateway,) = [a for a in jsonl(env, "alerts", "list", "--json") if a["kind"] == "gateway_down"]
    assert gateway["outcome"] == "gateway_recovered"
    ids = [parsed(m)["Message-ID"] for m in smtp.mailbox.received]
    assert len(ids) == len(set(ids)) == 4  # three alerts to the officer, one to the operator


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_doubles_nothing(
    anbu: Anbu,
    cli_env: dict[str, str],
    make_kannel: Callable[..., KannelGateway],
    mailbox: Mailbox,
    smtp: RunningServer,
    tmp_path: Path,
) -> None:
    references = _district(anbu, 30)
    (port,) = free_ports(1)
    kannel = make_kannel()
    env = _env(cli_env, kannel, smtp) | {
        "ANBU_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ANBU_CALLBACK_SECRET": SECRET,
    }
    _run(env, "sweep", "--now", T0.isoformat())
    mailbox.hold_at = 10  # the tenth e-mail is held unanswered while the dispatcher dies
    with serving(env, port, tmp_path / "serve.log", "--no-background"):  # delivery reports
        worker = subprocess.Popen(
            [ANBU, "dispatch", "--now", T0.isoformat()],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            assert mailbox.holding.wait(60), "the dispatcher never reached the tenth e-mail"
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        mailbox.release.set()
        # Each e-mail went out after its alert's text: nine and more texts are out.
        assert 9 <= len(kannel.wait_for(9, timeout=20)) < 30
        assert len(mailbox.received) == 9

        # A new dispatcher, once the dead one's claim has run out.
        _dispatch_until_done(env, T0 + timedelta(minutes=3))
        texts = kannel.wait_for(30, timeout=30)
    assert len(kannel.received()) == 30
    assert _references([t.text for t in texts]) == Counter(references)  # each exactly once
    ids = [parsed(m)["Message-ID"] for m in mailbox.received]
    assert len(ids) == len(set(ids)) == 30
    states = Counter(n["state"] for n in jsonl(env, "notifications", "list", "--json"))
    assert states["queued"] == states["failed"] == 0
