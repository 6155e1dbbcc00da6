"""The API's documentation for people: Swagger UI at `/docs`, ReDoc at `/redoc`, both
served from `/static/` (pinned in static/VENDORED.md), so that they work in a closed
government network that reaches no CDN. Neither page carries script or style of its own:
`api-docs.js` starts Swagger UI, and ReDoc starts itself from its `<redoc spec-url>`
element; the Content-Security-Policy of these pages allows this origin alone
(headers.API_DOCS_POLICY)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from anbu.entrypoints.web.templating import templates

router = APIRouter(include_in_schema=False)

SWAGGER_UI = "5.35.0"
REDOC = "2.5.4"


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> Response:
    return templates.TemplateResponse(
        request, "api_docs.html", {"version": SWAGGER_UI, "openapi_url": "/openapi.json"}
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> Response:
    return templates.TemplateResponse(
        request, "api_redoc.html", {"version": REDOC, "openapi_url": "/openapi.json"}
    )
