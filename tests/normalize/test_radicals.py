"""The radical table: complete for both blocks, and mapping to characters Japanese writes."""

import unicodedata

import pytest

from keikaku.normalize import fold_radicals
from keikaku.normalize.radicals import RADICAL_TABLE

ASSIGNED = [c for c in range(0x2E80, 0x2FE0) if unicodedata.name(chr(c), None)]


def test_every_assigned_radical_is_mapped() -> None:
    assert len(ASSIGNED) == 115 + 214
    assert sorted(RADICAL_TABLE) == ASSIGNED


def test_targets_are_stable_ideographs() -> None:
    for code, target in RADICAL_TABLE.items():
        assert len(target) == 1, hex(code)
        assert unicodedata.category(target) == "Lo", hex(code)
        assert unicodedata.normalize("NFKC", target) == target, hex(code)
        assert not 0x2E80 <= ord(target) <= 0x2FDF, hex(code)


@pytest.mark.parametrize(
    ("radical", "expected"),
    [
        ("⻄", "西"), ("⺠", "民"), ("⻑", "長"), ("⼾", "戸"), ("⾦", "金"), ("⼈", "人"), ("⼤", "大"), ("⽇", "日"),
        ("⾏", "行"), ("⼯", "工"), ("⽤", "用"), ("⾭", "青"), ("⿆", "麦"), ("⿈", "黄"), ("⿊", "黒"), ("⿑", "斉"),
        ("⿒", "歯"), ("⿔", "亀"), ("⿓", "龍"), ("⻯", "竜"), ("⻈", "言"), ("⻓", "長"), ("⻳", "亀"), ("⺟", "母"),
        ("⺅", "亻"), ("⺡", "氵"), ("⻖", "阝"), ("⻌", "辶"), ("⾡", "辶"), ("⻝", "食"), ("⻘", "青"),
    ],
)  # fmt: skip
def test_examples(radical: str, expected: str) -> None:
    assert fold_radicals(radical) == expected


def test_fold_radicals_leaves_other_text() -> None:
    assert fold_radicals("⻄⽇本の⼾籍 ABC １２３") == "西日本の戸籍 ABC １２３"
