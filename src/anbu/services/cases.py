"""An officer takes charge of a case and closes it with its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from anbu.adapters.storage import cases
from anbu.bootstrap import Anbu
from anbu.domain.kinds import AlertKind, Outcome, Role

# What an officer may record; `feed_recovered` and `consent_withdrawn` are the system's.
OFFICER_OUTCOMES = (
    Outcome.SAFE,
    Outcome.HOSPITALISED,
    Outcome.DECEASED,
    Outcome.UNREACHABLE_VISIT_NEEDED,
    Outcome.FALSE_ALARM,
)


class CaseError(ValueError):
    """The action cannot be taken; the message says why, in words for the person acting."""


def acknowledge(app: Anbu, alert_id: int, *, by: str, now: datetime) -> None:
    with app.transaction() as store:
        _allowed(store.connection, alert_id, by)
        if not cases.acknowledge(store.connection, alert_id, by, now):
            raise CaseError(f"alert {alert_id} is already acknowledged or resolved")
        store.audit(by, "alert.acknowledged", now, detail=str(alert_id))


def resolve(
    app: Anbu, alert_id: int, outcome: Outcome, *, by: str, note: str, now: datetime
) -> None:
    if outcome not in OFFICER_OUTCOMES:
        allowed = ", ".join(o.value for o in OFFICER_OUTCOMES)
        raise CaseError(f"outcome {outcome.value!r} is not one an officer records ({allowed})")
    with app.transaction() as store:
        _allowed(store.connection, alert_id, by)
        if not store.resolve_alert(alert_id, outcome, by, now, note):
            raise CaseError(f"alert {alert_id} is already resolved")
        store.audit(by, "alert.resolved", now, detail=f"{alert_id} {outcome.value}")


def _allowed(connection: Connection, alert_id: int, login: str) -> None:
    """Officers and leads act on their centres' people, operators on feed alerts,
    administrators on everything. An alert outside one's reach reads as not found,
    so that its existence does not leak."""
    who = cases.actor(connection, login)
    if who is None:
        raise CaseError(f"no active staff member {login!r}")
    found = cases.case(connection, alert_id)
    if found is None or not _reaches(who, found):
        raise CaseError(f"no alert {alert_id} for {login}")


def _reaches(who: cases.Actor, case: cases.Case) -> bool:
    if who.role is Role.ADMIN:
        return True
    if case.kind is AlertKind.FEED_STALE:
        return who.role is Role.OPERATOR
    return who.role in (Role.OFFICER, Role.LEAD) and case.centre_id in who.centre_ids
