"""The hot reads' query plans: no full scan of a large table, and no index search that reads most of one.

Each hot read (the five questions of bench/bench_vs_datasette.py) runs on synthetic data; every SELECT it
sends is explained with its own parameters, by ``EXPLAIN QUERY PLAN`` on SQLite (once with the statistics
``keikaku synth`` leaves, once with none, as on a database never analysed) and by ``EXPLAIN`` on
PostgreSQL (with sequential scans discouraged, so that a scan shows only when no index can serve).

A plan fails when it scans a large table (``SCAN projects``, ``Seq Scan on kpis``) or searches one through
an index on conditions that are all ``IS NULL`` — the trap of issue 16, where ``parent_id IS NULL`` chose
the ``parent_id`` index and read 700k rows.  This checks plans, not timings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from tests.sql_capture import Statement, recording

from keikaku.services.core.actors import PUBLIC
from keikaku.services.exchange.initialize import initialize_database
from keikaku.services.plans.overview import get_dashboard
from keikaku.services.plans.project import get_project_page
from keikaku.services.plans.read import get_plan_page, list_plans
from keikaku.services.search.index import sync_search_index
from keikaku.services.search.query import search
from keikaku.storage import models as m
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session
from keikaku.synth.generate import Scale, generate

#: Tables with hundreds of thousands of rows or more at national scale (plans, 17,880 rows, is read by a
#: substring of the issuer's name, which no B-tree serves, and is not listed).
LARGE = frozenset(
    {"projects", "kpis", "actual_values", "project_departments", "events", "publications", "search_entries"}
)


def _hot_reads(engine: Engine) -> dict[str, Callable[[], object]]:
    with read_session(engine) as session:
        plan = session.scalars(select(m.Plan).where(m.Plan.region_code.is_not(None)).order_by(m.Plan.id.desc())).first()
        assert plan is not None
        project = session.scalar(
            select(m.Project.id).where(m.Project.plan_id == plan.id, m.Project.parent_id.is_(None)).limit(1)
        )
        assert project is not None
        issuer, year, plan_id = plan.issuer, plan.fiscal_year, plan.id
    return {
        "first 50 projects of a plan": lambda: get_plan_page(plan_id, viewer=PUBLIC, per_page=50, engine=engine),
        "one project with its KPIs": lambda: get_project_page(project, viewer=PUBLIC, engine=engine),
        "plans of one issuer and fiscal year": lambda: list_plans(
            viewer=PUBLIC, fiscal_year=year, issuer=issuer, engine=engine
        ),
        "the plans list, first page": lambda: list_plans(viewer=PUBLIC, engine=engine),
        "search 水素": lambda: search("水素", viewer=PUBLIC, engine=engine),
        "dashboard": lambda: get_dashboard(viewer=PUBLIC, issuer=issuer, engine=engine),
    }


def _null_tested(sql: str, table: str, column: str) -> bool:
    return re.search(rf"\b{table}\.{column} IS NULL\b", sql) is not None


def sqlite_problems(conn: Connection, st: Statement) -> list[str]:
    """The full scans and all-``IS NULL`` index searches of large tables in the statement's plan."""
    found = []
    for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + st.sql, st.parameters).all():
        detail = str(row[3])
        scan = re.match(r"SCAN (\w+)", detail)
        if scan and scan.group(1) in LARGE:
            found.append(detail)
        search_ = re.match(r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((.*)\)", detail)
        if search_ and search_.group(1) in LARGE:
            columns = [re.split(r"[=<>]", part)[0] for part in search_.group(2).split(" AND ")]
            if all(_null_tested(st.shape, search_.group(1), c) for c in columns):
                found.append(detail)
    return found


def _pg_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _pg_nodes(child)


def postgres_problems(conn: Connection, st: Statement) -> list[str]:
    """The sequential scans and all-``IS NULL`` index scans of large tables in the statement's plan."""
    raw = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + st.sql, st.parameters).scalar()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    found = []
    for node in _pg_nodes(plan):
        table = node.get("Relation Name")
        if node["Node Type"] == "Seq Scan" and table in LARGE:
            found.append(f"Seq Scan on {table}")
        cond = node.get("Index Cond")
        if (cond and node.get("Relation Name", table) in LARGE) or (cond and "Index Name" in node and not table):
            parts = [p.strip("() ") for p in cond.split(" AND ")]
            if all(p.endswith("IS NULL") for p in parts):
                found.append(f"{node['Node Type']} using {node.get('Index Name')} ({cond})")
    return found


