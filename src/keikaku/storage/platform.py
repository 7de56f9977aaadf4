"""Tables of the co-creation platform (関西広域産業共創プラットフォーム, issue 13): member institutions,
consultations (cases) with their dated activity log, seeds and needs, decisions on suggestions, interviews
(面談), and the equipment of かんさいラボサーチ.

A case's firm is an :class:`~keikaku.storage.events.Organisation` (法人番号 checked), shared with events.
Statuses, phases, outcomes and kinds are stored in Japanese, as the coordinators say them.
"""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
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
)
from sqlalchemy.orm import Mapped, mapped_column

from keikaku.storage.base import Base, one_of, utcnow

INSTITUTION_KINDS = ("公設試", "支援機関", "大学")
#: The commercialisation phases, in order.
PHASES = ("基礎研究", "技術開発", "実証", "事業化")
#: Statuses of a case, each in one of two groups.
OPEN_STATUSES = ("受付", "対応中", "保留")
CLOSED_STATUSES = ("完了",)
STATUSES = OPEN_STATUSES + CLOSED_STATUSES
OUTCOMES = ("解決", "継続", "他機関紹介", "依頼試験へ", "共同研究へ", "事業化")
ACTIVITY_KINDS = ("相談", "訪問", "公設試紹介", "依頼試験", "共同研究", "面談", "メモ", "引継ぎ", "状態変更")
SEED_KINDS = ("技術", "研究テーマ", "設備", "サービス")
DECISIONS = ("accepted", "rejected")
INTERVIEW_STATUSES = ("予定", "実施", "中止", "不参加")
HELD = "実施"
EQUIPMENT_MODES = ("機器使用", "依頼試験", "技術相談")


class Institution(Base):
    """A member institution of the platform: a 公設試, a partner agency or a university, with its fee rule.

    ``fee_rule`` maps the user category (``own``: a firm of the institution's prefecture, ``union``: of the
    union's area, ``other``) to the multiplier of the base fee, e.g. ``{"own": 0.8, "union": 1.0, "other": 1.5}``.
    """

    __tablename__ = "platform_institutions"
    __table_args__ = (CheckConstraint(one_of("kind", INSTITUTION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(400), unique=True)
    prefecture: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str | None] = mapped_column(String(400))
    fee_rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Consultation(Base):
    """A firm's consultation (相談案件): topic, field, phase, coordinator in charge, status and outcome."""

    __tablename__ = "platform_cases"
    __table_args__ = (
        CheckConstraint(one_of("phase", PHASES), name="phase"),
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint("outcome IS NULL OR " + one_of("outcome", OUTCOMES), name="outcome"),
        Index("ix_platform_cases_opened_on_status", "opened_on", "status"),  # the case list (migration 0025)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("platform_institutions.id", ondelete="SET NULL"))
    topic: Mapped[str] = mapped_column(String(400))
    field: Mapped[str] = mapped_column(String(100))
    phase: Mapped[str] = mapped_column(String(20))
    #: The coordinator in charge as recorded (the account's username; older cases may hold a name).
    coordinator: Mapped[str] = mapped_column(String(200), index=True)
    #: The account of the coordinator in charge (migration 0026); None for a name without an account.
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="受付")
    outcome: Mapped[str | None] = mapped_column(String(20))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Where the satisfaction survey is mailed when the case is closed (the firm's contact; personal data).
    contact_email: Mapped[str | None] = mapped_column(String(320))
    #: The satisfaction survey sent when the case was closed (a survey of the surveys package).
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))


