"""Links between a partner agency's initiatives and the union's projects and action-plan themes.

Suggestions come from content similarity: each initiative, project and theme becomes a set of features —
the character pairs of its words (kanji, katakana and Latin runs) and the concepts of a small lexicon of
this field (スタートアップ ≈ startup ≈ 起業; 水素 ≈ 脱炭素 ≈ カーボンニュートラル ≈ グリーン; 万博 ≈ EXPO …),
because the partner and the union name the same topic differently (「Global Startup EXPO 2025」 ↔
「関西スタートアップ・エコシステムの推進」, 「水素利活用促進プロジェクト」 ↔ the カーボンニュートラル forum).
Features are weighted by rarity (idf; concepts count three times) and compared by cosine; each initiative
gets its best projects and themes above a threshold.

Curators confirm or remove suggestions.  A decision is kept with who and when, every decision appends an
event (and an entry in the audit trail), and recomputing suggestions never revives a removed link nor touches
a confirmed one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import SYSTEM, Actor, Permission, require
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import ConflictError, NotFoundError, ValidationError
from keikaku.services.core.free_text import has_control_characters
from keikaku.services.core.home_issuer import cached_home_issuer
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.storage import models as m
from keikaku.storage import web_models as w
from keikaku.storage.base import utcnow
from keikaku.storage.uow import unit_of_work

LEXICON_VERSION = "2"
THRESHOLD = 0.08
MAX_PROJECTS = 3
MAX_THEMES = 2
CONCEPT_WEIGHT = 3.0
MAX_NOTE = 1000

#: Concepts of the field, each with the words (folded to lower case) that signal it.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "startup": ("スタートアップ", "startup", "起業", "創業", "ベンチャー", "エコシステム"),
    "expo": ("万博", "expo", "レガシー"),
    "green": (
        "水素",
        "脱炭素",
        "カーボンニュートラル",
        "グリーン",
        "gx",
        "ghg",
        "蓄電池",
        "サーキュラー",
        "省エネ",
        "再生可能",
    ),
    "life": ("ライフサイエンス", "バイオ", "biojapan", "創薬", "医療", "ヘルスケア"),
    "mobility": ("空飛ぶクルマ", "evtol", "空モビリティ", "maas", "モビリティ"),
    "sme": ("中小企業", "中堅", "ものづくり", "中核企業"),
    "dx": ("dx", "デジタル"),
    "talent": ("人材", "雇用"),
    "global": ("海外", "国際", "グローバル", "global", "アジア", "輸出", "販路"),
    "semiconductor": ("半導体",),
}

_WORD_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u30a0-\u30ffa-z0-9]+")


def features(text: str) -> tuple[set[str], set[str]]:
    """(concept keys, character pairs) of a text; the pairs come from kanji, katakana and Latin runs only."""
    folded = normalize_text(text).casefold()
    concepts = {key for key, words in CONCEPTS.items() if any(word in folded for word in words)}
    grams: set[str] = set()
    for run in _WORD_RUN.findall(folded):
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return concepts, grams


def concepts_of(text: str) -> set[str]:
    """The lexicon's concepts a text touches (what a link's two sides are shown to share)."""
    return features(text)[0]


@dataclass(frozen=True)
class Candidate:
    """A project or theme that an initiative may be linked to, with its text."""

    kind: str
    id: int
    text: str


def _vector(concepts: set[str], grams: set[str], idf: dict[str, float]) -> dict[str, float]:
    vec = {f"c:{c}": CONCEPT_WEIGHT * idf[f"c:{c}"] for c in concepts}
    vec.update({g: idf[g] for g in grams})
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {k: v / norm for k, v in vec.items()}


def similarities(
    initiatives: Sequence[tuple[int, str]], candidates: Sequence[Candidate]
) -> dict[int, list[tuple[float, Candidate]]]:
    """For each initiative, the candidates by cosine similarity, best first (pure: no database)."""
    feats = [features(text) for _id, text in initiatives] + [features(c.text) for c in candidates]
    df: Counter[str] = Counter()
    for concepts, grams in feats:
        df.update({f"c:{c}" for c in concepts} | grams)
    n = len(feats)
    idf = {key: math.log(1 + n / count) for key, count in df.items()}
    vectors = [_vector(concepts, grams, idf) for concepts, grams in feats]
    out: dict[int, list[tuple[float, Candidate]]] = {}
    for i, (initiative_id, _text) in enumerate(initiatives):
        mine = vectors[i]
        scored = []
        for j, candidate in enumerate(candidates):
            theirs = vectors[len(initiatives) + j]
            score = sum(value * theirs.get(key, 0.0) for key, value in mine.items())
            scored.append((score, candidate))
        scored.sort(key=lambda item: (-item[0], item[1].kind, item[1].id))
        out[initiative_id] = scored
    return out


# -- reading what to compare ----------------------------------------------------------------------------------


def _initiatives(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(m.Initiative.id, m.Initiative.name, m.Initiative.parent_name)
        .join(m.PartnerProgramme, m.PartnerProgramme.id == m.Initiative.programme_id)
        .where(m.PartnerProgramme.is_current.is_(True))
        .order_by(m.Initiative.id)
    ).all()
    targets: dict[int, list[str]] = {}
    for kpi in session.execute(
        select(m.Kpi.initiative_id, m.Kpi.indicator).where(m.Kpi.initiative_id.in_([r.id for r in rows]))
    ):
        targets.setdefault(kpi.initiative_id, []).append(kpi.indicator)
    return [(r.id, "\n".join([r.name, r.parent_name or "", *targets.get(r.id, [])])) for r in rows]


def _home_plan_ids(session: Session) -> list[int]:
    issuer = cached_home_issuer(session)
    if issuer is None:
        return []
    year = session.scalar(
        select(m.Plan.fiscal_year)
        .where(m.Plan.issuer == issuer, m.Plan.is_current.is_(True))
        .order_by(m.Plan.fiscal_year.desc())
        .limit(1)
    )
    if year is None:
        return []
    return list(
        session.scalars(
            select(m.Plan.id).where(m.Plan.issuer == issuer, m.Plan.fiscal_year == year, m.Plan.is_current.is_(True))
        )
    )


def _candidates(session: Session, plan_ids: Sequence[int]) -> list[Candidate]:
    projects = session.execute(
        select(m.Project.id, m.Project.parent_id, m.Project.name, m.Project.title, m.Project.summary, m.Project.field)
        .where(m.Project.plan_id.in_(plan_ids), m.Project.kind != "administrative")
        .order_by(m.Project.plan_id, m.Project.position)
    ).all()
    top = {p.id for p in projects if p.parent_id is None}
    texts: dict[int, list[str]] = {pid: [] for pid in top}
    for p in projects:
        owner = p.id if p.parent_id is None else p.parent_id
        if owner in texts:
            texts[owner].extend(x for x in (p.name, p.title, p.summary, p.field) if x)
    ids = [p.id for p in projects]
    parent = {p.id: (p.parent_id or p.id) for p in projects}
    for kpi in session.execute(select(m.Kpi.project_id, m.Kpi.indicator, m.Kpi.text).where(m.Kpi.project_id.in_(ids))):
        texts[parent[kpi.project_id]].append(kpi.text or kpi.indicator)
    for event in session.execute(select(m.Event.project_id, m.Event.name).where(m.Event.project_id.in_(ids))):
        texts[parent[event.project_id]].append(event.name)
    out = [Candidate("project", pid, "\n".join(texts[pid])) for pid in sorted(top)]
    plan = select(m.ActionPlan.id).where(m.ActionPlan.is_current.is_(True)).scalar_subquery()
    themes = session.execute(
        select(m.Theme.id, m.Theme.name, m.Theme.desired_state).where(m.Theme.action_plan_id == plan)
    ).all()
    entries: dict[int, list[str]] = {}
    for e in session.execute(
        select(m.ThemeEntry.theme_id, m.ThemeEntry.theme_of_period, m.ThemeEntry.actions).where(
            m.ThemeEntry.theme_id.in_([t.id for t in themes])
        )
    ):
        entries.setdefault(e.theme_id, []).extend([e.theme_of_period or "", *(e.actions or [])])
    out.extend(
        Candidate("theme", t.id, "\n".join([t.name, t.desired_state or "", *entries.get(t.id, [])])) for t in themes
    )
    return out


def _signature(session: Session, plan_ids: Sequence[int]) -> str:
    programmes = session.scalars(
        select(m.PartnerProgramme.id).where(m.PartnerProgramme.is_current.is_(True)).order_by(m.PartnerProgramme.id)
    ).all()
    action_plan = session.scalar(select(m.ActionPlan.id).where(m.ActionPlan.is_current.is_(True)))
    return f"{LEXICON_VERSION}|{list(programmes)}|{sorted(plan_ids)}|{action_plan}"


def _event(link: w.PartnerLink, action: str, before: str | None, actor: Actor, note: str | None = None) -> None:
    link.events.append(
        w.PartnerLinkEvent(action=action, state_before=before, state_after=link.state, actor=actor.name, note=note)
    )


def refresh_suggestions_in_session(session: Session, *, actor: Actor = SYSTEM, force: bool = False) -> int:
    """Recompute suggested links in the caller's session when their inputs changed; returns links added.

    Confirmed and removed links are left as they are; a suggestion that no longer scores is kept (a curator
    may have looked at it) but its score is updated.
    """
    plan_ids = _home_plan_ids(session)
    signature = _signature(session, plan_ids)
    state = session.get(w.SearchIndexState, "links_signature")
    if state is not None and state.value == signature and not force:
        return 0
    initiatives = _initiatives(session)
    candidates = _candidates(session, plan_ids)
    texts = {(c.kind, c.id): c.text for c in candidates}
    initiative_texts = dict(initiatives)
    existing = {(link.initiative_id, link.target_key): link for link in session.scalars(select(w.PartnerLink))}
    added = 0
    for initiative_id, scored in similarities(initiatives, candidates).items():
        kept = {"project": 0, "theme": 0}
        limits = {"project": MAX_PROJECTS, "theme": MAX_THEMES}
        for score, candidate in scored:
            if score < THRESHOLD or kept[candidate.kind] >= limits[candidate.kind]:
                continue
            kept[candidate.kind] += 1
            key = f"{candidate.kind}:{candidate.id}"
            shared = sorted(
                concepts_of(initiative_texts[initiative_id]) & concepts_of(texts[(candidate.kind, candidate.id)])
            )
            link = existing.get((initiative_id, key))
            if link is None:
                link = w.PartnerLink(
                    initiative_id=initiative_id,
                    project_id=candidate.id if candidate.kind == "project" else None,
                    theme_id=candidate.id if candidate.kind == "theme" else None,
                    target_key=key,
                    score=round(score, 4),
                    shared_terms=shared,
                    state="suggested",
                )
                session.add(link)
                _event(link, "suggest", None, actor)
                added += 1
            elif link.state == "suggested":
                link.score = round(score, 4)
                link.shared_terms = shared
    if state is None:
        session.add(w.SearchIndexState(key="links_signature", value=signature))
    else:
        state.value = signature
        state.updated_at = utcnow()
    session.flush()
    return added


def refresh_suggestions(*, actor: Actor = SYSTEM, force: bool = False, engine: Engine | None = None) -> int:
    """Recompute suggested links (one transaction); see :func:`refresh_suggestions_in_session`."""
    eng = checked_engine(engine)
    try:
        with unit_of_work(eng) as session:
            return refresh_suggestions_in_session(session, actor=actor, force=force)
    except IntegrityError:
        return 0  # another process computed the same suggestions meanwhile


_DECISIONS = {"confirm": "confirmed", "remove": "removed", "restore": "suggested"}


@dataclass(frozen=True)
class LinkDecision:
    """The outcome of a curator's decision."""

    link_id: int
    initiative_id: int
    state: str
    changed: bool
    decided_by: str
    decided_at: dt.datetime | None


