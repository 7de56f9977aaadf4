"""One budget-sum rule (keikaku.domain.budget): a plan whose component budgets are partly missing gets the
same verdict from ingest, the plan page, the command line and the dashboard's SQL."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from keikaku import domain as d
from keikaku.domain.budget import Tally, components_verdict, plan_verdict
from keikaku.domain.plan import Component
from keikaku.ingest.business_plan.checks import check_plan
from keikaku.ingest.context import ParseContext
from keikaku.ingest.read.source import SourceDocument
from keikaku.services.core.actors import SYSTEM
from keikaku.services.exchange.bundle import import_plan_data
from keikaku.services.plans.overview import get_dashboard
from keikaku.services.plans.read import get_plan_page
from keikaku.storage.uow import unit_of_work

ISSUER = "関西広域連合 広域産業振興局"


def _plan(components: list[int | None], project_budget: int = 1_000) -> d.Plan:
    prov = d.Provenance(document="budget_rule", line=1)
    return d.Plan(
        fiscal_year=2027,
        issuer=ISSUER,
        title="令和9年度 試験計画",
        total_budget_thousand_yen=project_budget,
        provenance=prov,
        projects=[
            d.Project(
                code="1",
                name="内訳の一部が未記載の事業",
                budget_thousand_yen=project_budget,
                provenance=prov,
                components=[
                    Component(name=f"内訳{i}", budget_thousand_yen=b, provenance=prov)
                    for i, b in enumerate(components, 1)
                ],
            )
        ],
    )


def _ingest_ok(plan: d.Plan) -> bool:
    document = SourceDocument(Path("budget_rule.txt"), "0" * 64, 1, "text", [])
    warnings = check_plan(ParseContext(document, []), plan, [])
    return not any(w.code == d.WarningCode.BUDGET_SUM_MISMATCH for w in warnings)


def _store(engine: Engine, plan: d.Plan) -> int:
    document = d.DocumentRef(id="budget_rule", title=plan.title, issuer=ISSUER, kind=d.DocumentKind.BUSINESS_PLAN)
    with unit_of_work(engine) as session:
        return import_plan_data(session, d.PlanData(documents=[document], plans=[plan])).plan_ids[0]


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        ([600, None], True),  # the known part fits in the project's budget: nothing disagrees yet
        ([1_200, None], False),  # the known part alone exceeds it
        ([600, 300], False),  # complete and short
        ([600, 400], True),  # complete and exact
    ],
    ids=["partial-fits", "partial-exceeds", "complete-short", "complete-exact"],
)
def test_every_reader_gives_the_same_verdict(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch, components: list[int | None], expected: bool
) -> None:
    plan = _plan(components)
    rule = components_verdict(1_000, Tally.of((b, False) for b in components))
    assert rule is not None and rule.ok is expected
    assert plan_verdict(1_000, Tally(1_000, 1, 1)).ok

    assert _ingest_ok(plan) is expected, "ingest"
    plan_id = _store(loaded_engine, plan)
    assert get_plan_page(plan_id, viewer=SYSTEM, engine=loaded_engine).consistent is expected, "page"

    board = get_dashboard(fiscal_year=2027, viewer=SYSTEM, engine=loaded_engine)
    (year,) = [b for b in board.budgets if b.fiscal_year == 2027]
    assert year.consistent is expected, "dashboard"

    from keikaku.cli.app import build_app
    from keikaku.storage.engine import dispose_engines

    monkeypatch.setenv("KEIKAKU_DATABASE_URL", loaded_engine.url.render_as_string(hide_password=False))
    dispose_engines()
    shown = CliRunner().invoke(build_app(["browse"]), ["show", "plan", "2027"])
    assert shown.exit_code == 0, shown.output
    assert ("✗" not in shown.output) is expected, shown.output