class CaseActivity(Base):
    """One dated line of a case's log, with its author (a handover and a status change are lines too)."""

    __tablename__ = "platform_case_activities"
    __table_args__ = (CheckConstraint(one_of("kind", ACTIVITY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("platform_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    on: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseAttachment(Base):
    """A file attached to a line of a case's log, checked by the upload safety before it is stored."""

    __tablename__ = "platform_case_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("platform_case_activities.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Seed(Base):
    """An institution's technology, research theme, equipment or service offered to firms."""

    __tablename__ = "platform_seeds"
    __table_args__ = (
        CheckConstraint(one_of("kind", SEED_KINDS), name="kind"),
        CheckConstraint("phase IS NULL OR " + one_of("phase", PHASES), name="phase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("platform_institutions.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str | None] = mapped_column(String(100))
    phase: Mapped[str | None] = mapped_column(String(20))


class Need(Base):
    """A firm's requirement, written in a case or entered alone."""

    __tablename__ = "platform_needs"
    __table_args__ = (CheckConstraint("phase IS NULL OR " + one_of("phase", PHASES), name="phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("platform_cases.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str | None] = mapped_column(String(100))
    phase: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(200))


class MatchDecision(Base):
    """A coordinator's decision on a suggested need–seed pair; a rejected pair is not suggested again."""

    __tablename__ = "platform_match_decisions"
    __table_args__ = (
        UniqueConstraint("need_id", "seed_id", name="uq_platform_match_decisions_pair"),
        CheckConstraint(one_of("decision", DECISIONS), name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("platform_needs.id", ondelete="CASCADE"))
    seed_id: Mapped[int] = mapped_column(ForeignKey("platform_seeds.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[dt.date] = mapped_column(Date)


class Interview(Base):
    """A 面談 between a firm (the need's side) and an institution (the seed's side)."""

    __tablename__ = "platform_interviews"
    __table_args__ = (CheckConstraint(one_of("status", INTERVIEW_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("platform_needs.id", ondelete="RESTRICT"), index=True)
    seed_id: Mapped[int] = mapped_column(ForeignKey("platform_seeds.id", ondelete="RESTRICT"), index=True)
    on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="予定")
    firm_participants: Mapped[str] = mapped_column(String(400), default="")
    institution_participants: Mapped[str] = mapped_column(String(400), default="")
    outcome: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))


class Equipment(Base):
    """An entry of かんさいラボサーチ: a piece of equipment or a service of an institution.

    ``key`` identifies the entry within its institution across re-imports (folded name and model);
    ``search_text`` is the folded text the search matches (see :mod:`keikaku.services.platform.labsearch`).
    An entry no longer listed by a re-import is ``withdrawn``, never deleted.
    """

    __tablename__ = "lab_equipment"
    __table_args__ = (
        UniqueConstraint("institution_id", "key", name="uq_lab_equipment_key"),
        CheckConstraint(one_of("mode", EQUIPMENT_MODES), name="mode"),
        CheckConstraint("fee IS NULL OR fee >= 0", name="fee"),
        # The listing without a query (by name) and its facet counts, read from the indexes alone.  Not led
        # by ``withdrawn``: SQLite would then prefer them to the bigram index for a search word.
        Index("ix_lab_equipment_listing", "name", "id", "withdrawn"),
        Index("ix_lab_equipment_facets", "institution_id", "category", "mode", "withdrawn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("platform_institutions.id", ondelete="RESTRICT"))
    key: Mapped[str] = mapped_column(String(400))
    name: Mapped[str] = mapped_column(String(400))
    category: Mapped[str] = mapped_column(String(100))
    maker: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    specification: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(10))
    fee: Mapped[float | None] = mapped_column(Float)
    fee_unit: Mapped[str | None] = mapped_column(String(40))
    requirements: Mapped[str | None] = mapped_column(String(400))
    updated_on: Mapped[dt.date] = mapped_column(Date)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class EquipmentGram(Base):
    """A character bigram of an entry's folded search text: the index that lets a search read only the
    entries that can match instead of every entry (see :mod:`keikaku.services.platform.labsearch`)."""

    __tablename__ = "lab_equipment_grams"
    __table_args__ = (Index("ix_lab_equipment_grams_equipment_id", "equipment_id"),)

    gram: Mapped[str] = mapped_column(String(4), primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("lab_equipment.id", ondelete="CASCADE"), primary_key=True)


class LabAccess(Base):
    """One page view of かんさいラボサーチ by a visitor who is neither a known bot nor signed-in staff.

    ``visitor`` is a hash of the address and browser with the day's salt (:class:`LabAccessSalt`): visitors
    of one day can be counted, no IP address is stored, and once the salt is gone the hash leads nowhere.
    """

    __tablename__ = "lab_accesses"
    __table_args__ = (Index("ix_lab_accesses_day_page", "day", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    page: Mapped[str] = mapped_column(String(100))
    visitor: Mapped[str] = mapped_column(String(64))


class LabAccessSalt(Base):
    """The salt of one day's visitor hashes; earlier days' salts are deleted when a new day begins."""

    __tablename__ = "lab_access_salts"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class EquipmentUpload(Base):
    """An institution's equipment list uploaded for a preview and kept until it is committed (imported) or
    discarded: the commit reads these bytes, never a copy the client sends again."""

    __tablename__ = "lab_equipment_uploads"
    __table_args__ = (CheckConstraint("status IN ('staged', 'committed', 'discarded')", name="status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("platform_institutions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: The preview: the counts and every error, as :class:`~keikaku.services.platform.equipment_import.ImportReport`.
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="staged")
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
