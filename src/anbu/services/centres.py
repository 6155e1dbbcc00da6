"""A centre's escalation policy: read, and replaced by an administrator or the centre's
lead. A change applies to alerts that open afterwards; cases in flight keep theirs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from anbu.domain.escalation import EscalationPolicy, PolicyError
from anbu.domain.kinds import Detection
from anbu.domain.wording import Message, MessageError
from anbu.services.context import Context
from anbu.services.escalation import policy_for


class CentreError(MessageError):
    """No such centre, or a policy document that cannot be read; `reason` says which."""


def policy(app: Context, centre: str) -> EscalationPolicy:
    with app.transaction() as tx:
        found = tx.centres.policy_named(centre)
    if found is None:
        raise CentreError(Message("centre.unknown", name=centre))
    return policy_for(found[1])


def set_policy(
    app: Context, centre: str, document: str | None, *, by: str, now: datetime
) -> EscalationPolicy:
    """Replace the centre's policy with `document` (JSON), or the default for None."""
    new = EscalationPolicy() if document is None else _read(document)
    with app.transaction() as tx:
        found = tx.centres.policy_named(centre)
        if found is None:
            raise CentreError(Message("centre.unknown", name=centre))
        stored = None if document is None else json.dumps(new.to_json(), ensure_ascii=False)
        tx.centres.set_policy(found[0], stored)
        tx.audit.record(by, "centre.policy_changed", now, detail=centre)
    return new


def _read(document: str) -> EscalationPolicy:
    try:
        data: Any = json.loads(document)
    except json.JSONDecodeError as exc:
        unread = Message("centre.policy_not_json", line=exc.lineno, problem=exc.msg)
        raise CentreError(unread) from exc
    if not isinstance(data, dict):
        raise CentreError(Message("centre.policy_not_object"))
    try:
        return EscalationPolicy.from_json(data)
    except PolicyError as exc:
        raise CentreError(_field_problem(exc)) from exc


def _field_problem(refused: PolicyError) -> Message:
    """`field: reason`, as a refused line's problem reads (`rejection.field`)."""
    return Message("rejection.field", field=refused.field, reason=refused.reason)


def detection(app: Context, centre: str) -> Detection:
    """How the centre's people are watched unless set for the person."""
    with app.transaction() as tx:
        found = tx.centres.detection_named(centre)
    if found is None:
        raise CentreError(Message("centre.unknown", name=centre))
    return found[1]


def set_detection(app: Context, centre: str, chosen: Detection, *, by: str, now: datetime) -> int:
    """Make `chosen` the centre's default; the people who follow the default are watched
    that way from now on (their due instants worked out anew). Returns how many moved."""
    with app.transaction() as tx:
        found = tx.centres.detection_named(centre)
        if found is None:
            raise CentreError(Message("centre.unknown", name=centre))
        moved = tx.centres.set_detection(found[0], chosen)
        for start in range(0, len(moved), 500):
            chunk = moved[start : start + 500]
            tx.subjects.save_watches(tx.subjects.watches(chunk, lock=True), now)
        detail = json.dumps({"centre": centre, "detection": chosen.value, "people": len(moved)})
        tx.audit.record(by, "centre.detection_changed", now, detail=detail)
    return len(moved)
