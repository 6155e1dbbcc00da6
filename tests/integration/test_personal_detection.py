"""Personal detection through the real ingest and sweep, on SQLite and PostgreSQL: the
`detection` column and a centre's default choose it; the rhythm is learned at ingest; a
silence through the person's busy hours raises attention, then caution, then serious on one
case, with the instant each fell due and why; attention stays out of the officers' queue; a
sign of life stops it; the fixed rule is untouched beside it."""

from __future__ import annotations

import math
from array import array
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from anbu.adapters.formats.subjects_csv import read_subjects
from anbu.adapters.storage.tables import subjects
from anbu.bootstrap import Anbu
from anbu.domain.detection import Rule
from anbu.domain.kinds import AlertKind, Detection, Outcome, Role
from anbu.domain.rhythm import MEMORY, Level
from anbu.services import case_views, centres
from anbu.services.accounts import StaffUser
from anbu.services.enrolment import enrol

from builders import at, event, subject_row, subjects_csv, watermark
from flows import feed, sweep_at

CONSENT = at("2026-10-01 09:00")
PHONE = "010-1234-5678"
OTHER = "010-2222-3333"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _row(**overrides: object) -> dict[str, str]:
    return subject_row(consent_at=CONSENT.isoformat(), **overrides)


def _enrol(anbu: Anbu, *rows: dict[str, str]) -> None:
    data = subjects_csv(*rows)
    report = enrol(
        anbu, read_subjects(data, now=CONSENT, periods=anbu.periods), now=CONSENT, actor="t"
    )
    assert not report.rejected, report.rejected


def _calls_until(phone: str, until: datetime) -> list[dict[str, object]]:
    """Calls every two hours from 08:00 to 20:00, every day from consent to `until`."""
    found: list[dict[str, object]] = []
    day = CONSENT.replace(hour=0, minute=0)
    while day <= until:
        for hour in range(8, 21, 2):
            if CONSENT <= day + hour * HOUR <= until:
                found.append(event(phone, "call_out", day + hour * HOUR, duration_s=60))
        day += DAY
    return found


def _history(anbu: Anbu, until: datetime, *phones: str) -> None:
    documents: list[dict[str, object]] = []
    for phone in phones:
        documents += _calls_until(phone, until)
    feed(anbu, *documents, watermark("SKT", until), now=until)


def _alerts(anbu: Anbu) -> dict[str, object]:
    return {
        line.external_id: line.alert
        for line in case_views.listing(anbu)
        if line.alert.kind is AlertKind.NO_ACTIVITY
    }


def test_a_silence_through_busy_hours_rises_through_the_levels_on_one_case(anbu: Anbu) -> None:
    _enrol(anbu, _row(detection="personal", inactivity_hours=96))
    last_call = at("2026-10-29 08:00")  # the calls stop after the morning's
    _history(anbu, last_call, PHONE)

    found: dict[Level, datetime] = {}
    moment = last_call
    while moment < last_call + 4 * DAY and len(found) < 3:
        moment += HOUR
        feed(anbu, watermark("SKT", moment), now=moment)
        sweep_at(anbu, moment)
        alert = _alerts(anbu).get("SD-0001")
        if alert is not None:
            found.setdefault(alert.level, moment)  # type: ignore[attr-defined]

    (alert,) = _alerts(anbu).values()
    assert alert.level is Level.SERIOUS  # type: ignore[attr-defined]
    levels = dict(alert.levels)  # type: ignore[attr-defined]
    assert list(levels) == [Level.ATTENTION, Level.CAUTION, Level.SERIOUS]
    assert levels[Level.ATTENTION] < levels[Level.CAUTION] < levels[Level.SERIOUS]
    # Someone who calls every two hours all day is missed the next day, not two days on.
    assert levels[Level.CAUTION] - last_call < 36 * HOUR
    assert levels[Level.SERIOUS] - last_call <= 96 * HOUR
    # Each instant is when the level fell due, not the hourly sweep that saw it.
    assert levels[Level.CAUTION] <= found[Level.CAUTION]
    reason = alert.reason  # type: ignore[attr-defined]
    assert reason is not None
    assert reason.rule is Rule.PERSONAL
    assert reason.expected is not None
    assert reason.expected > 3


