"""Plans whose overview is a grid ``分野 項目 事業名 事業概要 予算額（千円） 頁`` read one cell fragment at a time.

In this kind of plan:

* the overview rows have no numbers of their own; a row's cells wrap across lines and its last line ends
  with its budget and page (``… 開催する`` / ``12,345 6``), a re-listing with the budget in parentheses;
* ①②③ stand in their own cells and number the 関西チャレンジ the rows below belong to, never projects;
* ``ー ー 管理費 NNN −`` is followed by the total and a page number;
* the detail pages start with form lines ``事業名：…（12,345千円） 事業開始年度：令和3年度（5年目）``;
* a second grid ``事業一覧【協調事業】`` (``分野 事業名 事業概要``) lists member governments' own projects.

Rows and detail pages are fused by budget first and by the name's meaning second, so neither the
overview's wording nor the detail page's is needed alone.  Values are read through :mod:`keikaku.normalize`
and checked by :mod:`keikaku.ingest.business_plan.limits` like every other channel.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from keikaku.domain import CooperativeProject, WarningCode
from keikaku.domain.plan import ProjectKind
from keikaku.ingest.business_plan.build import similar
from keikaku.ingest.business_plan.drafts import ProjectDraft
from keikaku.ingest.business_plan.limits import checked_amount
from keikaku.ingest.business_plan.lines import CIRCLED, is_admin_cost, is_department_line, strip_marks
from keikaku.ingest.context import Line, ParseContext
from keikaku.normalize import fold_for_search

GRID_COLUMNS = ("分野", "事業名", "事業概要", "予算額", "頁")
_COOP_COLUMNS = ("分野", "事業名", "事業概要")
_HEADER_CELL = re.compile(r"^(?:分野|項目|区分|事業名|事業概要|概要|予算額(?:\s*\(千円\))?|\(千円\)|頁|ページ)$")
#: A row's last line: its text, then the budget (in parentheses for a re-listing) and the page (or a dash).
_ROW_END = re.compile(
    r"^(?P<text>.*?)\s*(?P<open>\()?(?P<amount>[-+]?[\d,.]*\d(?:e[-+]?\d+)?)(?(open)\))\s+(?P<page>\d{1,3}|[-−ー‐])$",
    re.IGNORECASE,
)
_TOTAL_ROW = re.compile(r"^(?:合計|計|総計)?\s*(?P<amount>[\d,]+)\s+(?P<page>\d{1,3})$")
#: The total row written right to left (page first); its amount has thousands separators, so it is no page.
_TOTAL_ROW_REVERSED = re.compile(r"^(?P<page>\d{1,3})\s+(?P<amount>\d{1,3}(?:,\d{3})+)\s*(?:合計|計|総計)?$")
_ADMIN_ROW = re.compile(r"^(?:[ー\-−‐]\s*)*(?P<label>管理費|事務費|運営管理費)\s+(?P<amount>\S+)(?:\s+\S+)?$")
_FIGURE_CELL = re.compile(r"^(?P<open>\()?[-+]?\d{1,3}(?:,\d{3})+(?(open)\))$|^\(?[-+]?\d+\)?$")
_PAGE_FOOTER = re.compile(r"^[-−‐]\s*\d{1,3}\s*[-−‐]$|^\d{1,3}\s*/\s*\d{1,3}$|^(?:p\.?|P\.?)\s*\d{1,3}$")
_PAGE_CELL = re.compile(r"^(?:\d{1,3}|[-−ー‐])$")
_LABEL_PIECE = re.compile(r"^(?:関西|チャレンジ|関西\s*チャレンジ|「[^」]{1,12}」)$")
_CHALLENGE_CELL = re.compile(r"^(?:関西\s*)?(?:チャレンジ\s*)?(?P<n>[①-⑳]|(?<=ジ)\s*\d)\s*(?:「[^」]{1,12}」)?$")
_PROSE_CELL = re.compile(r"[をにで、。]|(?:する|す|る|う|く|ぶ|つ)$")
_SENTENCE_END = re.compile(r"(?:する|す|る|う|く|ぶ|つ|。)$")
_MEMBER = re.compile(r"^(?:[^\s、。]{1,4}(?:府|県)|[^\s、。]{1,4}市|関西広域連合)$")
_MEMBER_MARK = re.compile(r"[【\[(](?P<m>[^\s、。\])】]{1,4}(?:府|県|市))[】\])]")
_SECTION_END = re.compile(r"^(?:事業名\s*:|▶|■)|事業一覧")
_YEAR_THEN_TEXT = re.compile(r"^(?P<year>.*?年度\s*(?:\(\s*\d+\s*年目\s*\))?)\s*(?P<rest>\S.*)$")
FORM_LINE = re.compile(
    r"^事業名(?:称)?\s*:\s*(?P<name>.+?)\s*(?:\(\s*(?P<amount>[-+]?[\d,.]*\d(?:e[-+]?\d+)?)\s*千円\s*\))?"
    r"\s*(?:事業開始年度\s*:\s*(?P<start>.+))?$",
    re.IGNORECASE,
)


def _cells(text: str) -> list[str]:
    """A line's cells: a fragment alone, or several cells separated by tabs or wide spaces."""
    parts = text.split()
    return [p.strip() for p in parts if p.strip()]


