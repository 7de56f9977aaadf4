"""Derived stores follow every change of their inputs (keikaku.storage.derived): the status cache and the
search index after an in-place edit, after a restore-like rollback of the data, and per plan."""

from sqlalchemy import Engine, select
from tests.kpi_picks import counted_kpis_2026

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import PUBLIC, SYSTEM
from keikaku.services.evaluations.status_cache import plan_statuses
from keikaku.services.plans.edit import ProjectChanges, update_kpi_target, update_project
from keikaku.services.publication.state import publish_plan_state, unpublish_plan
from keikaku.services.search.query import SearchKind, search
from keikaku.storage import derived
from keikaku.storage import models as m
from keikaku.storage.uow import read_session


def _count_kpi(engine: Engine) -> tuple[int, int, int, str, float]:
    """A FY2026 KPI with a numeric target counted in people or cases: (kpi, project, plan, issuer, target)."""
    with read_session(engine) as s:
        row = s.execute(
            select(m.Kpi.id, m.Project.id, m.Plan.id, m.Plan.issuer, m.Kpi.target)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(*counted_kpis_2026(), m.Kpi.target > 10)
            .order_by(m.Kpi.id)
        ).first()
        assert row is not None
        return row[0], row[1], row[2], row[3], float(row[4])


def _status(engine: Engine, plan_id: int, issuer: str, kpi_id: int) -> str | None:
    with read_session(engine) as s:
        return plan_statuses(s, plan_id, 2026, issuer).kpi_status(kpi_id)


def test_editing_a_target_changes_the_cached_status(loaded_engine: Engine) -> None:
    kpi_id, _, plan_id, issuer, target = _count_kpi(loaded_engine)
    with read_session(loaded_engine) as s:
        unit = s.scalar(select(m.Kpi.unit).where(m.Kpi.id == kpi_id))
    value = int(target)
    set_actual(ActualInput(kpi=kpi_id, fiscal_year=2026, value=f"{value}{unit}"), actor=SYSTEM, engine=loaded_engine)
    assert _status(loaded_engine, plan_id, issuer, kpi_id) == "達成"
    # The same value against a target ten times higher is no longer met: the cache must notice the edit.
    update_kpi_target(
        kpi_id, f"参加者数：{value * 10}{unit}以上", actor=SYSTEM, reason="目標の見直し", engine=loaded_engine
    )
    assert _status(loaded_engine, plan_id, issuer, kpi_id) != "達成"


def test_renaming_a_project_is_found_by_search_at_once(loaded_engine: Engine) -> None:
    _, project_id, _, _, _ = _count_kpi(loaded_engine)
    before = search("燕尾服協働プログラム", viewer=PUBLIC, kind=SearchKind.PROJECT, engine=loaded_engine)
    assert before.total == 0
    update_project(
        project_id, ProjectChanges(name="燕尾服協働プログラム"), actor=SYSTEM, reason="名称変更", engine=loaded_engine
    )
    after = search("燕尾服協働プログラム", viewer=PUBLIC, kind=SearchKind.PROJECT, engine=loaded_engine)
    assert [hit.ref_id for hit in after.hits] == [project_id]


def test_a_write_gives_only_its_own_plan_a_new_token(loaded_engine: Engine) -> None:
    kpi_id, _, plan_id, _, _ = _count_kpi(loaded_engine)
    with read_session(loaded_engine) as s:
        other = s.scalar(select(m.Plan.id).where(m.Plan.id != plan_id).order_by(m.Plan.id))
        assert other is not None
        scopes = [derived.plan_scope(plan_id), derived.plan_scope(other)]
        mine, theirs = derived.versions(s, scopes)
    set_actual(ActualInput(kpi=kpi_id, fiscal_year=2026, value="12"), actor=SYSTEM, engine=loaded_engine)
    with read_session(loaded_engine) as s:
        mine_after, theirs_after = derived.versions(s, scopes)
    assert mine_after is not None and mine_after != mine
    assert theirs_after == theirs


def test_tokens_never_repeat_after_the_data_goes_back(loaded_engine: Engine) -> None:
    """A restore brings back old rows (and old ids); the tokens of new writes are still new."""
    kpi_id, _, plan_id, _, _ = _count_kpi(loaded_engine)
    seen = set()
    for value in ("11", "12", "11"):
        set_actual(
            ActualInput(kpi=kpi_id, fiscal_year=2026, value=value, reason="訂正"), actor=SYSTEM, engine=loaded_engine
        )
        with read_session(loaded_engine) as s:
            (token,) = derived.versions(s, [derived.plan_scope(plan_id)])
        assert token not in seen
        seen.add(token)


def test_withdrawing_a_plan_hides_it_from_a_search_at_once(loaded_engine: Engine) -> None:
    """The plans a search hides are kept per process under the ``visibility`` token: a withdrawal (and a
    publication again) must be seen by the very next search, with the kept list warm before it."""
    _, project_id, plan_id, _, _ = _count_kpi(loaded_engine)
    update_project(
        project_id, ProjectChanges(name="燕尾服協働プログラム"), actor=SYSTEM, reason="名称", engine=loaded_engine
    )

    def found() -> list[int]:
        hits = search("燕尾服協働プログラム", viewer=PUBLIC, kind=SearchKind.PROJECT, engine=loaded_engine).hits
        return [hit.ref_id for hit in hits]

    assert found() == [project_id]
    assert found() == [project_id]  # the second search reads the kept list
    unpublish_plan(SYSTEM, plan_id, reason="取り下げ", engine=loaded_engine)
    assert found() == []
    publish_plan_state(SYSTEM, plan_id, reason="再公開", engine=loaded_engine)
    assert found() == [project_id]