def test_attention_stays_out_of_the_queue_until_the_case_rises(anbu: Anbu) -> None:
    _enrol(anbu, _row(detection="personal", inactivity_hours=96))
    last_call = at("2026-10-29 08:00")
    _history(anbu, last_call, PHONE)
    with anbu.transaction() as tx:
        centre = tx.staff.centre_ids()["왕십리도선동"]
    officer = StaffUser(0, "kim", Role.OFFICER, frozenset({centre}))

    moment = last_call
    while moment < last_call + 2 * DAY:
        moment += HOUR
        feed(anbu, watermark("SKT", moment), now=moment)
        sweep_at(anbu, moment)
        alert = _alerts(anbu).get("SD-0001")
        queue = case_views.queue(anbu, officer, moment)
        if alert is None:
            continue
        if alert.level is Level.ATTENTION:  # type: ignore[attr-defined]
            assert queue == []
        else:
            assert [item.external_id for item in queue] == ["SD-0001"]
            return
    pytest.fail("the case never rose above attention")


def test_a_sign_of_life_stops_the_rise(anbu: Anbu) -> None:
    _enrol(anbu, _row(detection="personal", inactivity_hours=96))
    last_call = at("2026-10-29 08:00")
    _history(anbu, last_call, PHONE)
    moment = last_call
    while "SD-0001" not in _alerts(anbu):
        moment += HOUR
        feed(anbu, watermark("SKT", moment), now=moment)
        sweep_at(anbu, moment)
    first = _alerts(anbu)["SD-0001"]
    assert first.level is Level.ATTENTION  # type: ignore[attr-defined]

    called = moment + 10 * timedelta(minutes=1)
    feed(anbu, event(PHONE, "call_out", called, duration_s=30), now=called)
    for hours in range(1, 4):
        later = called + hours * HOUR
        feed(anbu, watermark("SKT", later), now=later)
        sweep_at(anbu, later)

    with anbu.transaction() as tx:
        after = tx.alerts.get(first.id)  # type: ignore[attr-defined]
    assert after is not None
    assert after.resumed_at == called
    assert after.level is Level.ATTENTION  # it rose no further
    # Nobody on the staff had been told: the person's own call closes it.
    assert after.outcome is Outcome.CHECKED_IN


def test_the_fixed_rule_beside_it_is_untouched(anbu: Anbu) -> None:
    _enrol(
        anbu,
        _row(detection="personal", inactivity_hours=96),
        _row(external_id="SD-0002", name="이순자", phone=OTHER),
    )
    last_call = at("2026-10-29 08:00")
    _history(anbu, last_call, PHONE, OTHER)
    moment = last_call
    while moment < last_call + 49 * HOUR:
        moment += HOUR
        feed(anbu, watermark("SKT", moment), now=moment)
        sweep_at(anbu, moment)

    fixed = _alerts(anbu)["SD-0002"]
    assert fixed.due_at == last_call + 48 * HOUR  # type: ignore[attr-defined]
    assert fixed.level is Level.SERIOUS  # type: ignore[attr-defined]
    assert fixed.levels == ((Level.SERIOUS, fixed.due_at),)  # type: ignore[attr-defined]
    assert fixed.reason.rule is Rule.FIXED  # type: ignore[attr-defined]


def test_a_centres_default_moves_those_who_follow_it_and_not_the_others(anbu: Anbu) -> None:
    _enrol(
        anbu,
        _row(),
        _row(external_id="SD-0002", name="이순자", phone=OTHER, detection="fixed"),
    )

    moved = centres.set_detection(
        anbu, "왕십리도선동", Detection.PERSONAL, by="t", now=CONSENT + HOUR
    )

    assert moved == 1
    assert centres.detection(anbu, "왕십리도선동") is Detection.PERSONAL
    with anbu.transaction() as tx:
        watches = tx.subjects.watches([1, 2], lock=False)
    assert watches[1].personal is not None
    assert watches[2].personal is None
    with pytest.raises(centres.CentreError):
        centres.detection(anbu, "없는동")


