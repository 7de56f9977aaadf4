"""``keikaku actual|actuals|evaluate|compare|report`` end to end in a subprocess, as a user runs them."""

import io
import json
import subprocess
from pathlib import Path

import openpyxl
from tests.cli.test_cli_core import assert_one_line_error, run_cli


def test_actual_entry_evaluation_comparison_and_reports(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, env_url=None, home=tmp_path)

    assert cli("init").returncode == 0
    first = cli("actual", "set", "-y", "2026", "-k", "参加者数", "-v", "205人", "--user", "田中")
    assert first.returncode == 0, first.stderr
    assert "205人（第1版）" in first.stdout
    assert_one_line_error(cli("actual", "set", "-y", "2026", "-k", "参加者数", "-v", "210"), "訂正する場合は理由")
    assert_one_line_error(
        cli("actual", "set", "-y", "2026", "-k", "参加者数", "-v", "70%"), "割合（70%）は入力できません"
    )
    assert_one_line_error(
        cli("actual", "set", "-y", "2025", "-k", "参加者数", "-v", "1"), "2025年度の事業計画がありません"
    )
    fixed = cli("actual", "set", "-y", "2026", "-k", "参加者数", "-v", "210", "--reason", "集計漏れ", "--user", "佐藤")
    assert fixed.returncode == 0
    history = cli("actual", "history", "-y", "2026", "-k", "参加者数")
    assert "田中" in history.stdout and "佐藤" in history.stdout and "集計漏れ" in history.stdout

    template = tmp_path / "実績.xlsx"
    made = cli(
        "actuals",
        "template",
        "--fiscal-year",
        "2026",
        "--department",
        "ライフサイエンス産業振興課",
        "-o",
        str(template),
    )
    assert made.returncode == 0, made.stderr
    assert "3 件の KPI" in made.stderr
    assert_one_line_error(
        cli("actuals", "template", "-y", "2026", "-d", "観光課", "-o", str(template)), "担当課「観光課」"
    )
    wb = openpyxl.load_workbook(template)
    ws = wb["実績"]
    header = [c.value for c in ws[1]]
    rows = {ws.cell(row=r, column=6).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(row=rows["参加企業数"], column=header.index("実績値") + 1, value="十二")
    ws.cell(row=rows["BioJapanマッチング件数"], column=header.index("実績値") + 1, value="80件")
    ws.cell(row=rows["パンフレット手交部数"], column=header.index("実績値") + 1, value="-5")
    wb.save(template)
    refused = cli("actuals", "import", str(template))
    assert refused.returncode == 2
    assert (
        "実績 " in refused.stderr
        and "パンフレット手交部数" in refused.stderr
        and "何も取り込んでいません" in refused.stderr
    )
    partial = cli("actuals", "import", str(template), "--partial")
    assert "2 件を記録しました" in partial.stderr

    evaluated = cli("evaluate", "-y", "2026", "--format", "json")
    assert evaluated.returncode == 0, evaluated.stderr
    (plan,) = json.loads(evaluated.stdout)
    kpis = {k["indicator"]: k for p in plan["projects"] for k in p["kpis"]}
    assert kpis["BioJapanマッチング件数"]["result"]["status"] == "達成"
    assert kpis["BioJapanマッチング件数"]["result"]["effective_target"] == 72
    assert kpis["参加者数"]["result"]["status"] == "概ね達成"

    compared = cli("compare", "2023", "2026")
    assert "関西プラスチックごみゼロ推進事業" in compared.stdout
    report = tmp_path / "評価.xlsx"
    rendered = cli("report", "evaluation", "--fiscal-year", "2026", "--format", "xlsx", "-o", str(report))
    assert rendered.returncode == 0, rendered.stderr
    book = openpyxl.load_workbook(io.BytesIO(report.read_bytes()))
    assert book.sheetnames[0] == "総括"
    listing = cli("report", "list")
    assert "evaluation" in listing.stdout and "comparison" in listing.stdout
