"""The stored per-plan aggregates stay equal to a recomputation from the rows after every kind of write
(SQLite and PostgreSQL): a project's budget edited, a project added and deleted, a component added, a KPI
deleted, a document ingested (a new revision), a revision published, a backup restored, a synthetic bulk
load, a bulk statement on the projects; and the reads that use them agree with the plan pages.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, update
from tests.services.revisions import NEW_BUDGET, add_revised_2026

from keikaku.domain.budget import Tally, components_verdict
from keikaku.services.core.actors import PUBLIC, SYSTEM, Actor, Role
from keikaku.services.plans.edit import ProjectChanges, update_project
from keikaku.services.plans.overview import get_dashboard
from keikaku.services.plans.read import get_plan_page, list_plans
from keikaku.services.publication.revisions import publish_revision
from keikaku.storage import aggregates
from keikaku.storage import models as m
from keikaku.storage.uow import read_session, unit_of_work
from keikaku.synth.generate import Scale, generate

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))


def recomputed(engine: Engine) -> dict[int, dict[str, Any]]:
    """Every plan's aggregates computed here from its rows (not by keikaku.storage.aggregates)."""
    with engine.connect() as conn:
        plans = list(conn.scalars(select(m.Plan.id)))
        projects = conn.execute(
            select(
                m.Project.id, m.Project.plan_id, m.Project.parent_id, m.Project.budget_thousand_yen, m.Project.relisted
            )
        ).all()
        kpis = conn.execute(
            select(m.Project.plan_id).join(m.Kpi, m.Kpi.project_id == m.Project.id).where(m.Kpi.role == "target")
        ).all()
    parts: dict[int, list[tuple[int | None, bool]]] = defaultdict(list)
    for p in projects:
        if p.parent_id is not None:
            parts[p.parent_id].append((p.budget_thousand_yen, p.relisted))
    out = {
        plan: {
            "project_count": 0,
            "listed_total": 0,
            "listed_known": 0,
            "listed_counted": 0,
            "components_ok": True,
            "kpi_count": 0,
        }
        for plan in plans
    }
    for p in projects:
        if p.parent_id is not None:
            continue
        row = out[p.plan_id]
        row["project_count"] += 1
        if not p.relisted:
            row["listed_counted"] += 1
            if p.budget_thousand_yen is not None:
                row["listed_known"] += 1
                row["listed_total"] += p.budget_thousand_yen
        verdict = components_verdict(p.budget_thousand_yen, Tally.of(parts.get(p.id, [])))
        if verdict is not None and not verdict.ok:
            row["components_ok"] = False
    for (plan_id,) in kpis:
        out[plan_id]["kpi_count"] += 1
    return out


def stored(engine: Engine) -> dict[int, dict[str, Any]]:
    """The rows of ``plan_aggregates``."""
    with read_session(engine) as session:
        return {
            row.plan_id: {
                "project_count": row.project_count,
                "listed_total": row.listed_total,
                "listed_known": row.listed_known,
                "listed_counted": row.listed_counted,
                "components_ok": row.components_ok,
                "kpi_count": row.kpi_count,
            }
            for row in session.scalars(select(aggregates.PlanAggregate))
        }


def assert_current(engine: Engine) -> None:
    expected, found = recomputed(engine), stored(engine)
    assert found == expected, {k: (found.get(k), v) for k, v in expected.items() if found.get(k) != v}


def _plan_2026(engine: Engine) -> tuple[int, int]:
    with read_session(engine) as session:
        plan_id = session.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == 2026, m.Plan.revision == 1))
        project = session.scalar(
            select(m.Project.id)
            .where(m.Project.plan_id == plan_id, m.Project.parent_id.is_(None))
            .order_by(m.Project.position)
        )
    assert plan_id is not None and project is not None
    return plan_id, project


def test_the_bundled_load_fills_them(loaded_engine: Engine) -> None:
    found = stored(loaded_engine)
    assert found and all(row["project_count"] > 0 for row in found.values())
    assert_current(loaded_engine)


