"""Synthetic data: deterministic, consistent, exportable, and not generated twice."""

import io
import json
from pathlib import Path

import jsonschema
from sqlalchemy import Engine, func, select

from keikaku.data import plan_data_schema
from keikaku.services.core.actors import PUBLIC, SYSTEM
from keikaku.services.exchange.export import ExportFormat, export_data
from keikaku.services.exchange.initialize import initialize_database
from keikaku.storage import models as m
from keikaku.storage.actuals import ActualValue
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session
from keikaku.synth.generate import Scale, generate, issuers_for, municipalities

SCHEMA = plan_data_schema()


def test_national_issuers_are_47_prefectures_and_1741_municipalities() -> None:
    towns = municipalities()
    assert len(towns) == 1741
    assert len({t.name for t in towns}) == 1741
    assert len(issuers_for(Scale.NATIONAL)) == 47 + 1741
    assert sum(t.name.endswith("村") for t in towns) == 183


def test_small_scale_is_consistent_and_exports(engine: Engine) -> None:
    result = generate(Scale.SMALL, engine=engine)
    assert result.issuers == 6 and result.plans == 18
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Plan)) == 18
        counts = session.execute(
            select(func.count(m.Project.id), func.min(m.Project.id)).group_by(m.Project.plan_id)
        ).all()
        assert all(20 <= n <= 60 for n, _ in counts)
        per_project = session.execute(
            select(func.count(m.Kpi.id)).where(m.Kpi.role == "target").group_by(m.Kpi.project_id)
        ).all()
        assert all(1 <= n <= 4 for (n,) in per_project)
        kpi_total = session.scalar(select(func.count()).select_from(m.Kpi))
        assert session.scalar(select(func.count()).select_from(ActualValue)) == kpi_total
        totals = session.execute(
            select(m.Plan.total_budget_thousand_yen, func.sum(m.Project.budget_thousand_yen))
            .join(m.Project, m.Project.plan_id == m.Plan.id)
            .group_by(m.Plan.id)
        ).all()
        assert all(stated == summed for stated, summed in totals)
    buf = io.StringIO()
    exported = export_data(ExportFormat.JSON, buf, viewer=PUBLIC, engine=engine)
    assert exported.plans == 18  # every synthetic plan is published
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(buf.getvalue()))
    again = generate(Scale.SMALL, engine=engine)
    assert again.plans == 0


def test_generation_is_deterministic(tmp_path: Path) -> None:
    exports = []
    for name in ("a", "b"):
        eng = make_engine(f"sqlite:///{tmp_path / name}.sqlite3")
        initialize_database(empty=True, engine=eng)
        generate(Scale.SMALL, engine=eng)
        buf = io.StringIO()
        export_data(ExportFormat.CSV, buf, viewer=SYSTEM, engine=eng)
        exports.append(buf.getvalue())
        eng.dispose()
    assert exports[0] == exports[1]
