"""parse_kpi, parse_kpis, parse_kpi_reference, parse_kpi_derivation, kpi_kind."""

import pytest

from keikaku.domain import Comparator, Kpi, KpiReference
from keikaku.normalize import kpi_kind, parse_kpi, parse_kpi_derivation, parse_kpi_reference, parse_kpis

GE, GT, LE, LT, EQ = Comparator.GE, Comparator.GT, Comparator.LE, Comparator.LT, Comparator.EQ


@pytest.mark.parametrize(
    ("line", "indicator", "comparator", "target", "unit", "kind"),
    [
        # the FY2026 business plan
        ("参加者数：220人以上", "参加者数", GE, 220, "人", "count"),
        ("- ・ 参加者数：220人以上", "参加者数", GE, 220, "人", "count"),
        (
            "- ・ 参加者アンケートで「今後の事業活動に有益な情報を得ることができた」と回答した割合：70%以上",
            "参加者アンケートで「今後の事業活動に有益な情報を得ることができた」と回答した割合",
            GE, 70, "%", "share",
        ),
        (
            "- BioJapan期間中、関西広域連合等の取組を幅広く紹介するパンフレットを手交：450部以上",
            "関西広域連合等の取組を幅広く紹介するパンフレットを手交",
            GE, 450, "部", "count",
        ),
        ("「かんさいラボサーチ」アクセス件数：32,000件以上", "「かんさいラボサーチ」アクセス件数", GE, 32000, "件", "count"),
        ("PR回数：3回以上", "PR回数", GE, 3, "回", "count"),
        ("本プラットフォームを利用した企業の利用満足度：80%以上", "本プラットフォームを利用した企業の利用満足度",
         GE, 80, "%", "share"),
        ("利用満足度：80%以上", "利用満足度", GE, 80, "%", "share"),
        ("出展支援を行ったスタートアップのマッチング件数：**160件以上**",
         "出展支援を行ったスタートアップのマッチング件数", GE, 160, "件", "count"),
        ("公設試等のシーズと企業ニーズのマッチング（面談数）：25件以上",
         "公設試等のシーズと企業ニーズのマッチング(面談数)", GE, 25, "件", "count"),
        ("・ 情報紙の読者満足度： **75%以上**", "情報紙の読者満足度", GE, 75, "%", "share"),
        ("新規50件以上", "新規件数", GE, 50, "件", "count"),
        # forms other plans use
        ("アクセス件数が1,000件を超える", "アクセス件数", GT, 1000, "件", "count"),
        ("〇〇件を超える".replace("〇〇", "100"), "件数", GT, 100, "件", "count"),
        ("相談件数：100件超", "相談件数", GT, 100, "件", "count"),
        ("来場者数が前年を上回る1,000人を上回る".replace("前年を上回る", ""), "来場者数", GT, 1000, "人", "count"),
        ("不良率：3%以下", "不良率", LE, 3, "%", "share"),
        ("待ち時間：10日未満", "待ち時間", LT, 10, "日", "other"),
        ("満足度 ８０％ 以上", "満足度", GE, 80, "%", "share"),
        ("満足度８割以上", "満足度", GE, 8, "割", "share"),
        ("300社", "社数", GE, 300, "社", "count"),
        ("年間50件", "年間件数", GE, 50, "件", "count"),
        ("100者まで拡大", "者数", GE, 100, "者", "count"),
        ("2026年度までに近畿管内のCPs(※)会員数を100者まで拡大 等", "近畿管内のCPs会員数", GE, 100, "者", "count"),
        ("面的GX支援事例50件の創出", "面的GX支援事例", GE, 50, "件", "count"),
        ("支援事例50件を達成", "支援事例", GE, 50, "件", "count"),
        ("相談件数：100件程度", "相談件数", EQ, 100, "件", "count"),
        ("世界ランキング：10位以内", "世界ランキング", LE, 10, "位", "rank"),
        ("世界ランキング：10位以上", "世界ランキング", LE, 10, "位", "rank"),
        ("世界ランキング：10位", "世界ランキング", LE, 10, "位", "rank"),
        ("CO2排出量を100tまで削減", "CO2排出量", LE, 100, "t", "other"),
        ("参加企業数：七十社以上", "参加企業数", GE, 70, "社", "count"),
        ("来場者数：3万人以上", "来場者数", GE, 3, "万人", "count"),
        ("GRP額：約150兆円", "GRP額", GE, 150, "兆円", "amount"),
        ("経済・産業の国内シェア25%", "経済・産業の国内シェア", GE, 25, "%", "share"),
        ("展示会の出展拠点数 5拠点以上", "展示会の出展拠点数", GE, 5, "拠点", "count"),
        ("稼働率：95ポイント以上", "稼働率", GE, 95, "ポイント", "other"),
        ("成長率▲4.9%以上", "成長率", GE, -4.9, "%", "share"),
        ("(1) 成果目標：参加者数 220人以上", "参加者数", GE, 220, "人", "count"),
        ("KPI：参加者数220人以上", "参加者数", GE, 220, "人", "count"),
    ],
)  # fmt: skip
def test_parse_kpi(  # noqa: PLR0917 - one parameter per column of the table
    line: str, indicator: str, comparator: Comparator, target: float, unit: str, kind: str
) -> None:
    kpi = parse_kpi(line)
    assert kpi is not None, line
    assert (kpi.indicator, kpi.comparator, kpi.target, kpi.unit, kpi_kind(kpi)) == (
        indicator,
        comparator,
        target,
        unit,
        kind,
    )


