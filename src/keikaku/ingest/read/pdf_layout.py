"""Layout-aware reading of a PDF page: lines rebuilt from where the characters are, not from the text stream.

PDFs exported from slides and spreadsheets write their tables one cell fragment at a time, so the text
stream scrambles rows.  Here every character's box (PDFium's loose char boxes) and the page's ruling lines
(thin filled or stroked path objects) are used instead:

* characters inside a ruled table go to their cell; a cell's wrapped lines are joined, and each table row
  becomes one line whose cells are separated by tabs (empty cells kept, so a row continuing the row above
  starts with a tab), in reading order;
* the other characters are grouped into visual lines (by vertical overlap), each split into segments at
  wide gaps (segments of a borderless table are joined by tabs, so columns stay apart);
* a page set in two columns (a gutter with no character, and column text that runs up to it) is read
  column by column, lines that span both columns keeping their place;
* a paragraph's wrapped lines (a line running to its block's right edge, followed closely by one starting
  at the same indent) are joined into one line.

Each line keeps the indices of its characters in PDFium's text page, so a cited line can be highlighted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from keikaku.ingest.read.pdf_chars import Glyph, page_glyphs, page_rules

#: A line starting like this begins an item of its own (a bullet, a numbered item, a heading mark, a
#: labelled field), so it is never joined to the line above.
_ITEM_START = re.compile(
    r"^(?:[-‐・•●○◎■□◆◇▶▷►※＊*【〔［\[]|[（(]?[0-9０-９]{1,2}[)）.．]|[①-⑳]|[（(][一二三四五六七八九十]+[)）]"
    r"|[^\s：:]{1,12}[：:])"
)


#: A line ending like this ends its item (an overview entry ends with its page reference, ``… 8頁``).
_ITEM_END = re.compile(r"[0-9０-９]{1,3}\s*頁$")


@dataclass(frozen=True)
class LayoutLine:
    """A rebuilt line: its text and the text-page indices of its characters."""

    text: str
    indices: tuple[int, ...]


@dataclass(slots=True)
class _Line:
    glyphs: list[Glyph]
    left: float
    top: float
    right: float
    bottom: float
    text: str = ""

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _group_lines(glyphs: list[Glyph]) -> list[_Line]:
    """Glyphs grouped into visual lines by vertical overlap, each sorted left to right."""
    lines: list[_Line] = []
    for glyph in sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2):
        if lines:
            line = lines[-1]
            overlap = min(line.bottom, glyph.bottom) - max(line.top, glyph.top)
            if overlap > 0.5 * min(line.height, glyph.height):
                line.glyphs.append(glyph)
                line.left, line.right = min(line.left, glyph.left), max(line.right, glyph.right)
                continue
        lines.append(_Line([glyph], glyph.left, glyph.top, glyph.right, glyph.bottom))
    for line in lines:
        line.glyphs.sort(key=lambda g: g.left)
    return lines


def _segments(line: _Line, space: float) -> list[_Line]:
    """A visual line cut at gaps wider than two character heights; each part's text has its spaces."""
    parts: list[_Line] = []
    current: list[Glyph] = []
    for glyph in line.glyphs:
        if current and glyph.left - current[-1].right > 2.0 * max(glyph.height, current[-1].height):
            parts.append(_part(current, space))
            current = []
        current.append(glyph)
    if current:
        parts.append(_part(current, space))
    return parts


def _part(glyphs: list[Glyph], space: float = 0.12) -> _Line:
    """Glyphs of one segment as a line; a gap wider than ``space`` heights (at most 0.15 between Latin
    letters or digits) is a space."""
    chars: list[str] = []
    previous: Glyph | None = None
    for glyph in glyphs:
        if previous is not None:
            gap = glyph.left - previous.right
            latin = previous.char[-1:].isascii() and glyph.char[:1].isascii()
            if gap > (min(space, 0.15) if latin else space) * max(glyph.height, previous.height):
                chars.append(" ")
            elif gap < -0.5 * glyph.height and glyph.char == previous.char:
                continue  # a character drawn twice (fake bold)
        chars.append(glyph.char)
        previous = glyph
    return _Line(
        glyphs,
        glyphs[0].left,
        min(g.top for g in glyphs),
        max(g.right for g in glyphs),
        max(g.bottom for g in glyphs),
        "".join(chars),
    )


