"""The audit trail: one call records, the database refuses to change it, readable per object and in whole,
exported as CSV/XLSX with formulas neutralised."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from keikaku.reports.safe_cells import neutralise_cell
from keikaku.services.core.actors import PUBLIC, Actor, Role
from keikaku.services.core.errors import PermissionDeniedError, ValidationError
from keikaku.services.governance import audit
from keikaku.storage.accounts import APPEND_ONLY_TABLES
from keikaku.storage.uow import unit_of_work

SRC = Path(__file__).resolve().parents[2] / "src" / "keikaku"
EDITOR = Actor("ed", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"ものづくり支援課"}))
COUNCIL = Actor("council", frozenset({Role.COUNCIL_MEMBER}))


def _record(engine: Engine, actor: Actor, *args: object, **kwargs: object) -> None:
    with unit_of_work(engine) as session:
        audit.record(session, actor, *args, **kwargs)  # type: ignore[arg-type]


def test_record_is_part_of_the_callers_transaction(engine: Engine, admin: Actor) -> None:
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        audit.record(session, admin, "plan.update", "plan", 1, {"title": "旧"}, {"title": "新"})
        raise RuntimeError("the change fails")
    assert audit.list_audit(admin, engine=engine).total == 0
    _record(engine, admin, "plan.update", "plan", 1, {"title": "旧"}, {"title": "新"}, "誤字")
    entry = audit.list_audit(admin, engine=engine).entries[0]
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == ("cli:tester", "plan.update", "plan", "1")
    assert (entry.before, entry.after, entry.reason) == ({"title": "旧"}, {"title": "新"}, "誤字")
    assert entry.at.tzinfo is not None and abs(entry.at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_values_are_made_json_safe_and_request_id_is_kept(engine: Engine, admin: Actor) -> None:
    with audit.request_context("req-42"):
        _record(
            engine,
            admin,
            "actual.set",
            "actual",
            "12/2026",
            None,
            {"on": dt.date(2026, 4, 1), "roles": frozenset({Role.COUNCIL_MEMBER}), "blob": b"\x00\x01"},
        )
    _record(engine, admin, "actual.set", "actual", "13/2026")
    first, second = reversed(audit.list_audit(admin, engine=engine).entries)
    assert first.request_id == "req-42" and second.request_id is None
    assert first.after == {"on": "2026-04-01", "roles": ["council_member"], "blob": "<2 bytes>"}


def test_listing_per_object_actor_and_time(engine: Engine, admin: Actor) -> None:
    for i in range(5):
        _record(engine, admin if i % 2 else EDITOR, "kpi.update", "kpi", i % 2, {"v": i}, {"v": i + 1})
    everything = audit.list_audit(COUNCIL, engine=engine)  # council members read everything
    assert everything.total == 5 and [e.before["v"] for e in everything.entries] == [4, 3, 2, 1, 0]
    one = audit.list_audit(admin, object_type="kpi", object_id=1, engine=engine)
    assert one.total == 2 and {e.actor for e in one.entries} == {"cli:tester"}
    assert audit.list_audit(admin, actor="ed", engine=engine).total == 3
    page = audit.list_audit(admin, limit=2, offset=2, engine=engine)
    assert [e.before["v"] for e in page.entries] == [2, 1] and page.total == 5
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert audit.list_audit(admin, since=later, engine=engine).total == 0
    assert audit.list_audit(admin, until=later, engine=engine).total == 5
    jst_now = dt.datetime.now(audit.JST) - dt.timedelta(minutes=5)
    assert audit.list_audit(admin, since=jst_now, engine=engine).total == 5
    with pytest.raises(ValidationError):
        audit.list_audit(admin, limit=0, engine=engine)


def test_only_auditors_read_the_trail(engine: Engine, tmp_path: Path) -> None:
    for actor in (PUBLIC, EDITOR):
        with pytest.raises(PermissionDeniedError):
            audit.list_audit(actor, engine=engine)
        with pytest.raises(PermissionDeniedError):
            audit.export_audit(actor, "csv", tmp_path / "a.csv", engine=engine)


def _modify(engine: Engine, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement))


def test_append_only_tables_refuse_update_and_delete_in_the_database(engine: Engine, admin: Actor) -> None:
    _record(engine, admin, "plan.update", "plan", 1, {"a": 1}, {"a": 2})
    now = "CURRENT_TIMESTAMP"
    _modify(
        engine,
        "INSERT INTO period_locks (fiscal_year, locked_at, locked_by) VALUES (2026, " + now + ", 'x')",
    )
    _modify(
        engine,
        "INSERT INTO publications (object_type, object_id, fiscal_year, state, changed_by, changed_at) "
        "VALUES ('plan', 1, 2026, 'published', 'x', " + now + ")",
    )
    for table in APPEND_ONLY_TABLES:
        for statement in (f"UPDATE {table} SET id = id + 100", f"DELETE FROM {table}"):
            with pytest.raises(DBAPIError, match="append-only"):
                _modify(engine, statement)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            _modify(engine, "TRUNCATE audit_log")
    assert audit.list_audit(admin, engine=engine).entries[0].after == {"a": 2}


def test_no_code_updates_or_deletes_the_append_only_tables() -> None:
    models = ("AuditEntry", "PeriodLock", "Publication")
    offenders = []
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for model in models:
            for verb in ("update", "delete"):
                if f"{verb}({model}" in source:
                    offenders.append(f"{path.name}: {verb}({model})")
        for table in APPEND_ONLY_TABLES:
            for verb in (f"UPDATE {table}", f"DELETE FROM {table}"):
                if verb in source and "migrations" not in path.parts:
                    offenders.append(f"{path.name}: {verb}")
    assert offenders == []


DANGEROUS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "安全な理由"]


def test_export_csv_has_a_bom_and_neutralised_formulas(engine: Engine, admin: Actor, tmp_path: Path) -> None:
    for i, reason in enumerate(DANGEROUS):
        _record(engine, Actor(name=reason, roles=admin.roles), "plan.update", reason, i, None, {"r": reason}, reason)
    out = tmp_path / "audit.csv"
    assert audit.export_audit(admin, "csv", out, engine=engine) == len(DANGEROUS)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(audit.EXPORT_HEADER)
    for row, reason in zip(rows[1:], DANGEROUS, strict=True):
        expected = reason if reason == "安全な理由" else "'" + reason
        assert row[2] == expected and row[4] == expected
        assert row[8] == neutralise_cell(reason.strip())  # a reason is stored trimmed
        assert row[1][:4].isdigit()  # Japan time, 2026-…
    assert not (tmp_path / ".audit.csv.partial").exists()


def test_export_xlsx_is_readable_and_neutralised(engine: Engine, admin: Actor, tmp_path: Path) -> None:
    for i, reason in enumerate(DANGEROUS):
        _record(engine, admin, "plan.update", "plan", i, {"x": "\x01制御文字"}, None, reason)
    buffer = io.BytesIO()
    assert audit.export_audit(admin, "xlsx", buffer, object_type="plan", engine=engine) == len(DANGEROUS)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == audit.EXPORT_HEADER
    assert isinstance(rows[1][1], dt.datetime)
    reasons = [row[8] for row in rows[1:]]
    assert reasons == [neutralise_cell(r.strip()) for r in DANGEROUS]
    assert all(not str(cell).startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row if cell)
    with pytest.raises(ValidationError):
        audit.export_audit(admin, "pdf", buffer, engine=engine)  # type: ignore[arg-type]


def test_changed_keeps_only_differences() -> None:
    assert audit.changed({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ({"b": 2, "c": None}, {"b": 3, "c": 4})
