"""Ranking quality of the seeds suggested for a need (issue 13): precision@5, MRR, and time per need.

The labelled set ``bench/data/matching_pairs.json`` (68 needs, 90 seeds, 73 relevant pairs, written in our
own words before any measurement) is loaded into a fresh database through the real services
(``add_institution``, ``add_seed``, ``add_need``).  For each need, :func:`suggest_seeds` is asked for the top
five (what a coordinator sees; timed) and for the whole ranking (for MRR).

* precision@5: relevant seeds among the first five / 5, averaged over needs (at most 0.2 for a need with a
  single relevant seed, so hit@5 and recall@5 are printed too);
* MRR: 1 / rank of the first relevant seed (0 when none is ranked), averaged over needs;
* time per need: wall time of ``suggest_seeds(limit=5)``, p50 / p95, target ≤ 100 ms.

It prints figures and asserts nothing (see STYLE.md: measurements live in bench/).

    python bench/bench_matching.py                       # temporary SQLite
    python bench/bench_matching.py --postgres postgresql+psycopg://@127.0.0.1:5432/test   # a new database there
    python bench/bench_matching.py --text-only           # needs without field and phase: the text alone
    python bench/bench_matching.py --misses              # also list the needs whose relevant seed is not in the top 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, text

from keikaku.services.core.actors import Actor, Role
from keikaku.services.platform.institutions import InstitutionForm, add_institution
from keikaku.services.platform.matching import SeedForm, add_need, add_seed, suggest_seeds
from keikaku.storage.engine import make_engine
from keikaku.storage.migrate import upgrade

PAIRS = Path(__file__).with_name("data") / "matching_pairs.json"
ADMIN = Actor("ベンチ管理者", frozenset({Role.BUREAU_ADMIN}))
COORDINATOR = Actor("ベンチコーディネーター", frozenset({Role.COORDINATOR}))
SUGGEST_TARGET_MS = 100.0


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@contextmanager
def fresh_database(postgres: str | None) -> Iterator[Engine]:
    """A new, migrated database: a temporary SQLite file, or a new database on the ``postgres`` server."""
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="keikaku-platbench-") as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'platform.sqlite3'}")
            upgrade(engine)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    server = make_url(postgres).set(drivername="postgresql+psycopg")
    name = f"keikaku_platbench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(server.set(database=name))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def load_pairs(path: Path = PAIRS) -> dict[str, Any]:
    """The labelled set as stored."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Loaded:
    """The labelled set in a database: seed id → key, need id → its relevant seed ids."""

    seed_keys: dict[int, str]
    need_keys: dict[int, str]
    relevant: dict[int, frozenset[int]]


def load(engine: Engine, data: dict[str, Any], *, fields: bool = True) -> Loaded:
    """Institutions, seeds and needs of ``data`` added through the services (needs without field and phase
    unless ``fields``, to see what the text alone does)."""
    institutions = {
        item["key"]: add_institution(
            InstitutionForm(item["name"], item["prefecture"], "公設試"), actor=ADMIN, engine=engine
        )
        for item in data["institutions"]
    }
    seed_ids = {
        seed["key"]: add_seed(
            SeedForm(
                institutions[seed["institution"]],
                seed["kind"],
                seed["title"],
                seed["description"],
                seed["field"],
                seed["phase"],
            ),
            actor=COORDINATOR,
            engine=engine,
        )
        for seed in data["seeds"]
    }
    relevant, need_keys = {}, {}
    for need in data["needs"]:
        need_id = add_need(
            need["title"],
            need["description"],
            field=need["field"] if fields else "",
            phase=need["phase"] if fields else "",
            actor=COORDINATOR,
            engine=engine,
        )
        relevant[need_id] = frozenset(seed_ids[key] for key in need["relevant"])
        need_keys[need_id] = need["key"]
    return Loaded({v: k for k, v in seed_ids.items()}, need_keys, relevant)


