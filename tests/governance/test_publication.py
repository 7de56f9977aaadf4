"""Publication: drafts until published, the public sees only what is published; council comments."""

import pytest
from sqlalchemy import Engine, select

from keikaku.services.core.actors import PUBLIC, Actor, Role, ScopedActor
from keikaku.services.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.governance.audit import list_audit
from keikaku.services.publication.revisions import publish_plan
from keikaku.services.publication.state import (
    add_comment,
    can_see_evaluation,
    is_published,
    list_comments,
    publication_states,
    publish_evaluation,
    unpublish_evaluation,
    unpublish_plan,
    visible_plan_ids,
)
from keikaku.storage import models as m
from keikaku.storage.accounts import Publication
from keikaku.storage.uow import read_session, unit_of_work

EDITOR = Actor("ed", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))
COUNCIL = Actor("council", frozenset({Role.COUNCIL_MEMBER}))


def _plans(engine: Engine) -> tuple[int, int, int]:
    with unit_of_work(engine) as session:
        plans = [m.Plan(issuer="関西広域連合", fiscal_year=year) for year in (2025, 2026)]
        session.add_all(plans)
        session.flush()
        project = m.Project(plan_id=plans[1].id, position=1, name="スタートアップ支援事業")
        session.add(project)
        session.flush()
        return plans[0].id, plans[1].id, project.id


def test_plans_are_drafts_until_published(engine: Engine, admin: Actor) -> None:
    old, new, _ = _plans(engine)
    with read_session(engine) as s:
        assert visible_plan_ids(s, PUBLIC) == set()
        assert visible_plan_ids(s, EDITOR) is None and visible_plan_ids(s, COUNCIL) is None
        assert visible_plan_ids(s, admin) is None
    state = publish_plan(admin, new, reason="議決済み", engine=engine)
    assert (state.state, state.fiscal_year, state.changed_by) == ("published", 2026, "cli:tester")
    publish_plan(admin, new, engine=engine)  # again: nothing changes, nothing recorded
    with read_session(engine) as s:
        assert visible_plan_ids(s, PUBLIC) == {new}
        assert is_published(s, "plan", new) and not is_published(s, "plan", old)
    with pytest.raises(ValidationError, match="理由"):
        unpublish_plan(admin, new, reason=" ", engine=engine)
    unpublish_plan(admin, new, reason="誤りが見つかったため", engine=engine)
    with read_session(engine) as s:
        assert visible_plan_ids(s, PUBLIC) == set()
        assert s.scalar(select(Publication.id).where(Publication.object_id == new).limit(1)) is not None
    entries = list_audit(admin, object_type="plan", engine=engine).entries
    assert [(e.action, e.before, e.after, e.reason) for e in entries] == [
        ("plan.unpublish", {"state": "published"}, {"state": "draft"}, "誤りが見つかったため"),
        ("plan.publish", {"state": "draft"}, {"state": "published"}, "議決済み"),
    ]
    with pytest.raises(NotFoundError):
        publish_plan(admin, 99999, engine=engine)


def test_evaluations_are_seen_by_council_before_publication(engine: Engine, admin: Actor) -> None:
    _, plan, _ = _plans(engine)
    with read_session(engine) as s:
        assert can_see_evaluation(s, COUNCIL, plan, 2026) and can_see_evaluation(s, admin, plan, 2026)
        assert not can_see_evaluation(s, PUBLIC, plan, 2026) and not can_see_evaluation(s, EDITOR, plan, 2026)
    publish_evaluation(admin, plan, 2026, engine=engine)
    with read_session(engine) as s:
        assert can_see_evaluation(s, PUBLIC, plan, 2026) and not can_see_evaluation(s, PUBLIC, plan, 2025)
        assert not is_published(s, "plan", plan)  # publishing the evaluation does not publish the plan
    unpublish_evaluation(admin, plan, 2026, reason="再評価", engine=engine)
    with read_session(engine) as s:
        assert not can_see_evaluation(s, PUBLIC, plan, 2026)
    states = publication_states(actor=COUNCIL, engine=engine)
    assert [(p.object_type, p.fiscal_year, p.state) for p in states] == [("evaluation", 2026, "draft")]
    with pytest.raises(PermissionDeniedError):
        publication_states(actor=PUBLIC, engine=engine)


def test_only_administrators_publish(engine: Engine) -> None:
    _, plan, _ = _plans(engine)
    for actor in (PUBLIC, EDITOR, COUNCIL):
        for call in (
            lambda a=actor: publish_plan(a, plan, engine=engine),
            lambda a=actor: unpublish_plan(a, plan, reason="x", engine=engine),
            lambda a=actor: publish_evaluation(a, plan, 2026, engine=engine),
            lambda a=actor: unpublish_evaluation(a, plan, 2026, reason="x", engine=engine),
        ):
            with pytest.raises(PermissionDeniedError):
                call()


def test_council_members_comment_on_evaluations(engine: Engine, admin: Actor) -> None:
    old, plan, project = _plans(engine)
    comment = add_comment(COUNCIL, plan, 2026, "<script>alert(1)</script> 成果指標の見直しを", engine=engine)
    assert comment.author == "council" and comment.body.startswith("<script>")  # escaped when shown, kept as typed
    add_comment(admin, plan, 2026, "事業ごとの意見", project_id=project, engine=engine)
    for actor in (EDITOR, PUBLIC, ScopedActor("council", COUNCIL.roles, scopes=frozenset({"read"}))):
        with pytest.raises(PermissionDeniedError):
            add_comment(actor, plan, 2026, "書けないはず", engine=engine)
    api_council = ScopedActor("council", COUNCIL.roles, scopes=frozenset({"comments:write"}))
    add_comment(api_council, plan, 2026, "API 経由", engine=engine)
    with pytest.raises(ValidationError):
        add_comment(COUNCIL, plan, 2026, "   ", engine=engine)
    with pytest.raises(NotFoundError):
        add_comment(COUNCIL, old, 2025, "別計画の事業", project_id=project, engine=engine)
    assert [c.body for c in list_comments(COUNCIL, plan, 2026, project_id=project, engine=engine)] == ["事業ごとの意見"]
    assert len(list_comments(admin, plan, engine=engine)) == 3
    assert list_comments(EDITOR, plan, 2026, engine=engine) == []  # the evaluation is not published yet
    with pytest.raises(PermissionDeniedError):
        list_comments(PUBLIC, plan, 2026, engine=engine)
    publish_evaluation(admin, plan, 2026, engine=engine)
    assert len(list_comments(EDITOR, plan, 2026, engine=engine)) == 3
    assert [e.action for e in list_audit(admin, object_type="comment", engine=engine).entries] == ["comment.create"] * 3
