"""Importing a 10,000-row participant list (target ≤ 5 s), as CSV in CP932 and as XLSX, and importing it
again (nothing changes).

Builds a fresh SQLite database with the bundled data (or uses ``KEIKAKU_DATABASE_URL``), a two-day event
of the forum's project, and a synthetic list: name, kana, e-mail, firm (2,000 firms, a third with a 法人番号),
participation days and ○.  Prints figures.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from pathlib import Path

import openpyxl
from sqlalchemy import Engine, select
from stdnum.jp import cn

from keikaku.services.core.actors import SYSTEM
from keikaku.services.events.checkin import attendance
from keikaku.services.events.imports_participants import import_participants
from keikaku.services.events.manage import EventForm, create_event
from keikaku.services.exchange.initialize import initialize_database
from keikaku.storage import models as m
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session

ROWS = 10_000
HEADER = ["No.", "氏名", "フリガナ", "会社名", "法人番号", "メールアドレス", "参加日", "出欠"]


def _rows(n: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(n):
        firm = i % 2000
        number = ""
        if firm % 3 == 0:
            base = f"{100000000000 + firm:012d}"
            number = cn.calc_check_digit(base) + base
        days = "10/7" if i % 3 else "10/7、10/8"
        rows.append(
            [
                i + 1,
                f"参加 {i}郎",
                f"サンカ {i}ロウ",
                f"合成工業{firm:04d}株式会社",
                number,
                f"p{i}@example.jp",
                days,
                "○",
            ]
        )
    return rows


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["ベンチマーク 受付名簿"])
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("cp932")


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("名簿")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _event(engine: Engine, name: str) -> int:
    with read_session(engine) as s:
        project_id, department = s.execute(
            select(m.Project.id, m.Department.name)
            .join(m.ProjectDepartment, m.ProjectDepartment.project_id == m.Project.id)
            .join(m.Department, m.Department.id == m.ProjectDepartment.department_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(m.Plan.fiscal_year == 2026)
            .order_by(m.Project.id)
        ).first()  # type: ignore[misc]
    form = EventForm(project_id, name, "forum", "2026-10-07", "2026-10-08", department=department)
    return create_event(form, actor=SYSTEM, engine=engine).id


def _timed(engine: Engine, event_id: int, name: str, content: bytes, label: str) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    report = import_participants(event_id, name, content, actor=SYSTEM, engine=engine)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert report.applied, [str(e) for e in report.errors[:5]]
    print(
        f"{label}: {report.rows:,} rows, {report.added:,} added, {report.unchanged:,} unchanged, "
        f"{report.checkins:,} check-ins in {took:.2f} s (target <= 5; CPU {cpu:.2f} s)"
    )


def main() -> None:
    """Run the measurements and print them."""
    os.environ.setdefault("KEIKAKU_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))
    rows = _rows(ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("KEIKAKU_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'events.sqlite3'}"
        engine = make_engine(url)
        initialize_database(engine=engine)
        content = _csv(rows)
        print(f"participant list: {ROWS:,} rows, CSV (CP932) {len(content):,} bytes")
        first = _event(engine, "ベンチ（CSV）")
        _timed(engine, first, "csv import", content, "csv import")
        _timed(engine, first, "csv import", content, "csv re-import")
        counts = attendance(first, engine=engine)
        print(f"attended: {counts.unique_people:,} people, {counts.person_days:,} person-days")
        workbook = _xlsx(rows)
        print(f"participant list: XLSX {len(workbook):,} bytes")
        _timed(engine, _event(engine, "ベンチ（XLSX）"), "list.xlsx", workbook, "xlsx import")
        engine.dispose()


if __name__ == "__main__":
    main()
