"""The officer's queue: open cases of their centres, most urgent first, with who has taken
each, and the quick actions (acknowledge, take the visit, give it back)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web import i18n
from anbu.entrypoints.web.auth import Form, PageUser, anbu_of
from anbu.entrypoints.web.errors import ApiError, ErrorCode
from anbu.entrypoints.web.identifiers import RecordId
from anbu.entrypoints.web.templating import templates
from anbu.services import case_views, cases
from anbu.services.accounts import StaffUser
from anbu.services.cases import CaseNotFound, CaseRefused

router = APIRouter(include_in_schema=False)
# Ids the database can hold: anything larger is simply not found, never a database error.


@router.get("/", response_class=HTMLResponse)
def queue_page(request: Request, user: PageUser) -> Response:
    if not user.sees_personal_data:
        return RedirectResponse("/feeds", status_code=303)
    items = case_views.queue(anbu_of(request), user, wall_clock())
    return templates.TemplateResponse(
        request,
        "queue.html",
        {"user": user, "section": "queue", "items": items},
    )


@router.post("/alerts/{alert_id}/ack")
def acknowledge(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    return _act(
        request,
        alert_id,
        user,
        lambda: cases.acknowledge(anbu_of(request), alert_id, by=user.login, now=wall_clock()),
        str(form.get("next", "/")),
    )


@router.post("/alerts/{alert_id}/claim")
def claim(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    return _act(
        request,
        alert_id,
        user,
        lambda: cases.claim(anbu_of(request), alert_id, by=user.login, now=wall_clock()),
        str(form.get("next", "/")),
    )


@router.post("/alerts/{alert_id}/release")
def release(request: Request, alert_id: RecordId, user: PageUser, form: Form) -> Response:
    return _act(
        request,
        alert_id,
        user,
        lambda: cases.release(anbu_of(request), alert_id, by=user.login, now=wall_clock()),
        str(form.get("next", "/")),
    )


def _act(
    request: Request,
    alert_id: int,
    user: StaffUser,
    action: Callable[[], object],
    next_path: str = "/",
) -> Response:
    """Run the action; an alert out of the user's reach is "not found" (its existence does
    not leak), one that moved on meanwhile is a conflict. HTMX gets the queue back."""
    try:
        action()
    except CaseNotFound as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, "not found") from exc
    except CaseRefused as exc:
        raise ApiError(409, exc.reason, i18n.refusal(exc.reason, user.language)) from exc
    detail = f"/alerts/{alert_id}"
    if request.headers.get("HX-Request"):
        if detail in request.headers.get("HX-Current-URL", ""):
            return RedirectResponse(detail, 303)
        return queue_page(request, user)
    # Back where the officer acted: the queue, or the case's own page.
    return RedirectResponse(detail if next_path == detail else "/", 303)
