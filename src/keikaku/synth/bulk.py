"""Bulk writes for large generated data: Core inserts with ids assigned in Python, one transaction per batch."""

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text

import keikaku.storage.all_tables  # noqa: F401  (registers actual_values)
from keikaku.storage import aggregates, derived
from keikaku.storage import models as m
from keikaku.storage.base import utcnow

SYNTH_ACTOR = "synth"
#: Why synthetic plans and evaluations are published (kept with each publication row).
SYNTH_PUBLICATION_REASON = "ベンチマーク用の合成データ"


COLUMNS: dict[str, tuple[str, ...]] = {
    "plans": (
        "id",
        "issuer",
        "fiscal_year",
        "revision",
        "is_current",
        "title",
        "total_budget_thousand_yen",
        "region_code",
        "created_at",
    ),
    "projects": (
        "id",
        "plan_id",
        "position",
        "code",
        "name",
        "budget_thousand_yen",
        "challenge",
        "field",
        "start_fiscal_year",
        "year_count",
        "is_new",
        "relisted",
        "kind",
    ),
    "project_departments": ("project_id", "department_id", "position"),
    "kpis": (
        "id",
        "project_id",
        "position",
        "role",
        "indicator",
        "comparator",
        "target",
        "unit",
        "relative_to",
        "relative_to_kpi_id",
        "reference",
        "target_fiscal_year",
        "approximate",
        "counted_monthly",
    ),
    "actual_values": (
        "id",
        "kpi_id",
        "fiscal_year",
        "month",
        "version",
        "value",
        "measured_on",
        "channel",
        "entered_by",
        "entered_at",
    ),
    # Append-only history; its ids come from the database (no other table refers to them).
    "publications": ("object_type", "object_id", "fiscal_year", "state", "changed_by", "changed_at", "reason"),
}


