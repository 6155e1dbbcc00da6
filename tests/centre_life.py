"""A centre's four weeks as the live system lived them: three chatty people enrolled on the
48-hour rule, hourly deliveries and sweeps; one falls silent (a case its officer closes as
"safe"), another too (closed as a false alarm). For `anbu backtest --centre`'s tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from anbu.adapters.formats.officers_csv import read_officers
from anbu.adapters.storage.tables import subjects
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Outcome
from anbu.services import cases
from anbu.services.officers import import_officers

from builders import at, event, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at

CONSENT = at("2026-10-01 09:00")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
CENTRE = "왕십리도선동"
# Who calls when: three chatty people; two of them fall silent for a while.
PEOPLE = {
    "SD-0001": "010-1111-0001",  # silent from day 12, 10:00 to day 16: a case, "safe"
    "SD-0002": "010-1111-0002",  # silent from day 20, 10:00 to day 24: a false alarm
    "SD-0003": "010-1111-0003",  # never silent
}
SILENT = {
    "SD-0001": (CONSENT + 11 * DAY + HOUR, CONSENT + 15 * DAY),
    "SD-0002": (CONSENT + 19 * DAY + HOUR, CONSENT + 23 * DAY),
}
END = CONSENT + 28 * DAY


def _calls(reference: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    found = []
    moment = start
    while moment < end:
        hour = moment.hour
        quiet = SILENT.get(reference)
        if 8 <= hour <= 20 and hour % 3 == 2 and not (quiet and quiet[0] <= moment < quiet[1]):
            found.append(event(PEOPLE[reference], "call_out", moment, duration_s=60))
        moment += HOUR
    return found


def live(anbu: Anbu) -> None:
    """Hourly deliveries and sweeps for four weeks; officers close each case."""
    enrol_rows(
        anbu,
        *(
            subject_row(
                external_id=ref, phone=phone, consent_at=CONSENT.isoformat(), inactivity_hours=48
            )
            for ref, phone in PEOPLE.items()
        ),
        now=CONSENT,
    )
    staff = read_officers(officers_csv(officer_row(login="kim.a")))
    import_officers(anbu, staff, now=CONSENT, actor="test")
    moment = CONSENT
    while moment < END:
        nxt = moment + HOUR
        calls = [c for ref in PEOPLE for c in _calls(ref, moment, nxt)]
        feed(anbu, *calls, watermark("SKT", nxt), now=nxt)
        for opened in sweep_at(anbu, nxt).opened:
            reference = _reference(anbu, opened.subject_id)
            verdict = Outcome.SAFE if reference == "SD-0001" else Outcome.FALSE_ALARM
            cases.resolve(anbu, opened.id, verdict, by="kim.a", note="", now=nxt + HOUR)
        moment = nxt


def _reference(anbu: Anbu, subject_id: int) -> str:
    with anbu.engine.connect() as connection:
        return str(
            connection.scalar(select(subjects.c.external_id).where(subjects.c.id == subject_id))
        )
