"""Japanese text: width folding, look-alike glyphs, markup left over from PDF extraction, search keys.

:func:`normalize_text` is the one normalisation every input goes through once, at the edge (document
readers, web forms, spreadsheet imports).  Its decisions, in one place:

* Unicode NFKC: full-width ASCII to half-width (``１２３`` → ``123``, ``ＡＢ`` → ``AB``, ``％`` → ``%``,
  ``：`` → ``:``), half-width katakana to full-width (``ﾏｯﾁﾝｸﾞ`` → ``マッチング``), ``㍻``/``㋿`` → 平成/令和.
* Kangxi radicals and CJK radicals supplement to ordinary ideographs (``⻄`` → 西, ``⼾`` → 戸; see
  :mod:`keikaku.normalize.radicals`).
* Kept although NFKC would change them: circled numbers ``①``–``㊿`` (plans number their projects
  and challenges with them) and ``…``/``‥``.  :func:`fold_for_search` does fold them.
* Brackets: full-width round brackets become ASCII ``()`` (NFKC); Japanese corner and lenticular
  brackets ``「」『』【】`` and ``〈〉《》`` stay, they carry meaning (quotations, headings, marks).
* Waves: ``～`` (U+FF5E) and ``〜`` (U+301C, the JIS wave dash) and ``∼`` all become ASCII ``~``.
* Dashes: a hyphen, dash, minus sign or long-vowel mark between two digits becomes ``-``
  (``06-6966‐6032``, ``1ー2``, ``２０２６－１０``); a minus sign before a digit becomes ``-``;
  U+2010/U+2011 hyphens become ``-``; a dash or minus directly after katakana, where PDF fonts put
  it for the long-vowel mark, becomes ``ー`` (``センタ−`` → ``センター``).  ``▲``/``△`` (negative in
  Japanese accounts) are left alone.
* Middle-dot look-alikes (``·``, ``‧``, ``∙``, ``⋅``, half-width ``･``) become ``・``.
* A spacing voiced/semi-voiced mark after kana is joined to it (``か゛`` → ``が``).
* Zero-width characters, soft hyphens, bidi controls and the BOM are removed.
* Spaces: every space character (U+3000 and NBSP included) becomes ASCII space, runs collapse to one,
  and spaces at the start and end of each line and around tabs are removed.  Tabs (table cells in
  extracted text) and form feeds (page breaks) stay.  Line breaks stay; ``\\r\\n``, ``\\r``, U+2028
  and U+2029 become ``\\n``.

The result is idempotent: ``normalize_text(normalize_text(x)) == normalize_text(x)``.
"""

from __future__ import annotations

import html
import re
import unicodedata

from keikaku.normalize.radicals import RADICAL_TABLE

# --- normalize_text -------------------------------------------------------------------------------

#: Characters NFKC would rewrite but plans use as they are (circled numbers, ellipses).
_PROTECTED_RE = re.compile("([\u2460-\u2473\u3251-\u325f\u32b1-\u32bf\u2026\u2025])")

_ZERO_WIDTH = (
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\ufeff"
)

# Zero-width characters go before NFKC, so that the characters around them compose (セ\u200bﾞ → ゼ).
_PRE_TABLE: dict[int, str | None] = dict(RADICAL_TABLE)
_PRE_TABLE.update({ord(c): None for c in _ZERO_WIDTH})
_PRE_TABLE.update(
    {
        0xFDD0: None,  # noncharacter; never meaningful
        0x2028: "\n",
        0x2029: "\n",
        0x0085: "\n",
    }
)

_POST_TABLE: dict[int, str | None] = {
    ord("〜"): "~",
    ord("∼"): "~",
    ord("⁓"): "~",
    ord("\u2010"): "-",
    ord("\u2011"): "-",
    ord("·"): "・",
    ord("‧"): "・",
    ord("∙"): "・",
    ord("⋅"): "・",
    ord("\u3000"): " ",
    ord("\u00a0"): " ",
    ord("\u202f"): " ",
    ord("\u205f"): " ",
    ord("\u1680"): " ",
    ord("\u000b"): "\n",
}
_POST_TABLE.update({code: " " for code in range(0x2000, 0x200B)})

