"""Editing projects, KPI targets and cooperative projects: who may, the audit record, optimistic locking."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from keikaku.services.actuals.periods import lock_period
from keikaku.services.core.actors import SYSTEM, Actor, Role
from keikaku.services.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.plans.cooperative import (
    CooperativeInput,
    add_cooperative_project,
    list_cooperative_projects,
    remove_cooperative_project,
    update_cooperative_project,
)
from keikaku.services.plans.edit import ProjectChanges, kpi_state, project_state, update_kpi_target, update_project
from keikaku.storage import models as m
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

ADMIN = Actor("kikaku", frozenset({Role.BUREAU_ADMIN}))
COUNCIL = Actor("iin", frozenset({Role.COUNCIL_MEMBER}))
HYOGO = Actor("hyogo", frozenset({Role.MEMBER_CONTRIBUTOR}), frozenset({"兵庫県"}))


def _project(engine: Engine) -> tuple[int, str, int, int]:
    """A 2026 project with a department and a KPI: (project id, department, KPI id, plan id)."""
    with read_session(engine) as s:
        stmt = (
            select(m.Project.id, m.Department.name, m.Kpi.id, m.Project.plan_id)
            .join(m.ProjectDepartment, m.ProjectDepartment.project_id == m.Project.id)
            .join(m.Department, m.Department.id == m.ProjectDepartment.department_id)
            .join(m.Kpi, m.Kpi.project_id == m.Project.id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(m.Plan.fiscal_year == 2026, m.Kpi.target.is_not(None))
            .order_by(m.Project.id, m.Kpi.id)
        )
        row = s.execute(stmt).first()
        assert row is not None
        return row[0], row[1], row[2], row[3]


def _audit(engine: Engine, action: str) -> list[tuple[str, Any, Any, str | None]]:
    with read_session(engine) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [(e.actor, e.before, e.after, e.reason) for e in rows]


def _budget(engine: Engine, project_id: int) -> int | None:
    with read_session(engine) as s:
        return s.scalar(select(m.Project.budget_thousand_yen).where(m.Project.id == project_id))


def test_a_department_editor_edits_only_their_departments_projects(loaded_engine: Engine) -> None:
    project_id, department, _, _ = _project(loaded_engine)
    own = Actor("ed", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({department}))
    other = Actor("ed2", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"存在しない課"}))
    budget = _budget(loaded_engine, project_id)
    state = project_state(project_id, engine=loaded_engine)
    for actor in (other, COUNCIL, HYOGO):
        with pytest.raises(PermissionDeniedError):
            update_project(
                project_id, ProjectChanges(budget_thousand_yen=1), actor=actor, reason="試し", engine=loaded_engine
            )
    with pytest.raises(ValidationError, match="理由"):
        update_project(project_id, ProjectChanges(budget_thousand_yen=1), actor=own, reason=" ", engine=loaded_engine)
    assert _budget(loaded_engine, project_id) == budget and _audit(loaded_engine, "project.update") == []
    result = update_project(
        project_id,
        ProjectChanges(budget_thousand_yen=12_345, summary="実施内容を更新"),
        actor=own,
        reason="補正予算の反映",
        expected_state=state,
        engine=loaded_engine,
    )
    assert result.changed["budget_thousand_yen"] == {"before": budget, "after": 12_345}
    assert _budget(loaded_engine, project_id) == 12_345
    ((who, before, after, why),) = _audit(loaded_engine, "project.update")
    assert (who, before["budget_thousand_yen"], after["budget_thousand_yen"], why) == (
        "ed",
        budget,
        12_345,
        "補正予算の反映",
    )
    with pytest.raises(ConflictError, match="ほかの人が変更"):  # the form shown before that edit is stale now
        update_project(
            project_id,
            ProjectChanges(budget_thousand_yen=99),
            actor=ADMIN,
            reason="別の訂正",
            expected_state=state,
            engine=loaded_engine,
        )
    assert _budget(loaded_engine, project_id) == 12_345
    with pytest.raises(ValidationError):
        update_project(
            project_id, ProjectChanges(budget_thousand_yen=-5), actor=ADMIN, reason="x", engine=loaded_engine
        )
    with pytest.raises(NotFoundError):
        update_project(10**9, ProjectChanges(name="x"), actor=ADMIN, reason="x", engine=loaded_engine)


def test_a_kpi_target_is_parsed_audited_and_locked_with_its_year(loaded_engine: Engine) -> None:
    _, department, kpi_id, _ = _project(loaded_engine)
    own = Actor("ed", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({department}))
    state = kpi_state(kpi_id, engine=loaded_engine)
    with pytest.raises(ValidationError, match="目標として読み取れません"):
        update_kpi_target(kpi_id, "よろしくお願いします", actor=own, reason="x", engine=loaded_engine)
    with pytest.raises(PermissionDeniedError):
        update_kpi_target(kpi_id, "参加者数：300人以上", actor=COUNCIL, reason="x", engine=loaded_engine)
    result = update_kpi_target(
        kpi_id, "参加者数：３００人以上", actor=own, reason="会場拡大", expected_state=state, engine=loaded_engine
    )
    assert result.changed["target"]["after"] == 300
    with read_session(loaded_engine) as s:
        kpi = s.get(m.Kpi, kpi_id)
        assert kpi is not None and (kpi.indicator, kpi.comparator, kpi.target, kpi.unit) == (
            "参加者数",
            ">=",
            300,
            "人",
        )
    ((_, before, after, why),) = _audit(loaded_engine, "kpi.update_target")
    assert after["target"] == 300 and before["target"] != 300 and why == "会場拡大"
    lock_period(SYSTEM, 2026, reason="評価確定", engine=loaded_engine)
    with pytest.raises(ConflictError):
        update_kpi_target(kpi_id, "参加者数：350人以上", actor=ADMIN, reason="x", engine=loaded_engine)


def test_member_governments_manage_only_their_own_cooperative_projects(loaded_engine: Engine) -> None:
    _, _, _, plan_id = _project(loaded_engine)
    before = list_cooperative_projects(plan_id, viewer=SYSTEM, engine=loaded_engine)
    with pytest.raises(PermissionDeniedError):
        add_cooperative_project(plan_id, CooperativeInput("大阪の事業", "大阪府"), actor=HYOGO, engine=loaded_engine)
    with pytest.raises(PermissionDeniedError):
        add_cooperative_project(plan_id, CooperativeInput("兵庫の事業", "兵庫県"), actor=COUNCIL, engine=loaded_engine)
    made = add_cooperative_project(
        plan_id,
        CooperativeInput("ひょうご水素実証", "兵庫県", challenge=3, field="グリーン"),
        actor=HYOGO,
        engine=loaded_engine,
    )
    other = add_cooperative_project(
        plan_id, CooperativeInput("大阪の事業", "大阪府"), actor=ADMIN, engine=loaded_engine
    )
    assert [c.id for c in list_cooperative_projects(plan_id, viewer=SYSTEM, engine=loaded_engine)][-2:] == [
        made.id,
        other.id,
    ]
    with pytest.raises(PermissionDeniedError):  # not another government's
        update_cooperative_project(
            other.id, CooperativeInput("乗っ取り", "兵庫県"), actor=HYOGO, reason="x", engine=loaded_engine
        )
    with pytest.raises(PermissionDeniedError):  # nor handing one's own over
        update_cooperative_project(
            made.id, CooperativeInput("移管", "大阪府"), actor=HYOGO, reason="x", engine=loaded_engine
        )
    renamed = update_cooperative_project(
        made.id,
        CooperativeInput("ひょうご水素社会実証", "兵庫県", challenge=3, field="グリーン"),
        actor=HYOGO,
        reason="名称変更",
        expected_state=made.state,
        engine=loaded_engine,
    )
    with pytest.raises(ConflictError):
        remove_cooperative_project(made.id, actor=HYOGO, reason="中止", expected_state=made.state, engine=loaded_engine)
    remove_cooperative_project(made.id, actor=HYOGO, reason="中止", expected_state=renamed.state, engine=loaded_engine)
    assert [c.id for c in list_cooperative_projects(plan_id, viewer=SYSTEM, engine=loaded_engine)] == [
        *[c.id for c in before],
        other.id,
    ]
    ((who, last, after, why),) = _audit(loaded_engine, "cooperative.remove")
    assert (who, last["name"], after, why) == ("hyogo", "ひょうご水素社会実証", None, "中止")
    assert [a[0] for a in _audit(loaded_engine, "cooperative.create")] == ["hyogo", "kikaku"]


def test_an_ingest_is_recorded_in_the_audit_trail(engine: Engine, seeds_dir: Path) -> None:
    from keikaku.services.exchange.ingest import ingest_documents

    seed = next(p for p in sorted(seeds_dir.iterdir()) if p.suffix == ".txt")
    report = ingest_documents([seed], actor=ADMIN, engine=engine)
    assert report.stored
    ((who, before, after, _),) = _audit(engine, "document.ingest")
    assert who == "kikaku" and before is None and after["sha256"] == report.documents[0].sha256
    expected = [{"fiscal_year": y, "revision": r} for y, r in report.documents[0].revisions]
    assert after["plans"] == expected and after["path"] == str(seed)


def _edit_inside_anothers_window(engine: Engine, monkeypatch: pytest.MonkeyPatch, edit: Any, hook: str) -> list[Any]:
    """Run ``edit("first")``; while it holds what it read (inside ``hook``), ``edit("second")`` starts in
    another thread with the same state token.  Returns both outcomes (a result or the exception)."""
    import threading

    from keikaku.services.plans import edit as module

    original = getattr(module, hook)
    outcomes: dict[str, Any] = {}
    second: list[threading.Thread] = []

    def run(name: str) -> None:
        try:
            outcomes[name] = edit(name)
        except Exception as exc:
            outcomes[name] = exc

    def window(*args: Any, **kwargs: Any) -> Any:
        if not second:
            second.append(threading.Thread(target=run, args=("second",)))
            second[0].start()
            second[0].join(timeout=2)  # before the fix it commits here, unseen by the first
        return original(*args, **kwargs)

    monkeypatch.setattr(module, hook, window)
    run("first")
    second[0].join(timeout=60)
    return [outcomes["first"], outcomes["second"]]


def test_two_editors_saving_the_same_project_at_once_one_is_told_and_audited(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17 item 7: both editors passed the state check before either wrote, so the later write silently
    replaced the earlier one.  The first to read holds the project until it commits; the other then sees the
    change: a 409, with its attempt in the audit trail."""
    project_id, _, _, _ = _project(loaded_engine)
    seen = project_state(project_id, engine=loaded_engine)
    budgets = {"first": 1111, "second": 2222}

    def edit(name: str) -> Any:
        changes = ProjectChanges(budget_thousand_yen=budgets[name])
        return update_project(
            project_id, changes, actor=ADMIN, reason=f"{name}の修正", expected_state=seen, engine=loaded_engine
        )

    first, second = _edit_inside_anothers_window(loaded_engine, monkeypatch, edit, "_project_values")
    assert not isinstance(first, Exception), first
    assert isinstance(second, ConflictError) and second.code == "conflict", second
    assert _budget(loaded_engine, project_id) == 1111
    assert [(a[2], a[3]) for a in _audit(loaded_engine, "project.conflict")] == [
        ({"budget_thousand_yen": 2222}, "secondの修正")
    ]


def test_two_editors_changing_the_same_kpi_target_at_once_one_is_told_and_audited(
    loaded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, kpi_id, _ = _project(loaded_engine)
    seen = kpi_state(kpi_id, engine=loaded_engine)
    targets = {"first": "参加者数：301人以上", "second": "参加者数：302人以上"}

    def edit(name: str) -> Any:
        return update_kpi_target(
            kpi_id, targets[name], actor=ADMIN, reason=f"{name}の修正", expected_state=seen, engine=loaded_engine
        )

    first, second = _edit_inside_anothers_window(loaded_engine, monkeypatch, edit, "_kpi_values")
    assert not isinstance(first, Exception), first
    assert isinstance(second, ConflictError) and second.code == "conflict", second
    with read_session(loaded_engine) as s:
        assert s.scalar(select(m.Kpi.target).where(m.Kpi.id == kpi_id)) == 301
    assert [a[2]["target"][-6:] for a in _audit(loaded_engine, "kpi.conflict")] == ["302人以上"]
