"""Who is asking, on every page and API call, and whether a form really comes from our page.

Pages use the session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) and a CSRF token
that every form and HTMX request carries; the JSON API uses bearer tokens only (no cookie,
so nothing for another site to ride on).
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from anbu.bootstrap import Anbu
from anbu.domain.kinds import Role
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.errors import ApiError, ErrorCode
from anbu.entrypoints.web.input_text import normalised
from anbu.services.accounts import StaffUser, session_user, token_user

SESSION_COOKIE = "anbu_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequiredError(Exception):
    """Raised on a page without a session: the application answers with the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def anbu_of(request: Request) -> Anbu:
    app: Anbu = request.app.state.anbu
    return app


def viewer(request: Request) -> StaffUser | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return session_user(anbu_of(request), token, wall_clock())


def page_user(request: Request) -> StaffUser:
    user = viewer(request)
    if user is None:
        raise LoginRequiredError(request.url.path)
    request.state.user = user
    return user


def api_user(request: Request) -> StaffUser:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = token_user(anbu_of(request), token.strip(), wall_clock()) if scheme == "Bearer" else None
    if user is None:
        raise ApiError(
            401,
            ErrorCode.TOKEN_REQUIRED,
            "a valid bearer token is needed",
            {"WWW-Authenticate": "Bearer"},
        )
    return user


async def checked_form(
    request: Request, user: Annotated[StaffUser, Depends(page_user)]
) -> FormData:
    """The posted form, once its CSRF token (field or HTMX header) matches the session's."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    if not sent or not hmac.compare_digest(sent.encode(), user.csrf_token.encode()):
        raise ApiError(403, ErrorCode.CSRF_REFUSED, "the form's CSRF token is missing or wrong")
    return normalised(form)


def requiring(*roles: Role) -> Any:
    """A dependency that lets only these roles through (403 otherwise: the page exists for
    others, so saying so leaks nothing)."""

    def check(user: Annotated[StaffUser, Depends(page_user)]) -> StaffUser:
        if user.role not in roles:
            raise ApiError(403, ErrorCode.NOT_FOR_ROLE, "not for this role")
        return user

    return Depends(check)


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or anbu_of(request).settings.public_url.startswith(
        "https:"
    )


PageUser = Annotated[StaffUser, Depends(page_user)]
ApiUser = Annotated[StaffUser, Depends(api_user)]
Form = Annotated[FormData, Depends(checked_form)]
