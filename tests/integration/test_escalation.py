"""Escalation with a controlled clock, on SQLite and PostgreSQL: tiers at their deadlines,
acknowledgement, office hours and holidays, the self-check, follow-ups, failed deliveries,
acknowledgement links, delivery reports and a channel that is down."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from anbu.adapters.channels import DeliveryError, Medium
from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import alerts, notifications, officers
from anbu.bootstrap import Anbu
from anbu.domain.alerts import Alert
from anbu.domain.escalation import EscalationPolicy
from anbu.domain.kinds import AlertKind, AlertState, Outcome
from anbu.services import ack_links, cases, centres, delivery_reports
from anbu.services.claims import LEASE
from anbu.services.dispatch import dispatch
from anbu.services.escalation import escalate
from anbu.services.officers import import_officers
from anbu.services.replies import record_reply

from builders import at, event, officer_row, officers_csv, subject_row, watermark
from flows import FakeChannel, enrol_rows, feed, sweep_at

ENROLLED = at("2026-11-01 10:00")
WEDNESDAY_10 = at("2026-11-04 10:00")  # office hours
SATURDAY_03 = at("2026-11-07 03:00")
CHRISTMAS_10 = at("2026-12-25 10:00")  # a Friday, and a public holiday
HOUR = timedelta(hours=1)

KIM, LEE, DUTY, OPS = "kim.officer", "lee.lead", "duty.desk", "ops"


def _district(anbu: Anbu) -> None:
    enrol_rows(anbu, subject_row(), now=ENROLLED)
    staff = (
        officer_row(),
        officer_row(login=LEE, role="lead", phone="010-9000-0002", email="lee@seongdong.example"),
        officer_row(login=DUTY, role="duty", centres="", phone="010-9000-0003", email=""),
        officer_row(login=OPS, role="operator", centres="", phone="010-9000-0004"),
    )
    report = import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="t")
    assert not report.rejected, report.rejected


def _open_at(anbu: Anbu, when: datetime) -> int:
    """SD-0001 has been silent since consent; the carrier's data is complete to `when`."""
    feed(anbu, watermark("SKT", when), now=when)
    (opened,) = sweep_at(anbu, when).opened
    return opened.id


def _told(anbu: Anbu, step: str | None = None) -> set[str]:
    """Who has a notification (of one step): staff by login, else 'subject'/'guardian'."""
    with anbu.transaction() as store:
        ids = {
            i: login
            for i, login in store.connection.execute(select(officers.c.id, officers.c.login))
        }
        rows = store.outbox.listing()
    return {
        ids[row.officer_id] if row.officer_id is not None else row.recipient
        for row in rows
        if step is None or row.step == step
    }


def _bodies(anbu: Anbu, step: str) -> list[str]:
    with anbu.transaction() as store:
        query = select(notifications.c.body).where(notifications.c.step == step)
        return [str(body) for body in store.connection.scalars(query)]


def _steps(anbu: Anbu) -> list[str]:
    with anbu.transaction() as store:
        return sorted({row.step for row in store.outbox.listing()})


def _alert(anbu: Anbu, alert_id: int) -> Alert:
    with anbu.transaction() as store:
        found = store.alerts.get(alert_id)
    assert found is not None
    return found


def _channels(**failures: list[DeliveryError]) -> dict[Medium, FakeChannel]:
    return {m: FakeChannel(m, failures.get(m.value)) for m in Medium}


def test_an_unacknowledged_alert_climbs_a_tier_at_each_deadline(anbu: Anbu) -> None:
    _district(anbu)
    _open_at(anbu, WEDNESDAY_10)
    assert _told(anbu, "u0") == {KIM}  # the centre's officers; the lead is the next tier
    sweep_at(anbu, WEDNESDAY_10 + HOUR - timedelta(seconds=1))
    assert _steps(anbu) == ["u0"]  # not a second early
    sweep_at(anbu, WEDNESDAY_10 + HOUR)
    assert _told(anbu, "u1") == {LEE}
    # The lead is told it is an escalation, and for how long nobody has answered.
    assert {body.split("]")[0] for body in _bodies(anbu, "u1")} == {"[상향 알림·1시간 미접수"}
    assert not any(body.startswith("[상향") for body in _bodies(anbu, "u0"))
    sweep_at(anbu, WEDNESDAY_10 + 2 * HOUR)
    assert _told(anbu, "u2") == {DUTY}
    for hours in range(3, 10):  # three reminders to the last tier, then quiet
        sweep_at(anbu, WEDNESDAY_10 + hours * HOUR)
    assert _steps(anbu) == ["u0", "u1", "u2", "u3", "u4", "u5"]
    assert _told(anbu, "u5") == {DUTY}


