"""Ingest accuracy: precision and recall per fact type, and invented projects, over every bundled plan
written in many layouts, several of them through a real PDF (WeasyPrint, then pypdfium2 through the
layout-aware reader).

Run from the project root: ``.venv/bin/python bench/bench_ingest_accuracy.py [--no-pdf] [--misses N]``.
Prints a table per layout and the total; asserts nothing.  The plans: the FY2026 seed (001), this
package's business-plan documents (tests/ingest/documents) and grid-kind plans (tests/ingest/fixtures),
each with facts written down by reading it (tests/ingest/facts.py, grid_facts.py); the layouts are in
tests/ingest/accuracy.py.  Event dates are counted only where the truth has them (not the grid plans).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.ingest.accuracy import PDF_LAYOUTS, TEXT_LAYOUTS, score_plan, source_text, truth  # noqa: E402
from tests.ingest.grid_facts import FACT_TYPES, Tally  # noqa: E402

from keikaku.ingest.errors import IngestError  # noqa: E402
from keikaku.ingest.pipeline import ingest_file  # noqa: E402


def _row(label: str, tally: Tally) -> str:
    cells = [f"{tally.precision(k):>6.1%} {tally.recall(k):>6.1%}" for k in FACT_TYPES]
    return f"{label:<40} " + "  ".join(cells) + f"  {len(tally.invented):>8}"


def _ingest(path: Path, true: object, tally: Tally, failures: list[str], label: str) -> None:
    try:
        (plan,) = ingest_file(path).data.plans[:1]
    except (IngestError, ValueError) as exc:
        failures.append(f"{label} {path.name}: {exc}")
        for project in true.projects:  # type: ignore[attr-defined]
            for kind, values in project.facts.items():
                tally.expected[kind] += len(values)
        return
    score_plan(plan, true, tally)  # type: ignore[arg-type]


def main() -> None:
    """Ingest every plan in every layout and print the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-pdf", action="store_true", help="text layouts only (no WeasyPrint rendering)")
    parser.add_argument("--misses", type=int, default=15, help="how many misses to list")
    args = parser.parse_args()
    plans = truth()
    texts = {p.label: source_text(p.path) for p in plans}
    layouts: dict[str, Tally] = {}
    total = Tally()
    failures: list[str] = []
    started = time.perf_counter()
    renderings = 0
    with tempfile.TemporaryDirectory() as folder:
        for label, render in TEXT_LAYOUTS.items():
            tally = layouts.setdefault(label, Tally())
            for k, plan in enumerate(plans):
                target = Path(folder) / f"text-{k}.txt"
                target.write_text(render(texts[plan.label]), encoding="utf-8")
                _ingest(target, plan, tally, failures, label)
                renderings += 1
        if not args.no_pdf:
            from tests.ingest.pdf_layouts import html_pdf, plan_html

            for label, (render, two_columns) in PDF_LAYOUTS.items():
                tally = layouts.setdefault(label, Tally())
                for k, plan in enumerate(plans):
                    target = Path(folder) / f"pdf-{k}.pdf"
                    target.write_bytes(html_pdf(plan_html(render(texts[plan.label]), two_columns=two_columns)))
                    _ingest(target, plan, tally, failures, label)
                    renderings += 1
    for tally in layouts.values():
        for kind in FACT_TYPES:
            total.expected[kind] += tally.expected[kind]
            total.found[kind] += tally.found[kind]
            total.right[kind] += tally.right[kind]
        total.invented += tally.invented
        total.misses += tally.misses
    elapsed = time.perf_counter() - started
    print(f"{renderings} renderings: {len(plans)} plans x {len(layouts)} layouts in {elapsed:.1f} s")
    print(f"{'precision / recall':<40} " + "  ".join(f"{k[:13]:^13}" for k in FACT_TYPES) + "  invented")
    for label, tally in layouts.items():
        print(_row(label, tally))
    print(_row("ALL", total))
    print("facts expected: " + ", ".join(f"{k} {total.expected[k]}" for k in FACT_TYPES))
    print(f"documents refused: {len(failures)}")
    for failure in failures[: args.misses]:
        print("  refused:", failure)
    for invented in total.invented[: args.misses]:
        print("  invented:", invented)
    for miss in total.misses[: args.misses]:
        print("  miss:", miss)


if __name__ == "__main__":
    main()