def test_relative_to_another_measure() -> None:
    kpi = parse_kpi("- BioJapanマッチング件数：参加企業数×6倍以上")
    assert kpi is not None
    assert (kpi.indicator, kpi.comparator, kpi.target, kpi.unit, kpi.relative_to) == (
        "BioJapanマッチング件数", GE, 6, "倍", "参加企業数",
    )  # fmt: skip
    assert kpi_kind(kpi) == "relative"
    same = parse_kpi("マッチング件数：参加企業数の6倍以上")
    assert same is not None and same.relative_to == "参加企業数" and same.target == 6


@pytest.mark.parametrize(
    ("line", "comparator", "target"),
    [
        ("来場者数：前年度実績以上", GE, 1.0),
        ("来場者数：前年度以上", GE, 1.0),
        ("来場者数：前年度実績を上回る", GT, 1.0),
        ("来場者数：前年度比10%増", GE, 1.1),
        ("来場者数：前年度比10％以上増加", GE, 1.1),
        ("来場者数：前年度比110%以上", GE, 1.1),
        ("廃棄物量：前年度比5%削減", LE, 0.95),
    ],
)
def test_relative_to_previous_year(line: str, comparator: Comparator, target: float) -> None:
    kpi = parse_kpi(line)
    assert kpi is not None
    assert (kpi.indicator, kpi.comparator, kpi.unit, kpi.relative_to) == (
        line.split("：", maxsplit=1)[0], comparator, "倍", "前年度実績",
    )  # fmt: skip
    assert kpi.target == pytest.approx(target)
    assert kpi_kind(kpi) == "relative"


def test_maintain_or_improve() -> None:
    kpi = parse_kpi("- ・ 「**Global Startup Ecosystem Ranking**」の維持・向上")
    assert kpi == Kpi(
        indicator="Global Startup Ecosystem Ranking",
        comparator=Comparator.MAINTAIN_OR_IMPROVE,
        target=None,
        unit=None,
        text="「Global Startup Ecosystem Ranking」の維持・向上",
    )
    assert kpi_kind(kpi) == "rank"
    with_reference = parse_kpi("「Global Startup Ecosystem Ranking」の維持・向上（79位、2025年時点）")
    assert with_reference is not None and with_reference.reference is not None
    assert (with_reference.reference.value, with_reference.reference.unit, with_reference.reference.as_of) == (
        79, "位", "2025",
    )  # fmt: skip
    inline = parse_kpi("GSEIランキング79位の維持・向上")
    assert inline is not None and inline.comparator is Comparator.MAINTAIN_OR_IMPROVE
    assert inline.indicator == "GSEIランキング"
    assert inline.reference is not None and inline.reference.value == 79


