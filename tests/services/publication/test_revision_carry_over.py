"""Publishing a revision carries the year's actual values to the matching KPIs; what has no match waits for a
person, and nothing stays behind silently (SQLite and PostgreSQL)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.services.revisions import add_revised_2026

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.services.governance.audit import list_audit
from keikaku.services.plans.overview import get_dashboard
from keikaku.services.plans.project import get_project_page
from keikaku.services.plans.read import get_plan_page
from keikaku.services.publication.revisions import publish_revision, revision_carry_over
from keikaku.services.publication.state import is_published, publish_evaluation
from keikaku.storage import actuals as store
from keikaku.storage import models as m
from keikaku.storage.uow import read_session, unit_of_work

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
EDITOR = Actor("担当課", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))


def _kpis(engine: Engine, plan_id: int) -> dict[str, int]:
    with read_session(engine) as session:
        rows = session.execute(
            select(m.Kpi.id, m.Kpi.indicator)
            .join(m.Project)
            .where(m.Project.plan_id == plan_id, m.Kpi.role == "target")
        )
        return {row.indicator: row.id for row in rows}


@pytest.fixture
def measured(loaded_engine: Engine) -> Iterator[tuple[Engine, int, int]]:
    """第1版 with two actual values and its evaluation published, then a draft 第2版: (engine, 第1版, 第2版)."""
    with read_session(loaded_engine) as session:
        first = session.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == 2026, m.Plan.revision == 1))
    assert first is not None
    kpis = _kpis(loaded_engine, first)
    set_actual(
        ActualInput(kpi=kpis["利用満足度"], fiscal_year=2026, value="85%", evidence_text="アンケート集計"),
        actor=ADMIN,
        engine=loaded_engine,
    )
    set_actual(ActualInput(kpi=kpis["参加者数"], fiscal_year=2026, value="230人"), actor=ADMIN, engine=loaded_engine)
    publish_evaluation(ADMIN, first, 2026, engine=loaded_engine)
    yield loaded_engine, first, add_revised_2026(loaded_engine)


def test_publishing_carries_values_and_statuses(measured: tuple[Engine, int, int]) -> None:
    eng, first, second = measured
    preview = revision_carry_over(second, actor=ADMIN, engine=eng)
    assert preview.published_plan_id == first and preview.unmatched == []
    publish_revision(ADMIN, second, reason="第2版を公開", engine=eng)
    new = _kpis(eng, second)
    with read_session(eng) as session:
        values = {v.kpi_id: (v.value, v.evidence_text) for v in store.current_values(session, new.values(), [2026])}
        assert is_published(session, "plan", second) and is_published(session, "evaluation", second, 2026)
    assert values[new["利用満足度"]] == (85, "アンケート集計")
    assert values[new["参加者数"]] == (230, None)
    # The public now reads 第2版, with the year's values and statuses carried over.
    board = get_dashboard(viewer=PUBLIC, engine=eng)
    assert board.plan_id == second and board.evaluation_visible
    rows = get_plan_page(second, viewer=PUBLIC, engine=eng).rows.items
    platform = get_project_page(next(r.id for r in rows if r.code == "⑤"), viewer=PUBLIC, engine=eng)
    assert next(k.status for k in platform.kpis if k.indicator == "利用満足度") == "達成"
    green = get_project_page(next(r.id for r in rows if r.code == "③"), viewer=PUBLIC, engine=eng)
    assert next(k.actual for k in green.kpis if k.indicator == "参加者数") == 230
    # 第1版 keeps its own history.
    with read_session(eng) as session:
        assert len(store.current_values(session, _kpis(eng, first).values(), [2026])) == 2
    entry = next(
        e
        for e in list_audit(ADMIN, action="plan.revision_carry_over", engine=eng).entries
        if e.action == "plan.revision_carry_over"
    )
    assert entry.after["carried"]["actual_values"] == 2 and entry.reason == "第2版を公開"


def test_unmatched_values_wait_for_a_person(measured: tuple[Engine, int, int]) -> None:
    eng, _first, second = measured
    renamed = _kpis(eng, second)["利用満足度"]
    with unit_of_work(eng) as session:
        kpi = session.get(m.Kpi, renamed)
        assert kpi is not None
        kpi.indicator = "プラットフォーム利用者の満足度"
    preview = revision_carry_over(second, actor=ADMIN, engine=eng)
    assert [(u.kind, u.what) for u in preview.unmatched] == [("kpi", ("実績値",))]
    assert "利用満足度" in preview.unmatched[0].label
    with pytest.raises(ValidationError, match="利用満足度"):
        publish_revision(ADMIN, second, reason="第2版を公開", engine=eng)
    with read_session(eng) as session:
        assert not is_published(session, "plan", second)
    with pytest.raises(ValidationError, match="理由"):
        publish_revision(ADMIN, second, reason="", engine=eng)
    with pytest.raises(PermissionDeniedError):
        publish_revision(EDITOR, second, reason="第2版を公開", engine=eng)
    old = preview.unmatched[0].old_id
    publish_revision(ADMIN, second, reason="第2版を公開", attach={old: renamed}, engine=eng)
    with read_session(eng) as session:
        assert [v.value for v in store.current_values(session, [renamed], [2026])] == [85]
    entry = next(
        e
        for e in list_audit(ADMIN, action="plan.revision_carry_over", engine=eng).entries
        if e.action == "plan.revision_carry_over"
    )
    assert entry.after["attached"] == {str(old): renamed}


def test_confirmed_items_stay_behind_on_record(measured: tuple[Engine, int, int]) -> None:
    eng, _first, second = measured
    with unit_of_work(eng) as session:
        kpi = session.get(m.Kpi, _kpis(eng, second)["参加者数"])
        assert kpi is not None
        session.delete(kpi)
    old = revision_carry_over(second, actor=ADMIN, engine=eng).unmatched[0].old_id
    publish_revision(ADMIN, second, reason="KPIを削除した版", confirm_unmatched=[old], engine=eng)
    entry = next(
        e
        for e in list_audit(ADMIN, action="plan.revision_carry_over", engine=eng).entries
        if e.action == "plan.revision_carry_over"
    )
    assert [item["id"] for item in entry.after["left_behind"]] == [old]


def _carried(engine: Engine, plan_id: int) -> dict[str, float | None]:
    new = _kpis(engine, plan_id)
    with read_session(engine) as session:
        values = {v.kpi_id: v.value for v in store.current_values(session, new.values(), [2026])}
    return {name: values.get(kpi_id) for name, kpi_id in new.items() if kpi_id in values}


def test_the_publication_page_publishes_a_revision_with_the_years_values(measured: tuple[Engine, int, int]) -> None:
    """Issue 18: the administrator's publish button (and the API) went past the carry-over, so the public's
    新しい版 showed every KPI 未測定 while the values stayed on 第1版.  Every entry point publishes a
    revision through it: a reason is needed, and the year's values move with it."""
    from tests.web.conftest import make_client

    eng, _first, second = measured
    form = {"plan_id": str(second), "target": "plan", "state": "published", "fiscal_year": "2026"}
    with make_client(eng, ADMIN) as admin:
        refused = admin.post("/admin/publication", data=form)
        assert refused.status_code == 422 and "改訂版を公開する理由を入力してください" in refused.text
        assert _carried(eng, second) == {}
        done = admin.post("/admin/publication", data={**form, "reason": "第2版を公開"}, follow_redirects=False)
        assert done.status_code == 303, done.text
    assert _carried(eng, second) == {"利用満足度": 85, "参加者数": 230}
    with read_session(eng) as session:
        assert is_published(session, "plan", second) and is_published(session, "evaluation", second, 2026)


