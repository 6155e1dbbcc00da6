"""Taking charge of a case and closing it, with who may (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import alerts, audit_log
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertState, Outcome
from anbu.domain.wording import Message
from anbu.services import cases
from anbu.services.officers import import_officers

from builders import at, event, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at

ENROLLED = at("2026-11-01 10:00")
NOW = at("2026-11-04 01:00")


def _case(anbu: Anbu) -> int:
    """SD-0001 of 왕십리도선동 falls due; staff of both centres, an operator and an admin."""
    enrol_rows(
        anbu,
        subject_row(),
        subject_row(external_id="SD-2", phone="010-2222-3333", centre="마장동"),
        now=ENROLLED,
    )
    staff = officers_csv(
        officer_row(),
        officer_row(login="park.other", centres="마장동", phone="010-9000-0003"),
        officer_row(login="ops", role="operator", centres="", phone="010-9000-0004"),
        officer_row(login="admin", role="admin", centres="", phone="010-9000-0005"),
    )
    import_officers(anbu, read_officers(staff), now=ENROLLED, actor="t")
    called = event("010-2222-3333", "call_out", at("2026-11-03 09:00"))
    feed(anbu, called, watermark("SKT", at("2026-11-04 00:00")), now=NOW)
    (opened,) = sweep_at(anbu, NOW).opened
    return opened.id


def _row(anbu: Anbu, alert_id: int) -> tuple[str, str | None, str | None, str | None]:
    with anbu.transaction() as store:
        row = store.connection.execute(select(alerts).where(alerts.c.id == alert_id)).one()
    return row.state, row.acknowledged_by, row.outcome, row.resolution_note


def test_it_lets_an_officer_take_charge_of_their_centres_case_once(anbu: Anbu) -> None:
    alert_id = _case(anbu)
    cases.acknowledge(anbu, alert_id, by="kim.officer", now=NOW)
    assert _row(anbu, alert_id)[:2] == (AlertState.ACKNOWLEDGED.value, "kim.officer")
    with pytest.raises(cases.CaseConflict, match="already"):
        cases.acknowledge(anbu, alert_id, by="admin", now=NOW)


def test_it_answers_not_found_to_an_officer_of_another_centre(anbu: Anbu) -> None:
    alert_id = _case(anbu)
    with pytest.raises(cases.CaseNotFound) as other_centre:
        cases.acknowledge(anbu, alert_id, by="park.other", now=NOW)
    missing = Message("case.not_found", alert=alert_id, login="park.other")
    assert other_centre.value.reason == missing
    with pytest.raises(cases.CaseNotFound) as operator:
        cases.resolve(anbu, alert_id, Outcome.SAFE, by="ops", note="", now=NOW)
    assert operator.value.reason == Message("case.not_found", alert=alert_id, login="ops")
    assert _row(anbu, alert_id)[0] == AlertState.OPEN.value


def test_it_closes_a_case_with_its_outcome_and_reason(anbu: Anbu) -> None:
    alert_id = _case(anbu)
    cases.resolve(
        anbu, alert_id, Outcome.FALSE_ALARM, by="kim.officer", note="휴대전화 분실", now=NOW
    )
    # The reason may describe the person: it is kept sealed on the case, not in the clear.
    assert _row(anbu, alert_id)[2:] == ("false_alarm", None)
    with anbu.transaction() as store:
        (noted,) = store.case_events.of(alert_id)
    assert noted.kind == "note"
    assert noted.sealed_note is not None
    assert "휴대전화 분실".encode() not in noted.sealed_note
    assert anbu.vault.open(noted.sealed_note, bound_to=f"case:{alert_id}") == {
        "note": "휴대전화 분실"
    }
    with pytest.raises(cases.CaseConflict, match="already resolved"):
        cases.resolve(anbu, alert_id, Outcome.SAFE, by="admin", note="", now=NOW)
    with anbu.transaction() as store:
        actions = list(store.connection.scalars(select(audit_log.c.action)))
    assert "alert.resolved" in actions


def test_it_keeps_the_systems_outcomes_to_the_system(anbu: Anbu) -> None:
    alert_id = _case(anbu)
    with pytest.raises(cases.CaseInvalid, match="not one an officer records"):
        cases.resolve(anbu, alert_id, Outcome.FEED_RECOVERED, by="admin", note="", now=NOW)


def test_it_refuses_someone_who_is_not_staff(anbu: Anbu) -> None:
    alert_id = _case(anbu)
    with pytest.raises(cases.CaseNotFound) as refused:
        cases.acknowledge(anbu, alert_id, by="stranger", now=NOW)
    assert refused.value.reason == Message("staff.not_active", login="stranger")
