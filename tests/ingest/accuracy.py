"""The accuracy harness's parts: the truth of every bundled plan, the layouts a plan is re-written in, and a
per-fact-type scorer.  Used by ``bench/bench_ingest_accuracy.py`` and the tests.

The truth is what was written down by reading each document (``tests/ingest/facts.py``,
``tests/ingest/grid_facts.py``), never what a parser reads.  A layout changes how a plan is written (cells
on their own lines, cells in another order, form lines, radicals, digits, page numbers glued to budgets), not
its facts.  Projects are matched to the truth by name (spacing, radicals and width folded), or by budget
and a similar name; every parsed project matched to none is an invented one.  Budgets, departments and KPI
targets count a project's components too; event dates are a project's own dated events (the truth writes
down no component's events).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz
from tests.ingest.expected import ExpectedPlan
from tests.ingest.facts import DOCUMENTS as FACT_DOCUMENTS
from tests.ingest.facts import SEED_001
from tests.ingest.grid_facts import FIXTURES, GRID_COMPONENTS, GRID_PLANS, Tally

from keikaku.domain import Plan
from keikaku.ingest.read.readers import read_document
from keikaku.normalize import fold_radicals
from keikaku.normalize.radicals import RADICAL_TABLE

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
if not (SEEDS / "001_0dab7330ada36a72.txt").exists():
    SEEDS = Path("/work/shared/seeds")
DOCUMENTS = Path(__file__).parent / "documents"


@dataclass
class TrueProject:
    """What a plan says of one project, written down by hand."""

    name: str
    relisted: bool
    facts: dict[str, list[object]]


@dataclass
class TruePlan:
    """A plan's document and its projects' facts; ``events`` is False when its events were not written down."""

    label: str
    path: Path
    projects: list[TrueProject]
    events: bool = True


def _from_expected(expected: ExpectedPlan) -> list[TrueProject]:
    out = []
    for p in expected.projects:
        facts: dict[str, list[object]] = {
            "budget": [b for b in [p.budget, *(c.budget for c in p.components)] if b is not None],
            "department": [*p.departments, *(d for c in p.components for d in c.departments)],
            "challenge": [p.challenge] if p.challenge else [],
            "start_year": [p.start] if p.start else [],
            "kpi_target": [*p.kpis, *(k for c in p.components for k in c.kpis)],
            "event_date": [(start, end) for start, end, _venue in p.events if start is not None],
        }
        out.append(TrueProject(p.name, p.relisted, facts))
    return out


def truth() -> list[TruePlan]:
    """Every bundled plan with written-down facts: the FY2026 seed, this package's documents, the grid plans."""
    plans = [TruePlan("seed 001 (FY2026)", SEEDS / "001_0dab7330ada36a72.txt", _from_expected(SEED_001))]
    plans += [TruePlan(name, DOCUMENTS / name, _from_expected(e)) for name, e in sorted(FACT_DOCUMENTS.items())]
    for name, (_year, _total, rows) in sorted(GRID_PLANS.items()):
        projects = [
            TrueProject(
                row_name,
                relisted,
                {
                    "budget": [budget, *(GRID_COMPONENTS.get(name, {}).get(row_name, []) if not relisted else [])],
                    "department": [department] if department else [],
                    "challenge": [challenge] if challenge else [],
                    "start_year": [start] if start else [],
                    "kpi_target": list(kpis),
                    "event_date": [],
                },
            )
            for row_name, budget, department, challenge, start, kpis, relisted in rows
        ]
        plans.append(TruePlan(name, FIXTURES / name, projects, events=False))
    return plans


def _key(name: str) -> str:
    return re.sub(r"[\s\u3000]", "", unicodedata.normalize("NFKC", fold_radicals(name)))


def _found(plan_project: object) -> dict[str, list[object]]:
    p = plan_project
    components = p.components  # type: ignore[attr-defined]
    return {
        "budget": [
            b
            for b in [p.budget_thousand_yen, *(c.budget_thousand_yen for c in components)]
            if b is not None  # type: ignore[attr-defined]
        ],
        "department": [*p.departments, *(d for c in components for d in c.departments)],  # type: ignore[attr-defined]
        "challenge": [p.challenge] if p.challenge else [],  # type: ignore[attr-defined]
        "start_year": [p.start_fiscal_year] if p.start_fiscal_year else [],  # type: ignore[attr-defined]
        "kpi_target": [(k.target, k.unit) for k in [*p.kpis, *(k for c in components for k in c.kpis)]],  # type: ignore[attr-defined]
        "event_date": [(e.start, e.end) for e in p.events if e.start is not None],  # type: ignore[attr-defined]
    }


def score_plan(plan: Plan, true: TruePlan, tally: Tally) -> None:
    """Count every fact type of ``plan`` against the truth into ``tally``."""
    remaining = list(plan.projects)
    for want in true.projects:
        for kind, values in want.facts.items():
            tally.expected[kind] += len(values)
        wanted = _key(want.name)
        same = [p for p in remaining if p.relisted == want.relisted]
        got = next((p for p in same if _key(p.name) == wanted), None)
        if got is None:
            budget = want.facts["budget"][:1]
            scored = [(fuzz.ratio(_key(p.name), wanted), p) for p in same]
            close = [(s, p) for s, p in scored if s >= 85 or (s >= 55 and [p.budget_thousand_yen] == budget)]
            got = max(close, key=lambda sp: sp[0])[1] if close else None
        if got is None:
            tally.misses.append(f"{true.label}: missing {want.name}")
            continue
        remaining.remove(got)
        for kind, values in _found(got).items():
            if kind == "event_date" and not true.events:
                continue
            tally.count(kind, values, want.facts[kind], f"{true.label}: {want.name}")
    tally.invented.extend(f"{true.label}: {p.name}" for p in remaining)


