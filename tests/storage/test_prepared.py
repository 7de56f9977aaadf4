"""Statements run on the driver (keikaku.storage.prepared) give what SQLAlchemy gives, on both backends: the
same rows with the same Python types (booleans, dates, JSON, sums), expanding parameters of any length, and
the ``before_cursor_execute`` listeners see them."""

from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, event, func, select
from sqlalchemy.orm import Session

from keikaku.storage import models as m
from keikaku.storage.prepared import Prepared

_VISION = select(m.Vision.id, m.Vision.is_current, m.Vision.values, m.Vision.issuer).where(
    m.Vision.is_current == bindparam("current")
)
_EVENTS = select(m.Event.id, m.Event.name, m.Event.start_date, m.Event.end_date).where(
    m.Event.id.in_(bindparam("ids", expanding=True))
)
_BUDGETS = (
    select(m.Project.plan_id, func.sum(m.Project.budget_thousand_yen).label("total"), func.avg(m.Project.position))
    .where(m.Project.plan_id.in_(bindparam("plans", expanding=True)))
    .group_by(m.Project.plan_id)
    .order_by(m.Project.plan_id)
)


def _sqlalchemy_rows(session: Session, statement: Any, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(statement, params).all()]


def test_same_rows_and_types_as_sqlalchemy(loaded_engine: Engine) -> None:
    with Session(loaded_engine) as session:
        event_ids = list(session.scalars(select(m.Event.id).order_by(m.Event.id)))
        plan_ids = list(session.scalars(select(m.Plan.id).order_by(m.Plan.id)))
        assert event_ids and plan_ids
        cases: list[tuple[Any, dict[str, Any]]] = [
            (_VISION, {"current": True}),
            (_EVENTS, {"ids": event_ids}),
            (_EVENTS, {"ids": event_ids[:1]}),
            (_EVENTS, {"ids": []}),
            (_BUDGETS, {"plans": plan_ids}),
        ]
        for statement, params in cases:
            prepared = Prepared(statement)
            for _ in range(2):  # the second run takes the kept rendering and processors
                got = [tuple(r) for r in prepared.rows(session, **params)]
                want = _sqlalchemy_rows(session, statement, **params)
                assert got == want
                assert [[type(v) for v in r] for r in got] == [[type(v) for v in r] for r in want]
        vision = Prepared(_VISION).first(session, current=True)
        assert vision is not None and vision.is_current is True and isinstance(vision.values, list)
        first = Prepared(_EVENTS).first(session, ids=event_ids)
        assert first is not None and first.id == event_ids[0]


def test_unknown_parameter_is_refused(loaded_engine: Engine) -> None:
    with Session(loaded_engine) as session, pytest.raises(TypeError, match="curent"):
        Prepared(_VISION).rows(session, curent=True)


def test_listeners_see_the_statement(loaded_engine: Engine) -> None:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(loaded_engine, "before_cursor_execute", before)
    try:
        with Session(loaded_engine) as session:
            Prepared(_VISION).rows(session, current=True)
    finally:
        event.remove(loaded_engine, "before_cursor_execute", before)
    assert any("FROM visions" in s for s in seen)