def test_an_acknowledgement_stops_escalation_and_expects_a_contact(anbu: Anbu) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)
    cases.acknowledge(anbu, alert_id, by=KIM, now=WEDNESDAY_10 + 30 * timedelta(minutes=1))
    for hours in (1, 2, 3, 4):
        sweep_at(anbu, WEDNESDAY_10 + hours * HOUR)
    assert _steps(anbu) == ["u0"]
    sweep_at(anbu, WEDNESDAY_10 + timedelta(hours=4, minutes=30))  # ack + 4 h, no contact
    assert _told(anbu, "a0") == {KIM}
    sweep_at(anbu, WEDNESDAY_10 + timedelta(hours=8, minutes=30))  # 18:30: after hours
    assert _told(anbu, "a1") == {LEE}  # the lead, whatever the hour
    cases.resolve(anbu, alert_id, Outcome.SAFE, by=KIM, note="", now=WEDNESDAY_10 + 9 * HOUR)
    sweep_at(anbu, WEDNESDAY_10 + 20 * HOUR)
    assert _steps(anbu) == ["a0", "a1", "u0"]


def test_a_contact_recorded_in_time_means_no_reminder(anbu: Anbu) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)
    cases.acknowledge(anbu, alert_id, by=KIM, now=WEDNESDAY_10)
    cases.resolve(anbu, alert_id, Outcome.SAFE, by=KIM, note="통화함", now=WEDNESDAY_10 + HOUR)
    sweep_at(anbu, WEDNESDAY_10 + 10 * HOUR)
    assert _steps(anbu) == ["u0"]
    assert _alert(anbu, alert_id).state is AlertState.RESOLVED


@pytest.mark.parametrize("when", [SATURDAY_03, CHRISTMAS_10], ids=["night", "holiday"])
def test_outside_office_hours_the_duty_desk_is_told_not_the_centre(
    anbu: Anbu, when: datetime
) -> None:
    _district(anbu)
    _open_at(anbu, when)
    assert _told(anbu) == {DUTY}


def test_the_self_check_reply_closes_the_case_without_bothering_an_officer(anbu: Anbu) -> None:
    _district(anbu)
    centres.set_policy(anbu, "왕십리도선동", json.dumps({"self_check": True}), by="t", now=ENROLLED)
    alert_id = _open_at(anbu, WEDNESDAY_10)
    assert _told(anbu) == {"subject"}
    channels = _channels()
    dispatch(anbu, channels, now=WEDNESDAY_10)
    (text,) = channels[Medium.SMS].sent
    assert (text.address, "1을 회신" in text.text) == ("+821012345678", True)
    result = record_reply(
        anbu, "01012345678", "kannel-77", WEDNESDAY_10 + 10 * timedelta(minutes=1)
    )
    assert result.known
    assert result.closed == [alert_id]
    alert = _alert(anbu, alert_id)
    assert alert.state is AlertState.RESOLVED
    sweep_at(anbu, WEDNESDAY_10 + 5 * HOUR)
    assert _told(anbu) == {"subject"}  # no officer was ever told


def test_an_unanswered_self_check_is_tried_twice_then_the_centre_is_told(anbu: Anbu) -> None:
    _district(anbu)
    centres.set_policy(anbu, "왕십리도선동", json.dumps({"self_check": True}), by="t", now=ENROLLED)
    _open_at(anbu, WEDNESDAY_10)
    sweep_at(anbu, WEDNESDAY_10 + HOUR)
    assert _told(anbu, "u1") == {"subject"}
    sweep_at(anbu, WEDNESDAY_10 + 2 * HOUR)
    assert _told(anbu, "u2") == {KIM}


def test_a_reply_from_a_stranger_changes_nothing(anbu: Anbu) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)
    result = record_reply(anbu, "010-5555-0000", "k9", WEDNESDAY_10)
    assert (result.known, result.closed) == (False, [])
    assert record_reply(anbu, "not a number", "k10", WEDNESDAY_10).known is False
    assert _alert(anbu, alert_id).state is AlertState.OPEN


