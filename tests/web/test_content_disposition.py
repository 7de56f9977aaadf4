"""Every download names its file one way: :func:`keikaku.reports.files.attachment` (issue 10, one home)."""

from __future__ import annotations

import re
from pathlib import Path

from keikaku.reports.files import attachment

SRC = Path(__file__).resolve().parents[2] / "src" / "keikaku"
HOME = SRC / "reports" / "files.py"
#: A Content-Disposition value written by hand: ``attachment;`` or ``inline;`` followed by a file name.
BY_HAND = re.compile(r"""["'](?:attachment|inline);\s*filename""")


def test_no_module_writes_a_content_disposition_by_hand() -> None:
    by_hand = [
        f"{path.relative_to(SRC).as_posix()}:{number}"
        for path in SRC.rglob("*.py")
        if path != HOME
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BY_HAND.search(line)
    ]
    assert by_hand == [], f"name downloads with reports.files.attachment: {by_hand}"


def test_a_name_in_any_language_is_given_in_both_forms() -> None:
    assert (
        attachment("keikaku-audit.csv")
        == "attachment; filename=\"keikaku-audit.csv\"; filename*=UTF-8''keikaku-audit.csv"
    )
    # The ASCII stand-in has no quote to end it early; the RFC 5987 form keeps the whole name.
    assert (
        attachment('報告"書.pdf')
        == "attachment; filename=\"____.pdf\"; filename*=UTF-8''%E5%A0%B1%E5%91%8A%22%E6%9B%B8.pdf"
    )
