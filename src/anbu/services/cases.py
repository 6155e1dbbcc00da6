"""What staff do on a case: take charge, take the visit and give it back, record a call, a
visit or a note, say that nobody could be reached and a visit is needed, close it with its
outcome. The pages, the JSON API and the command line all act through these commands.

Each command is one transaction: it reads the alert (its row held until the end), checks
once that the case is within the actor's reach (`anbu.domain.reach.Reach`), acts through the
`Alert` and its rules, saves the change conditionally, and writes the audit entry. A note
that comes with an action commits with it or not at all.

Refusals are typed: `CaseNotFound` (missing, or out of reach: the two read the same, so that
a case's existence does not leak), `CaseConflict` (the case as it is does not allow it) and
`CaseInvalid` (the request itself is wrong) — 404, 409 and 422 to the JSON API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from anbu.adapters.storage.unit_of_work import UnitOfWork
from anbu.domain.alerts import (
    Alert,
    AlertConflict,
    AlertError,
    AlertInvalid,
    ContactKind,
    ContactResult,
    Refusal,
)
from anbu.domain.kinds import Outcome
from anbu.domain.wording import Message
from anbu.services import ack_links
from anbu.services.context import Context

# Longest note kept on a case.
NOTE_LIMIT = 2000
# The case event of "nobody could be reached: a visit is needed", beside calls, visits,
# notes, claims and releases.
VISIT_NEEDED = "visit_needed"
# The largest id the databases hold (BIGINT): a larger one is simply not found.
_LARGEST_ID = 2**63 - 1


class CaseNotFound(LookupError):  # noqa: N818 — 404 Not Found
    """No such case within the actor's reach (or none at all: the two read the same);
    `reason` says so for a person (the pages answer a plain 404)."""

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason


class CaseRefused(Exception):  # noqa: N818
    """The command was refused; `reason` says why, as a code each entry point words."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class CaseConflict(CaseRefused):
    """The case as it is does not allow it (closed, taken, waiting for a visit…): 409."""


class CaseInvalid(CaseRefused):
    """The request itself is wrong (an outcome not the actor's, a call without result): 422."""


def acknowledge(app: Context, alert_id: int, *, by: str, now: datetime) -> Alert:
    """Take charge: escalation stops, and a call or a visit is expected within the policy's
    limit."""
    return _act(app, alert_id, by, now, "alert.acknowledged", lambda a: a.acknowledge(by, now))


def claim(app: Context, alert_id: int, *, by: str, now: datetime) -> Alert:
    """Take the visit, so that two officers do not go to the same door."""

    def take(alert: Alert) -> Alert:
        return alert.claim(by, now)

    return _act(app, alert_id, by, now, "alert.claimed", take, event=_event("claim", by, now))


def release(app: Context, alert_id: int, *, by: str, now: datetime) -> Alert:
    """Give back a visit one has taken."""

    def give_back(alert: Alert) -> Alert:
        return alert.release(by, now, app.calendar)

    return _act(
        app, alert_id, by, now, "alert.released", give_back, event=_event("release", by, now)
    )


def record_contact(
    app: Context,
    alert_id: int,
    *,
    by: str,
    kind: ContactKind,
    result: ContactResult | None,
    note: str,
    now: datetime,
) -> Alert:
    """A call, a visit or a note on the case. A call or a visit needs its result; a note
    takes none. The note is sealed: it may say how the person was found."""
    if kind is not ContactKind.NOTE and result is None:
        raise CaseInvalid(Refusal.RESULT_NEEDED, "a call or a visit needs its result")
    note = _checked_note(note)

    def record(uow: UnitOfWork, alert: Alert) -> None:
        uow.case_events.add(
            alert_id,
            kind,
            by=by,
            at=now,
            result=None if kind is ContactKind.NOTE else result,
            sealed_note=_sealed(app, alert_id, note),
        )

    return _act(
        app,
        alert_id,
        by,
        now,
        f"alert.{kind.value}",
        lambda a: a.record_contact(kind, by, now),
        event=record,
    )


def need_visit(app: Context, alert_id: int, *, by: str, note: str, now: datetime) -> Alert:
    """Nobody could reach the person: the case waits for a visit, heads its centre's queue
    and escalates until somebody takes the visit. The note (what was tried) is kept sealed
    on the case."""
    note = _checked_note(note)

    def mark(alert: Alert) -> Alert:
        return alert.need_visit(by, now, app.calendar)

    def record(uow: UnitOfWork, alert: Alert) -> None:
        sealed = _sealed(app, alert_id, note)
        uow.case_events.add(alert_id, VISIT_NEEDED, by=by, at=now, sealed_note=sealed)

    return _act(app, alert_id, by, now, "alert.visit_needed", mark, event=record)


