"""The bundled default dataset (``keikaku.data/kansai``): valid, consistent and traceable to its sources."""

import hashlib
import json
import unicodedata
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from keikaku.data import plan_data_schema
from keikaku.domain import Comparator, Kpi, PlanData, Provenance

SHARED = Path(__file__).parents[3] / "shared"
SEEDS = SHARED / "seeds"
SCHEMA = SHARED / "spec" / "plan-data.schema.json"

MANIFEST_ORDER = [
    "vision_2023.json",
    "action_plan_2024.json",
    "business_plan_2026.json",
    "meti_kinki_2025.json",
]

needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"source documents not available at {SEEDS} (only present in the project workspace)"
)


def _resource(name: str) -> str:
    return (resources.files("keikaku.data") / "kansai" / name).read_text(encoding="utf-8")


@cache
def _raw(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(_resource(name))
    return data


@cache
def _bundle(name: str) -> PlanData:
    return PlanData.model_validate_json(_resource(name))


def _walk(node: object) -> Iterator[BaseModel]:
    """Every model inside ``node`` (depth first, ``node`` included)."""
    if isinstance(node, BaseModel):
        yield node
        for field in type(node).model_fields:
            yield from _walk(getattr(node, field))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _walk(item)


def _provenances(bundle: PlanData) -> Iterator[tuple[BaseModel, Provenance]]:
    for model in _walk(bundle):
        provenance = getattr(model, "provenance", None)
        if isinstance(provenance, Provenance):
            yield model, provenance


def _kpis(bundle: PlanData) -> list[Kpi]:
    return [model for model in _walk(bundle) if isinstance(model, Kpi)]


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text.replace("**", ""))


@cache
def _seed_lines(document: str) -> list[str]:
    return (SEEDS / f"{document}.txt").read_text(encoding="utf-8").splitlines()


def test_manifest_lists_the_four_files_in_load_order() -> None:
    manifest = json.loads(_resource("manifest.json"))
    assert manifest == {"files": MANIFEST_ORDER}
    for name in manifest["files"]:
        assert (resources.files("keikaku.data") / "kansai" / name).is_file(), name


@pytest.mark.parametrize("name", MANIFEST_ORDER)
def test_file_validates_as_plan_data(name: str) -> None:
    bundle = _bundle(name)
    assert len(bundle.documents) == 1
    assert bundle.documents[0].id is not None


@pytest.mark.skipif(not SCHEMA.is_file(), reason=f"shared schema not available at {SCHEMA}")
def test_shipped_schema_is_the_shared_one() -> None:
    assert plan_data_schema() == json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", MANIFEST_ORDER)
def test_file_validates_against_the_json_schema(name: str) -> None:
    schema = plan_data_schema()
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(_raw(name)), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_fy2026_plan_budgets_add_up() -> None:
    (plan,) = _bundle("business_plan_2026.json").plans
    assert plan.fiscal_year == 2026
    assert plan.total_budget_thousand_yen == 100674
    assert plan.national_subsidy_thousand_yen == 24992
    assert plan.listed_sum() == 100674
    assert [p.code for p in plan.projects] == ["1", "2", "3", "4", "5", "6", "7", "8", "9", None]
    assert sum(p.national_subsidy_thousand_yen or 0 for p in plan.projects) == 24992
    assert plan.projects[-1].kind == "administrative"
    assert plan.projects[-1].budget_thousand_yen == 410
    assert [p.challenge for p in plan.projects] == [1, 1, 1, 1, 2, 2, 3, 3, 3, None]
    for project in plan.projects:
        budgets = [c.budget_thousand_yen for c in project.components]
        if budgets and None not in budgets:
            assert sum(b or 0 for b in budgets) == project.budget_thousand_yen, project.name
    assert plan.warnings == []
    assert plan.cooperative_projects == []


def test_fy2026_plan_kpis_and_events() -> None:
    (plan,) = _bundle("business_plan_2026.json").plans
    assert len(_kpis(plan)) == 15
    assert all(k.target_fiscal_year == 2026 for k in _kpis(plan))
    events = {e.name: e for e in _walk(plan) if type(e).__name__ == "Event"}
    for name, start, end in [
        ("BioJapan2026", "2026-10-07", "2026-10-09"),
        ("カーボンニュートラル先進技術フォーラム", "2026-12-10", "2026-12-10"),
        ("Viva Technology 2026", "2026-06-17", "2026-06-20"),
    ]:
        event = events[name]
        assert event.start is not None
        assert event.end is not None
        assert (event.start.isoformat(), event.end.isoformat()) == (start, end)


