"""For operators and load balancers: is it up, and how is the work going."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from anbu.bootstrap import Anbu
from anbu.services import operations

router = APIRouter(tags=["system"])

_HEALTH = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "database": {"type": "string", "enum": ["ok", "unreachable"]},
        "schema": {"type": ["string", "null"], "description": "The migration applied."},
    },
    "required": ["status", "database"],
}


@router.get(
    "/health",
    response_class=JSONResponse,
    responses={
        200: {"content": {"application/json": {"schema": _HEALTH}}},
        503: {
            "description": "The database does not answer, or its schema is not current.",
            "content": {"application/json": {"schema": _HEALTH}},
        },
    },
)
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


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus's text format.",
            "content": {CONTENT_TYPE_LATEST.partition(";")[0]: {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.monitoring.registry), media_type=CONTENT_TYPE_LATEST
    )