# --- layouts: text to text, facts unchanged ------------------------------------------------------------

_CELL_GAP = re.compile(r"\t| {2,}|\u3000{2,}")
_LOOKALIKE = {ideograph: chr(code) for code, ideograph in sorted(RADICAL_TABLE.items(), reverse=True)}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def source_text(path: Path) -> str:
    """A document's text as the readers decode it (any encoding), pages separated by form feeds."""
    return read_document(path).text


def _cells(line: str) -> list[str]:
    return _CELL_GAP.split(line)


def one_cell_per_line(text: str) -> str:
    """Every table cell on a line of its own (as a PDF's text stream gives a spreadsheet)."""
    return "\n".join("\n".join(c for c in _cells(line) if c.strip()) for line in text.split("\n"))


def _scrambled(line: str) -> str:
    body = line.strip(" \t\u3000")
    if not _CELL_GAP.search(body):
        return line  # an indented line is one cell: indentation is no cell gap
    return "\t".join(reversed(_cells(body)))


def scrambled_cells(text: str) -> str:
    """Each table row's cells in reverse order (an export that writes the right-hand cells first)."""
    return "\n".join(_scrambled(line) for line in text.split("\n"))


def radicals(text: str) -> str:
    """Ideographs written as the Kangxi radicals and radical supplements that look the same."""
    return "".join(_LOOKALIKE.get(ch, ch) for ch in text)


def full_width_digits(text: str) -> str:
    """ASCII digits and commas in numbers as full-width characters."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "，", text)
    return text.translate({ord(d): chr(ord(d) + 0xFEE0) for d in "0123456789"})


def ascii_digits(text: str) -> str:
    """Full-width digits and commas as ASCII."""
    return "".join(unicodedata.normalize("NFKC", c) if c in "０１２３４５６７８９，" else c for c in text)


_PAGE_REF = re.compile(r"\s*([0-9０-９]{1,2})\s*頁(?=\s*(?:\t|$))", re.M)
_LAST_TWO_NUMBERS = re.compile(r"([0-9０-９][0-9０-９,，]*)(?:\t| {2,})([0-9０-９]{1,2})$", re.M)


def page_numbers_glued(text: str) -> str:
    """A row's page number written straight after its budget or summary, ``… 12,345 6``, without 頁."""
    return _LAST_TWO_NUMBERS.sub(r"\1 \2", _PAGE_REF.sub(r" \1", text))


_AMOUNT_LINE = re.compile(r"^(?![\s(（・\-▶【]|事業名)(.{3,80}?)\s*[(（]([0-9０-９,，]+千円)[)）]\s*$", re.M)


def form_lines(text: str) -> str:
    """Detail pages' ``Name (12,345千円)`` lines written as form lines ``事業名：Name（12,345千円）``."""
    return _AMOUNT_LINE.sub(r"事業名：\1（\2）", text)


_CHALLENGE = re.compile(r"関\s*[西⻄]\s*チャレンジ\s*([1-3１-３])")


def _numbered_label(match: re.Match[str]) -> str:
    return f"関西チャレンジ\t{_CIRCLED[int(unicodedata.normalize('NFKC', match[1])) - 1]}\t"


def challenge_numbered(text: str) -> str:
    """The overview's challenges numbered ①②③ in a cell of their own, its rows without project numbers.

    Only the overview table changes: its rows (lines with cells) from the first challenge label on; the
    detail pages and a plan without challenge labels stay as written."""
    out = []
    in_overview = False
    for raw in text.split("\n"):
        line = _CHALLENGE.sub(_numbered_label, raw)
        in_overview = (line != raw or in_overview) and bool(_CELL_GAP.search(line))
        if not in_overview:
            out.append(line)
            continue
        cells = _cells(line)
        out.append(
            "\t".join(c if k and cells[k - 1] == "関西チャレンジ" else _unnumbered(c) for k, c in enumerate(cells))
        )
    return "\n".join(out)


def _unnumbered(cell: str) -> str:
    return re.sub(rf"^([\s\u3000]*)[{_CIRCLED}]\s*", r"\1", cell)


TEXT_LAYOUTS: dict[str, Callable[[str], str]] = {
    "as written": lambda text: text,
    "one cell per line": one_cell_per_line,
    "scrambled cell order": scrambled_cells,
    "form-line detail pages": form_lines,
    "challenge-numbered overview": challenge_numbered,
    "radicals": radicals,
    "full-width digits": full_width_digits,
    "ASCII digits": ascii_digits,
    "page numbers glued to budgets": page_numbers_glued,
    "scrambled + challenge-numbered": lambda text: scrambled_cells(challenge_numbered(text)),
    "one cell per line + challenge-numbered": lambda text: one_cell_per_line(challenge_numbered(text)),
    "scrambled + page numbers glued": lambda text: scrambled_cells(page_numbers_glued(text)),
}


def as_table_rows(text: str) -> str:
    """Cells separated by runs of spaces as tab-separated (so a PDF rendering draws them as a table)."""
    return "\n".join("\t".join(_cells(line)) if _CELL_GAP.search(line) else line for line in text.split("\n"))


#: Layouts rendered through a real PDF: (text layout, two columns).
PDF_LAYOUTS: dict[str, tuple[Callable[[str], str], bool]] = {
    "PDF: tables": (as_table_rows, False),
    "PDF: one cell per line": (one_cell_per_line, False),
    "PDF: radicals + full-width digits": (lambda t: as_table_rows(full_width_digits(radicals(t))), False),
    "PDF: two-column pages": (as_table_rows, True),
}