def grid_header(ctx: ParseContext, columns: tuple[str, ...] = GRID_COLUMNS, start: int = 0) -> Line | None:
    """The header line of a grid with these columns (on one line, or one column per line)."""
    lines = ctx.lines
    for line in lines[start:]:
        text = line.text
        if not text or len(text) > 60:
            continue
        words = text.split()
        if all(any(c in w for w in words) for c in columns) and all(_HEADER_CELL.match(w) for w in words):
            return line
        if _HEADER_CELL.match(text) and text.startswith(columns[0]):
            run: list[str] = []
            for probe in lines[line.index : line.index + 10]:
                if probe.text and not _HEADER_CELL.match(probe.text):
                    break
                run.append(probe.text)
            if all(any(c in w for w in run) for c in columns):
                last = max(i for i in range(line.index, line.index + len(run)) if lines[i].text)
                return lines[last]
    return None


@dataclass
class GridRow:
    """One overview row: its cell fragments, budget, page and the challenge it stands under."""

    cells: list[str]
    line: Line
    budget: int | None
    page: int | None
    relisted: bool
    challenge: int | None
    name_cells: int = 2


@dataclass
class GridTable:
    """The overview grid read: rows, the 管理費 row, the stated total and where the grid ends."""

    rows: list[GridRow] = field(default_factory=list)
    admin: tuple[Line, int] | None = None
    total: tuple[Line, int] | None = None
    end: int = 0


_DASHES = re.compile(r"[ー\-−‐]+")
_ADMIN_LABEL = re.compile(r"管理費|事務費|運営管理費")