def test_the_policy_in_force_when_the_alert_opened_is_the_one_followed(anbu: Anbu) -> None:
    _district(anbu)
    _open_at(anbu, WEDNESDAY_10)
    faster = {"tiers": [{"audience": "centre", "wait": 10}, {"audience": "duty", "wait": 10}]}
    centres.set_policy(anbu, "왕십리도선동", json.dumps(faster), by="t", now=WEDNESDAY_10)
    sweep_at(anbu, WEDNESDAY_10 + 20 * timedelta(minutes=1))
    assert _steps(anbu) == ["u0"]  # the copied default still waits an hour
    sweep_at(anbu, WEDNESDAY_10 + HOUR)
    assert _told(anbu, "u1") == {LEE}


def test_a_stale_or_repeated_step_does_nothing(anbu: Anbu) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)
    stale = _alert(anbu, alert_id)
    sweep_at(anbu, WEDNESDAY_10 + HOUR)
    sweep_at(anbu, WEDNESDAY_10 + HOUR)  # the same instant again
    escalate(anbu, now=WEDNESDAY_10 + HOUR)
    with anbu.transaction() as store:
        assert not store.alerts.save(replace(stale, step=99), stale)
        rows = store.outbox.listing()
    assert sorted(r.step for r in rows) == ["u0", "u0", "u1", "u1"]
    assert _alert(anbu, alert_id).step == 2


def test_activity_after_the_alert_sends_a_follow_up_and_stops_reminders(anbu: Anbu) -> None:
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)
    dispatch(anbu, _channels(), now=WEDNESDAY_10)
    call = at("2026-11-04 10:20")
    feed(anbu, event("010-1234-5678", "call_out", call), now=call)
    report = sweep_at(anbu, WEDNESDAY_10 + 30 * timedelta(minutes=1))
    assert report.escalation.followed_up == [alert_id]
    assert _told(anbu, "follow-up") == {KIM}
    channels = _channels()
    dispatch(anbu, channels, now=WEDNESDAY_10 + 30 * timedelta(minutes=1))
    assert all("10:20" in m.text for m in channels[Medium.SMS].sent)
    sweep_at(anbu, WEDNESDAY_10 + 5 * HOUR)
    assert _steps(anbu) == ["follow-up", "u0"]
    assert _alert(anbu, alert_id).state is AlertState.NOTIFIED  # the officer still closes it


def test_a_failed_delivery_escalates_at_once_and_flags_the_contact(anbu: Anbu) -> None:
    _district(anbu)
    _open_at(anbu, WEDNESDAY_10)
    refused = [DeliveryError("no such subscriber", permanent=True, bad_address=True)] * 2
    bounced = [DeliveryError("550 no such mailbox", permanent=True, bad_address=True)] * 2
    dispatch(anbu, _channels(sms=refused, email=bounced), now=WEDNESDAY_10)
    sweep_at(anbu, WEDNESDAY_10 + timedelta(minutes=1))  # not an hour later
    assert _told(anbu, "u1") == {LEE}
    with anbu.transaction() as store:
        problems = {r.login: r.contact_problem for r in store.staff.listing()}
    assert problems[KIM] is not None
    assert "no such subscriber" in (problems[KIM] or "") or "550" in (problems[KIM] or "")
    assert problems[DUTY] is None


def test_a_text_the_gateway_cannot_carry_escalates_but_blames_no_contact(anbu: Anbu) -> None:
    _district(anbu)
    _open_at(anbu, WEDNESDAY_10)

    def too_long() -> list[DeliveryError]:
        return [DeliveryError("the text is too long", permanent=True)] * 2

    dispatch(anbu, _channels(sms=too_long(), email=too_long()), now=WEDNESDAY_10)
    sweep_at(anbu, WEDNESDAY_10 + timedelta(minutes=1))
    assert _told(anbu, "u1") == {LEE}
    with anbu.transaction() as store:
        assert all(r.contact_problem is None for r in store.staff.listing())


def test_one_failed_contact_among_several_does_not_escalate(anbu: Anbu) -> None:
    _district(anbu)
    _open_at(anbu, WEDNESDAY_10)
    dispatch(anbu, _channels(sms=[DeliveryError("bad", permanent=True)]), now=WEDNESDAY_10)
    sweep_at(anbu, WEDNESDAY_10 + timedelta(minutes=1))
    assert _steps(anbu) == ["u0"]


