"""Overview rows without project numbers, in a plan whose detail pages are numbered.

In a challenge-numbered overview (``関西チャレンジ ① 「強みで貢献」`` then the rows of that challenge) the
circled numbers belong to the challenges, and the rows carry none of their own: ``名称 10,043千円 ・ 説明 5頁``,
one cell per project, several cells per line.  Such rows are read here and fused with the numbered projects
of the detail pages by budget first, then by the name's meaning; a row no project claims is a project of its
own (it has its name and budget).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keikaku.ingest.business_plan.build import similar
from keikaku.ingest.business_plan.drafts import ProjectDraft
from keikaku.ingest.business_plan.lines import amounts, challenge_in, is_admin_cost
from keikaku.ingest.business_plan.overview import ListContext, clean_name, label_before
from keikaku.ingest.context import Line, ParseContext

_LABEL_CELL = re.compile(r"^(?:関西\s*)?チャレンジ\s*(?:[1-9]|[\u2460-\u2473])?\s*(?:「[^」]{1,20}」)?$")
#: A row alone on its line (cells one per line): a name, its budget, what it does, its page.
_ONE_ROW = re.compile(r"^[^\s・].{1,80}?\s*\d[\d,]*\s*千円(?:\s|$)")
_CIRCLED_CELL = re.compile(r"^[\u2460-\u2473]$|^「[^」]{1,20}」$")


@dataclass
class ListedRow:
    """One unnumbered overview cell: the project's name, budget, challenge and page."""

    name: str
    budget: int
    challenge: int | None
    page_ref: int | None
    relisted: bool
    line: Line


def row_challenge(text: str) -> int | None:
    """The challenge a table row's label cell names, the cell anywhere in the row (an export may write the
    right-hand cells first), its number in the cell or in the next one: ``関西 チャレンジ1 「強みで貢献」``,
    ``関西チャレンジ\\t①\\t「強みで貢献」``."""
    cells = [c.strip() for c in re.split(r"\t| {2,}", text)]
    for k, cell in enumerate(cells):
        if not _LABEL_CELL.match(cell):
            continue
        found = challenge_in(cell)
        for neighbour in (cells[k + 1 : k + 2] + cells[max(0, k - 1) : k]) if found is None else []:
            found = challenge_in(cell + neighbour) if _CIRCLED_CELL.match(neighbour) else None
            if found is not None:
                break
        if found is not None:
            return found
    return None


def challenge_label(ctx: ParseContext, line: Line) -> int | None:
    """The challenge a label starting on this line names, its cells possibly one per line:
    ``関西チャレンジ1``, ``関西`` / ``チャレンジ1``, ``関西チャレンジ`` / ``1``, ``関西`` / ``チャレンジ`` / ``1``."""
    text = line.text
    if not text or len(text) > 30:
        return None
    following = [probe.text for probe in ctx.lines[line.index + 1 : line.index + 6] if probe.text][:2]
    joined = text
    for piece in following:
        if challenge_in(joined) is not None or len(joined) > 12:
            break
        if len(piece) <= 8 and ("チャレンジ" in piece or joined.endswith("チャレンジ")):
            joined += piece
    found = challenge_in(joined)
    if found is None or (challenge_in(text) is None and not (len(text) <= 4 or text.endswith("チャレンジ"))):
        return None
    return found


def unnumbered_rows(ctx: ParseContext, taken: set[int], table: ListContext) -> list[ListedRow]:
    """The overview's rows without project numbers: from a line holding a challenge label, every following
    line of cells with budgets (lines in ``taken`` — numbered lines, the contents — are not rows)."""
    rows: list[ListedRow] = []
    challenge: int | None = None
    open_table = False
    for line in ctx.lines:
        if line.index in taken or not line.text:
            open_table = False
            continue
        label = row_challenge(line.text)
        if label is None and len(line.text) <= 12 and line.text.endswith("チャレンジ"):
            label = challenge_label(ctx, line)  # the label one cell per line: 関西チャレンジ / ① / 「…」
        if label is not None:
            challenge, open_table = label, True
            if "\t" not in line.text:
                continue  # the label alone: its rows follow
        elif open_table and (_CIRCLED_CELL.match(line.text) or (len(line.text) <= 12 and challenge_in(line.text))):
            continue  # the rest of a label laid out one cell per line
        elif not open_table or ("\t" not in line.raw.strip(" \u3000") and not _ONE_ROW.match(line.text)):
            open_table = False
            continue
        cells = [c for c in line.text.split("\t") if c.strip()]
        found_any = False
        for cell in cells:
            if _LABEL_CELL.match(cell.strip()) or _CIRCLED_CELL.match(cell.strip()):
                continue
            found = [m for m in amounts(cell, bare_unit=table.bare_unit) if not m.of_which]
            if not found:
                continue
            found_any = True
            main = found[0]
            if is_admin_cost(main.label):
                table.admin.append((line, main.amount.value_thousand_yen))
                continue
            name, relisted = clean_name(label_before(cell, main))
            if name:
                rows.append(
                    ListedRow(
                        name,
                        main.amount.value_thousand_yen,
                        challenge,
                        main.page_ref,
                        relisted or main.amount.relisted,
                        line,
                    )
                )
        open_table = open_table and found_any
    return rows


def fuse_rows(rows: list[ListedRow], drafts: list[ProjectDraft]) -> list[ProjectDraft]:
    """File each row under the numbered project of the same budget (the most alike name among several), else
    of the most alike name (a similarity of at least 0.5); return drafts for the rows none claims."""
    free = [d for d in drafts if d.list_line is None and d.kind.value != "administrative"]
    claimed: dict[int, ProjectDraft] = {}
    for position, row in enumerate(rows):
        same = [d for d in free if d.budget == row.budget and not row.relisted]
        if same:
            claimed[position] = max(same, key=lambda d: similar(row.name, d.name))
            free.remove(claimed[position])
    for position, row in enumerate(rows):
        if position in claimed or not free:
            continue
        best = max(free, key=lambda d: similar(row.name, d.name))
        if similar(row.name, best.name) >= 0.5 and not row.relisted:
            claimed[position] = best
            free.remove(best)
    unclaimed: list[ProjectDraft] = []
    for position, row in enumerate(rows):
        draft = claimed.get(position)
        if draft is None:
            draft = ProjectDraft(key=f"row:{row.name}:{position}", code=None)
            unclaimed.append(draft)
        draft.list_name = draft.list_name or row.name
        draft.list_line, draft.list_budget = row.line, row.budget
        draft.relisted = draft.relisted or row.relisted
        draft.challenge = row.challenge if row.challenge is not None else draft.challenge
        draft.page_ref = draft.page_ref or row.page_ref
    return unclaimed
