"""parse_amount and find_amounts."""

import pytest

from keikaku.normalize import Amount, NormalizeError, find_amounts, normalize_text, parse_amount


@pytest.mark.parametrize(
    ("raw", "thousand", "approximate", "relisted", "parenthesized"),
    [
        ("100,674千円", 100674, False, False, False),
        ("１００，６７４千円", 100674, False, False, False),
        ("24,992千円", 24992, False, False, False),
        ("約150兆円", 150_000_000_000, True, False, False),
        ("150兆円程度", 150_000_000_000, True, False, False),
        ("594.7兆円", 594_700_000_000, False, False, False),
        ("1.2億円", 120_000, False, False, False),
        ("1億2,000万円", 120_000, False, False, False),
        ("10百万円", 10_000, False, False, False),
        ("5,000万円", 50_000, False, False, False),
        ("3,000円", 3, False, False, False),
        ("¥1,200,000", 1200, False, False, False),
        ("2,200", 2200, False, False, False),
        ("（2,200）", 2200, False, True, True),
        ("(2,200)", 2200, False, True, True),
        ("2,200（再掲）", 2200, False, True, False),
        ("【再掲】2,200千円", 2200, False, True, False),
        ("再掲 2,200", 2200, False, True, False),
        ("(10,043千円)", 10043, False, False, True),
        ("▲1,200", -1200, False, False, False),
        ("△500千円", -500, False, False, False),
        ("二千円", 2, False, False, False),
        ("10,043 千円", 10043, False, False, False),  # PDF extraction split the multiplier off
        ("1.2 億円", 120_000, False, False, False),
    ],
)
def test_parse_amount(raw: str, thousand: int, approximate: bool, relisted: bool, parenthesized: bool) -> None:
    amount = parse_amount(raw)
    assert amount == Amount(thousand, thousand * 1000, approximate, relisted, raw, parenthesized)


def test_parse_amount_value_yen() -> None:
    assert parse_amount("約150兆円").value_yen == 150 * 10**12
    assert parse_amount("100,674千円").value_yen == 100_674_000
    assert parse_amount("千円").value_yen == 1000  # 千円 alone is one thousand yen


@pytest.mark.parametrize(
    ("raw", "unit", "thousand"),
    [("2,000", "円", 2), ("2,200", "万円", 22000), ("3", "億円", 300_000), ("2,200", "千円", 2200)],
)
def test_parse_amount_default_unit(raw: str, unit: str, thousand: int) -> None:
    assert parse_amount(raw, default_unit=unit).value_thousand_yen == thousand


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1,500円", "千円単位"),
        ("0.5", "千円単位"),
        ("1.5円", "端数"),
        ("3万", "万・億"),
        ("abc", "金額として"),
        ("", "金額として"),
        ("100人", "金額として"),
        ("1,20千円", "金額として"),
    ],
)
def test_parse_amount_rejects(raw: str, message: str) -> None:
    with pytest.raises(NormalizeError, match=message) as info:
        parse_amount(raw)
    assert repr(raw) in str(info.value)


def test_parse_amount_rejects_bad_default_unit() -> None:
    with pytest.raises(NormalizeError):
        parse_amount("1", default_unit="人")


SEED_ROW = (
    "関西 チャレンジ1 「強みで貢献」\t① 関西スタートアップ・エコシステムの推進 10,043千円 ・ 情報発信戦略に基づく"
    "ポータルサイト等による情報発信や国内外に向けた情報発信イベントの開催 5頁\t③ グリーン分野の更なる深化 1,788千円 ・ "
    "グリーン分野において、域内企業の事業化を促進するフォーラムを開催 7頁"
)


def test_find_amounts_in_flattened_row() -> None:
    found = find_amounts(SEED_ROW)
    assert [(m.amount.value_thousand_yen, m.page_ref, m.label) for m in found] == [
        (10043, 5, "① 関西スタートアップ・エコシステムの推進"),
        (1788, 7, "③ グリーン分野の更なる深化"),
    ]
    text = normalize_text(SEED_ROW)
    assert [text[m.span[0] : m.span[1]] for m in found] == ["10,043千円", "1,788千円"]


