"""The platform's member institutions as the staff pages show them: the list (with each one's fee rule and
the counts of its equipment entries and seeds), one institution with its entries (paged, withdrawn ones
marked) and seeds, and the form that adds one.

Those who see cases read (coordinators, ものづくり支援課's editors, administrators); adding an institution is
for those who manage かんさいラボサーチ (``MANAGE_LABSEARCH``).  The fee rule is entered as three multipliers
of the base fee (own prefecture, the union's area, others), each a number from 0 to :data:`MAX_FACTOR`;
a blank one is the base fee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import ensure_schema
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_name, clean_text
from keikaku.services.core.paging import page_count
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.platform.common import OWNERS, choice, require_cases
from keikaku.storage import platform as store
from keikaku.storage.uow import read_session, unit_of_work

#: The user categories of a fee rule, with the label a form error names.
CATEGORIES = {"own": "府県内の企業", "union": "関西広域連合の区域の企業", "other": "その他の企業"}
#: The largest multiplier of the base fee accepted (10 times).
MAX_FACTOR = 10.0


def can_manage_labsearch(actor: Actor) -> bool:
    """Whether ``actor`` may add institutions and import their equipment lists."""
    return actor.can(Permission.MANAGE_LABSEARCH, departments=OWNERS)


@dataclass(frozen=True)
class InstitutionLine:
    """An institution with its fee rule (category → multiplier) and counts."""

    id: int
    name: str
    prefecture: str
    kind: str
    contact: str | None
    fee_rule: dict[str, float]
    equipment_active: int
    equipment_withdrawn: int
    seeds: int


@dataclass(frozen=True)
class EquipmentLine:
    """An equipment entry as the institution's page lists it."""

    id: int
    name: str
    category: str
    maker: str | None
    model: str | None
    mode: str
    fee: float | None
    fee_unit: str | None
    updated_on: dt.date
    withdrawn: bool


@dataclass(frozen=True)
class SeedLine:
    """A seed as the institution's page lists it."""

    id: int
    kind: str
    title: str
    field: str | None
    phase: str | None


@dataclass(frozen=True)
class InstitutionPage:
    """One institution: its line, a page of its equipment entries (active first) and its seeds."""

    institution: InstitutionLine
    equipment: tuple[EquipmentLine, ...]
    page: int
    pages: int
    seeds: tuple[SeedLine, ...]


def _rule(raw: dict[str, Any] | None) -> dict[str, float]:
    return {c: float((raw or {}).get(c, 1.0)) for c in CATEGORIES}


def _lines(session: Session, institution_id: int | None = None) -> list[InstitutionLine]:
    equipment: dict[tuple[int, bool], int] = {
        (i, bool(w)): n
        for i, w, n in session.execute(
            select(store.Equipment.institution_id, store.Equipment.withdrawn, func.count()).group_by(
                store.Equipment.institution_id, store.Equipment.withdrawn
            )
        )
    }
    seeds = dict(
        session.execute(select(store.Seed.institution_id, func.count()).group_by(store.Seed.institution_id)).all()
    )
    stmt = select(store.Institution).order_by(store.Institution.name)
    if institution_id is not None:
        stmt = stmt.where(store.Institution.id == institution_id)
    return [
        InstitutionLine(
            row.id,
            row.name,
            row.prefecture,
            row.kind,
            row.contact,
            _rule(row.fee_rule),
            equipment.get((row.id, False), 0),
            equipment.get((row.id, True), 0),
            seeds.get(row.id, 0),
        )
        for row in session.scalars(stmt)
    ]


def list_institutions(*, actor: Actor, engine: Engine | None = None) -> list[InstitutionLine]:
    """The member institutions by name, with their fee rules and counts (those who see cases)."""
    require_cases(actor)
    with read_session(ensure_schema(engine)) as session:
        return _lines(session)


