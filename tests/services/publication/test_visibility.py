"""The public sees only published plans and evaluations, enforced by the read services (SQLite and PostgreSQL).

A draft plan is not found on direct access and is absent from lists, counts, searches, the tree, the
dashboard, comparisons and downloads; an evaluation not yet published shows no statuses or actual values.
Administrators, council members and department editors see draft plans; only administrators and council
members see draft evaluations.
"""

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from tests.services.drafts import WORD, add_draft_plan
from typer.testing import CliRunner

from keikaku.cli.app import build_app
from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.context.documents import _facts, get_action_plan, get_document_context
from keikaku.services.context.partners import get_initiative_page, get_partner_priorities
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.core.errors import NotFoundError
from keikaku.services.evaluations.reports import render_report
from keikaku.services.exchange.export import ExportFormat, export_data
from keikaku.services.exchange.initialize import BUNDLED_PUBLICATION_REASON
from keikaku.services.governance.audit import list_audit
from keikaku.services.plans.compare import compare_fiscal_years
from keikaku.services.plans.kpi_page import get_kpi_entry_page
from keikaku.services.plans.overview import get_comparison, get_dashboard, get_policy_tree
from keikaku.services.plans.project import get_project_page
from keikaku.services.plans.project_list import list_projects
from keikaku.services.plans.read import get_plan_page, list_plans
from keikaku.services.publication.state import (
    publish_evaluation,
    published_evaluations,
    published_plan_ids,
    unpublish_plan,
)
from keikaku.services.publication.visibility import visibility_for
from keikaku.services.search.index import forget_checks
from keikaku.services.search.query import search
from keikaku.storage import models as m
from keikaku.storage.accounts import Publication
from keikaku.storage.engine import dispose_engines
from keikaku.storage.uow import read_session
from keikaku.synth.generate import Scale, generate

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
COUNCIL = Actor("委員", frozenset({Role.COUNCIL_MEMBER}))
EDITOR = Actor("担当課", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))
INSIDERS = [ADMIN, COUNCIL, EDITOR]
SATISFACTION = "利用満足度"


def _plan_id(engine: Engine, year: int) -> int:
    with read_session(engine) as session:
        plan_id = session.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == year, m.Plan.is_current.is_(True)))
    assert plan_id is not None
    return plan_id


def _platform(engine: Engine) -> int:
    """The 2026 platform project (⑤), which has KPIs and partner links."""
    page = get_plan_page(_plan_id(engine, 2026), viewer=ADMIN, engine=engine)
    return next(r.id for r in page.rows.items if r.code == "⑤")


def _missing(call: Callable[[], object]) -> NotFoundError:
    with pytest.raises(NotFoundError) as caught:
        call()
    return caught.value


def test_bundled_plans_are_published_on_load_their_evaluations_are_not(loaded_engine: Engine) -> None:
    with read_session(loaded_engine) as session:
        plans = set(session.scalars(select(m.Plan.id)))
        assert len(plans) == 2 and published_plan_ids(session) == plans
        assert published_evaluations(session) == set()
        rows = session.scalars(select(Publication)).all()
        assert {(r.object_type, r.state, r.changed_by, r.reason) for r in rows} == {
            ("plan", "published", "system", BUNDLED_PUBLICATION_REASON)
        }
    audited = list_audit(ADMIN, object_type="plan", engine=loaded_engine).entries
    assert (
        sorted((e.action, e.actor, e.after["state"]) for e in audited) == [("plan.publish", "system", "published")] * 2
    )
    assert list_plans(viewer=PUBLIC, engine=loaded_engine).total == 2