def resolve(
    app: Context, alert_id: int, outcome: Outcome, *, by: str, note: str, now: datetime
) -> Alert:
    """Close a case about a person with its outcome. The note says why (a false alarm: phone
    lost, travelling, new number…) and may say how the person was found: it is kept sealed
    on the case, as a note. "Unreachable, a visit is needed" does not close a case: it moves
    it to waiting for a visit (`need_visit`)."""
    if outcome is Outcome.UNREACHABLE_VISIT_NEEDED:
        return need_visit(app, alert_id, by=by, note=note, now=now)
    note = _checked_note(note)

    def close(alert: Alert) -> Alert:
        return alert.resolve(outcome, by, now)

    return _act(
        app,
        alert_id,
        by,
        now,
        "alert.resolved",
        close,
        event=_note(app, by, now, note),
        detail=f"{alert_id} {outcome.value}",
    )


def acknowledge_by_link(app: Context, token: str, now: datetime) -> int:
    """Acknowledge through a one-tap link from a message; returns the alert's id.
    Raises LinkError for a forged or expired link, CaseNotFound or CaseConflict as
    `acknowledge` does."""
    grant = ack_links.read(app.vault, token, now)
    with app.transaction() as uow:
        login = uow.staff.login_of(grant.officer_id)
    if login is None:
        raise CaseNotFound(Message("link.officer_gone"))
    acknowledge(app, grant.alert_id, by=login, now=now)
    return grant.alert_id


def reachable(uow: UnitOfWork, alert_id: int, login: str, *, lock: bool = False) -> Alert:
    """The alert, if `login` is active staff who may reach it. Raises CaseNotFound for a
    case missing or out of reach alike."""
    missing = CaseNotFound(Message("case.not_found", alert=alert_id, login=login))
    if not 0 < alert_id <= _LARGEST_ID:
        raise missing
    reach = uow.staff.reach_of(login)
    if reach is None:
        raise CaseNotFound(Message("staff.not_active", login=login))
    alert = uow.alerts.get(alert_id, lock=lock)
    if alert is None or not reach.covers(alert.centre_id if alert.about_person else None):
        raise missing
    return alert


# -- one transaction per command --------------------------------------------------------

_Event = Callable[[UnitOfWork, Alert], None]


def _act(
    app: Context,
    alert_id: int,
    by: str,
    now: datetime,
    action: str,
    transition: Callable[[Alert], Alert],
    *,
    event: _Event | None = None,
    detail: str | None = None,
) -> Alert:
    with app.transaction() as uow:
        alert = reachable(uow, alert_id, by, lock=True)
        try:
            changed = transition(alert)
        except AlertConflict as exc:
            raise CaseConflict(exc.reason, str(exc)) from exc
        except AlertInvalid as exc:
            raise CaseInvalid(exc.reason, str(exc)) from exc
        except AlertError as exc:  # pragma: no cover — every refusal is one of the two
            raise CaseConflict(exc.reason, str(exc)) from exc
        if not uow.alerts.save(changed, alert):
            # Only a writer that did not hold the row (SQLite has no row locks) gets here.
            raise CaseConflict(Refusal.CLOSED, f"alert {alert_id} changed meanwhile; try again")
        if event is not None:
            event(uow, alert)
        uow.audit.record(by, action, now, detail=detail or str(alert_id))
    return changed


def _event(kind: str, by: str, now: datetime) -> _Event:
    def record(uow: UnitOfWork, alert: Alert) -> None:
        assert alert.id is not None
        uow.case_events.add(alert.id, kind, by=by, at=now)

    return record


def _note(app: Context, by: str, now: datetime, note: str) -> _Event | None:
    if not note:
        return None

    def record(uow: UnitOfWork, alert: Alert) -> None:
        assert alert.id is not None
        sealed = _sealed(app, alert.id, note)
        uow.case_events.add(alert.id, ContactKind.NOTE, by=by, at=now, sealed_note=sealed)

    return record


def _checked_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise CaseInvalid(Refusal.NOTE_TOO_LONG, f"a note is at most {NOTE_LIMIT:,} characters")
    return note


def _sealed(app: Context, alert_id: int, note: str) -> bytes | None:
    return app.vault.seal({"note": note}, bound_to=f"case:{alert_id}") if note else None
