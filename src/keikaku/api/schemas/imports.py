"""Schemas of the actual-value import: the report of an uploaded entry workbook or CSV."""

from __future__ import annotations

from fastapi import UploadFile
from pydantic import BaseModel, Field, computed_field

from keikaku.api.schemas.common import PublicModel

MAX_REASON = 1000


class ImportCreate(BaseModel):
    """The upload (``multipart/form-data``): the filled entry workbook or CSV, and a default correction reason."""

    file: UploadFile | None = Field(None, description="実績入力ブック（.xlsx）または CSV")
    reason: str | None = Field(None, max_length=MAX_REASON, description="訂正理由（行に記入がない訂正に使う）")


class ImportCellErrorPublic(PublicModel):
    """One wrong cell: its sheet, row and column header, the KPI if known, and why (Japanese)."""

    sheet: str
    row: int
    column: str
    reason: str
    kpi: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        """Where and why, in one line: ``実績 5行 「実績値」: KPI「参加者数」: …``."""
        where = f"{self.sheet} {self.row}行 「{self.column}」"
        return f"{where}: {self.kpi}: {self.reason}" if self.kpi else f"{where}: {self.reason}"


class ImportReportPublic(PublicModel):
    """What an import did: the file (its cleaned name), rows read, versions recorded, values unchanged.

    An import is all or nothing: with any error nothing is recorded and the API answers 422 with the errors
    in ``error.details.errors``.
    """

    filename: str
    applied: bool
    rows: int
    recorded: int
    unchanged: int
    errors: list[ImportCellErrorPublic]
