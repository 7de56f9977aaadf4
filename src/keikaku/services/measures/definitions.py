"""Binding a KPI to a measure: a typed, named definition over the event and survey records.

Kinds: ``attended_people`` (distinct people checked in at events E, counted roles only),
``attended_person_days`` (distinct person × day), ``registrations`` (confirmed registrations, 受付済 and
欠席, counted roles), ``answer_share`` (share of the non-blank answers to question Q in the surveys of
events E that fall in codes C), ``meetings_held`` and ``meeting_firms`` (held meetings of the events'
meeting lists, and their distinct firms by 法人番号: :mod:`keikaku.services.events.meetings`), and the co-creation platform's kinds (``platform_cases``, ``platform_firms``,
``platform_matchings``, ``platform_interviews_held``, ``platform_satisfaction``, ``labsearch_accesses``:
records of the KPI's fiscal year, no events; see
:mod:`keikaku.services.platform.counts`).  A change of a measure adds a version; the previous one stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from keikaku.services.communications.figures import LABELS as COMMUNICATION_LABELS
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.plans.kpis import KpiRef, find_kpi
from keikaku.storage import events as event_store
from keikaku.storage import measures as store
from keikaku.storage import models as m
from keikaku.storage import surveys as survey_store
from keikaku.storage.uow import read_session, unit_of_work

#: The kinds over the co-creation platform's records (what its page offers to bind).
PLATFORM_KINDS = store.PLATFORM_KINDS
#: The kinds that count event and survey records (the staff form's choices).
EVENT_MEASURE_KINDS = store.EVENT_KINDS

KIND_LABELS = {
    "attended_people": "参加者数（実人数）",
    "attended_person_days": "参加者数（延べ人日）",
    "registrations": "申込者数",
    "answer_share": "回答の割合",
    "meetings_held": "商談件数（実施済み）",
    "meeting_firms": "商談会の参加企業数（法人番号で重複なし）",
    "platform_cases": "相談件数（延べ件数）",
    "platform_firms": "相談企業数（実数）",
    "platform_matchings": "マッチング件数（採用されたシーズ・ニーズ）",
    "platform_interviews_held": "面談数（実施済み）",
    "platform_satisfaction": "利用満足度（相談完了時のアンケートで満足・やや満足の割合）",
    "labsearch_accesses": "かんさいラボサーチのアクセス件数（ボット・職員を除く閲覧数）",
    **COMMUNICATION_LABELS,
    "hand_entered": "手入力（記録は keikaku の外）",
}


@dataclass(frozen=True)
class MeasurePublic:
    """The current measure of a KPI."""

    id: int
    kpi_id: int
    version: int
    kind: str
    event_ids: tuple[int, ...]
    question_id: int | None
    codes: tuple[str, ...]

    @property
    def label(self) -> str:
        """The kind in Japanese."""
        return KIND_LABELS[self.kind]


def kpi_ref(session: Session, kpi_id: int) -> KpiRef:
    """The KPI (with its fiscal year and departments), or :class:`NotFoundError`."""
    year = session.scalar(
        select(m.Plan.fiscal_year)
        .join(m.Project, m.Project.plan_id == m.Plan.id)
        .join(m.Kpi, m.Kpi.project_id == m.Project.id)
        .where(m.Kpi.id == kpi_id)
    )
    if year is None:
        raise NotFoundError(f"KPI {kpi_id} は事業の KPI ではありません", code="kpi_not_found")
    return find_kpi(session, int(year), str(kpi_id))


def _public(row: store.KpiMeasure) -> MeasurePublic:
    return MeasurePublic(
        row.id,
        row.kpi_id,
        row.version,
        row.kind,
        tuple(int(e) for e in row.event_ids or []),
        row.question_id,
        tuple(str(c) for c in row.codes or []),
    )


def current_measure_row(session: Session, kpi_id: int) -> store.KpiMeasure | None:
    """The latest version of a KPI's measure."""
    return session.scalar(
        select(store.KpiMeasure).where(store.KpiMeasure.kpi_id == kpi_id).order_by(store.KpiMeasure.version.desc())
    )


