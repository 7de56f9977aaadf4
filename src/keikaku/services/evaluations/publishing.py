"""The publishing guard: an evaluation is published knowing how much of it is measured.

Publishing an evaluation mid-year once graded the plan 「未達」 in public with one click, though 12 of its 15
KPIs had no value (issue 15, finding 1).  Now the coverage ("15件中3件測定済み") is shown first, and while it
is incomplete publishing needs a reason and an explicit confirmation; both, and the coverage, are audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from keikaku.evaluation.rollup import coverage_text
from keikaku.services.actuals.periods import is_locked
from keikaku.services.core.actors import Actor, require_admin
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.services.evaluations.status_cache import plan_statuses
from keikaku.services.publication import revisions
from keikaku.services.publication import state as publication
from keikaku.storage import models as m
from keikaku.storage.accounts import PublicationState, PublishedObject
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class EvaluationCoverage:
    """How much of a plan's evaluation of a fiscal year is measured, and whether the year is locked."""

    plan_id: int
    fiscal_year: int
    measured: int
    total: int
    locked: bool

    @property
    def complete(self) -> bool:
        """Every KPI has a value or a judgement."""
        return self.measured >= self.total

    @property
    def text(self) -> str:
        """``15件中3件測定済み`` (``KPI なし`` for a plan without KPIs)."""
        return coverage_text(self.measured, self.total) or "KPI なし"


def coverage_in_session(session: Session, plan: m.Plan, fiscal_year: int) -> EvaluationCoverage:
    """The coverage of ``plan``'s evaluation of ``fiscal_year``, from the cached statuses (no writes)."""
    statuses = plan_statuses(session, plan.id, fiscal_year, plan.issuer)
    rollup = statuses.evaluation.plan if statuses.evaluation is not None else None
    return EvaluationCoverage(
        plan_id=plan.id,
        fiscal_year=fiscal_year,
        measured=rollup.measured if rollup else 0,
        total=rollup.kpi_count if rollup else 0,
        locked=is_locked(session, fiscal_year, plan.id),
    )


def evaluation_coverage(
    plan_id: int, fiscal_year: int | None = None, *, actor: Actor, engine: Engine | None = None
) -> EvaluationCoverage:
    """The coverage shown before publishing (administrators only, like publishing itself); the year defaults
    to the plan's."""
    require_admin(actor, "評価の公開")
    with read_session(ensure_schema(engine)) as session:
        plan = session.get(m.Plan, plan_id)
        if plan is None:
            raise NotFoundError(f"計画 {plan_id} は見つかりません", code="plan_not_found")
        return coverage_in_session(session, plan, fiscal_year if fiscal_year is not None else plan.fiscal_year)


def publish_evaluation_checked(
    actor: Actor,
    plan_id: int,
    fiscal_year: int,
    *,
    reason: str | None,
    confirm_incomplete: bool,
    engine: Engine | None = None,
) -> tuple[publication.PublicationPublic, EvaluationCoverage]:
    """Publish an evaluation after the guard: with coverage incomplete, a reason and ``confirm_incomplete``.

    Refusals are :class:`ValidationError` with the coverage in ``details`` (``coverage_reason_required``,
    ``coverage_confirmation_required``), so that the page and the API client can show it.
    """
    coverage = evaluation_coverage(plan_id, fiscal_year, actor=actor, engine=engine)
    details: dict[str, object] = {
        "measured": coverage.measured,
        "kpi_count": coverage.total,
        "coverage": coverage.text,
    }
    if not coverage.complete:
        cleaned = clean_text(reason, "理由", limit=2000, field="reason")
        if cleaned is None:
            raise ValidationError(
                f"測定が完了していません（{coverage.text}）。公表する理由を入力してください",
                code="coverage_reason_required",
                details={**details, "fields": {"reason": "理由を入力してください"}},
            )
        if not confirm_incomplete:
            raise ValidationError(
                f"測定が完了していません（{coverage.text}）。未測定の KPI があることを確認してから公表してください",
                code="coverage_confirmation_required",
                details={**details, "fields": {"confirm_incomplete": "確認してください"}},
            )
    audited = {"coverage": coverage.text, "measured": coverage.measured, "kpi_count": coverage.total}
    result = publication.publish_evaluation(
        actor, plan_id, fiscal_year, reason=reason or None, details=audited, engine=engine
    )
    return result, coverage


def set_publication(
    actor: Actor,
    target: str,
    plan_id: int,
    state: str,
    *,
    fiscal_year: int | None = None,
    reason: str | None = None,
    confirm_incomplete: bool = False,
    engine: Engine | None = None,
) -> publication.PublicationPublic:
    """Publish or withdraw a plan or its evaluation of a fiscal year (the year defaults to the plan's), an
    evaluation through the guard: the one entry for the web form and the API."""
    published = state == PublicationState.PUBLISHED
    if target == PublishedObject.PLAN:
        if published:
            return revisions.publish_plan(actor, plan_id, reason=reason, engine=engine)
        return publication.unpublish_plan(actor, plan_id, reason=reason or "", engine=engine)
    if fiscal_year is None:
        fiscal_year = evaluation_coverage(plan_id, actor=actor, engine=engine).fiscal_year
    if published:
        result, _ = publish_evaluation_checked(
            actor, plan_id, fiscal_year, reason=reason, confirm_incomplete=confirm_incomplete, engine=engine
        )
        return result
    return publication.unpublish_evaluation(actor, plan_id, fiscal_year, reason=reason or "", engine=engine)
