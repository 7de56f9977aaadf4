"""Who is acting: the :class:`Actor` every service takes, its roles, and what each role may do.

Actors come from accounts (:func:`keikaku.services.governance.accounts.actor_for_user`: a logged-in user or an API
token's user), or are one of:

* :data:`PUBLIC` — an anonymous visitor; may read published data only.
* :data:`SYSTEM` — keikaku itself (imports, the bundled dataset, background work).
* the command line's administrator (:func:`keikaku.services.governance.accounts.local_admin`).

The permission check lives here and only here (:func:`require`); services call it with the departments
that own the thing acted on (a project's departments, a cooperative project's member government).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from keikaku.services.core.errors import PermissionDeniedError


class Role(StrEnum):
    """The roles the follow-up (accounts) issue names."""

    BUREAU_ADMIN = "bureau_admin"  # 広域産業振興局の管理者
    DEPARTMENT_EDITOR = "department_editor"  # 担当課の編集者
    MEMBER_CONTRIBUTOR = "member_contributor"  # 構成府県市の入力者
    COUNCIL_MEMBER = "council_member"  # 推進会議の委員
    COORDINATOR = "coordinator"  # 共創プラットフォームのコーディネーター
    PUBLIC = "public"  # 一般の閲覧者


class Permission(StrEnum):
    """What a service may be asked to do."""

    VIEW = "view"
    RECORD_ACTUAL = "record_actual"
    CURATE_LINKS = "curate_links"
    EDIT_PROJECT = "edit_project"  # a project's facts and its KPIs' targets
    MANAGE_COOPERATIVE = "manage_cooperative"  # a member government's cooperative projects (協調事業)
    COMMENT = "comment"  # comments on evaluations
    MANAGE_EVENTS = "manage_events"  # a department's events, registrations, check-ins and surveys
    VIEW_PERSONAL_DATA = "view_personal_data"  # names, e-mails and answers tied to people (個人情報)
    VIEW_DRAFT_PLANS = "view_draft_plans"  # plans not yet published
    VIEW_DRAFT_EVALUATIONS = "view_draft_evaluations"  # statuses and actual values of unpublished evaluations
    READ_AUDIT = "read_audit"  # the audit trail and its exports
    ADMINISTER = "administer"  # accounts, publication, period locks, thresholds, backups: the bureau's own
    VIEW_CASES = "view_cases"  # the co-creation platform's consultations, needs and interviews (相談内容)
    MANAGE_CASES = "manage_cases"  # open, log and close consultations; seeds, needs, interviews
    MANAGE_LABSEARCH = "manage_labsearch"  # institutions and the equipment lists of かんさいラボサーチ
    MANAGE_COMMUNICATIONS = "manage_communications"  # a department's analytics, registries, newsletter, directories


#: What each permission lets a role do, in words (the role table of docs/accounts.md is made from these).
DESCRIPTIONS: dict[Permission, str] = {
    Permission.VIEW: "read published plans and published evaluations",
    Permission.RECORD_ACTUAL: "enter actual values",
    Permission.CURATE_LINKS: "curate partner links",
    Permission.EDIT_PROJECT: "edit projects' facts and KPI targets",
    Permission.MANAGE_COOPERATIVE: "add, change and remove cooperative projects (協調事業)",
    Permission.COMMENT: "comment on evaluations",
    Permission.MANAGE_EVENTS: "manage events, registrations, check-ins and surveys",
    Permission.VIEW_PERSONAL_DATA: "see participants' names, e-mails and answers (個人情報)",
    Permission.VIEW_DRAFT_PLANS: "read unpublished plans",
    Permission.VIEW_DRAFT_EVALUATIONS: "read unpublished evaluations",
    Permission.READ_AUDIT: "read and export the audit trail",
    Permission.ADMINISTER: "manage accounts, publication, period locks, thresholds and backups",
    Permission.VIEW_CASES: "see the co-creation platform's consultations, needs and interviews (相談内容)",
    Permission.MANAGE_CASES: "open, log, hand over and close consultations; seeds, needs and interviews (面談)",
    Permission.MANAGE_LABSEARCH: "import かんさいラボサーチ institutions and equipment lists",
    Permission.MANAGE_COMMUNICATIONS: "manage web analytics, registries, the newsletter and directories",
}


#: Which roles grant which permissions.  A department editor's and a contributor's grants are limited to
#: their own departments where the thing acted on has departments (see :func:`Actor.can`).
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.BUREAU_ADMIN: frozenset(Permission),
    Role.DEPARTMENT_EDITOR: frozenset(
        {
            Permission.VIEW,
            Permission.RECORD_ACTUAL,
            Permission.CURATE_LINKS,
            Permission.EDIT_PROJECT,
            Permission.MANAGE_EVENTS,
            Permission.VIEW_PERSONAL_DATA,
            Permission.VIEW_DRAFT_PLANS,
            Permission.VIEW_CASES,
            Permission.MANAGE_CASES,
            Permission.MANAGE_LABSEARCH,
            Permission.MANAGE_COMMUNICATIONS,
        }
    ),
    Role.MEMBER_CONTRIBUTOR: frozenset({Permission.VIEW, Permission.MANAGE_COOPERATIVE, Permission.VIEW_DRAFT_PLANS}),
    Role.COUNCIL_MEMBER: frozenset(
        {
            Permission.VIEW,
            Permission.COMMENT,
            Permission.VIEW_DRAFT_PLANS,
            Permission.VIEW_DRAFT_EVALUATIONS,
            Permission.READ_AUDIT,
        }
    ),
    Role.COORDINATOR: frozenset({Permission.VIEW, Permission.VIEW_CASES, Permission.MANAGE_CASES}),
    Role.PUBLIC: frozenset({Permission.VIEW}),
}

#: Roles whose grants hold only for their own departments.
DEPARTMENT_SCOPED = frozenset({Role.DEPARTMENT_EDITOR, Role.MEMBER_CONTRIBUTOR})

#: Permissions on things that belong to a department or member government.  A department-scoped role holds
#: them only where one of its own departments is an owner: a project listed without a department (管理費,
#: older plans) or a vision target is left to the bureau's administrators.
OWNED = frozenset(
    {
        Permission.RECORD_ACTUAL,
        Permission.EDIT_PROJECT,
        Permission.MANAGE_COOPERATIVE,
        Permission.MANAGE_EVENTS,
        Permission.VIEW_PERSONAL_DATA,
        Permission.VIEW_CASES,
        Permission.MANAGE_CASES,
        Permission.MANAGE_LABSEARCH,
        Permission.MANAGE_COMMUNICATIONS,
    }
)


#: How long a recorded name may be (the ``entered_by``, ``created_by``, … columns).
RECORDED_NAME_LENGTH = 200


@dataclass(frozen=True)
class Actor:
    """The acting user: a display name (recorded as ``entered_by``), roles and the departments they belong to."""

    name: str
    roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.PUBLIC}))
    departments: frozenset[str] = field(default_factory=frozenset)
    system: bool = False
    #: The platform institution a coordinator belongs to (None for everyone else).
    institution_id: int | None = None

    @property
    def is_public(self) -> bool:
        """True for an anonymous visitor (no role beyond public)."""
        return not self.system and self.roles <= {Role.PUBLIC}

    @property
    def recorded_name(self) -> str:
        """The name recorded of who entered, created, changed or decided something: the display name, cut to
        the :data:`RECORDED_NAME_LENGTH` characters those columns hold."""
        return self.name[:RECORDED_NAME_LENGTH]

    def can(self, permission: Permission, *, departments: Iterable[str] = ()) -> bool:
        """Whether this actor may do ``permission`` on something owned by ``departments`` (empty: no owner;
        see :data:`OWNED` for what a department-scoped role may then do)."""
        if self.system:
            return True
        owners = frozenset(departments)
        for role in self.roles:
            if permission not in GRANTS.get(role, frozenset()):
                continue
            if role not in DEPARTMENT_SCOPED or owners & self.departments:
                return True
            if not owners and permission not in OWNED:
                return True
        return False

    def can_anywhere(self, permission: Permission) -> bool:
        """Whether this actor may do ``permission`` on something: without owners, or owned by one of its
        own departments (what decides whether a form or a link is offered at all)."""
        return self.can(permission) or any(self.can(permission, departments=[d]) for d in self.departments)


#: Reading, as every API token scope allows it (what the token's user may read: drafts, the audit trail).
_READING = frozenset(
    p.value
    for p in (Permission.VIEW, Permission.VIEW_DRAFT_PLANS, Permission.VIEW_DRAFT_EVALUATIONS, Permission.READ_AUDIT)
)

#: What each API token scope allows: :class:`Permission` values (also ones services will add later).
#: Every scope includes reading; ``admin`` allows everything, including :data:`Permission.ADMINISTER`.
SCOPES: dict[str, frozenset[str]] = {
    "read": _READING,
    "actuals:write": _READING | {Permission.RECORD_ACTUAL.value},
    "links:write": _READING | {Permission.CURATE_LINKS.value},
    "plans:write": _READING | {Permission.EDIT_PROJECT.value, Permission.MANAGE_COOPERATIVE.value},
    "comments:write": _READING | {Permission.COMMENT.value},
    "admin": frozenset(),
}


@dataclass(frozen=True)
class ScopedActor(Actor):
    """An actor limited to the scopes of the API token it authenticated with."""

    scopes: frozenset[str] = field(default_factory=frozenset)

    def can(self, permission: Permission, *, departments: Iterable[str] = ()) -> bool:
        """As :meth:`Actor.can`, and only if one of the token's scopes allows ``permission``."""
        return has_scope(self, permission.value) and super().can(permission, departments=departments)


