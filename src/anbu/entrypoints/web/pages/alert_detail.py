"""One alert, as the officer who must phone or visit opens it from the queue or from a
message: what happened, the person and how to reach them, the timeline, and the actions
(record a call, a visit or a note; close the case with its outcome). Acknowledging and
taking the visit post to the queue's actions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anbu.domain.alerts import OFFICER_OUTCOMES, VISIT_OUTCOMES, ContactKind, ContactResult
from anbu.domain.kinds import AlertState, Outcome
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web import i18n
from anbu.entrypoints.web.auth import Form, PageUser, anbu_of
from anbu.entrypoints.web.identifiers import RecordId
from anbu.entrypoints.web.templating import templates
from anbu.services import case_views, cases
from anbu.services.accounts import StaffUser
from anbu.services.cases import CaseNotFound, CaseRefused

router = APIRouter(include_in_schema=False)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: RecordId, user: PageUser) -> Response:
    return _page(request, alert_id, user)


@router.post("/alerts/{alert_id}/contact")
def contact(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    draft = {k: str(form.get(k) or "") for k in ("kind", "result", "note")}
    try:
        kind = ContactKind(draft["kind"])
        result = ContactResult(draft["result"]) if draft["result"] else None
    except ValueError:
        return _page(
            request,
            alert_id,
            user,
            error=_words(user, "detail.error.input"),
            status=422,
            draft=draft,
        )
    return _act(
        request,
        alert_id,
        user,
        "detail.saved",
        draft,
        lambda: cases.record_contact(
            anbu_of(request),
            alert_id,
            by=user.login,
            kind=kind,
            result=None if kind is ContactKind.NOTE else result,
            note=draft["note"],
            now=wall_clock(),
        ),
    )


@router.post("/alerts/{alert_id}/visit-needed")
def visit_needed(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    draft = {"visit_note": str(form.get("visit_note") or "")}
    return _act(
        request,
        alert_id,
        user,
        "detail.marked_visit_needed",
        draft,
        lambda: cases.need_visit(
            anbu_of(request), alert_id, by=user.login, note=draft["visit_note"], now=wall_clock()
        ),
    )


@router.post("/alerts/{alert_id}/resolve")
def resolve(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    draft = {k: str(form.get(k) or "") for k in ("outcome", "resolve_note")}
    try:
        outcome = Outcome(draft["outcome"])
    except ValueError:
        return _page(
            request,
            alert_id,
            user,
            error=_words(user, "detail.error.input"),
            status=422,
            draft=draft,
        )
    return _act(
        request,
        alert_id,
        user,
        "detail.closed",
        draft,
        lambda: cases.resolve(
            anbu_of(request),
            alert_id,
            outcome,
            by=user.login,
            note=draft["resolve_note"],
            now=wall_clock(),
        ),
    )


def _act(
    request: Request,
    alert_id: int,
    user: StaffUser,
    done: str,
    draft: dict[str, str],
    action: Callable[[], object],
) -> Response:
    """Run the action. Out of reach or missing: 404, as for the page; refused: the page
    again with the reason (409) and what was typed. Done: back to the page (HTMX gets it
    rendered, a plain form a redirect)."""
    try:
        action()
    except CaseNotFound as exc:
        raise HTTPException(404, "not found") from exc
    except CaseRefused as exc:
        error = i18n.refusal(exc.reason, user.language)
        return _page(request, alert_id, user, error=error, status=409, draft=draft)
    if request.headers.get("HX-Request"):
        return _page(request, alert_id, user, notice=_words(user, done))
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


def _page(
    request: Request,
    alert_id: int,
    user: StaffUser,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
    draft: dict[str, str] | None = None,
) -> Response:
    try:
        found = case_views.detail(anbu_of(request), alert_id, user, wall_clock())
    except CaseNotFound as exc:
        raise HTTPException(404, "not found") from exc
    return templates.TemplateResponse(
        request,
        "alert.html",
        {
            "user": user,
            "section": "queue" if found.person is not None else "feeds",
            "case": found.situation,
            "person": found.person,
            "timeline": found.timeline,
            "activity_since": found.activity_since,
            "activity_cut": found.activity_cut,
            "staff_names": found.staff_names,
            "outcomes": (
                VISIT_OUTCOMES
                if found.situation.state is AlertState.VISIT_NEEDED
                else OFFICER_OUTCOMES
            ),
            "contact_kinds": list(ContactKind),
            "contact_results": list(ContactResult),
            "error": error,
            "notice": notice,
            "draft": draft or {},
        },
        status_code=status,
    )


def _words(user: StaffUser, key: str) -> str:
    return i18n.translate(key, user.language)
