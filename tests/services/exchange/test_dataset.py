"""The bundled dataset goes in and comes out intact, on SQLite and PostgreSQL."""

import io
import json

import jsonschema
import pytest
from sqlalchemy import Engine, func, select

from keikaku import domain as d
from keikaku.data import plan_data_schema
from keikaku.services.core.actors import SYSTEM, Actor
from keikaku.services.core.errors import NotFoundError
from keikaku.services.exchange.bundle import bundled_bundles, document_keys, export_plan_data, import_plan_data
from keikaku.services.exchange.export import ExportFormat, export_data
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.plans.overview import get_policy_tree
from keikaku.services.plans.read import PlanPage, find_plan_id, get_whole_plan
from keikaku.storage import models as m
from keikaku.storage.convert import read_plan
from keikaku.storage.plan_rows import current_plan_ids, iter_plan_dicts
from keikaku.storage.uow import read_session, unit_of_work

SCHEMA = plan_data_schema()


def _validate(data: object) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)


def _export_json(engine: Engine, fiscal_year: int | None) -> dict:
    buf = io.StringIO()
    export_data(ExportFormat.JSON, buf, viewer=SYSTEM, fiscal_year=fiscal_year, engine=engine)
    return json.loads(buf.getvalue())


def get_plan_overview(fiscal_year: int, *, viewer: Actor, engine: Engine) -> PlanPage:
    """The whole table of a fiscal year's plan, as ``keikaku show plan`` reads it."""
    return get_whole_plan(find_plan_id(fiscal_year, viewer=viewer, engine=engine), viewer=viewer, engine=engine)


def test_fy2026_plan_adds_up(loaded_engine: Engine) -> None:
    plan = get_plan_overview(2026, viewer=SYSTEM, engine=loaded_engine)
    assert plan.plan.national_subsidy_thousand_yen == 24_992
    assert plan.consistent
    assert plan.plan.total_budget_thousand_yen == 100_674 and plan.listed_total == 100_674
    assert sum(r.budget_thousand_yen or 0 for r in plan.rows.items) == 100_674
    codes = [r.code for r in plan.rows.items]
    assert codes == ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", ""]
    assert plan.rows.items[-1].administrative
    assert get_policy_tree(viewer=SYSTEM, engine=loaded_engine).fiscal_years == [2023, 2026]


def test_export_fy2026_json(loaded_engine: Engine) -> None:
    data = _export_json(loaded_engine, 2026)
    _validate(data)
    (plan,) = data["plans"]
    assert plan["total_budget_thousand_yen"] == 100_674
    total = 0
    for project in plan["projects"]:
        total += project["budget_thousand_yen"]
        budgets = [c["budget_thousand_yen"] for c in project["components"]]
        if budgets and None not in budgets:
            assert sum(budgets) == project["budget_thousand_yen"], project["name"]
    assert total == 100_674
    platform = next(p for p in plan["projects"] if p.get("code") == "5")
    assert platform["budget_thousand_yen"] == 49_984
    assert "プラットフォーム" in platform["name"]
    assert [(k["target"], k["unit"]) for k in platform["kpis"]] == [(80, "%"), (25, "件"), (32_000, "件")]
    events = {e["name"]: e for p in plan["projects"] for e in p["events"]}
    biojapan = next(e for name, e in events.items() if "BioJapan" in name)
    assert (biojapan["start"], biojapan["end"]) == ("2026-10-07", "2026-10-09")
    assert all(p["provenance"]["document"] == "001_0dab7330ada36a72" for p in plan["projects"])
    assert data["vision"]["horizon_fiscal_year"] == 2040


def test_export_fy2023_json_keeps_stated_total_and_warns(loaded_engine: Engine) -> None:
    data = _export_json(loaded_engine, 2023)
    _validate(data)
    (plan,) = data["plans"]
    assert plan["total_budget_thousand_yen"] == 55_969
    assert sum(p["budget_thousand_yen"] for p in plan["projects"]) == 54_734
    (warning,) = plan["warnings"]
    assert warning["code"] == "budget_sum_mismatch"
    overview = get_plan_overview(2023, viewer=SYSTEM, engine=loaded_engine)
    assert not overview.consistent
    assert overview.checks[0].difference == 1_235


def test_export_all_validates_and_round_trips(loaded_engine: Engine, sqlite_url: str) -> None:
    data = _export_json(loaded_engine, None)
    _validate(data)
    bundle = d.PlanData.model_validate(data)
    assert [p.fiscal_year for p in bundle.plans] == [2023, 2026]
    assert len(bundle.partner_priorities[0].initiatives) >= 15
    # what was exported imports again into an empty database and exports the same plans
    from keikaku.storage.engine import make_engine

    other = make_engine(sqlite_url)
    initialize_database(empty=True, engine=other)
    with unit_of_work(other) as session:
        import_plan_data(session, bundle)
    again = _export_json(other, None)
    assert again["plans"] == data["plans"]
    other.dispose()