def read_grid(ctx: ParseContext, header: Line) -> GridTable:
    """Rows from the line after ``header`` to the total (or the next section)."""
    before_name = sum(1 for w in _header_words(ctx, header) if w in ("分野", "項目", "区分"))
    table = GridTable(end=header.index + 1)
    challenge: int | None = None
    cells: list[str] = []
    after_admin = False
    for line, text in _grid_lines(ctx, header.index + 1):
        table.end = line.index + 1
        if not text or _PAGE_FOOTER.match(unicodedata.normalize("NFKC", line.raw).strip()):
            continue  # a page's footer where the grid runs on to the next page
        if after_admin:
            total = _TOTAL_ROW.match(text) or _TOTAL_ROW_REVERSED.match(text)
            if total is not None:
                value = checked_amount(ctx, total.group("amount"), line, "予算総額")
                if value is not None:
                    table.total = (line, value)
            else:
                table.end = line.index
            break
        if _SECTION_END.search(text) and not cells:
            table.end = line.index
            break
        # the 管理費 row as written, or right to left (``− NNN 管理費 ー ー``)
        admin = _ADMIN_ROW.match(text) or _ADMIN_ROW.match(" ".join(reversed(_cells(text))))
        if admin is not None:
            value = checked_amount(ctx, admin.group("amount"), line, "管理費の予算額")
            if value is not None:
                table.admin = (line, value)
            after_admin, cells = True, []
            continue
        found = _challenge(text)
        if found is not None:
            challenge, cells = found, [c for c in cells if not _LABEL_PIECE.match(c)]
            continue
        if _LABEL_PIECE.match(text):
            cells.append(text)
            continue
        end = _ROW_END.match(text)
        if end is None:
            cells.extend(_cells(text))
            continue
        if end.group("text"):
            cells.extend(_cells(end.group("text")))
        cells = [c for c in cells if not _LABEL_PIECE.match(c)]
        relisted = bool(end.group("open")) or any("再掲" in c for c in cells)
        cells = [c for c in (re.sub(r"[(]?再掲[)]?", "", c).strip() for c in cells) if c]
        page = end.group("page")
        budget = checked_amount(ctx, end.group("amount"), line, "予算額")
        labels = [c for c in cells if not _DASHES.fullmatch(c)]
        if not relisted and len(labels) == 1 and _ADMIN_LABEL.fullmatch(labels[0]):
            # ``ー`` / ``ー`` / ``管理費`` / ``NNN`` / ``−``: the 管理費 row with its cells on lines of their own
            if budget is not None:
                table.admin = (line, budget)
            after_admin, cells = True, []
            continue
        table.rows.append(
            GridRow(
                cells, line, budget, int(page) if page.isdigit() else None, relisted, challenge, name_cells=before_name
            )
        )
        cells = []
    return table


def _grid_lines(ctx: ParseContext, start: int) -> Iterator[tuple[Line, str]]:
    """The grid's lines from ``start``, a budget cell alone on its line fused with the page cell alone on the
    next one (a PDF's text stream gives every cell a line of its own): ``9,800`` / ``4`` is ``9,800 4``."""
    lines = ctx.lines
    position = start
    while position < len(lines):
        line = lines[position]
        position += 1
        if _FIGURE_CELL.match(line.text):
            following = next((p for p in lines[position : position + 3] if p.text), None)
            if following is not None and _PAGE_CELL.match(following.text):
                position = following.index + 1
                yield following, f"{line.text} {following.text}"
                continue
        yield line, line.text


def _header_words(ctx: ParseContext, header: Line) -> list[str]:
    words = header.text.split()
    if len(words) > 1:
        return words
    out: list[str] = []
    for line in reversed(ctx.lines[max(0, header.index - 10) : header.index + 1]):
        if line.text and not _HEADER_CELL.match(line.text):
            break
        if line.text:
            out.insert(0, line.text)
    return out


def _challenge(text: str) -> int | None:
    match = _CHALLENGE_CELL.match(text)
    if match is None:
        return None
    raw = match.group("n").strip()
    return CIRCLED.get(raw) or int(raw)


def row_name(row: GridRow, detail_name: str | None = None) -> str:
    """The row's 事業名: the name cells before its 事業概要 (prose), matched to the detail page's name when known."""
    prefix: list[str] = []
    for cell in row.cells:
        if prefix and _PROSE_CELL.search(cell) and len(prefix) > row.name_cells:
            break
        prefix.append(cell)
    if detail_name:
        best = max(
            range(len(prefix)),
            key=lambda i: (_dice("".join(prefix[i:]), detail_name) - (0.1 if i < row.name_cells else 0.0), -i),
            default=0,
        )
        return "".join(prefix[best:])
    return "".join(prefix[min(row.name_cells, len(prefix) - 1) :]) if prefix else ""


def _dice(a: str, b: str) -> float:
    """Bigram overlap of two names' search keys (no containment shortcut: a name's tail is not the name)."""
    fa, fb = fold_for_search(a), fold_for_search(b)
    ga = {fa[i : i + 2] for i in range(len(fa) - 1)}
    gb = {fb[i : i + 2] for i in range(len(fb) - 1)}
    return 2 * len(ga & gb) / (len(ga) + len(gb)) if ga and gb else 0.0


