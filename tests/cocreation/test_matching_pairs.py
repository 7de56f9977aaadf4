"""The labelled set of the ranking bench (bench/data/matching_pairs.json) is well formed: at least 60
need–seed pairs, every labelled seed and every seed's institution exists, keys are unique, and kinds and
phases are those the services accept."""

import json
from pathlib import Path

from keikaku.storage import platform as store

PAIRS = Path(__file__).resolve().parents[2] / "bench" / "data" / "matching_pairs.json"


def test_the_labelled_set_is_well_formed() -> None:
    data = json.loads(PAIRS.read_text(encoding="utf-8"))
    institutions = [i["key"] for i in data["institutions"]]
    seeds = [s["key"] for s in data["seeds"]]
    needs = [n["key"] for n in data["needs"]]
    assert len(set(institutions)) == len(institutions)
    assert len(set(seeds)) == len(seeds)
    assert len(set(needs)) == len(needs)
    pairs = [(n["key"], s) for n in data["needs"] for s in n["relevant"]]
    assert len(pairs) >= 60
    assert len(set(pairs)) == len(pairs)
    assert {s for _n, s in pairs} <= set(seeds), "a labelled seed is missing"
    assert all(n["relevant"] for n in data["needs"]), "a need without a relevant seed"
    assert {s["institution"] for s in data["seeds"]} <= set(institutions)
    assert {s["kind"] for s in data["seeds"]} <= set(store.SEED_KINDS)
    assert {x["phase"] for x in data["seeds"] + data["needs"]} <= set(store.PHASES)
    assert all(x["title"].strip() and x["description"].strip() for x in data["seeds"] + data["needs"])
    assert len(set(seeds) - {s for _n, s in pairs}) >= 10, "distractor seeds (relevant to no need) are part of the set"
