"""Fixtures of the cycle tests: the bundled FY2026 plan, a department with KPIs in it and its editor."""

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select

from keikaku.services.core.actors import Actor, Role
from keikaku.services.cycle.calls import CallPublic, open_call
from keikaku.services.cycle.checklist import department_checklist
from keikaku.services.governance.accounts import UserCreate, create_user, local_admin
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
COUNCIL = Actor("委員", frozenset({Role.COUNCIL_MEMBER}))
DUE = dt.date(2027, 5, 31)


@dataclass(frozen=True)
class Department:
    """A department with KPIs in the FY2026 plan, its editor, and its KPI ids."""

    name: str
    editor: Actor
    kpis: list[int]


def open_2026(engine: Engine, **settings: object) -> CallPublic:
    """The FY2026 call, due on :data:`DUE` (reminders 7 days before and 1 day after unless told)."""
    return open_call(ADMIN, 2026, DUE, engine=engine, **settings)  # type: ignore[arg-type]


def department_of(engine: Engine, name: str) -> Department:
    """A department of the FY2026 call with its editor and every KPI of its checklist."""
    editor = Actor(f"{name}の担当者", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({name}))
    checklist = department_checklist(2026, name, actor=editor, per_page=100, engine=engine)
    return Department(name, editor, [i.kpi_id for i in checklist.items.items])


@pytest.fixture
def called(sqlite_loaded_engine: Engine) -> Engine:
    """The bundled data with the FY2026 call open."""
    open_2026(sqlite_loaded_engine)
    return sqlite_loaded_engine


def audit_entries(engine: Engine, action: str) -> list[SimpleNamespace]:
    """The audit entries of an action, oldest first (as plain values)."""
    fields = ("action", "object_id", "before", "after", "reason", "actor")
    with read_session(engine) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [SimpleNamespace(**{f: getattr(r, f) for f in fields}) for r in rows]


@pytest.fixture
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its cheapest parameters: these tests create accounts, they do not test hashing."""
    from argon2 import PasswordHasher, profiles

    from keikaku.services.governance import passwords

    monkeypatch.setattr(passwords, "PASSWORD_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


def add_editor(engine: Engine, username: str, department: str, email: str | None) -> None:
    """A department editor account with an e-mail address (or none)."""
    data = UserCreate(username, ["department_editor"], departments=[department], email=email, password="x" * 16)
    create_user(data, actor=local_admin({"USER": "test"}), engine=engine)
