"""The one-tap acknowledgement link in each message. Opening it shows what it is about
and one button; only pressing the button acknowledges (a GET never changes anything,
because messengers and mail scanners open links on their own)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from anbu.adapters import catalogue
from anbu.bootstrap import Anbu
from anbu.entrypoints.clock import wall_clock
from anbu.services import ack_links, cases

_PAGE = {"text/html": {"schema": {"type": "string"}}}
router = APIRouter(
    tags=["acknowledgement links"],
    responses={
        404: {"description": "The link is unknown, tampered with or expired.", "content": _PAGE}
    },
)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@router.get("/a/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str) -> HTMLResponse:
    anbu: Anbu = request.app.state.anbu
    try:
        grant = ack_links.read(anbu.vault, token, wall_clock())
    except ack_links.LinkError as exc:
        return _page(request, error=catalogue.say(exc.reason), status=404)
    return _page(request, alert_id=grant.alert_id, token=token)


@router.post(
    "/a/{token}",
    response_class=HTMLResponse,
    responses={
        409: {"description": "Already acknowledged by another, or resolved.", "content": _PAGE}
    },
)
def acknowledge(request: Request, token: str) -> HTMLResponse:
    anbu: Anbu = request.app.state.anbu
    try:
        alert_id = cases.acknowledge_by_link(anbu, token, wall_clock())
    except ack_links.LinkError as exc:
        return _page(request, error=catalogue.say(exc.reason), status=404)
    except (cases.CaseNotFound, cases.CaseRefused):
        return _page(request, error=catalogue.text("link.taken"), status=409)
    return _page(request, alert_id=alert_id, done=True)


def _page(
    request: Request,
    *,
    alert_id: int | None = None,
    token: str = "",
    done: bool = False,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    # In Korean, as the page itself and the messages that carry the link are.
    return templates.TemplateResponse(
        request,
        "acknowledge.html",
        {"alert_id": alert_id, "token": token, "done": done, "error": error},
        status_code=status,
    )
