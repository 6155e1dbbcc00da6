"""Finding and looking after enrolled people: the search an officer runs over their
centres, who is closest to their limit, one person's whole record, and pausing monitoring
(and ending a pause early).

Reach: administrators and the duty desk see every centre, officers and leads their own,
operators nobody. A person out of reach is answered exactly as an unknown reference is, so
that their existence does not leak. Every view of personal data is written to the audit log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import phonenumbers

from anbu.adapters import catalogue
from anbu.adapters.storage.people import Criteria, PersonLine
from anbu.adapters.storage.subjects import PauseRow
from anbu.domain.alerts import Alert
from anbu.domain.detection import Outlook
from anbu.domain.kinds import (
    ActivityKind,
    AlertKind,
    AlertState,
    Detection,
    Group,
    SubjectStatus,
)
from anbu.domain.kinds import StatusFilter as StatusFilter
from anbu.domain.pauses import Pause
from anbu.domain.phones import PhoneError, normalise_phone
from anbu.domain.subjects import (
    VisitInfo,
    age_on,
    mask_name,
    name_key_for,
    visit_fields,
    visit_info,
    visit_of,
    without_visit,
)
from anbu.domain.wording import Message, MessageError
from anbu.services import subjects
from anbu.services.accounts import StaffUser
from anbu.services.context import Context

PAGE_SIZE = 50
CHART_DAYS = 30
ALERT_HISTORY = 100
MAX_PAUSE_NOTE = 150
# A pause is about a hospital stay or a trip: not years away, and not long past.
PAUSE_HORIZON = timedelta(days=366)
SEOUL = ZoneInfo("Asia/Seoul")
# Text searched as the beginning of a reference: printable ASCII without spaces (SD-00).
# Other text is matched whole: a phone number, a name, or an exact reference.
_REFERENCE_LIKE = re.compile(r"[!-~]{1,64}")


class View(StrEnum):
    ALL = "all"  # everyone matching, by reference
    CLOSEST = "closest"  # active, not paused, soonest limit first


class PauseReason(StrEnum):
    HOSPITAL = "hospital"
    TRAVEL = "travel"
    OTHER = "other"


def pause_reason_words(reason: PauseReason) -> str:
    """How a pause's reason is written down: in Korean, as the district keeps its records
    (the page's word for it, from the catalogue)."""
    return catalogue.text(f"people.pause.reason.{reason.value}", catalogue.KOREAN)


class PersonNotFoundError(LookupError):
    """No such person within the viewer's reach (unknown, or another centre's)."""


class PauseError(MessageError):
    """The pause cannot be added; `reason` says why, for the edges to word."""


class PauseNotFoundError(PersonNotFoundError):
    """The person has no such pause, or is out of reach: answered as an unknown person."""


class PauseOverError(MessageError):
    """The pause is over already: there is nothing left to end."""


@dataclass(frozen=True, slots=True)
class PeopleQuery:
    """What the list is asked for. `after` is the cursor of the page before."""

    text: str = ""
    centre_id: int | None = None
    group: Group | None = None
    status: StatusFilter = StatusFilter.ACTIVE
    paused_only: bool = False
    view: View = View.ALL
    after: str | None = None


@dataclass(frozen=True, slots=True)
class PersonItem:
    external_id: str
    masked_name: str
    centre: str
    group: Group
    status: SubjectStatus
    paused: bool
    # The last sign of life, or None when there has been none since consent.
    last_sign: datetime | None
    silent_for: timedelta | None  # since the last sign of life, or since consent
    next_due_at: datetime | None
    left: timedelta | None  # before the limit; negative once passed
    open_alerts: tuple[tuple[int, AlertKind, AlertState], ...]


@dataclass(frozen=True, slots=True)
class PeoplePage:
    items: list[PersonItem]
    next_after: str | None  # the cursor for the next page; None on the last
    centres: list[tuple[int, str]]  # the centres in reach, for the filter


@dataclass(frozen=True, slots=True)
class PauseItem:
    pause_id: int
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    created_at: datetime
    current: bool
    over: bool  # ended by `now`: nothing left to end


@dataclass(frozen=True, slots=True)
class EndedPause:
    """What ending a pause did: `pause` as it stands now, or, when it had not begun and was
    removed (`removed`), as it was."""

    pause: PauseItem
    removed: bool


@dataclass(frozen=True, slots=True)
class ActivityDay:
    day: date
    events: int
    signs_of_life: int


@dataclass(frozen=True, slots=True)
class PersonDetail:
    external_id: str
    name: str
    phone: str  # as written in Korea (010-1234-5678); empty once withdrawn
    birth_date: date | None
    age: int | None
    address: str
    guardian_phone: str | None
    centre: str
    group: Group
    carrier: str
    consent_at: datetime
    status: SubjectStatus
    withdrawn_at: datetime | None
    inactivity: timedelta
    inactivity_custom: bool
    phone_off: timedelta
    phone_off_custom: bool
    last_sign: datetime | None
    next_due_at: datetime | None
    paused: bool
    pauses: list[PauseItem]
    alerts: list[Alert]
    activity: list[ActivityDay]  # CHART_DAYS Seoul days, oldest first, ending today
    # Personal detection: the learned rhythm and the next level (None: the fixed rule).
    outlook: Outlook | None = None
    visit: VisitInfo = field(default_factory=VisitInfo)  # emergency contacts and notes for the door
    phone_e164: str = ""  # the person's own number as stored (a contact may not repeat it)
    detection_own: str | None = None  # their own `detection` (None: the centre's default)


class VisitChangeError(MessageError):
    """The visit information cannot be changed (consent withdrawn); `reason` says so."""


def search(app: Context, user: StaffUser, query: PeopleQuery, now: datetime) -> PeoplePage:
    """One page of the people within the user's reach matching `query`. The names shown are
    masked; the view is audited with the references it showed (never the text searched:
    that may be a name or a phone number)."""
    scope = _scope(user)
    criteria = _criteria(app, scope, query, now)
    with app.transaction() as tx:
        if query.view is View.CLOSEST:
            lines = tx.people.closest(
                criteria, after=_closest_cursor(query.after), limit=PAGE_SIZE + 1
            )
        else:
            lines = tx.people.by_reference(criteria, after=query.after, limit=PAGE_SIZE + 1)
        more = len(lines) > PAGE_SIZE
        lines = lines[:PAGE_SIZE]
        shown = [line.subject_id for line in lines]
        alerts = tx.people.open_alerts(shown)
        paused = tx.people.paused_now(shown, now)
        centres = tx.people.centres_within(scope)
        detail = {
            "view": query.view.value,
            "searched": bool(query.text.strip()),
            "shown": [line.external_id for line in lines],
        }
        tx.audit.record(user.login, "people.listed", now, detail=json.dumps(detail))
    by_subject: dict[int, list[tuple[int, AlertKind, AlertState]]] = {}
    for alert in alerts:
        by_subject.setdefault(alert.subject_id, []).append(
            (alert.alert_id, alert.kind, alert.state)
        )
    items = [
        _item(app, line, by_subject.get(line.subject_id, []), line.subject_id in paused, now)
        for line in lines
    ]
    next_after = None
    if more and lines:
        last = lines[-1]
        if query.view is View.CLOSEST and last.next_due_at is not None:
            next_after = f"{last.next_due_at.isoformat()}~{last.external_id}"
        else:
            next_after = last.external_id
    return PeoplePage(items, next_after, centres)


@dataclass(frozen=True, slots=True)
class RosterLine:
    """One enrolled person as `anbu subjects list` shows them: the name masked, no contact."""

    external_id: str
    masked_name: str
    centre: str
    carrier: str
    detection: Detection
    inactivity: timedelta
    phone_off: timedelta
    status: SubjectStatus
    paused: bool
    last_sign: datetime | None  # None: no sign of life since consent


class UnknownCentreError(LookupError):
    """No centre of that name."""


ROSTER_PAGE = 500


def roster(
    app: Context,
    *,
    centre: str | None,
    status: StatusFilter,
    now: datetime,
    actor: str,
) -> Iterator[list[RosterLine]]:
    """Every person of the district (or of one centre), by reference, a page at a time; each
    page read in its own transaction and audited as the pages' list is (`people.listed`,
    with the references shown). Reads only the list's columns and each sealed record for
    the name, which leaves masked. Raises UnknownCentreError for a centre not on file."""
    centre_id = _centre_id(app, centre) if centre is not None else None
    after: str | None = None
    while True:
        query = PeopleQuery(centre_id=centre_id, status=status, after=after)
        criteria = _criteria(app, None, query, now)
        with app.transaction() as tx:
            lines = tx.people.by_reference(criteria, after=after, limit=ROSTER_PAGE)
            paused = tx.people.paused_now([line.subject_id for line in lines], now)
            if lines:
                detail = {
                    "view": "command",
                    "centre": centre,
                    "shown": [line.external_id for line in lines],
                }
                tx.audit.record(actor, "people.listed", now, detail=json.dumps(detail))
        if not lines:
            return
        yield [_roster_line(app, line, line.subject_id in paused) for line in lines]
        if len(lines) < ROSTER_PAGE:
            return
        after = lines[-1].external_id


def _centre_id(app: Context, name: str) -> int:
    with app.transaction() as tx:
        centres = tx.people.centres_within(None)
    for centre_id, centre in centres:
        if centre == name:
            return centre_id
    raise UnknownCentreError(name)


def _roster_line(app: Context, line: PersonLine, paused: bool) -> RosterLine:
    name = str(app.vault.open(line.personal, bound_to=line.external_id).get("name", ""))
    sign = line.last_life_at if line.last_life_at and line.last_life_at >= line.consent_at else None
    return RosterLine(
        external_id=line.external_id,
        masked_name=mask_name(name),
        centre=line.centre,
        carrier=line.carrier,
        detection=Detection(line.detection),
        inactivity=timedelta(minutes=line.inactivity_minutes),
        phone_off=timedelta(minutes=line.phone_off_minutes),
        status=line.status,
        paused=paused,
        last_sign=sign,
    )


def person(app: Context, user: StaffUser, external_id: str, now: datetime) -> PersonDetail:
    """The person's whole record; raises PersonNotFoundError when unknown or out of reach.
    Writes `subject.viewed` to the audit log, once per call."""
    today = now.astimezone(SEOUL).date()
    first_day = today - timedelta(days=CHART_DAYS - 1)
    since = datetime.combine(first_day, time(), SEOUL)
    until = datetime.combine(today + timedelta(days=1), time(), SEOUL)
    with app.transaction() as tx:
        row = tx.people.person(external_id)
        if row is None or not _reaches(user, row.centre_id):
            raise PersonNotFoundError(external_id)
        pause_rows = tx.people.pauses_of(row.id)
        history = tx.cases.history(row.id, ALERT_HISTORY)
        counts = tx.people.daily_activity(row.id, since, until)
        watch = tx.subjects.watches([row.id], lock=False).get(row.id)
        tx.audit.record(user.login, "subject.viewed", now, subject_id=row.id)
    personal = app.vault.open(row.personal, bound_to=row.external_id)
    birth = date.fromisoformat(personal["birth_date"]) if personal.get("birth_date") else None
    pause_items = [
        _pause_item(p.id, Pause(p.starts_at, p.ends_at), p.reason, p.created_at, now)
        for p in pause_rows
    ]
    return PersonDetail(
        external_id=row.external_id,
        name=str(personal.get("name", "")),
        phone=national_form(personal.get("phone")),
        birth_date=birth,
        age=age_on(birth, today) if birth else None,
        address=str(personal.get("address", "")),
        guardian_phone=national_form(personal.get("guardian_phone")) or None,
        centre=row.centre,
        group=Group(row.group),
        carrier=row.carrier,
        consent_at=row.consent_at,
        status=row.status,
        withdrawn_at=row.withdrawn_at,
        inactivity=timedelta(minutes=row.inactivity_minutes),
        inactivity_custom=row.inactivity_custom,
        phone_off=timedelta(minutes=row.phone_off_minutes),
        phone_off_custom=row.phone_off_custom,
        last_sign=row.last_life_at,
        # A personal rhythm's column may hold ingest's early bound: the page says the exact.
        next_due_at=watch.next_due_at if watch and watch.personal else row.next_due_at,
        paused=any(p.current for p in pause_items),
        pauses=pause_items,
        alerts=history,
        activity=_days(app, counts, first_day),
        outlook=None if watch is None else watch.outlook(now),
        visit=visit_of(personal),
        phone_e164=str(personal.get("phone", "")),
        detection_own=row.detection_own,
    )


def change_visit(
    app: Context,
    user: StaffUser,
    external_id: str,
    contacts: Sequence[tuple[str, str, str]],
    notes: str,
    *,
    now: datetime,
) -> bool:
    """Replace the person's emergency contacts ((name, relation, phone) as written; an
    empty triple is none) and visit notes, sealed with the rest of their data, and write
    `subject.visit_changed` to the audit log (how many contacts, whether the notes changed:
    never the contacts or notes themselves). Anyone who may see the person may change
    them. Returns whether anything changed (nothing is written or audited otherwise).
    Raises PersonNotFoundError when out of reach, VisitChangeError when consent was
    withdrawn, EnrolmentError naming the field (`contact2_phone`) for a bad value."""
    with app.transaction() as tx:
        row = tx.people.person(external_id)
        if row is None or not _reaches(user, row.centre_id):
            raise PersonNotFoundError(external_id)
        if row.status is not SubjectStatus.ACTIVE:
            raise VisitChangeError(Message("visit.withdrawn_unchangeable"))
        personal = app.vault.open(tx.subjects.sealed_for_change(row.id), bound_to=external_id)
        visit = visit_info(contacts, notes, str(personal.get("phone", "")))
        before = visit_of(personal)
        if before == visit:
            return False
        personal = without_visit(personal) | visit_fields(visit)
        tx.subjects.reseal(row.id, app.vault.seal(personal, bound_to=external_id), now)
        detail = {
            "contacts": [len(before.contacts), len(visit.contacts)],
            "notes_changed": before.notes != visit.notes,
        }
        tx.audit.record(
            user.login, "subject.visit_changed", now, subject_id=row.id, detail=json.dumps(detail)
        )
    return True


def add_pause(
    app: Context,
    user: StaffUser,
    external_id: str,
    *,
    starts_at: datetime,
    ends_at: datetime | None,
    reason: PauseReason,
    note: str,
    now: datetime,
) -> int:
    """Pause the person's monitoring (a hospital stay, a trip); returns the pause's number.
    Raises PersonNotFoundError when the person is out of reach, PauseError for a pause that
    makes no sense."""
    note = " ".join(note.split())
    if len(note) > MAX_PAUSE_NOTE:
        raise PauseError(Message("pause.note_too_long", longest=MAX_PAUSE_NOTE))
    if ends_at is not None and ends_at <= starts_at:
        raise PauseError(Message("pause.ends_before_start"))
    if abs(starts_at - now) > PAUSE_HORIZON or (
        ends_at is not None and ends_at - now > PAUSE_HORIZON
    ):
        raise PauseError(Message("pause.outside_year"))
    with app.transaction() as tx:
        row = tx.people.person(external_id)
        if row is None or not _reaches(user, row.centre_id):
            raise PersonNotFoundError(external_id)
        if row.status is not SubjectStatus.ACTIVE:
            raise PauseError(Message("pause.withdrawn"))
    words = pause_reason_words(reason)
    written = f"{words} · {note}" if note else words
    pause_id = subjects.pause(
        app, external_id, Pause(starts_at, ends_at), written, now=now, actor=user.login
    )
    if pause_id is None:
        raise PersonNotFoundError(external_id)
    return pause_id


def end_pause(
    app: Context, user: StaffUser, external_id: str, pause_id: int, *, now: datetime
) -> EndedPause:
    """End one of the person's pauses at `now` (they came home sooner), and move their due
    instant back to what the shorter pause leaves: if their silence has outrun their period
    once the pause is gone, the next sweep opens the alert the pause was holding back.

    A pause in force ends at `now`. A pause that has not begun (or begins at `now`) is
    removed rather than ended at its start: it never suspended anything, an empty pause
    cannot be written (it must end after it starts), and the audit entry keeps what had
    been planned. Raises PersonNotFoundError (or PauseNotFoundError) when the person or the
    pause is out of reach or unknown, PauseOverError when the pause ended by `now`."""
    with app.transaction() as tx:
        row = tx.people.person(external_id)
        if row is None or not _reaches(user, row.centre_id):
            raise PersonNotFoundError(external_id)
        found = tx.subjects.pause_of(row.id, pause_id)
        if found is None:
            raise PauseNotFoundError(external_id)
        planned = Pause(found.starts_at, found.ends_at)
        if planned.ends_at is not None and planned.ends_at <= now:
            raise PauseOverError(Message("pause.over"))
        removed = planned.starts_at >= now
        if removed:
            tx.subjects.remove_pause(pause_id)
            now_stands = planned
        else:
            tx.subjects.end_pause(pause_id, now)
            now_stands = Pause(planned.starts_at, now)
        # The due instant is kept in the indexed column the sweep reads: recompute it from
        # the pauses as they stand now, as adding a pause does.
        watch = tx.subjects.watches([row.id], lock=True)[row.id]
        tx.subjects.save_watches({row.id: watch}, now)
        action = "subject.pause_removed" if removed else "subject.pause_ended"
        tx.audit.record(user.login, action, now, subject_id=row.id, detail=_pause_detail(found))
    return EndedPause(
        _pause_item(pause_id, now_stands, found.reason, found.created_at, now), removed
    )


def national_form(e164: object) -> str:
    """`+821012345678` as Koreans write it, `010-1234-5678`; empty for nothing."""
    if not isinstance(e164, str) or not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "KR")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _scope(user: StaffUser) -> frozenset[int] | None:
    """The centres whose people the user may see (None: every centre; operators: none)."""
    return user.reach.centres


