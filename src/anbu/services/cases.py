"""An officer takes charge of a case and closes it with its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from anbu.adapters.storage import cases
from anbu.bootstrap import Anbu
from anbu.domain.kinds import Outcome, Role
from anbu.services import ack_links, escalation

# What an officer may record; the other outcomes are recorded by anbu itself.
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
        ensure_reach(store.connection, alert_id, by)
        if not cases.acknowledge(store.connection, alert_id, by, now):
            raise CaseError(f"alert {alert_id} is already acknowledged or resolved")
        # Escalation stops; a recorded contact is now expected within the policy's limit.
        escalation.acknowledged(
            store.connection, alert_id, cases.policy(store.connection, alert_id), now
        )
        store.audit(by, "alert.acknowledged", now, detail=str(alert_id))


def resolve(
    app: Anbu, alert_id: int, outcome: Outcome, *, by: str, note: str, now: datetime
) -> None:
    if outcome not in OFFICER_OUTCOMES:
        allowed = ", ".join(o.value for o in OFFICER_OUTCOMES)
        raise CaseError(f"outcome {outcome.value!r} is not one an officer records ({allowed})")
    with app.transaction() as store:
        ensure_reach(store.connection, alert_id, by)
        if not store.resolve_alert(alert_id, outcome, by, now, note):
            raise CaseError(f"alert {alert_id} is already resolved")
        store.audit(by, "alert.resolved", now, detail=f"{alert_id} {outcome.value}")


def ensure_reach(connection: Connection, alert_id: int, login: str) -> None:
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
    if case.centre_id is None:  # about the system: a feed or a gateway
        return who.role is Role.OPERATOR
    if who.role is Role.DUTY:  # the duty desk answers for every centre out of hours
        return True
    return who.role in (Role.OFFICER, Role.LEAD) and case.centre_id in who.centre_ids


def acknowledge_by_link(app: Anbu, token: str, now: datetime) -> int:
    """Acknowledge through a one-tap link from a message; returns the alert's id.
    Raises LinkError for a forged or expired link, CaseError as `acknowledge` does."""
    grant = ack_links.read(app.vault, token, now)
    with app.transaction() as store:
        login = cases.login_of(store.connection, grant.officer_id)
    if login is None:
        raise CaseError("이 링크의 담당자는 더 이상 등록되어 있지 않습니다.")
    acknowledge(app, grant.alert_id, by=login, now=now)
    return grant.alert_id
