"""Reads asked ahead (:func:`keikaku.storage.prepared.read_ahead`): on PostgreSQL they run together and each is
taken once by the call that reads it; on SQLite nothing runs ahead.  The plan and project pages take every
read they ask ahead: they run exactly the statements they run without asking ahead, none twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from tests.sql_capture import recording

import keikaku.services.plans.project as project_service
import keikaku.services.plans.read as plan_service
from keikaku.services.core.actors import PUBLIC, SYSTEM, Actor
from keikaku.services.plans.project import get_project_page
from keikaku.services.plans.read import get_plan_page
from keikaku.storage import models as m
from keikaku.storage.prepared import Prepared, read_ahead
from keikaku.storage.uow import read_session, unit_of_work

_NAMES = Prepared(select(m.Department.name).order_by(m.Department.name))


def test_a_read_asked_ahead_is_taken_once(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.add_all([m.Department(name="国際課"), m.Department(name="産業振興課")])
    postgres = engine.dialect.name == "postgresql"
    with read_session(engine) as session:
        with recording(engine) as ahead:
            read_ahead(session, [(_NAMES, {})])
        with unit_of_work(engine) as writer:  # committed after the read ahead: not in what it read
            writer.add(m.Department(name="観光課"))
        with recording(engine) as taken:
            first = _NAMES.scalars(session)
        with recording(engine) as again:
            second = _NAMES.scalars(session)
    assert (len(ahead.statements), len(taken.statements)) == ((1, 0) if postgres else (0, 1))
    everyone = {"国際課", "観光課", "産業振興課"}
    assert set(first) == (everyone - {"観光課"} if postgres else everyone)
    assert len(again.statements) == 1  # taken once: the next read asks the database
    assert set(second) == everyone


def _statements(engine: Engine, page: Callable[[], object]) -> Counter[tuple[str, str]]:
    """The statements of a warm request of ``page`` with their parameters, and how often each ran."""
    page()  # the first request of a plan fills the caches
    with recording(engine) as rec:
        page()
    return Counter((st.shape, repr(st.parameters)) for st in rec.statements)


def _pages(engine: Engine) -> list[tuple[str, Callable[[Actor], object]]]:
    with read_session(engine) as session:
        plan_id = session.scalar(select(m.Plan.id).where(m.Plan.fiscal_year == 2026).order_by(m.Plan.id))
        projects = list(
            session.scalars(
                select(m.Project.id).where(m.Project.plan_id == plan_id, m.Project.parent_id.is_(None)).limit(5)
            )
        )
        parts = list(session.scalars(select(m.Project.id).where(m.Project.parent_id.is_not(None)).limit(2)))
    assert plan_id is not None and projects and parts
    pages: list[tuple[str, Callable[[Actor], object]]] = [
        (f"plan {plan_id}", lambda viewer: get_plan_page(plan_id, viewer=viewer, engine=engine))
    ]
    for project_id in projects + parts:
        pages.append(
            (f"project {project_id}", lambda viewer, p=project_id: get_project_page(p, viewer=viewer, engine=engine))
        )
    return pages


@pytest.mark.parametrize("viewer", [PUBLIC, SYSTEM], ids=["public", "system"])
def test_the_plan_and_project_pages_take_every_read_they_ask_ahead(
    loaded_engine: Engine, viewer: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, page in _pages(loaded_engine):
        asked = _statements(loaded_engine, lambda page=page: page(viewer))
        twice = {shape[:100]: n for (shape, _parameters), n in asked.items() if n > 1}
        assert not twice, (name, twice)
        with monkeypatch.context() as patched:
            for module in (plan_service, project_service):
                patched.setattr(module, "read_ahead", lambda *_args, **_kwargs: None)
            one_by_one = _statements(loaded_engine, lambda page=page: page(viewer))
        assert asked == one_by_one, name
