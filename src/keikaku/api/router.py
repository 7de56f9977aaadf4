"""The API's routes: every resource's router included in the app under ``/api/v1``, with the error responses documented."""

from __future__ import annotations

from fastapi import FastAPI

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


def include_api(app: FastAPI) -> None:
    """Add every API route to ``app`` under :data:`PREFIX`, with the error responses documented.

    Each resource's router is included in the app itself, not in one ``/api/v1`` router that the app includes:
    FastAPI matches a request by walking the included routers, so a level less is less work on every request.
    """
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
        app.include_router(module.router, prefix=PREFIX, responses=ERROR_RESPONSES)
