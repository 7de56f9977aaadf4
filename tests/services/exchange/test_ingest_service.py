"""The ingest service: one transaction for a run, idempotent re-runs, revisions and their difference."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from keikaku.domain import Plan, Project
from keikaku.services.core.errors import NotFoundError
from keikaku.services.exchange.ingest import DocumentStatus, ingest_documents, interchange_json
from keikaku.services.plans.revisions import diff_plan_revisions, diff_plans, list_plan_revisions
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

SEED = "001_0dab7330ada36a72.txt"
DOCUMENTS = Path(__file__).resolve().parents[2] / "ingest" / "documents"


def _count(engine: Engine, model: type) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_dry_run_parses_and_stores_nothing(engine: Engine, seeds_dir: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    report = ingest_documents(
        sorted(seeds_dir.glob("*.txt")), dry_run=True, engine=engine, progress=lambda p, d, t: seen.append((p, d, t))
    )
    assert report.exit_code == 0 and not report.stored
    assert [d.status for d in report.documents] == [DocumentStatus.PARSED] * 4
    assert [(d, t) for _, d, t in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len(report.data.documents) == 4 and len(report.data.plans) == 2  # FY2026, and FY2023 from the vision
    assert report.data.vision is not None and report.data.action_plan is not None
    assert _count(engine, m.Document) == 0
    payload = interchange_json(report.data)
    assert payload["plans"][0]["total_budget_thousand_yen"] == 100674  # type: ignore[index]


def test_store_once_then_unchanged(engine: Engine, seeds_dir: Path) -> None:
    report = ingest_documents(sorted(seeds_dir.glob("*.txt")), engine=engine)
    assert report.stored and report.exit_code == 0
    assert [d.status for d in report.documents] == [DocumentStatus.STORED] * 4
    assert report.documents[0].revisions == [(2026, 1)]
    counts = (_count(engine, m.Document), _count(engine, m.Plan), _count(engine, m.Project), _count(engine, m.Kpi))
    assert counts[0] == 4 and counts[1] == 2
    again = ingest_documents([seeds_dir / SEED], engine=engine)
    assert again.documents[0].status is DocumentStatus.UNCHANGED
    assert (
        _count(engine, m.Document),
        _count(engine, m.Plan),
        _count(engine, m.Project),
        _count(engine, m.Kpi),
    ) == counts
    with read_session(engine) as session:
        plan = session.scalar(select(m.Plan).where(m.Plan.fiscal_year == 2026))
        assert plan is not None and plan.issuer == "関西広域連合 広域産業振興局"
        project = session.scalar(select(m.Project).where(m.Project.code == "5", m.Project.plan_id == plan.id))
        assert project is not None and project.source_line == 256 and project.source_document_id is not None


def test_changed_document_becomes_a_revision(engine: Engine, seeds_dir: Path, tmp_path: Path) -> None:
    ingest_documents([seeds_dir / SEED], engine=engine)
    changed = tmp_path / "changed.txt"
    text = (seeds_dir / SEED).read_text(encoding="utf-8")
    changed.write_text(
        text.replace("(2,940千円)", "(3,940千円)")
        .replace("4,928千円", "5,928千円")
        .replace("100,674千円", "101,674千円"),
        encoding="utf-8",
    )
    report = ingest_documents([changed], engine=engine)
    assert report.documents[0].revisions == [(2026, 2)]
    revisions = list_plan_revisions(fiscal_year=2026, engine=engine)
    assert [(r.revision, r.is_current, r.total_budget_thousand_yen) for r in revisions] == [
        (1, False, 100674),
        (2, True, 101674),
    ]
    diff = diff_plan_revisions(fiscal_year=2026, engine=engine)
    assert (diff.old_revision, diff.new_revision) == (1, 2)
    assert [(c.field, c.old, c.new) for c in diff.plan_changes] == [("total_budget_thousand_yen", 100674, 101674)]
    (project,) = diff.changed
    assert project.code == "7"
    assert ("budget_thousand_yen", 4928, 5928) in [(c.field, c.old, c.new) for c in project.changes]
    assert not diff.added and not diff.removed
    # In words, for the people who read it (issue 18: the diff showed raw field names).
    assert [c.label for c in diff.plan_changes] == ["予算総額（千円）"]
    assert "予算額（千円）" in [c.label for c in project.changes]


def test_every_fact_a_revision_diff_compares_has_words() -> None:
    from keikaku.domain.plan import Project
    from keikaku.services.plans.revisions import FIELD_LABELS, _project_facts

    plan_facts = {"title", "total_budget_thousand_yen", "national_subsidy_thousand_yen"}
    compared = {*_project_facts(Project(code="1", name="x", budget_thousand_yen=None)), "code", *plan_facts}
    assert compared <= set(FIELD_LABELS), compared - set(FIELD_LABELS)
    assert all(ja != field and en for field, (ja, en) in FIELD_LABELS.items())


def test_a_failed_file_stores_nothing(engine: Engine, seeds_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    report = ingest_documents([seeds_dir / SEED, empty], engine=engine)
    assert report.exit_code == 2 and not report.stored
    assert [d.status for d in report.documents] == [DocumentStatus.NOT_STORED, DocumentStatus.FAILED]
    assert report.documents[1].message == f"{empty}: ファイルが空です"
    assert _count(engine, m.Document) == 0


def test_strict_refuses_a_partly_read_document(engine: Engine) -> None:
    partial = DOCUMENTS / "bp_r7_numbered_cp932.txt"
    refused = ingest_documents([partial], strict=True, engine=engine)
    assert refused.exit_code == 2 and refused.documents[0].status is DocumentStatus.REFUSED
    assert _count(engine, m.Document) == 0
    accepted = ingest_documents([partial], engine=engine)
    assert accepted.exit_code == 0 and [w.code for w in accepted.documents[0].warnings] == ["unparsed_kpi"]
    with read_session(engine) as session:
        codes = session.scalars(select(m.PlanWarning.code)).all()
    assert codes == ["unparsed_kpi"]


def test_diff_needs_two_revisions(engine: Engine, seeds_dir: Path) -> None:
    with pytest.raises(NotFoundError):
        diff_plan_revisions(fiscal_year=2026, engine=engine)
    ingest_documents([seeds_dir / SEED], engine=engine)
    with pytest.raises(NotFoundError, match="一つしか"):
        diff_plan_revisions(fiscal_year=2026, engine=engine)


def test_diff_plans_matches_by_number_then_by_name() -> None:
    old = Plan(
        fiscal_year=2026,
        total_budget_thousand_yen=300,
        projects=[
            Project(code="1", name="A", budget_thousand_yen=100),
            Project(code="2", name="B", budget_thousand_yen=200),
        ],
    )
    new = Plan(
        fiscal_year=2026,
        total_budget_thousand_yen=300,
        projects=[
            Project(code="1", name="A", budget_thousand_yen=100),
            Project(code="3", name="B", budget_thousand_yen=150),
            Project(code="4", name="C", budget_thousand_yen=50),
        ],
    )
    diff = diff_plans(old, new)
    assert [p.name for p in diff.added] == ["C"] and not diff.removed
    (changed,) = diff.changed
    assert [(c.field, c.old, c.new) for c in changed.changes] == [("code", "2", "3"), ("budget_thousand_yen", 200, 150)]
    assert diff_plans(old, old).is_empty


def test_ingest_over_the_bundled_dataset(sqlite_loaded_engine: Engine, seeds_dir: Path) -> None:
    """The bundled data already holds FY2026: the seed is either the same document or a new revision."""
    report = ingest_documents([seeds_dir / SEED], engine=sqlite_loaded_engine)
    assert report.exit_code == 0 and report.stored
    assert report.documents[0].status in (DocumentStatus.STORED, DocumentStatus.UNCHANGED)
    current = [r for r in list_plan_revisions(fiscal_year=2026, engine=sqlite_loaded_engine) if r.is_current]
    assert [r.total_budget_thousand_yen for r in current] == [100674]


def test_an_absurd_amount_is_a_warning_naming_its_line(engine: Engine, tmp_path: Path) -> None:
    """10^30 千円 (a typing or extraction error) is skipped with a warning, never a crash; the rest is stored."""
    source = (DOCUMENTS / "bp_r9_cells.txt").read_text(encoding="utf-8")
    assert source.count("１１，２００千円") == 1
    path = tmp_path / "bp_absurd.txt"
    path.write_text(source.replace("１１，２００千円", "1" + "0" * 30 + "千円"), encoding="utf-8")
    line = 1 + [text.strip("\f") for text in source.split("\n")].index("１１，２００千円")  # 3ページ 26行目
    report = ingest_documents([path], engine=engine)
    assert report.exit_code == 0 and report.documents[0].status is DocumentStatus.STORED
    oversized = [w for w in report.documents[0].warnings if "大きすぎる" in w.message]
    assert len(oversized) == 1
    assert f"{line}行目" in oversized[0].message and "1" + "0" * 30 + "千円" in oversized[0].message
    assert oversized[0].provenance is not None and oversized[0].provenance.line == line
    with read_session(engine) as session:
        stored = session.scalars(select(m.PlanWarning.message)).all()
        budgets = session.scalars(select(m.Project.budget_thousand_yen)).all()
    assert oversized[0].message in stored
    assert all(b is None or b <= 10**12 for b in budgets) and any(budgets)


def test_a_busy_database_after_the_commit_does_not_undo_the_report(
    engine: Engine, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The statistics are refreshed after the run's transaction: when the database is busy then, the documents
    are stored and said to be, and the statistics wait for the next load (a warning says so)."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from keikaku.storage import statistics

    def busy(_engine: Engine) -> None:
        raise OperationalError("PRAGMA optimize", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(statistics, "analyze", busy)
    with caplog.at_level("WARNING"):
        report = ingest_documents([seeds_dir / SEED], engine=engine)
    assert report.exit_code == 0 and [d.status for d in report.documents] == [DocumentStatus.STORED]
    assert _count(engine, m.Document) == 1
    assert "統計情報は更新していません" in caplog.text


def test_another_error_after_the_commit_is_not_hidden(
    engine: Engine, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keikaku.storage import statistics

    def broken(_engine: Engine) -> None:
        raise RuntimeError("statistics broke")

    monkeypatch.setattr(statistics, "analyze", broken)
    with pytest.raises(RuntimeError, match="statistics broke"):
        ingest_documents([seeds_dir / SEED], engine=engine)