class _Batch:
    """Rows of one batch as tuples in ``COLUMNS`` order, with the next free id of every table.

    Values are prepared the way SQLAlchemy stores them (ISO text dates on SQLite, JSON as text), so the ORM
    reads these rows like any other.
    """

    def __init__(self, conn: Connection | None, next_ids: dict[str, int], *, sqlite: bool = True) -> None:
        self.conn = conn
        self.next_ids = next_ids
        self.sqlite = sqlite
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
        #: The plans queued since the last flush (their stored aggregates are computed after it).
        self.plan_ids: list[int] = []
        now = utcnow()
        self.now: Any = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now

    def _id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add_plan(
        self,
        plan: dict[str, Any],
        departments: dict[str, int],
        actual: Callable[[dict[str, Any]], float],
        *,
        publish_evaluation: bool = False,
    ) -> tuple[int, int, int]:
        """Queue one generated plan, published (and with ``publish_evaluation`` its year's evaluation too);
        returns (projects, KPIs, actual values) queued."""
        plan_id = self._id("plans")
        self.plan_ids.append(plan_id)
        year = plan["fiscal_year"]
        total = sum(p["budget"] for p in plan["projects"])
        title = f"{plan['issuer']} 令和{year - 2018}年度 産業振興事業計画"
        self.rows["plans"].append((plan_id, plan["issuer"], year, 1, True, title, total, plan["region_code"], self.now))
        published = ("published", SYNTH_ACTOR, self.now, SYNTH_PUBLICATION_REASON)
        self.rows["publications"].append(("plan", plan_id, year, *published))
        if publish_evaluation:
            self.rows["publications"].append(("evaluation", plan_id, year, *published))
        measured: Any = dt.date(year + 1, 3, 31)
        if self.sqlite:
            measured = measured.isoformat()
        projects, kpi_rows, actual_rows, links = (
            self.rows["projects"],
            self.rows["kpis"],
            self.rows["actual_values"],
            self.rows["project_departments"],
        )
        kpis = 0
        for project in plan["projects"]:
            project_id = self._id("projects")
            projects.append(
                (
                    project_id,
                    plan_id,
                    project["position"],
                    str(project["position"] + 1),
                    project["name"],
                    project["budget"],
                    project["challenge"],
                    project["field"],
                    project["start"],
                    year - project["start"] + 1,
                    project["new"],
                    False,
                    "budget",
                )
            )
            links.append((project_id, departments[project["department"]], 0))
            for pos, kpi in enumerate(project["kpis"]):
                kpi_id = self._id("kpis")
                measure_id = None
                value = actual(kpi)
                if kpi["relative_to"]:
                    measure_id = self._id("kpis")
                    companies = 5 + (kpi_id % 26)
                    kpi_rows.append(
                        (
                            measure_id,
                            project_id,
                            90 + pos,
                            "measure",
                            kpi["relative_to"],
                            None,
                            None,
                            "社",
                            None,
                            None,
                            None,
                            year,
                            False,
                            False,
                        )
                    )
                    actual_rows.append(
                        (
                            self._id("actual_values"),
                            measure_id,
                            year,
                            0,
                            1,
                            float(companies),
                            measured,
                            "synth",
                            SYNTH_ACTOR,
                            self.now,
                        )
                    )
                    value = float(round(companies * kpi["target"] * (0.6 + (kpi_id % 9) / 10)))
                    kpis += 1
                reference = json.dumps({"value": kpi["reference"], "unit": "位"}) if kpi["reference"] else None
                kpi_rows.append(
                    (
                        kpi_id,
                        project_id,
                        pos,
                        "target",
                        kpi["indicator"],
                        kpi["comparator"],
                        kpi["target"],
                        kpi["unit"],
                        kpi["relative_to"],
                        measure_id,
                        reference,
                        year,
                        False,
                        kpi["monthly"],
                    )
                )
                actual_rows.append(
                    (self._id("actual_values"), kpi_id, year, 0, 1, value, measured, "synth", SYNTH_ACTOR, self.now)
                )
                kpis += 1
        return len(plan["projects"]), kpis, kpis

    def flush(self) -> None:
        """Insert every queued row through the driver's executemany (ids are assigned already), then the
        plans' stored aggregates (:mod:`keikaku.storage.aggregates`), in the same transaction.

        Measures go in before the KPIs that refer to them.
        """
        assert self.conn is not None
        mark = "?" if self.sqlite else "%s"
        for name, columns in COLUMNS.items():
            rows = self.rows[name]
            if not rows:
                continue
            if name == "kpis":
                rows.sort(key=lambda r: r[9] is not None)  # relative_to_kpi_id: measures first
            sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
            for start in range(0, len(rows), 50000):
                self.conn.exec_driver_sql(sql, rows[start : start + 50000])
            rows.clear()
        aggregates.refresh(self.conn, self.plan_ids)
        self.plan_ids.clear()


class BulkWriter:
    """Writes generated plans in bulk; each ``batch()`` is one transaction."""

    TABLES = ("plans", "projects", "kpis", "actual_values")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def department_ids(self, names: Iterable[str]) -> dict[str, int]:
        """Ids of these departments, creating the missing ones."""
        wanted = list(names)
        with self.engine.begin() as conn:
            table = m.Base.metadata.tables["departments"]
            found = {
                r.name: r.id for r in conn.execute(select(table.c.id, table.c.name).where(table.c.name.in_(wanted)))
            }
            for name in wanted:
                if name not in found:
                    found[name] = conn.execute(insert(table).values(name=name).returning(table.c.id)).scalar_one()
        return found

    def existing_issuers(self) -> set[str]:
        """Issuers that already have plans (synthetic data is not generated twice)."""
        with self.engine.connect() as conn:
            return set(conn.scalars(select(m.Plan.issuer).distinct()))

    @contextmanager
    def batch(self) -> Iterator[_Batch]:
        """A batch of rows written in one transaction on exit."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA cache_size=-262144")  # bulk index updates stay in memory
            next_ids = {}
            for name in self.TABLES:
                table = m.Base.metadata.tables[name]
                next_ids[name] = (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
            batch = _Batch(conn, next_ids, sqlite=conn.dialect.name == "sqlite")
            yield batch
            batch.flush()
            derived.new_tokens(conn, [derived.VISIBILITY])  # new plans, published: what each viewer reads changed
            if conn.dialect.name == "postgresql":
                for name in self.TABLES:
                    conn.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                    )
