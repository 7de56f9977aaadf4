"""The evaluation engine's inputs and outputs: plain, immutable values with no database behind them.

The service layer reads the plan, the KPIs, the actual values and the settings once, turns them
into these types, and hands them to :func:`keikaku.evaluation.batch.evaluate_plan`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from keikaku.domain.kpi import Comparator
from keikaku.normalize.numbers import unit_scale
from keikaku.normalize.units import unit_kind


class Status(StrEnum):
    """The judgement of one KPI, project or group.

    A KPI has one of the first five.  A project or group may also be 評価中: its fiscal year is still open
    (not locked), so what has been measured so far is a provisional result, not a grade.
    """

    ACHIEVED = "達成"
    MOSTLY_ACHIEVED = "概ね達成"
    NOT_ACHIEVED = "未達"
    NOT_MEASURED = "未測定"
    UNDETERMINABLE = "判定不能"
    EVALUATING = "評価中"


#: Statuses that come from a value or a judgement (the others say that nothing could be judged).
JUDGED = frozenset({Status.ACHIEVED, Status.MOSTLY_ACHIEVED, Status.NOT_ACHIEVED})

#: The statuses a single KPI can have, in the order reports count them (評価中 is only a group's).
KPI_STATUSES: tuple[Status, ...] = (
    Status.ACHIEVED,
    Status.MOSTLY_ACHIEVED,
    Status.NOT_ACHIEVED,
    Status.NOT_MEASURED,
    Status.UNDETERMINABLE,
)


class KpiKind(StrEnum):
    """What kind of quantity a KPI measures; it decides which checks and calculations apply."""

    COUNT = "count"  # 人, 件, 部, 回, 社: whole non-negative numbers, counted over the year
    SHARE = "share"  # %: 0–100, or numerator / denominator
    RANK = "rank"  # 位: lower is better
    AMOUNT = "amount"  # 円, 兆円, …: non-negative amounts
    QUALITATIVE = "qualitative"  # nothing to compute; a judgement with a rationale decides


#: What each kind of unit (:func:`keikaku.normalize.units.unit_kind`, the one list of units) is to the
#: evaluation.  A relative target's factor (倍) and other units are amounts; without a comparator there is
#: nothing to compute and a judgement decides.
_UNIT_KINDS = {
    "count": KpiKind.COUNT,
    "share": KpiKind.SHARE,
    "rank": KpiKind.RANK,
    "amount": KpiKind.AMOUNT,
    "relative": KpiKind.AMOUNT,
    "other": KpiKind.AMOUNT,
}


@lru_cache(maxsize=4096)  # a pure function of two small values, asked once per KPI
def kind_of(unit: str | None, comparator: Comparator | None) -> KpiKind:
    """The kind of a KPI from its unit and comparator (``maintain_or_improve`` is always a rank).

    Units are classified by :mod:`keikaku.normalize.units` (so 万人, 割, 企業 and 施設 are what they are there)."""
    if comparator is Comparator.MAINTAIN_OR_IMPROVE:
        return KpiKind.RANK
    kind = _UNIT_KINDS[unit_kind(unit)]
    if kind is KpiKind.AMOUNT and comparator is None:
        return KpiKind.QUALITATIVE
    return kind


def counts_whole_units(unit: str | None) -> bool:
    """Whether a count in ``unit`` is a whole number (人, 件; not 万人, where 1.5万人 is a count)."""
    return unit_scale(unit)[0] == 1


#: Endings of indicator names that tell the unit when the plan gives none (参加企業数 → 社).
_UNIT_ENDINGS = (
    ("企業数", "社"),
    ("社数", "社"),
    ("件数", "件"),
    ("人数", "人"),
    ("者数", "人"),
    ("回数", "回"),
    ("部数", "部"),
    ("閲覧数", "件"),
    ("面談数", "件"),
    ("割合", "%"),
    ("満足度", "%"),
)


@lru_cache(maxsize=4096)
def infer_unit(indicator: str, unit: str | None) -> str | None:
    """The unit of an actual value: the plan's unit, or one the indicator's name implies.

    A relative target's unit is its factor's (``倍``); what is counted is named by the indicator
    (BioJapanマッチング件数 → 件).
    """
    if unit and unit != "倍":
        return unit
    name = indicator.strip().rstrip("）)")
    for ending, implied in _UNIT_ENDINGS:
        if name.endswith(ending) or ending in name:
            return implied
    return None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A plan's evaluation settings; every field has a documented default.

    * ``mostly_achieved`` (0.90): a KPI whose target is not met but whose achievement ratio is at least
      this is 概ね達成; below it, 未達.  A forum with 205 of 220 participants (93.2%) is 概ね達成 by default.
    * ``ratings`` ((A, 1.00), (B, 0.80), (C, 0.00)): a project's or group's rating is the first label
      whose minimum its score reaches.  Labels and minimums may be changed per plan (e.g. S/A/B/C).
    * ``score_cap`` (1.00): the achievement ratio counted in a roll-up score is capped here, so that one
      KPI far above target does not hide another below it.

    A KPI with no actual (未測定) or no possible judgement (判定不能) is never scored: it is left out of its
    project's and groups' scores and shows in their coverage instead (see ``docs/evaluation.md``).
    """

    mostly_achieved: float = 0.90
    ratings: tuple[tuple[str, float], ...] = (("A", 1.0), ("B", 0.8), ("C", 0.0))
    score_cap: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.mostly_achieved <= 1:
            raise ValueError("概ね達成の基準は 0 より大きく 1 以下で指定してください")
        if not self.ratings:
            raise ValueError("評価区分（A/B/C など）を 1 つ以上指定してください")
        minimums = [m for _, m in self.ratings]
        if minimums != sorted(minimums, reverse=True):
            raise ValueError("評価区分は基準値の高い順に並べてください")
        if len({label for label, _ in self.ratings}) != len(self.ratings):
            raise ValueError("評価区分の名前が重複しています")
        if self.score_cap < 1:
            raise ValueError("達成率の上限は 1 以上で指定してください")