def test_a_draft_plan_is_hidden_from_the_public(loaded_engine: Engine) -> None:
    draft = add_draft_plan(loaded_engine)
    forget_checks()
    eng = loaded_engine
    # Direct access: the same "not found" as for something that does not exist.
    assert _missing(lambda: get_plan_page(draft.plan, viewer=PUBLIC, engine=eng)).code == "plan_not_found"
    assert _missing(lambda: get_plan_page(999_999, viewer=PUBLIC, engine=eng)).message == _missing(
        lambda: get_plan_page(draft.plan, viewer=PUBLIC, engine=eng)
    ).message.replace(str(draft.plan), "999999")
    assert _missing(lambda: get_project_page(draft.project, viewer=PUBLIC, engine=eng)).code == "project_not_found"
    assert _missing(lambda: get_kpi_entry_page(draft.kpi, viewer=PUBLIC, engine=eng)).code == "kpi_not_found"
    assert _missing(lambda: get_dashboard(2027, viewer=PUBLIC, engine=eng)).code == "plan_not_found"
    assert _missing(lambda: get_policy_tree(2027, viewer=PUBLIC, engine=eng)).code == "plan_not_found"
    assert _missing(lambda: get_comparison(2026, 2027, viewer=PUBLIC, engine=eng)).code == "plan_not_found"
    hidden_years = _missing(lambda: compare_fiscal_years(2026, 2027, viewer=PUBLIC, engine=eng))
    assert "2027" in hidden_years.message and "登録済みの年度: 2023年度、2026年度" in hidden_years.message
    assert _missing(lambda: get_document_context(draft.document, viewer=PUBLIC, line=2, engine=eng)).code == (
        "document_not_found"
    )
    buf = io.StringIO()
    assert _missing(lambda: export_data(ExportFormat.CSV, buf, viewer=PUBLIC, fiscal_year=2027, engine=eng))
    for options in ({"fiscal_year": 2027}, {"before": 2026, "after": 2027}):
        kind = "evaluation" if "fiscal_year" in options else "comparison"
        _missing(lambda: render_report(kind, {**options, "format": "html"}, actor=PUBLIC, engine=eng))  # noqa: B023
    # Lists, counts, searches, the dashboard and the tree leave it out.
    plans = list_plans(viewer=PUBLIC, engine=eng)
    assert plans.total == 2 and draft.plan not in {p.id for p in plans.items}
    assert list_plans(viewer=PUBLIC, fiscal_year=2027, engine=eng).total == 0
    assert list_projects(viewer=PUBLIC, fiscal_year=2027, engine=eng).total == 0
    assert draft.project not in {p.id for p in list_projects(viewer=PUBLIC, per_page=100, engine=eng).items}
    found = search(WORD, viewer=PUBLIC, engine=eng)
    assert (found.total, found.hits) == (0, [])
    board = get_dashboard(viewer=PUBLIC, engine=eng)
    assert (board.fiscal_year, board.fiscal_years) == (2026, [2023, 2026])
    assert [b.fiscal_year for b in board.budgets] == [2023, 2026]
    assert get_policy_tree(viewer=PUBLIC, engine=eng).fiscal_year == 2026
    view = get_comparison(viewer=PUBLIC, engine=eng)
    assert (view.before, view.after) == (2023, 2026)
    buf = io.StringIO()
    assert export_data(ExportFormat.JSON, buf, viewer=PUBLIC, engine=eng).plans == 2
    exported = json.loads(buf.getvalue())
    assert WORD not in buf.getvalue() and draft.document not in {doc["id"] for doc in exported["documents"]}
    assert get_action_plan(viewer=PUBLIC, engine=eng).themes  # published documents stay visible


