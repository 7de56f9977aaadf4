"""Deterministic synthetic plans for benchmarks: prefectures and municipalities, years of plans, KPIs, actuals.

``national`` is every prefecture (47) and municipality (1,741) with ten fiscal years of plans of 20–60
projects each, 1–4 KPIs per project and an actual value per KPI.  Generation is seeded, so the same
scale always gives the same data; rows are written in bulk, one transaction per batch of issuers.

Every synthetic plan is published, and so is the evaluation of every year but the newest (whose
evaluation is still a draft, as it would be while the year's actuals come in).
"""

import functools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine

from keikaku.services.core.db import ensure_schema
from keikaku.storage.statistics import analyze
from keikaku.synth.bulk import BulkWriter
from keikaku.synth.names import (
    ACTIONS,
    DEPARTMENTS,
    FIELDS,
    KPI_KINDS,
    MUNICIPALITY_KINDS,
    NAME_HEADS,
    NAME_TAILS,
    PREFECTURES,
)

ProgressCallback = Callable[[int, int], None]
FISCAL_YEARS = tuple(range(2017, 2027))


class Scale(StrEnum):
    """How much synthetic data to make."""

    SMALL = "small"
    PREFECTURE = "prefecture"
    NATIONAL = "national"


@dataclass(frozen=True)
class Issuer:
    """A prefecture or municipality that issues plans."""

    name: str
    region_code: str


@dataclass
class SynthResult:
    """What was generated."""

    issuers: int = 0
    plans: int = 0
    projects: int = 0
    kpis: int = 0
    actuals: int = 0
    fiscal_years: list[int] = field(default_factory=list)


def municipalities() -> list[Issuer]:
    """1,741 municipality names, each assigned to a prefecture, deterministic."""
    rng = random.Random("keikaku-municipalities")
    names: list[Issuer] = []
    seen: set[str] = set()
    kinds = [suffix for suffix, count in MUNICIPALITY_KINDS for _ in range(count)]
    per_pref = [0] * len(PREFECTURES)
    for i, suffix in enumerate(kinds):
        pref = 12 if suffix == "区" else i % len(PREFECTURES)  # special wards are Tokyo's
        while True:
            base = rng.choice(NAME_HEADS) + rng.choice(NAME_TAILS)
            if rng.random() < 0.3:
                base += rng.choice(NAME_TAILS)
            name = f"{PREFECTURES[pref]}{base}{suffix}"
            if name not in seen:
                break
        seen.add(name)
        per_pref[pref] += 1
        names.append(Issuer(name, f"{pref + 1:02d}{per_pref[pref]:03d}"))
    return names


def issuers_for(scale: Scale) -> list[Issuer]:
    """The issuers of a scale: small = one prefecture and 5 municipalities; prefecture = Osaka and its towns."""
    prefectures = [Issuer(name, f"{i + 1:02d}000") for i, name in enumerate(PREFECTURES)]
    towns = municipalities()
    if scale is Scale.NATIONAL:
        return prefectures + towns
    osaka = prefectures[26]
    local = [t for t in towns if t.region_code.startswith("27")]
    if scale is Scale.PREFECTURE:
        return [osaka, *local]
    return [osaka, *local[:5]]


def years_for(scale: Scale) -> tuple[int, ...]:
    """Fiscal years generated for a scale."""
    return FISCAL_YEARS[-3:] if scale is Scale.SMALL else FISCAL_YEARS


def _kpis(rng: random.Random, kind: str) -> list[dict[str, Any]]:
    options = KPI_KINDS[kind]
    count = rng.randint(1, 4)
    chosen = [options[i % len(options)] for i in range(count)]
    out: list[dict[str, Any]] = []
    for n, (indicator, unit, comparator, low, high, monthly) in enumerate(chosen):
        suffix = "" if n < len(options) else f"（{n + 1}）"
        if comparator == "maintain_or_improve":
            out.append(
                {
                    "indicator": indicator + suffix,
                    "comparator": comparator,
                    "unit": unit,
                    "target": None,
                    "reference": round(rng.uniform(low, high)),
                    "relative_to": None,
                    "monthly": False,
                }
            )
            continue
        target = round(rng.uniform(low, high)) if unit != "倍" else rng.randint(int(low), int(high))
        relative = "参加企業数" if unit == "倍" else None
        out.append(
            {
                "indicator": indicator + suffix,
                "comparator": comparator,
                "unit": unit,
                "target": float(target),
                "reference": None,
                "relative_to": relative,
                "monthly": monthly,
            }
        )
    return out