@dataclass
class FormPage:
    """A detail page opened by a ``事業名：`` form line."""

    line: Line
    name: str
    budget: int | None
    start: str | None
    lines: list[Line]
    used: bool = False


def form_pages(ctx: ParseContext, start: int) -> list[FormPage]:
    """Every ``事業名：`` page from line ``start``: the form line's name, budget and start year, and its lines."""
    heads: list[tuple[Line, re.Match[str]]] = []
    joined: set[int] = set()
    for line in ctx.lines[start:]:
        match = FORM_LINE.match(line.text)
        if match is None or line.index in joined:
            continue
        wrapped = _wrapped_form_line(ctx, line, match)
        if wrapped is not None:
            match = wrapped
            joined.add(line.index + 1)
        heads.append((line, match))
    aboves = [_department_above(ctx, line, start) for line, _ in heads]
    pages: list[FormPage] = []
    for position, (line, match) in enumerate(heads):
        if position + 1 < len(heads):
            following = aboves[position + 1] or heads[position + 1][0]
            stop = following.index
        else:
            stop = len(ctx.lines)
        budget = checked_amount(ctx, match.group("amount"), line, "予算額") if match.group("amount") else None
        body = [p for p in ctx.lines[line.index + 1 : stop] if p.index not in joined]
        start_text = match.group("start")
        if start_text is None:  # the start year on the next line
            probe = next((p for p in body[:3] if p.text.startswith("事業開始年度")), None)
            start_text = probe.text.split(":", 1)[-1].strip() if probe else None
        name = strip_marks(match.group("name"))
        above = aboves[position]
        glued = _YEAR_THEN_TEXT.match(start_text or "")
        if glued is not None and is_department_line(glued.group("rest")):
            # a department set just after the form line, read onto its end (a PDF line filled to the margin)
            start_text, above = glued.group("year"), Line(line.index, line.page, line.number, line.raw, glued["rest"])
        pages.append(FormPage(line, name, budget, start_text, ([above] if above else []) + body))
    return pages


def _wrapped_form_line(ctx: ParseContext, line: Line, match: re.Match[str]) -> re.Match[str] | None:
    """The form line and the next line read as one, when the form line wrapped inside a narrow column
    (``事業名：…（2,100千`` / ``円） 事業開始年度：…``): only if the two together state more fields."""
    if match.group("start") is not None or line.index + 1 >= len(ctx.lines):
        return None
    following = ctx.lines[line.index + 1].text
    if not following or FORM_LINE.match(following) or is_department_line(following):
        return None
    fused = FORM_LINE.match(line.text + following)
    filled = sum(1 for g in ("amount", "start") if match.group(g) is not None)
    if fused is None or sum(1 for g in ("amount", "start") if fused.group(g) is not None) <= filled:
        return None
    return fused


def _department_above(ctx: ParseContext, line: Line, start: int) -> Line | None:
    """The department standing alone just above a form line, if any."""
    above = next((p for p in reversed(ctx.lines[max(start, line.index - 3) : line.index]) if p.text), None)
    return above if above is not None and is_department_line(above.text) else None


def match_pages(rows: list[GridRow], pages: list[FormPage]) -> dict[int, list[FormPage]]:
    """Detail pages for each row (by index): equal budget first, then the most alike name (a bigram overlap
    of at least 0.5); consecutive pages whose budgets add up to the row's (the row's components, one form
    line each) coming before the names.  Re-listed rows claim no page."""
    found: dict[int, list[FormPage]] = {}
    for position, row in enumerate(rows):
        if row.relisted or row.budget is None:
            continue
        same = [p for p in pages if not p.used and p.budget == row.budget]
        if same:
            page = max(same, key=lambda p: similar(row_name(row, p.name), p.name))
            page.used = True
            found[position] = [page]
    for position, row in enumerate(rows):
        if position in found or row.relisted or row.budget is None:
            continue
        parts = _adding_up(pages, row.budget)
        for page in parts:
            page.used = True
        if parts:
            found[position] = parts
    for position, row in enumerate(rows):
        if position in found or row.relisted:
            continue
        free = [p for p in pages if not p.used]
        best = max(free, key=lambda p: similar(row_name(row), p.name), default=None)
        if best is not None and similar(row_name(row), best.name) >= 0.5:
            best.used = True
            found[position] = [best]
    return found


