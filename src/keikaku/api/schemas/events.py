"""Schemas of the imports of events run elsewhere: participant lists, meeting lists, form exports."""

from __future__ import annotations

from fastapi import UploadFile
from pydantic import BaseModel, Field

from keikaku.api.schemas.common import PublicModel
from keikaku.services.events import imports as event_imports
from keikaku.services.surveys.forms_import import SurveyImportReport


class EventImportCreate(BaseModel):
    """The upload (``multipart/form-data``): a participant list, 受付名簿 or meeting list (.xlsx or CSV)."""

    file: UploadFile | None = Field(
        None, description="名簿・商談リスト（.xlsx または CSV、日本語の文字コードは自動判別）"
    )
    all_attended: bool = Field(False, description="出欠の列がない名簿は全員を出席として記録する（参加者名簿のみ）")


class FormsImportCreate(BaseModel):
    """The upload (``multipart/form-data``): a Google Forms CSV or a Microsoft Forms .xlsx export."""

    file: UploadFile | None = Field(None, description="Google フォームの CSV か Microsoft Forms の .xlsx")


class EventImportErrorPublic(PublicModel, read_model=event_imports.CellError):
    """One wrong cell, row or file: its sheet, row (0: the file), column header and letter, and why (Japanese)."""


class EventImportReportPublic(PublicModel, read_model=event_imports.ImportReport):
    """What an import did: rows read, records added / updated / unchanged, check-ins added.

    All or nothing: with any error nothing is stored and the API answers 422 with the errors in
    ``error.details.errors``.
    """


class SurveyImportReportPublic(EventImportReportPublic, read_model=SurveyImportReport):
    """An import of form responses, with the export's kind and the mapping of its columns and labels."""
