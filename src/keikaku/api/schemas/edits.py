"""Schemas of editing a plan's facts (projects, KPI targets, cooperative projects), council comments, the
audit trail, publication and fiscal-year locks.

Request bodies end in ``Create`` (what the client sends), responses in ``Public``.  Free text refuses control
characters other than tab and line breaks (422 with ``details.fields``), as every form of keikaku does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from keikaku.api.schemas.common import PageMetaPublic, PublicModel
from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.services.actuals import periods
from keikaku.services.core.free_text import has_control_characters
from keikaku.services.governance import audit
from keikaku.services.plans import cooperative, edit
from keikaku.services.plans.edit import MAX_NAME, MAX_REASON, MAX_SUMMARY
from keikaku.services.publication import state as publication
from keikaku.services.publication.state import MAX_COMMENT_LENGTH

MAX_AMOUNT = 10**12
STATE_DESCRIPTION = (
    "楽観的ロック: 表示したときの状態トークン（state）。その後にほかの人が変更していれば保存せず 409 を返し、"
    "details.state に現在のトークンを入れる"
)


def _no_controls(value: str | None) -> str | None:
    if value is not None and has_control_characters(value):  # the services' own rule (DEL and C1 included)
        raise ValueError("使用できない制御文字が含まれています")
    return value


Text = Annotated[str, AfterValidator(_no_controls)]
OptionalText = Annotated[str | None, AfterValidator(_no_controls)]
Reason = Annotated[str, AfterValidator(_no_controls), Field(max_length=MAX_REASON, description="変更の理由（必須）")]
State = Annotated[str, Field(min_length=1, max_length=64, description=STATE_DESCRIPTION)]


# -- projects and KPI targets ----------------------------------------------------------------------------


class ProjectUpdate(BaseModel):
    """The facts of a project to change: only the fields sent change (null clears one; ``name`` cannot be
    cleared), with the reason and the state token the client was shown."""

    name: Text = Field("", max_length=MAX_NAME, description="事業名（空にはできない）")
    title: OptionalText = Field(None, max_length=MAX_NAME, description="見出し")
    summary: OptionalText = Field(None, max_length=MAX_SUMMARY, description="事業概要")
    field: OptionalText = Field(None, max_length=MAX_NAME, description="分野")
    budget_thousand_yen: int | None = Field(None, ge=0, le=MAX_AMOUNT, description="予算額（千円）")
    national_subsidy_thousand_yen: int | None = Field(None, ge=0, le=MAX_AMOUNT, description="うち国庫補助（千円）")
    reason: Reason
    state: State


class KpiTargetUpdate(BaseModel):
    """A KPI's new target as the plan writes it (``参加者数：250人以上``, ``割合：75%以上``)."""

    text: Text = Field(max_length=MAX_NAME, description="目標（計画の書き方で）")
    reason: Reason
    state: State


class ChangePublic(PublicModel):
    """A field's value before and after a change."""

    before: Any = None
    after: Any = None


class EditResultPublic(PublicModel, read_model=edit.EditResult):
    """An object after an edit: what changed and its new state token (for the next edit)."""

    changed: dict[str, ChangePublic]


class KpiTargetStatePublic(PublicModel):
    """A KPI of a project as its edit form shows it: the target as written and its state token."""

    id: int
    indicator: str
    text: str
    target_text: str
    state: str


class ProjectEditPublic(PublicModel):
    """A project's editable facts with their state token, and its KPIs' targets (the edit form's data)."""

    id: int
    plan_id: int
    name: str
    title: str | None
    summary: str | None
    field: str | None
    budget_thousand_yen: int | None
    national_subsidy_thousand_yen: int | None
    departments: list[str]
    state: str
    kpis: list[KpiTargetStatePublic]


# -- cooperative projects --------------------------------------------------------------------------------


class CooperativeProjectCreate(BaseModel):
    """A member government's cooperative project (協調事業) to add."""

    name: Text = Field(max_length=MAX_NAME, description="事業名")
    member_government: Text = Field(max_length=100, description="構成府県市（入力者は自分の府県市だけ）")
    challenge: int | None = Field(None, ge=1, le=99, description="関西チャレンジの番号")
    field: OptionalText = Field(None, max_length=200, description="分野")
    reason: OptionalText = Field(None, max_length=1000, description="理由（任意）")


