"""A finalised fiscal year locks its actuals and judgements; reopening (admin, with a reason) unlocks them."""

import pytest
from sqlalchemy import Engine, select

from keikaku.evaluation import Thresholds
from keikaku.services.actuals.judgements import JudgementInput, set_judgement
from keikaku.services.actuals.periods import lock_period, reopen_period
from keikaku.services.actuals.record import ActualInput, actual_history, set_actual
from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import ConflictError
from keikaku.services.evaluations.run import current_thresholds, evaluate_fiscal_year, set_thresholds
from keikaku.services.governance.accounts import local_admin
from keikaku.services.plans.edit import ProjectChanges, update_kpi_target, update_project
from keikaku.storage import models as m
from keikaku.storage.uow import read_session


def test_locked_year_refuses_actuals_until_reopened(loaded_engine: Engine) -> None:
    admin = local_admin({"USER": "tester"})
    kpi = "参加者数"
    set_actual(ActualInput(kpi=kpi, fiscal_year=2026, value="205人"), actor=admin, engine=loaded_engine)
    lock_period(admin, 2026, reason="評価確定", engine=loaded_engine)
    with pytest.raises(ConflictError, match="令和8年度は確定済みです（"):
        set_actual(
            ActualInput(kpi=kpi, fiscal_year=2026, value="230人", reason="再集計"), actor=admin, engine=loaded_engine
        )
    with pytest.raises(ConflictError, match="確定済み"):
        set_judgement(
            JudgementInput(kpi=kpi, fiscal_year=2026, status="達成", rationale="理由"),
            actor=admin,
            engine=loaded_engine,
        )
    assert [v.value for v in actual_history(kpi, 2026, engine=loaded_engine)] == [205]
    reopen_period(admin, 2026, "集計誤りの訂正", engine=loaded_engine)
    set_actual(
        ActualInput(kpi=kpi, fiscal_year=2026, value="230人", reason="再集計"), actor=admin, engine=loaded_engine
    )
    assert [v.value for v in actual_history(kpi, 2026, engine=loaded_engine)] == [205, 230]


def _year_facts(engine: Engine) -> tuple[int, int, int, int, int]:
    """FY2026's plan, a project with a budget, one of its target KPIs, a measure KPI, and the budget."""
    with read_session(engine) as s:
        plan = s.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == 2026).order_by(m.Plan.id.desc()).limit(1))
        project, budget = s.execute(
            select(m.Project.id, m.Project.budget_thousand_yen)
            .where(m.Project.plan_id == plan, m.Project.budget_thousand_yen.is_not(None))
            .order_by(m.Project.id)
        ).first() or (None, None)
        in_plan = select(m.Project.id).where(m.Project.plan_id == plan)
        target = s.scalar(select(m.Kpi.id).where(m.Kpi.project_id.in_(in_plan), m.Kpi.role == "target").limit(1))
        measure = s.scalar(select(m.Kpi.id).where(m.Kpi.project_id.in_(in_plan), m.Kpi.role == "measure").limit(1))
    assert plan and project and target and measure and budget
    return plan, project, target, measure, budget


def _every_change(engine: Engine, admin: Actor, facts: tuple[int, int, int, int, int]) -> list[tuple[str, object]]:
    """Try each change of FY2026's result; return what each gave (a result or the ConflictError)."""
    _plan, project, target, measure, budget = facts
    attempts = {
        "thresholds": lambda: set_thresholds(
            2026, Thresholds(mostly_achieved=0.5), actor=admin, reason="基準変更", engine=engine
        ),
        "target": lambda: update_kpi_target(target, "参加者数：10人以上", actor=admin, reason="見直し", engine=engine),
        "budget": lambda: update_project(
            project, ProjectChanges(budget_thousand_yen=budget + 1), actor=admin, reason="補正", engine=engine
        ),
        "judgement": lambda: set_judgement(
            JudgementInput(project=str(project), fiscal_year=2026, status="達成", rationale="根拠", reason="訂正"),
            actor=admin,
            engine=engine,
        ),
        "actual": lambda: set_actual(
            ActualInput(kpi=str(target), fiscal_year=2026, value="1", reason="訂正"), actor=admin, engine=engine
        ),
        "measure": lambda: set_actual(
            ActualInput(kpi=str(measure), fiscal_year=2026, value="1", reason="訂正"), actor=admin, engine=engine
        ),
    }
    outcomes: list[tuple[str, object]] = []
    for name, attempt in attempts.items():
        try:
            outcomes.append((name, attempt()))
        except ConflictError as exc:
            outcomes.append((name, exc))
    return outcomes


@pytest.mark.parametrize("plan_lock", [False, True], ids=["year", "plan"])
def test_a_lock_freezes_everything_that_decides_the_years_result(loaded_engine: Engine, plan_lock: bool) -> None:
    admin = local_admin({"USER": "tester"})
    facts = _year_facts(loaded_engine)
    plan, project = facts[:2]
    before = current_thresholds(2026, engine=loaded_engine)
    rating = [e.plan.rating for e in evaluate_fiscal_year(2026, engine=loaded_engine)]
    lock_period(admin, 2026, plan_id=plan if plan_lock else None, reason="評価確定", engine=loaded_engine)
    refused = _every_change(loaded_engine, admin, facts)
    assert [name for name, _ in refused] == ["thresholds", "target", "budget", "judgement", "actual", "measure"]
    for name, outcome in refused:
        assert isinstance(outcome, ConflictError), name
        assert outcome.code == "period_locked" and "令和8年度は確定済みです（" in outcome.message
    assert current_thresholds(2026, engine=loaded_engine) == before
    assert [e.plan.rating for e in evaluate_fiscal_year(2026, engine=loaded_engine)] == rating
    # What does not decide the result stays editable.
    update_project(project, ProjectChanges(summary="概要の誤字訂正"), actor=admin, reason="誤字", engine=loaded_engine)
    reopen_period(admin, 2026, "評価基準の見直し", plan_id=plan if plan_lock else None, engine=loaded_engine)
    done = _every_change(loaded_engine, admin, facts)
    assert [isinstance(outcome, ConflictError) for _, outcome in done] == [False] * 6
    assert current_thresholds(2026, engine=loaded_engine).mostly_achieved == 0.5
