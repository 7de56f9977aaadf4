"""Synthetic operations at national scale: events of every government (47 prefectures and 1,741
municipalities), their registrations, check-ins, questionnaires and responses, and KPIs bound to measures
over them — by bulk insert (the driver's executemany, ids assigned in Python), for benches.

Each government gets one plan of ``fiscal_year`` with one event project of three KPIs — 参加者数 (unique
attendees), 申込者数 (registrations) and 有益な情報を得たと回答した割合 (top-2 share of ``info5``) — bound to
its events.  The database must be initialised (``keikaku init``); the governments must have no plan of
that year yet (a fresh database, not one that ``keikaku synth`` has filled).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from keikaku.services.core.db import ensure_schema
from keikaku.services.surveys.bank import TOP2, USEFULNESS, ensure_standard_questions
from keikaku.storage import events as ev
from keikaku.storage import measures as ms
from keikaku.storage import surveys as sv
from keikaku.storage.statistics import analyze
from keikaku.storage.uow import unit_of_work
from keikaku.synth.bulk import SYNTH_ACTOR, BulkWriter
from keikaku.synth.generate import Scale, issuers_for

DEPARTMENT = "イベント推進課"
KPIS = (
    ("参加者数", "人", "attended_people"),
    ("申込者数", "人", "registrations"),
    ("有益な情報を得たと回答した割合", "%", "answer_share"),
)
#: Share of registrations that come (checked in), and share of the seated that answer the survey.
ATTENDANCE = 0.75


@dataclass
class OperationsResult:
    """What was generated."""

    governments: int = 0
    events: int = 0
    registrations: int = 0
    checkins: int = 0
    responses: int = 0
    measures: int = 0
    kpi_ids: tuple[int, ...] = ()
    first_event_id: int = 0


class _Rows:
    """Values as the driver takes them: ISO text on SQLite, Python objects on PostgreSQL."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"

    def day(self, value: dt.date) -> Any:
        return value.isoformat() if self.sqlite else value

    def moment(self, value: dt.datetime) -> Any:
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else value

    def flag(self, value: bool) -> Any:
        return int(value) if self.sqlite else value

    def next_id(self, table: str) -> int:
        return int(self.conn.scalar(text(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")) or 1)

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        mark = "?" if self.sqlite else "%s"
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
        batch: list[tuple[Any, ...]] = []
        count = 0
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                self.conn.exec_driver_sql(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            self.conn.exec_driver_sql(sql, batch)
            count += len(batch)
        return count

    def fix_sequences(self, tables: Iterable[str]) -> None:
        if not self.sqlite:
            for name in tables:
                self.conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                )


def _plans(engine: Engine, fiscal_year: int, governments: int | None) -> list[tuple[int, list[int]]]:
    """One plan per government with its event project and KPIs; (project id, KPI ids) each."""
    writer = BulkWriter(engine)
    departments = writer.department_ids([DEPARTMENT])
    issuers = issuers_for(Scale.NATIONAL)[:governments]
    kpis = [
        {
            "indicator": name,
            "comparator": ">=",
            "unit": unit,
            "target": 70.0 if unit == "%" else 100.0,
            "reference": None,
            "relative_to": None,
            "monthly": False,
        }
        for name, unit, _kind in KPIS
    ]
    with writer.batch() as batch:
        first_project, first_kpi = batch.next_ids["projects"], batch.next_ids["kpis"]
        for issuer in issuers:
            project = {
                "position": 0,
                "name": f"{issuer.name} 産業振興イベント事業",
                "budget": 1000,
                "challenge": 1,
                "field": "産業振興",
                "start": fiscal_year,
                "new": False,
                "department": DEPARTMENT,
                "kpis": kpis,
            }
            plan = {"fiscal_year": fiscal_year, "issuer": issuer.name, "region_code": issuer.region_code}
            batch.add_plan({**plan, "projects": [project]}, departments, lambda _kpi: 0.0)
        batch.rows["actual_values"].clear()  # the KPIs' actuals are what the measures compute
    per = len(KPIS)
    return [(first_project + i, [first_kpi + i * per + k for k in range(per)]) for i in range(len(issuers))]


def generate_operations(
    engine: Engine | None = None,
    *,
    fiscal_year: int = 2026,
    events: int = 50_000,
    registrations: int = 1_000_000,
    responses: int = 300_000,
    governments: int | None = None,
    seed: str = "keikaku-operations",
) -> OperationsResult:
    """Generate and store the operations (see the module); every government gets ``events`` / governments
    events, and the registrations and responses are spread over all events."""
    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        question = ensure_standard_questions(session)["info5"].id
    projects = _plans(eng, fiscal_year, governments)
    rng = random.Random(seed)
    result = OperationsResult(governments=len(projects))
    now = dt.datetime.now(dt.UTC)
    first_day = dt.date(fiscal_year, 4, 10)
    with eng.begin() as conn:
        out = _Rows(conn)
        if out.sqlite:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        ids = {name: out.next_id(name) for name in ("managed_events", "organisations", "event_people")}
        ids |= {name: out.next_id(name) for name in ("event_registrations", "event_checkins", "surveys")}
        ids |= {name: out.next_id(name) for name in ("survey_responses", "survey_answers", "kpi_measures")}
        result.first_event_id = ids["managed_events"]
        per_event = registrations // events
        capacity = per_event + per_event // 4
        owner: list[int] = []  # the project of each event
        event_rows = []
        for n in range(events):
            project_id, _kpis = projects[n % len(projects)]
            owner.append(project_id)
            start = first_day + dt.timedelta(days=n % 330)
            event_rows.append(
                (
                    ids["managed_events"] + n,
                    project_id,
                    f"産業振興セミナー 第{n // len(projects) + 1}回",
                    "seminar",
                    out.day(start),
                    out.day(start),
                    "会場",
                    "onsite",
                    capacity,
                    per_event,
                    out.flag(True),
                    DEPARTMENT,
                    48,
                    SYNTH_ACTOR,
                    out.moment(now),
                )
            )
        result.events = out.insert(
            "managed_events",
            (
                "id",
                "project_id",
                "name",
                "kind",
                "start_date",
                "end_date",
                "venue",
                "format",
                "capacity",
                "seats_taken",
                "published",
                "department",
                "reply_hours",
                "created_by",
                "created_at",
            ),
            event_rows,
        )
        firms = 20_000
        out.insert(
            "organisations",
            ("id", "name", "folded_name", "corporate_number", "created_at"),
            (
                (ids["organisations"] + i, f"合成工業{i:05d}株式会社", f"合成工業{i:05d}", None, out.moment(now))
                for i in range(firms)
            ),
        )
        total = per_event * events
        moment = out.moment(now)
        out.insert(
            "event_people",
            ("id", "name", "kana", "email", "organisation_id"),
            (
                (ids["event_people"] + i, f"参加 {i}", None, f"p{i}@example.jp", ids["organisations"] + i % firms)
                for i in range(total)
            ),
        )
        result.registrations = out.insert(
            "event_registrations",
            (
                "id",
                "event_id",
                "person_id",
                "status",
                "role",
                "takes_seat",
                "token",
                "channel",
                "created_at",
                "updated_at",
            ),
            (
                (
                    ids["event_registrations"] + i,
                    ids["managed_events"] + i // per_event,
                    ids["event_people"] + i,
                    ev.REGISTERED,
                    ev.COUNTED_ROLE,
                    out.flag(True),
                    f"{i:08x}{rng.getrandbits(96):024x}",
                    "public",
                    moment,
                    moment,
                )
                for i in range(total)
            ),
        )
        came = [i for i in range(total) if (i * 2654435761) % 1000 < ATTENDANCE * 1000]
        result.checkins = out.insert(
            "event_checkins",
            ("id", "registration_id", "event_id", "day", "method", "marked_by", "marked_at"),
            (
                (
                    ids["event_checkins"] + k,
                    ids["event_registrations"] + i,
                    ids["managed_events"] + i // per_event,
                    event_rows[i // per_event][4],
                    "scan",
                    SYNTH_ACTOR,
                    moment,
                )
                for k, i in enumerate(came)
            ),
        )
        out.insert(
            "surveys",
            ("id", "event_id", "title", "public_token", "is_open", "created_by", "created_at"),
            (
                (
                    ids["surveys"] + n,
                    ids["managed_events"] + n,
                    "参加者アンケート",
                    f"s{n:08x}{rng.getrandbits(64):016x}",
                    out.flag(True),
                    SYNTH_ACTOR,
                    moment,
                )
                for n in range(events)
            ),
        )
        out.insert(
            "survey_items",
            ("survey_id", "question_id", "position", "required"),
            ((ids["surveys"] + n, question, 0, out.flag(False)) for n in range(events)),
        )
        answering = came[:: max(1, len(came) // responses)][:responses]
        codes = [code for code, _label in USEFULNESS]
        weights = (30, 40, 15, 10, 5)
        result.responses = out.insert(
            "survey_responses",
            ("id", "survey_id", "registration_id", "channel", "entered_by", "submitted_at"),
            (
                (
                    ids["survey_responses"] + k,
                    ids["surveys"] + i // per_event,
                    ids["event_registrations"] + i,
                    "public",
                    None,
                    moment,
                )
                for k, i in enumerate(answering)
            ),
        )
        chosen = rng.choices(codes, weights=weights, k=len(answering))
        out.insert(
            "survey_answers",
            ("id", "response_id", "question_id", "option_code", "number", "text"),
            (
                (
                    ids["survey_answers"] + k,
                    ids["survey_responses"] + k,
                    question,
                    None if k % 20 == 0 else chosen[k],
                    None,
                    None,
                )
                for k in range(len(answering))
            ),
        )
        events_of: dict[int, list[int]] = {}
        for n, project_id in enumerate(owner):
            events_of.setdefault(project_id, []).append(ids["managed_events"] + n)
        measure_rows: list[tuple[Any, ...]] = []
        for project_id, kpi_ids in projects:
            for kpi_id, (_name, _unit, kind) in zip(kpi_ids, KPIS, strict=True):
                share = kind == "answer_share"
                measure_rows.append(
                    (
                        ids["kpi_measures"] + len(measure_rows),
                        kpi_id,
                        1,
                        kind,
                        json.dumps(events_of.get(project_id, [])),
                        question if share else None,
                        json.dumps(sorted(TOP2) if share else []),
                        None,
                        SYNTH_ACTOR,
                        moment,
                    )
                )
        result.measures = out.insert(
            "kpi_measures",
            (
                "id",
                "kpi_id",
                "version",
                "kind",
                "event_ids",
                "question_id",
                "codes",
                "params",
                "created_by",
                "created_at",
            ),
            measure_rows,
        )
        out.insert(
            "kpi_measure_events",
            ("measure_id", "event_id"),
            ((row[0], e) for row in measure_rows for e in sorted(set(json.loads(row[4])))),
        )
        result.kpi_ids = tuple(k for _p, kpis in projects for k in kpis)
        out.fix_sequences(
            (
                "managed_events",
                "organisations",
                "event_people",
                "event_registrations",
                "event_checkins",
                "surveys",
                "survey_responses",
                "survey_answers",
                "kpi_measures",
            )
        )
    analyze(eng)
    return result


def operations_counts(engine: Engine) -> dict[str, int]:
    """Rows of the operations tables (what a bench prints beside its figures)."""
    tables = {
        "events": ev.ManagedEvent,
        "registrations": ev.Registration,
        "checkins": ev.CheckIn,
        "responses": sv.SurveyResponse,
        "measures": ms.KpiMeasure,
    }
    with engine.connect() as conn:
        return {name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for name, t in tables.items()}
