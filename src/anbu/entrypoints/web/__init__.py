"""`anbu serve`: the HTTP application — health and metrics, the SMS gateway's callbacks,
the one-tap acknowledgement links — and the background loops that sweep and dispatch."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from anbu.bootstrap import Anbu, bootstrap, configured_channels
from anbu.entrypoints.web import acknowledgement, api, callbacks, pages, system
from anbu.entrypoints.web.auth import LoginRequiredError
from anbu.entrypoints.web.headers import SecurityHeaders
from anbu.entrypoints.web.input_text import storable_input
from anbu.entrypoints.web.limits import BodyLimits, LimitBodies
from anbu.entrypoints.web.loops import Loops
from anbu.entrypoints.web.methods import answer_http_error, answer_invalid_request
from anbu.entrypoints.web.monitoring import Monitoring
from anbu.entrypoints.web.openapi import describe
from anbu.entrypoints.web.stream_ingest import StreamIngest
from anbu.services.reports import ReportCache
from anbu.settings import Settings


class Web(FastAPI):
    """The application, its security headers outside everything else: Starlette writes an
    unexpected error's 500 outside any middleware added to it."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())

    def openapi(self) -> dict[str, Any]:
        return describe(self)


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """The application; `background=False` leaves sweeping and dispatching to the CLI
    (tests that drive the clock themselves)."""
    settings = settings or Settings()
    # Refuse a bad channel URL at start-up, not at the first alert.
    channels = configured_channels(settings, sys.stdout)

    @asynccontextmanager
    async def lifespan(web: FastAPI) -> AsyncIterator[None]:
        anbu: Anbu = bootstrap(settings)
        web.state.anbu = anbu
        web.state.monitoring = Monitoring(anbu)
        web.state.report_cache = ReportCache(settings.report_cache_seconds)
        loops = Loops(anbu, channels, web.state.monitoring, web.state.report_cache)
        if background:
            loops.start()
        streams = StreamIngest(anbu, web.state.monitoring) if settings.ingest_url else None
        if streams:
            streams.start()
        try:
            yield
        finally:
            if streams:
                await streams.stop()
            await loops.stop()
            anbu.close()

    web = Web(
        title="anbu",
        summary="안부 — safety checks for people who live alone",
        lifespan=lifespan,
        # Served from vendored files by pages.api_docs, not from FastAPI's CDN.
        docs_url=None,
        redoc_url=None,
        # Before any endpoint, identity check or database: no text no field can hold.
        dependencies=[Depends(storable_input)],
    )
    web.include_router(system.router)
    web.include_router(callbacks.router)
    web.include_router(acknowledgement.router)
    web.include_router(api.router)
    for router in pages.routers():
        web.include_router(router)
    web.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    web.add_middleware(LimitBodies, limits=BodyLimits.of(settings))

    web.add_exception_handler(HTTPException, answer_http_error)
    web.add_exception_handler(RequestValidationError, answer_invalid_request)

    @web.exception_handler(LoginRequiredError)
    async def to_login(request: Request, exc: LoginRequiredError) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    return web


# `anbu serve --workers N` tells its worker processes whether to run the background loops by
# this variable: uvicorn starts each worker from an import string, with no arguments to pass.
BACKGROUND_VARIABLE = "ANBU_SERVE_BACKGROUND"


def served() -> FastAPI:
    """The application as each worker process of `anbu serve --workers N` makes it."""
    return create_app(Settings(), background=os.environ.get(BACKGROUND_VARIABLE, "1") == "1")
