"""For operators and load balancers: is it up, and how is the work going."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from anbu.adapters.storage import engine as storage
from anbu.adapters.storage import monitoring
from anbu.bootstrap import Anbu

router = APIRouter(tags=["system"])


@router.get("/health")
def health(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is current; 503 otherwise."""
    anbu: Anbu = request.app.state.anbu
    try:
        with anbu.transaction() as store:
            monitoring.ping(store.connection)
        schema = storage.current_revision(anbu.engine)
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    current = schema == storage.SCHEMA_HEAD
    return JSONResponse(
        {"status": "ok" if current else "unavailable", "database": "ok", "schema": schema},
        200 if current else 503,
    )


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.monitoring.registry), media_type=CONTENT_TYPE_LATEST
    )