def _project_pool(rng: random.Random) -> list[dict[str, Any]]:
    pool = []
    for field_name in rng.sample(FIELDS, k=len(FIELDS)):
        for action, kind in rng.sample(ACTIONS, k=4):
            pool.append(
                {
                    "name": f"{field_name}{action}",
                    "field": field_name,
                    "kind": kind,
                    "department": rng.choice(DEPARTMENTS),
                    "challenge": rng.randint(1, 3),
                    "budget": int(rng.lognormvariate(8.3, 1.0)) + 100,
                    "kpis": _kpis(rng, kind),
                }
            )
    return pool


def plans_for(issuer: Issuer, years: tuple[int, ...]) -> Iterator[dict[str, Any]]:
    """Yield each fiscal year's plan of one issuer: projects continue, change budgets, start and stop."""
    rng = random.Random(f"keikaku-synth-{issuer.region_code}")
    pool = _project_pool(rng)
    active = set(rng.sample(range(len(pool)), k=rng.randint(20, 60)))
    started = {i: years[0] - rng.randint(0, 5) for i in active}
    for year in years:
        if year != years[0]:
            for i in rng.sample(sorted(active), k=min(len(active) - 20, rng.randint(0, 4))):
                active.discard(i)
            free = [i for i in range(len(pool)) if i not in active]
            for i in rng.sample(free, k=min(len(free), 60 - len(active), rng.randint(0, 4))):
                active.add(i)
                started[i] = year
        projects = []
        for pos, i in enumerate(sorted(active)):
            base = pool[i]
            budget = max(100, int(base["budget"] * rng.uniform(0.85, 1.15)))
            projects.append({**base, "position": pos, "budget": budget, "start": started[i], "new": started[i] == year})
        yield {"fiscal_year": year, "issuer": issuer.name, "region_code": issuer.region_code, "projects": projects}


def actual_for(rng: random.Random, kpi: dict[str, Any]) -> float:
    """A plausible actual value around the target."""
    if kpi["comparator"] == "maintain_or_improve":
        return float(max(1, round(kpi["reference"] * rng.uniform(0.8, 1.2))))
    if kpi["unit"] == "%":
        return round(min(100.0, kpi["target"] * rng.uniform(0.8, 1.2)), 1)
    return float(round(kpi["target"] * rng.uniform(0.6, 1.4)))


def generate(
    scale: Scale, *, engine: Engine | None = None, progress: ProgressCallback | None = None, batch_issuers: int = 50
) -> SynthResult:
    """Generate and store the synthetic data of a scale (the database must be initialised)."""
    eng = ensure_schema(engine)
    issuers = issuers_for(scale)
    years = years_for(scale)
    result = SynthResult(issuers=len(issuers), fiscal_years=list(years))
    writer = BulkWriter(eng)
    done = writer.existing_issuers()
    issuers = [i for i in issuers if i.name not in done]
    result.issuers = len(issuers)
    departments = writer.department_ids(DEPARTMENTS)
    for start in range(0, len(issuers), batch_issuers):
        chunk = issuers[start : start + batch_issuers]
        with writer.batch() as batch:
            for issuer in chunk:
                rng = random.Random(f"keikaku-actuals-{issuer.region_code}")
                for plan in plans_for(issuer, years):
                    counts = batch.add_plan(
                        plan,
                        departments,
                        functools.partial(actual_for, rng),
                        publish_evaluation=plan["fiscal_year"] != years[-1],
                    )
                    result.plans += 1
                    result.projects += counts[0]
                    result.kpis += counts[1]
                    result.actuals += counts[2]
        if progress:
            progress(min(start + batch_issuers, len(issuers)), len(issuers))
    if issuers:
        analyze(eng)  # the planner's statistics follow the bulk load
    return result