def _join(lines: list[_Line], right_edge: float) -> str:
    """Lines of one block joined: a line that ran to the right edge continues without a space."""
    text = ""
    for k, line in enumerate(lines):
        if k:
            previous = lines[k - 1]
            full = previous.right + _first_word(line) >= right_edge - 1.0 * previous.height
            latin = text[-1:].isascii() and text[-1:].isalnum() and line.text[:1].isascii() and line.text[:1].isalnum()
            text += "" if full and not latin else " "
        text += line.text
    return text


@dataclass(slots=True)
class _Cell:
    left: float
    top: float
    right: float
    bottom: float
    glyphs: list[Glyph]


def _around(
    position: float, across: float, rules: list[tuple[float, float, float]]
) -> tuple[float | None, float | None]:
    """The nearest rules before and after ``position`` among those whose extent covers ``across``."""
    before = after = None
    for at, start, end in rules:
        if start - 1 <= across <= end + 1:
            if at < position and (before is None or at > before):
                before = at
            elif at > position and (after is None or at < after):
                after = at
    return before, after


def _cell_of(
    glyph: Glyph, horizontal: list[tuple[float, float, float]], vertical: list[tuple[float, float, float]]
) -> tuple[float, float, float, float] | None:
    """The ruled cell (left, top, right, bottom) around a glyph, or None when it is not in a table."""
    cx, cy = (glyph.left + glyph.right) / 2, (glyph.top + glyph.bottom) / 2
    left, right = _around(cx, cy, vertical)
    if left is None or right is None:
        return None
    top, bottom = _around(cy, cx, horizontal)
    if top is None and bottom is None:
        return None
    # a row broken across pages has no rule above (or below) it on this page: its side rules end there
    sides = [(y0, y1) for x, y0, y1 in vertical if x in (left, right) and y0 - 1 <= cy <= y1 + 1]
    top = top if top is not None else max(y0 for y0, _y1 in sides)
    bottom = bottom if bottom is not None else min(y1 for _y0, y1 in sides)
    return left, top, right, bottom


@dataclass(frozen=True, slots=True)
class _Row:
    """A ruled table row rebuilt as one line, with its horizontal extent."""

    top: float
    left: float
    right: float
    line: LayoutLine


def _table_rows(
    cells: dict[tuple[float, float, float, float], list[Glyph]],
    horizontal: list[tuple[float, float, float]],
    vertical: list[tuple[float, float, float]],
    space: float,
) -> list[_Row]:
    """Ruled cells as rows: one line per row top, cells left to right joined by tabs (empty ones kept)."""
    rows: dict[float, list[_Cell]] = {}
    for (left, top, right, bottom), glyphs in cells.items():
        key = next((t for t in rows if abs(t - top) < 1.5), top)
        rows.setdefault(key, []).append(_Cell(left, top, right, bottom, glyphs))
    runs: list[tuple[float, list[_Cell]]] = []
    for top, row in sorted(rows.items()):
        row.sort(key=lambda c: c.left)
        above = [(x0, x1) for y, x0, x1 in horizontal if abs(y - top) < 1.5]
        run = [row[0]]
        for neighbour in row[1:]:
            # two tables side by side (a two-column page) share row tops, not the rule above their rows
            if above and not any(x0 <= run[0].left + 1.5 and x1 >= neighbour.right - 1.5 for x0, x1 in above):
                runs.append((top, run))
                run = []
            run.append(neighbour)
        runs.append((top, run))
    out: list[_Row] = []
    for top, row in runs:
        row_left, row_right = row[0].left, max(c.right for c in row)
        for y, x0, x1 in horizontal:  # the rule above the row spans the whole table, empty cells too
            if abs(y - top) < 1.5 and x0 <= row_left + 1.5 and x1 >= row_right - 1.5:
                row_left, row_right = min(row_left, x0), max(row_right, x1)
        middle = top + min(c.bottom - c.top for c in row) / 2
        xs = sorted(x for x, y0, y1 in vertical if y0 - 1 <= middle <= y1 + 1 and row_left - 1 <= x <= row_right + 1)
        texts: list[str] = []
        indices: list[int] = []
        for x0, x1 in pairwise(xs):
            if x1 - x0 < 2:
                continue
            cell = next((c for c in row if abs(c.left - x0) < 1.5), None)
            if cell is None:
                texts.append("")
                continue
            lines = [_part(line.glyphs, space) for line in _group_lines(cell.glyphs)]
            texts.append(_join(lines, max(line.right for line in lines)))
            indices.extend(g.index for line in lines for g in line.glyphs)
        while texts and not texts[-1]:
            texts.pop()
        out.append(_Row(top, row_left, row_right, LayoutLine("\t".join(texts), tuple(indices))))
    return out


