"""Small readers shared by the vision, action-plan and partner parsers: issuer, publication month, titles."""

from __future__ import annotations

import re

from keikaku.ingest.context import Line

ORG = re.compile(r"^[^\s、。:()]{2,30}(?:連合|都|道|府|県|市|町|村|省|庁|機構|協議会|経済産業局|局)$")
UNIT = re.compile(r"^[^\s、。:()]{2,30}(?:局|部|課|室|センター)$")
ORG_AND_UNIT = re.compile(
    r"^(?P<org>[^\s、。:()]{2,30}(?:連合|都|道|府|県|市|省|庁|機構))\s+(?P<unit>[^\s、。:()]{2,30}(?:局|部|課|室))$"
)
PUBLISHED = re.compile(r"^(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*\d{1,2}\s*日)?$")
_JA_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


def find_issuer(area: list[Line]) -> str | None:
    """The issuing body from the title area: ``関西広域連合 広域産業振興局`` on one line or two."""
    texts = [line.text for line in area if line.text]
    for index, text in enumerate(texts):
        both = ORG_AND_UNIT.match(text)
        if both is not None:
            return f"{both.group('org')} {both.group('unit')}"
        if ORG.match(text) and not text.endswith("局") and index + 1 < len(texts) and UNIT.match(texts[index + 1]):
            return f"{text} {texts[index + 1]}"
    for text in texts:
        if ORG.match(text):
            return text
    return None


def find_published(area: list[Line]) -> str | None:
    """The publication month of the title area (``2024年7月`` → ``2024-07``)."""
    for line in area:
        match = PUBLISHED.match(line.text)
        if match is not None:
            return f"{match.group('y')}-{int(match.group('m')):02d}"
    return None


def join_japanese(text: str) -> str:
    """Remove the spaces PDF extraction puts inside Japanese text (``産業の 確立`` → ``産業の確立``)."""
    return _JA_SPACE.sub("", text).strip()


def title_area(lines: list[Line], count: int = 14) -> list[Line]:
    """The first non-blank lines of a document."""
    return [line for line in lines if line.text][:count]
