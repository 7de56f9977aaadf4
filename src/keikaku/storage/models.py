"""The tables of the policy system: documents, vision, action plan, business plans, partner priorities, KPIs.

Components of a project are projects with a ``parent_id``: they have the same fields (budget, departments,
KPIs, events), so one table serves both and roll-ups walk one tree.
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keikaku.storage.base import Base, ProvenanceMixin, TimestampMixin, utcnow


def sparse_index(name: str, column: str) -> Index:
    """An index of the rows where ``column`` (NULL on almost every row) is set: ``column = ?`` uses it, and
    ``column IS NULL`` cannot (a plain index would let the planner read most of the table through it)."""
    where = text(f"{column} IS NOT NULL")
    return Index(name, column, sqlite_where=where, postgresql_where=where)


class Document(TimestampMixin, Base):
    """A source document.  ``key`` is the id provenance refers to; ``text`` is kept only for ingested files."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str | None] = mapped_column(String(400))
    issuer: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    published: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    path: Mapped[str | None] = mapped_column(String(1000))
    pages: Mapped[int | None] = mapped_column(Integer)
    lines: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    bundled: Mapped[bool] = mapped_column(Boolean, default=False)


class DocumentFile(Base):
    """The original file of an ingested document, byte for byte, so that a citation can show its page and
    the public can download what was published.  The bundled data has none (only facts are bundled)."""

    __tablename__ = "document_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(400))
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Department(Base):
    """A department (担当課) of an organisation."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation: Mapped[str | None] = mapped_column(String(200))


class Vision(ProvenanceMixin, TimestampMixin, Base):
    """The long-range vision; ``is_current`` marks the revision in force."""

    __tablename__ = "visions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(400))
    issuer: Mapped[str | None] = mapped_column(String(200))
    revision: Mapped[str | None] = mapped_column(String(100))
    horizon_fiscal_year: Mapped[int | None] = mapped_column(Integer)
    future_images: Mapped[list[str]] = mapped_column(JSON, default=list)
    economic_area: Mapped[list[str]] = mapped_column(JSON, default=list)
    values: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    challenges: Mapped[list["Challenge"]] = relationship(
        back_populates="vision", order_by="Challenge.number", cascade="all, delete-orphan"
    )
    numeric_targets: Mapped[list["Kpi"]] = relationship(
        back_populates="vision", order_by="Kpi.position", cascade="all, delete-orphan"
    )


class Challenge(ProvenanceMixin, Base):
    """関西チャレンジ: number, short name, aspiration, goal."""

    __tablename__ = "challenges"
    __table_args__ = (UniqueConstraint("vision_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vision_id: Mapped[int] = mapped_column(ForeignKey("visions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    aspiration: Mapped[str | None] = mapped_column(String(200))
    goal: Mapped[str | None] = mapped_column(Text)
    vision: Mapped[Vision] = relationship(back_populates="challenges")
    aims: Mapped[list["Aim"]] = relationship(
        back_populates="challenge", order_by="Aim.key", cascade="all, delete-orphan"
    )


class Aim(ProvenanceMixin, Base):
    """A challenge's aim A or B."""

    __tablename__ = "aims"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    challenge: Mapped[Challenge] = relationship(back_populates="aims")


class ActionPlan(ProvenanceMixin, TimestampMixin, Base):
    """The three-year action plan."""

    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(400))
    issuer: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[str | None] = mapped_column(String(40))
    start_fiscal_year: Mapped[int | None] = mapped_column(Integer)
    end_fiscal_year: Mapped[int | None] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    themes: Mapped[list["Theme"]] = relationship(
        back_populates="action_plan", order_by="Theme.position", cascade="all, delete-orphan"
    )


