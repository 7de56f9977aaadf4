"""Ingest benchmark: parser throughput, end-to-end wall time of ``keikaku ingest``, and parser accuracy.

Run from the project root: ``.venv/bin/python bench/bench_ingest.py``.  Prints its figures; asserts nothing.

* throughput: KB of document text parsed per second of CPU on one core, after start-up (files read
  once, then parsed repeatedly: detection, parsing, checks and validation);
* end to end: wall time of ``keikaku ingest`` on the four seed documents, interpreter start included,
  as a dry run and storing into a fresh SQLite database (best and median of several runs);
* accuracy: budgets and KPI targets read exactly, and invented projects, on the business plans whose
  expected facts are written down in ``tests/ingest/facts.py``;
* PDF: a plan of 20 pages or more (the FY2026 seed three times over, its overview as ruled tables, rendered
  by WeasyPrint beforehand) read through the layout-aware reader, and read and parsed (best of 3 runs);
* OCR: seconds per page of two scanned pages (rasterised at 200 dpi) read by ocrmypdf + Tesseract, when
  Tesseract is installed.

``--no-e2e`` skips the end-to-end runs (each starts a fresh interpreter).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
DOCUMENTS = ROOT / "tests" / "ingest" / "documents"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def throughput(paths: list[Path], seconds: float = 3.0) -> tuple[float, int]:
    """KB of text parsed per CPU second, and how many documents were parsed."""
    from keikaku.ingest.pipeline import parse_source
    from keikaku.ingest.read.readers import read_document

    sources = [read_document(p) for p in paths]
    size_kb = sum(len(s.text.encode("utf-8")) for s in sources) / 1024
    for source in sources:  # warm-up: imports and caches
        parse_source(source)
    rounds = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        for source in sources:
            parse_source(source)
        rounds += 1
    elapsed = time.process_time() - started
    return size_kb * rounds / elapsed, rounds * len(sources)


def wall_times(args: list[str], env: dict[str, str], runs: int = 5) -> list[float]:
    """Wall seconds of ``keikaku <args>`` in a fresh interpreter, per run."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "keikaku.cli.app", *args], env=env, capture_output=True, check=False
        )
        times.append(time.perf_counter() - started)
        if result.returncode not in (0,):
            print(result.stderr.decode("utf-8", "replace"), file=sys.stderr)
    return times


def end_to_end(seeds: list[str]) -> None:
    """Dry run and storing run of the four seeds, interpreter start included."""
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if k != "KEIKAKU_DATABASE_URL"}
        env["KEIKAKU_HOME"] = home
        env["COLUMNS"] = "200"
        dry = wall_times(["ingest", "--dry-run", *seeds], env)
        stored = []
        for _ in range(5):
            database = Path(home) / "keikaku.sqlite3"
            for leftover in Path(home).glob("keikaku.sqlite3*"):
                leftover.unlink()
            subprocess.run(
                [sys.executable, "-m", "keikaku.cli.app", "init", "--empty"], env=env, capture_output=True, check=True
            )
            stored += wall_times(["ingest", *seeds], env, runs=1)
            assert database.exists()
        startup = wall_times(["--help"], env)
    print(f"end to end, 4 seeds, dry run:        best {min(dry):.2f} s, median {statistics.median(dry):.2f} s")
    print(f"end to end, 4 seeds, stored (SQLite): best {min(stored):.2f} s, median {statistics.median(stored):.2f} s")
    print(
        f"  of which CLI start-up (keikaku --help): best {min(startup):.2f} s, median {statistics.median(startup):.2f} s"
    )


def accuracy() -> None:
    """Budgets and KPI targets read exactly on the documents with written-down facts."""
    from tests.ingest.expected import score
    from tests.ingest.facts import DOCUMENTS as FACTS
    from tests.ingest.facts import SEED_001

    from keikaku.ingest.pipeline import ingest_file

    items = [(SEEDS / "001_0dab7330ada36a72.txt", SEED_001)] + [
        (DOCUMENTS / name, facts) for name, facts in FACTS.items()
    ]
    budgets = budgets_exact = kpis = kpis_exact = invented = 0
    for path, expected in items:
        (plan,) = ingest_file(path).data.plans[:1]
        found = score(plan, expected)
        budgets, budgets_exact = budgets + found.budgets, budgets_exact + found.budgets_exact
        kpis, kpis_exact = kpis + found.kpis, kpis_exact + found.kpis_exact
        invented += len(found.invented)
        print(
            f"  {path.name:32} budgets {found.budgets_exact}/{found.budgets}  KPI targets {found.kpis_exact}/{found.kpis}"
            f"  invented {len(found.invented)}  other mismatches {len(found.mismatches)}"
        )
    print(
        f"accuracy: budgets {budgets_exact}/{budgets} ({100 * budgets_exact / budgets:.1f}%), "
        f"KPI targets {kpis_exact}/{kpis} ({100 * kpis_exact / kpis:.1f}%), invented projects {invented}"
    )


def pdf_reading(folder: Path) -> None:
    """Wall time of reading (and of reading and parsing) a 20-page PDF through the layout-aware reader."""
    from tests.ingest.pdf_layouts import html_pdf, plan_html

    from keikaku.ingest.pipeline import ingest_file
    from keikaku.ingest.read.readers import read_document

    text = (SEEDS / "001_0dab7330ada36a72.txt").read_text(encoding="utf-8")
    path = folder / "plan-x3.pdf"
    path.write_bytes(html_pdf(plan_html("\n\f".join([text] * 3))))
    pages = len(read_document(path).pages)
    reads, parses = [], []
    for _ in range(3):
        started = time.perf_counter()
        read_document(path)
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        ingest_file(path)
        parses.append(time.perf_counter() - started)
    print(
        f"PDF, {pages} pages, layout-aware reading: best {min(reads):.2f} s; read and parsed: best {min(parses):.2f} s"
    )


def ocr_speed(folder: Path) -> None:
    """Seconds per page of OCR on two scanned pages of the FY2026 plan."""
    from tests.ingest.pdf_layouts import html_pdf, plan_html, scanned_pdf

    from keikaku.ingest.read.pdf_ocr import tesseract_problem
    from keikaku.ingest.read.readers import read_document

    if tesseract_problem() is not None:
        print(f"OCR: not measured ({tesseract_problem()})")
        return
    text = (SEEDS / "001_0dab7330ada36a72.txt").read_text(encoding="utf-8")
    path = folder / "scan.pdf"
    path.write_bytes(scanned_pdf(html_pdf(plan_html(text)), [2, 3], dpi=200))
    started = time.perf_counter()
    document = read_document(path)
    elapsed = time.perf_counter() - started
    lines = sum(len(p.lines) for p in document.pages)
    print(f"OCR (ocrmypdf + Tesseract jpn, 200 dpi, jobs=1): {elapsed / 2:.1f} s per page ({lines} lines from 2 pages)")


def main() -> None:
    """Print every figure."""
    seeds = sorted(SEEDS.glob("*.txt"))
    own = sorted(p for p in DOCUMENTS.iterdir() if p.suffix in (".txt", ".md"))
    rate, parsed = throughput(seeds + own)
    print(f"throughput (one core, after start-up): {rate:,.0f} KB/s of text ({parsed} documents parsed)")
    if "--no-e2e" not in sys.argv:
        end_to_end([str(p) for p in seeds])
    accuracy()
    with tempfile.TemporaryDirectory() as folder:
        pdf_reading(Path(folder))
        ocr_speed(Path(folder))


if __name__ == "__main__":
    main()
