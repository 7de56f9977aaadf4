"""Files a newcomer reads in one sitting: no module of ``src/`` grows past 500 lines (issue 10)."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "keikaku"
MAX_LINES = 500


def test_no_module_in_src_is_over_500_lines() -> None:
    long = {
        path.relative_to(SRC).as_posix(): n
        for path in SRC.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these modules by what they hold: {long}"
