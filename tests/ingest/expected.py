"""Expected facts of business plans, written down by reading the documents, and a scorer.

Each project is ``P(code, budget, ...)``; KPI targets are ``(target, unit)`` pairs (``(None, None)`` for
maintain-or-improve).  :func:`score` compares a parsed plan with the expected one and returns the share
of budgets and KPI targets read exactly, the invented projects and every mismatch, for tests and for
``bench/bench_ingest.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from keikaku.domain import Plan, Project

D = dt.date


@dataclass
class C:
    """An expected component."""

    name: str
    budget: int | None
    departments: list[str] = field(default_factory=list)
    kpis: list[tuple[float | None, str | None]] = field(default_factory=list)
    new: bool = False


@dataclass
class P:
    """An expected project (``code`` None for 管理費 and unnumbered projects, matched by name then)."""

    code: str | None
    budget: int | None
    name: str = ""
    challenge: int | None = None
    departments: list[str] = field(default_factory=list)
    kpis: list[tuple[float | None, str | None]] = field(default_factory=list)
    components: list[C] = field(default_factory=list)
    events: list[tuple[dt.date | None, dt.date | None, str | None]] = field(default_factory=list)
    start: int | None = None
    new: bool = False
    relisted: bool = False
    subsidy: int | None = None


@dataclass
class ExpectedPlan:
    """An expected plan."""

    fiscal_year: int
    total: int | None
    issuer: str | None
    projects: list[P]
    subsidy: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Score:
    """How well a parsed plan matches the expected one."""

    budgets: int = 0
    budgets_exact: int = 0
    kpis: int = 0
    kpis_exact: int = 0
    invented: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def budget_ratio(self) -> float:
        """Share of budgets (projects and components) read exactly."""
        return self.budgets_exact / self.budgets if self.budgets else 1.0

    @property
    def kpi_ratio(self) -> float:
        """Share of KPI targets read exactly."""
        return self.kpis_exact / self.kpis if self.kpis else 1.0


def _targets(kpis: list[Any]) -> list[tuple[float | None, str | None]]:
    return sorted(((k.target, k.unit) for k in kpis), key=repr)


def _find(plan: Plan, expected: P) -> Project | None:
    if expected.code is not None:
        return next((p for p in plan.projects if p.code == expected.code), None)
    return next((p for p in plan.projects if p.name == expected.name), None)


def score(plan: Plan, expected: ExpectedPlan) -> Score:
    """Compare every expected fact with the parsed plan."""
    result = Score()
    miss = result.mismatches.append
    plan_facts: list[tuple[str, object, object]] = [
        ("fiscal_year", plan.fiscal_year, expected.fiscal_year),
        ("total", plan.total_budget_thousand_yen, expected.total),
        ("subsidy", plan.national_subsidy_thousand_yen, expected.subsidy),
        ("issuer", plan.issuer, expected.issuer),
    ]
    for label, value, wanted in plan_facts:
        if value != wanted:
            miss(f"plan {label}: {value!r} != {wanted!r}")
    matched: set[int] = set()
    for want in expected.projects:
        got: Project | None = _find(plan, want)
        key = want.code or want.name
        result.budgets += 1 + len(want.components)
        result.kpis += len(want.kpis) + sum(len(c.kpis) for c in want.components)
        if got is None:
            miss(f"project {key}: missing")
            continue
        matched.add(id(got))
        if want.name and got.name != want.name:
            miss(f"project {key} name: {got.name!r} != {want.name!r}")
        if got.budget_thousand_yen == want.budget:
            result.budgets_exact += 1
        else:
            miss(f"project {key} budget: {got.budget_thousand_yen} != {want.budget}")
        checks: dict[str, tuple[object, object]] = {
            "challenge": (got.challenge, want.challenge),
            "departments": (got.departments, want.departments),
            "start": (got.start_fiscal_year, want.start),
            "new": (got.new, want.new),
            "relisted": (got.relisted, want.relisted),
            "subsidy": (got.national_subsidy_thousand_yen, want.subsidy),
            "events": ([(e.start, e.end, e.venue) for e in got.events], want.events),
        }
        for label, (a, b) in checks.items():
            if a != b:
                miss(f"project {key} {label}: {a!r} != {b!r}")
        got_targets = _targets(got.kpis)
        for target in want.kpis:
            if target in got_targets:
                got_targets.remove(target)
                result.kpis_exact += 1
            else:
                miss(f"project {key} KPI {target} not found")
        if got_targets:
            miss(f"project {key} unexpected KPIs {got_targets}")
        if len(got.components) != len(want.components):
            miss(f"project {key} components: {[c.name for c in got.components]} != {[c.name for c in want.components]}")
        for got_c, want_c in zip(got.components, want.components, strict=False):
            if (got_c.name, got_c.budget_thousand_yen) == (want_c.name, want_c.budget):
                result.budgets_exact += 1
            else:
                miss(f"component {key}: {(got_c.name, got_c.budget_thousand_yen)} != {(want_c.name, want_c.budget)}")
            if got_c.departments != want_c.departments or got_c.new != want_c.new:
                miss(
                    f"component {key} {want_c.name}: {got_c.departments, got_c.new} != {want_c.departments, want_c.new}"
                )
            targets = _targets(got_c.kpis)
            for target in want_c.kpis:
                if target in targets:
                    targets.remove(target)
                    result.kpis_exact += 1
                else:
                    miss(f"component {key} {want_c.name} KPI {target} not found")
    result.invented = [f"{p.code} {p.name}" for p in plan.projects if id(p) not in matched]
    codes = sorted(w.code for w in plan.warnings)
    if codes != sorted(expected.warnings):
        miss(f"warnings: {codes} != {sorted(expected.warnings)}")
    return result
