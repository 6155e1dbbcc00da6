"""Logging in and out, and the language switch."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anbu.domain import passwords
from anbu.entrypoints.clock import wall_clock
from anbu.entrypoints.web.auth import (
    SESSION_COOKIE,
    anbu_of,
    checked_form,
    page_user,
    secure_cookies,
)
from anbu.entrypoints.web.templating import templates
from anbu.services import accounts

router = APIRouter(include_in_schema=False)

# Before there is a session, the login form is protected by a double-submit token: a cookie
# and the same value in the form (another site can make the browser post, not read the cookie).
LOGIN_CSRF_COOKIE = "anbu_login_csrf"
LONGEST_LOGIN = 64  # as `officers.login`: a longer one is nobody's
LONGEST_NEXT = 300
# What the form says, and with which status, when a login is refused. A password too long
# to have ever been set is told apart: saying so gives nothing away.
_REFUSED = {
    accounts.LoginRefusal.INVALID: ("login.invalid", 401),
    accounts.LoginRefusal.TOO_LONG: ("login.too_long", 401),
    accounts.LoginRefusal.THROTTLED: ("login.throttled", 429),
}


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    return _login_page(request, token, _safe_next(next), error="", status=200)


@router.post("/login")
def log_in(
    request: Request,
    login: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    # No length limits on the fields themselves: a field over its limit would be answered
    # with a raw 422 that repeats what was sent, the password included. Lengths are judged
    # here and in the service, and answered on the form.
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    back = _safe_next(next if len(next) <= LONGEST_NEXT else "/")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        # An old tab or an expired cookie: the form again, with a fresh token and the login
        # as typed, saying so in the reader's words — not a bare JSON 403.
        typed = login if len(login) <= LONGEST_LOGIN else ""
        token = secrets.token_urlsafe(24)
        return _login_page(request, token, back, "login.csrf_refused", 403, typed)
    if len(login) > LONGEST_LOGIN:
        return _login_page(request, secrets.token_urlsafe(24), back, "login.invalid", 401)
    address = request.client.host if request.client else "unknown"
    language = request.cookies.get("anbu_language", "ko")
    try:
        opened = accounts.log_in(
            anbu_of(request), login, password, address=address, language=language, now=wall_clock()
        )
    except accounts.LoginRefusedError as refused:
        error, status = _REFUSED[refused.reason]
        return _login_page(request, secrets.token_urlsafe(24), back, error, status, login)
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        max_age=int(accounts.LONGEST.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def log_out(request: Request) -> Response:
    user = page_user(request)
    await checked_form(request, user)
    token = request.cookies.get(SESSION_COOKIE, "")
    accounts.log_out(anbu_of(request), token, wall_clock(), user.login)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
async def switch_language(request: Request) -> Response:
    user = page_user(request)
    form = await checked_form(request, user)
    language = str(form.get("language", "ko"))
    accounts.set_language(anbu_of(request), request.cookies.get(SESSION_COOKIE, ""), language)
    back = request.headers.get("referer", "/")
    response = RedirectResponse(_safe_next(_path_of(back)), status_code=303)
    response.set_cookie("anbu_language", language, samesite="lax", max_age=365 * 24 * 3600)
    return response


def _login_page(
    request: Request, token: str, next_path: str, error: str, status: int, login: str = ""
) -> Response:
    """The form; after a refusal, `login` (as typed) is kept so that only the password is
    typed again — never the password."""
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "user": None,
            "language": request.cookies.get("anbu_language", "ko"),
            "csrf_token": token,
            "next_path": next_path,
            "error": error,
            "longest": passwords.LONGEST,
            "login": login,
        },
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request)
    )
    return response


def _safe_next(path: str) -> str:
    """Only a path on this site: a login link cannot send an officer elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