@pytest.mark.parametrize("insider", INSIDERS, ids=["admin", "council", "editor"])
def test_insiders_see_the_draft_plan(loaded_engine: Engine, insider: Actor) -> None:
    draft = add_draft_plan(loaded_engine)
    forget_checks()
    eng = loaded_engine
    assert get_plan_page(draft.plan, viewer=insider, engine=eng).plan.id == draft.plan
    assert get_project_page(draft.project, viewer=insider, engine=eng).name == "量子技術の実装支援"
    assert get_kpi_entry_page(draft.kpi, viewer=insider, engine=eng).kpi.indicator == "実証件数"
    assert list_plans(viewer=insider, engine=eng).total == 3
    assert get_dashboard(viewer=insider, engine=eng).fiscal_years == [2023, 2026, 2027]
    assert get_policy_tree(2027, viewer=insider, engine=eng).plan_id == draft.plan
    assert [h.title for h in search(WORD, kind="project", viewer=insider, engine=eng).hits] == ["量子技術の実装支援"]
    context = get_document_context(draft.document, viewer=insider, line=2, engine=eng)
    assert [(f.kind, f.project_id) for f in context.facts] == [("project", draft.project)]
    assert "量子技術の実装支援" in context.context[1].text
    facts = {
        line: {
            (f.kind, f.project_id)
            for f in get_document_context(draft.document, viewer=insider, line=line, engine=eng).facts
        }
        for line in (1, 3, 4)
    }
    assert facts == {
        1: {("plan", None), ("warning", None)},
        3: {("kpi", draft.project)},
        4: {("event", draft.project)},
    }
    assert compare_fiscal_years(2026, 2027, viewer=insider, engine=eng).after_total == 500
    buf = io.StringIO()
    assert export_data(ExportFormat.CSV, buf, viewer=insider, fiscal_year=2027, engine=eng).plans == 1


def test_unpublishing_a_plan_hides_its_document_facts_and_partner_links(loaded_engine: Engine) -> None:
    eng = loaded_engine
    plan_2026, plan_2023 = _plan_id(eng, 2026), _plan_id(eng, 2023)
    platform = get_project_page(_platform(eng), viewer=ADMIN, engine=eng)  # staff see the suggestions (候補) too
    from keikaku.services.context.partner_links import decide_link

    decide_link(platform.links[0].link_id, "confirm", actor=ADMIN, engine=eng)  # the public sees confirmed links only
    project_links = [
        link
        for programme in get_partner_priorities(viewer=PUBLIC, engine=eng)
        for initiative in programme.initiatives
        for link in initiative.links
        if link.target_kind == "project"
    ]
    assert project_links and platform.links  # links to the published plan's projects are listed
    initiative = platform.links[0].initiative_id
    old = get_plan_page(plan_2023, viewer=ADMIN, engine=eng).rows.items[0]
    old_source = get_project_page(old.id, viewer=ADMIN, engine=eng).source
    assert platform.source is not None and old_source is not None and old_source.line is not None

    with read_session(eng) as session:
        keys = {row.id: row.key for row in session.execute(select(m.Document.id, m.Document.key))}
    shown = {keys[h.ref_id] for h in search("関西", kind="document", per_page=50, viewer=PUBLIC, engine=eng).hits}
    assert platform.source.document in shown  # the public's hidden documents are now kept in this process

    unpublish_plan(ADMIN, plan_2026, reason="記載誤りの訂正のため", engine=eng)
    unpublish_plan(ADMIN, plan_2023, reason="記載誤りの訂正のため", engine=eng)
    forget_checks()
    assert list_plans(viewer=PUBLIC, engine=eng).total == 0
    assert _missing(lambda: get_project_page(platform.id, viewer=PUBLIC, engine=eng)).code == "project_not_found"
    board = get_dashboard(viewer=PUBLIC, engine=eng)
    assert (board.plan_id, board.fiscal_years, board.budgets) == (None, [], [])
    assert board.vision is not None  # the vision is a published document
    assert not [
        link
        for programme in get_partner_priorities(viewer=PUBLIC, engine=eng)
        for i in programme.initiatives
        for link in i.links
        if link.target_kind == "project"
    ]
    assert all(
        link.target_kind != "project"
        for link in get_initiative_page(initiative, viewer=PUBLIC, engine=eng).initiative.links
    )
    assert any(
        link.target_id == platform.id
        for link in get_initiative_page(initiative, viewer=ADMIN, engine=eng).initiative.links
    )
    assert search("スタートアップ", kind="project", viewer=PUBLIC, engine=eng).total == 0
    assert search("スタートアップ", kind="project", viewer=COUNCIL, engine=eng).total > 0
    # The business plan's own document is hidden; the vision's document (the FY2023 plan came from it too)
    # stays public, without the facts of the hidden plan.
    _missing(lambda: get_document_context(platform.source.document, viewer=PUBLIC, engine=eng))  # type: ignore[union-attr]
    public = get_document_context(old_source.document, viewer=PUBLIC, line=old_source.line, engine=eng)
    council = get_document_context(old_source.document, viewer=COUNCIL, line=old_source.line, engine=eng)
    assert ("project", old.id) in {(f.kind, f.project_id) for f in council.facts}
    assert {f.kind for f in public.facts} <= {"challenge", "theme", "initiative", "kpi"}
    assert all(f.project_id is None for f in public.facts)
    documents = {keys[h.ref_id] for h in search("関西", kind="document", per_page=50, viewer=PUBLIC, engine=eng).hits}
    assert old_source.document in documents and platform.source.document not in documents  # type: ignore[union-attr]
    everything = search("関西", kind="document", per_page=50, viewer=COUNCIL, engine=eng).hits
    assert platform.source.document in {keys[h.ref_id] for h in everything}  # type: ignore[union-attr]