#: Dash-like characters that PDF extraction puts where a hyphen or a long-vowel mark was meant.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\u30fc\ufe63\ufe58-"
_DASH_BETWEEN_DIGITS_RE = re.compile(f"(?<=[0-9])[{_DASHES}](?=[0-9])")
_MINUS_BEFORE_DIGIT_RE = re.compile("\u2212(?=[0-9])")
_DASH_AFTER_KATAKANA_RE = re.compile(
    "(?<=[\u30a1-\u30fa\u30fc])[\u2012\u2013\u2014\u2015\u2212\u2500\u2501](?![\u2012-\u2015\u2212\u2500\u2501]|[0-9])"
)
_SPACING_VOICED_RE = re.compile("(?<=[\u3041-\u3096\u30a1-\u30fa\uff66-\uff9d])[\u309b\u309c]")
_SPACES_RE = re.compile(r" {2,}")
_EDGE_SPACES_RE = re.compile(r"^ +| +$| *\t *", re.MULTILINE)


def _nfkc(text: str) -> str:
    if not text.isascii():
        if _PROTECTED_RE.search(text) is None:
            return unicodedata.normalize("NFKC", text)
        parts = _PROTECTED_RE.split(text)
        # Odd indexes are the protected characters themselves.
        return "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))
    return text


def _edge(match: re.Match[str]) -> str:
    return "\t" if "\t" in match.group() else ""


def normalize_text(s: str) -> str:
    """Normalise Japanese text once, at the edge: width, look-alike glyphs, dashes, spaces.

    See the module docstring for every rule.  Line breaks and tabs are kept; the result is idempotent.

    >>> normalize_text("令和８年度\u3000\u3000予算額：１００，６７４千円（⻄⽇本）")
    '令和8年度 予算額:100,674千円(西日本)'
    """
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = s.translate(_PRE_TABLE)
    if "\u309b" in s or "\u309c" in s:
        s = _SPACING_VOICED_RE.sub(lambda m: "\u3099" if m.group() == "\u309b" else "\u309a", s)
    s = _nfkc(s).translate(_POST_TABLE)
    if not s.isascii():
        s = _DASH_BETWEEN_DIGITS_RE.sub("-", s)
        s = _MINUS_BEFORE_DIGIT_RE.sub("-", s)
        s = _DASH_AFTER_KATAKANA_RE.sub("ー", s)
    if "  " in s:
        s = _SPACES_RE.sub(" ", s)
    if " " in s or "\t" in s:
        s = _EDGE_SPACES_RE.sub(_edge, s)
    return s


# --- strip_markup ---------------------------------------------------------------------------------