def plan_problems(engine: Engine) -> dict[str, list[str]]:
    """For each hot read, the problems of every SELECT it sent (empty lists when every plan is right)."""
    out: dict[str, list[str]] = {}
    for name, read in _hot_reads(engine).items():
        read()  # caches warm: what is measured is a request of a running server
        with recording(engine) as rec:
            read()
        problems: list[str] = []
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET enable_seqscan = off")
            for st in rec.selects():
                check = sqlite_problems if conn.dialect.name == "sqlite" else postgres_problems
                problems += [f"{p}  <-  {st.shape[:160]}" for p in check(conn, st)]
        out[name] = problems
    return out


@pytest.fixture
def synthetic_engine(database_url: str) -> Iterator[Engine]:
    """The bundled data and the small synthetic scale, analysed (as ``keikaku synth`` leaves it), indexed."""
    eng = make_engine(database_url)
    initialize_database(engine=eng)
    generate(Scale.SMALL, engine=eng)
    sync_search_index(engine=eng)
    yield eng
    eng.dispose()


def test_hot_reads_neither_scan_nor_read_most_of_a_large_table(synthetic_engine: Engine) -> None:
    problems = plan_problems(synthetic_engine)
    assert not any(problems.values()), json.dumps(problems, ensure_ascii=False, indent=1)


def test_plans_are_right_without_statistics(sqlite_url: str) -> None:
    """A database never analysed (the planner guesses) gets the same plans: they follow from the indexes."""
    eng = make_engine(sqlite_url)
    initialize_database(engine=eng)
    generate(Scale.SMALL, engine=eng)
    sync_search_index(engine=eng)
    with eng.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    eng.dispose()  # statistics are read when a connection opens
    problems = plan_problems(eng)
    eng.dispose()
    assert not any(problems.values()), json.dumps(problems, ensure_ascii=False, indent=1)


def _indexes_of_0007(engine: Engine) -> None:
    """The projects' indexes as they were before migration 0008 (0008's downgrade, without the rest of the
    schema going back with it): no ``projects(plan_id, parent_id)``, a plain ``parent_id`` index."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_projects_plan_parent")
        conn.exec_driver_sql("DROP INDEX ix_projects_parent_id")
        conn.exec_driver_sql("CREATE INDEX ix_projects_parent_id ON projects (parent_id)")
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")


def _count_per_plan(plan_ids: list[int]) -> Statement:
    """The statement the plans list sent before the stored aggregates: its plans' top-level projects counted."""
    stmt = (
        select(m.Project.plan_id, func.count())
        .where(m.Project.plan_id.in_(plan_ids), m.Project.parent_id.is_(None))
        .group_by(m.Project.plan_id)
    )
    compiled = stmt.compile(dialect=sqlite_dialect(), compile_kwargs={"render_postcompile": True})
    return Statement(str(compiled), tuple(compiled.params[k] for k in compiled.positiontup or ()))


def test_the_indexes_before_0008_trap_only_a_count_the_reads_no_longer_make(sqlite_url: str) -> None:
    """With the indexes as they were before migration 0008 and no statistics (the database of issue 16):

    * the hot reads' plans are still right: the plans list and the dashboard's year budgets read the stored
      aggregates, not the plans' top-level projects (this fails when the aggregates are not used);
    * the check still sees the trap in the statement the plans list sent before them, which counted its
      plans' projects through the ``parent_id`` index (``parent_id IS NULL``)."""
    eng = make_engine(sqlite_url)
    initialize_database(engine=eng)
    generate(Scale.SMALL, engine=eng)
    _indexes_of_0007(eng)
    eng.dispose()
    problems = plan_problems(eng)
    with read_session(eng) as session:
        ids = list(session.scalars(select(m.Plan.id).order_by(m.Plan.id).limit(20)))
    with eng.connect() as conn:
        trapped = sqlite_problems(conn, _count_per_plan(ids))
    eng.dispose()
    assert not any(problems.values()), json.dumps(problems, ensure_ascii=False, indent=1)
    assert trapped and all("USING INDEX ix_projects_parent_id (parent_id=?)" in p for p in trapped), trapped


def _reads_projects(shape: str) -> bool:
    return re.search(r"\b(FROM|JOIN) projects\b", shape) is not None


