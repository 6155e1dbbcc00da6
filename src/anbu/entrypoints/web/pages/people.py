"""The people an officer looks after: search and filters over their centres, who is closest
to their limit, one person's record with their activity, alerts and pauses, and pausing
monitoring for a hospital stay or a trip (and ending the pause when they come home sooner).

Operators see no personal data: the list refuses them and a person's page is "not found",
as is another centre's person (the same answer as for an unknown reference).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from anbu.adapters import catalogue
from anbu.adapters.formats.subjects_csv import VISIT_COLUMNS
from anbu.domain.kinds import Group, Role, SubjectStatus
from anbu.domain.subjects import MAX_CONTACTS, EnrolmentError, Relation, contact_field
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.durations import duration
from anbu.entrypoints.web import i18n
from anbu.entrypoints.web.auth import Form, PageUser, anbu_of, requiring
from anbu.entrypoints.web.charts import Watching, bar_chart, watching_overlay, week_grid
from anbu.entrypoints.web.identifiers import RecordId
from anbu.entrypoints.web.templating import SEOUL, templates
from anbu.services import officers, people
from anbu.services.accounts import StaffUser

router = APIRouter(include_in_schema=False)
E = TypeVar("E", bound=StrEnum)

PeopleUser = Annotated[StaffUser, requiring(Role.OFFICER, Role.LEAD, Role.ADMIN, Role.DUTY)]
# What ending a pause did, told on the person's page after the redirect.
_DONE = frozenset({"ended", "removed"})
_VISIT_FIELDS = VISIT_COLUMNS


@router.get("/people", response_class=HTMLResponse)
def people_page(
    request: Request,
    user: PeopleUser,
    q: Annotated[str, Query(max_length=100)] = "",
    centre: Annotated[str, Query(max_length=20)] = "",
    group: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=20)] = "active",
    paused: Annotated[str, Query(max_length=5)] = "",
    view: Annotated[str, Query(max_length=20)] = "all",
    after: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The list; an HTMX request (live search) gets the results part only, except when
    htmx restores a page from history."""
    query = people.PeopleQuery(
        text=q,
        centre_id=_centre_id(centre),
        group=_optional(Group, group),
        status=_choice(people.StatusFilter, status, people.StatusFilter.ACTIVE),
        paused_only=bool(paused),
        view=_choice(people.View, view, people.View.ALL),
        after=after or None,
    )
    page = people.search(anbu_of(request), user, query, wall_clock())
    here = {
        "q": query.text,
        "centre": query.centre_id or "",
        "group": query.group.value if query.group else "",
        "status": query.status.value,
        "paused": "1" if query.paused_only else "",
        "view": query.view.value,
    }
    shown = {key: value for key, value in here.items() if value}
    context = {
        "user": user,
        "section": "people",
        "query": query,
        "view": query.view.value,
        "page": page,
        "groups": list(Group),
        "statuses": list(people.StatusFilter),
        "first_url": "/people?" + urlencode(shown),
        "next_url": "/people?" + urlencode({**shown, "after": page.next_after})
        if page.next_after
        else None,
    }
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    return templates.TemplateResponse(
        request, "people_rows.html" if partial else "people.html", context
    )