def test_an_acknowledgement_link_acknowledges_for_its_officer_only(anbu: Anbu) -> None:
    anbu.options = replace(anbu.options, public_url="https://anbu.example")
    _district(anbu)
    alert_id = _open_at(anbu, WEDNESDAY_10)
    channels = _channels()
    dispatch(anbu, channels, now=WEDNESDAY_10)
    kim_sms = next(m for m in channels[Medium.SMS].sent if m.address == "+821090000001")
    link = kim_sms.text.split("https://anbu.example/a/")[1].split()[0]
    with pytest.raises(ack_links.LinkError):
        cases.acknowledge_by_link(anbu, link, WEDNESDAY_10 + 25 * HOUR)  # expired
    forged = link.rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAAAAAA"
    with pytest.raises(ack_links.LinkError):
        cases.acknowledge_by_link(anbu, forged, WEDNESDAY_10)
    other_alert = link.replace(f"{alert_id}.", f"{alert_id + 1}.", 1)
    with pytest.raises(ack_links.LinkError):
        cases.acknowledge_by_link(anbu, other_alert, WEDNESDAY_10)
    assert cases.acknowledge_by_link(anbu, link, WEDNESDAY_10 + HOUR / 2) == alert_id
    alert = _alert(anbu, alert_id)
    assert (alert.state, alert.acknowledged_by) == (AlertState.ACKNOWLEDGED, KIM)
    with pytest.raises(cases.CaseConflict):
        cases.acknowledge_by_link(anbu, link, WEDNESDAY_10 + HOUR / 2)


def test_delivery_reports_move_a_notification_on(anbu: Anbu) -> None:
    _district(anbu)
    _open_at(anbu, WEDNESDAY_10)
    with anbu.transaction() as store:  # a dispatcher hands two over, then dies
        claimed = store.outbox.claim(WEDNESDAY_10, WEDNESDAY_10 + LEASE, 2)
    first, second = claimed
    assert delivery_reports.record(anbu, first.key, 8, WEDNESDAY_10).state == "sent"
    assert delivery_reports.record(anbu, first.key, 1, WEDNESDAY_10).state == "delivered"
    assert delivery_reports.record(anbu, first.key, 8, WEDNESDAY_10).state == "delivered"
    assert not delivery_reports.record(anbu, "no-such-key", 1, WEDNESDAY_10).known
    channels = _channels()
    dispatch(anbu, channels, now=WEDNESDAY_10 + LEASE)
    resent = [m.key for c in channels.values() for m in c.sent]
    assert first.key not in resent  # the gateway had it: not sent twice
    assert second.key in resent
    assert delivery_reports.record(anbu, second.key, 2, WEDNESDAY_10 + LEASE).state == "failed"


def test_an_undelivered_report_for_everyone_escalates_like_silence(anbu: Anbu) -> None:
    _district(anbu)
    _open_at(anbu, WEDNESDAY_10)
    channels = _channels()
    dispatch(anbu, channels, now=WEDNESDAY_10)
    for message in channels[Medium.SMS].sent + channels[Medium.EMAIL].sent:
        delivery_reports.record(anbu, message.key, 16, WEDNESDAY_10 + timedelta(minutes=1))
    sweep_at(anbu, WEDNESDAY_10 + timedelta(minutes=2))
    assert _told(anbu, "u1") == {LEE}


def test_a_channel_down_for_a_while_raises_an_operator_alert_by_the_other(anbu: Anbu) -> None:
    _district(anbu)
    _open_at(anbu, WEDNESDAY_10)
    down = [DeliveryError("connection refused", permanent=False) for _ in range(50)]
    channels = _channels(sms=down)
    for minutes in (0, 1, 3, 5, 9):
        dispatch(anbu, channels, now=WEDNESDAY_10 + timedelta(minutes=minutes))
    with anbu.transaction() as store:
        kinds = {a.kind for a in [line.alert for line in store.cases.listing()]}
    assert kinds == {AlertKind.NO_ACTIVITY}  # nine minutes: not yet
    dispatch(anbu, channels, now=WEDNESDAY_10 + timedelta(minutes=17))
    with anbu.transaction() as store:
        (gateway,) = [
            a
            for a in [line.alert for line in store.cases.listing()]
            if a.kind is AlertKind.GATEWAY_DOWN
        ]
        rows = store.outbox.listing(gateway.id)
    assert {(r.medium, r.state) for r in rows} == {("email", "queued")}  # never by SMS
    channels[Medium.SMS].failures.clear()
    dispatch(anbu, channels, now=WEDNESDAY_10 + timedelta(minutes=40))
    with anbu.transaction() as store:
        (gateway,) = [
            a
            for a in [line.alert for line in store.cases.listing()]
            if a.kind is AlertKind.GATEWAY_DOWN
        ]
    assert gateway.outcome is Outcome.GATEWAY_RECOVERED
    assert {m.address for m in channels[Medium.SMS].sent} == {"+821090000001"}


