"""``/api/v1/actuals/import`` and ``/api/v1/actuals/template``: actual values in bulk, from a workbook or CSV.

The upload is checked by the import service (:func:`keikaku.services.actuals.import_sheet.import_actuals`, which
runs :mod:`keikaku.services.actuals.upload_safety` first: size, zip bomb, file name) and recorded all or nothing:
each row needs the acting user's ``record_actual`` permission for its KPI's departments, and any error —
a wrong cell or a KPI of another department — leaves everything unrecorded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi.responses import Response

from keikaku.api.deps import MAX_YEAR, MIN_YEAR, ActorDep, DepartmentQuery, EngineDep
from keikaku.api.responses import FORBIDDEN
from keikaku.api.schemas.imports import ImportCellErrorPublic, ImportCreate, ImportReportPublic
from keikaku.services.actuals.import_sheet import ImportReport, import_actuals
from keikaku.services.actuals.upload_safety import max_upload_bytes, safe_filename
from keikaku.services.core.actors import Actor, Permission
from keikaku.services.core.errors import PermissionDeniedError, ServiceError, ValidationError
from keikaku.services.exchange import exporters
from keikaku.services.exchange.exporters import XLSX_MEDIA, attachment

router = APIRouter(tags=["KPI・実績"])

#: Read past the upload limit by at most this much (the web's body limit on upload routes is within it).
READ_MARGIN = 1024 * 1024


class TemplateFormat(StrEnum):
    """The formats of the entry template."""

    XLSX = "xlsx"
    CSV = "csv"


def require_importer(actor: Actor) -> None:
    """Refuse, before any file is read, a user who may record no actual value at all (the public)."""
    if not actor.can_anywhere(Permission.RECORD_ACTUAL):
        raise PermissionDeniedError(
            "実績を取り込む権限がありません（担当課の編集者・管理者としてログインしてください）",
            details={"permission": Permission.RECORD_ACTUAL.value},
        )


def read_upload(upload: UploadFile | None) -> tuple[str, bytes]:
    """The name the client gave and the content of an uploaded file (never more than the upload limit and
    the multipart envelope the web lets through, so that an oversized file is reported with its size)."""
    if upload is None:
        raise ValidationError("取り込むファイルを選んでください", code="file_missing")
    upload.file.seek(0)
    content = upload.file.read(max_upload_bytes() + READ_MARGIN)
    name = upload.filename or ""
    if not name and not content:
        raise ValidationError("取り込むファイルを選んでください", code="file_missing")
    return name, content


def report_public(filename: str, report: ImportReport) -> ImportReportPublic:
    """The import report as the API and the page show it."""
    return ImportReportPublic(
        filename=safe_filename(filename),
        applied=report.applied,
        rows=report.rows,
        recorded=report.recorded,
        unchanged=report.unchanged,
        errors=[ImportCellErrorPublic.model_validate(e) for e in report.errors],
    )


def rejection(result: ImportReportPublic, report: ImportReport) -> ServiceError:
    """The error of an import that recorded nothing, every wrong cell in ``details.errors``: 403 when a row is
    a KPI the user may not record, else 422."""
    errors = [{**e.model_dump(), "message": e.message} for e in result.errors]
    if any(e.forbidden for e in report.errors):
        return PermissionDeniedError(
            f"「{result.filename}」には実績を入力する権限のない KPI が含まれています。何も取り込んでいません",
            details={"filename": result.filename, "rows": result.rows, "errors": errors},
        )
    return ValidationError(
        f"「{result.filename}」に誤りが {len(errors)} 件あります。何も取り込んでいません",
        code="import_rejected",
        details={"filename": result.filename, "rows": result.rows, "errors": errors},
    )


@router.post(
    "/actuals/import",
    response_model=ImportReportPublic,
    summary="実績を Excel・CSV で取り込む",
    responses=FORBIDDEN,
)
def import_file(
    engine: EngineDep, actor: ActorDep, body: Annotated[ImportCreate, Form(media_type="multipart/form-data")]
) -> ImportReportPublic:
    """Check every cell of an entry workbook (``keikaku actuals template``) or CSV and record the values.

    All or nothing: with any error (a wrong cell, a KPI outside the user's departments) nothing is recorded
    and the answer is 422 ``import_rejected`` with each error's sheet, row, column and reason in
    ``error.details.errors``.  Files above ``KEIKAKU_MAX_UPLOAD_BYTES``, zip bombs and macro workbooks are
    refused with 422 before anything is read.
    """
    require_importer(actor)
    name, content = read_upload(body.file)
    report = import_actuals(name, content, actor=actor, reason=body.reason or None, engine=engine)
    result = report_public(name, report)
    if not report.applied:
        raise rejection(result, report)
    return result


@router.get(
    "/actuals/template",
    response_class=Response,
    summary="実績入力ブック（Excel・CSV）",
    responses={
        200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}, "description": "実績入力用のファイル"},
        **FORBIDDEN,
    },
)
def template(
    engine: EngineDep,
    actor: ActorDep,
    fiscal_year: Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR, description="年度（西暦、例: 2026）")],
    format: Annotated[TemplateFormat, Query(description="形式")] = TemplateFormat.XLSX,
    department: DepartmentQuery = None,
) -> Response:
    """The entry workbook of a fiscal year's KPIs (optionally one department's), to fill in and import.

    The file name is fixed (``keikaku_actuals_<year>.xlsx``); nothing the client sends ends up in it.
    """
    require_importer(actor)
    options = {"fiscal_year": fiscal_year, "department": department}
    file = exporters.get("actuals_template").render(format.value, options, actor=actor, engine=engine)
    return Response(
        file.content, media_type=file.media_type, headers={"content-disposition": attachment(file.filename)}
    )
