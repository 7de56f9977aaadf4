"""The search index's entries: what is indexed of the context and of each plan, and the tokens they carry.

An entry is a title, a body and a context line, with facets (kind, fiscal year, challenge).  Text is folded
with :func:`keikaku.normalize.text.fold_for_search` (width, kana, case, long-vowel marks…), cut into runs of
letters and digits, and each run into overlapping character pairs plus its last character (``水素エネルギー``
→ ``水素 素え えね ねる るぎ ぎ``); :mod:`keikaku.services.search.query` cuts a query the same way.  A
project's entry carries its KPIs, events, departments and components' names, so a search for a KPI finds
its project.  Keeping the entries current is :mod:`keikaku.services.search.index`'s work.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from keikaku.normalize.eras import format_fiscal_year
from keikaku.normalize.text import fold_for_search
from keikaku.storage import derived
from keikaku.storage import models as m

MAX_BODY = 4000

#: A run of letters and digits: Unicode categories L* and N*, and private-use characters (Co).
_WORD_RUN = re.compile(r"(?:[^\W_]|[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd])+")


def word_runs(text: str) -> list[str]:
    """The runs of letters and digits of a folded text (everything else separates runs)."""
    return _WORD_RUN.findall(text)


def pairs(run: str) -> list[str]:
    """The overlapping character pairs of a run (a single character stays as it is)."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def terms_of(text: str) -> str:
    """The index tokens of a text: for each folded run its pairs and its last character, space-separated."""
    return _terms_of_folded(fold_for_search(text[:MAX_BODY]))


def _terms_of_folded(folded: str) -> str:
    tokens: list[str] = []
    for run in word_runs(folded):
        tokens.extend(pairs(run))
        if len(run) > 1:
            tokens.append(run[-1])
    return " ".join(tokens)


@dataclass
class IndexDoc:
    """One thing to index, before it becomes a row."""

    kind: str
    ref_id: int
    title: str
    body: str
    context: str | None = None
    plan_id: int | None = None
    fiscal_year: int | None = None
    issuer: str | None = None
    challenge: int | None = None


def entry_row(doc: IndexDoc, entry_id: int) -> dict[str, Any]:
    title = (doc.title or "").strip()[:400] or "—"
    body = doc.body.strip()[:MAX_BODY]
    folded_title = fold_for_search(title)
    folded_body = fold_for_search(body)
    facets = [f"k{doc.kind}"]
    if doc.fiscal_year is not None:
        facets.append(f"fy{doc.fiscal_year}")
    if doc.challenge is not None:
        facets.append(f"ch{doc.challenge}")
    return {
        "id": entry_id,
        "kind": doc.kind,
        "ref_id": doc.ref_id,
        "plan_id": doc.plan_id,
        "fiscal_year": doc.fiscal_year,
        "issuer": doc.issuer,
        "challenge": doc.challenge,
        "title": title,
        "context": (doc.context or None) and doc.context[:400],
        "body": body,
        "folded_title": folded_title,
        "folded": folded_title + "\n" + folded_body,
        "title_terms": _terms_of_folded(folded_title),
        "body_terms": _terms_of_folded(folded_body),
        "facets": " ".join(facets),
    }


def _join(*parts: object) -> str:
    return "\n".join(str(p) for p in parts if p not in (None, ""))


# -- the context: vision, challenges, themes, initiatives, documents ----------------------------------------


def context_docs(conn: Connection) -> list[IndexDoc]:
    docs: list[IndexDoc] = []
    vision = conn.execute(select(m.Vision.__table__).where(m.Vision.is_current.is_(True))).first()
    if vision is not None:
        docs.append(
            IndexDoc(
                "vision",
                vision.id,
                vision.title or "ビジョン",
                _join(*(vision.future_images or []), *(vision.values or []), *(vision.economic_area or [])),
            )
        )
        k = m.Kpi.__table__
        for kpi in conn.execute(select(k).where(k.c.vision_id == vision.id).order_by(k.c.position)):
            docs.append(IndexDoc("target", kpi.id, kpi.indicator, _join(kpi.text), context=vision.title))
        c, a = m.Challenge.__table__, m.Aim.__table__
        aims: dict[int, list[str]] = defaultdict(list)
        for aim in conn.execute(select(a).join(c, c.c.id == a.c.challenge_id).where(c.c.vision_id == vision.id)):
            aims[aim.challenge_id].append(f"{aim.key}: {aim.text}")
        for ch in conn.execute(select(c).where(c.c.vision_id == vision.id).order_by(c.c.number)):
            docs.append(
                IndexDoc(
                    "challenge",
                    ch.id,
                    f"関西チャレンジ{ch.number}「{ch.name}」",
                    _join(ch.aspiration, ch.goal, *aims[ch.id]),
                    context=vision.title,
                    challenge=ch.number,
                )
            )
    t, te, ap = m.Theme.__table__, m.ThemeEntry.__table__, m.ActionPlan.__table__
    current_plan = select(ap.c.id).where(ap.c.is_current.is_(True)).scalar_subquery()
    entries: dict[int, list[str]] = defaultdict(list)
    for entry in conn.execute(select(te).join(t, t.c.id == te.c.theme_id).where(t.c.action_plan_id == current_plan)):
        entries[entry.theme_id].append(_join(entry.theme_of_period, *(entry.actions or [])))
    for theme in conn.execute(select(t).where(t.c.action_plan_id == current_plan).order_by(t.c.position)):
        docs.append(IndexDoc("theme", theme.id, theme.name, _join(theme.desired_state, *entries[theme.id])))
    i, pp, k = m.Initiative.__table__, m.PartnerProgramme.__table__, m.Kpi.__table__
    targets: dict[int, list[str]] = defaultdict(list)
    for kpi in conn.execute(
        select(k.c.initiative_id, k.c.indicator, k.c.text)
        .join(i, i.c.id == k.c.initiative_id)
        .join(pp, pp.c.id == i.c.programme_id)
        .where(pp.c.is_current.is_(True))
    ):
        targets[kpi.initiative_id].append(_join(kpi.indicator, kpi.text))
    for ini in conn.execute(
        select(i, pp.c.title.label("programme_title"), pp.c.issuer.label("programme_issuer"), pp.c.fiscal_year)
        .join(pp, pp.c.id == i.c.programme_id)
        .where(pp.c.is_current.is_(True))
        .order_by(pp.c.id, i.c.position)
    ):
        docs.append(
            IndexDoc(
                "initiative",
                ini.id,
                ini.name,
                _join(ini.parent_name, ini.priority_area, ini.department, ini.programme_issuer, *targets[ini.id]),
                context=ini.programme_title or ini.programme_issuer,
                fiscal_year=ini.fiscal_year,
            )
        )
    d = m.Document.__table__
    for doc in conn.execute(select(d.c.id, d.c.key, d.c.title, d.c.issuer, d.c.fiscal_year).order_by(d.c.id)):
        docs.append(IndexDoc("document", doc.id, doc.title or doc.key, _join(doc.issuer, doc.key), doc.issuer))
    return docs


