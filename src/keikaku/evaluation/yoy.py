"""Year over year: which projects continued, were added or dropped, and how budgets and targets changed.

Projects are matched by meaning and start year, not by exact name, because names are reworded from
year to year (「関西スタートアップのポテンシャルの発信強化」 became 「関西スタートアップ・エコシステムの推進」)
and a project of one year may be a component of another (FY2023's 広報活動の実施 is a component of
FY2026's ⑦).  The rules:

* Every project and component of both years is a candidate.  Their names (and titles) are compared as
  sets of character pairs (Dice coefficient) after brackets, new-in-year marks and words every project
  name shares (事業, 実施, 推進…) are removed, and after a few synonyms of this field are folded
  (カーボンニュートラル ≈ グリーン…).  Each shared topic of this field (フォーラム, セミナー, 人材…; at most
  two) adds 0.1, and so does the same field (分野).
* Two items whose start fiscal years are both known and differ are never the same project; the same
  known start year adds to the similarity.
* Pairs are taken best first, each item at most once, down to ``threshold`` (default 0.45).
* A project whose components continued is not "added" or "dropped" itself; components are reported
  with their project.
* KPIs of matched items are matched the same way; a changed target, unit or comparator is a revision.

The caller normalises names first (width folding etc., with ``keikaku.normalize``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

DEFAULT_THRESHOLD = 0.45
KPI_THRESHOLD = 0.5

_NOISE = re.compile(r"[\s「」『』（）()【】［］\[\]・、。,.:：“”\"'～〜\-―—/／]|R\d+新規|令和\d+年度新規|新規")
_GENERIC = ("事業", "の実施", "の推進", "推進", "実施", "について", "による", "に向けた", "における", "等", "の")
_SYNONYMS = (
    ("カーボンニュートラル", "グリーン"),
    ("脱炭素", "グリーン"),
    ("gx", "グリーン"),
    ("情報紙", "情報誌"),
    ("pf", "プラットフォーム"),
    ("バイオ", "ライフサイエンス"),
)
#: Topics of this field's projects; two names that share one are likelier the same project.
_TOPICS = (
    "フォーラム",
    "セミナー",
    "プラットフォーム",
    "スタートアップ",
    "ライフサイエンス",
    "グリーン",
    "情報誌",
    "広報",
    "ものづくり",
    "人材",
    "biojapan",
    "万博",
    "eラーニング",
    "推進会議",
)
TOPIC_BONUS = 0.1


@dataclass(frozen=True, slots=True)
class KpiTarget:
    """A KPI's target as the comparison needs it."""

    indicator: str
    comparator: str | None
    target: float | None
    unit: str | None
    text: str | None = None
    kpi_id: int | None = None
    target_text: str | None = None


@dataclass(frozen=True, slots=True)
class PlanItem:
    """A project or component of one year's plan (``parent_key`` set for a component)."""

    key: int
    name: str
    budget_thousand_yen: int | None
    title: str | None = None
    parent_key: int | None = None
    code: str | None = None
    field: str | None = None
    start_fiscal_year: int | None = None
    is_new: bool = False
    challenge: int | None = None
    kpis: tuple[KpiTarget, ...] = ()


@dataclass(frozen=True, slots=True)
class KpiChange:
    """A KPI added, dropped or revised (``kind``: ``revised``, ``added``, ``dropped``)."""

    kind: str
    before: KpiTarget | None
    after: KpiTarget | None


@dataclass(frozen=True, slots=True)
class Match:
    """A project or component present in both years, with its budget change and KPI changes."""

    before: PlanItem
    after: PlanItem
    similarity: float
    kpi_changes: tuple[KpiChange, ...] = ()

    @property
    def budget_change(self) -> int | None:
        """The budget change in 千円 (None if either budget is unknown)."""
        if self.before.budget_thousand_yen is None or self.after.budget_thousand_yen is None:
            return None
        return self.after.budget_thousand_yen - self.before.budget_thousand_yen

    @property
    def budget_change_percent(self) -> float | None:
        """The budget change in % of the earlier budget (None if it was unknown or zero)."""
        change = self.budget_change
        if change is None or not self.before.budget_thousand_yen:
            return None
        return change / self.before.budget_thousand_yen * 100


@dataclass(frozen=True)
class Comparison:
    """The comparison of two fiscal years' plans."""

    before_year: int
    after_year: int
    before_total: int | None
    after_total: int | None
    continued: list[Match] = field(default_factory=list)
    added: list[PlanItem] = field(default_factory=list)
    dropped: list[PlanItem] = field(default_factory=list)
    new_marked: list[PlanItem] = field(default_factory=list)

    @property
    def total_change(self) -> int | None:
        """The change of the plan's total budget in 千円."""
        if self.before_total is None or self.after_total is None:
            return None
        return self.after_total - self.before_total

    @property
    def total_change_percent(self) -> float | None:
        """The change of the plan's total budget in %."""
        change = self.total_change
        if change is None or not self.before_total:
            return None
        return change / self.before_total * 100

    @property
    def kpi_revisions(self) -> list[tuple[Match, KpiChange]]:
        """Every KPI target revision of a continued item, in plan order."""
        return [(m, c) for m in self.continued for c in m.kpi_changes if c.kind == "revised"]