def test_a_bad_detection_value_rejects_the_row_naming_the_column(anbu: Anbu) -> None:
    data = subjects_csv(_row(detection="smart"))

    (rejected,) = list(read_subjects(data, now=CONSENT, periods=anbu.periods))

    assert getattr(rejected, "field", None) == "detection"
    assert "smart" in str(rejected)


def test_upgrading_keeps_what_a_stored_rhythm_means(anbu: Anbu) -> None:
    """Schema 0013: a rhythm stored scaled to its latest sign is rescaled to the start of
    its four-week span, so that detection reads the same rhythm as before."""
    from alembic import command

    from anbu.adapters.storage import engine as storage

    _enrol(anbu, _row(detection="personal", inactivity_hours=96))
    last_call = at("2026-10-20 08:00")
    _history(anbu, last_call, PHONE)
    with anbu.transaction() as tx:
        (watch,) = tx.subjects.watches([1], lock=False).values()
    assert watch.personal is not None
    learned = watch.personal.rhythm
    assert learned.reference is not None
    before = learned.rates(last_call, since=CONSENT, usual=watch.personal.usual)

    command.downgrade(storage.alembic_config(anbu.engine), "0012")
    # What 0012 stored: the counts as of the latest sign.
    anchor = learned.anchor
    assert anchor is not None
    scale = math.exp(-(learned.reference - anchor) / MEMORY)
    as_of_latest = array("f", [c * scale for c in learned.counts])
    with anbu.engine.begin() as connection:
        connection.execute(
            subjects.update().where(subjects.c.id == 1).values(rhythm=as_of_latest.tobytes())
        )
    assert storage.upgrade(anbu.engine, audit_link=anbu.vault.audit_link) is True

    with anbu.transaction() as tx:
        (after,) = tx.subjects.watches([1], lock=False).values()
        stored = tx.connection.scalar(select(subjects.c.rhythm).where(subjects.c.id == 1))
    assert stored is not None
    assert after.personal is not None
    rates = after.personal.rhythm.rates(last_call, since=CONSENT, usual=after.personal.usual)
    for a, b in zip(rates, before, strict=True):
        assert math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-9)


def test_a_delivery_without_a_sign_of_life_leaves_the_rhythm_as_it_was(anbu: Anbu) -> None:
    """Ingest reads and writes a rhythm only for the people who showed life; the others'
    rhythm stays whole (and their unanswered calls are still counted)."""
    _enrol(
        anbu,
        _row(detection="personal", inactivity_hours=96),
        _row(external_id="SD-0002", name="이순자", phone=OTHER, detection="personal"),
    )
    last_call = at("2026-10-20 08:00")
    _history(anbu, last_call, PHONE, OTHER)

    def stored() -> dict[str, tuple[bytes | None, bytes | None]]:
        with anbu.engine.connect() as connection:
            rows = connection.execute(
                select(subjects.c.external_id, subjects.c.rhythm, subjects.c.missed_calls)
            )
            return {ref: (rhythm, missed) for ref, rhythm, missed in rows}

    before = stored()
    assert before["SD-0001"][0] is not None
    later = last_call + 2 * HOUR
    feed(
        anbu,
        event(PHONE, "data", later),
        event(PHONE, "sms_in", later),
        event(PHONE, "call_in", later, duration_s=0),  # unanswered
        event(OTHER, "call_out", later, duration_s=60),  # a sign of life: learns
        watermark("SKT", later),
        now=later,
    )
    after = stored()
    assert after["SD-0001"][0] == before["SD-0001"][0]  # untouched by data and texts
    assert after["SD-0001"][1] is not None  # the missed call is kept
    assert after["SD-0002"][0] != before["SD-0002"][0]  # the other learned
