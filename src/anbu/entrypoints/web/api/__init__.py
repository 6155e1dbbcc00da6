"""The JSON API under `/api/v1`, described by the OpenAPI document at `/openapi.json`
(`/docs` shows it): alerts, subjects and ingest, for the district's other systems and for
carriers that push. Every call carries a bearer token (`anbu tokens create LOGIN`) and is
held to the role rules of the pages; no cookie is read, so there is nothing to forge."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from anbu.entrypoints.web.api import alerts, ingest, subjects
from anbu.entrypoints.web.api.access import bearer

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)])
router.include_router(alerts.router)
router.include_router(subjects.router)
router.include_router(ingest.router)