#: Bullets PDF extraction and markdown conversion leave at the start of a line, in any combination.
#: ``-``, ``+``, ``*``, ``○`` count only when a space follows (``-5`` is a number, ``*注`` a footnote
#: mark, ``○○件`` a placeholder).
_BULLETS = "・•●◇◆□■▪▫▶►▷▸▹➢➤➣→⚫⚪✓✔❖◎☆★"
_SPACED_BULLETS = "-+*○◯◦"
_BULLET_SEQ = f"(?:(?:[{_BULLETS}]|[{_SPACED_BULLETS}](?=[ \t]))[ \t]*)+"
_BULLET_RE = re.compile(f"^[ \t]*{_BULLET_SEQ}")
_HEADING_RE = re.compile(r"^[ \t]*#{1,6}[ \t]+")
_EMPHASIS_RE = re.compile(r"\*\*|__(?=\S)|(?<=\S)__")
_BLOCK_TAG_RE = re.compile(
    r"</?(?:p|div|br|li|ul|ol|tr|td|th|table|thead|tbody|tfoot|h[1-6]|dl|dt|dd|section|article|caption)\b[^<>]*>"
    f"(?:[ \t]*{_BULLET_SEQ})?",
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_MULTISPACE_RE = re.compile(r"[ \u3000]{2,}")
_TAB_SPACES_RE = re.compile(r"[ \u3000]*\t[ \u3000]*")


def _strip_line(line: str) -> str:
    if "<" in line:
        line = _BLOCK_TAG_RE.sub(" ", line)
        line = _TAG_RE.sub("", line)
    if "&" in line:
        line = html.unescape(line)
    if "*" in line or "_" in line:
        line = _EMPHASIS_RE.sub("", line)
    line = _HEADING_RE.sub("", line)
    line = _BULLET_RE.sub("", line)
    line = _MULTISPACE_RE.sub(" ", line)
    if "\t" in line:
        line = _TAB_SPACES_RE.sub("\t", line)
    return line.strip(" \u3000")


def strip_markup(s: str) -> str:
    """Remove what PDF-to-text conversion leaves around the words: emphasis, bullets, headings, tags.

    Per line: markdown emphasis ``**x**`` → ``x``; leading bullets in any combination (``- ・ ``,
    ``・``, ``•``, ``⚫``, ``◇``, ``◆``, ``▶``, ``➢``, ``○``, ``■``…) and markdown headings ``## `` are
    removed; HTML tags (``<p>``, ``<ul class="x">``, ``</li>``) are removed, block and cell tags leaving a
    space so that cells do not run together; HTML entities are decoded.  Numbering such as ``(1)``,
    ``①`` or ``1.`` is kept (it is structure), as are single ``*`` footnote marks, ``※`` and
    angle-bracketed Japanese (``<現状>``).  Spaces are collapsed and each line is trimmed; line breaks
    are kept.

    >>> strip_markup("- ・ 参加者数：**220人以上**")
    '参加者数：220人以上'
    """
    if "\n" in s:
        return "\n".join(_strip_line(line) for line in s.split("\n"))
    return _strip_line(s)


def normalize_line(s: str) -> str:
    """One clean line from a possibly wrapped, marked-up fragment: :func:`normalize_text`, then
    :func:`strip_markup`, then the lines joined (with a space only between two ASCII characters, as
    Japanese wraps without one, and never after ``:`` or before ``)`` and the like).

    >>> normalize_line("- ・ 参加者数：\\n**220人以上**")
    '参加者数:220人以上'
    """
    lines = [line for line in strip_markup(normalize_text(s)).split("\n") if line]
    joined = ""
    for line in lines:
        spaced = joined and _needs_space(joined[-1], line[0])
        joined += (" " if spaced else "") + line
    return normalize_text(joined)


def _needs_space(before: str, after: str) -> bool:
    """Whether joining two wrapped lines needs a space: only between words of Latin script."""
    return before.isascii() and after.isascii() and before not in "(-/:[" and after not in ").,:;/-]"


# --- fold_for_search ------------------------------------------------------------------------------

_KATA_TO_HIRA: dict[int, str | None] = {code: chr(code - 0x60) for code in range(0x30A1, 0x30F7)}
_KATA_TO_HIRA.update(
    {
        0x30F7: "わ\u3099",  # ヷ
        0x30F8: "ゐ\u3099",  # ヸ
        0x30F9: "ゑ\u3099",  # ヹ
        0x30FA: "を\u3099",  # ヺ
        0x30FD: "ゝ",
        0x30FE: "ゞ",
        0x3095: "か",  # ゕ (from ヵ)
        0x3096: "け",  # ゖ (from ヶ)
        0x30F5: "か",  # ヵ: 一ヵ所 / 一か所
        0x30F6: "け",  # ヶ: 霞ヶ関 / 霞ケ関
    }
)
#: Variant kanji common in names, folded to the everyday form for matching only.
_SEARCH_VARIANTS = {"髙": "高", "﨑": "崎", "嵜": "崎", "邊": "辺", "邉": "辺", "濵": "浜", "濱": "浜", "澤": "沢"}
_KATA_TO_HIRA.update({ord(k): v for k, v in _SEARCH_VARIANTS.items()})
#: Removed for matching: spaces, middle dots, long-vowel marks, hyphens and dashes, waves, underscores.
_KATA_TO_HIRA.update({ord(c): None for c in " \t\n\f・ー-~_" + _DASHES})


def fold_for_search(s: str) -> str:
    """A search key: text that reads the same folds to the same string.

    :func:`normalize_text`, then NFKC of what it keeps (①→1, …→...), case folding, katakana to
    hiragana (ヴ→ゔ, ヶ→け, ヵ→か), a few name variants (髙→高, 﨑→崎, 邊/邉→辺, 濵/濱→浜, 澤→沢), and
    removal of spaces, tabs, line breaks, middle dots ``・``, long-vowel marks ``ー``, hyphens and
    dashes, ``~`` and ``_``.  So ``ﾏｯﾁﾝｸﾞ``, ``マッチング``, ``まっちんぐ`` and ``マッチ・ング`` all fold to
    ``まっちんぐ``.  Apply it to both the query and the indexed text; the key is not for display.
    """
    s = unicodedata.normalize("NFKC", normalize_text(s)).casefold().translate(_KATA_TO_HIRA)
    # Removing spaces can bring a voiced mark next to its kana (か ゙ → が): compose once more.
    return unicodedata.normalize("NFKC", s).translate(_KATA_TO_HIRA)
