"""Enrolled people: the search over one's centres, one person's record, enrolling and
changing a person (administrators), and pausing monitoring (and ending a pause early).

A person is created or changed the way the command line imports them: as one row of the
subjects CSV (`read_subjects`), then `enrol`, so the rules, the words and the field names
of a refusal are the same whichever door a record comes through. Operators see no
personal data: the list refuses them, and a person is "not found" to them, as another
centre's person is to an officer (the same answer as for an unknown reference)."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from anbu.adapters import catalogue
from anbu.adapters.formats.subjects_csv import VISIT_COLUMNS
from anbu.domain.kinds import Group, SubjectStatus
from anbu.domain.pauses import Pause
from anbu.domain.subjects import VisitInfo, contact_field
from anbu.entrypoints.clock import SEOUL, wall_clock
from anbu.entrypoints.web.api.access import Administrator, ApiRoute, Caseworker, errors, refused
from anbu.entrypoints.web.api.schemas import (
    ActivityDayOut,
    AlertBrief,
    CentreRef,
    EmergencyContactIn,
    EnrolmentResult,
    Hours,
    OpenAlert,
    PauseEnded,
    PauseIn,
    PauseOut,
    Refused,
    Rejected,
    SubjectChanges,
    SubjectDetail,
    SubjectIn,
    SubjectPage,
    SubjectSummary,
    emergency_contacts,
)
from anbu.entrypoints.web.auth import ApiUser, anbu_of
from anbu.entrypoints.web.errors import ApiError, ErrorCode
from anbu.entrypoints.web.identifiers import RecordId, RecordIdQuery
from anbu.services import enrolment_review, people
from anbu.services.accounts import StaffUser
from anbu.services.imports import ImportReport

router = APIRouter(prefix="/subjects", tags=["subjects"], route_class=ApiRoute)


_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"model": Refused, "description": "Refused by the enrolment rules."}
}


@router.get(
    "",
    summary="Search the people within reach",
    description="Fifty a page. `q` is the start of a reference, a whole name or a phone "
    "number. Names are masked; the references shown are written to the audit log (never "
    "the text searched). Not for operators (403).",
    response_model=SubjectPage,
    responses=errors(403),
)
def list_subjects(
    request: Request,
    user: Caseworker,
    q: Annotated[str, Query(max_length=200)] = "",
    centre_id: RecordIdQuery = None,
    group: Group | None = None,
    status: people.StatusFilter = people.StatusFilter.ACTIVE,
    paused: Annotated[bool, Query(description="Only those paused now.")] = False,
    view: Annotated[
        people.View,
        Query(
            description="`closest`: active, not paused, soonest limit first (so nobody "
            "with `paused=true`)."
        ),
    ] = people.View.ALL,
    after: Annotated[
        str | None, Query(max_length=200, description="The previous page's `next_after`.")
    ] = None,
) -> SubjectPage:
    query = people.PeopleQuery(
        text=q,
        centre_id=centre_id,
        group=group,
        status=status,
        paused_only=paused,
        view=view,
        after=after,
    )
    page = people.search(anbu_of(request), user, query, wall_clock())
    return SubjectPage(
        items=[
            SubjectSummary(
                reference=item.external_id,
                masked_name=item.masked_name,
                centre=item.centre,
                group=item.group,
                status=item.status,
                paused=item.paused,
                last_sign_at=item.last_sign,
                silent_seconds=_seconds(item.silent_for),
                next_due_at=item.next_due_at,
                left_seconds=_seconds(item.left),
                open_alerts=[
                    OpenAlert(id=alert_id, kind=kind, state=state)
                    for alert_id, kind, state in item.open_alerts
                ],
            )
            for item in page.items
        ],
        next_after=page.next_after,
        centres=[CentreRef(id=centre, name=name) for centre, name in page.centres],
    )


@router.get(
    "/{reference}",
    summary="One person's whole record",
    description="With the contact details, pauses, alerts and 30 days of activity; writes "
    "`subject.viewed` to the audit log.",
    response_model=SubjectDetail,
    responses=errors(404),
)
def get_subject(request: Request, reference: str, user: ApiUser) -> SubjectDetail:
    return _detail(_person(request, reference, user))


@router.post(
    "",
    status_code=201,
    summary="Enrol a person (administrators)",
    description="One row of the subjects CSV, as JSON. 201 when created; an existing "
    "reference is updated (200, `updated` or `unchanged`), as by an import.",
    response_model=EnrolmentResult,
    responses={
        200: {"model": EnrolmentResult, "description": "The reference existed: updated."},
        **errors(400, 403),
        **_REFUSED,
    },
)
def create_subject(
    request: Request, subject: SubjectIn, user: Administrator, response: Response
) -> EnrolmentResult | JSONResponse:
    fields = {
        name: _cell(getattr(subject, name))
        for name in SubjectIn.model_fields
        if name not in _NOT_CELLS
    }
    visit = _visit_cells(subject.emergency_contacts, subject.visit_notes)
    given = subject.emergency_contacts is not None or subject.visit_notes is not None
    # An existing person's visit information given away entirely ([] and ""): removed.
    emptied = given and not any(visit.values())
    result = _enrol(request, user, fields | visit, emptied=emptied, new_centre=subject.new_centre)
    if isinstance(result, JSONResponse):
        return result
    if result.outcome != "created":
        response.status_code = 200
    # A path: right behind any proxy, whatever scheme and host it was reached by.
    response.headers["Location"] = request.url_for("get_subject", reference=result.reference).path
    return result


@router.patch(
    "/{reference}",
    summary="Change a person's record (administrators)",
    description="Only the fields given change; the record is then checked as a whole by "
    "the enrolment rules. A withdrawn person is enrolled again only through `POST` with a "
    "new consent (409 here).",
    response_model=EnrolmentResult,
    responses={**errors(400, 403, 404, 409), **_REFUSED},
)
def update_subject(
    request: Request, reference: str, changes: SubjectChanges, user: Administrator
) -> EnrolmentResult | JSONResponse:
    current = _person(request, reference, user)
    if current.status is not SubjectStatus.ACTIVE:
        raise ApiError(
            409,
            ErrorCode.CONSENT_WITHDRAWN,
            "consent was withdrawn: enrol again with a new consent",
        )
    fields = _fields_of(current)
    for name in changes.model_fields_set - _NOT_CELLS:
        fields[name] = _cell(getattr(changes, name))
    stored = _visit_cells_of(current.visit)
    given = changes.model_fields_set
    contacts = changes.emergency_contacts if "emergency_contacts" in given else None
    notes = changes.visit_notes if "visit_notes" in given else None
    visit = _visit_cells(contacts, notes)
    # What the request leaves alone stays as stored.
    fields |= stored | {
        name: value
        for name, value in visit.items()
        if (name == "visit_notes" and notes is not None)
        or (name != "visit_notes" and contacts is not None)
    }
    emptied = _emptied(fields, current.visit)
    return _enrol(request, user, fields, emptied=emptied, new_centre=changes.new_centre)


@router.post(
    "/{reference}/pauses",
    status_code=201,
    summary="Pause a person's monitoring (a hospital stay, a trip)",
    description="Time in a pause is not counted towards the person's limits.",
    response_model=PauseOut,
    responses={
        **errors(400, 404),
        422: {"model": Refused, "description": "A pause that makes no sense."},
    },
)
def add_pause(
    request: Request, reference: str, pause: PauseIn, user: ApiUser
) -> PauseOut | JSONResponse:
    now = wall_clock()
    try:
        pause_id = people.add_pause(
            anbu_of(request),
            user,
            reference,
            starts_at=pause.starts_at,
            ends_at=pause.ends_at,
            reason=pause.reason,
            note=pause.note,
            now=now,
        )
    except people.PersonNotFoundError as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, "not found") from exc
    except people.PauseError as exc:
        reason = catalogue.say(exc.reason, user.language)
        rejected = [Rejected(line=None, field=None, reason=reason)]
        return refused(request, rejected, ErrorCode.PAUSE_REFUSED)
    words = people.pause_reason_words(pause.reason)
    note = " ".join(pause.note.split())
    return PauseOut(
        id=pause_id,
        starts_at=pause.starts_at,
        ends_at=pause.ends_at,
        reason=f"{words} · {note}" if note else words,
        created_at=now,
        current=Pause(pause.starts_at, pause.ends_at).covers(now),
    )


@router.post(
    "/{reference}/pauses/{pause_id}/end",
    summary="End a pause now (the person came home sooner)",
    description="A pause in force ends now, and the time since counts again towards the "
    "person's limits; one that has not begun is cancelled (`removed`). Written to the "
    "audit log. 409 for a pause that is over already.",
    response_model=PauseEnded,
    responses=errors(404, 409),
)
def end_pause(request: Request, reference: str, pause_id: RecordId, user: ApiUser) -> PauseEnded:
    try:
        ended = people.end_pause(anbu_of(request), user, reference, pause_id, now=wall_clock())
    except people.PersonNotFoundError as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, "not found") from exc
    except people.PauseOverError as exc:
        # `detail` as it always read (Korean); `message` follows the caller's language.
        raise ApiError(409, ErrorCode.PAUSE_OVER, catalogue.say(exc.reason)) from exc
    p = ended.pause
    return PauseEnded(
        id=p.pause_id,
        starts_at=p.starts_at,
        ends_at=p.ends_at,
        reason=p.reason,
        created_at=p.created_at,
        current=p.current,
        removed=ended.removed,
    )


def _pause(p: people.PauseItem) -> PauseOut:
    return PauseOut(
        id=p.pause_id,
        starts_at=p.starts_at,
        ends_at=p.ends_at,
        reason=p.reason,
        created_at=p.created_at,
        current=p.current,
    )


def _person(request: Request, reference: str, user: StaffUser) -> people.PersonDetail:
    try:
        return people.person(anbu_of(request), user, reference, wall_clock())
    except people.PersonNotFoundError as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, "not found") from exc


def _enrol(
    request: Request,
    user: StaffUser,
    fields: dict[str, str],
    *,
    emptied: bool = False,
    new_centre: bool = False,
) -> EnrolmentResult | JSONResponse:
    """Enrol the row; `emptied`: the request took all visit information away, which a row
    cannot say (empty visit cells leave what is stored, as in an import), so it is removed
    once the row is saved. `new_centre`: its centre may be created though close to one."""
    now = wall_clock()
    report = enrolment_review.enrol_person(
        anbu_of(request), user, fields, now=now, new_centre=new_centre
    )
    if report.rejected:
        # Read as a row of the subjects CSV, but sent as a document: its fields, no line.
        rejected = [
            Rejected(line=None, field=field, reason=catalogue.say(reason, user.language))
            for r in report.rejected
            for field, reason in r.problems
        ]
        return refused(request, rejected)
    reference = fields["external_id"].strip()
    outcome = _outcome(report)
    # A person just created has nothing to take away.
    cleared = emptied and not report.created
    if cleared and people.change_visit(anbu_of(request), user, reference, [], "", now=now):
        outcome = "updated"
    return EnrolmentResult(reference=reference, outcome=outcome)


_VISIT = frozenset({"emergency_contacts", "visit_notes"})
# What the request says that is not a column of the row.
_NOT_CELLS = _VISIT | {"new_centre"}


def _visit_cells(contacts: list[EmergencyContactIn] | None, notes: str | None) -> dict[str, str]:
    """Visit information as the subjects CSV's cells (empty for what is not given)."""
    cells = dict.fromkeys(VISIT_COLUMNS, "")
    for n, contact in enumerate(contacts or [], start=1):
        cells[contact_field(n, "name")] = contact.name
        cells[contact_field(n, "relation")] = contact.relation
        cells[contact_field(n, "phone")] = contact.phone
    cells["visit_notes"] = notes or ""
    return cells