def test_streaming_rows_match_orm_reading(loaded_engine: Engine) -> None:
    with read_session(loaded_engine) as session:
        keys = document_keys(session)
        ids = current_plan_ids(session.connection())
        streamed = list(iter_plan_dicts(session.connection(), ids, keys))
        plans = [session.get(m.Plan, i) for i in ids]
        via_orm = [read_plan(p, keys).model_dump(mode="json") for p in plans if p is not None]
    for s, o in zip(streamed, via_orm, strict=True):
        assert d.Plan.model_validate(s).model_dump(mode="json") == o


def test_init_twice_changes_nothing(loaded_engine: Engine) -> None:
    result = initialize_database(engine=loaded_engine)
    assert result.loaded is not None
    assert result.loaded.documents == 0
    with read_session(loaded_engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Plan)) == 2


def test_changed_plan_becomes_new_revision(loaded_engine: Engine) -> None:
    _name, bundle = next((n, b) for n, b in bundled_bundles() if n.startswith("business_plan"))
    changed = bundle.model_copy(deep=True)
    changed.documents[0].sha256 = "0" * 64
    changed.plans[0].projects[0].budget_thousand_yen = 11_000
    changed.plans[0].total_budget_thousand_yen = 101_631
    with unit_of_work(loaded_engine) as session:
        result = import_plan_data(session, changed)
    assert result.plans == [(2026, 2)]
    assert get_plan_overview(2026, viewer=SYSTEM, engine=loaded_engine).rows.items[0].budget_thousand_yen == 11_000
    with read_session(loaded_engine) as session:
        old = session.scalar(select(m.Plan).where(m.Plan.fiscal_year == 2026, m.Plan.revision == 1))
        assert old is not None and not old.is_current
        assert old.total_budget_thousand_yen == 100_674
        current = export_plan_data(session, 2026)
        assert current.plans[0].total_budget_thousand_yen == 101_631


def test_relative_kpi_gets_a_supporting_measure(loaded_engine: Engine) -> None:
    with read_session(loaded_engine) as session:
        kpi = session.scalar(select(m.Kpi).where(m.Kpi.relative_to == "参加企業数"))
        assert kpi is not None and kpi.relative_to_kpi is not None
        measure = kpi.relative_to_kpi
        assert (measure.role, measure.indicator, measure.project_id) == ("measure", "参加企業数", kpi.project_id)


def test_policy_tree_groups_projects_by_challenge(loaded_engine: Engine) -> None:
    tree = get_policy_tree(viewer=SYSTEM, engine=loaded_engine)
    assert tree.fiscal_year == 2026
    assert tree.vision is not None and tree.vision.horizon_fiscal_year == 2040
    by_number = {c.number: [p.code for p in c.projects] for c in tree.challenges}
    assert by_number == {1: ["①", "②", "③", "④"], 2: ["⑤", "⑥"], 3: ["⑦", "⑧", "⑨"], None: [""]}


def test_unknown_fiscal_year_is_not_found(loaded_engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="1999"):
        get_plan_overview(1999, viewer=SYSTEM, engine=loaded_engine)


def test_csv_export_is_bom_utf8_one_row_per_kpi(loaded_engine: Engine) -> None:
    buf = io.StringIO()
    result = export_data(ExportFormat.CSV, buf, viewer=SYSTEM, fiscal_year=2026, engine=loaded_engine)
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("年度,")
    kpi_rows = [line for line in lines[1:] if ",>=," in line or "maintain_or_improve" in line]
    assert len(kpi_rows) == 15
    assert result.rows == len(lines) - 1


def test_csv_export_neutralises_formulas(engine: Engine) -> None:
    plan = d.Plan(
        fiscal_year=2030,
        issuer="テスト市",
        total_budget_thousand_yen=10,
        projects=[d.Project(name='=HYPERLINK("http://x")', budget_thousand_yen=10, departments=["@課"])],
    )
    with unit_of_work(engine) as session:
        import_plan_data(session, d.PlanData(plans=[plan]))
    buf = io.StringIO()
    export_data(ExportFormat.CSV, buf, viewer=SYSTEM, fiscal_year=2030, engine=engine)
    row = buf.getvalue().splitlines()[1]
    assert "'=HYPERLINK" in row and ",'@課," in row