def context_signature(conn: Connection) -> str:
    parts = []
    for table in (m.Vision, m.ActionPlan, m.PartnerProgramme):
        ids = conn.scalars(select(table.id).where(table.is_current.is_(True)).order_by(table.id)).all()
        parts.append(",".join(str(x) for x in ids))
    docs = conn.execute(select(func.count(), func.max(m.Document.id))).one()
    parts.append(f"{docs[0]}:{docs[1]}")
    parts.append(derived.token(conn, derived.CONTEXT) or "")
    return "|".join(parts)


# -- plans --------------------------------------------------------------------------------------------------


def plan_docs(conn: Connection, plan_ids: Sequence[int]) -> dict[int, list[IndexDoc]]:
    """Entries of each plan: the plan itself, then its projects with their components right after them."""
    pl, p, k, e = m.Plan.__table__, m.Project.__table__, m.Kpi.__table__, m.Event.__table__
    pd, dep = m.ProjectDepartment.__table__, m.Department.__table__
    plans = {r.id: r for r in conn.execute(select(pl).where(pl.c.id.in_(plan_ids)))}
    projects = conn.execute(
        select(p.c.id, p.c.plan_id, p.c.parent_id, p.c.position, p.c.code, p.c.name, p.c.title, p.c.summary)
        .add_columns(p.c.field, p.c.challenge)
        .where(p.c.plan_id.in_(plan_ids))
        .order_by(p.c.plan_id, p.c.position, p.c.id)
    ).all()
    texts: dict[int, list[str]] = defaultdict(list)
    for r in conn.execute(
        select(k.c.project_id, k.c.indicator, k.c.text)
        .join(p, p.c.id == k.c.project_id)
        .where(p.c.plan_id.in_(plan_ids), k.c.role == "target")
        .order_by(k.c.project_id, k.c.position)
    ):
        texts[r.project_id].append(r.text or r.indicator)
    for ev in conn.execute(
        select(e.c.project_id, e.c.name, e.c.venue, e.c.theme)
        .join(p, p.c.id == e.c.project_id)
        .where(p.c.plan_id.in_(plan_ids))
    ):
        texts[ev.project_id].append(_join(ev.name, ev.theme, ev.venue))
    departments: dict[int, list[str]] = defaultdict(list)
    for link in conn.execute(
        select(pd.c.project_id, dep.c.name)
        .join(dep, dep.c.id == pd.c.department_id)
        .join(p, p.c.id == pd.c.project_id)
        .where(p.c.plan_id.in_(plan_ids))
        .order_by(pd.c.project_id, pd.c.position)
    ):
        departments[link.project_id].append(link.name)
    children: dict[int, list[Any]] = defaultdict(list)
    top_level: dict[int, list[Any]] = defaultdict(list)
    for r in projects:
        if r.parent_id is not None:
            children[r.parent_id].append(r)
        else:
            top_level[r.plan_id].append(r)
    out: dict[int, list[IndexDoc]] = {}
    for plan_id in plan_ids:
        plan = plans[plan_id]
        year_label = f"{format_fiscal_year(plan.fiscal_year)}（{plan.fiscal_year}年度）"
        docs = [
            IndexDoc(
                "plan",
                plan.id,
                plan.title or f"{year_label} 事業計画",
                _join(plan.issuer, year_label),
                context=plan.issuer,
                plan_id=plan.id,
                fiscal_year=plan.fiscal_year,
                issuer=plan.issuer,
            )
        ]
        out[plan_id] = docs
        context = f"{plan.fiscal_year}年度 {plan.issuer}"
        for r in top_level[plan_id]:
            kids = children.get(r.id, [])
            docs.append(
                IndexDoc(
                    "project",
                    r.id,
                    r.name,
                    _join(
                        r.title,
                        r.summary,
                        r.field,
                        *departments[r.id],
                        *(c.name for c in kids),
                        *texts[r.id],
                    ),
                    context=context,
                    plan_id=plan_id,
                    fiscal_year=plan.fiscal_year,
                    issuer=plan.issuer,
                    challenge=r.challenge,
                )
            )
            for c in kids:
                docs.append(
                    IndexDoc(
                        "component",
                        c.id,
                        c.name,
                        _join(c.summary, *departments[c.id], *texts[c.id]),
                        context=f"{context} {r.name}",
                        plan_id=plan_id,
                        fiscal_year=plan.fiscal_year,
                        issuer=plan.issuer,
                        challenge=r.challenge,
                    )
                )
    return out