DEFAULT_THRESHOLDS = Thresholds()


class KpiSpec(NamedTuple):
    """One KPI as the engine sees it.

    The engine's per-KPI values (``KpiSpec``, ``Observation``, ``KpiResult``) are named tuples: immutable
    like frozen dataclasses, and three times cheaper to make, which counts at 180,000 KPIs a year.

    ``relative_to_id`` names the measure KPI a relative target multiplies: BioJapan's matchings
    target is ``>= 6`` with ``relative_to_id`` pointing at 参加企業数, so the effective target is
    6 × that year's actual of the measure.  ``reference`` is the baseline of a rank target (79位).
    ``is_measure`` marks a supporting measure with no target of its own; it is not judged.
    """

    id: int
    indicator: str
    comparator: Comparator | None
    target: float | None
    unit: str | None = None
    relative_to_id: int | None = None
    relative_label: str | None = None
    relative_unit: str | None = None
    reference: float | None = None
    reference_label: str | None = None
    target_fiscal_year: int | None = None
    counted_monthly: bool = False
    is_measure: bool = False
    text: str | None = None

    @property
    def kind(self) -> KpiKind:
        """The KPI's kind, from unit and comparator (a supporting measure is always a number)."""
        kind = kind_of(self.unit, self.comparator)
        return KpiKind.AMOUNT if kind is KpiKind.QUALITATIVE and self.is_measure else kind


class Observation(NamedTuple):
    """The current actual value of a KPI for one fiscal year, as the engine needs it.

    ``value`` is already normalised (a share in %, from numerator/denominator if given that way).
    ``months`` is the number of monthly values summed into it, or None for a value given for the year.
    """

    value: float
    months: int | None = None
    measured_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    """A qualitative judgement with its written rationale, for a KPI where nothing can be computed."""

    status: Status
    rationale: str
    judged_by: str | None = None

    def __post_init__(self) -> None:
        if self.status not in JUDGED:
            raise ValueError("定性判定は 達成・概ね達成・未達 のいずれかです")
        if not self.rationale.strip():
            raise ValueError("定性判定には理由を書いてください")


class KpiResult(NamedTuple):
    """The evaluation of one KPI: status, the reason in Japanese, and the figures behind it.

    ``kpi_id`` is None for a qualitative judgement of a project or component that has no KPI.

    ``achievement`` is the achievement ratio (1.0 = 100%), None where it cannot be computed.
    ``score`` is what the KPI contributes to roll-ups (None: left out).
    """

    kpi_id: int | None
    status: Status
    reason: str
    actual: float | None = None
    effective_target: float | None = None
    achievement: float | None = None
    score: float | None = None
    months: int | None = None
    qualitative: bool = False
    notes: tuple[str, ...] = ()