def _visit_cells_of(visit: VisitInfo) -> dict[str, str]:
    cells = dict.fromkeys(VISIT_COLUMNS, "")
    for n, contact in enumerate(visit.contacts, start=1):
        cells[contact_field(n, "name")] = contact.name
        cells[contact_field(n, "relation")] = contact.relation.value
        cells[contact_field(n, "phone")] = contact.phone
    cells["visit_notes"] = visit.notes
    return cells


def _emptied(fields: dict[str, str], stored: VisitInfo) -> bool:
    return not stored.empty and not any(fields[name] for name in VISIT_COLUMNS)


def _outcome(report: ImportReport) -> str:
    return next(o for o in ("created", "updated", "unchanged") if getattr(report, o))


def _fields_of(current: people.PersonDetail) -> dict[str, str]:
    """The stored record as a row of the subjects CSV: read again, it gives the same
    record (and the same record key: unchanged)."""
    return {
        "external_id": current.external_id,
        "name": current.name,
        "birth_date": current.birth_date.isoformat() if current.birth_date else "",
        "phone": current.phone,
        "carrier": current.carrier,
        "centre": current.centre,
        "address": current.address,
        "inactivity_hours": _hours(current.inactivity) if current.inactivity_custom else "",
        "phone_off_hours": _hours(current.phone_off) if current.phone_off_custom else "",
        # In Seoul, as lists give it: the record key compares the text of the instant.
        "consent_at": current.consent_at.astimezone(SEOUL).isoformat(),
        "guardian_phone": current.guardian_phone or "",
        # A person's own choice of detection (a list's `detection` column) stays theirs.
        "detection": current.detection_own or "",
    }


