"""Carriers publish to NATS JetStream and `anbu serve --ingest nats://…` stores what they
publish, as `anbu ingest` stores a file: a refused message is logged with its reason and
never blocks the ones after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from anbu.adapters.storage.tables import activity_events, feeds
from anbu.bootstrap import Anbu

from builders import event, subject_row, watermark
from flows import enrol_rows
from gateways.jetstream import NATS_URL, Carriers
from gateways.kannel import free_ports
from processes import eventually, serving

PHONES = ["010-3000-0001", "010-3000-0002", "010-3000-0003"]


def _enrol(app: Anbu, now: datetime) -> None:
    consent = (now - timedelta(days=2)).isoformat(timespec="seconds")
    rows = [
        subject_row(external_id=f"ST-{n}", phone=phone, consent_at=consent, carrier=carrier)
        for n, (phone, carrier) in enumerate(zip(PHONES, ["SKT", "SKT", "KT"], strict=True))
    ]
    enrol_rows(app, *rows, now=now)


def _stored(app: Anbu) -> dict[str, int]:
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(activity_events.c.carrier, func.count()).group_by(activity_events.c.carrier)
        ).all()
    return {carrier: count for carrier, count in rows}


def _declared(app: Anbu) -> dict[str, datetime]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(feeds.c.carrier, feeds.c.declared_until)).all()
    return {carrier: until for carrier, until in rows if until is not None}


def test_published_events_are_stored_and_a_bad_message_blocks_nothing(
    anbu: Anbu, cli_env: dict[str, str], carriers: Carriers, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    _enrol(anbu, now)
    hour = now - timedelta(hours=1)
    skt = [event(PHONES[n % 2], "call_out", hour + timedelta(minutes=n)) for n in range(10)]
    kt = [
        event(PHONES[2], "sms_out", hour, carrier="KT"),
        watermark("KT", now - timedelta(minutes=5)),
    ]
    env = cli_env | carriers.env
    (port,) = free_ports(1)
    log = tmp_path / "serve.log"
    with serving(env, port, log, "--ingest", NATS_URL):
        # Published while anbu reads: the streams are created when anbu starts.
        eventually(lambda: carriers.unsettled("SKT") == (0, 0) or None)
        carriers.publish("SKT", *skt[:4])
        carriers.publish(
            "SKT",
            b"{not json",
            b"",
            event(PHONES[0], "call_out", hour, carrier="KT"),  # on SKT's subject
            event(PHONES[0], "walked", hour),
        )
        carriers.publish("SKT", *skt[4:], skt[0])  # the first one again: a duplicate
        carriers.publish("KT", *kt)
        eventually(lambda: _stored(anbu) == {"SKT": 10, "KT": 1})
        eventually(lambda: carriers.unsettled("SKT") == carriers.unsettled("KT") == (0, 0))
        assert "KT" in _declared(anbu)
    text = log.read_text()
    assert "SKT stream: message 5 refused: not valid JSON" in text
    assert "SKT stream: message 6 refused: an empty message" in text
    assert "SKT stream: message 7 refused: carrier: KT on the stream of SKT" in text
    assert "SKT stream: message 8 refused: kind:" in text
    assert "Traceback" not in text


def test_messages_published_before_anbu_starts_wait_for_it(
    anbu: Anbu, cli_env: dict[str, str], carriers: Carriers, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    _enrol(anbu, now)
    carriers.make_streams()
    carriers.publish(
        "SKT",
        *(event(PHONES[0], "call_in", now - timedelta(minutes=n), duration_s=30) for n in range(5)),
    )
    (port,) = free_ports(1)
    env = cli_env | carriers.env
    with serving(env, port, tmp_path / "serve.log", "--ingest", NATS_URL):
        eventually(lambda: _stored(anbu) == {"SKT": 5})
        eventually(lambda: carriers.unsettled("SKT") == (0, 0))
