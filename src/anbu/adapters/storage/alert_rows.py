"""An alert as the lists and the case page read it — the officers' queue, the JSON API's
list, a person's history, one case — with one column list and one mapper, so that they
cannot drift apart.
Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from anbu.adapters.storage.tables import alerts, centres, subjects
from anbu.domain.kinds import AlertKind, AlertState, Outcome


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """The alert row: what happened, who took charge and how it ended. `carrier` names the
    feed of a feed alert (and the person's carrier otherwise), `channel` a channel alert's."""

    alert_id: int
    kind: AlertKind
    state: AlertState
    carrier: str | None
    channel: str | None
    base_at: datetime
    due_at: datetime
    opened_at: datetime
    resumed_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    outcome: Outcome | None
    resolution_note: str | None  # why, in the closing officer's words


@dataclass(frozen=True, slots=True)
class AlertPerson:
    """Whom an alert is about: still sealed (each list decides what it may show)."""

    subject_id: int
    external_id: str
    centre: str
    personal: bytes


@dataclass(frozen=True, slots=True)
class AlertLine:
    alert: AlertRecord
    person: AlertPerson | None  # None: an alert about the system (a feed, a channel)


# Select these (then, for a line, PERSON_COLUMNS from `subjects` joined to `centres`).
COLUMNS = (
    alerts.c.id,
    alerts.c.kind,
    alerts.c.state,
    alerts.c.carrier,
    alerts.c.channel,
    alerts.c.base_at,
    alerts.c.due_at,
    alerts.c.opened_at,
    alerts.c.resumed_at,
    alerts.c.acknowledged_at,
    alerts.c.acknowledged_by,
    alerts.c.claimed_by,
    alerts.c.claimed_at,
    alerts.c.resolved_at,
    alerts.c.resolved_by,
    alerts.c.outcome,
    alerts.c.resolution_note,
)
PERSON_COLUMNS = (
    subjects.c.id.label("subject_id"),
    subjects.c.external_id,
    centres.c.name.label("centre"),
    subjects.c.personal,
)


def record(row: Row[Any]) -> AlertRecord:
    return AlertRecord(
        alert_id=row.id,
        kind=AlertKind(row.kind),
        state=AlertState(row.state),
        carrier=row.carrier,
        channel=row.channel,
        base_at=row.base_at,
        due_at=row.due_at,
        opened_at=row.opened_at,
        resumed_at=row.resumed_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        outcome=Outcome(row.outcome) if row.outcome else None,
        resolution_note=row.resolution_note,
    )


def line(row: Row[Any]) -> AlertLine:
    person = None
    if row.subject_id is not None:
        person = AlertPerson(row.subject_id, row.external_id, row.centre, bytes(row.personal))
    return AlertLine(record(row), person)
