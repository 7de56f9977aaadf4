"""Seeds and needs, suggestions between them, the coordinators' decisions, and interviews (面談).

Suggestions rank the seeds for a need by BM25 over terms of the folded text, plus a bonus for the same
technical field and the same or next phase; each suggestion lists the shared terms that explain it.
Terms are the ASCII words (model numbers, abbreviations such as SEM) and the content words of the Japanese
text as Sudachi cuts them (nouns, verbs and adjectives in their normalised form, so 割れた and 割れる meet;
particles and auxiliaries say nothing of a technology and are left out).  Each text's term counts are
kept per process and redone only when the text changes, so a need is scored against thousands of seeds
without cutting them again.  A rejected pair is kept and never suggested again.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from keikaku.normalize.text import normalize_text
from keikaku.services.core.actors import Actor
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.free_text import clean_text, required_text
from keikaku.services.governance import audit
from keikaku.services.governance.audit_actions import AuditAction
from keikaku.services.platform.common import choice, load, parse_day, require_cases
from keikaku.storage import platform as store
from keikaku.storage.uow import read_session, unit_of_work

_ASCII = re.compile(r"[A-Z0-9]+")
_HAS_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff々]")
#: Parts of speech whose words are terms (Sudachi's first level); 非自立可能 verbs (する, なる) are not.
_CONTENT = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
K1, B = 1.2, 0.75
FIELD_BONUS, PHASE_BONUS = 1.5, 0.5


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def terms(text: str) -> list[str]:
    """The terms of a text: folded ASCII words, and the content words of its Japanese (normalised form)."""
    folded = normalize_text(text or "").upper()
    found = [w for w in _ASCII.findall(folded) if len(w) >= 2]
    for morpheme in _tokenizer().tokenize(folded):
        pos = morpheme.part_of_speech()
        if pos[0] not in _CONTENT or pos[1] in ("非自立可能", "数詞"):
            continue
        word = morpheme.normalized_form()
        if _HAS_JAPANESE.search(word):
            found.append(word)
    return found


#: Per process: a text's term counts, by the text (most recent first out when full).
_COUNTS: dict[str, Counter[str]] = {}
_COUNTS_LIMIT = 50_000


def _counts(text: str) -> Counter[str]:
    counts = _COUNTS.get(text)
    if counts is None:
        if len(_COUNTS) >= _COUNTS_LIMIT:
            _COUNTS.clear()
        counts = _COUNTS[text] = Counter(terms(text))
    return counts


@dataclass(frozen=True)
class Suggestion:
    """A ranked seed for a need (or need for a seed), its score and the shared terms that explain it."""

    id: int
    title: str
    score: float
    shared: tuple[str, ...]
    same_field: bool


def rank(query: str, documents: Sequence[tuple[int, str]]) -> list[tuple[int, float, tuple[str, ...]]]:
    """BM25 scores of ``documents`` ((id, text)) for ``query``: (id, score, shared terms), best first."""
    docs = [(i, _counts(t)) for i, t in documents]
    if not docs:
        return []
    avg = sum(sum(c.values()) for _i, c in docs) / len(docs) or 1.0
    df: Counter[str] = Counter()
    for _i, c in docs:
        df.update(c.keys())
    wanted = set(terms(query))
    scored = []
    for i, c in docs:
        length = sum(c.values())
        score = 0.0
        shared = []
        for term in wanted & c.keys():
            idf = math.log(1 + (len(docs) - df[term] + 0.5) / (df[term] + 0.5))
            tf = c[term]
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
            shared.append((idf, term))
        shared.sort(reverse=True)
        scored.append((i, score, tuple(t for _w, t in shared[:6])))
    return sorted(scored, key=lambda x: (-x[1], x[0]))


def _phase_near(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and abs(store.PHASES.index(a) - store.PHASES.index(b)) <= 1


def _scored(
    query: str,
    field: str | None,
    phase: str | None,
    candidates: Sequence[tuple[int, str, str, str | None, str | None]],
    limit: int,
) -> list[Suggestion]:
    """``candidates`` ((id, title, text, field, phase)) ranked for a query of ``field`` and ``phase``: BM25 plus
    the field and phase bonuses; only those sharing a term, best first."""
    by_id = {c[0]: c for c in candidates}
    found = []
    for item_id, score, shared in rank(query, [(c[0], c[2]) for c in candidates]):
        _i, title, _text, item_field, item_phase = by_id[item_id]
        same_field = bool(field and item_field and field == item_field)
        bonus = (FIELD_BONUS if same_field else 0.0) + (PHASE_BONUS if _phase_near(phase, item_phase) else 0.0)
        if score > 0:
            found.append(Suggestion(item_id, title, round(score + bonus, 3), shared, same_field))
    found.sort(key=lambda s: (-s.score, s.id))
    return found[:limit]


def _rejected(session: Session, *, need_id: int | None = None, seed_id: int | None = None) -> set[int]:
    d = store.MatchDecision
    if need_id is not None:
        return set(session.scalars(select(d.seed_id).where(d.need_id == need_id, d.decision == "rejected")))
    return set(session.scalars(select(d.need_id).where(d.seed_id == seed_id, d.decision == "rejected")))


def suggest_seeds(need_id: int, *, actor: Actor, limit: int = 5, engine: Engine | None = None) -> list[Suggestion]:
    """Seeds ranked for a need (rejected pairs left out); only those who see cases may ask."""
    return _suggest(store.Need, need_id, store.Seed, actor=actor, limit=limit, engine=engine)


def suggest_needs(seed_id: int, *, actor: Actor, limit: int = 5, engine: Engine | None = None) -> list[Suggestion]:
    """Needs ranked for a seed (the reverse of :func:`suggest_seeds`; rejected pairs left out)."""
    return _suggest(store.Seed, seed_id, store.Need, actor=actor, limit=limit, engine=engine)


_Asking = TypeVar("_Asking", store.Need, store.Seed)
_Offered = TypeVar("_Offered", store.Need, store.Seed)


def _suggest(
    asking: type[_Asking],
    asking_id: int,
    offered: type[_Offered],
    *,
    actor: Actor,
    limit: int,
    engine: Engine | None,
) -> list[Suggestion]:
    """The ``offered`` items (seeds or needs) ranked for one ``asking`` item, its rejected pairs left out."""
    require_cases(actor)
    with read_session(checked_engine(engine)) as session:
        item = session.get(asking, asking_id)
        if item is None:
            label, code = ("ニーズ", "need_not_found") if asking is store.Need else ("シーズ", "seed_not_found")
            raise NotFoundError(f"{label} {asking_id} はありません", code=code)
        if asking is store.Need:
            rejected = _rejected(session, need_id=asking_id)
        else:
            rejected = _rejected(session, seed_id=asking_id)
        columns = (offered.id, offered.title, offered.description, offered.field, offered.phase)
        candidates = [  # columns, not objects: thousands of seeds are read for every need
            (i, title, f"{title} {description}", field, phase)
            for i, title, description, field, phase in session.execute(select(*columns).order_by(offered.id))
            if i not in rejected
        ]
        return _scored(f"{item.title} {item.description}", item.field, item.phase, candidates, limit)


@dataclass(frozen=True)
class SeedForm:
    """A seed as entered."""

    institution_id: int
    kind: str
    title: str
    description: str = ""
    field: str = ""
    phase: str = ""


def add_seed(form: SeedForm, *, actor: Actor, engine: Engine | None = None) -> int:
    """Add an institution's seed; returns its id."""
    require_cases(actor, manage=True)
    kind = choice(form.kind, store.SEED_KINDS, "シーズの種類", "kind")
    title = required_text(form.title, "シーズ名", limit=400, field="title")
    phase = choice(form.phase, store.PHASES, "フェーズ", "phase") if form.phase else None
    with unit_of_work(checked_engine(engine)) as session:
        if session.get(store.Institution, form.institution_id) is None:
            raise ValidationError("機関が登録されていません", details={"fields": {"institution_id": "機関"}})
        row = store.Seed(
            institution_id=form.institution_id,
            kind=kind,
            title=title,
            description=clean_text(form.description, "説明", limit=4000) or "",
            field=clean_text(form.field, "技術分野", limit=100),
            phase=phase,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, AuditAction.PLATFORM_SEED_ADD, "platform_seed", row.id, None, {"title": title})
        return row.id


