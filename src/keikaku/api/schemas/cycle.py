"""API schemas of the yearly cycle: calls for actuals, the status board, a department's checklist and its
submission (staff only)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from keikaku.api.schemas.common import PublicModel
from keikaku.api.schemas.edits import OptionalText
from keikaku.services.cycle import board, calls, checklist


class CallPublic(PublicModel, read_model=calls.CallPublic):
    """A call for actuals (実績照会) of a fiscal year."""

    due_date: dt.date = Field(description="提出期限")
    remind_before_days: int = Field(description="期限の何日前に督促するか（0: 期限日）")
    remind_after_days: int = Field(description="期限の何日後に督促するか")


class CallListPublic(PublicModel):
    """Every call, newest year first."""

    items: list[CallPublic]


class CallCreate(BaseModel):
    """Open the call for actuals of a fiscal year."""

    fiscal_year: int = Field(ge=1989, le=2100, description="年度（西暦）")
    due_date: dt.date = Field(description="提出期限（YYYY-MM-DD）")
    remind_before_days: int = Field(7, ge=0, le=90, description="期限の何日前に督促するか（0: 期限日）")
    remind_after_days: int = Field(1, ge=1, le=90, description="期限の何日後に督促するか")
    note: OptionalText = Field(None, max_length=2000, description="担当課への連絡事項（督促メールにも載る）")


class SubmissionPublic(PublicModel, read_model=checklist.SubmissionPublic):
    """A department's part marked 提出 (withdrawn when ``withdrawn_at`` is set)."""

    measured: int = Field(description="提出時に測定済みだった KPI の数")


class BoardRowPublic(PublicModel, read_model=board.BoardRow):
    """One department on the status board."""

    state: str = Field(description="submitted（提出済み）, in_progress（入力中）, overdue（期限超過）")


class StatusBoardPublic(PublicModel, read_model=board.StatusBoard):
    """The status board of a call."""


class ChecklistItemPublic(PublicModel, read_model=checklist.ChecklistItem):
    """A KPI of a department's checklist."""

    value: float | None = Field(description="年度の実績値（月次だけのときは null）")


class ChecklistPublic(BaseModel):
    """A department's checklist: progress, state, submission and one page of its KPIs."""

    call: CallPublic
    department: str
    measured: int
    total: int
    state: str = Field(description="submitted, in_progress, overdue")
    submission: SubmissionPublic | None
    items: list[ChecklistItemPublic]
    items_total: int = Field(description="絞り込み後の KPI の数（ページ分割前）")
    page: int
    per_page: int
    only_unmeasured: bool


class SubmissionCreate(BaseModel):
    """Mark a department's part 提出."""

    department: str = Field(min_length=1, max_length=200, description="担当課")
    confirm_incomplete: bool = Field(False, description="未測定の KPI があっても提出することを確認した")
