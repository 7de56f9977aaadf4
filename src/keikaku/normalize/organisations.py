"""Organisation names folded for duplicate detection: 法人格 spelled out or abbreviated, widths, spaces."""

import re

from keikaku.normalize.text import normalize_text

#: Abbreviations of the legal form (法人格) and the full form they stand for.
_LEGAL_FORMS = {
    "(株)": "株式会社",
    "㈱": "株式会社",
    "(有)": "有限会社",
    "㈲": "有限会社",
    "(合)": "合同会社",
    "(一社)": "一般社団法人",
    "(公財)": "公益財団法人",
    "(一財)": "一般財団法人",
    "(公社)": "公益社団法人",
}
_SPACES = re.compile(r"[\s\u3000]+")


def fold_organisation_name(name: str) -> str:
    """The name with widths folded (NFKC), 法人格 abbreviations written out, spaces removed, Latin lowercased.

    ``（株）ケイカク`` and ``株式会社 ケイカク`` fold alike only in the legal form; the position of the
    legal form (前株/後株) is kept, since 株式会社A and A株式会社 are different firms.
    """
    text = normalize_text(name)
    text = text.replace("（", "(").replace("）", ")")
    for short, full in _LEGAL_FORMS.items():
        text = text.replace(short, full)
    return _SPACES.sub("", text).lower()
