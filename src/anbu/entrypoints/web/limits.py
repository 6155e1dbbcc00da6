"""How large a request's body may be, by route class, enforced before the application reads a
byte of it or asks who is calling: a body declared too large is answered 413 at once, and one
sent without a length (chunked) is counted as it streams and cut off at the limit.

Only a carrier's batch (`POST /api/v1/ingest`, `ANBU_INGEST_MAX_MB`) and an administrator's
enrolment file may be large; every other form and JSON call fits in `SMALL_BODY_BYTES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from anbu.entrypoints.web import errors
from anbu.services.enrolment_review import MAX_UPLOAD_BYTES
from anbu.settings import Settings

# A form or a JSON call is a few kilobytes; a megabyte leaves room and bounds the rest.
SMALL_BODY_BYTES = 1024 * 1024
# The multipart wrapping around an enrolment file: its boundary lines and the form's fields.
_FORM_ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The largest body of each route class: `large` by (method, path), `small` for the rest."""

    small: int
    large: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings) -> BodyLimits:
        return cls(
            small=SMALL_BODY_BYTES,
            large={
                ("POST", "/api/v1/ingest"): settings.ingest_max_bytes,
                # The page answers a file over MAX_UPLOAD_BYTES itself, in words.
                ("POST", "/enrol/upload"): MAX_UPLOAD_BYTES + _FORM_ENVELOPE_BYTES,
            },
        )

    def of_request(self, method: str, path: str) -> int:
        return self.large.get((method, path), self.small)


class LimitBodies:
    """ASGI middleware applying `BodyLimits`; Starlette's `RequestBodyLimitMiddleware` counts
    the bytes of a body that streams."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits
        sizes = {limits.small, *limits.large.values()}
        self._counting = {size: RequestBodyLimitMiddleware(app, size) for size in sizes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.of_request(scope["method"], scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await too_large(limit, Headers(scope=scope))(scope, receive, send)
            return
        await self._counting[limit](scope, receive, send)


def too_large(limit: int, headers: Headers) -> JSONResponse:
    """413, in the language the request asks for (no one is signed in yet)."""
    detail = f"Content Too Large: at most {limit} bytes"
    language = errors.language_of_headers(headers)
    # Closing the connection stops the server reading a body nobody will look at.
    return JSONResponse(
        errors.body(errors.ErrorCode.BODY_TOO_LARGE, detail, language),
        status_code=413,
        headers={"Connection": "close"},
    )