def test_fy2023_list_does_not_add_up_and_says_so() -> None:
    bundle = _bundle("vision_2023.json")
    (plan,) = bundle.plans
    assert plan.fiscal_year == 2023
    assert plan.total_budget_thousand_yen == 55969
    assert len(plan.projects) == 11
    assert plan.listed_sum() == 54734
    (warning,) = plan.warnings
    assert warning.code == "budget_sum_mismatch"
    assert warning.details == {"stated": 55969, "listed_sum": 54734, "difference": 1235}
    assert "54,734" in warning.message
    assert "1,235" in warning.message


def test_vision_targets() -> None:
    vision = _bundle("vision_2023.json").vision
    assert vision is not None
    assert vision.horizon_fiscal_year == 2040
    assert [c.number for c in vision.challenges] == [1, 2, 3]
    assert all([a.key for a in c.aims] == ["A", "B"] for c in vision.challenges)
    assert len(vision.economic_area) == 14
    grp = next(t for t in vision.numeric_targets if t.unit == "兆円")
    assert grp.derivation is not None
    assert round(grp.derivation.base * grp.derivation.factor / 100, 1) == grp.derivation.result


def test_action_plan_matrix_is_complete() -> None:
    action_plan = _bundle("action_plan_2024.json").action_plan
    assert action_plan is not None
    assert [t.name for t in action_plan.themes] == [
        "ライフサイエンス",
        "カーボンニュートラル",
        "空飛ぶクルマ・MaaS",
        "スタートアップ",
        "中小企業の成長",
        "多様な人材の活躍",
    ]
    for theme in action_plan.themes:
        cells = {(e.period, e.actor.value) for e in theme.entries}
        assert cells == {(p, a) for p in ("2024", "2025", "2026-") for a in ("union", "member_governments")}
        assert all(e.actions and e.theme_of_period for e in theme.entries), theme.name


def test_partner_initiatives_have_contacts() -> None:
    (priorities,) = _bundle("meti_kinki_2025.json").partner_priorities
    assert priorities.fiscal_year == 2025
    assert len(priorities.priority_areas) == 2
    names = {i.name for i in priorities.initiatives}
    for initiative in priorities.initiatives:
        assert initiative.priority_area in priorities.priority_areas
        if initiative.parent is not None:
            assert initiative.parent in names
            assert initiative.code in {"ア", "イ", "ウ"}
        has_children = any(i.parent == initiative.name for i in priorities.initiatives)
        if not has_children:
            assert initiative.department, initiative.name
            assert initiative.phone, initiative.name
            assert "‐" not in initiative.phone
    assert len([t for i in priorities.initiatives for t in i.targets]) >= 6


@pytest.mark.parametrize("name", MANIFEST_ORDER)
def test_every_kpi_has_a_comparator_and_a_target(name: str) -> None:
    kpis = _kpis(_bundle(name))
    for kpi in kpis:
        assert kpi.comparator is not None, kpi.indicator
        if kpi.comparator is Comparator.MAINTAIN_OR_IMPROVE:
            assert kpi.target is None, kpi.indicator
        else:
            assert isinstance(kpi.target, int | float), kpi.indicator


@pytest.mark.parametrize("name", MANIFEST_ORDER)
def test_every_fact_has_a_short_provenance(name: str) -> None:
    bundle = _bundle(name)
    document_ids = {d.id for d in bundle.documents}
    for model in _walk(bundle):
        if "provenance" not in type(model).model_fields or type(model).__name__ == "Warning":
            continue
        provenance = getattr(model, "provenance", None)
        assert provenance is not None, f"{type(model).__name__} without provenance: {model!r:.120}"
    for model, provenance in _provenances(bundle):
        where = f"{type(model).__name__}: {provenance!r}"
        assert provenance.document in document_ids, where
        assert provenance.line is not None, where
        assert provenance.excerpt, where
        assert len(provenance.excerpt) <= 60, where


@needs_seeds
@pytest.mark.parametrize("name", MANIFEST_ORDER)
def test_every_excerpt_stands_on_its_line(name: str) -> None:
    bundle = _bundle(name)
    checked = 0
    for model, provenance in _provenances(bundle):
        assert provenance.document is not None
        assert provenance.line is not None
        assert provenance.excerpt is not None
        lines = _seed_lines(provenance.document)
        assert 1 <= provenance.line <= len(lines), provenance
        line = _normalise(lines[provenance.line - 1])
        assert _normalise(provenance.excerpt) in line, f"{type(model).__name__}: {provenance!r} not in {line!r}"
        checked += 1
    assert checked > 0


@needs_seeds
@pytest.mark.parametrize("name", MANIFEST_ORDER)
def test_document_refs_match_the_seed_files(name: str) -> None:
    (document,) = _bundle(name).documents
    path = SEEDS / f"{document.id}.txt"
    assert document.path == f"shared/seeds/{document.id}.txt"
    assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert document.lines == len(_seed_lines(str(document.id)))
