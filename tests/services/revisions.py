"""A revised FY2026 plan for the revision tests: the bundled plan with three lines changed, stored as
``keikaku ingest`` stores a changed document (a new revision, ``is_current``, and not published)."""

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
