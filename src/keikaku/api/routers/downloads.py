"""``/api/v1/downloads``, ``/api/v1/export/{format}`` and ``/api/v1/reports/{identifier}``: the files.

JSON is the interchange format (``shared/spec/plan-data.schema.json``); CSV is UTF-8 with a BOM (Excel on
Japanese Windows opens it as UTF-8), one row per KPI; reports (the evaluation report, the comparison) come
from the report registry as PDF, XLSX or HTML.
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from keikaku.api.deps import ActorDep, EngineDep, FiscalYearQuery, IssuerQuery
from keikaku.api.schemas.downloads import DownloadPublic, DownloadsPublic, ReportPublic
from keikaku.services.core.home_issuer import get_home_issuer
from keikaku.services.evaluations.reports import list_reports, render_report
from keikaku.services.exchange import exporters
from keikaku.services.exchange.export import ExportFormat
from keikaku.services.exchange.exporters import XLSX_MEDIA, attachment
from keikaku.services.plans.overview import get_dashboard

router = APIRouter(tags=["ダウンロード"])


class ReportFileFormat(StrEnum):
    """The formats a report is downloaded in."""

    PDF = "pdf"
    XLSX = "xlsx"
    HTML = "html"


@router.get("/downloads", response_model=DownloadsPublic, summary="ダウンロードの一覧")
def downloads(engine: EngineDep, actor: ActorDep) -> DownloadsPublic:
    """What can be downloaded: data as JSON and CSV, and the reports with their options."""
    board = get_dashboard(viewer=actor, engine=engine)
    files = [
        DownloadPublic(format="json", label="全データ（JSON）", href="/api/v1/export/json"),
        DownloadPublic(format="csv", label="全データ（CSV）", href="/api/v1/export/csv"),
    ]
    for year in reversed(board.fiscal_years):
        files.append(
            DownloadPublic(format="json", label=f"{year}年度（JSON）", href=f"/api/v1/export/json?fiscal_year={year}")
        )
        files.append(
            DownloadPublic(format="csv", label=f"{year}年度（CSV）", href=f"/api/v1/export/csv?fiscal_year={year}")
        )
    reports = [ReportPublic.model_validate(r) for r in list_reports()]
    return DownloadsPublic(fiscal_years=board.fiscal_years, files=files, reports=reports)


@router.get(
    "/export/{fmt}",
    response_class=FileResponse,
    summary="データの書き出し",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}, "description": "ファイル"}},
)
def export(
    fmt: Annotated[ExportFormat, PathParam(description="形式（json または csv）")],
    engine: EngineDep,
    actor: ActorDep,
    fiscal_year: FiscalYearQuery = None,
) -> FileResponse:
    """The current data of one fiscal year or all, as JSON (interchange format) or CSV (UTF-8 with BOM)."""
    handle, path = tempfile.mkstemp(prefix="keikaku-export-", suffix=f".{fmt.value}")
    try:
        with os.fdopen(handle, "wb") as out:
            written = exporters.get("data").write(
                out, fmt.value, {"fiscal_year": fiscal_year}, actor=actor, engine=engine
            )
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=written.media_type,
        headers={"content-disposition": attachment(written.filename)},
        background=BackgroundTask(Path(path).unlink, missing_ok=True),
    )


@router.get(
    "/reports/{identifier}",
    response_class=Response,
    summary="報告書",
    responses={
        200: {
            "content": {
                "application/pdf": {},
                XLSX_MEDIA: {},
                "text/html": {},
            },
            "description": "報告書のファイル",
        }
    },
)
def report(
    *,
    identifier: Annotated[str, PathParam(max_length=50, description="報告書の種類（evaluation, comparison）")],
    engine: EngineDep,
    actor: ActorDep,
    format: Annotated[ReportFileFormat, Query(description="形式")] = ReportFileFormat.PDF,
    fiscal_year: FiscalYearQuery = None,
    before: FiscalYearQuery = None,
    after: FiscalYearQuery = None,
    issuer: IssuerQuery = None,
) -> Response:
    """A report from the registry (``evaluation`` needs ``fiscal_year``; ``comparison`` needs ``before`` and ``after``)."""
    given: dict[str, object] = {"format": format.value, "fiscal_year": fiscal_year, "before": before, "after": after}
    declared = {option.name for info in list_reports() if info.identifier == identifier for option in info.options}
    options = {k: v for k, v in given.items() if k in declared and v is not None}
    if "issuer" in declared:
        options["issuer"] = issuer or get_home_issuer(engine=engine)
    rendered = render_report(identifier, options, actor=actor, engine=engine)
    return Response(
        rendered.content, media_type=rendered.media_type, headers={"content-disposition": attachment(rendered.filename)}
    )
