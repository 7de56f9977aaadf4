"""``/api/v1/events/{event_id}/imports/…`` and ``/api/v1/surveys/{survey_id}/imports``: the records of events
run elsewhere — the organiser's participant list or the paper 受付名簿, the meeting list, and the responses
of a Google Forms / Microsoft Forms export — each checked whole and stored all or nothing by the same
services as the staff pages (:mod:`keikaku.services.events.imports`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form

from keikaku.api.deps import ActorDep, EngineDep, Id
from keikaku.api.responses import FORBIDDEN
from keikaku.api.routers.imports import read_upload
from keikaku.api.schemas.events import (
    EventImportCreate,
    EventImportReportPublic,
    FormsImportCreate,
    SurveyImportReportPublic,
)
from keikaku.services.actuals.upload_safety import safe_filename
from keikaku.services.core.errors import ValidationError
from keikaku.services.events.imports import ImportReport, check_may_import
from keikaku.services.events.imports_meetings import import_meetings
from keikaku.services.events.imports_participants import import_participants
from keikaku.services.surveys.forms_import import SurveyImportReport, import_form_responses
from keikaku.services.surveys.responses import get_survey

router = APIRouter(tags=["イベント"])


def _applied(report: ImportReport) -> ImportReport:
    """The report of an import that stored its file; else the 422 with every error in ``details.errors``."""
    if report.applied:
        return report
    errors = [
        {"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason, "message": str(e)}
        for e in report.errors
    ]
    name = safe_filename(report.filename)
    details: dict[str, object] = {"filename": name, "rows": report.rows, "error_count": report.error_count}
    if isinstance(report, SurveyImportReport):  # what the saved mapping must still cover
        details |= {"unmapped_columns": report.unmapped_columns, "unmapped_labels": report.unmapped_labels}
    raise ValidationError(
        f"「{name}」に誤りが {report.error_count} 件あります。何も取り込んでいません",
        code="import_rejected",
        details={**details, "errors": errors},
    )


@router.post(
    "/events/{event_id}/imports/participants",
    response_model=EventImportReportPublic,
    summary="参加者名簿・受付名簿を取り込む",
    responses=FORBIDDEN,
)
def import_participant_list(
    event_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    body: Annotated[EventImportCreate, Form(media_type="multipart/form-data")],
) -> ImportReport:
    """Check every row of a participant list or paper 受付名簿 and import it (the event's staff).

    All or nothing: with any error nothing is stored and the answer is 422 ``import_rejected`` with each
    error's sheet, row, column and reason in ``error.details.errors``.  Importing the same file again
    changes nothing.
    """
    check_may_import(event_id, actor=actor, engine=engine)  # before the file is read
    name, content = read_upload(body.file)
    report = import_participants(event_id, name, content, actor=actor, all_attended=body.all_attended, engine=engine)
    return _applied(report)


@router.post(
    "/events/{event_id}/imports/meetings",
    response_model=EventImportReportPublic,
    summary="商談リストを取り込む",
    responses=FORBIDDEN,
)
def import_meeting_list(
    event_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    body: Annotated[EventImportCreate, Form(media_type="multipart/form-data")],
) -> ImportReport:
    """Check every row of the organiser's meeting list (firm, counterpart, slot, status) and import it.

    All or nothing, as the participant list: 422 ``import_rejected`` with every error.  A later list of the
    same meetings moves their statuses; the same list again changes nothing.
    """
    check_may_import(event_id, actor=actor, engine=engine)
    name, content = read_upload(body.file)
    return _applied(import_meetings(event_id, name, content, actor=actor, engine=engine))


@router.post(
    "/surveys/{survey_id}/imports",
    response_model=SurveyImportReportPublic,
    summary="フォームの回答を取り込む",
    responses=FORBIDDEN,
)
def import_form_export(
    survey_id: Id,
    engine: EngineDep,
    actor: ActorDep,
    body: Annotated[FormsImportCreate, Form(media_type="multipart/form-data")],
) -> ImportReport:
    """Import the responses of a Google Forms CSV or Microsoft Forms .xlsx export with the survey's saved mapping.

    Columns or labels the mapping does not cover are errors (422 ``import_rejected``), listed in
    ``error.details.errors``; save the mapping on the survey's import page first.  Responses already
    imported are not added again.
    """
    get_survey(survey_id, actor=actor, engine=engine)  # the permission check, before the file is read
    name, content = read_upload(body.file)
    return _applied(import_form_responses(survey_id, name, content, actor=actor, engine=engine))
