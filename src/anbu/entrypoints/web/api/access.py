"""Who may call the API: a bearer token (`anbu tokens create LOGIN`) on every call, and
the role rules of the pages. A role that may not use an endpoint at all gets 403 (the
endpoint exists for others: saying so leaks nothing); a record out of one's reach is 404,
exactly as a missing one."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer

from anbu.domain.kinds import Role
from anbu.entrypoints.web.api.schemas import Message, Refused, Rejected
from anbu.entrypoints.web.auth import api_user
from anbu.entrypoints.web.errors import ApiError, ErrorCode, language_of, message
from anbu.services.accounts import StaffUser

# Declares the scheme to OpenAPI; `api_user` does the checking (401 with WWW-Authenticate).
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token from `anbu tokens create LOGIN`: `Authorization: Bearer anbu_…`.",
)

_MEANINGS = {
    400: "The body cannot be read at all (not UTF-8, no CSV header…).",
    401: "No token, or one that is unknown, revoked or expired.",
    403: "Not for this role.",
    404: "Not found, or out of the caller's reach (the two read the same).",
    409: "The record has moved on (already acknowledged, resolved, withdrawn…).",
    413: "The body is larger than allowed.",
    415: "A content type this endpoint does not read.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of these error answers (each `{"detail", "code",
    "message"}`), with 401, which every endpoint may answer, and 422 (`{"detail": [{line,
    field, reason}], "code", "message"}`, the field named and no line); 413 is added to every
    operation by `web.openapi`."""
    described: dict[int | str, dict[str, Any]] = {
        code: {"model": Message, "description": _MEANINGS[code]} for code in sorted({401, *codes})
    }
    described[422] = {
        "model": Refused,
        "description": "A field, or the body, is refused: by its name, for a field of the "
        "body, the path or the query.",
    }
    return described


class ApiRoute(APIRoute):
    """Answers a request that does not fit its endpoint (a missing field, a wrong type) as
    the API answers every refusal, `{"detail": [{"line", "field", "reason"}], "code",
    "message"}`, and
    without echoing what was sent (it may be a person's name and address)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return refused(request, _rejections(exc.errors()))

        return handle


def refused(
    request: Request,
    rejected: list[Rejected],
    code: ErrorCode = ErrorCode.INVALID_REQUEST,
) -> JSONResponse:
    """422: what was refused, by field, with its code and, for a person, the fields named."""
    words = message(code, language_of(request), fields=[r.field for r in rejected if r.field])
    answer = Refused(detail=rejected, code=code, message=words)
    return JSONResponse(answer.model_dump(), status_code=422)


def _rejections(found: Sequence[Any]) -> list[Rejected]:
    """One per field (a union's several attempts at one value are one refusal)."""
    by_field: dict[str | None, Rejected] = {}
    for error in found:
        where = [str(part) for part in error.get("loc", ())[1:]]
        field = where[0] if where and error.get("type") != "json_invalid" else None
        by_field.setdefault(field, Rejected(line=None, field=field, reason=str(error["msg"])))
    return list(by_field.values())


def allowing(*roles: Role) -> Any:
    """A dependency: the caller, if their role is one of `roles`; 403 otherwise."""

    def check(user: Annotated[StaffUser, Depends(api_user)]) -> StaffUser:
        if user.role not in roles:
            raise ApiError(403, ErrorCode.NOT_FOR_ROLE, "not for this role")
        return user

    return Depends(check)


# Officers and leads (their centres), the duty desk and administrators (every centre).
CaseworkRoles = (Role.OFFICER, Role.LEAD, Role.DUTY, Role.ADMIN)
Caseworker = Annotated[StaffUser, allowing(*CaseworkRoles)]
Administrator = Annotated[StaffUser, allowing(Role.ADMIN)]
# Carriers push through an operator's (or an administrator's) token.
Feeder = Annotated[StaffUser, allowing(Role.OPERATOR, Role.ADMIN)]
