"""Where each KPI's number comes from: bound to a measure (computed from records), deliberately typed by
hand (its records are outside keikaku), or not yet bound; and the fiscal year's coverage at a glance."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from keikaku.services.communications.figures import evaluate_communications
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import ValidationError
from keikaku.services.core.free_text import clean_text
from keikaku.services.core.home_issuer import cached_home_issuer
from keikaku.services.measures.definitions import KIND_LABELS, add_version, current_measure_row, kpi_ref
from keikaku.services.platform import counts as platform_counts
from keikaku.services.publication.visibility import visibility_for
from keikaku.storage import communications as comms_store
from keikaku.storage import measures as store
from keikaku.storage import models as m
from keikaku.storage.in_lists import in_chunks
from keikaku.storage.uow import read_session, unit_of_work


def mark_hand_entered(kpi_id: int, reason: str, *, actor: Actor, engine: Engine | None = None) -> None:
    """Say that a KPI is typed by hand on purpose, and why (a measure version of kind ``hand_entered``)."""
    why = clean_text(reason, "理由", limit=400, field="reason")
    if not why:
        raise ValidationError("手入力とする理由を入力してください", details={"fields": {"reason": "必須"}})
    with unit_of_work(ensure_schema(engine)) as session:
        ref = kpi_ref(session, kpi_id)
        require(actor, Permission.RECORD_ACTUAL, departments=ref.departments)
        columns = {"kind": store.HAND_ENTERED, "event_ids": [], "codes": [], "params": {"reason": why}}
        add_version(session, actor, kpi_id, columns, ("kind",), why)


@dataclass(frozen=True)
class KpiSource:
    """One KPI and where its number comes from: ``computed`` (with the measure), ``hand_entered`` (with the
    reason) or ``unbound``."""

    kpi_id: int
    indicator: str
    source: str
    label: str | None
    #: The measure's definition in words (computed only), and its version.
    definition: str | None = None
    version: int | None = None
    #: The same thing counted another way, shown beside it ((label, value) pairs): かんさいラボサーチ's own count
    #: of its accesses beside the web analytics' page views of the site, and the other way round.
    beside: tuple[tuple[str, float], ...] = ()


#: かんさいラボサーチ's code among the web properties (:data:`~keikaku.services.communications.analytics.KNOWN_PROPERTIES`).
LABSEARCH_PROPERTY = "labsearch"


def _beside(session: Session, measure: store.KpiMeasure) -> tuple[tuple[str, float], ...]:
    """Where a site's accesses are counted both by keikaku and by web analytics, the other figure of the year
    (none when the other side has no records)."""
    params = dict(measure.params or {})
    year = int(params.get("fiscal_year") or kpi_ref(session, measure.kpi_id).fiscal_year or 0)
    if measure.kind == platform_counts.ACCESS_KIND:
        found = evaluate_communications(session, "web_views", {"property": LABSEARCH_PROPERTY, "fiscal_year": year})
        return ((KIND_LABELS["web_views"], found.value),) if found.records else ()
    if measure.kind == "web_views" and params.get("property") == LABSEARCH_PROPERTY:
        value, records = platform_counts.figure(session, platform_counts.ACCESS_KIND, year)
        return ((KIND_LABELS[platform_counts.ACCESS_KIND], value),) if records else ()
    return ()


@dataclass(frozen=True)
class Coverage:
    """The fiscal year's KPIs by source, and the counts."""

    fiscal_year: int
    kpis: tuple[KpiSource, ...]
    computed: int
    hand_entered: int
    unbound: int


