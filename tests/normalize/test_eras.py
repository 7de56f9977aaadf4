"""Eras, fiscal years and project start years."""

import pytest

from keikaku.normalize import (
    NormalizeError,
    StartYear,
    era_to_gregorian,
    format_fiscal_year,
    gregorian_to_era,
    parse_fiscal_year,
    parse_start_year,
    parse_year,
)


@pytest.mark.parametrize(
    ("era", "year", "expected"),
    [
        ("令和", 8, 2026),
        ("令和", 1, 2019),
        ("R", 8, 2026),
        ("r", 8, 2026),
        ("Ｒ", 7, 2025),
        ("平成", 25, 2013),
        ("H", 31, 2019),
        ("平成", 32, 2020),  # written before the era changed
        ("昭和", 64, 1989),
        ("S", 50, 1975),
        ("大正", 15, 1926),
        ("明治", 45, 1912),
    ],
)
def test_era_to_gregorian(era: str, year: int, expected: int) -> None:
    assert era_to_gregorian(era, year) == expected


@pytest.mark.parametrize(("era", "year"), [("令和", 0), ("令和", 100), ("平成", 41), ("昭和", 65), ("X", 1), ("", 1)])
def test_era_to_gregorian_rejects(era: str, year: int) -> None:
    with pytest.raises(NormalizeError):
        era_to_gregorian(era, year)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("令和8年度", 2026),
        ("令和８年度", 2026),
        ("令和 8 年度", 2026),
        ("R8年度", 2026),
        ("R8", 2026),
        ("R.8", 2026),
        ("Ｒ８年度", 2026),
        ("令和元年度", 2019),
        ("令和八年度", 2026),
        ("平成25年度", 2013),
        ("平成三十一年度", 2019),
        ("H31年度", 2019),
        ("2026年度", 2026),
        ("２０２６年度", 2026),
        ("FY2026", 2026),
        ("FY 2026", 2026),
        ("fy2026", 2026),
        ("FY26", 2026),
        ("2026", 2026),
        ("令和8年度（2026年度）", 2026),
        ("2026年度(令和8年度)", 2026),
    ],
)
def test_parse_fiscal_year(raw: str, expected: int) -> None:
    assert parse_fiscal_year(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "abc", "令和", "令和0年度", "令和100年度", "平成41年度", "2026年10月", "令和8年度（2025年度）", "1800年度",
     "20260", "R8年度予算", "第8期"],
)  # fmt: skip
def test_parse_fiscal_year_rejects(raw: str) -> None:
    with pytest.raises(NormalizeError) as info:
        parse_fiscal_year(raw)
    assert "年度" in str(info.value) and repr(raw) in str(info.value)


@pytest.mark.parametrize(("raw", "expected"), [("令和元年", 2019), ("R1", 2019), ("平成31年", 2019), ("2019年", 2019)])
def test_parse_year(raw: str, expected: int) -> None:
    assert parse_year(raw) == expected


def test_gregorian_to_era_and_format() -> None:
    assert gregorian_to_era(2026) == ("令和", 8)
    assert gregorian_to_era(2019) == ("令和", 1)
    assert gregorian_to_era(2018) == ("平成", 30)
    assert gregorian_to_era(1989) == ("平成", 1)
    assert format_fiscal_year(2026) == "令和8年度"
    assert format_fiscal_year(2019) == "令和元年度"
    assert format_fiscal_year(2026, with_gregorian=True) == "令和8年度（2026年度）"
    for year in range(1990, 2060):
        assert parse_fiscal_year(format_fiscal_year(year)) == year
    with pytest.raises(NormalizeError):
        gregorian_to_era(1800)


@pytest.mark.parametrize(
    ("raw", "plan_year", "expected"),
    [
        ("令和4年度（4年目）", 2025, StartYear(2022, 4, True, 2025)),
        ("令和4年度（3年目）", 2025, StartYear(2022, 3, False, 2025)),
        ("令和4年度", 2025, StartYear(2022, None, None, 2025)),
        ("令和4年度～", 2025, StartYear(2022, None, None, 2025)),
        ("令和4年度（4年目）", None, StartYear(2022, 4, None, None)),
        ("R4年度(第4年目)", 2025, StartYear(2022, 4, True, 2025)),
        ("2022年度（四年目）", 2025, StartYear(2022, 4, True, 2025)),
        ("4年目（令和4年度～）", 2025, StartYear(2022, 4, True, 2025)),
        ("令和8年度（新規）", 2026, StartYear(2026, 1, True, 2026)),
        ("令和7年度（新規）", 2026, StartYear(2025, 1, False, 2026)),
        ("新規", 2026, StartYear(2026, 1, None, 2026)),
        ("4年目", 2025, StartYear(2022, 4, None, 2025)),
        ("事業開始年度：令和4年度（4年目）", 2025, StartYear(2022, 4, True, 2025)),
    ],
)
def test_parse_start_year(raw: str, plan_year: int | None, expected: StartYear) -> None:
    assert parse_start_year(raw, plan_fiscal_year=plan_year) == expected


def test_start_year_expected_count() -> None:
    result = parse_start_year("令和4年度（3年目）", plan_fiscal_year=2025)
    assert result.expected_year_count == 4
    assert parse_start_year("令和4年度", plan_fiscal_year=None).expected_year_count is None


@pytest.mark.parametrize(
    ("raw", "plan_year"), [("", 2025), ("継続", 2025), ("4年目", None), ("令和4年度（0年目）", 2025)]
)
def test_parse_start_year_rejects(raw: str, plan_year: int | None) -> None:
    with pytest.raises(NormalizeError):
        parse_start_year(raw, plan_fiscal_year=plan_year)
