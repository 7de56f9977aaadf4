"""Units of measure in plans: the counters, shares and other units KPI targets use, and their kinds."""

from __future__ import annotations

import re

from keikaku.normalize.numbers import unit_scale

# fmt: off
#: Counters: a KPI in one of these (with any multiplier, e.g. 万人) is a count.
COUNT_UNITS = frozenset({
    "人", "名", "件", "社", "者", "回", "部", "団体", "機関", "企業", "事業者", "事業", "本", "個", "台", "校",
    "施設", "店舗", "品目", "か所", "箇所", "市町村", "自治体", "都市", "地域", "国", "冊", "組", "チーム",
    "プロジェクト", "拠点", "人日", "人回", "商品", "製品", "案件", "セミナー", "講座", "記事", "コンテンツ",
})
#: Shares: % (and 割, tenths).
SHARE_UNITS = frozenset({"%", "割"})
#: Durations: a number in one of these is a target only with an explicit comparator (``10日未満``).
TIME_UNITS = frozenset({"年", "日", "日間", "時間", "か月", "ヶ月", "カ月"})
_OTHER_UNITS = frozenset({
    "倍", "位", "点", "ポイント", "pt", "トン", "t", "kg", "km", "MW", "kW", "kWh", "GWh", "ドル", "円",
    "カ所", "ヶ所", "ヵ所", "パーセント",
})
#: Names for a measure known only by its unit (``300社`` measures 社数).
UNIT_NAMES = {
    "人": "人数", "名": "人数", "件": "件数", "社": "社数", "者": "者数", "回": "回数", "部": "部数", "団体": "団体数",
    "校": "校数", "%": "割合", "割": "割合", "位": "順位", "倍": "倍率", "円": "金額",
}
# fmt: on

_ALL_UNITS = sorted(COUNT_UNITS | SHARE_UNITS | TIME_UNITS | _OTHER_UNITS, key=len, reverse=True)
#: A known unit, with an optional multiplier (``兆円``, ``万人``, ``千円``), longest first.
UNIT_PATTERN = f"(?:百万|千万|万|億|兆|千)?(?:{'|'.join(re.escape(u) for u in _ALL_UNITS)})"


def unit_kind(unit: str | None) -> str:
    """The kind of quantity a unit measures: ``rank`` (位), ``relative`` (倍), ``share`` (%, 割),
    ``amount`` (…円, ドル), ``count`` (counters, with any multiplier: 人, 万人, 件, 社 …) or ``other``.
    """
    base = unit_scale(unit)[1]
    if base == "位":
        return "rank"
    if base == "倍":
        return "relative"
    if base in SHARE_UNITS:
        return "share"
    if base is not None and base.endswith(("円", "ドル")):
        return "amount"
    if base in COUNT_UNITS:
        return "count"
    return "other"