def test_the_api_publishes_a_revision_with_the_years_values(measured: tuple[Engine, int, int]) -> None:
    from tests.web.conftest import make_client

    eng, _first, second = measured
    with make_client(eng, ADMIN) as admin:
        url = f"/api/v1/plans/{second}/publication"
        refused = admin.post(url, json={"target": "plan", "state": "published"})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "reason_required"
        done = admin.post(url, json={"target": "plan", "state": "published", "reason": "第2版を公開"})
        assert done.status_code == 200, done.text
    assert _carried(eng, second) == {"利用満足度": 85, "参加者数": 230}


def test_the_command_line_publishes_a_revision_with_the_years_values(
    measured: tuple[Engine, int, int], tmp_path: Path
) -> None:
    from tests.cli.test_cli_core import run_cli

    eng, _first, second = measured
    url = eng.url.render_as_string(hide_password=False)
    refused = run_cli("publish", "plan", str(second), env_url=url, home=tmp_path)
    assert refused.returncode == 2 and "改訂版を公開する理由を入力してください" in refused.stderr, refused
    bad = run_cli("publish", "plan", str(second), "--reason", "x", "--attach", "1-2", env_url=url, home=tmp_path)
    assert bad.returncode == 2 and "旧KPI_ID=新KPI_ID" in bad.stderr, bad
    done = run_cli("publish", "plan", str(second), "--reason", "第2版を公開", env_url=url, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _carried(eng, second) == {"利用満足度": 85, "参加者数": 230}


def test_the_revisions_page_offers_the_new_revisions_kpis_to_attach_an_unmatched_value(
    measured: tuple[Engine, int, int],
) -> None:
    """An unmatched actual value is attached by choosing one of the new revision's KPIs by name, not by
    typing an id; the choice is published and stays chosen when the form comes back."""
    import re

    from tests.web.conftest import make_client

    eng, first, second = measured
    renamed = _kpis(eng, second)["利用満足度"]
    with unit_of_work(eng) as session:
        kpi = session.get(m.Kpi, renamed)
        assert kpi is not None
        kpi.indicator = "プラットフォーム利用者の満足度"
    old = revision_carry_over(second, actor=ADMIN, engine=eng).unmatched[0].old_id
    with make_client(eng, ADMIN) as admin:
        page = admin.get(f"/plans/{first}/revisions").text
        select_html = re.search(rf'<select id="attach-{old}".*?</select>', page, flags=re.S)
        assert select_html, page[:3000]
        assert f'<option value="{renamed}" lang="ja">' in select_html.group(0)
        assert "プラットフォーム利用者の満足度" in select_html.group(0)
        assert f'action="/plans/{second}/revisions/publish"' in page
        again = admin.post(f"/plans/{second}/revisions/publish", data={f"attach-{old}": str(renamed), "reason": ""})
        assert again.status_code == 422
        assert re.search(rf'<option value="{renamed}" lang="ja" selected>', again.text)  # the choice stays
        done = admin.post(
            f"/plans/{second}/revisions/publish",
            data={f"attach-{old}": str(renamed), "reason": "第2版を公開"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
    with read_session(eng) as session:
        assert [v.value for v in store.current_values(session, [renamed], [2026])] == [85]
