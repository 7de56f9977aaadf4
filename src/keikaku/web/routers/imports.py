"""The import page: upload the filled entry workbook (or CSV) and see what was recorded or what is wrong.

The form posts ``multipart/form-data`` with the CSRF token as a field.  The file goes through the import
service like every other channel (upload safety, then every cell checked, all or nothing); the page shows
the report: rows recorded, or each wrong cell with its sheet, row and column.  The entry workbook of a
year is downloaded from ``/api/v1/actuals/template`` (a fixed file name).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from keikaku.api.deps import ActorDep, EngineDep
from keikaku.api.routers.imports import read_upload, report_public, require_importer
from keikaku.api.schemas.imports import MAX_REASON, ImportReportPublic
from keikaku.services.actuals.import_sheet import ImportReport, import_actuals
from keikaku.services.actuals.upload_safety import max_upload_mb_text
from keikaku.services.core.actors import Permission
from keikaku.services.plans.overview import get_dashboard
from keikaku.web.render import render
from keikaku.web.routers.form_posts import submit

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    actor: ActorDep,
    engine: EngineDep,
    *,
    result: ImportReportPublic | None = None,
    message: str | None = None,
    reason: str = "",
    status: int = 200,
) -> HTMLResponse:
    years = list(reversed(get_dashboard(viewer=actor, engine=engine).fiscal_years))
    context = {
        "years": years,
        "result": result,
        "message": message,
        "reason": reason,
        "allowed": actor.can_anywhere(Permission.RECORD_ACTUAL),
        "max_mb": max_upload_mb_text(),
    }
    return render(request, actor, "import.html", context, status=status)


@router.get("/actuals/import", response_class=HTMLResponse)
def import_form(request: Request, engine: EngineDep, actor: ActorDep) -> HTMLResponse:
    """The upload form and the entry workbooks to download (a visitor is asked to log in)."""
    return _page(request, actor, engine)


@router.post("/actuals/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    file: Annotated[UploadFile | None, File()] = None,
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
) -> HTMLResponse:
    """Import the uploaded file and show the report (422 with every wrong cell when nothing was recorded)."""
    require_importer(actor)

    def work() -> tuple[str, ImportReport]:
        name, content = read_upload(file)
        return name, import_actuals(name, content, actor=actor, reason=reason or None, engine=engine)

    def done(imported: tuple[str, ImportReport]) -> HTMLResponse:
        name, report = imported
        result = report_public(name, report)
        status = 200 if result.applied else 403 if any(e.forbidden for e in report.errors) else 422
        return _page(request, actor, engine, result=result, reason=reason, status=status)

    return submit(
        work,
        done,
        lambda exc: _page(request, actor, engine, message=exc.message, reason=reason, status=exc.http_status),
    )