@dataclass(frozen=True)
class Quality:
    """The figures of one run."""

    needs: int
    pairs: int
    precision_at_5: float
    hit_at_5: float
    recall_at_5: float
    mrr: float
    times_ms: list[float]
    misses: list[tuple[str, list[str], list[str]]]


def measure(engine: Engine, loaded: Loaded) -> Quality:
    """Precision@5, hit@5, recall@5, MRR and the time of each top-five suggestion."""
    precision, hits, recall, reciprocal, times = [], [], [], [], []
    misses = []
    for need_id, wanted in loaded.relevant.items():
        started = time.perf_counter()
        top = [s.id for s in suggest_seeds(need_id, actor=COORDINATOR, limit=5, engine=engine)]
        times.append((time.perf_counter() - started) * 1000)
        ranking = [s.id for s in suggest_seeds(need_id, actor=COORDINATOR, limit=10_000, engine=engine)]
        found = len(wanted & set(top))
        precision.append(found / 5)
        hits.append(1.0 if found else 0.0)
        recall.append(found / len(wanted))
        first = next((rank for rank, seed in enumerate(ranking, 1) if seed in wanted), None)
        reciprocal.append(1 / first if first else 0.0)
        if not found:
            misses.append(
                (loaded.need_keys[need_id], [loaded.seed_keys[s] for s in wanted], [loaded.seed_keys[s] for s in top])
            )
    return Quality(
        len(loaded.relevant),
        sum(len(w) for w in loaded.relevant.values()),
        statistics.fmean(precision),
        statistics.fmean(hits),
        statistics.fmean(recall),
        statistics.fmean(reciprocal),
        times,
        misses,
    )


def report(quality: Quality, *, misses: bool, data: dict[str, Any]) -> None:
    """Print the figures with their targets."""
    print(f"labelled set: {quality.needs} needs, {quality.pairs} relevant need–seed pairs, {len(data['seeds'])} seeds")
    print(f"  precision@5  {quality.precision_at_5:.3f}   (ceiling with these labels {_ceiling(data):.3f})")
    print(f"  hit@5        {quality.hit_at_5:.3f}   (needs with a relevant seed in the top 5)")
    print(f"  recall@5     {quality.recall_at_5:.3f}")
    print(f"  MRR          {quality.mrr:.3f}")
    p50, p95 = percentile(quality.times_ms, 0.5), percentile(quality.times_ms, 0.95)
    verdict = "ok" if p95 <= SUGGEST_TARGET_MS else "MISSED"
    print(
        f"suggestion time per need (top 5): p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(quality.times_ms):.1f} ms"
        f"   target p95 ≤ {SUGGEST_TARGET_MS:.0f} ms: {verdict}"
    )
    if misses:
        titles = {n["key"]: n["title"] for n in data["needs"]}
        print(f"needs without a relevant seed in the top 5 ({len(quality.misses)}):")
        for key, wanted, top in quality.misses:
            print(f"  {key} {titles[key]}: relevant {sorted(wanted)}, top 5 {top}")


def _ceiling(data: dict[str, Any]) -> float:
    """The best precision@5 any ranker could reach with these labels."""
    return statistics.fmean(min(5, len(n["relevant"])) / 5 for n in data["needs"])


def main() -> None:
    """Load the labelled set into a fresh database, rank, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a new database is made there and dropped")
    parser.add_argument("--misses", action="store_true", help="list the needs missed in the top 5")
    parser.add_argument("--text-only", action="store_true", help="needs without field and phase (text relevance alone)")
    args = parser.parse_args()
    data = load_pairs()
    with fresh_database(args.postgres) as engine:
        print(f"database: {engine.dialect.name}; needs {'without' if args.text_only else 'with'} field and phase")
        loaded = load(engine, data, fields=not args.text_only)
        report(measure(engine, loaded), misses=args.misses, data=data)


if __name__ == "__main__":
    main()
