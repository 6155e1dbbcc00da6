"""The simulated district `anbu evaluate` scores detection on: the same seed makes the same
district, its incidents are planted where they can be scored, a person who has stopped does
nothing on the phone afterwards, and the carriers deliver every line (the stalled one
late, never early). And the scoring: what finds an incident, what is a false alert."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from anbu.adapters.storage.case_views import AlertLine, AlertPerson
from anbu.domain.alerts import Alert
from anbu.domain.escalation import EscalationPolicy
from anbu.domain.kinds import ActivityKind, AlertKind, Carrier
from anbu.entrypoints.evaluation.district import delivered, simulate, subjects_csv
from anbu.entrypoints.evaluation.scoring import Score, delay_against_fixed, score
from anbu.services.backtest import Findings

LIFE = {ActivityKind.CALL_OUT, ActivityKind.SMS_OUT}


@pytest.fixture(scope="module")
def district():  # type: ignore[no-untyped-def]
    return simulate(seed=7, people=120, days=28)


def test_the_same_seed_makes_the_same_district() -> None:
    first, again = simulate(3, 40, 21), simulate(3, 40, 21)
    assert first.residents == again.residents
    assert first.traces == again.traces
    assert first.incidents == again.incidents
    assert simulate(4, 40, 21).traces != first.traces


def test_incidents_strike_inside_the_scored_window_with_room_to_be_found(district) -> None:  # type: ignore[no-untyped-def]
    assert 4 <= len(district.incidents) <= 30
    for struck in district.incidents.values():
        assert district.scored_from <= struck <= district.end - timedelta(days=4)


def test_after_the_incident_nothing_the_person_does_reaches_the_phone(district) -> None:  # type: ignore[no-untyped-def]
    for reference, struck in district.incidents.items():
        after = [t for t in district.traces[reference] if t.at >= struck]
        assert not [t for t in after if t.kind in LIFE]
        assert not [t for t in after if t.kind is ActivityKind.CALL_IN and t.duration_s]
        life = district.lives[reference]
        assert life.battery_dies_at is not None
        assert not [t for t in after if t.at > life.battery_dies_at]


def test_people_differ_and_most_show_life_every_few_days(district) -> None:  # type: ignore[no-untyped-def]
    kinds = {life.persona.kind for life in district.lives.values()}
    assert {"quiet", "typical", "talkative"} <= kinds
    daily = [
        sum(1 for t in found if t.kind in LIFE) / 28
        for ref, found in district.traces.items()
        if ref not in district.incidents
    ]
    assert min(daily) < 1.0 < 5.0 < max(daily)


def test_the_carriers_deliver_every_line_stamped_no_earlier_than_it_happened(district) -> None:  # type: ignore[no-untyped-def]
    lines = [json.loads(line) for line in delivered(district).splitlines()]
    events = [d for d in lines if d["kind"] != "watermark"]
    assert len(events) == sum(len(found) for found in district.traces.values())
    for document in events:
        assert document["received_at"] >= document["occurred_at"]
    outage = district.outage
    stalled = [
        d
        for d in lines
        if d["carrier"] == outage.carrier.value
        and outage.starts_at.isoformat() <= d["received_at"] < outage.ends_at.isoformat()
    ]
    assert stalled == []  # nothing at all from the stalled carrier while it is down


def test_the_subjects_file_carries_the_policy(district) -> None:  # type: ignore[no-untyped-def]
    fixed = subjects_csv(district, 72, None).decode().splitlines()
    personal = subjects_csv(district, 96, "personal").decode().splitlines()
    assert fixed[0].endswith("consent_at")
    assert fixed[1].split(",")[7] == "72"
    assert personal[0].endswith("consent_at,detection")
    assert personal[1].endswith(",personal")


def _line(reference: str, due: datetime, kind: AlertKind = AlertKind.NO_ACTIVITY) -> AlertLine:
    alert = Alert.for_person(
        subject_id=1,
        centre_id=1,
        carrier=Carrier.SKT,
        kind=kind,
        base_at=due - timedelta(hours=48),
        due_at=due,
        now=due,
        policy=EscalationPolicy(),
    )
    return AlertLine(replace(alert, id=1), AlertPerson(1, reference, "마장동", b""))


def test_scoring_tells_a_found_incident_from_a_false_alert(district) -> None:  # type: ignore[no-untyped-def]
    (victim, struck), *_ = sorted(district.incidents.items())
    alive = next(r.reference for r in district.residents if r.reference not in district.incidents)
    found = Findings(
        [
            _line(victim, struck - timedelta(hours=5)),  # before: they were alive
            _line(victim, struck + timedelta(hours=30)),  # finds them, 30 hours late
            _line(victim, struck + timedelta(hours=40), AlertKind.PHONE_OFF),
            _line(alive, district.scored_from + timedelta(days=1)),
            _line(alive, district.scored_from - timedelta(days=1)),  # before the window
        ],
        self_checks=0,
        staff_messages=0,
    )

    result = score("test", district, found, officers=6)

    assert result.missed == len(district.incidents) - 1
    assert result.delay_median_h == pytest.approx(30.0)
    months = (district.end - district.scored_from) / timedelta(days=30)
    people = len(district.residents)
    assert result.false_alerts_per_1000_month == pytest.approx(2 / people * 1000 / months)


def _score(policy: str, delay: float | None, false_alerts: float) -> Score:
    return Score(policy, 30, 0, delay, None, false_alerts, 0.0, 0.0)


FIXED_CURVE = [
    _score("fixed 24h", 20.0, 3000.0),
    _score("fixed 48h", 40.0, 800.0),
    _score("fixed 72h", 60.0, 400.0),
    _score("fixed 96h", 80.0, 200.0),
]


def test_personal_delay_is_read_against_the_fixed_curve_at_its_false_alert_rate() -> None:
    # 600 false alerts lie halfway between 48 h (800) and 72 h (400): the curve says 50 h.
    personal = _score("personal", 25.0, 600.0)
    assert delay_against_fixed(personal, [*FIXED_CURVE, personal]) == 0.5
    on_a_point = _score("personal", 30.0, 800.0)
    assert delay_against_fixed(on_a_point, FIXED_CURVE) == 0.75


def test_outside_the_fixed_curve_there_is_nothing_to_compare_with() -> None:
    assert delay_against_fixed(_score("personal", 10.0, 50.0), FIXED_CURVE) is None
    assert delay_against_fixed(_score("personal", 10.0, 9000.0), FIXED_CURVE) is None
    assert delay_against_fixed(_score("personal", None, 600.0), FIXED_CURVE) is None