def get_institution(
    institution_id: int, *, actor: Actor, page: int = 1, per_page: int = 50, engine: Engine | None = None
) -> InstitutionPage:
    """An institution with a page of its equipment entries (active ones first, by name) and its seeds."""
    require_cases(actor)
    with read_session(ensure_schema(engine)) as session:
        found = _lines(session, institution_id)
        if not found:
            raise NotFoundError(f"機関 {institution_id} はありません", code="institution_not_found")
        line = found[0]
        total = line.equipment_active + line.equipment_withdrawn
        pages = page_count(total, per_page)
        page = min(max(page, 1), pages)
        rows = session.scalars(
            select(store.Equipment)
            .where(store.Equipment.institution_id == institution_id)
            .order_by(store.Equipment.withdrawn, store.Equipment.name, store.Equipment.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        equipment = tuple(
            EquipmentLine(
                r.id, r.name, r.category, r.maker, r.model, r.mode, r.fee, r.fee_unit, r.updated_on, bool(r.withdrawn)
            )
            for r in rows
        )
        seeds = tuple(
            SeedLine(s.id, s.kind, s.title, s.field, s.phase)
            for s in session.scalars(
                select(store.Seed).where(store.Seed.institution_id == institution_id).order_by(store.Seed.id)
            )
        )
        return InstitutionPage(line, equipment, page, pages, seeds)


def parse_factor(raw: str | float | None, category: str) -> float:
    """A fee multiplier as typed (blank: 1, the base fee), or :class:`ValidationError` naming the category."""
    label = f"料金の倍率（{CATEGORIES[category]}）"
    text = normalize_text(str(raw if raw is not None else "")).strip()
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= MAX_FACTOR:  # also false for nan and inf
        raise ValidationError(
            f"{label}「{text}」は 0 から {MAX_FACTOR:g} までの数で入力してください（例: 0.8 で基本料金の8割）",
            details={"fields": {f"fee_{category}": label}},
        )
    return value


@dataclass(frozen=True)
class InstitutionForm:
    """A member institution as entered; ``fee_rule``: user category → multiplier of the base fee."""

    name: str
    prefecture: str
    kind: str
    contact: str = ""
    fee_rule: dict[str, float] = field(default_factory=dict)


def add_institution(form: InstitutionForm, *, actor: Actor, engine: Engine | None = None) -> int:
    """Add a member institution (those who manage かんさいラボサーチ); returns its id."""
    require(actor, Permission.MANAGE_LABSEARCH, departments=OWNERS)
    name = clean_name(form.name, "機関名", limit=400, field="name")
    if not name:
        raise ValidationError("機関名を入力してください", details={"fields": {"name": "機関名"}})
    prefecture = clean_name(form.prefecture, "府県", limit=20, field="prefecture")
    if not prefecture:
        raise ValidationError("府県を入力してください", details={"fields": {"prefecture": "府県"}})
    kind = choice(form.kind, store.INSTITUTION_KINDS, "機関の種別", "kind")
    unknown = sorted(set(form.fee_rule) - set(CATEGORIES))
    if unknown:
        raise ValidationError(f"料金の区分「{'、'.join(unknown)}」は不明です（own・union・other）")
    rule = {category: parse_factor(factor, category) for category, factor in form.fee_rule.items()}
    with unit_of_work(ensure_schema(engine)) as session:
        if session.scalar(select(store.Institution.id).where(store.Institution.name == name)):
            raise ValidationError(
                f"機関「{name}」は登録済みです（別の名前にしてください）", details={"fields": {"name": "機関名"}}
            )
        row = store.Institution(
            name=name,
            prefecture=prefecture,
            kind=kind,
            contact=clean_text(form.contact, "連絡先", limit=400),
            fee_rule=rule,
        )
        session.add(row)
        session.flush()
        audit.record(
            session, actor, AuditAction.PLATFORM_INSTITUTION_ADD, "platform_institution", row.id, None, {"name": name}
        )
        return row.id


def create_institution(
    name: str,
    prefecture: str,
    kind: str,
    contact: str = "",
    factors: dict[str, str | float | None] | None = None,
    *,
    actor: Actor,
    engine: Engine | None = None,
) -> int:
    """Add a member institution from what a form or the API sent (``factors``: category → multiplier, as typed)."""
    given = factors or {}
    rule = {c: parse_factor(given.get(c), c) for c in CATEGORIES}
    return add_institution(InstitutionForm(name, prefecture, kind, contact, rule), actor=actor, engine=engine)