@router.get("/people/{external_id}", response_class=HTMLResponse)
def person_page(
    request: Request,
    external_id: str,
    user: PageUser,
    pause: Annotated[str, Query(max_length=20)] = "",
    visit: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """`pause` says what a form just did (`ended`, `removed`), for the notice; `visit`
    (`saved`) that the visit information was saved."""
    return _person_page(
        request,
        external_id,
        user,
        done=pause if pause in _DONE else "",
        visit_done=visit == "saved",
    )


@router.post("/people/{external_id}/pauses")
def add_pause(request: Request, external_id: str, user: PageUser, form: Form) -> Response:
    values = {name: str(form.get(name) or "").strip() for name in ("starts", "ends", "reason")}
    values["note"] = str(form.get("note") or "")
    starts, ends = _local(values["starts"]), _local(values["ends"])
    reason = _choice(people.PauseReason, values["reason"], people.PauseReason.OTHER)
    error = ""
    if starts is None or (values["ends"] and ends is None):
        error = i18n.translate("people.pause.bad_time", user.language)
    else:
        try:
            people.add_pause(
                anbu_of(request),
                user,
                external_id,
                starts_at=starts,
                ends_at=ends,
                reason=reason,
                note=values["note"],
                now=wall_clock(),
            )
        except people.PersonNotFoundError as exc:
            raise HTTPException(404, "not found") from exc
        except people.PauseError as exc:
            error = catalogue.say(exc.reason, user.language)
    if error:
        return _person_page(request, external_id, user, pause_error=error, entered=values)
    return RedirectResponse(f"/people/{quote(external_id, safe='')}#pauses", status_code=303)


@router.post("/people/{external_id}/pauses/{pause_id}/end")
def end_pause(
    request: Request, external_id: str, pause_id: RecordId, user: PageUser, form: Form
) -> Response:
    """End the pause now (or cancel it if it has not begun); `form` carries only the CSRF
    token. A pause already over is answered on the page with the reason (409)."""
    try:
        ended = people.end_pause(anbu_of(request), user, external_id, pause_id, now=wall_clock())
    except people.PersonNotFoundError as exc:
        raise HTTPException(404, "not found") from exc
    except people.PauseOverError as exc:
        ended_already = catalogue.say(exc.reason, user.language)
        return _person_page(request, external_id, user, end_error=ended_already)
    done = "removed" if ended.removed else "ended"
    return RedirectResponse(
        f"/people/{quote(external_id, safe='')}?pause={done}#pauses", status_code=303
    )


@router.post("/people/{external_id}/visit")
def change_visit(request: Request, external_id: str, user: PageUser, form: Form) -> Response:
    """Replace the person's emergency contacts and visit notes; a refusal is told on the
    page, naming the field, with what was entered kept (422)."""
    entered = {name: str(form.get(name) or "") for name in _VISIT_FIELDS}
    contacts = [
        (
            entered[contact_field(n, "name")],
            entered[contact_field(n, "relation")],
            entered[contact_field(n, "phone")],
        )
        for n in range(1, MAX_CONTACTS + 1)
    ]
    try:
        people.change_visit(
            anbu_of(request), user, external_id, contacts, entered["visit_notes"], now=wall_clock()
        )
    except people.PersonNotFoundError as exc:
        raise HTTPException(404, "not found") from exc
    except EnrolmentError as exc:
        return _person_page(
            request,
            external_id,
            user,
            visit_error=f"{_field_words(exc.field, user.language)}: "
            + catalogue.say(exc.reason, user.language),
            visit_entered=entered,
        )
    except people.VisitChangeError as exc:
        refused = catalogue.say(exc.reason, user.language)
        return _person_page(request, external_id, user, visit_error=refused)
    return RedirectResponse(f"/people/{quote(external_id, safe='')}?visit=saved#visit", 303)


def _field_words(field: str | None, language: str) -> str:
    """`contact2_phone` → "비상 연락처 2 전화번호"."""
    if field and field.startswith("contact") and "_" in field:
        number, _, part = field.removeprefix("contact").partition("_")
        return i18n.translate(f"visit.field.{part}", language).format(n=number)
    return i18n.translate("visit.field.visit_notes", language)


def _visit_entered(person: people.PersonDetail) -> dict[str, str]:
    """The form's fields as the stored visit information fills them."""
    entered = dict.fromkeys(_VISIT_FIELDS, "")
    for n, contact in enumerate(person.visit.contacts, start=1):
        entered[contact_field(n, "name")] = contact.name
        entered[contact_field(n, "relation")] = contact.relation.value
        entered[contact_field(n, "phone")] = people.national_form(contact.phone)
    entered["visit_notes"] = person.visit.notes
    return entered


def _person_page(
    request: Request,
    external_id: str,
    user: StaffUser,
    *,
    visit_error: str = "",
    visit_entered: dict[str, str] | None = None,
    visit_done: bool = False,
    pause_error: str = "",
    end_error: str = "",
    done: str = "",
    entered: dict[str, str] | None = None,
) -> Response:
    now = wall_clock()
    try:
        person = people.person(anbu_of(request), user, external_id, now)
    except people.PersonNotFoundError as exc:
        raise HTTPException(404, "not found") from exc
    entered = entered or {"starts": now.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")}
    return templates.TemplateResponse(
        request,
        "person.html",
        {
            "user": user,
            "section": "people",
            "person": person,
            # Who acknowledged and closed each case, by name (issue 14: names).
            "staff_names": officers.names(
                anbu_of(request),
                {who for a in person.alerts for who in (a.acknowledged_by, a.resolved_by)},
            ),
            "chart": _activity_chart(person, user.language),
            "rhythm": _rhythm_chart(person, user.language),
            "coming": _coming(person, now, user.language),
            "reasons": list(people.PauseReason),
            "pause_error": pause_error,
            "end_error": end_error,
            "done": done,
            "entered": entered,
            "relations": list(Relation),
            "visit_error": visit_error,
            "visit_entered": visit_entered or _visit_entered(person),
            "visit_done": visit_done,
        },
        # A pause already over: the record has moved on (409, as for a case closed already).
        status_code=422 if pause_error or visit_error else 409 if end_error else 200,
    )


# The activity chart's drawings (`charts.bar_chart` layouts) and their viewBox widths: the
# phone's is about the width of a card on a 390-px screen, so its words stay 11 px.
_ACTIVITY_LAYOUTS = (("wide", 640), ("narrow", 320))


def _activity_chart(person: people.PersonDetail, language: str) -> Markup:
    def word(key: str) -> str:
        return i18n.translate(key, language)

    days = person.activity
    labels = [
        f"{d.day.month}월 {d.day.day}일" if language == "ko" else f"{d.day:%b} {d.day.day}"
        for d in days
    ]
    desc = word("people.chart.desc").format(
        days=len(days),
        events=sum(d.events for d in days),
        life=sum(d.signs_of_life for d in days),
        quiet=sum(1 for d in days if not d.signs_of_life),
    )
    watching = _watching(person, language)
    # Drawn twice, as the report charts are: for a desk, and narrower for a phone, where it
    # scales to the card's width with its words still readable and its newest day in view.
    return Markup("").join(
        bar_chart(
            [(label, d.events) for label, d in zip(labels, days, strict=True)],
            title=word("people.activity"),
            width=width,
            height=220,
            unit=word("people.chart.unit"),
            desc=f"{desc} {watching.threshold_words}".strip(),
            part=[d.signs_of_life for d in days],
            legend=(word("people.chart.life"), word("people.chart.other")),
            overlay=watching_overlay(watching),
            layout=layout,
        )
        for layout, width in _ACTIVITY_LAYOUTS
    )


def _watching(person: people.PersonDetail, language: str) -> Watching:
    """What the activity chart marks: the days before consent, the alerts opened within
    its days, and the threshold — from the last sign of life (or the consent) to where the
    period runs out (the hard maximum, for a person watched by their rhythm)."""
    if not person.activity:
        return Watching()
    start = datetime.combine(person.activity[0].day, time(), SEOUL)

    def days(instant: datetime) -> float:
        return (instant - start) / timedelta(days=1)

    def word(key: str) -> str:
        return i18n.translate(key, language)

    alerts = [
        (
            days(a.opened_at),
            word("people.chart.alert").format(
                at=a.opened_at.astimezone(SEOUL).strftime("%m-%d %H:%M"),
                kind=word(f"kind.{a.kind.value}"),
            ),
        )
        for a in person.alerts
        if 0 <= days(a.opened_at) <= len(person.activity)
    ]
    threshold: tuple[float, float] | None = None
    label = words = ""
    if person.status is SubjectStatus.ACTIVE:
        base = max(person.last_sign or person.consent_at, person.consent_at)
        ends = base + person.inactivity
        if person.outlook is None and person.next_due_at is not None:
            ends = person.next_due_at  # pauses move it on
        threshold = (days(base), days(ends))
        label = word("people.chart.threshold").format(span=duration(person.inactivity, language))
        words = word("people.chart.threshold.desc").format(
            span=duration(person.inactivity, language),
            base=base.astimezone(SEOUL).strftime("%m-%d %H:%M"),
            ends=ends.astimezone(SEOUL).strftime("%m-%d %H:%M"),
        )
    return Watching(
        before=max(days(person.consent_at), 0.0),
        before_words=word("people.chart.before_consent"),
        alerts=alerts,
        threshold=threshold,
        threshold_label=label,
        threshold_words=words,
    )


def _rhythm_chart(person: people.PersonDetail, language: str) -> Markup | None:
    """The learned rhythm as a week grid, for a person watched by it."""
    if person.outlook is None:
        return None

    def word(key: str) -> str:
        return i18n.translate(key, language)

    rates = person.outlook.rates
    days = word("people.rhythm.days").split(",")
    busiest = max(range(len(rates)), key=rates.__getitem__)
    busy = f"{days[busiest // 24]} {busiest % 24:02d}–{busiest % 24 + 1:02d}"
    return week_grid(
        rates,
        title=word("people.rhythm"),
        days=days,
        unit=word("people.rhythm.unit"),
        desc=word("people.rhythm.desc").format(week=sum(rates), busy=busy),
    )


def _coming(person: people.PersonDetail, now: datetime, language: str) -> str:
    """ "6시간 더 무응답이면 주의": when the silence, going on, reaches its next level."""
    outlook = person.outlook
    if outlook is None:
        return ""
    if outlook.coming is None:
        return i18n.translate("people.coming.none", language)
    level, due = outlook.coming
    return i18n.translate("people.coming.text", language).format(
        span=duration(due - now, language), level=i18n.translate(f"level.{level.value}", language)
    )


def _local(text: str) -> datetime | None:
    """A `datetime-local` field's value, read as Seoul time; None if empty or unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=SEOUL) if value.tzinfo is None else value


def _choice(kind: type[E], text: str, default: E) -> E:
    return _optional(kind, text) or default


def _optional(kind: type[E], text: str) -> E | None:
    """The member of `kind` named by `text`; None for anything else (a hand-made URL)."""
    return kind(text) if text in {member.value for member in kind} else None


def _centre_id(centre: str) -> int | None:
    """The chosen centre's number; anything that is not one (a hand-edited link) is no
    choice at all, as an unknown group or status is."""
    if not centre.isdigit() or len(centre) > 18:  # below 2**63, whatever the digits
        return None
    return int(centre)
