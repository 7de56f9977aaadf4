"""Binding a KPI to a communications measure (page views of a property, listings, posts, PR occurrences,
newsletter issues or subscribers, a directory's firms); computing it is the measures package's
(:func:`keikaku.services.measures.compute.compute_kpi`), whatever the kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from keikaku.services.communications.figures import DIRECTORIES
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.services.measures.compute import compute_kpi_in
from keikaku.services.measures.definitions import MeasurePublic, add_version, kpi_ref
from keikaku.storage import communications as comms_store
from keikaku.storage import events as event_store
from keikaku.storage import measures as store
from keikaku.storage.uow import unit_of_work


def bind_communication_measure(
    kpi_id: int,
    kind: str,
    *,
    property_code: str | None = None,
    pages: Sequence[str] = (),
    media: Sequence[str] = (),
    audience: str | None = None,
    directory: str | None = None,
    ranking: str | None = None,
    event_kind: str | None = None,
    compute: bool = False,
    actor: Actor,
    engine: Engine | None = None,
) -> MeasurePublic:
    """Bind a KPI to a communications measure over its plan's fiscal year (a new version if it had one); with
    ``compute``, compute it too in the same transaction, so that a measure that cannot be computed is not
    bound either."""
    if kind not in store.COMMUNICATION_KINDS:
        raise ValidationError("集計方法を選んでください", details={"fields": {"kind": "集計方法"}})
    with unit_of_work(ensure_schema(engine)) as session:
        ref = kpi_ref(session, kpi_id)
        require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
        params: dict[str, Any] = {"fiscal_year": int(ref.fiscal_year or 0)}
        if kind in ("web_views", "web_sessions"):
            code = session.scalar(
                select(comms_store.WebProperty.code).where(comms_store.WebProperty.code == (property_code or ""))
            )
            if code is None:
                raise ValidationError(f"サイト「{property_code}」は登録されていません", code="property_not_found")
            params.update(property=code, pages=[p.strip() for p in pages if p.strip()])
        if kind in ("listings", "posts", "pr_items"):
            params["media"] = sorted({m.strip() for m in media if m.strip()})
        if kind == "pr_items" and audience:
            if audience not in comms_store.AUDIENCES:
                raise ValidationError("対象は overseas（海外）か domestic（国内）を選んでください")
            params["audience"] = audience
        if kind == "directory_entries":
            if directory not in DIRECTORIES:
                raise ValidationError(f"名簿「{directory}」はありません", code="directory_not_found")
            params["directory"] = directory
        if kind == "ranking":
            if not (ranking or "").strip():
                raise ValidationError("ランキング名を入力してください")
            params["ranking"] = (ranking or "").strip()
        if kind == "events_held":
            if event_kind not in event_store.EVENT_KINDS:
                raise ValidationError("イベントの種別を選んでください", details={"fields": {"event_kind": "種別"}})
            params["event_kind"] = event_kind
        columns: dict[str, Any] = {"kind": kind, "event_ids": [], "question_id": None, "codes": [], "params": params}
        row = add_version(session, actor, kpi_id, columns, ("kind", "params"))
        if compute:
            compute_kpi_in(session, kpi_id, actor)
        return MeasurePublic(row.id, kpi_id, row.version, kind, (), None, ())