def test_reduction_against_base_year() -> None:
    kpi = parse_kpi("2030年時点のGHG排出量46％削減（2013年度比）")
    assert kpi is not None
    assert (kpi.indicator, kpi.comparator, kpi.target, kpi.unit) == ("GHG排出量削減率", GE, 46, "%")
    assert kpi.target_fiscal_year == 2030 and kpi.baseline_fiscal_year == 2013
    assert kpi.reference == KpiReference(as_of="2013", label="2013年度比")
    short = parse_kpi("46％削減（2013年度比）")
    assert short is not None and (short.indicator, short.comparator, short.target, short.unit) == (
        "削減率", GE, 46, "%",
    )  # fmt: skip
    assert short.reference is not None and short.reference.as_of == "2013"


def test_growth_note_beside_absolute_target() -> None:
    kpi = parse_kpi("参加者数：500人（前年度比10%増）")
    assert kpi is not None
    assert (kpi.indicator, kpi.comparator, kpi.target, kpi.unit) == ("参加者数", GE, 500, "人")
    assert kpi.reference == KpiReference(label="前年度比10%増")


def test_approximate_counted_monthly_and_years() -> None:
    about = parse_kpi("相談件数：約100件")
    assert about is not None and about.approximate and about.comparator is GE
    around = parse_kpi("相談件数：100件程度")
    assert around is not None and around.approximate and around.comparator is EQ
    monthly = parse_kpi("相談件数 10件/月以上")
    assert monthly is not None and monthly.counted_monthly and monthly.target == 10
    every_month = parse_kpi("毎月10件以上")
    assert every_month is not None and every_month.counted_monthly
    yearly = parse_kpi("GRP：約150兆円（2040年度）")
    assert yearly is not None and yearly.target_fiscal_year == 2040 and yearly.approximate
    by = parse_kpi("2025年度までに近畿管内におけるDX認定取得企業を300社まで拡大させることを目標に、各要素に")
    assert by is not None
    assert (by.indicator, by.target, by.unit, by.target_fiscal_year) == (
        "近畿管内におけるDX認定取得企業",
        300,
        "社",
        2025,
    )


def test_target_in_brackets_after_the_measure() -> None:
    line = "- (1) 「**Global Startup Ecosystem Ranking**」へのや、国際的な影響力があるデータベースへの登録 (新規で**50件以上**)"
    kpi = parse_kpi(line)
    assert kpi is not None
    assert (kpi.indicator, kpi.comparator, kpi.target, kpi.unit) == (
        "国際的な影響力があるデータベースへの登録",
        GE,
        50,
        "件",
    )
    yearly = parse_kpi("各種SNSやHP等を用いた国内外への情報発信 (年間50件)")
    assert yearly is not None and yearly.indicator == "各種SNSやHP等を用いた国内外への情報発信" and yearly.target == 50


def test_text_is_the_normalised_line() -> None:
    kpi = parse_kpi("- ・ 参加者数：**２２０人以上**")
    assert kpi is not None and kpi.text == "参加者数:220人以上"


def test_long_survey_question_is_shortened() -> None:
    question = "関西のものづくり産業と伝統工芸について新たな関心を持ち今後も購入したいと思った"
    kpi = parse_kpi(f"来場者アンケートで「{question}」と回答した割合：80%以上")
    assert kpi is not None
    assert kpi.indicator == f"来場者アンケートで「{question[:29]}…」と回答した割合"
    assert kpi.target == 80 and kpi.unit == "%"