def test_the_plans_lists_and_the_dashboard_read_the_stored_aggregates(synthetic_engine: Engine) -> None:
    """The plans lists read no project, and the dashboard only the shown plan's (its budget by challenge):
    project counts and every year's budget totals come from ``plan_aggregates``, however many plans and
    projects there are (this fails when the aggregates are not used)."""
    reads = _hot_reads(synthetic_engine)
    seen: dict[str, list[str]] = {}
    for name in ("plans of one issuer and fiscal year", "the plans list, first page", "dashboard"):
        reads[name]()
        with recording(synthetic_engine) as rec:
            reads[name]()
        shapes = [st.shape for st in rec.statements]
        assert any("plan_aggregates" in shape for shape in shapes), name
        seen[name] = [shape for shape in shapes if _reads_projects(shape)]
    assert not seen["plans of one issuer and fiscal year"] and not seen["the plans list, first page"], seen
    # The dashboard's one read of projects is the shown plan's (plan_id = ?), never a list of plans.
    assert len(seen["dashboard"]) == 1, seen
    assert re.search(r"projects\.plan_id = (\?|%\()", seen["dashboard"][0]), seen


#: Statistics as a sampled ``ANALYZE`` (``analysis_limit=2000``) left them on the national data: a department
#: taken for a rare value (about 1,000 rows of 712,000, when each has 44,000).
_SAMPLED_STATISTICS = (
    ("departments", "sqlite_autoindex_departments_1", "16 1"),
    ("project_departments", "ix_project_departments_department_id", "754320 1001"),
    ("project_departments", "sqlite_autoindex_project_departments_1", "881920 1 1"),
    ("projects", "ix_projects_plan_id", "809480 36"),
    ("projects", "ix_projects_plan_parent", "857010 36 34"),
    ("kpis", "ix_kpis_project_id", "1887839 3"),
)


def test_a_years_tree_is_read_from_its_plans_whatever_the_statistics_say(sqlite_url: str) -> None:
    """The bulk read of many plans' projects, departments and KPIs (a fiscal year's evaluation, 500 plans a
    statement) starts from the plans' ids, also when the statistics are misleading.  With the departments
    joined through ``projects``, SQLite chose to read each department's list of projects
    (``department_id=?``): every row of ``project_departments``, 2.4 s of a national year's 7 s."""
    from keikaku.services.plans import rows
    from keikaku.storage.in_lists import IN_LIST_SIZE

    eng = make_engine(sqlite_url)
    initialize_database(engine=eng)
    generate(Scale.SMALL, engine=eng)
    with eng.begin() as conn:
        for table, index, stat in _SAMPLED_STATISTICS:
            conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE idx = ?", (index,))
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", (table, index, stat))
    eng.dispose()  # statistics are read when a connection opens
    plan_ids = list(range(1, IN_LIST_SIZE + 1))  # one chunk's worth
    found: dict[str, list[str]] = {}
    with eng.connect() as conn:
        for name in ("_TREE_PROJECTS", "_TREE_DEPARTMENTS", "_TREE_KPIS"):
            state = getattr(rows, name).compile(dialect=conn.dialect).construct_expanded_state({"plan_ids": plan_ids})
            values = tuple(state.parameters[k] for k in state.positiontup or ())
            explained = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + state.statement, values).all()
            details = [str(r[3]) for r in explained]
            found[name] = [d for d in details if d.startswith("SCAN") or "department_id" in d]
    eng.dispose()
    assert not any(found.values()), found


def _series_plan(engine: Engine) -> list[str]:
    """The query plan of the project page's series (the KPIs of the projects of a name in the issuer's plans)."""
    read = _hot_reads(engine)["one project with its KPIs"]
    read()
    with recording(engine) as rec:
        read()
    series = [st for st in rec.selects() if re.search(r"projects\.name IN \(", st.shape)]
    assert len(series) == 1, [st.shape[:120] for st in rec.selects()]
    with engine.connect() as conn:
        return [str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + series[0].sql, series[0].parameters)]


def test_a_project_pages_series_looks_its_name_up_in_each_plan(sqlite_url: str) -> None:
    """The series of a project page finds the projects of the name in each of the issuer's plans through
    ``projects(plan_id, name)`` (migration 0033).  Without that index it reads every project of those plans
    (about 400 at national scale for one name); the second half shows that this check sees the difference."""
    eng = make_engine(sqlite_url)
    initialize_database(engine=eng)
    generate(Scale.SMALL, engine=eng)
    with_index = _series_plan(eng)
    with eng.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_projects_plan_name")
    eng.dispose()
    without = _series_plan(eng)
    eng.dispose()
    assert any("ix_projects_plan_name (plan_id=? AND name=?)" in d for d in with_index), with_index
    assert not any("name=?" in d for d in without), without
