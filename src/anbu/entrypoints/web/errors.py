"""What an error answer says, to a program and to a person: FastAPI's `detail` (kept as it
was, clients read it), a stable `code` for programs (docs/web.md lists them) and a
`message` for people, in Korean, or in English when the caller asks for it.

The language is the one the pages use: the signed-in viewer's own choice, else the
language switch's cookie, else the request's `Accept-Language` (what an API client sends),
else Korean."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from fastapi import Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from anbu.domain.alerts import Refusal
from anbu.entrypoints.web.i18n import known, translate

LANGUAGE_COOKIE = "anbu_language"


class ErrorCode(StrEnum):
    """The codes anbu itself answers with. A case refused by its state or by the request
    answers with its `anbu.domain.alerts.Refusal` instead (`closed`, `taken`…)."""

    BAD_REQUEST = "bad_request"  # 400
    UNREADABLE_BODY = "unreadable_body"  # 400: the batch cannot be read at all
    TOKEN_REQUIRED = "token_required"  # noqa: S105 — 401, a code and not a secret
    FORBIDDEN = "forbidden"  # 403
    NOT_FOR_ROLE = "not_for_role"  # 403
    CSRF_REFUSED = "csrf_refused"  # 403
    UNKNOWN_GATEWAY = "unknown_gateway"  # 403
    NOT_FOUND = "not_found"  # 404
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405
    CONFLICT = "conflict"  # 409
    CONSENT_WITHDRAWN = "consent_withdrawn"  # 409
    PAUSE_OVER = "pause_over"  # 409
    BODY_TOO_LARGE = "body_too_large"  # 413
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # 415
    INVALID_REQUEST = "invalid_request"  # 422: fields refused (named in `detail`)
    PAUSE_REFUSED = "pause_refused"  # 422: a pause that makes no sense
    ALL_LINES_REJECTED = "all_lines_rejected"  # 422: a pushed batch with nothing to keep
    TOO_MANY_REQUESTS = "too_many_requests"  # 429


# The code of an error raised without one, by its status.
BY_STATUS: Mapping[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.TOKEN_REQUIRED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.BODY_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.INVALID_REQUEST,
    429: ErrorCode.TOO_MANY_REQUESTS,
}


class ApiError(HTTPException):
    """An HTTP error with its code; `detail` stays the English words clients read today."""

    def __init__(
        self,
        status_code: int,
        code: ErrorCode | Refusal,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, detail, dict(headers) if headers else None)
        self.code = str(code)


def code_of(exc: HTTPException) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        return code
    known = BY_STATUS.get(exc.status_code)
    return str(known) if known else f"http_{exc.status_code}"


def message(code: str, language: str, *, fields: Iterable[str] = ()) -> str:
    """The words for `code`: its own (`error.<code>`), a case's refusal (`refusal.<code>`),
    or, for a code anbu never words, that the request could not be handled. Field names,
    when given, are listed after the words."""
    key = next((k for k in (f"error.{code}", f"refusal.{code}") if known(k)), "error.unexpected")
    words = translate(key, language)
    named = ", ".join(dict.fromkeys(f for f in fields if f))
    return f"{words} ({named})" if named else words


def body(code: str, detail: Any, language: str, *, fields: Iterable[str] = ()) -> dict[str, Any]:
    return {"detail": detail, "code": code, "message": message(code, language, fields=fields)}


def language_of(request: Request) -> str:
    """The language of the answer to `request` (see the module's docstring)."""
    user = getattr(request.state, "user", None)
    chosen = getattr(user, "language", None)
    if chosen in ("ko", "en"):
        return str(chosen)
    return language_of_headers(request.headers)


def language_of_headers(headers: Headers) -> str:
    """The switch's cookie, else the `Accept-Language` preferred of Korean and English."""
    cookie = _cookie(headers.get("cookie", ""), LANGUAGE_COOKIE)
    if cookie in ("ko", "en"):
        return cookie
    return preferred(headers.get("accept-language", ""))


def preferred(accept_language: str) -> str:
    """`en` when the header ranks English above Korean (`en-US,en;q=0.9`), else `ko`."""
    best, weight = "ko", 0.0
    for item in accept_language.split(","):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().partition("-")[0]
        if primary not in ("ko", "en"):
            continue
        q = _weight(params)
        # Equal weights: the first listed wins, as the header's order says.
        if q > weight:
            best, weight = primary, q
    return best


def _weight(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip()
    return ""
