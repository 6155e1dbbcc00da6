"""Queue the notifications of alerts about the system itself, in the transaction that
opens them: a stale carrier feed, a delivery channel that is down. (Alerts about a person
go through `escalation`.)

They go to the operators, then the administrators if there are none.
"""

from __future__ import annotations

from datetime import datetime

from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.domain.kinds import Carrier, Role
from anbu.domain.notifications import Addressee, Medium, Notification, Phase, StepRef
from anbu.services import messages

FEED_ROLES = (Role.OPERATOR,)
FALLBACK_ROLES = (Role.ADMIN,)
# A system alert has one step: the first message to the operators.
FIRST = StepRef(Phase.UNACKNOWLEDGED, 0)


def queue_feed_alert(
    uow: UnitOfWork, alert_id: int, carrier: Carrier, since: datetime, now: datetime
) -> int:
    """Queue a stale feed's notifications; returns 1 if nobody could be told."""
    title, text = messages.feed_alert(carrier, since)
    return _queue(uow, alert_id, title, text, now, media=(Medium.SMS, Medium.EMAIL))


def queue_gateway_alert(
    uow: UnitOfWork, alert_id: int, down: Medium, since: datetime, now: datetime
) -> int:
    """Tell the operators that a channel is down — by the other channels only."""
    title, text = messages.gateway_down(down.value, since)
    media = tuple(m for m in Medium if m is not down)
    return _queue(uow, alert_id, title, text, now, media=media)


def _queue(
    uow: UnitOfWork,
    alert_id: int,
    title: str,
    text: str,
    now: datetime,
    *,
    media: tuple[Medium, ...],
) -> int:
    people = uow.staff.contacts_by_role(FEED_ROLES) or uow.staff.contacts_by_role(FALLBACK_ROLES)
    queued = [
        Notification(alert_id, FIRST, Addressee.staff(person.officer_id), medium, title, text, now)
        for person in people
        for medium, reachable in ((Medium.SMS, person.has_phone), (Medium.EMAIL, person.has_email))
        if reachable and medium in media
    ]
    uow.outbox.enqueue(queued)
    return int(not people)
