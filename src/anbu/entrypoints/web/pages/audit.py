"""The audit log, for administrators: who saw or changed what, newest first, 100 a page,
filtered by actor, action, person's reference and days. Actions are shown in words and
details as labelled fields (`web.audit_entries`), staff by name with their login on hover;
the people watched appear by reference, never by name. Reading the log is itself recorded."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from anbu.domain.kinds import Role
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.audit_entries import logins_in, readable
from anbu.entrypoints.web.auth import anbu_of, requiring
from anbu.entrypoints.web.identifiers import RecordIdQuery
from anbu.entrypoints.web.templating import templates
from anbu.services import audit_log, officers
from anbu.services.accounts import StaffUser

router = APIRouter(include_in_schema=False)


AuditReader = Annotated[StaffUser, requiring(Role.ADMIN)]


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: AuditReader,
    actor: str = "",
    action: str = "",
    subject: str = "",
    day_from: str = "",
    day_to: str = "",
    before: RecordIdQuery = None,
) -> Response:
    problem = ""
    try:
        first, last = _day(day_from), _day(day_to)
    except ValueError:
        problem, first, last = "audit.bad_day", None, None
    query = audit_log.AuditQuery(actor, action, subject, first, last)
    app = anbu_of(request)
    page = audit_log.read(app, user, query, before=before, now=wall_clock())
    asked = {
        "actor": actor,
        "action": action,
        "subject": subject,
        "day_from": day_from if not problem else "",
        "day_to": day_to if not problem else "",
    }
    kept = {k: v for k, v in asked.items() if v}
    older = (
        "/audit?" + urlencode({**kept, "before": page.next_before})
        if page.next_before is not None
        else None
    )
    return templates.TemplateResponse(
        request,
        "audit.html",
        {
            "user": user,
            "section": "audit",
            "page": page,
            "entries": [readable(entry, user.language) for entry in page.entries],
            "staff_names": officers.names(app, logins_in(page.entries)),
            "asked": asked,
            "problem": problem,
            "older": older,
            "newest": "/audit?" + urlencode(kept) if before is not None else None,
        },
        status_code=400 if problem else 200,
    )


def _day(text: str) -> date | None:
    text = text.strip()
    return date.fromisoformat(text) if text else None