def kpi_coverage(
    fiscal_year: int | None = None, *, viewer: Actor, issuer: str | None = None, engine: Engine | None = None
) -> Coverage:
    """Every project KPI of the issuer's current plan of the fiscal year, with its source.

    The issuer is the home issuer unless named (the measures count the union's own work; the other issuers'
    plans, synthetic or compared, are not theirs); the year is the newest the viewer may see unless named.
    A draft plan's KPIs only for those who may see drafts.
    """
    shown = visibility_for(viewer).plan_filter()
    with read_session(ensure_schema(engine)) as session:
        who = issuer or cached_home_issuer(session)
        if fiscal_year is None:
            newest = select(func.max(m.Plan.fiscal_year)).where(
                m.Plan.issuer == who, m.Plan.is_current.is_(True), *shown
            )
            fiscal_year = int(session.scalar(newest) or 0)
        kpis = (
            select(m.Kpi.id, m.Kpi.indicator)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(m.Plan.issuer == who, m.Plan.fiscal_year == fiscal_year, m.Plan.is_current.is_(True), *shown)
        )
        rows = session.execute(kpis.order_by(m.Kpi.id)).all()
        measures = _latest_measures(session, [kpi_id for kpi_id, _ in rows])
        found = []
        for kpi_id, indicator in rows:
            measure = measures.get(kpi_id)
            if measure is None:
                found.append(KpiSource(kpi_id, indicator, "unbound", None))
            elif measure.kind == store.HAND_ENTERED:
                found.append(KpiSource(kpi_id, indicator, "hand_entered", str((measure.params or {}).get("reason"))))
            else:
                found.append(_computed(kpi_id, indicator, measure))
        count = lambda source: sum(1 for k in found if k.source == source)  # noqa: E731
        return Coverage(fiscal_year, tuple(found), count("computed"), count("hand_entered"), count("unbound"))


def _latest_measures(session: Session, kpi_ids: list[int]) -> dict[int, store.KpiMeasure]:
    """The newest measure version of each of these KPIs (those that have one)."""
    found: dict[int, store.KpiMeasure] = {}
    for chunk in in_chunks(kpi_ids):
        latest = (
            select(store.KpiMeasure.kpi_id, func.max(store.KpiMeasure.version).label("version"))
            .where(store.KpiMeasure.kpi_id.in_(chunk))
            .group_by(store.KpiMeasure.kpi_id)
            .subquery()
        )
        newest = select(store.KpiMeasure).join(
            latest, (latest.c.kpi_id == store.KpiMeasure.kpi_id) & (latest.c.version == store.KpiMeasure.version)
        )
        found.update((r.kpi_id, r) for r in session.scalars(newest))
    return found


#: How a measure's parameters read (the parameter's name in Japanese, and how a list is joined).
_PARAMS = {
    "property": "サイト",
    "pages": "ページ（先頭一致）",
    "media": "媒体",
    "audience": "対象",
    "directory": "名簿",
    "ranking": "ランキング",
    "event_kind": "イベントの種別",
}
_AUDIENCES = {"overseas": "海外", "domestic": "国内"}


def definition_text(measure: store.KpiMeasure, *, names: dict[str, str] | None = None) -> str:
    """A measure's definition in words: its kind, what it reads (``names``: a site's name for its code),
    over which fiscal year."""
    params = dict(measure.params or {})
    shown = {**params, "audience": _AUDIENCES.get(str(params.get("audience")), params.get("audience"))}
    if params.get("property"):
        shown["property"] = (names or {}).get(str(params["property"]), params["property"])
    parts = [KIND_LABELS[measure.kind]]
    for key, label in _PARAMS.items():
        value = shown.get(key)
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        if value:
            parts.append(f"{label}: {value}")
    if measure.event_ids:
        parts.append(f"イベント {len(measure.event_ids)} 件")
    if measure.codes:
        parts.append("数える回答: " + "、".join(str(c) for c in measure.codes))
    if params.get("fiscal_year"):
        parts.append(f"{params['fiscal_year']}年度（4月〜翌3月）")
    return " · ".join(parts)


def _computed(kpi_id: int, indicator: str, measure: store.KpiMeasure, names: dict[str, str] | None = None) -> KpiSource:
    text = definition_text(measure, names=names)
    return KpiSource(kpi_id, indicator, "computed", KIND_LABELS[measure.kind], text, measure.version)


def kpi_source(kpi_id: int, *, engine: Engine | None = None) -> KpiSource:
    """Where one KPI's number comes from (its page says it; the KPI's visibility is its page's to check)."""
    with read_session(ensure_schema(engine)) as session:
        indicator = session.scalar(select(m.Kpi.indicator).where(m.Kpi.id == kpi_id)) or ""
        measure = current_measure_row(session, kpi_id)
        if measure is None:
            return KpiSource(kpi_id, indicator, "unbound", None)
        if measure.kind == store.HAND_ENTERED:
            reason = str((measure.params or {}).get("reason") or "")
            return KpiSource(kpi_id, indicator, "hand_entered", reason, version=measure.version)
        code = str((measure.params or {}).get("property") or "")
        name = session.scalar(select(comms_store.WebProperty.name).where(comms_store.WebProperty.code == code))
        found = _computed(kpi_id, indicator, measure, {code: name} if name else None)
        return dataclasses.replace(found, beside=_beside(session, measure))
