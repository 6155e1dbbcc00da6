"""The application's answers to errors: every one with its `code` and a `message` in the
caller's language besides FastAPI's `detail` (`errors`), and 405 with the `Allow` that tells
the truth. Starlette answers a method a path does not take
with the methods of the first route that matched the path alone, so `OPTIONS
/api/v1/subjects` said `Allow: GET` although the path takes `POST` too (each method is its
own route). Here `Allow` lists every method some route takes on that path."""

from __future__ import annotations

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from anbu.entrypoints.web import errors

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


async def answer_http_error(request: Request, exc: Exception) -> Response:
    """The application's handler of `HTTPException`: FastAPI's answer (`detail`) with the
    error's code and message, and a 405's `Allow` completed from every route on the path."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed(request))}
    if exc.status_code < 400:
        return await http_exception_handler(request, exc)
    answer = errors.body(errors.code_of(exc), exc.detail, errors.language_of(request))
    return JSONResponse(answer, status_code=exc.status_code, headers=exc.headers)


async def answer_invalid_request(request: Request, exc: Exception) -> Response:
    """A request that does not fit a route outside the API (the API's own routes answer
    by field, `api.access.ApiRoute`): FastAPI's answer, with the code and the fields named."""
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    fields = [str(e["loc"][-1]) for e in found if e.get("loc")]
    code = errors.ErrorCode.INVALID_REQUEST
    answer = errors.body(code, jsonable_encoder(found), errors.language_of(request), fields=fields)
    return JSONResponse(answer, status_code=422)


def allowed(request: Request) -> list[str]:
    """Every method that some route takes at this request's path, asked of the routes as the
    router asks them (FastAPI nests included routers), in the order of `_METHODS`."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
