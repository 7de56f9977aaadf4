"""Fixtures of the communications tests: KPIs of the bundled FY2026 plan by indicator, their departments."""

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select

from keikaku.services.core.actors import Actor, Role
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
OTHER = Actor("他課", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"存在しない課"}))


@dataclass(frozen=True)
class Owned:
    """A FY2026 KPI, its project's first department, and an editor of that department."""

    kpi_id: int
    department: str
    editor: Actor


def fy2026_kpi(engine: Engine, indicator: str) -> Owned:
    """The FY2026 KPI whose indicator contains ``indicator``."""
    with read_session(engine) as s:
        row = s.execute(
            select(m.Kpi.id, m.Department.name)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .join(m.ProjectDepartment, m.ProjectDepartment.project_id == m.Project.id)
            .join(m.Department, m.Department.id == m.ProjectDepartment.department_id)
            .where(m.Plan.fiscal_year == 2026, m.Plan.is_current.is_(True), m.Kpi.indicator.contains(indicator))
            .order_by(m.Kpi.id)
        ).first()
        assert row is not None, indicator
    return Owned(row[0], row[1], Actor("広報担当", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({row[1]})))


@pytest.fixture
def overseas(loaded_engine: Engine) -> Owned:
    return fy2026_kpi(loaded_engine, "海外向けWEBサイト閲覧数")