def test_one_sweep_gives_each_of_many_alerts_its_own_centres_first_step(anbu: Anbu) -> None:
    # Three centres, one page: 왕십리도선동 texts the person first; 행당1동 tells its leads
    # (not its officer) and the guardian; 사근동 has nobody on file at all.
    self_check = {"self_check": True}
    leads_first = {
        "tiers": [{"audience": "leads", "wait": 30}, {"audience": "duty", "wait": 60}],
        "guardian": True,
    }
    people = [
        *(subject_row(external_id=f"WS-{i}", phone=f"010-1111-000{i}") for i in (1, 2, 3)),
        *(
            subject_row(
                external_id=f"HD-{i}",
                phone=f"010-2222-000{i}",
                centre="행당1동",
                guardian_phone=f"010-3333-000{i}" if i < 3 else "",
            )
            for i in (1, 2, 3)
        ),
        subject_row(external_id="SG-1", phone="010-4444-0001", centre="사근동"),
    ]
    enrol_rows(anbu, *people, now=ENROLLED)
    staff = (
        officer_row(),
        officer_row(login=LEE, role="lead", phone="010-9000-0002", email="lee@seongdong.example"),
        officer_row(login=DUTY, role="duty", centres="", phone="010-9000-0003", email=""),
        officer_row(login="park", centres="행당1동", phone="010-9000-0005", email=""),
        officer_row(login="choi", role="lead", centres="행당1동", phone="010-9000-0006"),
    )
    report = import_officers(anbu, read_officers(officers_csv(*staff)), now=ENROLLED, actor="t")
    assert not report.rejected, report.rejected
    centres.set_policy(anbu, "왕십리도선동", json.dumps(self_check), by="t", now=ENROLLED)
    centres.set_policy(anbu, "행당1동", json.dumps(leads_first), by="t", now=ENROLLED)

    feed(anbu, watermark("SKT", WEDNESDAY_10), now=WEDNESDAY_10)
    swept = sweep_at(anbu, WEDNESDAY_10)

    assert len(swept.opened) == 7
    assert swept.unrouted == 1  # 사근동: no staff, no administrator
    with anbu.transaction() as store:
        logins = dict(store.connection.execute(select(officers.c.id, officers.c.login)).all())
        choi = next(i for i, login in logins.items() if login == "choi")
        reference = {a.id: a.external_id or "" for a in store.cases.listing()}
        opened = {
            reference[row.id]: row
            for row in store.connection.execute(
                select(
                    alerts.c.id,
                    alerts.c.policy,
                    alerts.c.step,
                    alerts.c.step_due_at,
                    alerts.c.staff_told_at,
                )
            )
        }
        told: dict[str, set[tuple[str, str, str]]] = {}
        for row in store.connection.execute(select(notifications)):
            who = logins[row.officer_id] if row.officer_id is not None else row.recipient
            told.setdefault(reference[row.alert_id], set()).add((who, row.medium, row.step))
            if row.recipient == "staff":  # the text names the person it is about
                assert reference[row.alert_id] in row.body
    assert told == {
        **{f"WS-{i}": {("subject", "sms", "u0")} for i in (1, 2, 3)},
        **{
            f"HD-{i}": {("choi", "sms", "u0"), ("choi", "email", "u0")}
            | ({("guardian", "sms", "u0")} if i < 3 else set())
            for i in (1, 2, 3)
        },
    }
    for ref, row in opened.items():
        policy = {"WS": self_check, "HD": leads_first, "SG": {}}[ref[:2]]
        assert json.loads(row.policy) == EscalationPolicy.from_json(policy).to_json()
        wait = timedelta(minutes=30) if ref.startswith("HD") else HOUR
        assert (row.step, row.step_due_at) == (1, WEDNESDAY_10 + wait)
        assert row.staff_told_at == (None if ref.startswith("WS") else WEDNESDAY_10)

    channels = _channels()
    dispatch(anbu, channels, now=WEDNESDAY_10)
    texted: dict[tuple[str, str], str] = {}
    for message in channels[Medium.SMS].sent:  # key: alert-<id>.<step>.<recipient>.<medium>
        alert, _, recipient, _ = message.key.split(".")
        texted[reference[int(alert.removeprefix("alert-"))], recipient] = message.address
    assert texted == {
        **{(f"WS-{i}", "subject"): f"+82101111000{i}" for i in (1, 2, 3)},
        **{(f"HD-{i}", "guardian"): f"+82103333000{i}" for i in (1, 2)},
        **{(f"HD-{i}", f"officer-{choi}"): "+821090000006" for i in (1, 2, 3)},
    }
