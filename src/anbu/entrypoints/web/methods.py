"""405 with the `Allow` that tells the truth. Starlette answers a method a path does not take
with the methods of the first route that matched the path alone, so `OPTIONS
/api/v1/subjects` said `Allow: GET` although the path takes `POST` too (each method is its
own route). Here `Allow` lists every method some route takes on that path."""

from __future__ import annotations

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


async def answer_http_error(request: Request, exc: Exception) -> Response:
    """The application's handler of `HTTPException`: FastAPI's own, with a 405's `Allow`
    completed from every route on the path."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed(request))}
    return await http_exception_handler(request, exc)


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
