"""Watching the delivery channels: a channel on which every attempt has failed for a
while raises an alert for the operators (sent by the channels that still work), and
closes it itself once a message gets through again."""

from __future__ import annotations

from collections.abc import Set
from contextlib import suppress
from datetime import datetime

from anbu.adapters.storage.alerts import AlreadyOpenError
from anbu.domain.alerts import Alert
from anbu.domain.kinds import Outcome
from anbu.domain.notifications import Medium
from anbu.services.context import Context
from anbu.services.outbox import queue_gateway_alert


def watch(app: Context, working: Set[Medium], failing: Set[Medium], now: datetime) -> None:
    for medium in working:
        with app.transaction() as uow:
            case = uow.alerts.open_about_channel(medium)
            if case is not None:
                uow.alerts.save(case.close(Outcome.GATEWAY_RECOVERED, now), case)
    for medium in failing - working:
        # Another dispatcher may raise it at the same moment: the database keeps it one.
        with suppress(AlreadyOpenError):
            _raise(app, medium, now)


def _raise(app: Context, medium: Medium, now: datetime) -> None:
    with app.transaction() as uow:
        since = uow.outbox.failing_since(medium)
        if since is None or now - since < app.options.gateway_alarm:
            return
        if uow.alerts.open_about_channel(medium) is not None:
            return
        alert = uow.alerts.add(
            Alert.for_channel(
                medium, base_at=since, due_at=since + app.options.gateway_alarm, now=now
            )
        )
        assert alert.id is not None
        queue_gateway_alert(uow, alert.id, medium, since, now)