class CooperativeProjectUpdate(BaseModel):
    """A cooperative project's new values: every field is given (``challenge`` and ``field`` may be null)."""

    name: Text = Field(max_length=MAX_NAME, description="事業名")
    member_government: Text = Field(max_length=100, description="構成府県市（入力者は他の府県市に移せない）")
    challenge: int | None = Field(ge=1, le=99, description="関西チャレンジの番号（null: なし）")
    field: OptionalText = Field(max_length=200, description="分野（null: なし）")
    reason: Reason
    state: State


class CooperativeProjectPublic(PublicModel, read_model=cooperative.CooperativePublic):
    """A cooperative project with its state token."""


class CooperativeProjectListPublic(PublicModel):
    """A plan's cooperative projects in the plan's order."""

    plan_id: int
    items: list[CooperativeProjectPublic]


# -- comments --------------------------------------------------------------------------------------------


class CommentCreate(BaseModel):
    """A council member's comment on the evaluation of a plan's year (or of one of its projects)."""

    fiscal_year: int = Field(ge=MIN_FISCAL_YEAR, le=MAX_FISCAL_YEAR, description="評価の年度")
    body: Text = Field(max_length=MAX_COMMENT_LENGTH, description="コメント")
    project_id: int | None = Field(None, ge=1, le=2**31 - 1, description="対象の事業（省略: 計画全体）")


class CommentPublic(PublicModel, read_model=publication.CommentPublic):
    """A comment on an evaluation."""


class CommentListPublic(PublicModel):
    """Comments on a plan's evaluations, oldest first."""

    plan_id: int
    fiscal_year: int | None
    items: list[CommentPublic]


# -- the audit trail -------------------------------------------------------------------------------------


class AuditEntryPublic(PublicModel, read_model=audit.AuditRecord):
    """An entry of the audit trail."""

    before: Any = None
    after: Any = None


class AuditPagePublic(PageMetaPublic):
    """A page of the audit trail, newest first."""

    items: list[AuditEntryPublic]


# -- publication and fiscal-year locks -------------------------------------------------------------------


class PublicationCreate(BaseModel):
    """Publish or withdraw a plan, or its evaluation of a fiscal year."""

    target: Literal["plan", "evaluation"] = Field(description="計画（plan）か評価（evaluation）か")
    state: Literal["published", "draft"] = Field(description="公開（published）か取り下げ（draft）か")
    fiscal_year: int | None = Field(
        None, ge=MIN_FISCAL_YEAR, le=MAX_FISCAL_YEAR, description="評価の年度（省略: 計画の年度）"
    )
    reason: OptionalText = Field(
        None, max_length=2000, description="理由（取り下げと、測定が完了していない評価の公表では必須）"
    )
    confirm_incomplete: bool = Field(
        False,
        description="測定が完了していない評価を公表するときに true（未測定の KPI があることを確認した）",
    )


class EvaluationCoveragePublic(PublicModel):
    """How much of an evaluation is measured, shown before publishing it."""

    plan_id: int
    fiscal_year: int
    measured: int = Field(description="実績または定性判定のある KPI の数")
    total: int = Field(description="KPI の数")
    complete: bool = Field(description="すべての KPI が測定済みか（false のとき公表には理由と確認が必要）")
    locked: bool = Field(description="年度が確定済みか（false のとき事業・計画の判定は「評価中」）")
    text: str = Field(description="「15件中3件測定済み」")


class PublicationStatePublic(PublicModel, read_model=publication.PublicationPublic):
    """The publication state of a plan or an evaluation, as of its newest change."""


class PeriodLockCreate(BaseModel):
    """Lock a fiscal year (or one plan's year)."""

    plan_id: int | None = Field(None, ge=1, le=2**31 - 1, description="この計画の年度だけを確定する")
    reason: OptionalText = Field(None, max_length=2000, description="理由（任意）")


class PeriodReopenCreate(BaseModel):
    """Reopen a locked fiscal year (or one plan's year): the reason is required."""

    plan_id: int | None = Field(None, ge=1, le=2**31 - 1, description="この計画の年度だけを再開する")
    reason: Text = Field(max_length=2000, description="再開する理由（必須）")


class PeriodLockPublic(PublicModel, read_model=periods.PeriodLockPublic):
    """The newest lock event of a year (or of one plan's year): locked unless reopened."""
