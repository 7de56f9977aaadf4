"""Expected facts of this package's grid-kind plans (tests/ingest/fixtures), and a per-fact-type scorer.

Each row: (name, budget, department, challenge, start year, KPI targets, relisted).  Shared by the tests
and ``bench/bench_ingest_accuracy.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from keikaku.domain import Plan

FIXTURES = Path(__file__).parent / "fixtures"
Row = tuple[str, int, str | None, int | None, int | None, list[tuple[float, str]], bool]

#: The budgets of the components a grid plan's detail pages break a row into, by plan and row name.
GRID_COMPONENTS: dict[str, dict[str, list[int]]] = {
    "kind_holdout_r12.txt": {"広域観光と産業の連携促進": [4000, 2000]},
}

GRID_PLANS: dict[str, tuple[int, int, list[Row]]] = {
    # Written after the parser's rules for this kind, from the description only, as an unseen plan:
    # every fact but its one event came out right before any change (the event item had no label).
    # The same, in rows of tab-separated cells, with two components on one detail page: right at once.
    "kind_holdout_r12.txt": (
        2030,
        28850,
        [
            ("広域観光と産業の連携促進", 6000, "観光産業課", 1, 2027, [(1500.0, "人")], False),
            ("関西の食品の輸出支援", 11200, "食品産業課", 1, 2016, [(45.0, "件")], False),
            (
                "医療機器の実証フィールド提供",
                8500,
                "ライフサイエンス産業振興課",
                2,
                2029,
                [(12.0, "社"), (20.0, "件")],
                False,
            ),
            ("留学生の域内就職支援", 2800, "人材育成課", 3, 2024, [(300.0, "人")], False),
            ("関西の食品の輸出支援", 11200, None, 3, None, [], True),
            ("管理費", 350, None, None, None, [], False),
        ],
    ),
    "kind_holdout_r11.txt": (
        2029,
        38600,
        [
            ("関西ものづくりDXの推進", 15600, "デジタル産業課", 1, 2023, [(60.0, "社"), (85.0, "%")], False),
            ("水素サプライチェーン形成支援", 7800, "グリーン産業振興課", 1, 2018, [(4.0, "件")], False),
            ("海外バイヤー招へい事業", 9000, "国際ビジネス課", 2, 2026, [(150.0, "件")], False),
            ("産学連携研究会の開催", 2200, "産業振興企画課", 2, 2028, [(6.0, "回")], False),
            ("若手技術者の育成", 3400, "人材育成課", 3, 2025, [(120.0, "人")], False),
            ("海外バイヤー招へい事業", 9000, None, 3, None, [], True),
            ("管理費", 600, None, None, None, [], False),
        ],
    ),
    "kind_cells_r9.txt": (
        2027,
        82540,
        [
            (
                "関西スタートアップ・エコシステムの推進",
                12300,
                "スタートアップ支援課",
                1,
                2022,
                [(80.0, "件"), (300.0, "人")],
                False,
            ),
            ("ライフサイエンス分野の発信強化", 4200, "ライフサイエンス産業振興課", 1, 2018, [(6.0, "倍")], False),
            (
                "広域産業共創プラットフォームの推進",
                51000,
                "ものづくり支援課",
                2,
                2023,
                [(80.0, "%"), (40.0, "件")],
                False,
            ),
            ("伝統工芸の魅力発信と販路拡大", 8400, "ものづくり支援課", 2, 2025, [(2000.0, "人")], False),
            ("多様な人材の活躍促進", 2500, "産業振興企画課", 3, 2024, [(75.0, "%")], False),
            ("ビジョン推進会議の運営", 3700, "産業振興企画課", 3, 2020, [(2.0, "回")], False),
            ("伝統工芸の魅力発信と販路拡大", 1500, None, 3, None, [], True),
            ("管理費", 440, None, None, None, [], False),
        ],
    ),
    "kind_rows_r10.txt": (
        2028,
        63200,
        [
            ("起業家の海外展開支援", 9800, "スタートアップ支援課", 1, 2017, [(120.0, "件")], False),
            (
                "カーボンニュートラル技術の発信",
                2100,
                "グリーン産業振興課",
                1,
                2021,
                [(250.0, "人"), (70.0, "%")],
                False,
            ),
            ("公設試連携による企業支援の強化", 47500, "ものづくり支援課", 2, 2023, [(33000.0, "件")], False),
            ("情報紙による産業情報の発信", 3300, "産業振興企画課", 3, 2013, [(80.0, "%")], False),
            ("カーボンニュートラル技術の発信", 800, None, 3, None, [], True),
            ("管理費", 500, None, None, None, [], False),
        ],
    ),
}

FACT_TYPES = ("budget", "department", "challenge", "start_year", "kpi_target", "event_date")


@dataclass
class Tally:
    """Per fact type: facts expected, facts found, facts found that are right; and invented projects."""

    expected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FACT_TYPES, 0))
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FACT_TYPES, 0))
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FACT_TYPES, 0))
    invented: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        """Share of expected facts read exactly."""
        return self.right[kind] / self.expected[kind] if self.expected[kind] else 1.0

    def count(self, kind: str, values: list[object], wanted: list[object], label: str) -> None:
        """Count the values found for one fact type against the wanted ones (each wanted value once)."""
        self.found[kind] += len(values)
        pool = list(wanted)
        for value in values:
            if value in pool:
                pool.remove(value)
                self.right[kind] += 1
            else:
                self.misses.append(f"{label} {kind}: {value!r} not in {wanted!r}")

    def precision(self, kind: str) -> float:
        """Share of facts read that are right."""
        return self.right[kind] / self.found[kind] if self.found[kind] else 1.0


def score_grid(plan: Plan, rows: list[Row], tally: Tally | None = None) -> Tally:
    """Match projects to expected rows by (name, budget) and count every fact type."""
    tally = tally or Tally()
    remaining = list(plan.projects)
    for name, budget, department, challenge, start, kpis, relisted in rows:
        got = next((p for p in remaining if p.name == name and p.relisted == relisted), None)
        facts: dict[str, list[object]] = {
            "budget": [budget],
            "department": [department] if department else [],
            "challenge": [challenge] if challenge else [],
            "start_year": [start] if start else [],
            "kpi_target": list(kpis),
        }
        for kind, wanted in facts.items():
            tally.expected[kind] += len(wanted)
        if got is None:
            tally.misses.append(f"missing {name}")
            continue
        remaining.remove(got)
        found: dict[str, list[object]] = {
            "budget": [got.budget_thousand_yen] if got.budget_thousand_yen is not None else [],
            "department": list(got.departments),
            "challenge": [got.challenge] if got.challenge else [],
            "start_year": [got.start_fiscal_year] if got.start_fiscal_year else [],
            "kpi_target": [(k.target, k.unit) for k in got.kpis],
        }
        for kind, values in found.items():
            tally.count(kind, values, facts[kind], name)
    tally.invented.extend(p.name for p in remaining)
    return tally
