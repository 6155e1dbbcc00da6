"""Alerts (cases): the list within the caller's reach, one case with its person and
timeline, taking charge of a case, taking the visit (and giving it back), recording a call,
a visit or a note, and closing a case with its outcome.

Reach is the pages': officers and leads their centres' people, the duty desk every
centre's, operators the alerts about the system (feeds, channels), administrators all.
A case out of reach is 404, the same answer as a missing one. Taking a visit is personal
casework: not for operators (403)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Query, Request

from anbu.bootstrap import Anbu
from anbu.domain.kinds import Outcome
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.api.access import ApiRoute, Caseworker, errors
from anbu.entrypoints.web.api.schemas import (
    AlertDetail,
    AlertFilter,
    AlertPage,
    AlertSummary,
    CaseChanged,
    Contact,
    ContactIn,
    ContactRecorded,
    LevelReached,
    Resolution,
    SubjectRef,
    TimelineEntry,
    VisitNeeded,
    emergency_contacts,
)
from anbu.entrypoints.web.auth import ApiUser, anbu_of
from anbu.entrypoints.web.errors import ApiError, ErrorCode
from anbu.entrypoints.web.identifiers import LARGEST_ID, RecordId
from anbu.services import case_views, cases, messages
from anbu.services.accounts import StaffUser
from anbu.services.case_views import Entry, Step
from anbu.services.cases import CaseConflict, CaseInvalid, CaseNotFound

router = APIRouter(prefix="/alerts", tags=["alerts"], route_class=ApiRoute)
PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


@router.get(
    "",
    summary="List the alerts within reach",
    description="Newest first. The person is given by reference and masked name only; "
    "the list is written to the audit log.",
    response_model=AlertPage,
    responses=errors(),
)
def list_alerts(
    request: Request,
    user: ApiUser,
    status: Annotated[
        AlertFilter, Query(description="`open`: not yet resolved; `all`: with the closed.")
    ] = AlertFilter.OPEN,
    before: Annotated[
        int | None, Query(ge=1, le=LARGEST_ID, description="The previous page's `next_before`.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> AlertPage:
    items = case_views.alert_list(
        anbu_of(request),
        user,
        open_only=status is AlertFilter.OPEN,
        before=before,
        limit=limit,
        now=wall_clock(),
    )
    return AlertPage(
        items=[_summary(item) for item in items],
        next_before=items[-1].alert.id if len(items) == limit else None,
    )


@router.get(
    "/{alert_id}",
    summary="One case: what happened, the person and how to reach them, the timeline",
    description="Opening a case about a person writes `subject.viewed` to the audit log.",
    response_model=AlertDetail,
    responses=errors(404),
)
def get_alert(request: Request, alert_id: RecordId, user: ApiUser) -> AlertDetail:
    return _case(anbu_of(request), alert_id, user)


@router.post(
    "/{alert_id}/ack",
    summary="Acknowledge a case: take charge of it",
    description="Escalation stops; a call or a visit is then expected within the policy's "
    "limit. 409 when the case was already acknowledged or is resolved.",
    response_model=CaseChanged,
    responses=errors(404, 409),
)
def acknowledge(request: Request, alert_id: RecordId, user: ApiUser) -> CaseChanged:
    with _refusals():
        alert = cases.acknowledge(anbu_of(request), alert_id, by=user.login, now=wall_clock())
    return CaseChanged(id=alert_id, state=alert.state)


@router.post(
    "/{alert_id}/resolve",
    summary="Close a case about a person with its outcome",
    description="A case waiting for a visit closes once a visit (or a later sign of life) is "
    "on record, with the visit's result (409 before, or with another outcome). An alert "
    "about a feed or a channel closes itself on recovery (409), as does an attempt to close "
    "a case already resolved. `unreachable_visit_needed` does not close a case: it moves it "
    "to `visit_needed`, as `POST /alerts/{alert_id}/visit-needed` does.",
    response_model=CaseChanged,
    responses=errors(400, 404, 409),
)
def resolve(
    request: Request, alert_id: RecordId, resolution: Resolution, user: ApiUser
) -> CaseChanged:
    outcome = Outcome(resolution.outcome.value)
    with _refusals():
        alert = cases.resolve(
            anbu_of(request),
            alert_id,
            outcome,
            by=user.login,
            note=resolution.note,
            now=wall_clock(),
        )
    return CaseChanged(id=alert_id, state=alert.state, outcome=alert.outcome)


@router.post(
    "/{alert_id}/visit-needed",
    summary="Nobody could reach the person: the case waits for a visit",
    description="The case stays open as `visit_needed`, heads its centre's queue and "
    "escalates like an unanswered case until somebody takes the visit (from the next office "
    "opening, so that a case marked at night goes to the centre's officers in the morning). "
    "It closes only once a visit is recorded. 409 when it already waits for one, is "
    "resolved, or is about a feed or a channel. Not for operators (403).",
    response_model=CaseChanged,
    responses=errors(400, 403, 404, 409),
)
def visit_needed(
    request: Request, alert_id: RecordId, user: Caseworker, body: VisitNeeded | None = None
) -> CaseChanged:
    with _refusals():
        alert = cases.need_visit(
            anbu_of(request),
            alert_id,
            by=user.login,
            note=body.note if body else "",
            now=wall_clock(),
        )
    return CaseChanged(id=alert_id, state=alert.state)


@router.post(
    "/{alert_id}/claim",
    summary="Take the visit, so that two officers do not go to the same door",
    description="Answers the case as `GET /alerts/{alert_id}` does (and is audited as that "
    "view is), with `claimed_by` and `claimed_at` set. 409 when someone else has taken "
    "it (or the caller already has), when the case is resolved, or for an alert about a "
    "feed or a channel (nobody to visit). Not for operators (403).",
    response_model=AlertDetail,
    responses=errors(403, 404, 409),
)
def claim(request: Request, alert_id: RecordId, user: Caseworker) -> AlertDetail:
    app = anbu_of(request)
    with _refusals():
        cases.claim(app, alert_id, by=user.login, now=wall_clock())
    return _case(app, alert_id, user)


@router.post(
    "/{alert_id}/release",
    summary="Give back a visit one has taken",
    description="Answers the case as `GET /alerts/{alert_id}` does (and is audited as that "
    "view is), with `claimed_by` null. 409 when the caller does not hold the visit. Not "
    "for operators (403).",
    response_model=AlertDetail,
    responses=errors(403, 404, 409),
)
def release(request: Request, alert_id: RecordId, user: Caseworker) -> AlertDetail:
    app = anbu_of(request)
    with _refusals():
        cases.release(app, alert_id, by=user.login, now=wall_clock())
    return _case(app, alert_id, user)


@router.post(
    "/{alert_id}/contacts",
    status_code=201,
    summary="Record a call, a visit or a note on a case",
    description="A call or a visit acknowledges a case nobody had acknowledged, and is the "
    "contact an acknowledged case was waiting for; a visit is what a case waiting for one "
    "needs before it can be closed. The note is kept sealed and is not sent back; it shows "
    "on the case's timeline. An alert about a feed or a channel takes notes only (409).",
    response_model=ContactRecorded,
    responses=errors(400, 404, 409),
)
def record_contact(
    request: Request, alert_id: RecordId, contact: ContactIn, user: ApiUser
) -> ContactRecorded:
    now = wall_clock()
    with _refusals():
        cases.record_contact(
            anbu_of(request),
            alert_id,
            by=user.login,
            kind=contact.kind,
            result=contact.result,
            note=contact.note,
            now=now,
        )
    return ContactRecorded(
        alert_id=alert_id,
        kind=contact.kind,
        result=contact.result,
        at=now,
        by=user.login,
        noted=bool(contact.note),
    )


@contextmanager
def _refusals() -> Iterator[None]:
    """A refused case command as its status: 404 for a case missing or out of reach, 409
    when the case as it is does not allow it, 422 when the request itself is wrong."""
    try:
        yield
    except CaseNotFound as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, "not found") from exc
    except CaseConflict as exc:
        raise ApiError(409, exc.reason, str(exc)) from exc
    except CaseInvalid as exc:
        raise ApiError(422, exc.reason, str(exc)) from exc


def _case(app: Anbu, alert_id: int, user: StaffUser) -> AlertDetail:
    """The case as `GET /alerts/{alert_id}` answers it (the view is audited); 404 when it is
    missing or out of reach."""
    with _refusals():
        found = case_views.detail(app, alert_id, user, wall_clock())
    s, person = found.situation, found.person
    return AlertDetail(
        id=s.alert_id,
        kind=s.kind,
        state=s.state,
        subject=(
            None
            if person is None
            else SubjectRef(
                reference=person.external_id, masked_name=person.masked_name, centre=person.centre
            )
        ),
        carrier=s.carrier,
        channel=s.channel,
        base_at=s.base_at,
        due_at=s.due_at,
        opened_at=s.opened_at,
        resumed_at=s.resumed_at,
        visit_needed_at=s.visit_needed_at,
        visited_at=s.visited_at,
        acknowledged_at=s.acknowledged_at,
        acknowledged_by=s.acknowledged_by,
        claimed_by=s.claimed_by,
        claimed_at=s.claimed_at,
        resolved_at=s.resolved_at,
        resolved_by=s.resolved_by,
        outcome=s.outcome,
        resolution_note=s.resolution_note,
        level=s.level,
        reason=s.reason,
        levels=[LevelReached(level=level, at=at) for level, at in s.levels],
        silent_seconds=int(s.silent_for.total_seconds()),
        period_seconds=None if s.period is None else int(s.period.total_seconds()),
        since_consent=s.since_consent,
        person=(
            None
            if person is None
            else Contact(
                reference=person.external_id,
                masked_name=person.masked_name,
                name=person.name,
                phone=person.phone,
                phone_e164=person.phone_e164,
                address=person.address,
                birth_year=person.birth_year,
                age=person.age,
                guardian_phone=person.guardian_phone,
                centre=person.centre,
                carrier=person.carrier,
                withdrawn=person.withdrawn,
                emergency_contacts=emergency_contacts(person.visit),
                visit_notes=person.visit.notes,
            )
        ),
        timeline=[_entry(entry) for entry in found.timeline],
        staff_names=found.staff_names,
    )


def _summary(item: case_views.AlertListItem) -> AlertSummary:
    subject = None
    if item.external_id is not None:
        subject = SubjectRef(
            reference=item.external_id,
            masked_name=item.masked_name or "",
            centre=item.centre or "",
        )
    a = item.alert
    assert a.id is not None
    return AlertSummary(
        id=a.id,
        kind=a.kind,
        state=a.state,
        subject=subject,
        carrier=a.carrier.value if a.carrier else None,
        channel=a.channel.value if a.channel else None,
        base_at=a.base_at,
        due_at=a.due_at,
        opened_at=a.opened_at,
        resumed_at=a.resumed_at,
        visit_needed_at=a.visit_needed_at,
        acknowledged_at=a.acknowledged_at,
        acknowledged_by=a.acknowledged_by,
        claimed_by=a.claimed_by,
        resolved_at=a.resolved_at,
        resolved_by=a.resolved_by,
        outcome=a.outcome,
        level=a.level,
        reason=messages.explain(a),
    )


def _entry(entry: Entry) -> TimelineEntry:
    activity = entry.step is Step.ACTIVITY
    return TimelineEntry(
        at=entry.at,
        step=entry.step.value,
        by=entry.by,
        activity=entry.activity,
        count=entry.count if activity else None,
        until=entry.until,
        life=entry.life if activity else None,
        recipient=entry.recipient,
        medium=entry.medium,
        escalation_step=entry.step_of,
        delivery=entry.state,
        result=entry.result,
        note=entry.note,
        outcome=entry.outcome,
        level=entry.level,
    )