def test_evaluation_results_are_hidden_until_published(loaded_engine: Engine) -> None:
    eng = loaded_engine
    plan = _plan_id(eng, 2026)
    platform = _platform(eng)
    kpi = next(k.id for k in get_project_page(platform, viewer=ADMIN, engine=eng).kpis if k.indicator == SATISFACTION)
    set_actual(ActualInput(kpi=str(kpi), fiscal_year=2026, value="85%"), actor=ADMIN, engine=eng)
    rolled_up = get_project_page(platform, viewer=COUNCIL, engine=eng).status
    assert rolled_up is not None

    for viewer in (PUBLIC, EDITOR):  # the editor sees draft plans, not draft evaluations
        page = get_plan_page(plan, viewer=viewer, engine=eng)
        assert not page.evaluation_visible and {r.status for r in page.rows.items} == {None}
        project = get_project_page(platform, viewer=viewer, engine=eng)
        shown = next(k for k in project.kpis if k.id == kpi)
        assert (project.status, project.rating, project.evaluation_visible) == (None, None, False)
        assert (shown.actual, shown.status, shown.history, shown.evaluation_visible) == (None, None, [], False)
        assert all(point.actual is None for point in shown.series)
        entry = get_kpi_entry_page(kpi, viewer=viewer, engine=eng).kpi
        assert (entry.actual, entry.status, entry.history, entry.monthly) == (None, None, [], {})
        board = get_dashboard(viewer=viewer, engine=eng)
        assert (board.kpi_statuses, board.plan_status, board.evaluation_visible) == ([], None, False)
        assert board.kpi_count > 0 and board.evaluation_years == []
        tree = get_policy_tree(viewer=viewer, engine=eng)
        nodes = [n for ch in tree.challenges for n in ch.projects]
        assert not tree.evaluation_visible and {n.status for n in nodes} == {None}
        assert {k.status for n in nodes for k in n.kpis} == {None}
        listed = list_projects(viewer=viewer, fiscal_year=2026, engine=eng)
        assert {(p.status, p.evaluation_visible) for p in listed.items} == {(None, False)}
        assert list_projects(viewer=viewer, status=rolled_up, engine=eng).total == 0
        _missing(lambda: render_report("evaluation", {"fiscal_year": 2026, "format": "html"}, actor=viewer, engine=eng))  # noqa: B023

    council = get_project_page(platform, viewer=COUNCIL, engine=eng)
    shown = next(k for k in council.kpis if k.id == kpi)
    assert council.evaluation_visible and council.status is not None
    assert (shown.actual, shown.status, len(shown.history)) == (85, "達成", 1)
    assert get_dashboard(viewer=COUNCIL, engine=eng).kpi_statuses
    assert render_report("evaluation", {"fiscal_year": 2026, "format": "html"}, actor=COUNCIL, engine=eng).content

    publish_evaluation(ADMIN, plan, 2026, reason="推進会議で報告済み", engine=eng)
    page = get_plan_page(plan, viewer=PUBLIC, engine=eng)
    assert page.evaluation_visible and any(r.status for r in page.rows.items)
    shown = next(k for k in get_project_page(platform, viewer=PUBLIC, engine=eng).kpis if k.id == kpi)
    assert (shown.actual, shown.status, len(shown.history)) == (85, "達成", 1)
    assert get_kpi_entry_page(kpi, viewer=PUBLIC, engine=eng).kpi.actual == 85
    board = get_dashboard(viewer=PUBLIC, engine=eng)
    assert board.evaluation_visible and board.kpi_statuses and board.evaluation_years == [2026]
    assert platform in {p.id for p in list_projects(viewer=PUBLIC, status=rolled_up, engine=eng).items}
    assert render_report("evaluation", {"fiscal_year": 2026, "format": "html"}, actor=PUBLIC, engine=eng).content


