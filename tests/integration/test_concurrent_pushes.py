"""Carriers pushing at once (issue 15): many ingests of one carrier in flight together on
PostgreSQL, each writing the feed's watermark and the hour's count last and without having
locked them first. Nothing may be lost, no watermark may go back, and none may deadlock."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from anbu.adapters.storage.tables import activity_events, event_hours
from anbu.bootstrap import Anbu, bootstrap
from anbu.domain.kinds import Carrier
from anbu.domain.watermarks import Feed
from anbu.settings import Settings

from builders import TEST_SECRET, at, event, subject_row, watermark
from flows import enrol_rows, feed

ENROLLED = at("2026-11-01 10:00")
START = at("2026-11-03 00:00")
NOW = START + timedelta(hours=12)
PEOPLE = 40
PUSHERS = 6
PUSHES = 25


def _feed(anbu: Anbu) -> Feed:
    with anbu.transaction() as store:
        return store.feeds.all()[Carrier.SKT]


def _plans(phones: list[str]) -> list[list[tuple[str, datetime]]]:
    """Each pusher's pushes: someone's call and a watermark at the same instant, the
    instants in no order across pushers (a later push may carry an earlier instant)."""
    plans = []
    for number in range(PUSHERS):
        rng = random.Random(number)
        plans.append(
            [
                (rng.choice(phones), START + timedelta(minutes=rng.randrange(0, 600)))
                for _ in range(PUSHES)
            ]
        )
    return plans


def test_concurrent_pushes_lose_nothing_and_never_move_a_watermark_back(
    fresh_postgres: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=fresh_postgres, secret_key=TEST_SECRET)  # type: ignore[arg-type]
    anbu = bootstrap(settings)
    phones = [f"010-6000-{n:04d}" for n in range(1, PEOPLE + 1)]
    enrol_rows(
        anbu,
        *(subject_row(external_id=f"SD-{n:04d}", phone=p) for n, p in enumerate(phones)),
        now=ENROLLED,
    )
    plans = _plans(phones)
    pushers = [bootstrap(settings) for _ in range(PUSHERS)]
    barrier = threading.Barrier(PUSHERS)
    failures: list[Exception] = []

    def push(number: int, app: Anbu) -> None:
        barrier.wait()
        try:
            for n, (phone, occurred) in enumerate(plans[number]):
                documents = (
                    event(phone, "call_out", occurred, event_id=f"P{number}-{n}"),
                    watermark("SKT", occurred),
                )
                assert feed(app, *documents, now=NOW).stored == 1
        except Exception as exc:  # noqa: BLE001 — reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=push, args=(n, app)) for n, app in enumerate(pushers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures  # a deadlock would be here, as PostgreSQL's error

    with anbu.transaction() as store:
        stored = store.connection.scalar(select(func.count()).select_from(activity_events))
        counted = store.connection.scalar(select(func.sum(event_hours.c.events)))
    assert stored == counted == PUSHERS * PUSHES
    latest = max(occurred for plan in plans for _, occurred in plan)
    held = _feed(anbu)
    assert held.declared_until == held.seen_until == latest
    # A watermark behind the feed changes nothing, whoever writes it last.
    feed(anbu, watermark("SKT", START), now=NOW)
    assert _feed(anbu).declared_until == latest
    for app in pushers:
        app.close()
    anbu.close()


def test_a_feed_learns_only_forward_and_expects_only_earlier(anbu: Anbu) -> None:
    later, earlier = START + timedelta(hours=2), START - timedelta(hours=2)
    with anbu.transaction() as store:
        store.feeds.advance(Feed(Carrier.KT, declared_until=later, expected_since=START), NOW)
    with anbu.transaction() as store:  # what a writer that read the feed earlier learnt
        store.feeds.advance(
            Feed(Carrier.KT, declared_until=START, seen_until=START, expected_since=later), NOW
        )
        store.feeds.advance(Feed(Carrier.KT, expected_since=earlier), NOW)
    with anbu.transaction() as store:
        held = store.feeds.all()[Carrier.KT]
    assert held == Feed(Carrier.KT, declared_until=later, seen_until=START, expected_since=earlier)
