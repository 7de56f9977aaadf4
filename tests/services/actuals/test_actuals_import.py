"""The Excel/CSV round trip: template with targets and validation, import checking every cell."""

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import Engine, select, update

from keikaku.services.actuals.import_sheet import import_actuals
from keikaku.services.actuals.record import actual_history
from keikaku.services.actuals.template import build_csv_template, build_template
from keikaku.services.core.actors import Actor, Role
from keikaku.services.core.errors import ValidationError
from keikaku.services.evaluations.reports import render_report
from keikaku.services.evaluations.run import evaluate_fiscal_year
from keikaku.storage import models as m
from keikaku.storage.actuals import ActualValue
from keikaku.storage.uow import read_session, unit_of_work

ACTOR = Actor(name="入力担当 山田", roles=frozenset({Role.BUREAU_ADMIN}))


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> tuple[list[str], dict[str, int]]:
    header = [c.value for c in ws[1]]
    by_indicator = {ws.cell(row=r, column=header.index("指標") + 1).value: r for r in range(2, ws.max_row + 1)}
    return header, by_indicator


def _fill(
    content: bytes, values: dict[str, dict[str, object]], monthly: dict[str, dict[str, object]] | None = None
) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["実績"]
    header, rows = _rows(ws)
    for indicator, cells in values.items():
        for column, value in cells.items():
            ws.cell(row=rows[indicator], column=header.index(column) + 1, value=value)
    if monthly:
        ws = wb["月次実績"]
        header, rows = _rows(ws)
        for indicator, cells in monthly.items():
            for column, value in cells.items():
                ws.cell(row=rows[indicator], column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _values(engine: Engine) -> list[tuple[int, float, int]]:
    with read_session(engine) as session:
        return [tuple(r) for r in session.execute(select(ActualValue.kpi_id, ActualValue.value, ActualValue.month))]  # type: ignore[misc]


def test_template_lists_kpis_with_targets_validation_and_readme(sqlite_loaded_engine: Engine) -> None:
    result = build_template(2026, viewer=None, engine=sqlite_loaded_engine)
    assert (result.kpis, result.monthly_kpis) == (18, 1)
    wb = openpyxl.load_workbook(io.BytesIO(result.content))
    assert wb.sheetnames == ["説明", "実績", "月次実績"]
    readme = " ".join(str(c.value) for row in wb["説明"].iter_rows() for c in row if c.value)
    assert "訂正理由" in readme and "--partial" in readme and "マクロ" in readme
    ws = wb["実績"]
    assert ws.freeze_panes == "G2"
    header, rows = _rows(ws)
    assert ws.cell(row=rows["参加者数"], column=header.index("目標") + 1).value == "220人以上"
    assert ws.cell(row=rows["BioJapanマッチング件数"], column=header.index("目標") + 1).value == "参加企業数×6倍以上"
    assert ws.cell(row=rows["GRP額"], column=header.index("目標") + 1).value == "約150兆円（2040年度）"
    assert ws.cell(row=rows["参加者数"], column=header.index("実績値") + 1).value is None
    kinds = {dv.type: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert set(kinds) == {"whole", "decimal", "date"}
    assert f"K{rows['参加者数']}" in kinds["whole"] or ":" in kinds["whole"]
    monthly = wb["月次実績"]
    assert [c.value for c in monthly[1]][7:19] == [f"{m}月" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
    assert monthly.cell(row=2, column=5).value == "「かんさいラボサーチ」アクセス件数"


def test_department_template(sqlite_loaded_engine: Engine) -> None:
    result = build_template(2026, viewer=None, department="ものづくり支援課", engine=sqlite_loaded_engine)
    wb = openpyxl.load_workbook(io.BytesIO(result.content))
    _, rows = _rows(wb["実績"])
    assert set(rows) == {
        "利用満足度",
        "マッチング（面談数）",
        "「かんさいラボサーチ」アクセス件数",
        "関心を持ったと回答した割合",
    }
    with pytest.raises(ValidationError, match="担当課「観光課」"):
        build_template(2026, viewer=None, department="観光課", engine=sqlite_loaded_engine)


def test_round_trip_imports_every_value(sqlite_loaded_engine: Engine) -> None:
    template = build_template(2026, viewer=None, engine=sqlite_loaded_engine).content
    filled = _fill(
        template,
        {
            "参加者数": {"実績値": "205人", "測定日": "令和8年4月20日（月）", "根拠・出典": "受付名簿"},
            "参加企業数": {"実績値": 12},
            "BioJapanマッチング件数": {"実績値": "八十"},
            "利用満足度": {"分子": 164, "分母": 205},
            "GRP額": {"実績値": "90.5兆円", "年度": 2022},
        },
        monthly={"「かんさいラボサーチ」アクセス件数": {"4月": 2700, "5月": "2,800件"}},
    )
    report = import_actuals("実績.xlsx", filled, actor=ACTOR, engine=sqlite_loaded_engine)
    assert report.errors == []
    assert (report.applied, report.recorded, report.unchanged) == (True, 7, 0)
    (evaluation,) = evaluate_fiscal_year(2026, engine=sqlite_loaded_engine)
    kpis = {k.indicator: k for _, k in evaluation.all_kpis()}
    assert kpis["BioJapanマッチング件数"].actual == 80
    assert kpis["利用満足度"].actual == pytest.approx(80.0)
    assert kpis["「かんさいラボサーチ」アクセス件数"].monthly == {4: 2700, 5: 2800}
    history = actual_history("参加者数", 2026, engine=sqlite_loaded_engine)
    assert history[0].entered_by == "入力担当 山田" and history[0].channel == "xlsx"
    assert history[0].evidence_text == "受付名簿"
    assert history[0].measured_on == dt.date(2026, 4, 20)
    again = import_actuals("実績.xlsx", filled, actor=ACTOR, engine=sqlite_loaded_engine)
    assert (again.recorded, again.unchanged) == (0, 7)


def test_every_error_is_reported_and_nothing_imported(sqlite_loaded_engine: Engine) -> None:
    template = build_template(2026, viewer=None, engine=sqlite_loaded_engine).content
    filled = _fill(
        template,
        {
            "参加者数": {"実績値": "70%"},
            "PR回数": {"実績値": -3},
            "利用満足度": {"実績値": "120%"},
            "セミナーの参加者満足度": {"実績値": 80, "測定日": "2025-01-01", "根拠URL": "ftp://x"},
            "創業支援に有効であったと回答した割合": {"実績値": 90, "測定日": "令和8年4月20日（火）"},
            "海外向けWEBサイト閲覧数": {"実績値": "=1+1"},
            "情報紙の読者満足度": {"実績値": 76, "年度": 2025},
            "マッチング件数": {"実績値": 170},
        },
    )
    report = import_actuals("実績.xlsx", filled, actor=ACTOR, engine=sqlite_loaded_engine)
    assert not report.applied and report.recorded == 0
    found = {(e.sheet, e.column, e.kpi.split("」")[0].removeprefix("KPI「") if e.kpi else None) for e in report.errors}
    assert found == {
        ("実績", "実績値", "参加者数"),
        ("実績", "実績値", "PR回数"),
        ("実績", "実績値", "利用満足度"),
        ("実績", "測定日", "セミナーの参加者満足度"),
        ("実績", "根拠URL", "セミナーの参加者満足度"),
        ("実績", "測定日", "創業支援に有効であったと回答した割合"),
        ("実績", "実績値", "海外向けWEBサイト閲覧数"),
        ("実績", "年度", "情報紙の読者満足度"),
    }
    year_error = next(e for e in report.errors if e.column == "年度")
    assert "2025年度の事業計画がありません" in year_error.reason
    assert all(e.row >= 2 for e in report.errors)
    assert "実績 " in str(report.errors[0]) and "行" in str(report.errors[0])
    assert _values(sqlite_loaded_engine) == []
    partial = import_actuals("実績.xlsx", filled, actor=ACTOR, partial=True, engine=sqlite_loaded_engine)
    assert partial.applied and partial.recorded == 1 and len(partial.errors) == 8
    assert [v[1] for v in _values(sqlite_loaded_engine)] == [170]


def test_correction_through_import_needs_a_reason(sqlite_loaded_engine: Engine) -> None:
    template = build_template(2026, viewer=None, engine=sqlite_loaded_engine).content
    import_actuals("a.xlsx", _fill(template, {"参加者数": {"実績値": 205}}), actor=ACTOR, engine=sqlite_loaded_engine)
    second = _fill(template, {"参加者数": {"実績値": 212}})
    refused = import_actuals("a.xlsx", second, actor=ACTOR, engine=sqlite_loaded_engine)
    assert [e.column for e in refused.errors] == ["訂正理由"]
    accepted = import_actuals("a.xlsx", second, actor=ACTOR, reason="再集計", engine=sqlite_loaded_engine)
    assert accepted.recorded == 1
    assert [v.reason for v in actual_history("参加者数", 2026, engine=sqlite_loaded_engine)] == [None, "再集計"]


def test_macro_workbooks_and_other_formats_are_refused(sqlite_loaded_engine: Engine) -> None:
    template = build_template(2026, viewer=None, engine=sqlite_loaded_engine).content
    with pytest.raises(ValidationError, match="マクロ"):
        import_actuals("実績.xlsm", template, actor=ACTOR, engine=sqlite_loaded_engine)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"\x00macro")
    with pytest.raises(ValidationError, match="マクロを含む"):
        import_actuals("実績.xlsx", buffer.getvalue(), actor=ACTOR, engine=sqlite_loaded_engine)
    with pytest.raises(ValidationError, match=r"\.xlsx で保存"):
        import_actuals("old.xls", b"\xd0\xcf\x11\xe0", actor=ACTOR, engine=sqlite_loaded_engine)
    with pytest.raises(ValidationError, match="Excel ブック"):
        import_actuals("fake.xlsx", b"not a zip", actor=ACTOR, engine=sqlite_loaded_engine)


def test_csv_round_trip_with_months_and_cp932(sqlite_loaded_engine: Engine) -> None:
    template = build_csv_template(2026, viewer=None, engine=sqlite_loaded_engine)
    text = template.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 18 + 12
    for row in rows:
        if row["指標"] == "参加者数":
            row["実績値"] = "二百五"
        if row["指標"] == "「かんさいラボサーチ」アクセス件数" and row["月"] == "4":
            row["実績値"] = "2,700件"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    report = import_actuals("実績.csv", out.getvalue().encode("cp932"), actor=ACTOR, engine=sqlite_loaded_engine)
    assert report.errors == [] and report.recorded == 2
    assert sorted((v[1], v[2]) for v in _values(sqlite_loaded_engine)) == [(205, 0), (2700, 4)]


def test_formula_injection_is_neutralised_in_every_export(sqlite_loaded_engine: Engine) -> None:
    evil = '=HYPERLINK("http://evil.example","x")'
    with unit_of_work(sqlite_loaded_engine) as session:
        session.execute(update(m.Project).where(m.Project.code == "3").values(name=evil))
        session.execute(update(m.Kpi).where(m.Kpi.indicator == "参加者数").values(indicator="@参加者数"))
    wb = openpyxl.load_workbook(io.BytesIO(build_template(2026, viewer=None, engine=sqlite_loaded_engine).content))
    cells = [c.value for row in wb["実績"].iter_rows() for c in row if isinstance(c.value, str)]
    assert f"'③ {evil}" not in cells  # the code comes first, so this text is harmless anyway
    assert "'@参加者数" in cells
    assert not any(v.startswith(("=", "+", "-", "@")) for v in cells)
    csv_text = build_csv_template(2026, viewer=None, engine=sqlite_loaded_engine).content.decode("utf-8-sig")
    assert ",'@参加者数," in csv_text
    report = render_report(
        "evaluation", {"fiscal_year": 2026, "format": "xlsx"}, actor=ACTOR, engine=sqlite_loaded_engine
    )
    wb = openpyxl.load_workbook(io.BytesIO(report.content))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert f"'{evil}" in values and "'@参加者数" in values
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)


def test_an_import_stops_at_the_apis_text_limits(sqlite_loaded_engine: Engine) -> None:
    """A 10,000-character note was stored by the import though the API refuses it: one limit for all."""
    from keikaku.services.actuals.record import TEXT_LIMITS

    template = build_template(2026, viewer=None, engine=sqlite_loaded_engine).content
    long_note = "あ" * 10_000
    filled = _fill(template, {"参加者数": {"実績値": 205, "備考": long_note}})
    report = import_actuals("実績.xlsx", filled, actor=ACTOR, engine=sqlite_loaded_engine)
    assert not report.applied and _values(sqlite_loaded_engine) == []
    (error,) = report.errors
    assert (error.sheet, error.column) == ("実績", "備考") and error.row >= 2
    assert f"{TEXT_LIMITS['note']:,} 文字以内" in error.reason
    fits = _fill(template, {"参加者数": {"実績値": 205, "備考": "あ" * TEXT_LIMITS["note"]}})
    assert import_actuals("実績.xlsx", fits, actor=ACTOR, engine=sqlite_loaded_engine).recorded == 1
