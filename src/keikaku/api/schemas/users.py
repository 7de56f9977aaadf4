"""API schemas of user accounts (administrators only): never a password or its hash."""

from __future__ import annotations

from pydantic import Field

from keikaku.api.schemas.common import Moment, PublicModel


class UserPublic(PublicModel):
    """An account as administrators see it."""

    id: int
    username: str
    display_name: str
    roles: list[str] = Field(
        description="役割（bureau_admin, department_editor, member_contributor, council_member, coordinator）"
    )
    departments: list[str]
    member_government: str | None
    institution_id: int | None = Field(None, description="所属機関（コーディネーター）の ID")
    institution: str | None = Field(None, description="所属機関（コーディネーター）の名称")
    email: str | None = Field(description="督促などのメールの宛先")
    disabled: bool
    must_change_password: bool = Field(description="初回のサインインでパスワードの変更が必要か")
    created_at: Moment
    password_changed_at: Moment


class UserListPublic(PublicModel):
    """Every account, by username."""

    items: list[UserPublic]
