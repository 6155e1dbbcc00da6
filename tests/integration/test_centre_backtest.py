"""`anbu backtest --centre` underneath, on SQLite and PostgreSQL: a centre's live history —
people, events as received, the cases its officers closed — replayed in a scratch database.
Under the rule it runs today the replay finds exactly the cases the live system raised,
each matched to its officer's verdict; nothing in the live database changes but one audit
line; personal detection can be asked the same question."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from anbu.adapters.storage.tables import activity_events, alerts, audit_log, subjects
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertKind, Detection
from anbu.entrypoints import backtesting
from anbu.services import centre_history
from centre_life import CENTRE, END, HOUR, live


def _counts(anbu: Anbu) -> tuple[int, int, int]:
    with anbu.engine.connect() as connection:
        return (
            connection.scalar(select(func.count()).select_from(alerts)) or 0,
            connection.scalar(select(func.count()).select_from(activity_events)) or 0,
            connection.scalar(select(func.count()).select_from(subjects)) or 0,
        )


@pytest.fixture
def lived(anbu: Anbu) -> Anbu:
    live(anbu)
    return anbu


def _replay(anbu: Anbu, detection: Detection | None) -> tuple[Any, centre_history.Scored]:
    history = centre_history.read(anbu, CENTRE, days=40, now=END, detection=detection, actor="lead")
    result = backtesting.run(
        anbu.settings,
        history.people,
        history.lines,
        listed_at=END,
        start=history.since,
        end=history.until,
    )
    return result, centre_history.score(result.findings.alerts, history.cases)


def test_under_todays_rule_the_replay_finds_exactly_the_cases_officers_worked(
    lived: Anbu,
) -> None:
    before = _counts(lived)
    result, scored = _replay(lived, None)

    found = sorted(
        (line.external_id, line.alert.base_at)
        for line in result.findings.alerts
        if line.alert.kind is AlertKind.NO_ACTIVITY
    )
    assert [ref for ref, _ in found] == ["SD-0001", "SD-0002"]
    assert scored.cases == 2
    assert (scored.needed, scored.needed_found, scored.needed_missed) == (1, 1, 0)
    assert (scored.false_alarms, scored.false_alarms_raised) == (1, 1)
    assert scored.unjudged == 0
    assert scored.earlier_h_median == 0.0  # the same rule tells staff at the same instant
    # The live database is as it was, but for the one line saying who read it.
    assert _counts(lived) == before
    with lived.engine.connect() as connection:
        actions = list(connection.scalars(select(audit_log.c.action)))
    assert actions.count("backtest.centre_read") == 1


def test_personal_detection_asked_the_same_question_still_finds_the_needed_case(
    lived: Anbu,
) -> None:
    result, scored = _replay(lived, Detection.PERSONAL)
    assert scored.needed_found == 1
    assert scored.needed_missed == 0
    # Never later than the rule it replaces: its period is personal detection's maximum.
    assert scored.earlier_h_median is not None
    assert scored.earlier_h_median >= 0
    silences = {
        line.external_id: line.alert
        for line in result.findings.alerts
        if line.alert.kind is AlertKind.NO_ACTIVITY
    }
    first_level, first_at = silences["SD-0001"].levels[0]
    assert first_level.value == "attention"  # the person texted first…
    assert first_at < silences["SD-0001"].base_at + 48 * HOUR  # …before the 48 hours ran out


def test_an_unknown_centre_is_named(lived: Anbu) -> None:
    with pytest.raises(centre_history.UnknownCentreError):
        centre_history.read(lived, "없는동", days=30, now=END, detection=None, actor="lead")
