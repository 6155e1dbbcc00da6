"""The SMS gateway calls back: delivery reports and texts from people. Kannel cannot add
headers, so it proves itself with the shared secret in the URL it was given."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from anbu.bootstrap import Anbu
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.errors import ApiError, ErrorCode
from anbu.services import delivery_reports, replies

router = APIRouter(
    prefix="/callbacks/kannel",
    tags=["gateway callbacks"],
    responses={403: {"description": "Not the gateway: the shared secret is missing or wrong."}},
)

# What the person reads back after answering a self-check (Kannel sends the reply body).
THANKS = "[안부] 회신 감사합니다. 안부가 확인되었습니다."


def _gateway(request: Request, secret: str) -> Anbu:
    anbu: Anbu = request.app.state.anbu
    expected = anbu.settings.callback_secret.get_secret_value()
    # No secret configured: nobody can call back, rather than anybody.
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise ApiError(403, ErrorCode.UNKNOWN_GATEWAY, "unknown gateway")
    return anbu


@router.get("/dlr", response_class=PlainTextResponse)
def delivery_report(
    request: Request,
    key: str = Query(max_length=128),
    status: int = Query(ge=0, le=255),
    secret: str = Query(default="", max_length=200),
) -> str:
    anbu = _gateway(request, secret)
    result = delivery_reports.record(anbu, key, status, wall_clock())
    return "ok" if result.known else "unknown"


@router.get("/incoming", response_class=PlainTextResponse)
def incoming(
    request: Request,
    sender: str = Query(alias="from", max_length=32),
    text: str = Query(default="", max_length=2000),
    message_id: str = Query(default="", alias="id", max_length=128),
    secret: str = Query(default="", max_length=200),
) -> PlainTextResponse:
    anbu = _gateway(request, secret)
    result = replies.record_reply(anbu, sender, message_id, wall_clock())
    # An empty answer sends nothing back; a stranger gets no reply at all. Kannel would
    # send the answer as GSM 7-bit text, which has no Hangul: ask for UCS-2 (its extended
    # reply headers).
    return PlainTextResponse(
        THANKS if result.known else "",
        media_type="text/plain; charset=utf-8",
        headers={"X-Kannel-Coding": "2"},
    )
