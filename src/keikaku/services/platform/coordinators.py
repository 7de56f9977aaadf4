"""Who may be in charge of a case: the accounts that hold cases, and each coordinator's institution.

A case's coordinator in charge is an account: a coordinator (the ``coordinator`` role, who belongs to one of
the platform's member institutions), or one of the platform department's editors or administrators, who
administer the platform and may hold a case themselves.  A handover chooses another such account; the case
keeps the recorded username (``platform_cases.coordinator``) and the account's id (``coordinator_id``).

A case opened by keikaku itself or from the command line, with no account behind the actor, is recorded
under the actor's name without an account, as before accounts were linked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor, Permission, Role
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.services.governance.accounts import actor_for_user
from keikaku.services.platform.common import OWNERS, require_cases
from keikaku.storage import platform as store
from keikaku.storage.accounts import User
from keikaku.storage.uow import read_session


@dataclass(frozen=True)
class Handler:
    """An account that may be in charge of a case, as the forms offer it."""

    id: int
    username: str
    display_name: str
    institution_id: int | None
    institution: str | None
    coordinator: bool

    @property
    def label(self) -> str:
        """The display name, with the institution of a coordinator."""
        return f"{self.display_name}（{self.institution}）" if self.institution else self.display_name


def _may_hold_cases(user: User) -> bool:
    return not user.disabled and actor_for_user(user).can(Permission.MANAGE_CASES, departments=OWNERS)


def _handlers(session: Session) -> list[Handler]:
    names: dict[int, str] = {i: n for i, n in session.execute(select(store.Institution.id, store.Institution.name))}
    found = [
        Handler(
            user.id,
            user.username,
            user.display_name,
            user.institution_id,
            names.get(user.institution_id) if user.institution_id is not None else None,
            Role.COORDINATOR.value in (user.roles or ()),
        )
        for user in session.scalars(select(User).order_by(User.username))
        if _may_hold_cases(user)
    ]
    # Coordinators first, by institution; then the platform's administrators.
    return sorted(found, key=lambda h: (not h.coordinator, h.institution or "", h.username))


def case_handlers(*, actor: Actor, engine: Engine | None = None) -> list[Handler]:
    """The active accounts that may be in charge of a case (for the open and handover forms)."""
    require_cases(actor)
    with read_session(checked_engine(engine)) as session:
        return _handlers(session)


@dataclass(frozen=True)
class InCharge:
    """Who a case is recorded under: a username, and the account and its institution when there is one."""

    username: str
    user_id: int | None = None
    institution_id: int | None = None
    label: str = ""


def chosen_handler(session: Session, raw: str) -> InCharge:
    """The account named ``raw`` (a username), if it may be in charge of a case; else a ValidationError."""
    wanted = (clean_text(raw, "担当コーディネーター", limit=200, field="coordinator") or "").lower()
    user = session.scalar(select(User).where(User.username == wanted))
    if user is None or not _may_hold_cases(user):
        raise ValidationError(
            f"担当者「{raw[:80]}」は案件を担当できるアカウントではありません"
            "（コーディネーター、ものづくり支援課の編集者または管理者の有効なアカウントから選んでください）",
            details={"fields": {"coordinator": "担当できるアカウントから選択"}},
        )
    institution = session.get(store.Institution, user.institution_id) if user.institution_id else None
    label = f"{user.display_name}（{institution.name}）" if institution else user.display_name
    return InCharge(user.username, user.id, user.institution_id, label)


def in_charge(session: Session, raw: str, actor: Actor) -> InCharge:
    """Who a new case is recorded under: the chosen account, else the actor (with its account, if any)."""
    if (raw or "").strip():
        return chosen_handler(session, raw)
    user = session.scalar(select(User).where(User.username == actor.name))
    if user is not None and _may_hold_cases(user):
        return chosen_handler(session, user.username)
    return InCharge(actor.recorded_name, label=actor.recorded_name)


def handler_label(session: Session, case: store.Consultation) -> tuple[str, str | None]:
    """A case's coordinator as shown: the account's display name (else the recorded name) and institution."""
    if case.coordinator_id is None:
        return case.coordinator, None
    user = session.get(User, case.coordinator_id)
    if user is None:
        return case.coordinator, None
    institution = session.get(store.Institution, user.institution_id) if user.institution_id else None
    return user.display_name, institution.name if institution else None
