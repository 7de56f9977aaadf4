"""normalize_text, strip_markup, normalize_line and fold_for_search."""

import random
import unicodedata
from pathlib import Path

import pytest

from keikaku.normalize import fold_for_search, normalize_line, normalize_text, strip_markup

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # width: digits, letters, punctuation
        ("１２３", "123"),
        ("ＡＢＣｘｙｚ", "ABCxyz"),
        ("１００，６７４千円", "100,674千円"),
        ("７０％", "70%"),
        ("参加者数：２２０人以上", "参加者数:220人以上"),
        ("ﾏｯﾁﾝｸﾞ", "マッチング"),
        ("ｶﾞｲﾄﾞ", "ガイド"),
        ("㍻31年", "平成31年"),
        ("㋿8年", "令和8年"),
        # brackets: round ones fold, Japanese ones stay
        ("（うち国庫補助金）", "(うち国庫補助金)"),
        ("「かんさいラボサーチ」【R8新規】『書名』", "「かんさいラボサーチ」【R8新規】『書名』"),
        ("<<現状>> 《万博後》", "<<現状>> 《万博後》"),
        # waves
        ("10月7日～9日", "10月7日~9日"),
        ("10月7日〜9日", "10月7日~9日"),
        ("2026∼", "2026~"),
        # dashes between digits
        ("06-6966‐6032", "06-6966-6032"),
        ("1ー2", "1-2"),
        ("２０２６－１０", "2026-10"),
        ("078–393—2682", "078-393-2682"),
        ("1−2", "1-2"),
        ("−5", "-5"),
        ("▲4.9", "▲4.9"),
        ("△4.9%", "△4.9%"),
        # long-vowel marks that PDF fonts turned into dashes
        ("センタ−", "センター"),
        ("コ―ディネ―タ―", "コーディネーター"),
        ("データ——", "データ——"),
        ("Kansai‐wide", "Kansai-wide"),
        # spacing voiced marks
        ("か゛っこう", "がっこう"),
        ("ハ゜ン", "パン"),
        # middle dots
        ("産学･官", "産学・官"),
        ("産学·官", "産学・官"),
        # kept: circled numbers and ellipses
        ("① 関西スタートアップ", "① 関西スタートアップ"),
        ("関西チャレンジ①②③", "関西チャレンジ①②③"),
        ("㉑㊿", "㉑㊿"),
        ("など…", "など…"),
        ("⑴ 項目", "(1) 項目"),
        # zero-width, BOM, soft hyphen
        ("\ufeff令和\u200b8年度\u00ad", "令和8年度"),
        ("A\u200dB\u2060C", "ABC"),
        # spaces
        ("令和８年度\u3000\u3000予算額", "令和8年度 予算額"),
        ("a\u00a0\u00a0b", "a b"),
        ("  前後に空白  ", "前後に空白"),
        ("a  b \t c", "a b\tc"),
        ("1行目  \n  2行目", "1行目\n2行目"),
        ("CRLF\r\n改行\r旧Mac", "CRLF\n改行\n旧Mac"),
        ("段落\u2028区切り", "段落\n区切り"),
        ("ページ1\fページ2", "ページ1\fページ2"),
        ("", ""),
        ("plain ascii", "plain ascii"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("⻄日本", "西日本"),
        ("⺠間", "民間"),
        ("⻑期", "長期"),
        ("⼾籍", "戸籍"),
        ("⾦額", "金額"),
        ("⼈材", "人材"),
        ("⼤阪", "大阪"),
        ("⽇本", "日本"),
        ("⾏政", "行政"),
        ("⼯業", "工業"),
        ("利⽤", "利用"),
        ("⾭少年", "青少年"),
        ("⿈金", "黄金"),
        ("⿊字", "黒字"),
        ("⻭科", "歯科"),
        ("⿒科", "歯科"),
        ("⻲岡市", "亀岡市"),
        ("⻯王町", "竜王町"),
        ("⻝品", "食品"),
        ("⻘年", "青年"),
        ("⾨真市", "門真市"),
        ("⾼槻市", "高槻市"),
        ("⼦育て", "子育て"),
    ],
)
def test_radicals_in_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_no_radical_survives() -> None:
    every = "".join(chr(c) for c in range(0x2E80, 0x2FE0) if unicodedata.name(chr(c), None))
    out = normalize_text(every)
    assert not any(0x2E80 <= ord(c) <= 0x2FDF for c in out)
    assert "戶" not in normalize_text("⼾") and normalize_text("⼾") == "戸"


# --- idempotence over many strings ---------------------------------------------------------------

_TRICKY = (
    "0123456789１２３０ーｰ－‐‑‒–—―−─━-~～〜∼…‥①⑳㉑㊿⑴（）()「」【】《》<>:：,，.．、。・･·‧"
    " \u3000\u00a0\t\n\r\u2028\u200b\ufeff\u00ad゛゜ﾞﾟかハアｶﾊｱセンタ⻄⼾⺠⾦㍻㋿%％▲△×ＡａZz&＆*＊"
)


