"""The vision (004), the action plan (002) and the partner priorities (003), fact by fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from keikaku.domain import Actor, Comparator, DocumentKind
from keikaku.ingest.action_plan import split_actions
from keikaku.ingest.pipeline import ingest_file

ACTION_PLAN = "002_59a1d7412250158a.txt"
PARTNER = "003_172e9370bded9419.txt"
VISION = "004_9fbeadb188289702.txt"
THEMES = [
    "ライフサイエンス",
    "カーボンニュートラル",
    "空飛ぶクルマ・MaaS",
    "スタートアップ",
    "中小企業の成長",
    "多様な人材の活躍",
]


def test_vision_004(seeds_dir: Path) -> None:
    result = ingest_file(seeds_dir / VISION)
    assert result.kind is DocumentKind.VISION
    vision = result.data.vision
    assert vision is not None
    assert (vision.title, vision.revision, vision.issuer) == (
        "関西広域産業ビジョン",
        "2023年改訂版",
        "関西広域連合 広域産業振興局",
    )
    assert vision.horizon_fiscal_year == 2040
    assert vision.future_images == ["世界の中で輝き、日本の未来を牽引する関西", "産業を支える多様な人材が活躍する関西"]
    share, grp = vision.numeric_targets
    assert (share.comparator, share.target, share.unit, share.target_fiscal_year) == (Comparator.GE, 25.0, "%", 2040)
    assert "国内シェア" in share.indicator
    assert (grp.indicator, grp.target, grp.unit, grp.approximate) == ("GRP額", 150.0, "兆円", True)
    assert grp.derivation is not None
    assert (grp.derivation.base, grp.derivation.factor, grp.derivation.result) == (594.7, 25.0, 148.7)
    assert vision.economic_area == ["関西広域連合構成府県市", "福井県", "三重県"]
    assert [(c.number, c.name) for c in vision.challenges] == [(1, "強みで貢献"), (2, "強みを活用"), (3, "強みを発揮")]
    assert vision.challenges[0].aspiration == "新産業の創出・確立"
    assert vision.challenges[2].goal == "競争力強化と魅力向上による成長の好循環を通じた、強みの脈々たる発揮"
    assert [[a.key for a in c.aims] for c in vision.challenges] == [["A", "B"]] * 3
    assert vision.challenges[0].aims[0].text == "新産業のビジネスエコシステム確立"
    assert vision.values == ["スケールメリット", "シナジー", "スピルオーバー", "ダイバーシティ"]


def test_vision_004_fiscal_2023_list_does_not_add_up(seeds_dir: Path) -> None:
    (plan,) = ingest_file(seeds_dir / VISION).data.plans
    assert (plan.fiscal_year, plan.total_budget_thousand_yen, len(plan.projects)) == (2023, 55969, 11)
    assert plan.listed_sum() == 54734
    assert plan.projects[0].name == "関西スタートアップのポテンシャルの発信強化"
    assert plan.projects[0].budget_thousand_yen == 13043
    (warning,) = plan.warnings
    assert warning.code == "budget_sum_mismatch"
    assert warning.details == {"scope": "plan", "expected": 55969, "actual": 54734}


def test_action_plan_002(seeds_dir: Path) -> None:
    result = ingest_file(seeds_dir / ACTION_PLAN)
    assert result.kind is DocumentKind.ACTION_PLAN
    plan = result.data.action_plan
    assert plan is not None
    assert (plan.title, plan.published, plan.start_fiscal_year, plan.end_fiscal_year) == (
        "関西広域産業ビジョン アクションプラン",
        "2024-07",
        2024,
        2026,
    )
    assert [t.name for t in plan.themes] == THEMES  # two theme headings are missing: the contents order decides
    life = plan.themes[0]
    assert life.desired_state is not None and life.desired_state.startswith("再生医療分野をリードする")
    cells = {(e.period, e.actor): e for e in life.entries}
    assert set(cells) == {(p, a) for p in ("2024", "2025", "2026-") for a in Actor}
    union_2024 = cells[("2024", Actor.UNION)]
    assert union_2024.theme_of_period == "再生医療の産業化推進"
    assert union_2024.actions == [
        "バイオビジネスのパートナーリングイベント「BioJapan」への参加(ブース出展、オンラインマッチング、セミナー)",
        "欧州ライフサイエンス企業等とのパートナーリングカンファレンスの開催",
    ]
    mobility = plan.themes[2]
    union = next(e for e in mobility.entries if (e.period, e.actor) == ("2024", Actor.UNION))
    assert union.actions == [
        "【空飛ぶクルマ】構成府県市のリーディングケース(取組事例、支援制度等)の発信",
        "【MaaS】ビジネス情報紙「from NOW ON KANSAI」で、域内の関連サービスを紹介",
    ]
    assert all(t.desired_state for t in plan.themes)


def test_split_actions_keeps_english_names_and_brackets() -> None:
    cell = "<ul><li>補助金で実証を支援（例 ペロブスカイト電池） Beyond 5G 関連の支援 ・ 人材育成 ▶ 交流会</li></ul>"
    assert split_actions(cell) == [
        "補助金で実証を支援(例 ペロブスカイト電池)",
        "Beyond 5G 関連の支援",
        "人材育成",
        "交流会",
    ]


def test_partner_priorities_003(seeds_dir: Path) -> None:
    result = ingest_file(seeds_dir / PARTNER)
    assert result.kind is DocumentKind.PARTNER_PRIORITIES
    (programme,) = result.data.partner_priorities
    assert (programme.issuer, programme.fiscal_year) == ("近畿経済産業局", 2025)
    assert programme.priority_areas == [
        "大阪・関西万博の成功と万博レガシーの社会実装の推進",
        "中堅・中小企業の「稼ぐ力」の根本的強化と地域における人材確保・雇用創出",
    ]
    by_name = {i.name: i for i in programme.initiatives}
    assert len(programme.initiatives) == 20
    assert sum(1 for i in programme.initiatives if i.parent is None) == 15
    bio = by_name["世界をリードするバイオものづくり産業創出と社会実装に向けた推進体制の構築"]
    assert (bio.department, bio.phone) == ("地域経済部 バイオ・医療機器技術振興課", "06-6966-6163")
    dx = by_name["中堅・中小企業のDX推進"]
    assert (dx.parent, dx.department, dx.phone) == (
        "成長意欲のある地域の中核企業への重点支援",
        "地域経済部 次世代産業・情報政策課",
        "06-6966-6008",
    )
    assert [(t.target, t.unit, t.target_fiscal_year) for t in dx.targets] == [(300.0, "社", 2025)]
    battery = by_name["関西蓄電池人材育成等コンソーシアムの推進"]
    assert (battery.department, battery.phone) == ("地域経済部 次世代産業・情報政策課", "06-6966-6008")
    security = by_name["経済安全保障の推進"]
    assert security.department == "国際部 国際課/通商課 神戸通商事務所"
    assert security.phone == "06-6966-6031/6034 078-393-2682"
    circular = by_name["サーキュラーエコノミーの実現に向けた取組"]
    assert (100.0, "者", 2026) in [(t.target, t.unit, t.target_fiscal_year) for t in circular.targets]
    gx = by_name["中堅・中小企業の面的GX支援プロジェクト"]
    assert [(t.target, t.unit) for t in gx.targets] == [(50.0, "件")]
    assert gx.priority_area == programme.priority_areas[1]
    forest = by_name["世界に伍するイノベーションプラットフォームの形成"]
    assert [(t.target, t.unit) for t in forest.targets] == [(5.0, "社")]
    for initiative in programme.initiatives:
        assert initiative.provenance is not None and initiative.provenance.line is not None
        for target in initiative.targets:
            assert target.provenance is not None and target.provenance.excerpt


@pytest.mark.parametrize("name", [ACTION_PLAN, PARTNER, VISION])
def test_seed_documents_read_without_partial_warnings(seeds_dir: Path, name: str) -> None:
    assert not ingest_file(seeds_dir / name).partial


def test_vision_in_another_layout(documents: Path) -> None:
    vision = ingest_file(documents / "vision_2028_pages.txt").data.vision
    assert vision is not None
    assert (vision.revision, vision.horizon_fiscal_year) == ("2028年改訂版", 2045)
    assert vision.future_images == ["世界とつながり、新しい価値を生み出す関西", "誰もが挑戦し、活躍できる関西"]
    assert [(k.indicator, k.target, k.unit, k.target_fiscal_year) for k in vision.numeric_targets] == [
        ("関西の国内シェア", 26.0, "%", 2045),
        ("GRP額", 170.0, "兆円", 2045),
    ]
    assert vision.numeric_targets[1].derivation is not None
    assert [(c.number, c.name, c.aspiration) for c in vision.challenges] == [
        (1, "強みで貢献", "新産業の創出"),
        (2, "強みを活用", "産業の深化"),
        (3, "強みを発揮", "産業基盤の強化"),
    ]
    assert vision.challenges[1].aims[1].text == "中小企業のデジタル化"
    assert vision.values == ["スケールメリット", "シナジー", "スピルオーバー", "ダイバーシティ"]


def test_action_plan_as_markdown_tables(documents: Path) -> None:
    plan = ingest_file(documents / "action_plan_2027_markdown.md").data.action_plan
    assert plan is not None
    assert (plan.start_fiscal_year, plan.end_fiscal_year, plan.published) == (2027, 2029, "2027-04")
    assert [t.name for t in plan.themes] == ["脱炭素", "人材"]
    entry = next(e for e in plan.themes[0].entries if (e.period, e.actor) == ("2028", Actor.MEMBER_GOVERNMENTS))
    assert (entry.theme_of_period, entry.actions) == ("実証の拡大", ["設備導入補助", "専門家派遣"])
    assert {e.period for e in plan.themes[1].entries} == {"2027", "2028", "2029-"}


def test_partner_priorities_with_a_tabbed_contact_table(documents: Path) -> None:
    (programme,) = ingest_file(documents / "partner_r8_tabs.txt").data.partner_priorities
    assert (programme.fiscal_year, programme.title) == (2026, "令和8年度 重点施策")
    assert [(i.code, i.name, i.department) for i in programme.initiatives] == [
        ("1-1", "水素サプライチェーンの構築支援", "資源エネルギー環境部 カーボンニュートラル推進室"),
        ("1-2", "次世代モビリティの実装", "産業部 製造産業課"),
        ("2-1", "事業承継の促進", "産業部 中小企業課"),
        ("2-2", "価格転嫁の推進", "産業部 取引適正化推進室"),
    ]
    targets = {i.name: [(t.target, t.unit, t.target_fiscal_year) for t in i.targets] for i in programme.initiatives}
    assert targets["水素サプライチェーンの構築支援"] == [(20.0, "件", 2028)]
    assert targets["事業承継の促進"] == [(150.0, "件", 2026)]
    assert targets["価格転嫁の推進"] == []
