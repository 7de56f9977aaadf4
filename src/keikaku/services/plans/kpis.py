"""KPIs as the actual-value services see them: where they belong, their unit and kind, and how to find them.

Shared by actual entry (CLI, Excel/CSV import) and by the evaluation, so that a KPI reads the same
everywhere: its unit inferred where the plan gives none, its kind decided once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from keikaku.domain.kpi import Comparator
from keikaku.evaluation.achievement import format_value
from keikaku.evaluation.types import KpiKind, KpiSpec, infer_unit
from keikaku.normalize.text import normalize_text
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.plans.rows import KpiRow, PlanRow, PlanTree, ProjectRow, load_plan_tree
from keikaku.storage import models as m


@dataclass(frozen=True, slots=True)
class KpiRef:
    """A KPI with its place in the plan (or the vision), ready for entry and display."""

    id: int
    spec: KpiSpec
    fiscal_year: int | None
    plan_id: int | None
    project_id: int | None
    project_code: str | None
    project_name: str | None
    component_name: str | None
    departments: tuple[str, ...]
    challenge: int | None
    text: str | None
    vision: bool = False
    approximate: bool = False

    @property
    def indicator(self) -> str:
        """The KPI's indicator name (参加者数)."""
        return self.spec.indicator

    @property
    def unit(self) -> str | None:
        """The unit actual values are entered in (件 for BioJapan's matchings, not 倍)."""
        return self.spec.unit

    @property
    def kind(self) -> KpiKind:
        """Count, share, rank, amount or qualitative."""
        return self.spec.kind

    @property
    def label(self) -> str:
        """How messages name the KPI: 「参加者数」（③ グリーン分野のさらなる深化）."""
        where = self.component_name or self.project_name
        if self.vision:
            where = "ビジョン数値目標"
        code = f"{self.project_code} " if self.project_code and not self.component_name else ""
        return f"KPI「{self.indicator}」（{code}{where}）" if where else f"KPI「{self.indicator}」"

    @property
    def target_text(self) -> str:
        """The target as the plan states it (``220人以上``, ``参加企業数×6倍以上``, ``79位の維持・向上``)."""
        spec = self.spec
        if self.vision and spec.target is not None:
            approx = "約" if self.approximate else ""
            year = f"（{spec.target_fiscal_year}年度）" if spec.target_fiscal_year else ""
            return f"{approx}{format_value(spec.target, spec.unit)}{year}"
        if spec.is_measure:
            return "（目標の基準となる実績）"
        if spec.comparator is Comparator.MAINTAIN_OR_IMPROVE:
            base = format_value(spec.reference, spec.unit) if spec.reference is not None else "前年度"
            return f"{base}の維持・向上"
        if spec.target is None or spec.comparator is None:
            return self.text or "—"
        suffix = {">=": "以上", ">": "超", "<=": "以下", "<": "未満", "=": ""}[spec.comparator.value]
        if spec.relative_to_id is not None:
            return f"{spec.relative_label}×{format_value(spec.target)}倍{suffix}"
        return f"{format_value(spec.target, spec.unit)}{suffix}"


def _reference(row: m.Kpi | KpiRow) -> tuple[float | None, str | None, str | None]:
    """A rank target's baseline: (value, label such as ``GSEI… 2025年時点``, unit)."""
    raw = row.reference
    if not raw or raw == "null":
        return None, None, None
    ref: dict[str, Any] | None = json.loads(raw) if isinstance(raw, str) else raw
    if not ref:  # JSON null
        return None, None, None
    value = ref.get("value")
    label = " ".join(str(ref[k]) for k in ("label", "as_of") if ref.get(k))
    if ref.get("as_of"):
        label = label.replace(str(ref["as_of"]), f"{ref['as_of']}年時点")
    return (float(value) if value is not None else None), (label or None), ref.get("unit")


_COMPARATORS = {c.value: c for c in Comparator}