def test_edits_additions_and_deletions_keep_them_current(loaded_engine: Engine) -> None:
    eng = loaded_engine
    plan_id, project_id = _plan_2026(eng)
    before = stored(eng)[plan_id]
    update_project(project_id, ProjectChanges(budget_thousand_yen=123_456), actor=SYSTEM, reason="修正", engine=eng)
    assert_current(eng)
    assert stored(eng)[plan_id]["listed_total"] != before["listed_total"]
    with unit_of_work(eng) as session:
        added = m.Project(plan_id=plan_id, position=999, code="99", name="追加事業", budget_thousand_yen=500)
        session.add(added)
        session.flush()
        session.add(m.Project(plan_id=plan_id, parent_id=added.id, position=0, name="構成", budget_thousand_yen=700))
        session.add(m.Kpi(project_id=added.id, position=0, role="target", indicator="件数", unit="件", target=3.0))
        added_id = added.id
    assert_current(eng)
    row = stored(eng)[plan_id]
    assert row["project_count"] == before["project_count"] + 1 and row["components_ok"] is False  # 700 > 500
    assert row["kpi_count"] == before["kpi_count"] + 1
    with unit_of_work(eng) as session:
        kpi = session.scalar(select(m.Kpi).where(m.Kpi.project_id == project_id, m.Kpi.role == "target").limit(1))
        assert kpi is not None
        session.delete(kpi)
    assert_current(eng)
    with unit_of_work(eng) as session:
        gone = session.get(m.Project, added_id)
        assert gone is not None
        session.delete(gone)
    assert_current(eng)
    assert stored(eng)[plan_id]["project_count"] == before["project_count"]


def test_an_ingested_revision_and_its_publication_keep_them_current(loaded_engine: Engine) -> None:
    """A changed document stored as ``keikaku ingest`` stores it (第2版), then 第2版 published."""
    eng = loaded_engine
    second = add_revised_2026(eng)
    assert_current(eng)
    assert second in stored(eng)
    publish_revision(ADMIN, second, reason="第2版を公開", engine=eng)
    assert_current(eng)
    listed = {p.id: p.project_count for p in list_plans(viewer=PUBLIC, engine=eng).items}
    assert listed[second] == get_plan_page(second, viewer=PUBLIC, engine=eng).plan.project_count
    budgets = {b.plan_id: b for b in get_dashboard(viewer=PUBLIC, engine=eng).budgets}
    page = get_plan_page(second, viewer=PUBLIC, engine=eng)
    assert budgets[second].listed_total == page.listed_total and budgets[second].consistent == page.consistent
    assert budgets[second].listed_total >= NEW_BUDGET


def test_a_bulk_statement_on_the_projects_recomputes_every_plan(loaded_engine: Engine) -> None:
    with unit_of_work(loaded_engine) as session:
        session.execute(update(m.Project).where(m.Project.parent_id.is_(None)).values(budget_thousand_yen=1))
    assert_current(loaded_engine)
    with unit_of_work(loaded_engine) as session:
        session.execute(delete(m.Project).where(m.Project.code == "1"))
    assert_current(loaded_engine)


def test_a_synthetic_bulk_load_fills_them(loaded_engine: Engine) -> None:
    generate(Scale.SMALL, engine=loaded_engine)
    assert len(stored(loaded_engine)) > 2  # the bundled plans and the synthetic ones
    assert_current(loaded_engine)


def test_a_restore_brings_back_the_backed_up_aggregates(loaded_engine: Engine, tmp_path: Path) -> None:
    from keikaku.services.governance.backup import backup, restore

    if loaded_engine.dialect.name == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not on PATH")
    eng = loaded_engine
    plan_id, project_id = _plan_2026(eng)
    saved = tmp_path / "before.backup"
    backup(saved, actor=ADMIN, engine=eng)
    backed_up = stored(eng)
    update_project(project_id, ProjectChanges(budget_thousand_yen=1), actor=SYSTEM, reason="修正", engine=eng)
    assert stored(eng)[plan_id] != backed_up[plan_id]
    restore(saved, actor=ADMIN, engine=eng)
    assert stored(eng) == backed_up
    assert_current(eng)
