"""Period locking: administrators lock a fiscal year, reopen it with a reason; both recorded; writes refused."""

import pytest
from sqlalchemy import Engine

from keikaku.services.actuals.periods import (
    ensure_open,
    is_locked,
    lock_period,
    period_history,
    period_status,
    reopen_period,
)
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from keikaku.services.governance.audit import list_audit
from keikaku.storage import models as m
from keikaku.storage.uow import read_session, unit_of_work

EDITOR = Actor("ed", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))
COUNCIL = Actor("council", frozenset({Role.COUNCIL_MEMBER}))


def _plan(engine: Engine, issuer: str) -> int:
    with unit_of_work(engine) as session:
        plan = m.Plan(issuer=issuer, fiscal_year=2026, title="2026年度事業計画")
        session.add(plan)
        session.flush()
        return plan.id


def test_lock_refuses_changes_until_reopened_with_a_reason(engine: Engine, admin: Actor) -> None:
    with read_session(engine) as s:
        ensure_open(s, 2026)
    locked = lock_period(admin, 2026, reason="評価確定（推進会議 3/15）", engine=engine)
    assert locked.locked and locked.locked_by == "cli:tester"
    with read_session(engine) as s:
        assert is_locked(s, 2026) and not is_locked(s, 2025)
        with pytest.raises(
            ConflictError, match=r"令和8年度は確定済みです（\d+月\d+日）。.*保存していません"
        ) as refused:
            ensure_open(s, 2026)
        assert refused.value.code == "period_locked" and refused.value.http_status == 409
        ensure_open(s, 2025)
    with pytest.raises(ConflictError, match="既に確定済み"):
        lock_period(admin, 2026, engine=engine)
    for blank in ("", "   "):
        with pytest.raises(ValidationError, match="理由"):
            reopen_period(admin, 2026, blank, engine=engine)
    reopened = reopen_period(admin, 2026, "実績値の誤りを訂正するため", engine=engine)
    assert not reopened.locked and reopened.reopened_by == "cli:tester"
    assert (
        reopened.locked_by == "cli:tester" and reopened.lock_reason == "評価確定（推進会議 3/15）"
    )  # kept exactly as typed (issue 15)
    with read_session(engine) as s:
        ensure_open(s, 2026)
    with pytest.raises(ConflictError, match="確定されていません"):
        reopen_period(admin, 2026, "もう一度", engine=engine)
    lock_period(admin, 2026, engine=engine)
    history = period_history(2026, engine=engine)
    assert [h.locked for h in history] == [True, False, True]  # every event stays, appended
    assert [s.locked for s in period_status(engine=engine)] == [True]
    entries = list_audit(admin, object_type="period", object_id="2026", engine=engine).entries
    assert [e.action for e in entries] == ["period.lock", "period.reopen", "period.lock"]
    assert entries[1].reason == "実績値の誤りを訂正するため" and entries[1].actor == "cli:tester"


def test_only_administrators_lock_and_reopen(engine: Engine, admin: Actor) -> None:
    lock_period(admin, 2026, engine=engine)
    for actor in (PUBLIC, EDITOR, COUNCIL):
        with pytest.raises(PermissionDeniedError):
            lock_period(actor, 2027, engine=engine)
        with pytest.raises(PermissionDeniedError):
            reopen_period(actor, 2026, "理由", engine=engine)
    with read_session(engine) as s:
        assert is_locked(s, 2026) and not is_locked(s, 2027)


def test_a_plan_lock_covers_that_plan_only(engine: Engine, admin: Actor) -> None:
    first, second = _plan(engine, "関西広域連合"), _plan(engine, "兵庫県")
    lock_period(admin, 2026, plan_id=first, engine=engine)
    with read_session(engine) as s:
        assert is_locked(s, 2026, first) and not is_locked(s, 2026, second) and not is_locked(s, 2026)
        with pytest.raises(ConflictError):
            ensure_open(s, 2026, first)
        ensure_open(s, 2026, second)
    lock_period(admin, 2026, engine=engine)  # the whole year covers every plan
    with read_session(engine) as s:
        assert is_locked(s, 2026, second)
    statuses = period_status(2026, engine=engine)
    assert [(st.plan_id, st.locked) for st in statuses] == [(None, True), (first, True)]
    reopen_period(admin, 2026, "計画1のみ再評価", plan_id=first, engine=engine)
    with read_session(engine) as s:
        assert is_locked(s, 2026, first)  # still locked by the whole-year lock
    with pytest.raises(NotFoundError):
        lock_period(admin, 2026, plan_id=99999, engine=engine)
    with pytest.raises(ValidationError):
        lock_period(admin, 1900, engine=engine)


def test_locked_plans_agrees_with_is_locked_for_each_plan(engine: Engine, admin: Actor) -> None:
    """The evaluation asks for a year's locks once (``locked_plans``); its answer is ``is_locked``'s for every
    plan: a plan's own lock, a reopened one, the whole year's."""
    from keikaku.services.actuals.periods import locked_plans

    first, second, third = (_plan(engine, f"試験団体{n}") for n in range(3))
    plans = [first, second, third]

    def both() -> tuple[set[int], set[int]]:
        with read_session(engine) as session:
            one_by_one = {p for p in plans if is_locked(session, 2026, p)}
            return locked_plans(session, 2026, plans), one_by_one

    assert both() == (set(), set())
    lock_period(admin, 2026, plan_id=first, engine=engine)
    lock_period(admin, 2026, plan_id=second, engine=engine)
    reopen_period(admin, 2026, "訂正のため再開", plan_id=second, engine=engine)
    assert both() == ({first}, {first})
    lock_period(admin, 2026, engine=engine)
    assert both() == (set(plans), set(plans))
    reopen_period(admin, 2026, "年度全体を再開", engine=engine)
    assert both() == ({first}, {first})