def test_find_amounts_last_item_without_page() -> None:
    row = "\t⑨ 評価・検証 250千円 ・ 推進会議の運営 15頁\t- 管理費 410千円"
    found = find_amounts(row)
    assert [(m.amount.value_thousand_yen, m.page_ref, m.label) for m in found] == [
        (250, 15, "⑨ 評価・検証"),
        (410, None, "管理費"),
    ]


@pytest.mark.parametrize(
    ("line", "page"),
    [
        ("10,043千円 5", 5),
        ("10,043 千円 5", 5),
        ("10,043千円 ・ 説明文 5頁", 5),
        ("10,043千円 ・ 説明文 (5ページ)", 5),
        ("10,043千円 p.12", 12),
        ("10,043千円 ・ 年間2回開催", None),
        ("10,043千円 ・ 2026年度", None),
        ("10,043千円", None),
    ],
)
def test_find_amounts_page_ref(line: str, page: int | None) -> None:
    (match,) = find_amounts(line)
    assert match.page_ref == page


def test_find_amounts_of_which_and_parenthesized() -> None:
    found = find_amounts("関西広域産業共創プラットフォーム事業の推進（49,984千円※うち国庫負担金24,992千円）")
    assert [(m.amount.value_thousand_yen, m.of_which, m.amount.parenthesized, m.label) for m in found] == [
        (49984, False, True, "関西広域産業共創プラットフォーム事業の推進"),
        (24992, True, True, "うち国庫負担金"),
    ]
    (subsidy,) = find_amounts("(うち国庫補助金24,992千円)")
    assert subsidy.of_which and subsidy.label == "うち国庫補助金"
    (total,) = find_amounts("令和8年度予算額：100,674千円")
    assert total.label == "令和8年度予算額" and not total.of_which and not total.amount.parenthesized


def test_find_amounts_heading_budget_is_not_relisting() -> None:
    (match,) = find_amounts("関西スタートアップ・エコシステム情報発信事業 (10,043千円)")
    assert match.amount.parenthesized and not match.amount.relisted


def test_find_amounts_relisting_marks() -> None:
    found = find_amounts("事業B 1,988千円(再掲) 事業C 2,000千円")
    assert [(m.label, m.amount.relisted) for m in found] == [("事業B", True), ("事業C", False)]
    (before,) = find_amounts("⑦ 広報活動（再掲） 1,988千円")
    assert before.amount.relisted and before.label == "⑦ 広報活動"


def test_find_amounts_bare_cells() -> None:
    found = find_amounts("事業A\t10,043\t(2,200)\t5頁", bare_unit="千円")
    assert [(m.amount.value_thousand_yen, m.amount.relisted, m.label) for m in found] == [
        (10043, False, "事業A"),
        (2200, True, ""),
    ]
    assert found[1].page_ref == 5
    assert find_amounts("事業A\t10,043\t(2,200)") == []


def test_find_amounts_skips_non_amounts() -> None:
    assert find_amounts("参加費500円") == []  # not whole thousand yen
    assert find_amounts("予算額(千円)\t事業名") == []
    assert find_amounts("2026年度 220人以上") == []
    (approx,) = find_amounts("GRP額約150兆円をめざす")
    assert approx.amount.approximate and approx.amount.value_yen == 150 * 10**12 and approx.label == "GRP額"
    (negative,) = find_amounts("前年度比 ▲1,200千円")
    assert negative.amount.value_thousand_yen == -1200


def test_find_amounts_rejects_bad_unit() -> None:
    with pytest.raises(NormalizeError):
        find_amounts("1", bare_unit="人")


def test_an_amount_beyond_a_thousand_trillion_yen_is_refused_or_skipped() -> None:
    from keikaku.normalize import oversized_amounts

    absurd = "1" + "0" * 30 + "千円"
    with pytest.raises(NormalizeError, match="大きすぎます"):
        parse_amount(absurd)
    line = f"事業A {absurd} ・ 事業B 1,200千円"
    assert [m.amount.value_thousand_yen for m in find_amounts(line)] == [1200]
    assert oversized_amounts(line) == [absurd]
    assert parse_amount("1,000兆円").value_thousand_yen == 10**12  # the bound itself is read
    assert oversized_amounts("1,000兆円") == []
