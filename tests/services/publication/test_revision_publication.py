"""A draft revision never takes the published one off the site (SQLite and PostgreSQL).

The union's FY2026 plan is published; a changed document is ingested as 第2版, a draft.  Until an
administrator publishes 第2版, the public reads 第1版 everywhere a year's plan is read — the dashboard, the
plan list, the tree, project lists, comparisons, downloads, the report and search — and staff read 第2版.
"""

import io
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from tests.services.revisions import NEW_BUDGET, NEW_TOTAL, OLD_TOTAL, add_revised_2026

from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.evaluations.reports import render_report
from keikaku.services.exchange.export import ExportFormat, export_data
from keikaku.services.plans.compare import compare_fiscal_years
from keikaku.services.plans.overview import get_dashboard, get_policy_tree
from keikaku.services.plans.project import get_project_page
from keikaku.services.plans.project_list import list_projects
from keikaku.services.plans.read import find_plan_id, get_plan_page, list_plans
from keikaku.services.publication.revisions import publish_plan
from keikaku.services.publication.state import publish_evaluation, unpublish_plan
from keikaku.services.search.index import forget_checks
from keikaku.services.search.query import search
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
EDITOR = Actor("担当課", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))


def _first_revision(engine: Engine) -> int:
    with read_session(engine) as session:
        plan_id = session.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == 2026, m.Plan.revision == 1))
    assert plan_id is not None
    return plan_id


@pytest.fixture
def revised(loaded_engine: Engine) -> Iterator[tuple[Engine, int, int]]:
    """The bundled data, FY2026's evaluation published, and a draft 第2版 of FY2026: (engine, 第1版, 第2版)."""
    first = _first_revision(loaded_engine)
    publish_evaluation(ADMIN, first, 2026, engine=loaded_engine)
    second = add_revised_2026(loaded_engine)
    forget_checks()
    yield loaded_engine, first, second
    forget_checks()


def _exported_total(engine: Engine, viewer: Actor) -> int:
    out = io.StringIO()
    export_data(ExportFormat.JSON, out, viewer=viewer, fiscal_year=2026, engine=engine)
    plans = json.loads(out.getvalue())["plans"]
    assert [p["fiscal_year"] for p in plans] == [2026]
    return int(plans[0]["total_budget_thousand_yen"])


def test_public_keeps_reading_the_published_revision(revised: tuple[Engine, int, int]) -> None:
    eng, first, _second = revised
    board = get_dashboard(viewer=PUBLIC, engine=eng)
    assert board.fiscal_year == 2026 and board.plan_id == first
    assert board.total_budget_thousand_yen == OLD_TOTAL
    assert board.evaluation_visible and board.evaluation_years == [2026]
    assert get_policy_tree(viewer=PUBLIC, engine=eng).plan_id == first
    listed = {p.fiscal_year: (p.id, p.revision) for p in list_plans(viewer=PUBLIC, engine=eng).items}
    assert listed == {2026: (first, 1), 2023: listed[2023]}
    assert find_plan_id(2026, viewer=PUBLIC, engine=eng) == first
    projects = list_projects(viewer=PUBLIC, fiscal_year=2026, engine=eng)
    assert projects.total > 0 and {p.plan_id for p in projects.items} == {first}
    page = get_plan_page(first, viewer=PUBLIC, engine=eng)
    platform = next(r.id for r in page.rows.items if r.code == "⑤")
    assert get_project_page(platform, viewer=PUBLIC, engine=eng).evaluation_visible
    assert _exported_total(eng, PUBLIC) == OLD_TOTAL
    comparison = compare_fiscal_years(2023, 2026, viewer=PUBLIC, engine=eng)
    assert comparison.after_total == OLD_TOTAL
    report = render_report("evaluation", {"fiscal_year": 2026, "format": "html"}, actor=PUBLIC, engine=eng)
    assert "100,674" in report.content.decode()


def test_public_search_finds_the_published_revision_only(revised: tuple[Engine, int, int]) -> None:
    eng, first, second = revised
    public = {
        h.ref_id for h in search("スタートアップ", viewer=PUBLIC, kind="project", fiscal_year=2026, engine=eng).hits
    }
    staff = {
        h.ref_id for h in search("スタートアップ", viewer=ADMIN, kind="project", fiscal_year=2026, engine=eng).hits
    }
    with read_session(eng) as session:
        plan_of = {row.id: row.plan_id for row in session.execute(select(m.Project.id, m.Project.plan_id))}
    assert public and {plan_of[p] for p in public} == {first}
    assert staff and {plan_of[p] for p in staff} == {second}


def test_staff_read_the_draft_revision(revised: tuple[Engine, int, int]) -> None:
    eng, _first, second = revised
    for viewer in (ADMIN, EDITOR):
        board = get_dashboard(viewer=viewer, engine=eng)
        assert (board.plan_id, board.total_budget_thousand_yen) == (second, NEW_TOTAL)
        assert _exported_total(eng, viewer) == NEW_TOTAL
    rows = get_plan_page(second, viewer=ADMIN, engine=eng).rows.items
    assert next(r.budget_thousand_yen for r in rows if r.code == "①") == NEW_BUDGET


def test_publishing_the_revision_moves_the_public_to_it_and_withdrawing_moves_it_back(
    revised: tuple[Engine, int, int],
) -> None:
    eng, first, second = revised
    publish_plan(ADMIN, second, reason="第2版を公開", engine=eng)
    forget_checks()
    board = get_dashboard(viewer=PUBLIC, engine=eng)
    assert (board.plan_id, board.total_budget_thousand_yen) == (second, NEW_TOTAL)
    assert [p.id for p in list_plans(viewer=PUBLIC, fiscal_year=2026, engine=eng).items] == [second]
    assert _exported_total(eng, PUBLIC) == NEW_TOTAL
    # The superseded 第1版 keeps its address, but is no longer "the plan of FY2026".
    assert get_plan_page(first, viewer=PUBLIC, engine=eng).plan.id == first
    unpublish_plan(ADMIN, second, reason="誤りがあったため取り下げ", engine=eng)
    forget_checks()
    assert get_dashboard(viewer=PUBLIC, engine=eng).plan_id == first