class Theme(ProvenanceMixin, Base):
    """A theme (取組項目) of the action plan."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    desired_state: Mapped[str | None] = mapped_column(Text)
    action_plan: Mapped[ActionPlan] = relationship(back_populates="themes")
    entries: Mapped[list["ThemeEntry"]] = relationship(
        back_populates="theme", order_by="ThemeEntry.position", cascade="all, delete-orphan"
    )


class ThemeEntry(ProvenanceMixin, Base):
    """A cell of a theme's matrix: period × actor."""

    __tablename__ = "theme_entries"
    __table_args__ = (CheckConstraint("actor IN ('union', 'member_governments')", name="actor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(40))
    theme_of_period: Mapped[str | None] = mapped_column(String(400))
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    theme: Mapped[Theme] = relationship(back_populates="entries")


class Plan(ProvenanceMixin, TimestampMixin, Base):
    """A business plan of one issuer for one fiscal year.  A changed document adds a revision."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("issuer", "fiscal_year", "revision", name="uq_plans_issuer_fy_revision"),
        Index("ix_plans_issuer_fiscal_year", "issuer", "fiscal_year"),
        Index("ix_plans_fiscal_year_issuer", "fiscal_year", "issuer", "revision"),  # 0030_speed16
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int] = mapped_column(Integer)  # indexed first in ix_plans_fiscal_year_issuer
    revision: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    title: Mapped[str | None] = mapped_column(String(400))
    total_budget_thousand_yen: Mapped[int | None] = mapped_column(BigInteger)
    national_subsidy_thousand_yen: Mapped[int | None] = mapped_column(BigInteger)
    region_code: Mapped[str | None] = mapped_column(String(20), index=True)
    projects: Mapped[list["Project"]] = relationship(
        back_populates="plan",
        order_by="Project.position",
        cascade="all, delete-orphan",
        primaryjoin="and_(Plan.id == Project.plan_id, Project.parent_id.is_(None))",
        viewonly=False,
    )
    cooperative_projects: Mapped[list["CooperativeProject"]] = relationship(
        back_populates="plan", order_by="CooperativeProject.position", cascade="all, delete-orphan"
    )
    warnings: Mapped[list["PlanWarning"]] = relationship(
        back_populates="plan", order_by="PlanWarning.id", cascade="all, delete-orphan"
    )


class ProjectDepartment(Base):
    """Which departments are responsible for a project, in the plan's order."""

    __tablename__ = "project_departments"
    #: A department's projects (its checklist of the yearly cycle); the primary key serves a project's.
    __table_args__ = (Index("ix_project_departments_department_id", "department_id"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    department: Mapped[Department] = relationship()


class Project(ProvenanceMixin, Base):
    """A budget project or, with ``parent_id``, one of its components."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("kind IN ('budget', 'administrative')", name="kind"),
        CheckConstraint("budget_thousand_yen IS NULL OR budget_thousand_yen >= 0", name="budget_non_negative"),
        # The top-level projects of a set of plans (plans list, dashboard), and components by parent: a partial
        # index, so that ``parent_id IS NULL`` (most rows) can never choose it (migration 0008).
        Index("ix_projects_plan_parent", "plan_id", "parent_id"),
        sparse_index("ix_projects_parent_id", "parent_id"),
        # A project page's series: the projects of a name in each of the issuer's plans (migration 0033).
        Index("ix_projects_plan_name", "plan_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(400))
    title: Mapped[str | None] = mapped_column(String(400))
    budget_thousand_yen: Mapped[int | None] = mapped_column(BigInteger)
    national_subsidy_thousand_yen: Mapped[int | None] = mapped_column(BigInteger)
    challenge: Mapped[int | None] = mapped_column(Integer, index=True)
    field: Mapped[str | None] = mapped_column(String(200))
    start_fiscal_year: Mapped[int | None] = mapped_column(Integer)
    year_count: Mapped[int | None] = mapped_column(Integer)
    is_new: Mapped[bool] = mapped_column(Boolean, default=False)
    relisted: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(20), default="budget")
    summary: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[Plan] = relationship(foreign_keys=[plan_id])
    parent: Mapped["Project | None"] = relationship(remote_side=[id], back_populates="components")
    components: Mapped[list["Project"]] = relationship(
        back_populates="parent", order_by="Project.position", cascade="all, delete-orphan"
    )
    department_links: Mapped[list[ProjectDepartment]] = relationship(
        order_by=ProjectDepartment.position, cascade="all, delete-orphan"
    )
    kpis: Mapped[list["Kpi"]] = relationship(
        back_populates="project", order_by="Kpi.position", cascade="all, delete-orphan"
    )
    events: Mapped[list["Event"]] = relationship(
        back_populates="project", order_by="Event.position", cascade="all, delete-orphan"
    )

    @property
    def department_names(self) -> list[str]:
        """The responsible departments' names in order."""
        return [link.department.name for link in self.department_links]


class Event(ProvenanceMixin, Base):
    """An event of a project: name, dates, venue, theme."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(400))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    venue: Mapped[str | None] = mapped_column(String(400))
    theme: Mapped[str | None] = mapped_column(String(400))
    note: Mapped[str | None] = mapped_column(Text)
    project: Mapped[Project] = relationship(back_populates="events")


class CooperativeProject(ProvenanceMixin, Base):
    """A member government's project run with the union (協調事業)."""

    __tablename__ = "cooperative_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(400))
    challenge: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(200))
    member_government: Mapped[str | None] = mapped_column(String(100))
    plan: Mapped[Plan] = relationship(back_populates="cooperative_projects")


class PlanWarning(ProvenanceMixin, Base):
    """A consistency warning about a plan (or, with no plan, about a document)."""

    __tablename__ = "plan_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    plan: Mapped[Plan | None] = relationship(back_populates="warnings")


class PartnerProgramme(ProvenanceMixin, TimestampMixin, Base):
    """A partner agency's priorities for one fiscal year (e.g. 近畿経済産業局 令和7年度 重点施策)."""

    __tablename__ = "partner_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str | None] = mapped_column(String(400))
    priority_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    initiatives: Mapped[list["Initiative"]] = relationship(
        back_populates="programme", order_by="Initiative.position", cascade="all, delete-orphan"
    )


class Initiative(ProvenanceMixin, Base):
    """A partner initiative with its contact department and phone."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("partner_programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(400))
    code: Mapped[str | None] = mapped_column(String(20))
    parent_name: Mapped[str | None] = mapped_column(String(400))
    priority_area: Mapped[str | None] = mapped_column(String(400))
    department: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(100))
    programme: Mapped[PartnerProgramme] = relationship(back_populates="initiatives")
    targets: Mapped[list["Kpi"]] = relationship(
        back_populates="initiative", order_by="Kpi.position", cascade="all, delete-orphan"
    )


class Kpi(ProvenanceMixin, Base):
    """A KPI or numeric target, owned by exactly one project, vision or partner initiative.

    ``role`` is ``target`` for a KPI with a target, ``measure`` for a supporting measure without one
    (e.g. 参加企業数, which BioJapan's ×6倍 target multiplies; ``relative_to_kpi_id`` links them).
    """

    __tablename__ = "kpis"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN vision_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN initiative_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
        CheckConstraint("role IN ('target', 'measure')", name="role"),
        # Nearly every KPI belongs to a project: the vision's and partners' targets are found by partial indexes.
        sparse_index("ix_kpis_vision_id", "vision_id"),
        sparse_index("ix_kpis_initiative_id", "initiative_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    vision_id: Mapped[int | None] = mapped_column(ForeignKey("visions.id", ondelete="CASCADE"))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(20), default="target")
    indicator: Mapped[str] = mapped_column(String(400))
    comparator: Mapped[str | None] = mapped_column(String(40))
    target: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(40))
    relative_to: Mapped[str | None] = mapped_column(String(400))
    relative_to_kpi_id: Mapped[int | None] = mapped_column(ForeignKey("kpis.id", ondelete="SET NULL"))
    reference: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    derivation: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    text: Mapped[str | None] = mapped_column(Text)
    target_fiscal_year: Mapped[int | None] = mapped_column(Integer)
    baseline_fiscal_year: Mapped[int | None] = mapped_column(Integer)
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    counted_monthly: Mapped[bool] = mapped_column(Boolean, default=False)
    project: Mapped[Project | None] = relationship(back_populates="kpis")
    vision: Mapped[Vision | None] = relationship(back_populates="numeric_targets")
    initiative: Mapped[Initiative | None] = relationship(back_populates="targets")
    relative_to_kpi: Mapped["Kpi | None"] = relationship(remote_side=[id])


class SchemaInfo(Base):
    """Facts about this database (the bundled dataset's version, when it was loaded)."""

    __tablename__ = "schema_info"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
