"""The security headers on every answer `anbu serve` gives: pages, API, callbacks, the
acknowledgement page, static files, errors and Starlette's own 500.

The pages carry no script or style of their own (htmx, `anbu.js` and the stylesheets come
from `/static/`), so the Content-Security-Policy allows nothing but this origin and nothing
may frame a page: the one-button acknowledgement page cannot be clicked through a decoy. Every
answer but a static file may carry names, numbers and addresses, so none is stored by a
browser or a proxy.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMMON = (
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(
    ("default-src 'self'", "script-src 'self'", "style-src 'self'", *_COMMON)
)
# The API's documentation (pages.api_docs): Swagger UI at /docs and ReDoc at /redoc, from
# /static/ and started without inline script; nothing is loaded from another site. ReDoc
# adds its styles as <style> elements (styled-components) and runs its search in a worker
# made from a blob, so /redoc alone allows inline style and blob workers.
API_DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        *_COMMON,
    )
)
REDOC_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "worker-src 'self' blob:",
        *_COMMON,
    )
)
POLICIES = {"/docs": API_DOCS_POLICY, "/redoc": REDOC_POLICY}
STATIC = "/static/"
# A year; not `includeSubDomains`: other services of the district may share the domain.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def security_headers(path: str, scheme: str) -> dict[str, str]:
    """The headers an answer to `path`, requested over `scheme`, carries."""
    headers = {
        "Content-Security-Policy": POLICIES.get(path, CONTENT_SECURITY_POLICY),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if not path.startswith(STATIC):
        headers["Cache-Control"] = "no-store"
    # Only over HTTPS: a browser ignores it over plain HTTP, and a test server has no TLS.
    if scheme == "https":
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


class SecurityHeaders:
    """ASGI middleware adding `security_headers` to every HTTP answer (over any the
    application set itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(scope["path"], scope["scheme"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
