"""The reports' figures and the feed board, computed by the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import alerts, audit_log, subjects
from anbu.bootstrap import Anbu
from anbu.domain.alerts import ContactKind, ContactResult
from anbu.domain.kinds import AlertKind, Carrier, Group, Outcome, Role
from anbu.domain.spread import Spread
from anbu.services import audit_log as audit_reading
from anbu.services import cases, reports
from anbu.services import subjects as subject_admin
from anbu.services.accounts import StaffUser
from anbu.services.officers import import_officers
from anbu.services.reports import ReportTable, TimingRow

from builders import at, event, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at

A, B = "왕십리도선동", "마장동"
ENROLLED = at("2026-11-01 10:00")
SUNDAY_NIGHT = at("2026-11-08 23:30")  # 14:30 UTC on Sunday
MONDAY_EARLY = at("2026-11-09 00:10")  # 15:10 UTC, still Sunday in UTC
KIM = StaffUser(1, "kim.a", Role.OFFICER, frozenset())
PARK = StaffUser(2, "park.b", Role.OFFICER, frozenset())


def _staff(anbu: Anbu) -> None:
    staff = officers_csv(
        officer_row(login="kim.a"),
        officer_row(login="park.b", centres=B, phone="010-9000-0002"),
    )
    import_officers(anbu, read_officers(staff), now=ENROLLED, actor="t")


def _user(anbu: Anbu, login: str, role: Role, *centres: str) -> StaffUser:
    with anbu.transaction() as store:
        ids = frozenset(store.subjects.centre_named(name, ENROLLED) for name in centres)
    return StaffUser(0, login, role, ids)


def _alert_of(anbu: Anbu, external_id: str) -> int:
    with anbu.transaction() as store:
        return int(
            store.connection.execute(
                select(alerts.c.id)
                .join(subjects, subjects.c.id == alerts.c.subject_id)
                .where(subjects.c.external_id == external_id)
            ).scalar_one()
        )


@pytest.fixture
def around_midnight(anbu: Anbu) -> None:
    """One person of centre A falls due on Sunday 23:30 Seoul time, another on Monday
    00:10 — the same Sunday in UTC; a person of centre B on Sunday too."""
    enrol_rows(
        anbu,
        subject_row(external_id="X", inactivity_hours=12),
        subject_row(external_id="Z", phone="010-2222-3333", centre=B, inactivity_hours=12),
        now=ENROLLED,
    )
    _staff(anbu)
    feed(anbu, watermark("SKT", SUNDAY_NIGHT), now=SUNDAY_NIGHT)
    assert len(sweep_at(anbu, SUNDAY_NIGHT).opened) == 2
    enrol_rows(
        anbu,
        subject_row(
            external_id="Y",
            phone="010-3333-4444",
            inactivity_hours=12,
            consent_at="2026-11-08T12:00:00+09:00",
        ),
        now=at("2026-11-08 12:00"),
    )
    feed(anbu, watermark("SKT", MONDAY_EARLY), now=MONDAY_EARLY)
    assert len(sweep_at(anbu, MONDAY_EARLY).opened) == 1


def test_it_counts_alerts_in_seoul_weeks_from_monday(anbu: Anbu, around_midnight: None) -> None:
    kim = _user(anbu, "kim.a", Role.OFFICER, A)
    found = reports.report(anbu, kim, weeks=4, now=at("2026-11-12 09:00"))
    weekly = [
        (row.week_start.isoformat(), row.counts[AlertKind.NO_ACTIVITY]) for row in found.weeks
    ]
    assert weekly == [("2026-10-19", 0), ("2026-10-26", 0), ("2026-11-02", 1), ("2026-11-09", 1)]


def test_it_counts_only_the_officers_centres(anbu: Anbu, around_midnight: None) -> None:
    park = _user(anbu, "park.b", Role.OFFICER, B)
    found = reports.report(anbu, park, weeks=4, now=at("2026-11-12 09:00"))
    assert found.centres == [B]
    assert [(row.centre, row.total) for row in found.by_centre] == [(B, 1), ("", 1)]
    assert {row.centre for row in found.weeks_by_centre} == {B}


def test_it_counts_the_whole_district_for_the_duty_desk(anbu: Anbu, around_midnight: None) -> None:
    duty = StaffUser(0, "duty", Role.DUTY, frozenset())
    found = reports.report(anbu, duty, weeks=4, now=at("2026-11-12 09:00"))
    assert [(row.centre, row.total) for row in found.by_centre] == [(B, 1), (A, 2), ("", 3)]


def test_it_leaves_out_alerts_before_the_period(anbu: Anbu, around_midnight: None) -> None:
    kim = _user(anbu, "kim.a", Role.OFFICER, A)
    # Four weeks back from Monday 7 December start on Monday 16 November.
    found = reports.report(anbu, kim, weeks=4, now=at("2026-12-07 00:05"))
    assert found.period.week_starts[0].isoformat() == "2026-11-16"
    assert found.by_centre[-1].total == 0
    assert found.timings[-1].acknowledge.count == 0


def test_it_times_the_first_call_or_visit_not_notes_or_claims(
    anbu: Anbu, around_midnight: None
) -> None:
    x = _alert_of(anbu, "X")
    cases.claim(anbu, x, by=KIM.login, now=SUNDAY_NIGHT + timedelta(minutes=1))
    cases.record_contact(
        anbu,
        x,
        by=KIM.login,
        kind=ContactKind.NOTE,
        result=None,
        note="메모",
        now=SUNDAY_NIGHT + timedelta(minutes=5),
    )
    for minutes, kind in ((20, ContactKind.CALL), (40, ContactKind.VISIT)):
        cases.record_contact(
            anbu,
            x,
            by=KIM.login,
            kind=kind,
            result=ContactResult.NOT_REACHED,
            note="",
            now=SUNDAY_NIGHT + timedelta(minutes=minutes),
        )
    kim = _user(anbu, "kim.a", Role.OFFICER, A)
    found = reports.report(anbu, kim, weeks=4, now=at("2026-11-12 09:00"))
    (centre, whole) = found.timings
    # The call acknowledged the case and was the first contact: both 20 minutes.
    assert centre.acknowledge == Spread(1, timedelta(minutes=20), timedelta(minutes=20))
    assert centre.contact == Spread(1, timedelta(minutes=20), timedelta(minutes=20))
    assert whole == TimingRow("", centre.acknowledge, centre.contact)


def test_the_database_spreads_agree_with_the_percentiles_by_rank(
    anbu: Anbu, around_midnight: None
) -> None:
    """PostgreSQL computes the medians and 90th percentiles itself, SQLite in Python: both
    give what PERCENTILE.INC gives, per centre and for the whole district."""
    enrol_rows(
        anbu,
        *(
            subject_row(
                external_id=f"M{n}",
                phone=f"010-7100-{n:04d}",
                centre=A if n % 3 else B,
                inactivity_hours=12,
            )
            for n in range(7)
        ),
        now=ENROLLED,
    )
    later = MONDAY_EARLY + timedelta(hours=1)
    feed(anbu, watermark("SKT", later), now=later)
    assert len(sweep_at(anbu, later).opened) == 7
    waits = {f"M{n}": 60 * (n + 1) ** 2 + 7 for n in range(7)}  # 67 s … 49 min 7 s
    for ref, seconds in waits.items():
        alert = _alert_of(anbu, ref)
        staff = KIM if int(ref[1:]) % 3 else PARK
        if ref == "M6":  # acknowledged, nobody called yet
            cases.acknowledge(anbu, alert, by=staff.login, now=later + timedelta(seconds=seconds))
            continue
        cases.record_contact(
            anbu,
            alert,
            by=staff.login,
            kind=ContactKind.CALL,
            result=ContactResult.REACHED,
            note="",
            now=later + timedelta(seconds=seconds),
        )
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    found = reports.report(anbu, admin, weeks=4, now=at("2026-11-12 09:00"))
    by_centre = {row.centre: row for row in found.timings}
    in_a = [s for ref, s in waits.items() if int(ref[1:]) % 3]
    in_b = [s for ref, s in waits.items() if not int(ref[1:]) % 3]
    assert by_centre[A].acknowledge == Spread.of(in_a)
    assert by_centre[B].acknowledge == Spread.of(in_b)
    assert by_centre[""].acknowledge == Spread.of(list(waits.values()))
    assert by_centre[""].acknowledge.p90 == timedelta(seconds=2167 + 0.4 * (2947 - 2167))
    called = [s for ref, s in waits.items() if ref != "M6"]
    assert by_centre[""].contact == Spread.of(called)
    assert by_centre[B].contact == Spread.of([s for s in in_b if s != waits["M6"]])


def test_an_alert_counts_for_the_centre_its_person_moved_to(
    anbu: Anbu, around_midnight: None
) -> None:
    enrol_rows(anbu, subject_row(external_id="X", inactivity_hours=12, centre=B), now=MONDAY_EARLY)
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    found = reports.report(anbu, admin, weeks=4, now=at("2026-11-12 09:00"))
    assert [(row.centre, row.total) for row in found.by_centre] == [(B, 2), (A, 1), ("", 3)]
    park = _user(anbu, "park.b", Role.OFFICER, B)
    mine = reports.report(anbu, park, weeks=4, now=at("2026-11-12 09:00"))
    assert mine.by_centre[-1].total == 2


def test_it_counts_outcomes_and_the_false_alarm_share(anbu: Anbu, around_midnight: None) -> None:
    x, y = _alert_of(anbu, "X"), _alert_of(anbu, "Y")
    cases.resolve(anbu, x, Outcome.FALSE_ALARM, by="kim.a", note="", now=MONDAY_EARLY)
    cases.resolve(anbu, y, Outcome.HOSPITALISED, by="kim.a", note="", now=MONDAY_EARLY)
    subject_admin.withdraw(anbu, "Z", now=MONDAY_EARLY, actor="admin")
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    found = reports.report(anbu, admin, weeks=4, now=at("2026-11-12 09:00"))
    by_centre = {row.centre: row for row in found.outcomes}
    assert by_centre[A].counts == {Outcome.FALSE_ALARM: 1, Outcome.HOSPITALISED: 1}
    assert by_centre[A].false_alarm_share == 0.5
    # Closed by the withdrawal, not by an officer: no share to speak of.
    assert by_centre[B].counts == {Outcome.CONSENT_WITHDRAWN: 1}
    assert by_centre[B].false_alarm_share is None
    assert by_centre[""].false_alarm_share == 0.5


def test_it_counts_only_people_still_monitored_by_age_band(
    anbu: Anbu, around_midnight: None
) -> None:
    enrol_rows(
        anbu,
        subject_row(external_id="W", phone="010-5555-6666", birth_date="1960-01-01"),
        now=ENROLLED,
    )
    subject_admin.withdraw(anbu, "Z", now=MONDAY_EARLY, actor="admin")
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    found = reports.report(anbu, admin, weeks=4, now=MONDAY_EARLY, tables=(ReportTable.ENROLMENT,))
    by_centre = {row.centre: row.counts for row in found.enrolment}
    assert by_centre[A] == {
        Group.UNDER_40: 0,
        Group.AGE_40_59: 0,
        Group.AGE_60_74: 1,
        Group.AGE_75_PLUS: 2,
    }
    assert sum(by_centre[B].values()) == 0
    assert found.timings == []  # only the table asked for
    assert found.weeks == []


def test_it_asks_the_database_the_same_few_questions_however_many_alerts(
    anbu: Anbu, around_midnight: None
) -> None:
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    with _statements(anbu) as few:
        reports.report(anbu, admin, weeks=52, now=at("2026-11-12 09:00"))
    enrol_rows(
        anbu,
        *(
            subject_row(external_id=f"M{n}", phone=f"010-7000-{n:04d}", inactivity_hours=12)
            for n in range(12)
        ),
        now=ENROLLED,
    )
    later = MONDAY_EARLY + timedelta(hours=1)
    feed(anbu, watermark("SKT", later), now=later)
    assert len(sweep_at(anbu, later).opened) == 12
    with _statements(anbu) as many:
        reports.report(anbu, admin, weeks=52, now=at("2026-11-12 09:00"))
    # Up to 8 questions for the report (the weekly median time to first contact the
    # eighth), and 3 statements for its audit entry (take the audit chain's head, insert
    # the entry, move the head).
    assert len(many) == len(few) <= 11


def test_each_report_is_audited_without_people(anbu: Anbu, around_midnight: None) -> None:
    kim = _user(anbu, "kim.a", Role.OFFICER, A)
    reports.report(anbu, kim, weeks=12, now=at("2026-11-12 09:00"), exported="csv")
    with anbu.transaction() as store:
        row = store.connection.execute(
            select(audit_log).where(audit_log.c.action == "report.viewed")
        ).one()
    assert (row.actor, row.subject_id) == ("kim.a", None)
    assert json.loads(row.detail)["format"] == "csv"
    assert json.loads(row.detail)["centres"] == sorted(kim.centre_ids)


def test_a_cached_report_is_shown_for_a_minute_and_audited_every_time(
    anbu: Anbu, around_midnight: None
) -> None:
    cache = reports.ReportCache(seconds=60)
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    kim = _user(anbu, "kim.a", Role.OFFICER, A)
    first_view = at("2026-11-12 09:00")

    def closed_by_officers(user: StaffUser, now: datetime) -> int:
        found = reports.report(anbu, user, weeks=4, now=now, cache=cache)
        return found.outcomes[-1].closed_by_officers

    assert closed_by_officers(admin, first_view) == 0
    assert closed_by_officers(kim, first_view) == 0
    cases.resolve(anbu, _alert_of(anbu, "X"), Outcome.SAFE, by="kim.a", note="", now=first_view)
    # Within the minute both scopes see what was counted; each view is still audited.
    assert closed_by_officers(admin, first_view + timedelta(seconds=59)) == 0
    assert closed_by_officers(kim, first_view + timedelta(seconds=59)) == 0
    cached = reports.report(anbu, kim, weeks=4, now=first_view + timedelta(seconds=59), cache=cache)
    assert cached.period.now == first_view  # the page says when it was counted
    # Another period or table is counted afresh, and after the minute everything is.
    timings = reports.report(
        anbu, admin, weeks=4, now=first_view, tables=(ReportTable.OUTCOMES,), cache=cache
    )
    assert timings.outcomes[-1].closed_by_officers == 1
    assert closed_by_officers(admin, first_view + timedelta(seconds=60)) == 1
    assert closed_by_officers(kim, first_view + timedelta(seconds=60)) == 1
    with anbu.transaction() as store:
        views = store.connection.scalar(
            select(func.count()).where(audit_log.c.action == "report.viewed")
        )
    assert views == 8


def test_reports_being_read_are_recounted_ahead_of_expiry(
    anbu: Anbu, around_midnight: None
) -> None:
    # Every report counts as slow here: a few alerts count in a millisecond.
    cache = reports.ReportCache(seconds=60, keep_warm=timedelta(minutes=15), slow=timedelta(0))
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    seen = at("2026-11-12 09:00")
    assert reports.report(anbu, admin, weeks=4, now=seen, cache=cache).outcomes[-1].total == 3
    cases.resolve(anbu, _alert_of(anbu, "X"), Outcome.SAFE, by="kim.a", note="", now=seen)
    assert reports.refresh(anbu, cache, seen + timedelta(seconds=20)) == 0  # still fresh
    assert reports.refresh(anbu, cache, seen + timedelta(seconds=31)) == 1
    found = reports.report(anbu, admin, weeks=4, now=seen + timedelta(seconds=45), cache=cache)
    assert found.period.now == seen + timedelta(seconds=31)  # from the cache, recounted
    assert found.outcomes[-1].closed_by_officers == 1
    # Nobody has looked for a quarter of an hour: it is let go, not recounted forever.
    assert reports.refresh(anbu, cache, seen + timedelta(minutes=16)) == 0
    assert cache.to_refresh(seen + timedelta(minutes=16)) == []


def test_quick_reports_are_not_recounted_in_the_background(
    anbu: Anbu, around_midnight: None
) -> None:
    """Only slow reports (a district's year) are kept warm: recounting every centre's quick
    report every half minute would grow with the number of centres."""
    cache = reports.ReportCache(seconds=60, slow=timedelta(seconds=30))
    kim = _user(anbu, "kim.a", Role.OFFICER, A)
    seen = at("2026-11-12 09:00")
    reports.report(anbu, kim, weeks=4, now=seen, cache=cache)
    assert cache.to_refresh(seen + timedelta(seconds=45)) == []
    assert reports.refresh(anbu, cache, seen + timedelta(seconds=45)) == 0
    # Still served from the cache within its minute.
    cached = reports.report(anbu, kim, weeks=4, now=seen + timedelta(seconds=50), cache=cache)
    assert cached.period.now == seen


def test_without_a_cache_lifetime_every_view_is_counted(anbu: Anbu, around_midnight: None) -> None:
    cache = reports.ReportCache(seconds=0)
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    now = at("2026-11-12 09:00")
    assert reports.report(anbu, admin, weeks=4, now=now, cache=cache).by_centre[-1].total == 3
    subject_admin.withdraw(anbu, "Z", now=now, actor="admin")
    found = reports.report(anbu, admin, weeks=4, now=now, cache=cache)
    assert found.outcomes[-1].counts[Outcome.CONSENT_WITHDRAWN] == 1


def test_operators_and_unknown_periods_get_no_report(anbu: Anbu, around_midnight: None) -> None:
    ops = StaffUser(0, "ops", Role.OPERATOR, frozenset())
    with pytest.raises(reports.ReportRefusedError):
        reports.report(anbu, ops, weeks=4, now=MONDAY_EARLY)
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    with pytest.raises(ValueError, match="not 5"):
        reports.report(anbu, admin, weeks=5, now=MONDAY_EARLY)


def test_the_percentiles_interpolate_between_ranks() -> None:
    assert Spread.of([7200, 600, 1800]) == Spread(3, timedelta(minutes=30), timedelta(minutes=102))
    assert Spread.of([60]) == Spread(1, timedelta(minutes=1), timedelta(minutes=1))
    assert Spread.of([]) == Spread(0, None, None)
    assert Spread.of(list(range(1, 11))).p90 == timedelta(seconds=9)  # 9.1 s, to the second


# -- the feed board -------------------------------------------------------------------------


def test_the_board_counts_events_per_hour_of_receipt(anbu: Anbu, around_midnight: None) -> None:
    received = at("2026-11-09 08:59")
    first = event("010-1234-5678", "call_out", at("2026-11-09 08:00"))
    feed(anbu, first, now=received)
    feed(
        anbu,
        event("010-2222-3333", "call_out", at("2026-11-09 08:30")),
        event("010-3333-4444", "sms_out", at("2026-11-09 08:40")),
        watermark("SKT", at("2026-11-09 09:00")),
        now=received + timedelta(minutes=2),
    )
    ops = StaffUser(0, "ops", Role.OPERATOR, frozenset())
    board = reports.feed_board(anbu, ops, at("2026-11-09 09:30"))
    assert len(board.hours) == 24
    assert board.hours[-1] == at("2026-11-09 09:00")
    assert board.events[Carrier.SKT][-2:] == [1, 2]
    assert sum(board.events[Carrier.SKT]) == 3
    # A file sent again stores nothing new, so it counts nothing either.
    feed(anbu, first, now=received)
    again = reports.feed_board(anbu, ops, at("2026-11-09 09:30"))
    assert again.events[Carrier.SKT][-2:] == [1, 2]
    (skt,) = board.feeds
    assert (skt.status.carrier, skt.status.stale, skt.open_alert) == (Carrier.SKT, False, None)


def test_the_board_shows_a_stale_feeds_alert(anbu: Anbu, around_midnight: None) -> None:
    late = MONDAY_EARLY + timedelta(hours=7)
    sweep_at(anbu, late)
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    (skt,) = reports.feed_board(anbu, admin, late).feeds
    assert skt.status.stale
    assert skt.open_alert is not None
    assert skt.open_alert.kind is AlertKind.FEED_STALE


def test_the_board_is_not_for_officers(anbu: Anbu) -> None:
    with pytest.raises(reports.ReportRefusedError):
        reports.feed_board(anbu, KIM, MONDAY_EARLY)


# -- the audit log ---------------------------------------------------------------------------


def test_only_administrators_read_the_audit_log(anbu: Anbu) -> None:
    with pytest.raises(audit_reading.AuditRefusedError):
        audit_reading.read(anbu, KIM, audit_reading.AuditQuery(), before=None, now=ENROLLED)


def test_the_audit_log_pages_from_where_the_last_page_stopped(anbu: Anbu) -> None:
    with anbu.transaction() as store:
        for n in range(audit_reading.PAGE + 3):
            store.audit.record("bulk", "test.bulk", ENROLLED, detail=str(n))
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    query = audit_reading.AuditQuery(actor="bulk")
    first = audit_reading.read(anbu, admin, query, before=None, now=ENROLLED)
    assert len(first.entries) == audit_reading.PAGE
    assert first.next_before is not None
    rest = audit_reading.read(anbu, admin, query, before=first.next_before, now=ENROLLED)
    assert [e.detail for e in rest.entries] == ["2", "1", "0"]
    assert rest.next_before is None


def test_an_action_prefix_is_literal(anbu: Anbu) -> None:
    with anbu.transaction() as store:
        store.audit.record("a", "report.viewed", ENROLLED)
        store.audit.record("a", "reportXviewed", ENROLLED)
        store.audit.record("a", "100%", ENROLLED)
    admin = StaffUser(0, "admin", Role.ADMIN, frozenset())
    for prefix, expected in (("report.", ["report.viewed"]), ("1_0", []), ("100%", ["100%"])):
        query = audit_reading.AuditQuery(actor="a", action=prefix)
        page = audit_reading.read(anbu, admin, query, before=None, now=ENROLLED)
        assert [e.action for e in page.entries] == expected


@contextmanager
def _statements(anbu: Anbu) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    sqlalchemy_event.listen(anbu.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sqlalchemy_event.remove(anbu.engine, "before_cursor_execute", count)