def _adding_up(pages: list[FormPage], budget: int) -> list[FormPage]:
    """Two to four consecutive unclaimed pages whose budgets add up to ``budget`` (none if no such run)."""
    for start in range(len(pages)):
        total = 0
        for end in range(start, min(start + 4, len(pages))):
            page = pages[end]
            if page.used or page.budget is None:
                break
            total += page.budget
            if total == budget and end > start:
                return pages[start : end + 1]
            if total > budget:
                break
    return []


def draft_of_row(row: GridRow, name: str, key: str) -> ProjectDraft:
    """A project draft from an overview row."""
    draft = ProjectDraft(key=key, code=None, list_name=name or None, list_line=row.line, list_budget=row.budget)
    draft.relisted, draft.challenge, draft.page_ref = row.relisted, row.challenge, row.page
    return draft


def admin_of(table: GridTable) -> ProjectDraft | None:
    """The 管理費 draft of the grid."""
    if table.admin is None:
        return None
    line, value = table.admin
    return ProjectDraft(
        key="管理費", code=None, list_name="管理費", list_line=line, list_budget=value, kind=ProjectKind.ADMINISTRATIVE
    )


def read_cooperative(ctx: ParseContext, start: int = 0) -> list[CooperativeProject]:
    """The cooperative projects (協調事業) grid: field, member government where named, name."""
    heading = next((line for line in ctx.lines[start:] if "協調事業" in line.text and "一覧" in line.text), None)
    if heading is None:
        return []
    header = grid_header(ctx, _COOP_COLUMNS, heading.index + 1)
    if header is None or header.index > heading.index + 12:
        return []
    challenge = None
    projects: list[CooperativeProject] = []
    cells: list[tuple[str, Line]] = []
    for line in ctx.lines[header.index + 1 :]:
        text = line.text
        if not text:
            continue
        if FORM_LINE.match(text) or (_SECTION_END.search(text) and not cells) or is_admin_cost(text):
            break
        found = _challenge(text)
        if found is not None:
            challenge = found
            continue
        if _LABEL_PIECE.match(text):
            continue
        cells.extend((c, line) for c in _cells(text))
        if _SENTENCE_END.search(text):
            project = _cooperative(ctx, cells, challenge)
            if project is not None:
                projects.append(project)
            cells = []
    return projects


def _cooperative(ctx: ParseContext, cells: list[tuple[str, Line]], challenge: int | None) -> CooperativeProject | None:
    member: str | None = None
    plain: list[tuple[str, Line]] = []
    for cell, line in cells:
        if member is None and _MEMBER.match(cell):
            member = cell
            continue
        mark = _MEMBER_MARK.search(cell)
        text = cell
        if mark is not None and member is None:
            member = mark.group("m")
            text = _MEMBER_MARK.sub("", cell).strip()
        plain.append((text, line))
    names = [(t, line) for t, line in plain if not _PROSE_CELL.search(t)]
    if not names:
        ctx.warn(WarningCode.UNREAD_SECTION, "協調事業の行から事業名を読み取れません", cells[0][1])
        return None
    field_name = names[0][0] if len(names) >= 2 else None
    name_cells = names[1:] if len(names) >= 2 else names
    name = "".join(t for t, _ in name_cells)
    return CooperativeProject(
        name=name,
        challenge=challenge,
        field=field_name,
        member_government=member,
        provenance=ctx.prov(name_cells[0][1]),
    )
