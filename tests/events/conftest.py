"""Fixtures of the event tests: a project of the bundled FY2026 plan with its department, and actors."""

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select

from keikaku.services.core.actors import Actor, Role
from keikaku.services.events.manage import EventForm, EventPublic, create_event
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
COUNCIL = Actor("委員", frozenset({Role.COUNCIL_MEMBER}))
OTHER = Actor("他課", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"国際交流課"}))


@dataclass(frozen=True)
class Forum:
    """The forum project of FY2026 (参加者数 and the 有益 share among its KPIs), its department and editor."""

    project_id: int
    department: str
    editor: Actor
    kpis: dict[str, int]


def forum_project(engine: Engine) -> Forum:
    """The FY2026 project whose KPIs include 参加者数, with its first department."""
    with read_session(engine) as s:
        row = s.execute(
            select(m.Project.id, m.Department.name)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .join(m.Kpi, m.Kpi.project_id == m.Project.id)
            .join(m.ProjectDepartment, m.ProjectDepartment.project_id == m.Project.id)
            .join(m.Department, m.Department.id == m.ProjectDepartment.department_id)
            .where(m.Plan.fiscal_year == 2026, m.Plan.is_current.is_(True), m.Kpi.indicator == "参加者数")
            .order_by(m.Project.id)
        ).first()
        assert row is not None
        kpis = dict(s.execute(select(m.Kpi.indicator, m.Kpi.id).where(m.Kpi.project_id == row[0])).all())
    editor = Actor("担当者", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({row[1]}))
    return Forum(row[0], row[1], editor, kpis)


def add_event(engine: Engine, forum: Forum, *, capacity: str = "10", **changes: object) -> EventPublic:
    """A published one-day forum on 2026-10-07 with open registration."""
    values: dict[str, object] = {
        "project_id": forum.project_id,
        "name": "カーボンニュートラルフォーラム",
        "kind": "forum",
        "start_date": "2026-10-07",
        "venue": "大阪府立国際会議場",
        "capacity": capacity,
        "department": forum.department,
        "published": True,
    }
    values.update(changes)
    return create_event(EventForm(**values), actor=forum.editor, engine=engine)  # type: ignore[arg-type]


#: A moment within the registration window of :func:`add_event`'s events.
BEFORE = dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)


@pytest.fixture
def forum(loaded_engine: Engine) -> Forum:
    return forum_project(loaded_engine)