def has_scope(actor: Actor, permission: str) -> bool:
    """Whether ``actor``'s token scopes (if it came with a token) allow the permission named ``permission``."""
    if not isinstance(actor, ScopedActor) or "admin" in actor.scopes:
        return True
    return any(permission in SCOPES.get(scope, frozenset()) for scope in actor.scopes)


def is_admin(actor: Actor) -> bool:
    """Whether ``actor`` may do the bureau's own operations (:data:`Permission.ADMINISTER`): keikaku itself,
    or a bureau administrator (with the ``admin`` scope, for a token)."""
    return actor.can(Permission.ADMINISTER)


def require_admin(actor: Actor, what: str = "この操作") -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` is an administrator (see :func:`is_admin`)."""
    if not is_admin(actor):
        raise PermissionDeniedError(
            f"{what}は管理者（産業振興企画課）だけが行えます", details={"permission": Permission.ADMINISTER.value}
        )


PUBLIC = Actor(name="public", roles=frozenset({Role.PUBLIC}))
SYSTEM = Actor(name="system", roles=frozenset({Role.BUREAU_ADMIN}), system=True)


def require(actor: Actor, permission: Permission, *, departments: Iterable[str] = ()) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` may do ``permission`` (on those departments)."""
    if not actor.can(permission, departments=departments):
        raise PermissionDeniedError(
            "この操作を行う権限がありません", code="forbidden", details={"permission": permission.value}
        )
