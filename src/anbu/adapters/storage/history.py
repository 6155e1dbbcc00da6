"""A centre's retained history, read for a backtest (`anbu backtest --centre`): its people as
enrolled, their events as received, and the cases officers worked. Reads only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from anbu.adapters.storage.alerts import alert_of
from anbu.adapters.storage.batches import Batches
from anbu.adapters.storage.tables import activity_events, alerts, subjects
from anbu.domain.alerts import Alert
from anbu.domain.kinds import SubjectStatus


@dataclass(frozen=True, slots=True)
class EnrolledRow:
    """A person as stored: sealed fields still sealed."""

    id: int
    external_id: str
    carrier: str
    personal: bytes
    inactivity_minutes: int
    inactivity_custom: bool
    phone_off_minutes: int
    phone_off_custom: bool
    consent_at: datetime
    detection: str
    detection_custom: bool


@dataclass(frozen=True, slots=True)
class ReceivedRow:
    subject_id: int
    carrier: str
    event_id: str
    kind: str
    occurred_at: datetime
    duration_s: int | None
    received_at: datetime


class CentreHistory:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._batches = Batches(connection)

    def people(self, centre_id: int) -> list[EnrolledRow]:
        """The centre's people being watched now, by reference."""
        query = (
            select(
                subjects.c.id,
                subjects.c.external_id,
                subjects.c.carrier,
                subjects.c.personal,
                subjects.c.inactivity_minutes,
                subjects.c.inactivity_custom,
                subjects.c.phone_off_minutes,
                subjects.c.phone_off_custom,
                subjects.c.consent_at,
                subjects.c.detection,
                subjects.c.detection_custom,
            )
            .where(
                subjects.c.centre_id == centre_id,
                subjects.c.status == SubjectStatus.ACTIVE.value,
            )
            .order_by(subjects.c.external_id)
        )
        return [EnrolledRow(*row) for row in self.connection.execute(query)]

    def received(self, subject_ids: Sequence[int], since: datetime) -> Iterator[ReceivedRow]:
        """Their events received since `since` (all that is retained), in order of arrival."""
        for chunk in self._batches.per_statement(subject_ids):
            query = (
                select(
                    activity_events.c.subject_id,
                    activity_events.c.carrier,
                    activity_events.c.event_id,
                    activity_events.c.kind,
                    activity_events.c.occurred_at,
                    activity_events.c.duration_s,
                    activity_events.c.received_at,
                )
                .where(
                    self._batches.among(activity_events.c.subject_id, chunk),
                    activity_events.c.received_at >= since,
                )
                .order_by(activity_events.c.received_at, activity_events.c.id)
            )
            for row in self.connection.execute(query):
                yield ReceivedRow(*row)

    def cases(self, subject_ids: Sequence[int], since: datetime) -> list[Alert]:
        """The cases about them opened since `since`, as officers left them."""
        found: list[Alert] = []
        for chunk in self._batches.per_statement(subject_ids):
            query = (
                select(alerts)
                .where(
                    self._batches.among(alerts.c.subject_id, chunk),
                    alerts.c.opened_at >= since,
                )
                .order_by(alerts.c.id)
            )
            found += [alert_of(row) for row in self.connection.execute(query)]
        return found
