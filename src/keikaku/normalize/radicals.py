"""Kangxi Radicals and CJK Radicals Supplement mapped to the characters Japanese text uses.

PDF fonts often share one glyph between a radical and the ordinary ideograph, and text extraction
then returns the radical code point: ``⻄日本`` for 西日本, ``⼾籍`` for 戸籍, ``⺠間`` for 民間.  The two
blocks look identical on screen but never compare equal, so every one of their characters is mapped
here to the ideograph a Japanese reader sees.

* Kangxi Radicals (U+2F00–U+2FD5): Unicode's compatibility mapping (NFKC), except where that gives a
  form Japanese does not write: ⼾→戸 (not 戶), ⾭→青 (not 靑), ⿆→麦, ⿈→黄, ⿊→黒, ⿑→斉, ⿒→歯, ⿔→亀.
  ⿓ stays 龍, which Japanese writes beside 竜 (龍野, 竜王町).
* CJK Radicals Supplement (U+2E80–U+2EF3): no compatibility mapping exists for all but two, so each
  is mapped by hand to the ideograph it stands for; positional variants map to the ideograph of
  that shape (⺅→亻, ⺡→氵, ⻖→阝), and the Chinese-simplified and Japanese-simplified forms map to
  the form Japanese uses (⻈→言, ⻓→長, ⻭→歯, ⻯→竜).
"""

from __future__ import annotations

import unicodedata

#: Kangxi radicals whose NFKC form is not the one Japanese uses.
_KANGXI_OVERRIDES = {
    "⼾": "戸",
    "⾭": "青",
    "⾡": "辶",
    "⿆": "麦",
    "⿈": "黄",
    "⿊": "黒",
    "⿑": "斉",
    "⿒": "歯",
    "⿔": "亀",
}

#: CJK Radicals Supplement, in code-point order (U+2E9A is unassigned).
_SUPPLEMENT = {
    "⺀": "冫",
    "⺁": "厂",
    "⺂": "乛",
    "⺃": "乚",
    "⺄": "乙",
    "⺅": "亻",
    "⺆": "冂",
    "⺇": "几",
    "⺈": "刀",
    "⺉": "刂",
    "⺊": "卜",
    "⺋": "㔾",
    "⺌": "小",
    "⺍": "小",
    "⺎": "兀",
    "⺏": "尣",
    "⺐": "尢",
    "⺑": "尢",
    "⺒": "巳",
    "⺓": "幺",
    "⺔": "彑",
    "⺕": "彐",
    "⺖": "忄",
    "⺗": "心",
    "⺘": "扌",
    "⺙": "攵",
    "⺛": "旡",
    "⺜": "日",
    "⺝": "月",
    "⺞": "歺",
    "⺟": "母",
    "⺠": "民",
    "⺡": "氵",
    "⺢": "氺",
    "⺣": "灬",
    "⺤": "爫",
    "⺥": "爪",
    "⺦": "丬",
    "⺧": "牛",
    "⺨": "犭",
    "⺩": "王",
    "⺪": "疋",
    "⺫": "罒",
    "⺬": "示",
    "⺭": "礻",
    "⺮": "竹",
    "⺯": "糸",
    "⺰": "糸",
    "⺱": "网",
    "⺲": "罒",
    "⺳": "㓁",
    "⺴": "网",
    "⺵": "网",
    "⺶": "羊",
    "⺷": "羊",
    "⺸": "羊",
    "⺹": "耂",
    "⺺": "肀",
    "⺻": "聿",
    "⺼": "月",
    "⺽": "臼",
    "⺾": "艹",
    "⺿": "艹",
    "⻀": "艹",
    "⻁": "虎",
    "⻂": "衤",
    "⻃": "覀",
    "⻄": "西",
    "⻅": "見",
    "⻆": "角",
    "⻇": "角",
    "⻈": "言",
    "⻉": "貝",
    "⻊": "足",
    "⻋": "車",
    "⻌": "辶",
    "⻍": "辶",
    "⻎": "辶",
    "⻏": "阝",
    "⻐": "金",
    "⻑": "長",
    "⻒": "長",
    "⻓": "長",
    "⻔": "門",
    "⻕": "阜",
    "⻖": "阝",
    "⻗": "雨",
    "⻘": "青",
    "⻙": "韋",
    "⻚": "頁",
    "⻛": "風",
    "⻜": "飛",
    "⻝": "食",
    "⻞": "食",
    "⻟": "食",
    "⻠": "食",
    "⻡": "首",
    "⻢": "馬",
    "⻣": "骨",
    "⻤": "鬼",
    "⻥": "魚",
    "⻦": "鳥",
    "⻧": "鹵",
    "⻨": "麦",
    "⻩": "黄",
    "⻪": "黽",
    "⻫": "斉",
    "⻬": "斉",
    "⻭": "歯",
    "⻮": "歯",
    "⻯": "竜",
    "⻰": "竜",
    "⻱": "亀",
    "⻲": "亀",
    "⻳": "亀",
}


def _build() -> dict[int, str]:
    table: dict[int, str] = {ord(k): v for k, v in _SUPPLEMENT.items()}
    for code in range(0x2F00, 0x2FD6):
        char = chr(code)
        table[code] = _KANGXI_OVERRIDES.get(char) or unicodedata.normalize("NFKC", char)
    return table


#: ``str.translate`` table: every assigned code point of both blocks to its Japanese ideograph.
RADICAL_TABLE: dict[int, str] = _build()


def fold_radicals(text: str) -> str:
    """Replace every Kangxi radical and CJK radical supplement character with its Japanese ideograph.

    ``fold_radicals("⻄⽇本の⼾籍")`` is ``"西日本の戸籍"``.  :func:`keikaku.normalize.normalize_text` does
    this as its first step; call this alone only where the rest of the normalisation is unwanted.
    """
    return text.translate(RADICAL_TABLE)
