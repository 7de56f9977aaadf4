"""Recognising a document's kind from its content: keywords scored in the title area and in the body.

The file name and extension play no part.  A document that scores too low for every kind, or too close
between two kinds, is refused as of unknown kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keikaku.domain import DocumentKind
from keikaku.ingest.context import Line

TITLE_LINES = 8
MIN_SCORE = 8.0

# (pattern, weight) found in the title area (the first non-blank lines); the earlier, the stronger.
_TITLE: dict[DocumentKind, list[tuple[re.Pattern[str], float]]] = {
    DocumentKind.BUSINESS_PLAN: [(re.compile(r"事業計画"), 12.0), (re.compile(r"予算(?:事業)?一覧|事業一覧"), 6.0)],
    DocumentKind.ACTION_PLAN: [(re.compile(r"アクション\s*プラン|行動計画"), 12.0)],
    DocumentKind.VISION: [(re.compile(r"ビジョン|将来(?:像|構想)|長期計画"), 9.0)],
    DocumentKind.PARTNER_PRIORITIES: [
        (re.compile(r"重点施策|重点分野|重点取組"), 10.0),
        (re.compile(r"経済産業局"), 5.0),
    ],
}

# (pattern, weight per occurrence, cap) counted over the whole text.
_BODY: dict[DocumentKind, list[tuple[re.Pattern[str], float, float]]] = {
    DocumentKind.BUSINESS_PLAN: [
        (re.compile(r"\d\s*千円"), 0.7, 10.0),
        (re.compile(r"予算額"), 1.0, 4.0),
        (re.compile(r"担当(?:課|部署|所属)"), 2.0, 4.0),
        (re.compile(r"成果目標|KPI|成果指標"), 1.0, 6.0),
        (re.compile(r"事業概要|事業内容|事業目的"), 1.0, 5.0),
        (re.compile(r"管理費|国庫(?:補助|負担)金"), 2.0, 4.0),
        (re.compile(r"事業開始年度|年目\)"), 2.0, 4.0),
    ],
    DocumentKind.VISION: [
        (re.compile(r"めざす将来像|目指す将来像|将来像"), 1.5, 6.0),
        (re.compile(r"数値目標"), 2.0, 4.0),
        (re.compile(r"関西チャレンジ|チャレンジ[①②③1-3]"), 0.7, 5.0),
        (re.compile(r"スケールメリット|シナジー|スピルオーバー|ダイバーシティ"), 0.5, 3.0),
        (re.compile(r"GRP|域内総生産|国内シェア"), 1.5, 4.0),
        (re.compile(r"めざす姿|目指す姿"), 1.5, 3.0),
        (re.compile(r"\d{4}年度の?(?:関西|目標|実現)"), 1.0, 3.0),
    ],
    DocumentKind.ACTION_PLAN: [
        (re.compile(r"ありたい姿"), 1.5, 8.0),
        (re.compile(r"万博開催|万博後"), 0.5, 6.0),
        (re.compile(r"取組項目"), 2.0, 4.0),
        (re.compile(r"構成府県市\s*\(?主な取組"), 1.5, 6.0),
    ],
    DocumentKind.PARTNER_PRIORITIES: [
        (re.compile(r"重点分野|重点施策|重点取組"), 2.0, 6.0),
        (re.compile(r"問合せ先|問い合わせ先|お問合せ"), 3.0, 3.0),
        (re.compile(r"担当課名|電話番号"), 2.0, 4.0),
        (re.compile(r"\d{2,4}-\d{2,4}-\d{4}"), 0.5, 4.0),
        (re.compile(r"経済産業局|経済産業省"), 0.5, 3.0),
    ],
}


@dataclass(frozen=True)
class Detection:
    """The recognised kind (``None`` if unknown) and every kind's score, for messages and tests."""

    kind: DocumentKind | None
    scores: dict[DocumentKind, float]


def detect_kind(lines: list[Line]) -> Detection:
    """Score every known kind on the title area and the body; the best clear winner is the kind."""
    scores = {kind: 0.0 for kind in _BODY}
    title = [line.text for line in lines if line.text][:TITLE_LINES]
    for kind, patterns in _TITLE.items():
        for pattern, weight in patterns:
            for position, text in enumerate(title):
                if pattern.search(text):
                    scores[kind] += weight * (1.0 - position / (2 * TITLE_LINES))
                    break
    body = "\n".join(line.text for line in lines if line.text)
    for kind, body_patterns in _BODY.items():
        for pattern, weight, cap in body_patterns:
            scores[kind] += min(cap, weight * len(pattern.findall(body)))
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best_kind, best = ranked[0]
    runner_up = ranked[1][1]
    if best < MIN_SCORE or best - runner_up < 2.0:
        return Detection(None, scores)
    return Detection(best_kind, scores)
