"""Queries for escalation: the policies, the alerts whose next step is due, and the
conditional move to the next step. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, update

from anbu.adapters.storage.repository import Store
from anbu.adapters.storage.tables import alerts, centres, notifications, officers, subjects
from anbu.domain.kinds import AlertKind, AlertState, NotificationState, Outcome


@dataclass(frozen=True, slots=True)
class EscalatingAlert:
    """An alert about a person, with what a step needs to know of it."""

    id: int
    subject_id: int
    kind: AlertKind
    state: AlertState
    step: int
    policy: str | None
    base_at: datetime
    staff_told_at: datetime | None
    acknowledged_by: str | None
    resumed_at: datetime | None
    followed_up_at: datetime | None


def centre_policies(connection: Connection, centre_ids: set[int]) -> dict[int, str | None]:
    rows = connection.execute(
        select(centres.c.id, centres.c.escalation_policy).where(centres.c.id.in_(centre_ids))
    )
    return {centre_id: policy for centre_id, policy in rows}


def centre_policy(connection: Connection, centre: str) -> tuple[int, str | None] | None:
    row = connection.execute(
        select(centres.c.id, centres.c.escalation_policy).where(centres.c.name == centre)
    ).first()
    return None if row is None else (row.id, row.escalation_policy)


def set_centre_policy(connection: Connection, centre_id: int, policy: str | None) -> None:
    connection.execute(
        update(centres).where(centres.c.id == centre_id).values(escalation_policy=policy)
    )


def due(connection: Connection, now: datetime, limit: int) -> list[int]:
    """Alerts whose next step is due, and alerts whose person showed life again and whose
    recipients have not yet been told so."""
    unresolved = alerts.c.state != AlertState.RESOLVED.value
    stepping = connection.scalars(
        select(alerts.c.id)
        .where(alerts.c.step_due_at <= now, unresolved)
        .order_by(alerts.c.step_due_at)
        .limit(limit)
    )
    resumed = connection.scalars(
        select(alerts.c.id)
        .where(
            alerts.c.resumed_at.is_not(None),
            alerts.c.followed_up_at.is_(None),
            alerts.c.policy.is_not(None),
            unresolved,
        )
        .limit(limit)
    )
    return sorted(set(stepping) | set(resumed))


def load(connection: Connection, alert_id: int) -> EscalatingAlert | None:
    query = select(
        alerts.c.id,
        alerts.c.subject_id,
        alerts.c.kind,
        alerts.c.state,
        alerts.c.step,
        alerts.c.policy,
        alerts.c.base_at,
        alerts.c.staff_told_at,
        alerts.c.acknowledged_by,
        alerts.c.resumed_at,
        alerts.c.followed_up_at,
    ).where(alerts.c.id == alert_id, alerts.c.subject_id.is_not(None))
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        return None
    return EscalatingAlert(
        row.id,
        row.subject_id,
        AlertKind(row.kind),
        AlertState(row.state),
        row.step,
        row.policy,
        row.base_at,
        row.staff_told_at,
        row.acknowledged_by,
        row.resumed_at,
        row.followed_up_at,
    )


def advance(connection: Connection, alert: EscalatingAlert, values: dict[str, Any]) -> bool:
    """Move the alert on from the step and state it was read in; False (and nothing
    changed) if another worker, an acknowledgement or a resolution came first."""
    changed = connection.execute(
        update(alerts)
        .where(
            alerts.c.id == alert.id,
            alerts.c.step == alert.step,
            alerts.c.state == alert.state.value,
        )
        .values(**values)
    ).rowcount
    return bool(changed)


def advance_acknowledged(connection: Connection, alert_id: int, due_at: datetime) -> None:
    """The acknowledged plan starts at its first step, due at `due_at`."""
    connection.execute(
        update(alerts).where(alerts.c.id == alert_id).values(step=0, step_due_at=due_at)
    )


def resolve(connection: Connection, alert_id: int, outcome: Outcome, now: datetime) -> None:
    """Closed by anbu itself (the person answered before staff were told)."""
    Store(connection).resolve_alert(alert_id, outcome, "anbu", now)


def officer_id(connection: Connection, login: str) -> int | None:
    return connection.scalar(select(officers.c.id).where(officers.c.login == login))


def told_staff(connection: Connection, alert_id: int) -> list[tuple[int, str]]:
    """(officer, medium) of each message that reached the gateway for this alert."""
    rows = connection.execute(
        select(notifications.c.officer_id, notifications.c.medium)
        .where(
            notifications.c.alert_id == alert_id,
            notifications.c.officer_id.is_not(None),
            notifications.c.state.in_(
                [NotificationState.SENT.value, NotificationState.DELIVERED.value]
            ),
        )
        .distinct()
        .order_by(notifications.c.officer_id, notifications.c.medium)
    )
    return [(oid, medium) for oid, medium in rows]


def step_still_reaching(connection: Connection, alert_id: int, step: str) -> bool:
    """Whether any staff message of this step is still on its way or got through."""
    found = connection.scalar(
        select(notifications.c.id)
        .where(
            and_(
                notifications.c.alert_id == alert_id,
                notifications.c.step == step,
                notifications.c.officer_id.is_not(None),
                notifications.c.state != NotificationState.FAILED.value,
            )
        )
        .limit(1)
    )
    return found is not None


def escalate_now(connection: Connection, alert_id: int, now: datetime) -> None:
    """Nobody of the current step can be reached: the next step is due at once, as if the
    deadline had passed in silence. Only before an acknowledgement."""
    connection.execute(
        update(alerts)
        .where(
            alerts.c.id == alert_id,
            alerts.c.state.in_([AlertState.OPEN.value, AlertState.NOTIFIED.value]),
            alerts.c.step_due_at > now,
        )
        .values(step_due_at=now)
    )


def alert_subject_sealed(connection: Connection, alert_id: int) -> tuple[str, bytes] | None:
    """(reference, sealed personal data) of the person an alert is about."""
    row = connection.execute(
        select(subjects.c.external_id, subjects.c.personal)
        .join(alerts, alerts.c.subject_id == subjects.c.id)
        .where(alerts.c.id == alert_id)
    ).first()
    return None if row is None else (row.external_id, bytes(row.personal))