def _hours(period: timedelta) -> str:
    """Whole minutes as hours that read back as the same minutes (the reader truncates
    hours × 60 to whole minutes: 50 min is 0.833333334 h, not 0.8333333333)."""
    minutes = int(period.total_seconds() // 60)
    hours = (Decimal(minutes) / 60).quantize(Decimal("1e-9"), rounding=ROUND_CEILING)
    return format(hours.normalize(), "f")


def _cell(value: Hours | None) -> str:
    return "" if value is None else str(value)


def _seconds(span: timedelta | None) -> int | None:
    return None if span is None else int(span.total_seconds())


def _detail(p: people.PersonDetail) -> SubjectDetail:
    return SubjectDetail(
        reference=p.external_id,
        name=p.name,
        phone=p.phone,
        birth_date=p.birth_date,
        age=p.age,
        address=p.address,
        guardian_phone=p.guardian_phone,
        centre=p.centre,
        group=p.group,
        carrier=p.carrier,
        consent_at=p.consent_at,
        status=p.status,
        withdrawn_at=p.withdrawn_at,
        inactivity_hours=p.inactivity.total_seconds() / 3600,
        inactivity_custom=p.inactivity_custom,
        phone_off_hours=p.phone_off.total_seconds() / 3600,
        phone_off_custom=p.phone_off_custom,
        last_sign_at=p.last_sign,
        next_due_at=p.next_due_at,
        paused=p.paused,
        pauses=[_pause(x) for x in p.pauses],
        alerts=[
            AlertBrief(
                id=a.id or 0,
                kind=a.kind,
                state=a.state,
                base_at=a.base_at,
                opened_at=a.opened_at,
                acknowledged_at=a.acknowledged_at,
                acknowledged_by=a.acknowledged_by,
                resolved_at=a.resolved_at,
                resolved_by=a.resolved_by,
                outcome=a.outcome,
            )
            for a in p.alerts
        ],
        activity=[
            ActivityDayOut(day=d.day, events=d.events, signs_of_life=d.signs_of_life)
            for d in p.activity
        ],
        emergency_contacts=emergency_contacts(p.visit),
        visit_notes=p.visit.notes,
    )
