"""The vision as the dashboard and the policy tree show it: its numeric targets with their progress, and
the names of its challenges."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from keikaku.domain.fiscal import MAX_FISCAL_YEAR
from keikaku.evaluation.vision import vision_progress
from keikaku.services.core.provenance import DocumentLabel, SourceRef, source_of
from keikaku.services.plans.kpis import vision_kpi_refs
from keikaku.storage import actuals as store
from keikaku.storage import models as m


@dataclass(frozen=True)
class VisionTarget:
    """A vision-level numeric target with its progress (latest actual over the target)."""

    kpi_id: int
    indicator: str
    target_text: str
    unit: str | None
    target: float | None
    target_fiscal_year: int | None
    latest_fiscal_year: int | None
    latest_value: float | None
    progress: float | None
    reason: str
    source: SourceRef | None = None


@dataclass(frozen=True)
class VisionSummary:
    """The vision as the dashboard and the tree show it."""

    id: int
    title: str | None
    horizon_fiscal_year: int | None
    future_images: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    targets: list[VisionTarget] = field(default_factory=list)
    source: SourceRef | None = None


def vision_summary(
    session: Session, keys: dict[int, DocumentLabel], up_to_year: int = MAX_FISCAL_YEAR
) -> VisionSummary | None:
    """The current vision with each numeric target's latest actual and progress."""
    vision = session.scalar(select(m.Vision).where(m.Vision.is_current.is_(True)).order_by(m.Vision.id.desc()))
    if vision is None:
        return None
    refs = vision_kpi_refs(session)
    ids = [r.id for r in refs]
    # The years that have values, found through the KPI index (a range of every possible year would make the
    # database walk the year index over every municipality's values).
    years = session.scalars(
        select(store.ActualValue.fiscal_year)
        .where(store.ActualValue.kpi_id.in_(ids), store.ActualValue.fiscal_year <= up_to_year)
        .distinct()
    ).all()
    rows = store.current_values(session, ids, years) if ids and years else []
    by_kpi: dict[int, dict[int, float]] = defaultdict(dict)
    for row in rows:
        if not row.month:
            by_kpi[row.kpi_id][row.fiscal_year] = row.value
    kpi_rows = {k.id: k for k in session.scalars(select(m.Kpi).where(m.Kpi.id.in_(ids)))}
    targets = []
    for ref in refs:
        progress = vision_progress(ref.spec, by_kpi.get(ref.id, {}))
        targets.append(
            VisionTarget(
                kpi_id=ref.id,
                indicator=ref.indicator,
                target_text=ref.target_text,
                unit=ref.unit,
                target=ref.spec.target,
                target_fiscal_year=ref.spec.target_fiscal_year,
                latest_fiscal_year=progress.latest_fiscal_year,
                latest_value=progress.latest_value,
                progress=progress.progress,
                reason=progress.reason,
                source=source_of(kpi_rows[ref.id], keys) if ref.id in kpi_rows else None,
            )
        )
    return VisionSummary(
        id=vision.id,
        title=vision.title,
        horizon_fiscal_year=vision.horizon_fiscal_year,
        future_images=list(vision.future_images or []),
        values=list(vision.values or []),
        targets=targets,
        source=source_of(vision, keys),
    )


def challenge_labels(session: Session) -> dict[int, str]:
    """The current vision's challenges by number (1 → 「強みで貢献」)."""
    vision_id = select(m.Vision.id).where(m.Vision.is_current.is_(True)).scalar_subquery()
    rows = session.execute(select(m.Challenge.number, m.Challenge.name).where(m.Challenge.vision_id == vision_id))
    return {number: name for number, name in rows}
