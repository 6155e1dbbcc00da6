"""For operators and load balancers: is it up, and how is the work going."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from anbu.bootstrap import Anbu
from anbu.services import operations

router = APIRouter(tags=["system"])


@router.get("/health")
def health(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is current; 503 otherwise."""
    anbu: Anbu = request.app.state.anbu
    found = operations.health(anbu)
    if not found.database:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    return JSONResponse(
        {
            "status": "ok" if found.current else "unavailable",
            "database": "ok",
            "schema": found.schema,
        },
        200 if found.current else 503,
    )


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.monitoring.registry), media_type=CONTENT_TYPE_LATEST
    )
