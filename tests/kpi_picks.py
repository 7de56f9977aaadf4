"""Choosing KPIs of the bundled data for a test: the conditions of a FY2026 KPI that counts people, cases or
firms against a numeric target of its own (so that a value of it is a plain number, judged on its own)."""

from __future__ import annotations

from typing import Any

from keikaku.storage import models as m

COUNT_UNITS = ("人", "件", "社")


def counted_kpis_2026() -> tuple[Any, ...]:
    """Where-conditions on ``kpis`` joined with ``projects`` and ``plans`` (the current FY2026 plans)."""
    return (
        m.Plan.fiscal_year == 2026,
        m.Plan.is_current.is_(True),
        m.Kpi.target.is_not(None),
        m.Kpi.relative_to_kpi_id.is_(None),
        m.Kpi.unit.in_(COUNT_UNITS),
    )