def current_measure(kpi_id: int, *, engine: Engine | None = None) -> MeasurePublic | None:
    """The current measure of a KPI, None when it is typed by hand."""
    with read_session(ensure_schema(engine)) as session:
        row = current_measure_row(session, kpi_id)
        return _public(row) if row else None


def bind_measure(
    kpi_id: int,
    kind: str,
    event_ids: Sequence[int],
    *,
    question_code: str | None = None,
    codes: Sequence[str] = (),
    actor: Actor,
    engine: Engine | None = None,
) -> MeasurePublic:
    """Bind a KPI to a measure (a new version when it had one); the actor records the KPI's actuals."""
    with unit_of_work(ensure_schema(engine)) as session:
        return bind_measure_in(session, kpi_id, kind, event_ids, question_code=question_code, codes=codes, actor=actor)


def bind_measure_in(
    session: Session,
    kpi_id: int,
    kind: str,
    event_ids: Sequence[int],
    *,
    question_code: str | None = None,
    codes: Sequence[str] = (),
    actor: Actor,
) -> MeasurePublic:
    """:func:`bind_measure` in the caller's transaction."""
    if kind not in (*store.EVENT_KINDS, *store.PLATFORM_KINDS):  # communications bind through their own service
        raise ValidationError("集計方法を選んでください", details={"fields": {"kind": "集計方法"}})
    ref = kpi_ref(session, kpi_id)
    require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
    ids = sorted(set(event_ids))
    found = session.scalar(
        select(func.count()).select_from(event_store.ManagedEvent).where(event_store.ManagedEvent.id.in_(ids))
    )
    if kind in store.PLATFORM_KINDS:
        if ids:
            raise ValidationError(
                "共創プラットフォームの集計方法にはイベントを選びません（KPI の年度の記録を数えます）"
            )
    elif not ids or found != len(ids):
        raise ValidationError("集計するイベントを選んでください（存在しないイベントが含まれています）")
    question_id = None
    if kind == "answer_share":
        question = session.scalar(select(survey_store.Question).where(survey_store.Question.code == question_code))
        if question is None:
            raise ValidationError(f"設問「{question_code}」は設問バンクにありません")
        known = {o["code"] for o in question.options or []}
        if not codes or not set(codes) <= known:
            raise ValidationError(f"数える選択肢を「{question.text}」の選択肢から選んでください")
        question_id = question.id
    codes = sorted(set(codes)) if kind == "answer_share" else []
    columns = {"kind": kind, "event_ids": ids, "question_id": question_id, "codes": codes}
    return _public(add_version(session, actor, kpi_id, columns, ("kind", "events", "question", "codes")))


#: The audit trail's name for each column of a measure.
_AUDITED = {"kind": "kind", "events": "event_ids", "question": "question_id", "codes": "codes", "params": "params"}


def add_version(  # noqa: PLR0917 - who binds which KPI to what, and which parts the trail shows
    session: Session,
    actor: Actor,
    kpi_id: int,
    columns: Mapping[str, Any],
    audited: Sequence[str],
    reason: str | None = None,
) -> store.KpiMeasure:
    """Add the KPI's next measure version with ``columns`` and record the binding in the audit trail: the
    ``audited`` parts (``kind``, ``events``, ``question``, ``codes``, ``params``) before and after."""
    previous = current_measure_row(session, kpi_id)
    version = (previous.version + 1) if previous else 1
    row = store.KpiMeasure(kpi_id=kpi_id, version=version, created_by=actor.recorded_name, **columns)
    session.add(row)
    session.flush()

    def parts(measure: store.KpiMeasure) -> dict[str, object]:
        return {name: getattr(measure, _AUDITED[name]) for name in audited}

    before = None if previous is None else parts(previous)
    after = {**parts(row), "version": row.version}
    audit.record(session, actor, AuditAction.MEASURE_BIND, "kpi", kpi_id, before, after, reason)
    return row


def measure_kpi(kpi_id: int, *, actor: Actor, engine: Engine | None = None) -> KpiRef:
    """The KPI whose measure the actor may set (who records its actuals), or :class:`PermissionDeniedError`."""
    with read_session(ensure_schema(engine)) as session:
        ref = kpi_ref(session, kpi_id)
        require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
        return ref