def _gutter(parts: list[list[_Line]], left: float, right: float, rows: list[_Row]) -> float | None:
    """The x of a two-column page's gutter, or None: an empty vertical strip with column text up to it (a
    ruled table's rows cover the strip they stand on, so a table inside a column is not taken for a gutter)."""
    width = right - left
    if width < 200 or len(parts) < 8:
        return None
    steps = int(width // 2) + 1
    cover = [0] * steps
    for line in parts:
        for part in line:
            for k in range(max(0, int((part.left - left) // 2)), min(steps, int((part.right - left) // 2) + 1)):
                cover[k] += 1
    for row in rows:
        for k in range(max(0, int((row.left - left) // 2)), min(steps, int((row.right - left) // 2) + 1)):
            cover[k] += 1
    low, high = int(steps * 0.3), int(steps * 0.7)
    least = min(cover[low:high])
    if least > max(1, len(parts) // 10):  # a few lines (titles, a table) may span both columns
        return None
    empty = [k for k in range(low, high) if cover[k] == least]
    gutter = left + 2 * empty[len(empty) // 2]
    sides = [
        {"L" if part.right <= gutter else "R" for part in line}
        for line in parts
        if all(part.right <= gutter or part.left >= gutter for part in line)
    ]
    lefts = [line for line in parts if line and line[0].right <= gutter]
    rights = sum(1 for s in sides if "R" in s)
    if len(lefts) < 4 or rights < 4:
        return None
    column_edge = max(p.right for line in lefts for p in line if p.right <= gutter)
    full = sum(1 for line in lefts if line[0].right >= column_edge - 2 * line[0].height)
    if full >= 3 and full * 4 >= len(lefts):
        return gutter  # column text runs up to the gutter
    # short lines on both sides, down the whole page: columns of cells or lists (a borderless two-column
    # table filling a page reads column by column too: the cost of this rule)
    return gutter if len(lefts) >= 8 and rights >= 8 and len(sides) * 10 >= len(parts) * 9 else None


def _margin(items: list[_Line | _Row], height: float) -> float:
    """The right margin of a block: the longest line's end, if enough lines (and ruled rows) reach it."""
    right_edge = max(item.right for item in items)
    at_edge = sum(1 for item in items if item.right >= right_edge - 1.0 * height)
    if at_edge < 3 or at_edge * 10 < len(items):
        return float("inf")  # too few lines reach the longest one's end for it to be a margin
    return right_edge


def _flow(lines: list[_Line], right_edge: float | None = None) -> list[tuple[float, LayoutLine]]:
    """Free-text lines: wrapped lines of a paragraph joined; segments of one visual line joined by tabs.
    ``right_edge`` is the margin of the block the lines stand in (by default found among the lines)."""
    out: list[tuple[float, LayoutLine]] = []
    if not lines:
        return out
    if right_edge is None:
        right_edge = _margin(list(lines), min(line.height for line in lines))
    k = 0
    while k < len(lines):
        block = [lines[k]]
        while k + 1 < len(lines):
            last, following = block[-1], lines[k + 1]
            if (
                _ITEM_START.match(following.text)
                or _ITEM_END.search(last.text)
                or "\t" in last.text
                or "\t" in following.text
                or last.right + _first_word(following) < right_edge - 1.0 * last.height
                or following.top - last.bottom > 0.6 * last.height
                or abs(following.height - last.height) > 0.2 * last.height
                or following.left > block[0].left + 2.5 * last.height
            ):
                break
            block.append(following)
            k += 1
        out.append(
            (block[0].top, LayoutLine(_join(block, right_edge), tuple(g.index for line in block for g in line.glyphs)))
        )
        k += 1
    return out


def _first_word(line: _Line) -> float:
    """The width of a line's first word (a run of Latin letters and digits, else its first character): a
    line above it that stops short of the margin by more than this did not wrap."""
    glyphs = line.glyphs
    end = 0
    while end + 1 < len(glyphs) and glyphs[end].char.isascii() and glyphs[end].char.isalnum():
        if not (glyphs[end + 1].char.isascii() and glyphs[end + 1].char.isalnum()):
            break
        if glyphs[end + 1].left - glyphs[end].right > 0.12 * glyphs[end].height:
            break
        end += 1
    return glyphs[end].right - glyphs[0].left


def _merged_line(parts: list[_Line]) -> _Line:
    return _Line(
        [g for p in parts for g in p.glyphs],
        parts[0].left,
        min(p.top for p in parts),
        parts[-1].right,
        max(p.bottom for p in parts),
        "\t".join(p.text for p in parts),
    )


def layout_lines(page: object, textpage: object) -> list[LayoutLine]:
    """The page's lines in reading order, rebuilt from character positions and ruling lines."""
    _width, height = page.get_size()  # type: ignore[attr-defined]
    glyphs = page_glyphs(textpage.raw, height)  # type: ignore[attr-defined]
    if not glyphs:
        return []
    horizontal, vertical = page_rules(page, height)
    return lines_from_glyphs(glyphs, horizontal, vertical)


def lines_from_glyphs(
    glyphs: list[Glyph],
    horizontal: list[tuple[float, float, float]] | None = None,
    vertical: list[tuple[float, float, float]] | None = None,
    *,
    space: float = 0.12,
) -> list[LayoutLine]:
    """Positioned glyphs (characters, or OCR'd words) as lines in reading order; ``space`` is the gap, in
    glyph heights, that reads as a space (between Latin letters or digits, at most 0.15)."""
    horizontal, vertical = horizontal or [], vertical or []
    items: list[tuple[float, LayoutLine]] = []
    rows: list[_Row] = []
    free = glyphs
    if len(horizontal) >= 2 and len(vertical) >= 2:
        cells: dict[tuple[float, float, float, float], list[Glyph]] = {}
        free = []
        for glyph in glyphs:
            cell = _cell_of(glyph, horizontal, vertical)
            if cell is None:
                free.append(glyph)
            else:
                cells.setdefault(tuple(round(v, 1) for v in cell), []).append(glyph)  # type: ignore[arg-type]
        rows = _table_rows(cells, horizontal, vertical, space)
    visual = [_segments(line, space) for line in _group_lines(free)]
    gutter = None
    if visual:
        left = min(p.left for line in visual for p in line)
        right = max(p.right for line in visual for p in line)
        gutter = _gutter(visual, left, right, rows)
        if gutter is None:
            items.extend(_flow([_merged_line(parts) for parts in visual]))
        else:
            items.extend(_two_columns(visual, gutter, rows))
    if gutter is None:
        items.extend((row.top, row.line) for row in rows)
    items.sort(key=lambda item: item[0])
    return [line for _top, line in items if line.text.strip()]


def _two_columns(visual: list[list[_Line]], gutter: float, rows: list[_Row]) -> list[tuple[float, LayoutLine]]:
    """A two-column page: between lines spanning the gutter, the left column's lines, then the right's.

    A ruled table inside one column is part of that column's flow, its rows where they stand; a table
    spanning the gutter is read in its place, like a line spanning both columns."""
    out: list[tuple[float, LayoutLine]] = []
    columns: tuple[list[_Line | _Row], list[_Line | _Row]] = ([], [])

    def flush() -> None:
        # the columns keep their place just before the spanning line below them (or at the end)
        anchor = min(item.top for column in columns for item in column)
        lines: list[LayoutLine] = []
        for column in columns:
            run: list[_Line] = []
            heights = [item.height for item in column if isinstance(item, _Line)]
            # a column's margin: its text lines' and its ruled tables' right edges
            edge = _margin(column, min(heights)) if heights else None
            for item in [*column, None]:
                if isinstance(item, _Line):
                    run.append(item)
                    continue
                lines.extend(line for _top, line in _flow(run, edge))
                run = []
                if item is not None:
                    lines.append(item.line)
            column.clear()
        out.extend((anchor + k * 1e-3, line) for k, line in enumerate(lines))

    events: list[tuple[float, _Row | list[_Line]]] = [(row.top, row) for row in rows]
    events += [(min(p.top for p in parts), parts) for parts in visual]
    for top, item in sorted(events, key=lambda event: event[0]):
        if isinstance(item, _Row):
            if item.right <= gutter or item.left >= gutter:
                columns[0 if item.right <= gutter else 1].append(item)
                continue
            if columns[0] or columns[1]:
                flush()
            out.append((top, item.line))
            continue
        lefts = [p for p in item if p.right <= gutter]
        rights = [p for p in item if p.left >= gutter]
        if len(lefts) + len(rights) < len(item):
            if columns[0] or columns[1]:
                flush()
            out.append((top, _flow([_merged_line(item)])[0][1]))
            continue
        if lefts:
            columns[0].append(_merged_line(lefts))
        if rights:
            columns[1].append(_merged_line(rights))
    if columns[0] or columns[1]:
        flush()
    return out


__all__ = ["Glyph", "LayoutLine", "layout_lines", "lines_from_glyphs", "page_glyphs", "page_rules"]
