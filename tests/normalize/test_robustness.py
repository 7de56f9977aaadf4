"""No input makes a parser fail with anything but NormalizeError; finders and parse_kpi never raise."""

import contextlib
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from keikaku.normalize import (
    NormalizeError,
    find_amounts,
    find_dates,
    fold_for_search,
    kpi_kind,
    parse_amount,
    parse_date,
    parse_date_range,
    parse_fiscal_year,
    parse_kpi,
    parse_kpi_derivation,
    parse_kpi_reference,
    parse_kpis,
    parse_number,
    parse_quantity,
    parse_start_year,
    parse_year,
    strip_markup,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
_PIECES = [
    "令和", "平成", "R", "H", "元", "8", "10", "1,200", "１２", "0.5", "年", "年度", "月", "日", "(水)", "（木）", "~", "～",
    "、", ":", "：", "千円", "万", "億", "兆円", "円", "人", "件", "%", "％", "以上", "以下", "未満", "超", "程度", "約",
    "▲", "△", "(", ")", "（", "）", "再掲", "頁", "\t", " ", "×", "倍", "位", "の維持・向上", "前年度比", "増", "削減",
    "「", "」", "アンケート", "と回答した割合", "七十", "千二百", "一万五千", "-", "/", ".", "・", "**", "- ", "<p>",
    "年目", "新規", "FY", "2026", "参加者数", "⻄", "①", "\n",
]  # fmt: skip


def _inputs() -> list[str]:
    rng = random.Random(8)
    texts = ["".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 12))) for _ in range(4000)]
    # Long runs that would make a backtracking pattern take forever (the suite would hang, not fail).
    texts += [
        "1" * 3000 + "x", "1," * 2000 + "x", "一二三四五六七八九十" * 200 + "x", "十" * 2000, "1万" * 1500 + "人以",
        "1 " * 2000 + "円x", "10月" * 1500 + "x", "(" * 2000 + "1)" * 2000, "再掲" * 1500 + "1円", "1日~" * 1500,
    ]  # fmt: skip
    if SEEDS.is_dir():
        for path in sorted(SEEDS.glob("*.txt")):
            texts.extend(path.read_text(encoding="utf-8").splitlines())
    return texts


INPUTS = _inputs()

PARSERS: list[Callable[[str], object]] = [
    parse_number,
    parse_quantity,
    parse_amount,
    parse_fiscal_year,
    parse_year,
    parse_date,
    parse_date_range,
    lambda s: parse_date_range(s, default_year=2026),
    lambda s: parse_start_year(s, plan_fiscal_year=2025),
]


@pytest.mark.parametrize("parser", PARSERS)
def test_parsers_raise_only_normalize_error(parser: Callable[[str], object]) -> None:
    for text in INPUTS:
        with contextlib.suppress(NormalizeError):
            parser(text)


def test_finders_and_kpi_never_raise() -> None:
    for text in INPUTS:
        for line in text.split("\n"):
            find_amounts(line)
            find_amounts(line, bare_unit="千円")
            find_dates(line, default_year=2026)
            kpi = parse_kpi(line)
            if kpi is not None:
                assert kpi.indicator
                assert kpi_kind(kpi) in {"count", "share", "relative", "rank", "amount", "other"}
            parse_kpis(line)
            parse_kpi_reference(line)
            parse_kpi_derivation(line)
            strip_markup(line)
            fold_for_search(line)
