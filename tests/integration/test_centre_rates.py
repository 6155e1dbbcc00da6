"""What a district acts on, per centre and per 100 enrolled, and week by week: alerts,
false alarms, open and visit-needed cases, the median time to the first call or visit —
counted by the database (SQLite and PostgreSQL) from a small district with known cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import alerts, subjects
from anbu.bootstrap import Anbu
from anbu.domain.alerts import ContactKind, ContactResult
from anbu.domain.kinds import Outcome, Role
from anbu.services import cases, reports
from anbu.services.accounts import StaffUser
from anbu.services.officers import import_officers
from anbu.services.reports import CaseFigures, ReportTable

from builders import at, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at

A, B = "왕십리도선동", "마장동"
ENROLLED = at("2026-11-01 10:00")
SUNDAY_NIGHT = at("2026-11-08 23:30")
MONDAY_EARLY = at("2026-11-09 00:10")
NOW = at("2026-11-12 09:00")
ADMIN = StaffUser(0, "admin", Role.ADMIN, frozenset())


@pytest.fixture
def district(anbu: Anbu) -> None:
    """Centre A: four people, two alerts — X a false alarm called after 20 minutes, Y
    still waiting for a visit after a call at 40 minutes. Centre B: one person, one alert
    nobody has answered."""
    enrol_rows(
        anbu,
        subject_row(external_id="X", inactivity_hours=12),
        subject_row(external_id="Z", phone="010-2222-3333", centre=B, inactivity_hours=12),
        now=ENROLLED,
    )
    staff = officers_csv(
        officer_row(login="kim.a"),
        officer_row(login="park.b", centres=B, phone="010-9000-0002"),
    )
    import_officers(anbu, read_officers(staff), now=ENROLLED, actor="t")
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
    enrol_rows(  # watched, no alert yet
        anbu,
        subject_row(external_id="Q1", phone="010-5555-0001", consent_at="2026-11-11T09:00+09:00"),
        subject_row(external_id="Q2", phone="010-5555-0002", consent_at="2026-11-11T09:00+09:00"),
        now=at("2026-11-11 09:00"),
    )
    x, y = _alert_of(anbu, "X"), _alert_of(anbu, "Y")
    _call(anbu, x, SUNDAY_NIGHT + timedelta(minutes=20), ContactResult.REACHED)
    cases.resolve(anbu, x, Outcome.FALSE_ALARM, by="kim.a", note="", now=MONDAY_EARLY)
    _call(anbu, y, MONDAY_EARLY + timedelta(minutes=40), ContactResult.NOT_REACHED)
    cases.need_visit(anbu, y, by="kim.a", note="", now=MONDAY_EARLY + timedelta(minutes=41))


def _call(anbu: Anbu, alert: int, now: datetime, result: ContactResult) -> None:
    cases.record_contact(
        anbu, alert, by="kim.a", kind=ContactKind.CALL, result=result, note="", now=now
    )


def _alert_of(anbu: Anbu, external_id: str) -> int:
    with anbu.transaction() as store:
        return int(
            store.connection.execute(
                select(alerts.c.id)
                .join(subjects, subjects.c.id == alerts.c.subject_id)
                .where(subjects.c.external_id == external_id)
            ).scalar_one()
        )


def _figures(row: CaseFigures) -> tuple[object, ...]:
    counts = (row.alerts, row.false_alarms, row.open, row.visit_needed)
    return (row.enrolled, *counts, *(row.per_hundred(n) for n in counts))


def test_each_centre_per_100_enrolled(anbu: Anbu, district: None) -> None:
    found = reports.report(anbu, ADMIN, weeks=4, now=NOW)
    by_centre = {row.centre: row for row in found.per_centre}
    assert list(by_centre) == [B, A, ""]
    assert _figures(by_centre[A]) == (4, 2, 1, 1, 1, 50.0, 25.0, 25.0, 25.0)
    assert _figures(by_centre[B]) == (1, 1, 0, 1, 0, 100.0, 0.0, 100.0, 0.0)
    assert _figures(by_centre[""]) == (5, 3, 1, 2, 1, 60.0, 20.0, 40.0, 20.0)
    # The median of the first calls: 20 and 40 minutes.
    assert by_centre[A].to_contact == timedelta(minutes=30)
    assert by_centre[B].to_contact is None
    assert by_centre[""].to_contact == timedelta(minutes=30)


def test_the_trend_by_week_for_the_district_and_each_centre(anbu: Anbu, district: None) -> None:
    found = reports.report(anbu, ADMIN, weeks=4, now=NOW, tables=(ReportTable.TREND,))
    weeks = {(row.week_start, row.centre): row for row in found.trend}
    assert len(weeks) == 4 * 3
    assert _figures(weeks[(date(2026, 11, 2), "")]) == (5, 2, 1, 1, 0, 40.0, 20.0, 20.0, 0.0)
    assert _figures(weeks[(date(2026, 11, 9), "")]) == (5, 1, 0, 1, 1, 20.0, 0.0, 20.0, 20.0)
    assert _figures(weeks[(date(2026, 11, 9), A)]) == (4, 1, 0, 1, 1, 25.0, 0.0, 25.0, 25.0)
    assert weeks[(date(2026, 10, 19), B)].alerts == 0
    assert found.per_centre == []  # only the table asked for is counted


def test_the_trend_has_each_weeks_median_time_to_first_contact(anbu: Anbu, district: None) -> None:
    found = reports.report(anbu, ADMIN, weeks=4, now=NOW, tables=(ReportTable.TREND,))
    contact = {(row.week_start, row.centre): row.to_contact for row in found.trend}
    # X, opened Sunday night, was called after 20 minutes; Y, opened on Monday, after 40:
    # each week has its own median, not the period's 30 minutes.
    assert contact[(date(2026, 11, 2), "")] == timedelta(minutes=20)
    assert contact[(date(2026, 11, 2), A)] == timedelta(minutes=20)
    assert contact[(date(2026, 11, 9), "")] == timedelta(minutes=40)
    assert contact[(date(2026, 11, 9), A)] == timedelta(minutes=40)
    # Nobody called Z (centre B), and no alert opened in the other weeks.
    assert contact[(date(2026, 11, 2), B)] is None
    assert contact[(date(2026, 10, 26), "")] is None


def test_an_officer_sees_only_their_centre_and_none_enrolled_has_no_rate(
    anbu: Anbu, district: None
) -> None:
    with anbu.transaction() as store:
        b = store.subjects.centre_named(B, NOW)
        empty = store.subjects.centre_named("사근동", NOW)
    park = StaffUser(2, "park.b", Role.OFFICER, frozenset({b, empty}))
    found = reports.report(anbu, park, weeks=4, now=NOW, tables=(ReportTable.CENTRES,))
    by_centre = {row.centre: row for row in found.per_centre}
    assert set(by_centre) == {B, "사근동", ""}
    assert by_centre["사근동"].per_hundred(by_centre["사근동"].alerts) is None
    assert _figures(by_centre[""]) == (1, 1, 0, 1, 0, 100.0, 0.0, 100.0, 0.0)