def spec_from_row(row: m.Kpi | KpiRow, measure: m.Kpi | KpiRow | None = None) -> KpiSpec:
    """The engine's view of a KPI row (``measure`` is the row a relative target refers to)."""
    comparator = _COMPARATORS[row.comparator] if row.comparator else None
    reference, reference_label, reference_unit = _reference(row)
    return KpiSpec(
        id=row.id,
        indicator=row.indicator,
        comparator=comparator,
        target=row.target,
        unit=infer_unit(row.indicator, row.unit or reference_unit),
        relative_to_id=row.relative_to_kpi_id,
        relative_label=row.relative_to or (measure.indicator if measure else None),
        relative_unit=infer_unit(measure.indicator, measure.unit) if measure else None,
        reference=reference,
        reference_label=reference_label,
        target_fiscal_year=row.target_fiscal_year,
        counted_monthly=row.counted_monthly,
        is_measure=row.role == "measure",
        text=row.text,
    )


def _revisions(where: Sequence[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """``where`` when it chooses the plans, else the newest revision of each issuer's year."""
    return list(where) if where else [m.Plan.is_current.is_(True)]


def current_plans(
    session: Session, fiscal_year: int, issuer: str | None = None, where: Sequence[ColumnElement[bool]] = ()
) -> list[m.Plan]:
    """The current plans of a fiscal year; NotFoundError naming the year when there is none.

    ``where`` chooses the plans, revision included (a viewer's
    :meth:`~keikaku.services.publication.visibility.Visibility.current_filter`, or one plan by id); without it,
    the newest revision of each issuer's year.  The years named are those it keeps.
    """
    where = _revisions(where)
    stmt = select(m.Plan).where(m.Plan.fiscal_year == fiscal_year, *where)
    if issuer:
        stmt = stmt.where(m.Plan.issuer == issuer)
    plans = list(session.scalars(stmt.order_by(m.Plan.issuer, m.Plan.id)))
    if not plans:
        known = sorted(set(session.scalars(select(m.Plan.fiscal_year).where(*where).distinct())))
        listed = "、".join(f"{y}年度" for y in known) or "なし"
        who = f"（{issuer}）" if issuer else ""
        raise NotFoundError(
            f"{fiscal_year}年度の事業計画{who}がありません（登録済みの年度: {listed}）", code="plan_not_found"
        )
    return plans


def check_department(session: Session, department: str | None) -> str | None:
    """The department name, normalised; ValidationError if no department of that name exists."""
    if department is None:
        return None
    name = normalize_text(department).strip()
    if session.scalar(select(m.Department.id).where(m.Department.name == name)) is None:
        known = "、".join(session.scalars(select(m.Department.name).order_by(m.Department.name)))
        raise ValidationError(
            f"担当課「{name}」は登録されていません（登録済み: {known or 'なし'}）", code="unknown_department"
        )
    return name


def display_code(code: str | None) -> str:
    """A project's number as the plan prints it: ``5`` → ``⑤`` (other codes unchanged)."""
    if code and code.isdigit() and 1 <= int(code) <= 20:
        return chr(0x2460 + int(code) - 1)
    return code or ""


def plan_kpi_refs(
    session: Session, plans: Sequence[m.Plan | PlanRow], department: str | None = None, tree: PlanTree | None = None
) -> list[KpiRef]:
    """Every KPI of the plans' projects and components, in plan order (measures included)."""
    tree = tree or load_plan_tree(session, plans)
    return refs_for_projects(tree, tree.projects, department=department)


def refs_for_projects(
    tree: PlanTree,
    projects: Sequence[ProjectRow],
    *,
    department: str | None = None,
    specs: Mapping[int, KpiSpec] | None = None,
) -> list[KpiRef]:
    """The KPIs of some of a tree's projects, in order (``specs`` reuses specs already built)."""
    years = {p.id: p.fiscal_year for p in tree.plans}
    by_id = tree.project_by_id
    kpi_by_id = tree.kpi_by_id
    by_project = tree.kpis_by_project
    refs: list[KpiRef] = []
    for project in projects:
        parent = by_id.get(project.parent_id) if project.parent_id else None
        top = parent or project
        departments = tuple(project.department_names) or tuple(top.department_names)
        if department is not None and department not in departments:
            continue
        for kpi in by_project.get(project.id, ()):
            spec = specs.get(kpi.id) if specs is not None else None
            if spec is None:
                measure = kpi_by_id.get(kpi.relative_to_kpi_id) if kpi.relative_to_kpi_id else None
                spec = spec_from_row(kpi, measure)
            refs.append(
                KpiRef(
                    id=kpi.id,
                    spec=spec,
                    fiscal_year=years[project.plan_id],
                    plan_id=project.plan_id,
                    project_id=project.id,
                    project_code=display_code(top.code),
                    project_name=top.name,
                    component_name=project.name if parent else None,
                    departments=departments,
                    challenge=top.challenge,
                    text=kpi.text,
                )
            )
    return refs


def vision_kpi_refs(session: Session) -> list[KpiRef]:
    """The numeric targets of the current vision (GRP, national share)."""
    vision = session.scalar(select(m.Vision).where(m.Vision.is_current.is_(True)).order_by(m.Vision.id.desc()))
    if vision is None:
        return []
    rows = session.scalars(select(m.Kpi).where(m.Kpi.vision_id == vision.id).order_by(m.Kpi.position)).all()
    return [
        KpiRef(
            id=row.id,
            spec=spec_from_row(row),
            fiscal_year=None,
            plan_id=None,
            project_id=None,
            project_code=None,
            project_name=None,
            component_name=None,
            departments=(),
            challenge=None,
            text=row.text,
            vision=True,
            approximate=row.approximate,
        )
        for row in rows
    ]


def _find_kpi_by_id(session: Session, fiscal_year: int, kpi_id: int) -> KpiRef:
    """A KPI by id: only its own plan is loaded (a write must not build every plan of the year)."""
    plan = session.scalar(
        select(m.Plan)
        .join(m.Project, m.Project.plan_id == m.Plan.id)
        .join(m.Kpi, m.Kpi.project_id == m.Project.id)
        .where(m.Kpi.id == kpi_id, m.Plan.fiscal_year == fiscal_year, m.Plan.is_current.is_(True))
    )
    if plan is not None:
        found = [r for r in plan_kpi_refs(session, [plan]) if r.id == kpi_id]
        if found:
            return found[0]
    vision = [r for r in vision_kpi_refs(session) if r.id == kpi_id]
    if vision:
        return vision[0]
    current_plans(session, fiscal_year)  # no plan for the year: say so, naming the years there are
    raise NotFoundError(f"{fiscal_year}年度の計画に KPI（ID {kpi_id}）はありません", code="kpi_not_found")


def find_kpi(session: Session, fiscal_year: int, query: str) -> KpiRef:
    """The KPI a user names by id or by (part of) its indicator, in the fiscal year's plans or the vision.

    A plan KPI takes values only for its plan's fiscal year; a vision target for any year.  Raises
    NotFoundError when the year has no plan (and the KPI is not a vision target) or nothing matches, and
    ValidationError, listing the candidates, when several KPIs match.
    """
    text = normalize_text(query).strip()
    if not text:
        raise ValidationError("KPI を ID または指標名で指定してください", code="kpi_missing")
    if text.isdigit():
        return _find_kpi_by_id(session, fiscal_year, int(text))
    vision_refs = vision_kpi_refs(session)
    missing_plan: NotFoundError | None = None
    try:
        refs = plan_kpi_refs(session, current_plans(session, fiscal_year))
    except NotFoundError as exc:
        refs, missing_plan = [], exc
    candidates = [r for r in refs + vision_refs if text in normalize_text(r.indicator) or text in (r.text or "")]
    exact = [r for r in candidates if normalize_text(r.indicator) == text]
    if len(exact) == 1:
        return exact[0]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        if missing_plan is not None:
            raise missing_plan
        raise NotFoundError(f"{fiscal_year}年度に「{text}」という KPI はありません", code="kpi_not_found")
    listed = "、".join(f"{r.id}: {r.label}" for r in candidates[:10])
    raise ValidationError(
        f"「{text}」に当てはまる KPI が複数あります。ID で指定してください（{listed}）", code="kpi_ambiguous"
    )