@pytest.mark.parametrize(
    "line",
    [
        "",
        "ポータルサイトの更新・運営",
        "▶ 事業のねらい・取組のポイント",
        "セミナーイメージ 14",
        "01\tアクションプランについて\t2",
        "地域経済部 地域経済課 06-6966-6011",
        "・パリ協定採択(2015)",
        "関西スタートアップ・エコシステム情報発信事業 (10,043千円)",
        "令和8年度予算額：100,674千円",
        "開催場所：Paris Expo Porte de Versailles Hall 1 & Hall 2.2",
        "2021年7月1日設立。2022年4月22日、内閣府のグローバルバイオコミュニティとして認定。",
        "開催時期：令和8年10月7日（水）～9日（金）",
    ],
)
def test_not_a_kpi(line: str) -> None:
    assert parse_kpi(line) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GSEI新興エコシステムランキング **79位** (2025年時点)",
            KpiReference(value=79, unit="位", as_of="2025", label="GSEI新興エコシステムランキング"),
        ),
        (
            "【参考】GSEI新興エコシステムランキング 79位（2025年時点）",
            KpiReference(value=79, unit="位", as_of="2025", label="GSEI新興エコシステムランキング"),
        ),
        ("令和6年度実績：150件", KpiReference(value=150, unit="件", as_of="2024", label="令和6年度実績")),
        ("2025年3月末時点 45社", KpiReference(value=45, unit="社", as_of="2025-03", label="2025年3月末時点")),
        ("基準値：参加者数 180人", KpiReference(value=180, unit="人", as_of=None, label="参加者数")),
        ("2013年度比", KpiReference(as_of="2013", label="2013年度比")),
    ],
)
def test_parse_kpi_reference(text: str, expected: KpiReference) -> None:
    assert parse_kpi_reference(text) == expected


@pytest.mark.parametrize("text", ["", "参考", "何もない行"])
def test_parse_kpi_reference_none(text: str) -> None:
    assert parse_kpi_reference(text) is None


def test_parse_kpi_derivation() -> None:
    line = "～ 594.7兆円（2040年度のGDP推計値）× 25%（シェア目標値）＝ 148.7兆円 ≒ 約150兆円"
    derivation = parse_kpi_derivation(line)
    assert derivation is not None
    assert (derivation.base, derivation.base_unit, derivation.base_label) == (594.7, "兆円", "2040年度のGDP推計値")
    assert (derivation.factor, derivation.factor_unit, derivation.result, derivation.result_unit) == (
        25,
        "%",
        148.7,
        "兆円",
    )
    kpi = parse_kpi("GRP額：" + line.lstrip("～ "))
    assert kpi is not None and kpi.derivation == derivation
    assert (kpi.indicator, kpi.target, kpi.unit, kpi.approximate) == ("GRP額", 150, "兆円", True)
    assert parse_kpi_derivation("参加者数：220人以上") is None


def test_parse_kpis() -> None:
    kpis = parse_kpis("参加者数：220人以上、満足度：80%以上")
    assert [(k.indicator, k.target, k.unit) for k in kpis] == [("参加者数", 220, "人"), ("満足度", 80, "%")]
    vision = parse_kpis("▶ 経済・産業の国内シェア25% ▶ GRP額約150兆円")
    assert [(k.indicator, k.target, k.unit) for k in vision] == [
        ("経済・産業の国内シェア", 25, "%"),
        ("GRP額", 150, "兆円"),
    ]
    one = parse_kpis("- BioJapan期間中、関西広域連合等の取組を幅広く紹介するパンフレットを手交：450部以上")
    assert len(one) == 1 and one[0].target == 450
    assert parse_kpis("ポータルサイトの更新・運営") == []


def test_kpi_kind_other() -> None:
    kpi = parse_kpi("平均評価：4.5点以上")
    assert kpi is not None and kpi_kind(kpi) == "other"