def _reaches(user: StaffUser, centre_id: int) -> bool:
    scope = _scope(user)
    return scope is None or centre_id in scope


def _criteria(
    app: Context, scope: frozenset[int] | None, query: PeopleQuery, now: datetime
) -> Criteria:
    text = query.text.strip()
    reference = prefix = ""
    name_key = phone_key = None
    # Each kind of text is matched only in the ways it can mean, each by equality on an
    # index, so that a name or a phone number never costs a pattern scan of every reference.
    if _phone_like(text):
        phone_key = app.vault.lookup_key(normalise_phone(text))
        reference = text
    elif _REFERENCE_LIKE.fullmatch(text):
        prefix = text
        name_key = app.vault.lookup_key(name_key_for(text))
    elif text:  # Hangul, spaces: a name (or a whole reference)
        name_key = app.vault.lookup_key(name_key_for(text))
        reference = text
    status = None if query.status is StatusFilter.ANY else SubjectStatus(query.status.value)
    return Criteria(
        centre_ids=scope,
        now=now,
        reference=reference,
        reference_prefix=prefix,
        name_key=name_key,
        phone_key=phone_key,
        centre_id=query.centre_id,
        group=query.group.value if query.group else None,
        status=status,
        paused_only=query.paused_only,
    )


def _phone_like(text: str) -> bool:
    if not text:
        return False
    try:
        normalise_phone(text)
    except PhoneError:
        return False
    return True


