"""A revised FY2026 plan for the revision tests: the bundled plan with three lines changed, stored as
``keikaku ingest`` stores a changed document (a new revision, ``is_current``, and not published)."""

from pathlib import Path

from sqlalchemy import Engine

from keikaku.services.exchange.bundle import bundled_bundles, import_plan_data
from keikaku.storage.uow import unit_of_work

#: The three changes: project 1's budget, the plan's total, project 3's 参加者数 target.
NEW_BUDGET = 11_000
NEW_TOTAL = 101_631
NEW_TARGET = 250.0
OLD_TOTAL = 100_674


def add_revised_2026(engine: Engine) -> int:
    """Store 第2版 of the union's FY2026 plan (three lines changed) and return its plan id."""
    _name, bundle = next((n, b) for n, b in bundled_bundles() if n.startswith("business_plan_2026"))
    changed = bundle.model_copy(deep=True)
    changed.documents[0].sha256 = "0" * 64
    plan = changed.plans[0]
    plan.total_budget_thousand_yen = NEW_TOTAL
    plan.projects[0].budget_thousand_yen = NEW_BUDGET
    participants = next(k for k in plan.projects[2].kpis if k.indicator == "参加者数")
    participants.target = NEW_TARGET
    with unit_of_work(engine) as session:
        result = import_plan_data(session, changed)
    assert result.plans == [(2026, 2)]
    return result.plan_ids[0]


SEED_2026 = "001_0dab7330ada36a72.txt"


def revised_seed_text(seeds_dir: Path) -> str:
    """The FY2026 plan document with three things changed, as a user would edit it: the total (100,674 →
    101,631千円), project ①'s budget on its detail page (10,043 → 11,000千円; the overview table keeps the old
    figure, so the parse warns) and project ③'s 参加者数 target (220 → 250人)."""
    text = (seeds_dir / SEED_2026).read_text(encoding="utf-8")
    edits = [
        ("令和8年度予算額：100,674千円", "令和8年度予算額：101,631千円"),
        (
            "関西スタートアップ・エコシステム情報発信事業 (10,043千円)",
            "関西スタートアップ・エコシステム情報発信事業 (11,000千円)",
        ),
        ("参加者数：220人以上", "参加者数：250人以上"),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text
