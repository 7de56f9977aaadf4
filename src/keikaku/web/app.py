"""The application factory: pages, the JSON API under ``/api/v1`` with its OpenAPI document, static files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from keikaku.api.auth import authenticate_request
from keikaku.api.router import PREFIX, include_api
from keikaku.services.context.partner_links import refresh_suggestions
from keikaku.services.cycle.reminders import send_due_reminders
from keikaku.services.search.index import sync_search_index
from keikaku.web import errors
from keikaku.web.middleware import WebMiddleware
from keikaku.web.rate_limit import PublicWriteLimiter
from keikaku.web.routers import (
    account,
    admin,
    api_docs,
    browse,
    comments,
    communications,
    cooperative,
    cycle,
    downloads,
    events,
    events_staff,
    imports,
    ingest,
    kpis,
    language,
    partners,
    plans,
    platform,
    platform_institutions,
    project_edit,
    projects,
    search,
    sources,
    thresholds,
    tokens,
    users,
)
from keikaku.web.settings import WebSettings

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("keikaku.web")

DESCRIPTION = """\
関西広域連合 広域産業振興局の産業振興施策（ビジョン・事業計画・KPI・評価）の JSON API です。
すべての画面に同じ内容の JSON があり、`/api/v1/...` で取得できます。

* 金額の単位は千円です（`*_thousand_yen`）。
* 一覧はページ分割されます（`page`, `per_page`）。年度・チャレンジ・担当課・状態で絞り込めます。
* 応答には `ETag` が付き、`If-None-Match` で 304 を返します。
* エラーは `{"error": {"code": "...", "message": "..."}}` の形で、`code` は変わりません。
"""


#: Plans indexed before a starting server answers (a fraction of a second); the rest are built behind it.
FOREGROUND_PLANS = 50


def _build_in_background(config: WebSettings) -> None:
    started = time.perf_counter()
    try:
        status = sync_search_index(engine=config.engine)
        log.info("search index: %d plans indexed in %.0f s", status.indexed_plans, time.perf_counter() - started)
        refresh_suggestions(engine=config.engine)
    except Exception:  # pragma: no cover - logged; search keeps saying the index is incomplete
        log.exception("search index: background build failed")


async def _remind(config: WebSettings) -> None:
    """The scheduled job of the calls for actuals: send the reminders due, then wait, for as long as the app
    runs.  A reminder goes once however often this runs (and on however many workers): see
    :mod:`keikaku.services.cycle.reminders`."""
    while True:
        try:
            run = await run_in_threadpool(send_due_reminders, engine=config.engine)
            if run.reminders or run.delivered:
                log.info("reminders: %d written, %d messages sent", run.reminders, run.delivered)
        except Exception:  # logged; the next run tries again
            log.exception("reminders: the scheduled run failed")
        await asyncio.sleep(config.reminder_interval)


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the web application (pages and API) for the given settings (default: from the environment)."""
    config = settings or WebSettings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if config.sync_on_start:
            # A few plans are indexed before serving; a larger backlog (a freshly loaded national database)
            # is built in the background while the server answers, search saying 「索引を作成中」.
            status = await run_in_threadpool(sync_search_index, limit=FOREGROUND_PLANS, engine=config.engine)
            if status.complete:
                await run_in_threadpool(refresh_suggestions, engine=config.engine)
            else:
                threading.Thread(target=_build_in_background, args=(config,), name="search-index", daemon=True).start()
        job = asyncio.create_task(_remind(config), name="reminders") if config.reminder_interval > 0 else None
        yield
        if job is not None:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job

    app = FastAPI(
        title="keikaku API",
        version="1",
        description=DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(authenticate_request)],
    )
    app.state.settings = config
    app.state.public_write_limiter = PublicWriteLimiter(config.registration_rate)
    errors.install(app)
    include_api(app)
    routers = (
        account,
        browse,
        sources,
        plans,
        projects,
        kpis,
        imports,
        partners,
        search,
        downloads,
        language,
        api_docs,
        project_edit,
        cooperative,
        comments,
        admin,
        events,
        events_staff,
        users,
        platform,
        platform_institutions,
        communications,
        thresholds,
        cycle,
        ingest,
        tokens,
    )
    for module in routers:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(WebMiddleware, max_body=config.max_body)
    return app
