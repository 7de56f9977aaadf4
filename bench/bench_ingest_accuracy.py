"""Ingest accuracy on the grid-kind test plans: precision and recall per fact type, and invented projects.

Run from the project root: ``.venv/bin/python bench/bench_ingest_accuracy.py``.  Prints a table; asserts
nothing.  Layouts: each plan of ``tests/ingest/fixtures`` as written, with its radicals folded away
(plain CJK), and with its digits in ASCII (the fixtures use full-width digits).  PDF renderings and the
other layouts issue 11 lists are not here yet.
"""

from __future__ import annotations

import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.ingest.grid_facts import FACT_TYPES, FIXTURES, GRID_PLANS, Tally, score_grid  # noqa: E402

from keikaku.ingest.pipeline import ingest_file  # noqa: E402
from keikaku.normalize import fold_radicals  # noqa: E402


def _ascii_digits(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", c) if "０" <= c <= "９" else c for c in text)


LAYOUTS: dict[str, Callable[[str], str]] = {
    "as written (radicals, full-width digits)": lambda text: text,
    "radicals folded": fold_radicals,
    "ASCII digits": _ascii_digits,
}


def main() -> None:
    """Ingest every plan in every layout and print the table."""
    tally = Tally()
    renderings = 0
    with tempfile.TemporaryDirectory() as folder:
        for name, (_year, _total, rows) in sorted(GRID_PLANS.items()):
            source = (FIXTURES / name).read_text(encoding="utf-8")
            for label, render in LAYOUTS.items():
                target = Path(folder) / f"{label[:8]}-{name}"
                target.write_text(render(source), encoding="utf-8")
                (plan,) = ingest_file(target).data.plans
                score_grid(plan, rows, tally)
                renderings += 1
    print(f"{renderings} renderings of {len(GRID_PLANS)} plans in {len(LAYOUTS)} layouts")
    print(f"{'fact type':<12} {'expected':>8} {'found':>6} {'right':>6} {'precision':>9} {'recall':>7}")
    for kind in FACT_TYPES:
        print(
            f"{kind:<12} {tally.expected[kind]:>8} {tally.found[kind]:>6} {tally.right[kind]:>6}"
            f" {tally.precision(kind):>9.1%} {tally.recall(kind):>7.1%}"
        )
    print(f"invented projects: {len(tally.invented)}")
    for miss in tally.misses[:20]:
        print("  miss:", miss)


if __name__ == "__main__":
    main()
