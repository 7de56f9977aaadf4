"""The data of the SIGKILL tests: synthetic business plans and filled actuals workbooks, and the earlier work.

The plans follow the layout of the annual business plan among the seed documents (title and issuer,
事業の全体像 with the total budget, then each numbered project with its budget, department, outline, an
event with its date, and its 成果目標（KPI）), with as many projects as the numbering allows (99).
Each project has three KPIs: two annual counts and a monthly access count (毎月…件以上).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import openpyxl
from tests.durability.harness import run_ok

from keikaku.services.actuals.template import (
    ANNUAL_SHEET,
    MONTH_HEADERS,
    MONTHLY_SHEET,
    REASON,
    VALUE,
    build_template,
)
from keikaku.storage.engine import make_engine

HOME_BUREAU = "合成産業振興局"
PROJECTS = 99
WEEKDAYS = "月火水木金土日"
DEPARTMENTS = ("ものづくり支援課", "スタートアップ支援課", "グリーン産業振興課", "経済交流促進課")
EARLIER_YEARS = (2027, 2028, 2029, 2030)


def plan_text(bureau: str, fiscal_year: int, *, projects: int = PROJECTS, edition: int = 0) -> str:
    """A business plan of ``bureau`` for ``fiscal_year`` (``edition`` changes the budgets: a revised plan)."""
    era = fiscal_year - 2018
    budgets = [100 + (37 * i + 11 * edition) % 900 for i in range(1, projects + 1)]
    lines = [
        f"令和{era}年度",
        f"{bureau}事業計画",
        "",
        f"関西広域連合 {bureau}",
        "",
        f"令和{era}年度 事業の全体像",
        "",
        f"令和{era}年度予算額：{sum(budgets):,}千円",
        "",
    ]
    for i, budget in enumerate(budgets, start=1):
        day = dt.date(fiscal_year, 4 + i % 9, 1 + i % 28)
        lines += [
            f"({i}) {bureau}合成事業{i}の推進 ({budget:,}千円)",
            "",
            DEPARTMENTS[i % len(DEPARTMENTS)],
            "",
            f"{bureau}合成事業{i}により、域内企業の販路開拓と地域産業の振興を図る。",
            "",
            "事業概要",
            "",
            f"合成フォーラム{i}の開催",
            "",
            f"開催時期：令和{era}年{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）",
            "",
            "開催場所：大阪府大阪市（予定）",
            "",
            "▶ 成果目標（KPI）",
            "",
            f"- ・ 参加者数：{100 + i}人以上",
            f"- ・ 相談件数：{20 + i}件以上",
            f"- ・ ポータルサイトアクセス件数：毎月{1000 + i}件以上",
            "",
        ]
    return "\n".join(lines) + "\n"


def write_plans(folder: Path, plans: Iterable[tuple[str, int, int]]) -> list[Path]:
    """Write plan documents for (bureau, fiscal year, edition); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for bureau, year, edition in plans:
        path = folder / f"plan_{bureau}_{year}_{edition}.txt"
        path.write_text(plan_text(bureau, year, edition=edition), encoding="utf-8")
        paths.append(path)
    return paths


def _template_bytes(url: str, year: int) -> bytes:
    engine = make_engine(url)
    try:
        return build_template(year, viewer=None, engine=engine).content
    finally:
        engine.dispose()


def _template_rows(content: bytes) -> dict[str, tuple[list[str], list[list[object]]]]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    sheets = {}
    for title in (ANNUAL_SHEET, MONTHLY_SHEET):
        rows = [list(r) for r in wb[title].iter_rows(values_only=True)]
        header = [str(h) for h in rows[0]]
        sheets[title] = (header, [r for r in rows[1:] if r[0] is not None])
    return sheets


def actuals_workbook(url: str, years: Sequence[int], path: Path, *, limit: int | None = None, batch: int = 0) -> int:
    """Fill the entry workbooks of ``years`` (made by the template service) into one workbook at ``path``.

    Every annual count KPI gets a value (a correction, with its reason, where one is already recorded)
    and every monthly KPI all twelve months; ``limit`` caps the annual rows (monthly ones are then left
    out).  ``batch`` varies the values, so that a later workbook corrects an earlier one.  Returns the
    number of values.
    """
    templates = {year: _template_bytes(url, year) for year in years}
    first = openpyxl.load_workbook(io.BytesIO(templates[years[0]]))
    values = 0
    for title in (ANNUAL_SHEET, MONTHLY_SHEET):
        sheet = first[title]
        sheet.delete_rows(2, sheet.max_row)
        for year in years:
            header, rows = _template_rows(templates[year])[title]
            for row in rows:
                kpi_id = int(str(row[0]))
                if title == ANNUAL_SHEET:
                    if row[header.index("種別")] != "件数・人数" or (limit is not None and values >= limit):
                        continue
                    row[header.index(VALUE)] = 100 + (kpi_id * 7 + year + batch) % 97
                    if row[header.index("現在の実績")] not in (None, ""):
                        row[header.index(REASON)] = "集計の誤りを訂正"
                    values += 1
                else:
                    if limit is not None:
                        continue
                    for month, column in enumerate(MONTH_HEADERS):
                        row[header.index(column)] = 900 + (kpi_id * 13 + month + year + batch) % 400
                        values += 1
                sheet.append(row)
    first.save(path)
    return values


def prepare_earlier_work(url: str, home: Path) -> None:
    """``keikaku init``, an earlier ingest (four years of the home bureau's plans) and an earlier actuals import."""
    run_ok(url, home, "init")
    run_ok(url, home, "ingest", *map(str, write_plans(home / "earlier", [(HOME_BUREAU, y, 0) for y in EARLIER_YEARS])))
    book = home / "earlier-actuals.xlsx"
    assert actuals_workbook(url, [EARLIER_YEARS[0]], book, limit=40) == 40
    result = run_ok(url, home, "actuals", "import", str(book), "--user", "先行入力者")
    assert "40 件を記録しました" in result.stderr
