"""Carriers that push (SPEC §4): activity events and watermarks over HTTP, as JSON Lines,
CSV or a JSON array, read and stored exactly as `anbu ingest` reads and stores a file.

A bad line is answered with its line (for an array, the item's position, 1 for the first),
field and reason, never silently, and never stops the rest of the batch. Only operators
and administrators push (a carrier's token is an operator's); nothing personal is
answered, only counts."""

from __future__ import annotations

import io
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from anbu.adapters import catalogue
from anbu.adapters.formats.activity_feed import FeedFormat, read_feed
from anbu.domain.rejections import UnreadableInputError
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.api.access import ApiRoute, Feeder, errors
from anbu.entrypoints.web.api.schemas import IngestRefused, IngestResult, Rejected, feed_item
from anbu.entrypoints.web.auth import anbu_of
from anbu.entrypoints.web.errors import ApiError, ErrorCode, language_of, message
from anbu.services.ingest import ingest as ingest_feed

router = APIRouter(tags=["ingest"], route_class=ApiRoute)
REJECTIONS_SHOWN = 100
JSON_LINES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")
CSV = ("text/csv",)
JSON = ("application/json",)

_EXAMPLE = (
    '{"event_id": "SKT-000123", "carrier": "SKT", "phone": "010-1234-5678", '
    '"kind": "call_out", "occurred_at": "2026-11-24T09:15:00+09:00", "duration_s": 42}\n'
    '{"carrier": "SKT", "kind": "watermark", "complete_until": "2026-11-24T10:00:00+09:00"}\n'
)
_BODY = {
    "required": True,
    "content": {
        **{kind: {"schema": {"type": "string"}, "example": _EXAMPLE} for kind in JSON_LINES},
        "text/csv": {
            "schema": {"type": "string"},
            "example": "event_id,carrier,phone,kind,occurred_at,duration_s,complete_until\n"
            "SKT-000123,SKT,010-1234-5678,call_out,2026-11-24T09:15:00+09:00,42,\n",
        },
        "application/json": {
            "schema": {"type": "array", "items": feed_item()},
        },
    },
}


async def body_of(request: Request) -> bytes:
    """The request's body; one over `ANBU_INGEST_MAX_MB` was answered 413 before it got here
    (`anbu.entrypoints.web.limits`)."""
    return await request.body()


@router.post(
    "/ingest",
    summary="Push activity events and watermarks (operators, administrators)",
    description="JSON Lines (`application/x-ndjson`), CSV (`text/csv`) or a JSON array "
    "(`application/json`) of the documents `anbu ingest` reads, up to `ANBU_INGEST_MAX_MB` "
    "(50 MB unless set; 413 beyond, before the token is checked). A re-sent "
    "event is counted as a duplicate and changes nothing. 200 with the counts and the "
    "first rejections; 422 (the same document) when every line was rejected.",
    response_model=IngestResult,
    responses={
        **errors(400, 403, 413, 415),
        422: {"model": IngestRefused, "description": "Every line was rejected."},
    },
    openapi_extra={"requestBody": _BODY},
)
def ingest(
    request: Request, user: Feeder, body: Annotated[bytes, Depends(body_of)]
) -> IngestResult | JSONResponse:
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type in JSON_LINES:
        lines, fmt = list(io.BytesIO(body)), FeedFormat.JSONL
    elif content_type in CSV:
        lines, fmt = list(io.BytesIO(body)), FeedFormat.CSV
    elif content_type in JSON:
        lines, fmt = _array_items(body), FeedFormat.JSONL
    else:
        accepted = ", ".join((*JSON_LINES, *CSV, *JSON))
        raise ApiError(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, f"send one of {accepted}")
    app = anbu_of(request)
    now = wall_clock()
    try:
        report = ingest_feed(
            app, read_feed(lines, fmt, now=now, tolerance=app.future_tolerance), now=now
        )
    except UnreadableInputError as exc:
        raise ApiError(
            400, ErrorCode.UNREADABLE_BODY, catalogue.say(exc.reason, user.language)
        ) from exc
    result = IngestResult(
        lines=report.lines,
        accepted=report.accepted,
        stored=report.stored,
        duplicates=report.duplicates,
        unknown_numbers=report.unknown_numbers,
        not_monitored=report.not_monitored,
        watermarks=report.watermarks,
        rejected_count=report.rejected_count,
        rejected=[
            # The reason in the caller's language (a session's choice; Korean for a token).
            Rejected(line=r.line, field=r.field, reason=catalogue.say(r.reason, user.language))
            for r in report.rejected[:REJECTIONS_SHOWN]
        ],
    )
    if report.rejected_count and not report.accepted:
        code = ErrorCode.ALL_LINES_REJECTED
        words = message(code, language_of(request))
        refusal = IngestRefused(**result.model_dump(), code=code, message=words)
        return JSONResponse(refusal.model_dump(mode="json"), status_code=422)
    return result


def _array_items(body: bytes) -> list[bytes]:
    """A JSON array's items, each as a line of JSON Lines (so each is judged as a line of
    a file is, and its position is its line number)."""
    try:
        documents = json.loads(body)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise ApiError(400, ErrorCode.UNREADABLE_BODY, f"not valid JSON ({where})") from exc
    except (ValueError, RecursionError) as exc:  # not UTF-8, a number too long, too deep
        raise ApiError(400, ErrorCode.UNREADABLE_BODY, "not valid JSON") from exc
    if not isinstance(documents, list):
        raise ApiError(
            400, ErrorCode.UNREADABLE_BODY, "expected a JSON array of events and watermarks"
        )
    # ASCII escapes keep a lone surrogate encodable, so that the line is refused by field
    # like any other, not the whole batch by the encoder.
    return [json.dumps(document).encode() for document in documents]
