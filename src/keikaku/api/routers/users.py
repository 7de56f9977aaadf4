"""User accounts as JSON (the twins of ``/admin/users`` and ``/admin/users/{username}``; administrators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from keikaku.api.deps import ActorDep, EngineDep
from keikaku.api.schemas.common import ErrorPublic
from keikaku.api.schemas.users import UserListPublic, UserPublic
from keikaku.services.core.actors import require_admin
from keikaku.services.governance import accounts

router = APIRouter(tags=["アカウント"])

FORBIDDEN: dict[int | str, dict[str, object]] = {403: {"model": ErrorPublic, "description": "管理者のみ"}}
Username = Annotated[str, Path(min_length=2, max_length=64, description="ユーザー名")]


def _public(user: accounts.AccountPublic) -> UserPublic:
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=[r.value for r in user.roles],
        departments=list(user.departments),
        member_government=user.member_government,
        institution_id=user.institution_id,
        institution=user.institution,
        email=user.email,
        disabled=user.disabled,
        must_change_password=user.must_change_password,
        created_at=user.created_at,
        password_changed_at=user.password_changed_at,
    )


@router.get("/users", response_model=UserListPublic, summary="アカウントの一覧", responses=FORBIDDEN)
def list_users(engine: EngineDep, actor: ActorDep) -> UserListPublic:
    """Every account with its roles, departments and state (administrators)."""
    return UserListPublic(items=[_public(u) for u in accounts.list_users(actor=actor, engine=engine)])


@router.get("/users/{username}", response_model=UserPublic, summary="アカウント", responses=FORBIDDEN)
def get_user(username: Username, engine: EngineDep, actor: ActorDep) -> UserPublic:
    """One account (administrators)."""
    require_admin(actor, "アカウントの管理")
    return _public(accounts.get_user(username, actor=actor, engine=engine))
