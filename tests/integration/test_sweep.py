"""Sweeps against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import event as engine_events
from sqlalchemy import text

from anbu.bootstrap import Anbu, bootstrap
from anbu.domain.kinds import AlertKind, AlertState, Outcome
from anbu.settings import Settings

from builders import TEST_SECRET, at, event, subject_row, watermark
from flows import enrol_rows, feed, sweep_at

PHONE = "010-1234-5678"
ENROLLED = at("2026-11-01 10:00")


def _open(anbu: Anbu) -> list[tuple[str | None, AlertKind]]:
    with anbu.transaction() as store:
        rows = store.cases.listing(states=[AlertState.OPEN])
    return [(r.external_id or r.alert.carrier, r.alert.kind) for r in rows]


def test_it_dates_an_alert_from_the_instant_the_limit_was_crossed(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(
        anbu,
        event(PHONE, "call_out", at("2026-11-02 09:15")),
        watermark("SKT", at("2026-11-05 00:00")),
        now=at("2026-11-05 00:30"),
    )
    report = sweep_at(anbu, at("2026-11-05 00:30"))
    assert [(o.kind, o.due_at) for o in report.opened] == [
        (AlertKind.NO_ACTIVITY, at("2026-11-04 09:15"))
    ]
    with anbu.transaction() as store:
        (alert,) = [line.alert for line in store.cases.listing()]
    assert (alert.due_at, alert.opened_at) == (at("2026-11-04 09:15"), at("2026-11-05 00:30"))


def test_it_changes_nothing_when_a_sweep_runs_again(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, watermark("SKT", at("2026-11-05 00:00")), now=at("2026-11-05 00:00"))
    assert len(sweep_at(anbu, at("2026-11-05 00:00")).opened) == 1
    assert sweep_at(anbu, at("2026-11-05 00:00")).opened == []
    assert sweep_at(anbu, at("2026-11-05 06:00")).opened == []
    assert _open(anbu) == [("SD-0001", AlertKind.NO_ACTIVITY)]


def test_it_never_opens_a_second_alert_of_a_kind_for_the_same_episode(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, watermark("SKT", at("2026-11-04 00:00")), now=at("2026-11-04 00:00"))
    sweep_at(anbu, at("2026-11-04 00:00"))
    # The same silence goes on for days: still the one case.
    feed(anbu, watermark("SKT", at("2026-11-09 00:00")), now=at("2026-11-09 00:00"))
    later = sweep_at(anbu, at("2026-11-09 00:00"))
    assert (later.opened, later.superseded) == ([], [])
    assert _open(anbu) == [("SD-0001", AlertKind.NO_ACTIVITY)]


def test_a_new_silence_after_the_person_showed_life_replaces_the_unclosed_case(
    anbu: Anbu,
) -> None:
    """An acknowledged case nobody closed must not hold back the next alert: once the
    person has shown life and then fallen silent for a whole period again, the old case
    closes as superseded and a new alert opens for the new silence."""
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, watermark("SKT", at("2026-11-04 00:00")), now=at("2026-11-04 00:00"))
    (first,) = sweep_at(anbu, at("2026-11-04 00:00")).opened
    with anbu.transaction() as store:
        case = store.alerts.get(first.id)
        assert case is not None
        assert store.alerts.save(case.acknowledge("kim.a", at("2026-11-04 00:10")), case)
    # The person calls once, then falls silent again for another whole period.
    feed(
        anbu,
        event(PHONE, "call_out", at("2026-11-04 09:00")),
        watermark("SKT", at("2026-11-06 08:00")),
        now=at("2026-11-06 08:00"),
    )
    assert sweep_at(anbu, at("2026-11-06 08:00")).opened == []  # not yet a whole period
    feed(anbu, watermark("SKT", at("2026-11-07 00:00")), now=at("2026-11-07 00:00"))
    report = sweep_at(anbu, at("2026-11-07 00:00"))
    assert [(o.kind, o.due_at) for o in report.opened] == [
        (AlertKind.NO_ACTIVITY, at("2026-11-06 09:00"))
    ]
    assert report.superseded == [first.id]
    with anbu.transaction() as store:
        old, new = sorted((line.alert for line in store.cases.listing()), key=lambda a: a.id or 0)
    assert (old.state, old.outcome, old.resolved_by) == (
        AlertState.RESOLVED,
        Outcome.SUPERSEDED,
        "anbu",
    )
    assert (new.state, new.base_at) == (AlertState.OPEN, at("2026-11-04 09:00"))
    assert sweep_at(anbu, at("2026-11-07 06:00")).opened == []  # and only once


def test_it_judges_silence_by_the_watermark_not_the_clock(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, watermark("SKT", at("2026-11-03 08:00")), now=at("2026-11-03 08:00"))
    assert sweep_at(anbu, at("2026-11-03 12:00")).opened == []  # due 11-03 09:00, data to 08:00


def test_it_raises_one_feed_alert_for_a_stalled_carrier_and_closes_it_on_recovery(
    anbu: Anbu,
) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, watermark("SKT", at("2026-11-02 00:00")), now=at("2026-11-02 00:00"))
    assert sweep_at(anbu, at("2026-11-02 06:00")).opened == []  # lag 6 h is still allowed
    stalled = sweep_at(anbu, at("2026-11-02 07:00"))
    assert [(o.kind, o.due_at) for o in stalled.opened] == [
        (AlertKind.FEED_STALE, at("2026-11-02 06:00"))
    ]
    assert sweep_at(anbu, at("2026-11-02 12:00")).opened == []
    feed(
        anbu,
        event(PHONE, "call_out", at("2026-11-02 10:00")),
        watermark("SKT", at("2026-11-02 12:00")),
        now=at("2026-11-02 12:30"),
    )
    recovered = sweep_at(anbu, at("2026-11-02 12:30"))
    assert recovered.recovered_feeds == ["SKT"]
    with anbu.transaction() as store:
        (alert,) = [line.alert for line in store.cases.listing()]
    assert (alert.state, alert.outcome) == (AlertState.RESOLVED, Outcome.FEED_RECOVERED)


def test_a_sweep_with_nothing_due_asks_once_and_one_with_something_acts(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    feed(anbu, watermark("SKT", at("2026-11-02 00:00")), now=at("2026-11-02 00:00"))
    with anbu.transaction() as store:
        engine = store.connection.engine
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    engine_events.listen(engine, "before_cursor_execute", count)
    try:
        quiet = sweep_at(anbu, at("2026-11-02 00:00"))
        asked = len(sent)
        feed(anbu, watermark("SKT", at("2026-11-05 00:00")), now=at("2026-11-05 00:00"))
        sent.clear()
        busy = sweep_at(anbu, at("2026-11-05 00:00"))
    finally:
        engine_events.remove(engine, "before_cursor_execute", count)
    # The feeds, then one probe: no per-carrier, feed-case or escalation query.
    assert (quiet.opened, asked) == ([], 2)
    assert [o.kind for o in busy.opened] == [AlertKind.NO_ACTIVITY]
    assert len(sent) > 2


def test_it_finds_the_due_from_the_index_not_by_scanning_everyone(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    with anbu.transaction() as store:
        connection = store.connection
        query = (
            "select next_due_at, id from subjects where carrier = 'SKT' "
            "and next_due_at <= '2026-11-05' and status = 'active' order by next_due_at, id"
        )
        if connection.dialect.name == "sqlite":
            plan = " ".join(
                str(row) for row in connection.execute(text("explain query plan " + query))
            )
        else:
            connection.execute(text("set local enable_seqscan = off"))
            plan = " ".join(str(row) for row in connection.execute(text("explain " + query)))
    assert "ix_subjects_due" in plan


def test_it_opens_each_alert_once_with_several_sweepers_at_once(
    fresh_postgres: str, tmp_path: Path
) -> None:
    # SQLite has a single writer; several sweepers at once are PostgreSQL's to prove.
    settings = Settings(data_dir=tmp_path, database_url=fresh_postgres, secret_key=TEST_SECRET)  # type: ignore[arg-type]
    anbu = bootstrap(settings)
    rows = [
        subject_row(external_id=f"SD-{n:04d}", phone=f"010-5000-{n:04d}") for n in range(1, 301)
    ]
    enrol_rows(anbu, *rows, now=ENROLLED)
    feed(anbu, watermark("SKT", at("2026-11-05 00:00")), now=at("2026-11-05 00:00"))
    workers = [bootstrap(settings) for _ in range(4)]
    opened: list[int] = []
    barrier = threading.Barrier(len(workers))

    def run(worker: Anbu) -> None:
        barrier.wait()
        opened.extend(o.id for o in sweep_at(worker, at("2026-11-05 00:00")).opened)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(opened) == len(set(opened)) == 300
    assert len(_open(anbu)) == 300
    for worker in workers:
        worker.close()
    anbu.close()
