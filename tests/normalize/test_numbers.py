"""parse_number, parse_quantity, unit helpers."""

from decimal import Decimal

import pytest

from keikaku.normalize import (
    NormalizeError,
    Quantity,
    canonical_unit,
    numeral_value,
    parse_number,
    parse_quantity,
    unit_kind,
    unit_scale,
    value_as_written,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,200", "1200"),
        ("１２３", "123"),
        ("32,000", "32000"),
        ("1,234,567", "1234567"),
        ("0.5", "0.5"),
        ("０．５", "0.5"),
        ("1,200.25", "1200.25"),
        ("▲4.9", "-4.9"),
        ("△4.9", "-4.9"),
        ("▼3", "-3"),
        ("-3", "-3"),
        ("−3", "-3"),
        ("+3", "3"),
        (" 42 ", "42"),
        ("0", "0"),
        # Japanese numerals
        ("七十", "70"),
        ("千二百", "1200"),
        ("一万五千", "15000"),
        ("十", "10"),
        ("十五", "15"),
        ("二十一", "21"),
        ("百", "100"),
        ("三百五十", "350"),
        ("二〇二六", "2026"),
        ("〇", "0"),
        ("零", "0"),
        ("壱萬弐千", "12000"),
        ("参拾", "30"),
        ("一億二千万", "120000000"),
        ("百万", "1000000"),
        ("千万", "10000000"),
        # mixed
        ("3万", "30000"),
        ("1.2億", "120000000"),
        ("1億2000万", "120000000"),
        ("1億2,000万", "120000000"),
        ("1,000万", "10000000"),
        ("3千", "3000"),
        ("594.7兆", "594700000000000"),
        ("▲1.5万", "-15000"),
    ],
)
def test_parse_number(raw: str, expected: str) -> None:
    assert parse_number(raw) == Decimal(expected)


def test_parse_number_gives_plain_decimals() -> None:
    assert str(parse_number("1.2億")) == "120000000"
    assert str(parse_number("0.50")) == "0.5"


@pytest.mark.parametrize(
    "raw",
    ["", "  ", "abc", "1,20", "1,2000", ",100", "1.2.3", ".5", "5.", "70%", "約150", "1 200", "万", "億",
     "1二", "千千", "百千", "万億", "1万万", "1億1億", "3人", "--3", "▲", "1/2", "Ⅲ"],
)  # fmt: skip
def test_parse_number_rejects(raw: str) -> None:
    with pytest.raises(NormalizeError) as info:
        parse_number(raw)
    assert repr(raw) in str(info.value)
    assert "数値" in str(info.value) and "not a number" in str(info.value)


@pytest.mark.parametrize(
    ("raw", "value", "unit", "approximate"),
    [
        ("1,200人", "1200", "人", False),
        ("70%", "70", "%", False),
        ("７０％", "70", "%", False),
        ("70パーセント", "70", "%", False),
        ("25件", "25", "件", False),
        ("七十", "70", None, False),
        ("七十人", "70", "人", False),
        ("約150兆円", "150", "兆円", True),
        ("150兆円程度", "150", "兆円", True),
        ("およそ30社", "30", "社", True),
        ("100,674千円", "100674", "千円", False),
        ("3万人", "3", "万人", False),
        ("3万", "30000", None, False),
        ("一万五千人", "15000", "人", False),
        ("1億2,000万円", "120000000", "円", False),
        ("5カ所", "5", "か所", False),
        ("5ヶ所", "5", "か所", False),
        ("▲4.9%", "-4.9", "%", False),
        ("7割", "7", "割", False),
        ("12.5 kWh", "12.5", "kWh", False),
        ("450部", "450", "部", False),
        ("79位", "79", "位", False),
    ],
)
def test_parse_quantity(raw: str, value: str, unit: str | None, approximate: bool) -> None:
    quantity = parse_quantity(raw)
    assert quantity == Quantity(Decimal(value), unit, approximate, raw)


@pytest.mark.parametrize("raw", ["", "abc", "人", "220人以上", "10件以下", "5件未満", "100件超", "1,20人", "3 人 4"])
def test_parse_quantity_rejects(raw: str) -> None:
    with pytest.raises(NormalizeError, match="数量"):
        parse_quantity(raw)


def test_quantity_base() -> None:
    assert parse_quantity("約150兆円").base_value == Decimal(150) * 10**12
    assert parse_quantity("約150兆円").base_unit == "円"
    assert parse_quantity("3万人").base_value == 30000
    assert parse_quantity("3万人").base_unit == "人"
    assert parse_quantity("7割").base_value == 70
    assert parse_quantity("7割").base_unit == "%"
    assert parse_quantity("42").base_unit is None


@pytest.mark.parametrize(
    ("unit", "scale", "base"),
    [
        ("兆円", 10**12, "円"),
        ("億円", 10**8, "円"),
        ("百万円", 10**6, "円"),
        ("千万円", 10**7, "円"),
        ("万人", 10**4, "人"),
        ("千円", 1000, "円"),
        ("円", 1, "円"),
        ("%", 1, "%"),
        ("割", 10, "%"),
        ("千", 1, "千"),
        (None, 1, None),
    ],
)
def test_unit_scale(unit: str | None, scale: int, base: str | None) -> None:
    assert unit_scale(unit) == (Decimal(scale), base)


def test_value_as_written() -> None:
    assert value_as_written("150兆", "円") == (Decimal(150), "兆円")
    assert value_as_written("100,674千", "円") == (Decimal(100674), "千円")
    assert value_as_written("1.5万", "人") == (Decimal("1.5"), "万人")
    assert value_as_written("一万五千", "人") == (Decimal(15000), "人")
    assert value_as_written("1億2,000万", "円") == (Decimal(120000000), "円")
    assert value_as_written("3万", None) == (Decimal(30000), None)


def test_numeral_value() -> None:
    assert numeral_value("一万五千") == 15000
    with pytest.raises(NormalizeError):
        numeral_value("x")


def test_canonical_unit_and_kind() -> None:
    assert canonical_unit("％") == "%"
    assert canonical_unit("カ所") == "か所"
    assert canonical_unit("人") == "人"
    assert [unit_kind(u) for u in ("人", "万人", "%", "割", "位", "倍", "兆円", "ドル", "点", None)] == [
        "count", "count", "share", "share", "rank", "relative", "amount", "amount", "other", "other",
    ]  # fmt: skip