def _closest_cursor(after: str | None) -> tuple[datetime, str] | None:
    """`<next_due_at ISO 8601>~<reference>`; a cursor that does not read starts over."""
    if not after or "~" not in after:
        return None
    instant, _, reference = after.partition("~")
    try:
        due = datetime.fromisoformat(instant)
    except ValueError:
        return None
    return (due, reference) if due.tzinfo is not None else None


def _item(
    app: Context,
    line: PersonLine,
    alerts: list[tuple[int, AlertKind, AlertState]],
    paused: bool,
    now: datetime,
) -> PersonItem:
    name = str(app.vault.open(line.personal, bound_to=line.external_id).get("name", ""))
    sign = line.last_life_at if line.last_life_at and line.last_life_at >= line.consent_at else None
    active = line.status is SubjectStatus.ACTIVE
    return PersonItem(
        external_id=line.external_id,
        masked_name=mask_name(name),
        centre=line.centre,
        group=Group(line.group),
        status=line.status,
        paused=paused,
        last_sign=sign,
        silent_for=now - (sign or line.consent_at) if active else None,
        next_due_at=line.next_due_at,
        left=line.next_due_at - now if line.next_due_at and active else None,
        open_alerts=tuple(alerts),
    )


def _pause_item(
    pause_id: int, pause: Pause, reason: str, created_at: datetime, now: datetime
) -> PauseItem:
    return PauseItem(
        pause_id=pause_id,
        starts_at=pause.starts_at,
        ends_at=pause.ends_at,
        reason=reason,
        created_at=created_at,
        current=pause.covers(now),
        over=pause.ends_at is not None and pause.ends_at <= now,
    )


def _pause_detail(row: PauseRow) -> str:
    """The pause's dates before it was ended or removed: a removed one is gone from the
    pauses table, so the audit log is where its planned dates stay. Not its reason, which
    may say why someone is in hospital: the audit log keeps no more than it must."""
    until = row.ends_at.isoformat() if row.ends_at else ""
    return json.dumps({"pause": row.id, "starts_at": row.starts_at.isoformat(), "ends_at": until})


def _days(
    app: Context, counts: list[tuple[date, ActivityKind, bool, int]], first_day: date
) -> list[ActivityDay]:
    """Each of the CHART_DAYS days from `first_day`: events, and those that were signs of
    life by the rules in force (an answered call is; a missed one is not)."""
    events = dict.fromkeys((first_day + timedelta(days=i) for i in range(CHART_DAYS)), 0)
    life = dict(events)
    for day, kind, answered, count in counts:
        if day not in events:
            continue
        events[day] += count
        if app.rules.is_sign_of_life(kind, 1 if answered else 0):
            life[day] += count
    return [ActivityDay(day, events[day], life[day]) for day in events]
