"""The staff pages are linked for those who may use them, and only for them."""

import pytest
from sqlalchemy import Engine, select

from keikaku.services.core.actors import PUBLIC, Role
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

from .conftest import Ids, make_client, user_client

pytestmark = pytest.mark.usefixtures("cheap_hasher")


def _department(engine: Engine, project_id: int) -> str:
    with read_session(engine) as s:
        name = s.scalar(
            select(m.Department.name)
            .join(m.ProjectDepartment, m.ProjectDepartment.department_id == m.Department.id)
            .where(m.ProjectDepartment.project_id == project_id)
        )
    assert name
    return name


def test_links_follow_the_roles(sqlite_loaded_engine: Engine, ids: Ids) -> None:
    project = f"/projects/{ids.platform}"
    edit = f'href="/projects/{ids.platform}/edit"'
    plan = f"/plans/{ids.plan_2026}"
    with user_client(sqlite_loaded_engine, "kikaku", Role.BUREAU_ADMIN) as admin:
        page = admin.get("/").text
        assert all(f'href="{href}"' in page for href in ("/admin/audit", "/admin/publication", "/admin/periods"))
        assert 'href="/actuals/import"' in page and edit in admin.get(project).text
    own = _department(sqlite_loaded_engine, ids.platform)
    with user_client(sqlite_loaded_engine, "henshu", Role.DEPARTMENT_EDITOR, departments=(own,)) as editor:
        page = editor.get(project).text
        assert edit in page and 'href="/actuals/import"' in page and 'href="/admin/audit"' not in page
        assert "/comments?fiscal_year=2026" in editor.get(plan).text
    with user_client(sqlite_loaded_engine, "tanin", Role.DEPARTMENT_EDITOR, departments=("国際交流課",)) as other:
        assert edit not in other.get(project).text
    with make_client(sqlite_loaded_engine, PUBLIC) as public:
        page = public.get(project).text
        assert edit not in page and 'href="/actuals/import"' not in page and "nav.staff" not in page
        plan_page = public.get(plan).text
        assert f'href="{plan}/cooperative"' in plan_page and "/comments?" not in plan_page
