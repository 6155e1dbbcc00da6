"""Notifications end to end through real parts: `anbu serve` sweeping and dispatching on the
wall clock, a real Kannel (bearerbox + smsbox + fakesmsc) and a real SMTP server. Delivery
reports and a person's reply travel back through Kannel to `anbu serve`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.engine import SCHEMA_HEAD
from anbu.bootstrap import Anbu
from anbu.services import centres
from anbu.services.officers import import_officers

from builders import officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed
from gateways.kannel import KannelGateway, free_ports
from gateways.smtp import RunningServer, parsed, run_server
from processes import eventually, jsonl, serving

SECRET = "kannel-shared-secret"
SUBJECT_PHONE = "01012345678"  # subject_row()'s number, as the phone network writes it


@pytest.fixture
def smtp() -> Iterator[RunningServer]:
    yield from run_server()


def _now() -> datetime:
    return datetime.now(UTC)


def _district(anbu: Anbu, *, self_check: bool = False) -> None:
    """SD-0001 enrolled three days ago and silent since; the centre's two officers, the
    second with no e-mail. Two officers rather than an officer and a lead: the first tier
    reaches exactly them whatever the hour (in office hours as the centre's officers, at
    night through the duty desk's fallback, there being no desk), so what this test counts
    does not depend on when it runs."""
    now = _now()
    consent = (now - timedelta(days=3)).isoformat(timespec="seconds")
    enrol_rows(anbu, subject_row(consent_at=consent), now=now)
    staff = (
        officer_row(),
        officer_row(login="park.officer", phone="010-9000-0002", email=""),
    )
    import_officers(anbu, read_officers(officers_csv(*staff)), now=now, actor="test")
    if self_check:
        document = json.dumps({"self_check": True})
        centres.set_policy(anbu, "왕십리도선동", document, by="test", now=now)
    feed(anbu, watermark("SKT", now), now=now)


def _env(
    cli_env: dict[str, str], kannel: KannelGateway, smtp: RunningServer, port: int
) -> dict[str, str]:
    return cli_env | {
        "ANBU_SMS_URL": kannel.sms_url,
        "ANBU_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "ANBU_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ANBU_CALLBACK_SECRET": SECRET,
        "ANBU_SWEEP_EVERY_SECONDS": "0.5",
        "ANBU_DISPATCH_EVERY_SECONDS": "0.2",
    }


def _incoming_url(port: int) -> str:
    # Kannel fills in %p (the sender) and %a (the text); a literal % is written %%.
    return f"http://127.0.0.1:{port}/callbacks/kannel/incoming?secret={SECRET}&from=%p&text=%a"


def _notifications(env: dict[str, str]) -> list[dict[str, Any]]:
    return jsonl(env, "notifications", "list", "--json")


def test_an_alert_reaches_the_officers_by_sms_and_mail_and_delivery_comes_back(
    anbu: Anbu,
    cli_env: dict[str, str],
    make_kannel: Callable[..., KannelGateway],
    smtp: RunningServer,
    tmp_path: Path,
) -> None:
    (port,) = free_ports(1)
    kannel = make_kannel(incoming_url=_incoming_url(port))
    _district(anbu)
    env = _env(cli_env, kannel, smtp, port)
    with serving(env, port, tmp_path / "serve.log") as base:
        texts = kannel.wait_for(2, timeout=30)
        assert sorted(t.to for t in texts) == ["01090000001", "01090000002"]
        for text in texts:
            assert text.coding == "ucs-2"
            assert "왕십리도선동 김*수(SD-0001) 님 48시간 통화 없음" in text.text
            assert "김영수" not in text.text  # never the whole name
        mail = parsed(eventually(lambda: smtp.mailbox.received, timeout=10)[0])
        assert "김*수" in str(mail["Subject"])

        def delivered() -> list[dict[str, Any]]:
            rows = [n for n in _notifications(env) if n["medium"] == "sms"]
            return rows if all(n["state"] == "delivered" for n in rows) else []

        assert len(eventually(delivered, timeout=30)) == 2  # Kannel's reports came back

        kim = next(t for t in texts if t.to == "01090000001")
        link = kim.text.split("확인(접수): ")[1].split()[0]
        assert link.startswith(f"{base}/a/")
        assert "제가 확인하겠습니다" in httpx.get(link).text  # opening it changes nothing
        (alert,) = jsonl(env, "alerts", "list", "--json")
        assert alert["acknowledged_by"] is None
        answer = httpx.post(link)
        assert answer.status_code == 200
        assert "접수되었습니다" in answer.text
        (alert,) = jsonl(env, "alerts", "list", "--json")
        assert alert["acknowledged_by"] == "kim.officer"
        assert httpx.post(link).status_code == 409  # a second tap says it is taken
    # Nothing was sent twice: two texts, one e-mail (park.officer has no address on file).
    assert len(kannel.received()) == 2
    assert len(smtp.mailbox.received) == 1


def test_a_reply_to_the_self_check_closes_the_case_before_any_officer_is_told(
    anbu: Anbu,
    cli_env: dict[str, str],
    make_kannel: Callable[..., KannelGateway],
    smtp: RunningServer,
    tmp_path: Path,
) -> None:
    (port,) = free_ports(1)
    kannel = make_kannel(incoming_url=_incoming_url(port))
    _district(anbu, self_check=True)
    env = _env(cli_env, kannel, smtp, port)
    with serving(env, port, tmp_path / "serve.log"):
        (question,) = kannel.wait_for(1, timeout=30)
        assert question.to == SUBJECT_PHONE
        assert "괜찮으시면 1을 회신해 주세요" in question.text
        kannel.send_incoming(SUBJECT_PHONE, question.sender, "1")

        def closed() -> dict[str, Any] | None:
            (alert,) = jsonl(env, "alerts", "list", "--json")
            return alert if alert["state"] == "resolved" else None

        assert eventually(closed, timeout=20)["outcome"] == "checked_in"
        # Kannel sends anbu's answer back to the person.
        thanks = kannel.wait_for(2, timeout=20)[1]
        assert thanks.to == SUBJECT_PHONE
        assert "회신 감사합니다" in thanks.text
    recipients = {n["recipient"] for n in _notifications(env)}
    assert recipients == {"subject"}  # no officer was bothered
    assert smtp.mailbox.received == []


def test_the_callbacks_refuse_a_caller_without_the_secret(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    (port,) = free_ports(1)
    env = cli_env | {"ANBU_CALLBACK_SECRET": SECRET}
    with serving(env, port, tmp_path / "serve.log", "--no-background") as base:
        report = f"{base}/callbacks/kannel/dlr?key=k&status=1"
        assert httpx.get(report).status_code == 403
        assert httpx.get(report + "&secret=wrong").status_code == 403
        assert httpx.get(report + f"&secret={SECRET}").text == "unknown"
        reply = f"{base}/callbacks/kannel/incoming?from=01012345678&text=1"
        assert httpx.get(reply).status_code == 403
        health = httpx.get(f"{base}/health").json()
        assert health == {"status": "ok", "database": "ok", "schema": SCHEMA_HEAD}
        metrics = httpx.get(f"{base}/metrics").text
        assert "anbu_notifications" in metrics