def add_need(
    title: str,
    description: str,
    *,
    field: str = "",
    phase: str = "",
    case_id: int | None = None,
    actor: Actor,
    engine: Engine | None = None,
) -> int:
    """Add a need, in a case or alone; returns its id."""
    require_cases(actor, manage=True)
    clean = required_text(title, "ニーズ", limit=400, field="title")
    with unit_of_work(checked_engine(engine)) as session:
        case = session.get(store.Consultation, case_id) if case_id is not None else None
        if case_id is not None and case is None:
            raise NotFoundError(f"相談案件 {case_id} はありません", code="case_not_found")
        row = store.Need(
            case_id=case_id,
            organisation_id=case.organisation_id if case else None,
            title=clean,
            description=clean_text(description, "説明", limit=4000) or "",
            field=clean_text(field, "技術分野", limit=100),
            phase=choice(phase, store.PHASES, "フェーズ", "phase") if phase else None,
            created_by=actor.recorded_name,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, AuditAction.PLATFORM_NEED_ADD, "platform_need", row.id, None, {"case": case_id})
        return row.id


def decide(need_id: int, seed_id: int, decision: str, *, actor: Actor, engine: Engine | None = None) -> None:
    """Accept or reject a suggested pair (a later decision replaces an earlier one, audited)."""
    require_cases(actor, manage=True)
    chosen = choice(decision, store.DECISIONS, "判断", "decision")
    with unit_of_work(checked_engine(engine)) as session:
        _pair(session, need_id, seed_id)
        row = session.scalar(
            select(store.MatchDecision).where(
                store.MatchDecision.need_id == need_id, store.MatchDecision.seed_id == seed_id
            )
        )
        before = row.decision if row else None
        if row is None:
            row = store.MatchDecision(need_id=need_id, seed_id=seed_id)
            session.add(row)
        row.decision, row.decided_by, row.decided_on = chosen, actor.recorded_name, dt.date.today()
        session.flush()
        audit.record(
            session, actor, AuditAction.PLATFORM_MATCH_DECIDE, "platform_match", f"{need_id}:{seed_id}", before, chosen
        )