def test_visibility_conditions(loaded_engine: Engine) -> None:
    draft = add_draft_plan(loaded_engine)
    public, admin = visibility_for(PUBLIC), visibility_for(ADMIN)
    assert public.restricted and not admin.restricted and admin.plan_filter() == []
    with read_session(loaded_engine) as session:
        visible = set(session.scalars(public.restrict(select(m.Plan.id))))
        assert draft.plan not in visible and len(visible) == 2
        assert not public.plan_visible(session, draft.plan) and admin.plan_visible(session, draft.plan)
        assert not public.plan_visible(session, 999_999)
        assert public.ensure_kpi_visible(session, _vision_kpi(session)) is None  # vision targets: always shown
        assert admin.ensure_kpi_visible(session, draft.kpi) == draft.plan
        assert admin.ensure_project_visible(session, draft.project) == draft.plan
        doc = session.scalar(select(m.Document.id).where(m.Document.key == draft.document))
        assert (
            doc is not None
            and public.hidden_document_ids(session) == [doc]
            and admin.hidden_document_ids(session) == []
        )
        assert admin.document_visible(session, doc) and not public.document_visible(session, doc)


def test_facts_of_hidden_plans_leave_a_document(loaded_engine: Engine) -> None:
    draft = add_draft_plan(loaded_engine)
    with read_session(loaded_engine) as session:
        doc = session.scalar(select(m.Document.id).where(m.Document.key == draft.document))
        assert doc is not None
        for line in (1, 2, 3, 4):
            assert _facts(session, doc, line, None, visibility_for(PUBLIC)) == []
            assert _facts(session, doc, line, None, visibility_for(EDITOR))


def _vision_kpi(session: Session) -> int:
    kpi = session.scalar(select(m.Kpi.id).where(m.Kpi.vision_id.is_not(None)).limit(1))
    assert kpi is not None
    return int(kpi)


def test_synthetic_plans_and_all_but_the_newest_evaluations_are_published(engine: Engine) -> None:
    result = generate(Scale.SMALL, engine=engine)
    with read_session(engine) as session:
        plans = session.execute(select(m.Plan.id, m.Plan.fiscal_year)).all()
        assert published_plan_ids(session) == {p.id for p in plans} and len(plans) == result.plans
        newest = max(result.fiscal_years)
        assert published_evaluations(session) == {(p.id, p.fiscal_year) for p in plans if p.fiscal_year != newest}
        assert set(session.scalars(select(Publication.changed_by))) == {"synth"}
    assert list_plans(viewer=PUBLIC, engine=engine).total == result.plans


def test_the_command_line_sees_drafts(
    loaded_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    draft = add_draft_plan(loaded_engine)
    monkeypatch.setenv("KEIKAKU_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    dispose_engines()
    app = build_app(["export", "browse", "compare"])
    out = tmp_path / "fy2027.csv"
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--fiscal-year", "2027", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "量子技術の実装支援" in out.read_text(encoding="utf-8-sig")
    shown = CliRunner().invoke(app, ["show", "plan", "2027"])
    assert shown.exit_code == 0 and "量子技術の実装支援" in shown.output, shown.output
    compared = CliRunner().invoke(app, ["compare", "2026", "2027"])
    assert compared.exit_code == 0 and "量子技術の実装支援" in compared.output, compared.output
    tree = CliRunner().invoke(app, ["tree", "--fiscal-year", "2027"])
    assert tree.exit_code == 0 and "量子技術の実装支援" in tree.output, tree.output
    assert draft.plan > 0