def match_key(text: str) -> str:
    """The text a name is compared by: no brackets, marks or generic words; synonyms folded; ASCII lower case."""
    key = _NOISE.sub("", text).lower()
    for word, canonical in _SYNONYMS:
        key = key.replace(word, canonical)
    for word in _GENERIC:
        key = key.replace(word, "")
    return key


def _bigrams(text: str) -> frozenset[str]:
    if len(text) < 2:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def text_similarity(a: str, b: str) -> float:
    """Dice coefficient of the character pairs of two names' match keys (1.0 = same words)."""
    x, y = _bigrams(match_key(a)), _bigrams(match_key(b))
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


class _Features(NamedTuple):
    """What an item is compared by, worked out once per item rather than once per pair."""

    names: tuple[frozenset[str], ...]
    topics: frozenset[str]
    field: str | None
    start: int | None


def _features(item: PlanItem) -> _Features:
    keys = [match_key(t) for t in (item.name, item.title) if t]
    return _Features(
        names=tuple(_bigrams(k) for k in keys),
        topics=frozenset(t for k in keys for t in _TOPICS if t in k),
        field=match_key(item.field) if item.field else None,
        start=item.start_fiscal_year or None,
    )


def _dice(x: frozenset[str], y: frozenset[str]) -> float:
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def _similarity(a: _Features, b: _Features) -> float:
    if a.start and b.start and a.start != b.start:
        return 0.0
    score = max((_dice(x, y) for x in a.names for y in b.names), default=0.0)
    score += TOPIC_BONUS * min(len(a.topics & b.topics), 2)
    if a.field and a.field == b.field:
        score += 0.1
    if a.start and a.start == b.start:
        score += 0.15
    return min(score, 1.0)


def item_similarity(a: PlanItem, b: PlanItem) -> float:
    """How likely two items are the same project (0–1); 0 when their known start years differ."""
    return _similarity(_features(a), _features(b))


def _greedy(pairs: list[tuple[float, int, int]], threshold: float) -> list[tuple[float, int, int]]:
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen = []
    for score, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if score < threshold or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        chosen.append((score, i, j))
    return chosen


def compare_kpis(before: Sequence[KpiTarget], after: Sequence[KpiTarget]) -> tuple[KpiChange, ...]:
    """Match two items' KPIs by indicator; report revised targets, added and dropped KPIs."""
    pairs = [
        (text_similarity(a.indicator, b.indicator), i, j) for i, a in enumerate(before) for j, b in enumerate(after)
    ]
    chosen = _greedy(pairs, KPI_THRESHOLD)
    changes: list[KpiChange] = []
    matched_before = {i for _, i, _ in chosen}
    matched_after = {j for _, _, j in chosen}
    for _, i, j in sorted(chosen, key=lambda p: p[2]):
        a, b = before[i], after[j]
        if (a.target, a.unit, a.comparator) != (b.target, b.unit, b.comparator):
            changes.append(KpiChange("revised", a, b))
    changes += [KpiChange("added", None, b) for j, b in enumerate(after) if j not in matched_after]
    changes += [KpiChange("dropped", a, None) for i, a in enumerate(before) if i not in matched_before]
    return tuple(changes)


def compare_plans(
    before_year: int,
    before: Sequence[PlanItem],
    after_year: int,
    after: Sequence[PlanItem],
    *,
    before_total: int | None = None,
    after_total: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Comparison:
    """Compare two years' projects and components (see the module docstring for the rules)."""
    before_features = [_features(a) for a in before]
    after_features = [_features(b) for b in after]
    pairs = [(_similarity(fa, fb), i, j) for i, fa in enumerate(before_features) for j, fb in enumerate(after_features)]
    chosen = _greedy(pairs, threshold)
    matches = [
        Match(before[i], after[j], round(score, 3), compare_kpis(before[i].kpis, after[j].kpis))
        for score, i, j in sorted(chosen, key=lambda p: p[2])
    ]
    matched_before = {m.before.key for m in matches}
    matched_after = {m.after.key for m in matches}
    return Comparison(
        before_year=before_year,
        after_year=after_year,
        before_total=before_total,
        after_total=after_total,
        continued=matches,
        added=_unmatched(after, matched_after),
        dropped=_unmatched(before, matched_before),
        new_marked=[item for item in after if item.is_new],
    )


def _unmatched(items: Sequence[PlanItem], matched: set[int]) -> list[PlanItem]:
    """Projects with no counterpart: unmatched, and none of their components matched either.

    Components are reported with their project: an unmatched component of a continued project is part
    of that project (its new-in-year mark shows in ``new_marked``).
    """
    parents_with_match = {i.parent_key for i in items if i.key in matched and i.parent_key is not None}
    return [
        item
        for item in items
        if item.parent_key is None and item.key not in matched and item.key not in parents_with_match
    ]