def _samples() -> list[str]:
    rng = random.Random(20260401)
    samples = ["".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    samples += [_TRICKY, _TRICKY[::-1], "ア−1", "ア−−", "1ー2ー3", "センタ−の−", "か゛゛", " ー ", "1 − 2"]
    if SEEDS.is_dir():
        for path in sorted(SEEDS.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            samples.append(text)
            samples.extend(text.splitlines())
    return samples


def test_normalize_text_is_idempotent() -> None:
    for sample in _samples():
        once = normalize_text(sample)
        assert normalize_text(once) == once, repr(sample)


def test_normalize_text_output_properties() -> None:
    for sample in _samples()[:3000]:
        out = normalize_text(sample)
        assert "\r" not in out and "\u3000" not in out and "  " not in out
        assert "\u200b" not in out and "\ufeff" not in out
        assert not any(line.startswith(" ") or line.endswith(" ") for line in out.split("\n"))
        assert not any(c in out for c in "０１２３（）～〜")


def test_fold_for_search_is_idempotent() -> None:
    for sample in _samples()[:3000]:
        once = fold_for_search(sample)
        assert fold_for_search(once) == once, repr(sample)


# --- strip_markup ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("- ・ 参加者数：**220人以上**", "参加者数：220人以上"),
        ("- ▶ 「関西広域産業ビジョン」の個別計画", "「関西広域産業ビジョン」の個別計画"),
        ("・参加者数", "参加者数"),
        ("• 関西地域では", "関西地域では"),
        ("⚫ 項目", "項目"),
        ("◇関西スタートアップ", "関西スタートアップ"),
        ("◆ 重点", "重点"),
        ("▶ 成果目標（KPI）", "成果目標（KPI）"),
        ("➢ 2026年度までに", "2026年度までに"),
        ("○ シナジー", "シナジー"),
        ("■日 付", "日 付"),
        ("* 項目", "項目"),
        ("## 見出し", "見出し"),
        ("産業振興に関する**2040**年度", "産業振興に関する2040年度"),
        ("<p>新産業の創出・確立</p>", "新産業の創出・確立"),
        ('<ul style="list-style-type: none"> ▶ 大阪 &amp; 京都</ul>', "大阪 & 京都"),
        ("</li><li>次", "次"),
        ("<p>A</p>\t<p>B</p>", "A\tB"),
        ("a<br>b", "a b"),
        ("a<span>b</span>c", "abc"),
        # kept
        ("-5度", "-5度"),
        ("*注記：広域経済圏", "*注記：広域経済圏"),
        ("○○件以上", "○○件以上"),
        ("(1) 企業ニーズ", "(1) 企業ニーズ"),
        ("① 関西", "① 関西"),
        ("※企画提案公募", "※企画提案公募"),
        ("<<現状>> <現状>", "<<現状>> <現状>"),
        ("広域経済圏*", "広域経済圏*"),
        ("", ""),
    ],
)
def test_strip_markup(raw: str, expected: str) -> None:
    assert strip_markup(raw) == expected


def test_strip_markup_keeps_lines() -> None:
    assert strip_markup("- a\n- **b**\n\n・c") == "a\nb\n\nc"


def test_normalize_line_joins_wrapped_lines() -> None:
    assert normalize_line("- ・ 参加者数：\n**220人以上**") == "参加者数:220人以上"
    assert normalize_line("Paris Expo\nPorte de Versailles") == "Paris Expo Porte de Versailles"
    assert normalize_line("\n\n") == ""


# --- fold_for_search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "group",
    [
        ("ﾏｯﾁﾝｸﾞ", "マッチング", "まっちんぐ", "マッチ・ング", "マッチング "),
        ("コーディネーター", "コ−ディネ−タ−", "こでぃねた", "ｺｰﾃﾞｨﾈｰﾀｰ"),
        ("ヴァイオリン", "ゔぁいおりん", "ｳﾞｧｲｵﾘﾝ"),
        ("BioJapan", "ＢＩＯＪＡＰＡＮ", "bio japan", "Bio-Japan"),
        ("霞ヶ関", "霞ケ関", "霞け関"),
        ("一ヵ所", "一カ所", "一か所"),
        ("髙島屋", "高島屋"),
        ("⻄日本", "西日本"),
        ("関西チャレンジ①", "関西チャレンジ1"),
        ("e-ラーニング", "eラーニング", "Eラーニング"),
    ],
)
def test_fold_for_search_equal(group: tuple[str, ...]) -> None:
    keys = {fold_for_search(s) for s in group}
    assert len(keys) == 1, keys


def test_fold_for_search_keeps_distinctions() -> None:
    assert fold_for_search("マッチング") != fold_for_search("マーケティング")
    assert fold_for_search("大阪") != fold_for_search("大坂")
    assert fold_for_search("ヴァ") != fold_for_search("バ")
