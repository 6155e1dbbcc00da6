"""A case whose person nobody could reach waits for a visit, on SQLite and PostgreSQL, on a
controlled clock: it stays open at the head of the queue and in the API's open list, it
escalates until somebody takes the visit, a duty-desk case marked at night is handed to the
centre's officers at the next opening, and it closes only with a visit and its result. Also
the repository's conditional save against the real databases, and the migration that opened
again the cases once closed as "unreachable"."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage import engine as storage
from anbu.adapters.storage.tables import alerts, audit_log, notifications, officers
from anbu.bootstrap import Anbu
from anbu.domain.alerts import ContactKind, ContactResult, Refusal
from anbu.domain.kinds import AlertKind, AlertState, Outcome, Role
from anbu.domain.notifications import Medium, Phase, StepRef
from anbu.services import case_views, cases
from anbu.services.accounts import StaffUser
from anbu.services.dispatch import dispatch
from anbu.services.officers import import_officers

from builders import at, event, officer_row, officers_csv, subject_row, watermark
from flows import FakeChannel, enrol_rows, feed, sweep_at

ENROLLED = at("2026-11-01 10:00")
WEDNESDAY_10 = at("2026-11-04 10:00")  # office hours
SATURDAY_03 = at("2026-11-07 03:00")
MONDAY_9 = at("2026-11-09 09:00")
HOUR = timedelta(hours=1)
KIM, PARK, LEE, DUTY = "kim.officer", "park.officer", "lee.lead", "duty.desk"


def _district(anbu: Anbu) -> None:
    """SD-0001 and SD-0002 of 왕십리도선동, silent since consent; two officers, a lead, the
    duty desk."""
    enrol_rows(
        anbu,
        subject_row(),
        subject_row(external_id="SD-0002", name="이순자", phone="010-2222-3333"),
        now=ENROLLED,
    )
    staff = (
        officer_row(),
        officer_row(login=PARK, phone="010-9000-0005", email="park@seongdong.example"),
        officer_row(login=LEE, role="lead", phone="010-9000-0002", email="lee@seongdong.example"),
        officer_row(login=DUTY, role="duty", centres="", phone="010-9000-0003", email=""),
    )
    report = import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="t")
    assert not report.rejected, report.rejected


def _open_at(anbu: Anbu, when: datetime) -> dict[str, int]:
    """The two people's alerts, opened at `when` (their carrier's data is complete to it)."""
    feed(anbu, watermark("SKT", when), now=when)
    opened = sweep_at(anbu, when).opened
    with anbu.transaction() as store:
        lines = {line.id: line.external_id for line in store.cases.listing()}
    return {str(lines[o.id]): o.id for o in opened}


def _unreachable(anbu: Anbu, alert_id: int, by: str, now: datetime) -> None:
    cases.record_contact(
        anbu,
        alert_id,
        by=by,
        kind=ContactKind.CALL,
        result=ContactResult.NOT_REACHED,
        note="",
        now=now,
    )
    cases.need_visit(anbu, alert_id, by=by, note="세 번 전화했으나 받지 않으심", now=now)


def _told(anbu: Anbu, alert_id: int, step: str) -> set[tuple[str, str]]:
    """(login, medium) of each message of one step of one alert."""
    with anbu.transaction() as store:
        ids = {
            i: login
            for i, login in store.connection.execute(select(officers.c.id, officers.c.login))
        }
        rows = store.outbox.listing(alert_id)
    return {(ids[r.officer_id], r.medium) for r in rows if r.step == step and r.officer_id}


def _state(anbu: Anbu, alert_id: int) -> AlertState:
    with anbu.transaction() as store:
        found = store.alerts.get(alert_id)
    assert found is not None
    return found.state


def test_it_keeps_a_case_nobody_could_reach_open_at_the_head_of_the_queue(anbu: Anbu) -> None:
    _district(anbu)
    opened = _open_at(anbu, WEDNESDAY_10)
    # SD-0001 taken charge of; SD-0002 nobody has acknowledged, which used to come first.
    cases.acknowledge(anbu, opened["SD-0001"], by=KIM, now=WEDNESDAY_10 + HOUR / 4)
    _unreachable(anbu, opened["SD-0001"], KIM, WEDNESDAY_10 + HOUR / 2)

    with anbu.transaction() as store:
        centre = store.staff.centre_ids()["왕십리도선동"]
    kim = StaffUser(0, KIM, Role.OFFICER, frozenset({centre}))
    queue = case_views.queue(anbu, kim, WEDNESDAY_10 + HOUR)
    listed = case_views.alert_list(
        anbu, kim, open_only=True, before=None, limit=10, now=WEDNESDAY_10 + HOUR
    )

    assert [i.external_id for i in queue] == ["SD-0001", "SD-0002"]
    assert (queue[0].state, queue[1].state) == (AlertState.VISIT_NEEDED, AlertState.OPEN)
    assert opened["SD-0001"] in {item.alert.id for item in listed}
    assert _state(anbu, opened["SD-0001"]) is AlertState.VISIT_NEEDED


def test_it_escalates_a_case_waiting_for_a_visit_until_somebody_takes_it(anbu: Anbu) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)["SD-0001"]
    marked = WEDNESDAY_10 + HOUR / 2
    _unreachable(anbu, alert_id, KIM, marked)

    sweep_at(anbu, marked)
    assert _told(anbu, alert_id, "v0") == {
        (KIM, "sms"),
        (KIM, "email"),
        (PARK, "sms"),
        (PARK, "email"),
    }
    sweep_at(anbu, marked + HOUR - timedelta(seconds=1))
    assert _told(anbu, alert_id, "v1") == set()  # not a second early
    sweep_at(anbu, marked + HOUR)
    assert _told(anbu, alert_id, "v1") == {(LEE, "sms"), (LEE, "email")}
    with anbu.transaction() as store:
        (text,) = store.connection.scalars(
            select(notifications.c.body).where(
                notifications.c.alert_id == alert_id,
                notifications.c.step == "v1",
                notifications.c.medium == "sms",
            )
        )
    assert text.startswith("[상향 알림·1시간 방문 담당 없음] [안부·방문 필요]")

    cases.claim(anbu, alert_id, by=PARK, now=marked + HOUR + HOUR / 4)
    sweep_at(anbu, marked + 5 * HOUR)
    assert _told(anbu, alert_id, "v2") == set()  # somebody is on their way

    cases.release(anbu, alert_id, by=PARK, now=marked + 5 * HOUR)
    sweep_at(anbu, marked + 5 * HOUR)  # given back in office hours: the next tier, now
    assert {login for login, _ in _told(anbu, alert_id, "v2")} == {DUTY}


def test_a_case_the_duty_desk_marks_at_night_goes_to_the_centre_in_the_morning(
    anbu: Anbu,
) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, SATURDAY_03)["SD-0001"]
    assert {login for login, _ in _told(anbu, alert_id, "u0")} == {DUTY}  # out of hours
    cases.acknowledge(anbu, alert_id, by=DUTY, now=SATURDAY_03 + HOUR / 4)
    _unreachable(anbu, alert_id, DUTY, SATURDAY_03 + HOUR / 2)

    for quiet in (SATURDAY_03 + HOUR, SATURDAY_03 + 12 * HOUR, MONDAY_9 - timedelta(minutes=1)):
        sweep_at(anbu, quiet)
    with anbu.transaction() as store:
        steps = {r.step for r in store.outbox.listing(alert_id)}
    assert not any(step.startswith("v") for step in steps)  # nobody woken overnight

    sweep_at(anbu, MONDAY_9)
    assert _told(anbu, alert_id, "v0") == {
        (KIM, "sms"),
        (KIM, "email"),
        (PARK, "sms"),
        (PARK, "email"),
    }


def test_it_closes_a_case_waiting_for_a_visit_only_with_a_visit_and_its_result(
    anbu: Anbu,
) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)["SD-0001"]
    _unreachable(anbu, alert_id, KIM, WEDNESDAY_10 + HOUR / 2)

    with pytest.raises(cases.CaseConflict) as before_visit:
        cases.resolve(anbu, alert_id, Outcome.SAFE, by=KIM, note="", now=WEDNESDAY_10 + HOUR)
    assert before_visit.value.reason is Refusal.VISIT_FIRST
    cases.claim(anbu, alert_id, by=KIM, now=WEDNESDAY_10 + HOUR)
    cases.record_contact(
        anbu,
        alert_id,
        by=KIM,
        kind=ContactKind.VISIT,
        result=ContactResult.REACHED,
        note="쓰러져 계셔서 119 이송",
        now=WEDNESDAY_10 + 2 * HOUR,
    )
    with pytest.raises(cases.CaseConflict) as not_a_visit_result:
        cases.resolve(
            anbu, alert_id, Outcome.FALSE_ALARM, by=KIM, note="", now=WEDNESDAY_10 + 2 * HOUR
        )
    assert not_a_visit_result.value.reason is Refusal.VISIT_OUTCOME_NEEDED
    assert _state(anbu, alert_id) is AlertState.VISIT_NEEDED

    closed = cases.resolve(
        anbu, alert_id, Outcome.HOSPITALISED, by=KIM, note="", now=WEDNESDAY_10 + 2 * HOUR
    )

    assert (closed.state, closed.outcome, closed.resolved_by) == (
        AlertState.RESOLVED,
        Outcome.HOSPITALISED,
        KIM,
    )
    with anbu.transaction() as store:
        actions = list(store.connection.scalars(select(audit_log.c.action)))
    assert {"alert.visit_needed", "alert.visit", "alert.resolved"} <= set(actions)


def test_a_later_sign_of_life_lets_it_close_and_stops_its_escalation(anbu: Anbu) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)["SD-0001"]
    _unreachable(anbu, alert_id, KIM, WEDNESDAY_10 + HOUR / 2)
    sweep_at(anbu, WEDNESDAY_10 + HOUR / 2)  # v0 queued…
    channels = {m: FakeChannel(m) for m in Medium}
    dispatch(anbu, channels, now=WEDNESDAY_10 + HOUR / 2)  # …and out
    called = WEDNESDAY_10 + HOUR
    feed(anbu, event("010-1234-5678", "call_out", called), now=called)

    sweep_at(anbu, called + 3 * HOUR)

    with anbu.transaction() as store:
        steps = {r.step for r in store.outbox.listing(alert_id)}
        alert = store.alerts.get(alert_id)
    assert alert is not None
    assert alert.resumed_at == called
    assert "follow-up" in steps
    assert "v1" not in steps  # the escalation stopped with the sign of life
    closed = cases.resolve(anbu, alert_id, Outcome.SAFE, by=KIM, note="", now=called + 4 * HOUR)
    assert closed.outcome is Outcome.SAFE


def test_a_feed_alert_has_nobody_to_visit(anbu: Anbu) -> None:
    _district(anbu)
    feed(anbu, watermark("SKT", WEDNESDAY_10), now=WEDNESDAY_10)
    (stale,) = [
        o for o in sweep_at(anbu, WEDNESDAY_10 + 7 * HOUR).opened if o.kind is AlertKind.FEED_STALE
    ]
    import_officers(
        anbu,
        read_officers(officers_csv(officer_row(login="admin", role="admin", centres=""))),
        now=WEDNESDAY_10,
        actor="t",
    )
    for act in (
        lambda: cases.claim(anbu, stale.id, by="admin", now=WEDNESDAY_10 + 8 * HOUR),
        lambda: cases.need_visit(anbu, stale.id, by="admin", note="", now=WEDNESDAY_10),
        lambda: cases.resolve(anbu, stale.id, Outcome.SAFE, by="admin", note="", now=WEDNESDAY_10),
    ):
        with pytest.raises(cases.CaseConflict):
            act()


def test_the_database_refuses_a_save_from_a_stale_read_and_keeps_a_commuting_one(
    anbu: Anbu,
) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)["SD-0001"]
    with anbu.transaction() as store:
        first = store.alerts.get(alert_id)
        second = store.alerts.get(alert_id)
        third = store.alerts.get(alert_id)
    assert first is not None
    assert second is not None
    assert third is not None
    with anbu.transaction() as store:
        assert store.alerts.save(first.resumed(WEDNESDAY_10 + HOUR / 2), first)
    with anbu.transaction() as store:
        # Read before the sign of life was saved: it would be undone, and is refused.
        assert not store.alerts.save(second.resumed(WEDNESDAY_10 + HOUR), second)
    with anbu.transaction() as store:
        # A failed delivery moves only the step's due time: it commutes, and is kept.
        failed = third.delivery_failed(
            StepRef(Phase.UNACKNOWLEDGED, 0), WEDNESDAY_10 + HOUR / 4, others_reached=False
        )
        assert failed != third
        assert store.alerts.save(failed, third)
        now_stored = store.alerts.get(alert_id)
    assert now_stored is not None
    assert (now_stored.resumed_at, now_stored.step_due_at) == (
        WEDNESDAY_10 + HOUR / 2,
        WEDNESDAY_10 + HOUR / 4,
    )
    with anbu.transaction() as store:
        assert store.alerts.save(now_stored.claim(KIM, WEDNESDAY_10), now_stored)
    with anbu.transaction() as store:
        # Read before Kim took the visit: Park's claim would undo his, and is refused.
        assert not store.alerts.save(now_stored.claim(PARK, WEDNESDAY_10), now_stored)
        assert store.alerts.get(alert_id).claimed_by == KIM  # type: ignore[union-attr]


def test_upgrading_opens_again_the_cases_closed_as_unreachable(anbu: Anbu) -> None:
    """Schema 0011: a case once closed as "unreachable, visit needed" is open again and
    waiting for a visit; an older one of the same person and kind, followed by a newer
    case, stays closed as superseded by it."""
    from alembic import command

    _district(anbu)
    opened = _open_at(anbu, WEDNESDAY_10)
    command.downgrade(storage.alembic_config(anbu.engine), "0010")
    later = WEDNESDAY_10 + 30 * HOUR
    later_columns = {
        "visit_needed_at",
        "visited_at",
        "level",
        "attention_at",
        "caution_at",
        "serious_at",
        "reason",
    }
    before_0011 = [c for c in alerts.c if c.name not in later_columns]
    with anbu.engine.begin() as connection:
        rows = connection.execute(
            select(*before_0011).where(alerts.c.id.in_(list(opened.values())))
        ).all()
        by_ref = {ref: next(r for r in rows if r.id == i) for ref, i in opened.items()}
        unreachable = {
            "state": "resolved",
            "outcome": "unreachable_visit_needed",
            "resolved_by": KIM,
            "resolved_at": WEDNESDAY_10 + HOUR,
            "step_due_at": None,
        }
        connection.execute(
            alerts.update().where(alerts.c.id == opened["SD-0001"]).values(**unreachable)
        )
        connection.execute(
            alerts.update().where(alerts.c.id == opened["SD-0002"]).values(**unreachable)
        )
        # SD-0002 fell silent again and has a newer case open: the old one is superseded.
        newer = {k: v for k, v in by_ref["SD-0002"]._mapping.items() if k != "id"}
        newer.update(state="open", base_at=later, due_at=later, opened_at=later + HOUR)
        connection.execute(insert(alerts).values(**newer))

    assert storage.upgrade(anbu.engine, audit_link=anbu.vault.audit_link) is True

    with anbu.transaction() as store:
        reopened = store.alerts.get(opened["SD-0001"])
        superseded = store.alerts.get(opened["SD-0002"])
    assert reopened is not None
    assert superseded is not None
    assert (reopened.state, reopened.outcome, reopened.resolved_at) == (
        AlertState.VISIT_NEEDED,
        None,
        None,
    )
    assert reopened.visit_needed_at == WEDNESDAY_10 + HOUR
    assert reopened.acknowledged_by == KIM
    assert reopened.step_due_at == WEDNESDAY_10 + HOUR  # the centre is told at the next sweep
    assert reopened.violations() == []
    assert (superseded.state, superseded.outcome) == (AlertState.RESOLVED, Outcome.SUPERSEDED)
    sweep_at(anbu, WEDNESDAY_10 + 25 * HOUR)  # Thursday 11:00, in office hours
    assert {login for login, _ in _told(anbu, opened["SD-0001"], "v0")} == {KIM, PARK}
