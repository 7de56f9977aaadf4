"""Excel project lists: header names vary, formulas are read through their stored values."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook
from tests.ingest.test_readers import with_stored_value

from keikaku.domain import Comparator, DocumentKind
from keikaku.domain.plan import ProjectKind
from keikaku.ingest.errors import IngestError
from keikaku.ingest.pipeline import ingest_file


def _save(path: Path, rows: list[list[object]], *, title: str = "事業一覧") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


ROWS: list[list[object]] = [
    ["令和9年度 広域産業振興局 事業一覧"],
    ["関西広域連合 広域産業振興局"],
    [],
    ["No.", "事業名", "予算額（千円）", "担当課", "成果目標", "事業開始年度", "区分"],
    [
        1,
        "関西スタートアップ・エコシステムの推進",
        10500,
        "スタートアップ支援課",
        "ポータルサイトのアクセス件数：30,000件以上",
        "令和4年度（6年目）",
        "継続",
    ],
    [
        2,
        "ライフサイエンス分野の発信",
        4000,
        "ライフサイエンス産業振興課",
        "マッチング件数：参加企業数×6倍以上\n来場者数：500人以上",
        "令和5年度（4年目）",
        "新規",
    ],
    [3, "（再掲）関西スタートアップ・エコシステムの推進", "(2,000)", "スタートアップ支援課", None, None, None],
    [None, "管理費", 500],
    [None, "合計", "=SUM(C5:C8)"],
]


def test_project_list_workbook(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    xlsx = _save(path, ROWS)
    path.write_bytes(with_stored_value(xlsx, "SUM(C5:C8)", "15000"))
    result = ingest_file(path)
    assert result.kind is DocumentKind.BUSINESS_PLAN
    (plan,) = result.data.plans
    assert (plan.fiscal_year, plan.issuer, plan.total_budget_thousand_yen) == (
        2027,
        "関西広域連合 広域産業振興局",
        15000,
    )
    first, second, relisted, admin = plan.projects
    assert (first.code, first.budget_thousand_yen, first.departments, first.start_fiscal_year) == (
        "1",
        10500,
        ["スタートアップ支援課"],
        2022,
    )
    assert [(k.target, k.unit) for k in first.kpis] == [(30000.0, "件")]
    assert second.new and [(k.comparator, k.target, k.relative_to) for k in second.kpis] == [
        (Comparator.GE, 6.0, "参加企業数"),
        (Comparator.GE, 500.0, None),
    ]
    assert (relisted.relisted, relisted.budget_thousand_yen, relisted.name) == (
        True,
        2000,
        "関西スタートアップ・エコシステムの推進",
    )
    assert (admin.kind, admin.budget_thousand_yen) == (ProjectKind.ADMINISTRATIVE, 500)
    assert first.provenance is not None and first.provenance.line == 5
    assert [w.code for w in plan.warnings] == ["year_count_mismatch"]  # 令和5年度 is the 5th year of FY2027


def test_other_header_names_and_yen_units(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    _save(
        path,
        [
            ["2026年度 産業振興事業の予算"],
            ["番号", "取組名", "金額（円）", "所管", "KPI"],
            ["①", "地場産業の販路開拓", 3500000, "地域産業課", "商談件数 40件以上"],
            ["②", "人材育成セミナー", 1200000, "産業人材課", "参加者満足度 80%以上"],
        ],
        title="Sheet1",
    )
    (plan,) = ingest_file(path).data.plans
    assert plan.fiscal_year == 2026
    assert [(p.code, p.name, p.budget_thousand_yen, p.departments) for p in plan.projects] == [
        ("1", "地場産業の販路開拓", 3500, ["地域産業課"]),
        ("2", "人材育成セミナー", 1200, ["産業人材課"]),
    ]
    assert [w.code for w in plan.warnings] == ["missing_field"]  # no total row


def test_workbook_without_a_project_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    _save(path, [["メモ"], ["会議の日程"], ["5月10日"]])
    with pytest.raises(IngestError, match="見出し行") as caught:
        ingest_file(path)
    assert caught.value.code == "unknown_kind"


def test_workbook_without_a_fiscal_year_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "undated.xlsx"
    _save(path, [["事業名", "予算額"], ["事業A", 100]], title="一覧")
    with pytest.raises(IngestError, match="年度"):
        ingest_file(path)
