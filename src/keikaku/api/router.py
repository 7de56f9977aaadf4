"""The API router: every resource's router under ``/api/v1``, with the error responses documented."""

from __future__ import annotations

from fastapi import APIRouter

from keikaku.api.routers import (
    communications,
    cycle,
    downloads,
    events,
    governance,
    imports,
    ingest,
    kpis,
    overview,
    partners,
    plan_edits,
    plans,
    platform,
    platform_institutions,
    search,
    users,
)
from keikaku.api.schemas.common import ERROR_RESPONSES

PREFIX = "/api/v1"


def api_router() -> APIRouter:
    """All API routes under :data:`PREFIX`."""
    router = APIRouter(prefix=PREFIX, responses=ERROR_RESPONSES)
    for module in (
        overview,
        plans,
        kpis,
        imports,
        partners,
        search,
        downloads,
        plan_edits,
        governance,
        users,
        platform,
        platform_institutions,
        communications,
        cycle,
        ingest,
        events,
    ):
        router.include_router(module.router)
    return router
