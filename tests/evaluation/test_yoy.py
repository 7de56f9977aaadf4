"""Year over year: matching by meaning and start year, budget changes, KPI target revisions."""

import pytest

from keikaku.evaluation.yoy import KpiTarget, PlanItem, compare_plans, item_similarity, text_similarity

FY2023 = [
    PlanItem(1, "関西スタートアップのポテンシャルの発信強化", 13043),
    PlanItem(2, "ライフサイエンス分野における関西のポテンシャルの発信・強化", 1339),
    PlanItem(3, "医療機器分野への参入に向けた医療機器相談の実施", 2224),
    PlanItem(4, "「カーボンニュートラル研究成果事業化促進フォーラム」の実施", 1780),
    PlanItem(5, "広報活動の実施", 1991),
    PlanItem(6, "ビジネス情報紙「from NOW ON KANSAI」の発行等", 1801),
]
FY2026 = [
    PlanItem(11, "関西スタートアップ・エコシステムの推進", 10043, title="関西スタートアップ・エコシステム情報発信事業"),
    PlanItem(12, "ライフサイエンス分野における関西のポテンシャルの発信・強化", 3841),
    PlanItem(
        13,
        "グリーン分野のさらなる深化",
        1788,
        title="ビジネス機会創出に向けた「カーボンニュートラル先進技術フォーラム」の実施",
    ),
    PlanItem(14, "広報活動や情報紙等による発信", 4928),
    PlanItem(141, "広報活動の実施", 1988, parent_key=14),
    PlanItem(142, "ビジネス情報紙「from NOW ON KANSAI」の発行等による情報発信", 2940, parent_key=14),
    PlanItem(15, "万博を契機としたビジネス交流の展開", 19700, is_new=True),
]


def test_reworded_names_are_matched_by_meaning() -> None:
    comparison = compare_plans(2023, FY2023, 2026, FY2026, before_total=55969, after_total=100674)
    pairs = {(m.before.key, m.after.key) for m in comparison.continued}
    assert pairs == {(1, 11), (2, 12), (4, 13), (5, 141), (6, 142)}
    assert [i.key for i in comparison.dropped] == [3]
    assert [i.key for i in comparison.added] == [15]  # ⑦ continues through its components
    assert [i.key for i in comparison.new_marked] == [15]
    assert comparison.total_change == 100674 - 55969
    assert comparison.total_change_percent == pytest.approx((100674 - 55969) / 55969 * 100)


def test_budget_change_in_thousand_yen_and_percent() -> None:
    comparison = compare_plans(2023, FY2023, 2026, FY2026)
    life = next(m for m in comparison.continued if m.after.key == 12)
    assert life.budget_change == 3841 - 1339
    assert life.budget_change_percent == pytest.approx(186.856, abs=1e-3)


def test_different_start_years_are_different_projects() -> None:
    old = PlanItem(1, "広報活動の実施", 1991, start_fiscal_year=2019)
    new = PlanItem(2, "広報活動の実施", 1988, start_fiscal_year=2026)
    assert item_similarity(old, new) == 0.0
    same = PlanItem(3, "広報活動の実施", 1988, start_fiscal_year=2019)
    assert item_similarity(old, same) == 1.0
    comparison = compare_plans(2025, [old], 2026, [new])
    assert comparison.continued == []
    assert [i.key for i in comparison.added] == [2]
    assert [i.key for i in comparison.dropped] == [1]


def test_kpi_target_revisions() -> None:
    before = PlanItem(
        1,
        "関西広域産業共創プラットフォーム事業の推進",
        45000,
        kpis=(
            KpiTarget("「かんさいラボサーチ」アクセス件数", ">=", 36000, "件"),
            KpiTarget("マッチング（面談数）", ">=", 30, "件"),
            KpiTarget("利用満足度", ">=", 80, "%"),
            KpiTarget("セミナー開催回数", ">=", 4, "回"),
        ),
    )
    after = PlanItem(
        2,
        "関西広域産業共創プラットフォーム事業の推進",
        49984,
        kpis=(
            KpiTarget("利用満足度", ">=", 80, "%"),
            KpiTarget("公設試等のシーズと企業ニーズのマッチング（面談数）", ">=", 25, "件"),
            KpiTarget("「かんさいラボサーチ」アクセス件数", ">=", 32000, "件"),
            KpiTarget("成果事例の発信件数", ">=", 5, "件"),
        ),
    )
    comparison = compare_plans(2025, [before], 2026, [after])
    (match,) = comparison.continued
    revised = [
        (c.before.target, c.after.target) for c in match.kpi_changes if c.kind == "revised" and c.before and c.after
    ]
    assert revised == [(30, 25), (36000, 32000)]
    assert [c.after.indicator for c in match.kpi_changes if c.kind == "added" and c.after] == ["成果事例の発信件数"]
    assert [c.before.indicator for c in match.kpi_changes if c.kind == "dropped" and c.before] == ["セミナー開催回数"]
    assert len(comparison.kpi_revisions) == 2


def test_text_similarity_ignores_marks_and_generic_words() -> None:
    assert text_similarity("【R8新規】広報活動の実施", "広報活動") == 1.0
    assert text_similarity("関西プラスチックごみゼロ推進事業", "広報活動の実施") == 0.0
