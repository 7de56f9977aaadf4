"""The organiser's meeting list of BioJapan: imported all or nothing, found again on re-import (statuses
move, nothing doubles), and counted by the KPI measures — held meetings against participating firms × 6."""

import io

import openpyxl
from sqlalchemy import Engine, select
from tests.db_fingerprint import changed_tables, fingerprint

from keikaku.services.actuals.record import actual_history
from keikaku.services.events.imports_meetings import import_meetings
from keikaku.services.events.manage import EventForm, create_event
from keikaku.services.events.meetings import list_meetings, meeting_counts
from keikaku.services.measures.compute import compute_kpi, drill_down
from keikaku.services.measures.definitions import bind_measure
from keikaku.storage import models as m
from keikaku.storage.uow import read_session

from .conftest import COUNCIL, Forum

KEIKAKU = "1010401011569"  # valid check digits
OSAKA = "1120001077396"
HEADER = ["商談ID", "参加企業名", "法人番号", "商談相手", "商談日", "時間", "ステータス", "ブース"]


def _biojapan(engine: Engine) -> tuple[int, int, int, Forum]:
    """The BioJapan project: (its event, the matchings KPI, the participating-firms KPI, its editor)."""
    from keikaku.services.core.actors import Actor, Role

    with read_session(engine) as s:
        kpi = s.scalars(
            select(m.Kpi)
            .join(m.Project, m.Project.id == m.Kpi.project_id)
            .join(m.Plan, m.Plan.id == m.Project.plan_id)
            .where(m.Kpi.indicator == "BioJapanマッチング件数", m.Plan.fiscal_year == 2026, m.Plan.is_current.is_(True))
        ).one()
        firms_kpi = kpi.relative_to_kpi_id
        project_id = kpi.project_id
        department = s.scalars(
            select(m.Department.name)
            .join(m.ProjectDepartment, m.ProjectDepartment.department_id == m.Department.id)
            .where(m.ProjectDepartment.project_id == project_id)
        ).first()
        kpi_id = kpi.id
    assert firms_kpi is not None and project_id is not None and department
    editor = Actor("ライフ担当", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({department}))
    form = EventForm(
        project_id, "BioJapan2026", "trade_fair", "2026-10-07", "2026-10-09", department=department, published=True
    )
    event = create_event(form, actor=editor, engine=engine)
    return event.id, kpi_id, firms_kpi, Forum(project_id, department, editor, {})


def _list(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "商談一覧"
    sheet.append(["BioJapan 2026 パートナリング 商談一覧"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS = [
    ["P-001", "株式会社ケイカク", KEIKAKU, "Acme Biotech Inc.", "2026/10/7", "10:00-10:30", "Completed", "A-12"],
    ["P-002", "（株）ケイカク", KEIKAKU, "Beta Pharma GmbH", "2026/10/7", "11:00-11:30", "実施済", "A-12"],
    ["P-003", "大阪バイオ株式会社", OSAKA, "Acme Biotech Inc.", "10/8", "13:00-13:30", "Confirmed", "B-3"],
    ["P-004", "大阪バイオ株式会社", OSAKA, "Gamma Labs", "10/8", "14:00-14:30", "キャンセル", "B-3"],
    ["P-005", "京都創薬", None, "Delta Health", "10月9日", "09:30-10:00", "実施", "C-1"],
]


def test_the_meeting_list_imports_once_and_feeds_the_relative_kpi(loaded_engine: Engine) -> None:
    engine = loaded_engine
    event_id, matchings, firms, staff = _biojapan(engine)
    bad = [*ROWS, ["P-006", "神戸製薬", "1234567890123", "Epsilon", "2026/10/12", "10:00", "不明", ""]]
    before = fingerprint(engine)
    refused = import_meetings(event_id, "partnering.xlsx", _list(bad), actor=staff.editor, engine=engine)
    assert not refused.applied
    assert [(e.sheet, e.row, e.letter, e.column) for e in refused.errors] == [
        ("商談一覧", 8, "C", "法人番号"),
        ("商談一覧", 8, "G", "ステータス"),
        ("商談一覧", 8, "E", "商談日"),
    ]
    assert "チェックデジット" in refused.errors[0].reason and "予定・実施・不成立" in refused.errors[1].reason
    assert "開催日" in refused.errors[2].reason
    assert changed_tables(before, fingerprint(engine)) == []

    report = import_meetings(event_id, "partnering.xlsx", _list(ROWS), actor=staff.editor, engine=engine)
    assert report.applied and (report.added, report.updated, report.unchanged) == (5, 0, 0)
    assert report.ignored_columns == ["ブース"]
    counts = meeting_counts(event_id, engine=engine)
    assert counts.by_status == {"予定": 1, "実施": 3, "不成立": 1}
    assert (counts.firms, counts.firms_held) == (3, 2)  # ケイカク twice by its 法人番号: one firm
    slots = [
        (r.counterpart, r.slot_start.strftime("%m-%d %H:%M"))
        for r in list_meetings(event_id, actor=staff.editor, engine=engine)
    ]
    assert slots[0] == ("Acme Biotech Inc.", "10-07 10:00") and slots[-1] == ("Delta Health", "10-09 09:30")

    before = fingerprint(engine)
    again = import_meetings(event_id, "partnering.xlsx", _list(ROWS), actor=staff.editor, engine=engine)
    assert again.applied and (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert changed_tables(before, fingerprint(engine)) == ["audit_log"]

    later = [list(r) for r in ROWS]
    later[2][6] = "Completed"  # the organiser's final list: P-003 took place
    moved = import_meetings(event_id, "partnering-final.xlsx", _list(later), actor=staff.editor, engine=engine)
    assert (moved.added, moved.updated, moved.unchanged) == (0, 1, 4)

    bind_measure(matchings, "meetings_held", [event_id], actor=staff.editor, engine=engine)
    bind_measure(firms, "meeting_firms", [event_id], actor=staff.editor, engine=engine)
    assert compute_kpi(matchings, actor=staff.editor, engine=engine).value == 4
    assert compute_kpi(firms, actor=staff.editor, engine=engine).value == 3
    staff_view = drill_down(matchings, viewer=staff.editor, engine=engine)
    assert staff_view.counts == (("2026-10-07", 2), ("2026-10-08", 1), ("2026-10-09", 1))
    assert (
        staff_view.names is not None
        and ("株式会社ケイカク", "Acme Biotech Inc.", "2026-10-07 10:00") in staff_view.names
    )
    assert drill_down(matchings, viewer=COUNCIL, engine=engine).names is None  # counts only

    # Imported again as first sent (P-003 still planned): the bound KPIs follow without the button.
    back = import_meetings(event_id, "partnering.xlsx", _list(ROWS), actor=staff.editor, engine=engine)
    assert back.updated == 1
    assert [v.value for v in actual_history(matchings, 2026, engine=engine)][-2:] == [4, 3]