def decide_link(
    link_id: int, action: str, *, actor: Actor, note: str | None = None, engine: Engine | None = None
) -> LinkDecision:
    """Confirm, remove or restore (back to suggested) a link, as ``actor``; the decision is recorded.

    Deciding what a link already is changes nothing and records nothing.
    """
    if action not in _DECISIONS:
        raise ValidationError(f"操作 {action!r} は不明です（confirm / remove / restore）", code="invalid_action")
    require(actor, Permission.CURATE_LINKS)
    cleaned = (note or "").strip() or None  # free text: stored as typed
    if cleaned and has_control_characters(cleaned):
        raise ValidationError("メモに使用できない制御文字が含まれています", code="invalid_note")
    if cleaned and len(cleaned) > MAX_NOTE:
        raise ValidationError(f"メモは{MAX_NOTE}文字までです", code="note_too_long")
    eng = checked_engine(engine)
    try:
        with unit_of_work(eng) as session:
            link = session.get(w.PartnerLink, link_id)
            if link is None:
                raise NotFoundError(f"リンク（ID {link_id}）はありません", code="link_not_found")
            target = _DECISIONS[action]
            before = link.state
            if before == target:
                return LinkDecision(
                    link.id, link.initiative_id, link.state, False, link.decided_by or "", link.decided_at
                )
            link.state = target
            link.decided_by = actor.name
            link.decided_at = utcnow()
            _event(link, action, before, actor, cleaned)
            audit.record(
                session,
                actor,
                AuditAction(f"partner_link.{action}"),
                "partner_link",
                link.id,
                {"state": before},
                {"state": target, "initiative_id": link.initiative_id, "target": link.target_key},
                cleaned,
            )
            session.flush()
            return LinkDecision(link.id, link.initiative_id, link.state, True, actor.name, link.decided_at)
    except IntegrityError as exc:  # pragma: no cover - a concurrent delete of the initiative
        raise ConflictError("リンクが同時に変更されました。もう一度操作してください") from exc