def _pair(session: Session, need_id: int | None, seed_id: int | None) -> None:
    if need_id is None or seed_id is None:
        raise ValidationError(
            "面談にはニーズとシーズの両方が必要です", details={"fields": {"need_id": "必須", "seed_id": "必須"}}
        )
    if session.get(store.Need, need_id) is None:
        raise ValidationError(f"ニーズ {need_id} はありません", details={"fields": {"need_id": "ニーズ"}})
    if session.get(store.Seed, seed_id) is None:
        raise ValidationError(f"シーズ {seed_id} はありません", details={"fields": {"seed_id": "シーズ"}})


def schedule_interview(
    need_id: int | None,
    seed_id: int | None,
    on: str,
    *,
    firm_participants: str = "",
    institution_participants: str = "",
    actor: Actor,
    engine: Engine | None = None,
) -> int:
    """Schedule a 面談 linking a need and a seed (both required); returns its id."""
    require_cases(actor, manage=True)
    day = parse_day(on, "面談日", "on")
    with unit_of_work(checked_engine(engine)) as session:
        _pair(session, need_id, seed_id)
        row = store.Interview(
            need_id=need_id,
            seed_id=seed_id,
            on=day,
            status="予定",
            firm_participants=clean_text(firm_participants, "企業側の参加者", limit=400) or "",
            institution_participants=clean_text(institution_participants, "機関側の参加者", limit=400) or "",
            created_by=actor.recorded_name,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.PLATFORM_INTERVIEW_SCHEDULE,
            "platform_interview",
            row.id,
            None,
            {"on": day.isoformat()},
        )
        return row.id


def set_interview_status(
    interview_id: int, status: str, *, outcome: str = "", actor: Actor, engine: Engine | None = None
) -> None:
    """Mark an interview held, cancelled or no-show (with its outcome)."""
    require_cases(actor, manage=True)
    chosen = choice(status, store.INTERVIEW_STATUSES, "面談の状態", "status")
    with unit_of_work(checked_engine(engine)) as session:
        row = load(session, store.Interview, interview_id)
        before = row.status
        row.status = chosen
        row.outcome = clean_text(outcome, "面談の結果", limit=4000) or row.outcome
        need = session.get(store.Need, row.need_id)
        if chosen == store.HELD and need is not None and need.case_id is not None:
            session.add(
                store.CaseActivity(
                    case_id=need.case_id,
                    kind="面談",
                    on=row.on,
                    body=row.outcome or "面談を実施",
                    author=actor.recorded_name,
                )
            )
        session.flush()
        audit.record(
            session, actor, AuditAction.PLATFORM_INTERVIEW_STATUS, "platform_interview", interview_id, before, chosen
        )
