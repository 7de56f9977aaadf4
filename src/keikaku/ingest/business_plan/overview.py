"""Projects as a list states them: overview-table rows (several per line or one cell per line), KPI
pages and department pages keyed by project number, and plain bulleted budget lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from keikaku.domain.plan import ProjectKind
from keikaku.ingest.business_plan.drafts import ProjectDraft
from keikaku.ingest.business_plan.kpi_block import kpis_from_lines, looks_like_target
from keikaku.ingest.business_plan.lines import (
    amounts,
    challenge_in,
    departments_in,
    is_admin_cost,
    is_page_number,
    new_mark,
    strip_marks,
)
from keikaku.ingest.context import Line, ParseContext
from keikaku.normalize import AmountMatch, NormalizeError, normalize_text, parse_amount

_RELISTED = re.compile(r"[(（【\[]?\s*(?:[\u2460-\u2473]\s*)?再掲\s*[)）】\]]?")
_RELISTED_NOTE = re.compile(r"[(（【\[][^()（）【】\[\]]*再掲[^()（）【】\[\]]*[)）】\]]")
_BARE_FIGURE = re.compile(r"^\(?\s*[\d,]+\s*\)?$")
_FIGURE_THEN_PAGE = re.compile(r"^(?P<figure>\(?\s*\d{1,3}(?:,\d{3})*\s*\)?)\s+(?P<page>\d{1,3})$")
_BULLET_ITEM = re.compile(r"^(?P<bullet>[◇◆■□●○・\-]|\d{1,2}[.)]|[(]\d{1,2}[)])?\s*(?P<rest>.+)$")


@dataclass
class ListContext:
    """What the table around a list entry declares: the unit of bare figures, the columns it has."""

    bare_unit: str | None = None
    columns: set[str] = field(default_factory=set)
    challenge: int | None = None
    admin: list[tuple[Line, int]] = field(default_factory=list)


def label_before(text: str, match: AmountMatch) -> str:
    """The cell text before an amount, as written (re-listing notes included, unlike ``match.label``)."""
    label = normalize_text(text)[: match.span[0]].rpartition("\t")[2].strip(" ・:-")
    label = re.sub(r"\s*[(【\[]\s*$", "", label)
    return label or match.label


def clean_name(text: str) -> tuple[str, bool]:
    relisted = bool(_RELISTED.search(text))
    name = _RELISTED_NOTE.sub("", text)
    name = _RELISTED.sub("", name)
    name = re.split(r"\s[・•]\s|\t", name)[0]
    return strip_marks(name).strip(" -:"), relisted


def read_segment(
    ctx: ParseContext, draft: ProjectDraft, line: Line, segment: str, *, table: ListContext, fiscal_year: int
) -> None:
    """One overview cell on one line: ``① 名称 10,043千円 ・ 説明 5頁`` (a 管理費 cell may follow it)."""
    found = amounts(segment, bare_unit=table.bare_unit)
    main = next((m for m in found if not m.of_which and not is_admin_cost(m.label)), None)
    name_text = label_before(segment, main) if main is not None else segment
    name, relisted = clean_name(name_text)
    if main is not None:
        relisted = relisted or main.amount.relisted
    _merge_list(
        draft, line, name, budget=main.amount.value_thousand_yen if main else None, relisted=relisted, table=table
    )
    draft.new = draft.new or new_mark(segment, fiscal_year)
    if main is not None and main.page_ref is not None:
        draft.page_ref = draft.page_ref or main.page_ref
    for match in found:
        if is_admin_cost(match.label):
            table.admin.append((line, match.amount.value_thousand_yen))


def read_list_block(
    ctx: ParseContext,
    draft: ProjectDraft,
    heading: Line,
    rest: str,
    lines: list[Line],
    *,
    table: ListContext,
    fiscal_year: int,
) -> None:
    """An overview entry laid out one cell per line: number, name, budget, description, page, …"""
    name = rest
    budget: int | None = None
    relisted = bool(_RELISTED.search(rest))
    kpi_lines: list[Line] = []
    if rest:
        found = [m for m in amounts(rest, bare_unit=table.bare_unit) if not m.of_which]
        if found:
            budget, relisted = found[0].amount.value_thousand_yen, relisted or found[0].amount.relisted
            name = label_before(rest, found[0])
            after = rest[found[0].span[1] :] if found[0].span[1] <= len(rest) else ""
            for token in re.split(r"[\s\t]+", after):
                draft.add_departments(departments_in(token))
    for line in lines:
        text = line.text
        if not text or is_page_number(text):
            if text and draft.page_ref is None:
                digits = re.findall(r"\d+", text)
                draft.page_ref = int(digits[0]) if digits else None
            continue
        draft.new = draft.new or new_mark(text, fiscal_year)
        if "うち" in text and "国" in text:
            part = re.search(r"国庫[^\d]*(?P<n>[\d,]+)\s*(?P<u>千円|百万円|万円|円)?", text)
            if part is not None:
                try:
                    value = parse_amount(
                        part.group("n") + (part.group("u") or ""), default_unit=table.bare_unit or "千円"
                    )
                except NormalizeError:
                    continue
                draft.subsidy = value.value_thousand_yen
            continue
        if _RELISTED.fullmatch(text.strip()):
            relisted = True
            continue
        found = [m for m in amounts(text, bare_unit=table.bare_unit) if not m.of_which]
        glued = _FIGURE_THEN_PAGE.match(text) if not found and budget is None else None
        if glued is not None:  # the budget cell and the page cell on one line: ``(5,500) 5``
            text = glued.group("figure")
            draft.page_ref = draft.page_ref or int(glued.group("page"))
        if not found and budget is None and _BARE_FIGURE.match(text):
            found = amounts(text, bare_unit="千円")
        if found and is_admin_cost(found[0].label):
            table.admin.append((line, found[0].amount.value_thousand_yen))
            continue
        if budget is None and found and (not found[0].label or not name):
            budget, relisted = found[0].amount.value_thousand_yen, relisted or found[0].amount.relisted
            if not name and found[0].label:
                name = found[0].label
            continue
        depts = departments_in(text)
        if depts:
            draft.add_departments(depts)
            continue
        if challenge_in(text) is not None and len(text) <= 20:
            continue
        if not name and not text.startswith(("・", "※")):
            name = text
            continue
        if (
            name
            and budget is None
            and not found
            and not text.startswith(("・", "※"))
            and not line.raw.lstrip().startswith(("・", "-", "•"))
        ):
            name += text  # a long name wrapped inside its cell
            continue
        if "kpi" in table.columns and looks_like_target(text) and not found:
            kpi_lines.append(line)
    clean, flagged = clean_name(name)
    _merge_list(draft, heading, clean, budget=budget, relisted=relisted or flagged, table=table)
    if kpi_lines:
        draft.kpis.extend(kpis_from_lines(ctx, kpi_lines, owner=draft.code or draft.name))


def _merge_list(
    draft: ProjectDraft, line: Line, name: str, *, budget: int | None, relisted: bool, table: ListContext
) -> None:
    if draft.list_line is None:
        draft.list_line = line
        draft.list_name = name or None
        draft.list_budget = budget
        draft.relisted = relisted
        draft.challenge = draft.challenge or table.challenge
        return
    if draft.list_name is None and name:
        draft.list_name = name
    if draft.list_budget is None and budget is not None and not relisted:
        draft.list_budget = budget


def read_keyed_entry(
    ctx: ParseContext, draft: ProjectDraft, rest: str, lines: list[Line], *, mode: str, heading: Line
) -> None:
    """An entry of a page that lists KPIs (``mode='kpi'``) or departments (``'department'``) by project number."""
    texts = ([Line(heading.index, heading.page, heading.number, heading.raw, rest)] if rest else []) + [
        line for line in lines if line.text and not is_page_number(line.text)
    ]
    if mode == "department":
        for line in texts:
            draft.add_departments(departments_in(line.text))
        return
    names = {n for n in (draft.list_name, draft.detail_name, draft.title) if n}
    kpi_lines = [
        line
        for line in texts
        if line.text not in names
        and not departments_in(line.text)
        and not re.fullmatch(r"\S{0,6}(?:指標|目標値?|KPI)", line.text)
    ]
    if kpi_lines and not looks_like_target(kpi_lines[0].text) and any(n and n in kpi_lines[0].text for n in names):
        kpi_lines = kpi_lines[1:]  # the project's name repeated before its KPIs
    draft.kpis.extend(kpis_from_lines(ctx, kpi_lines, owner=draft.code or draft.name))


def admin_draft(ctx: ParseContext, table: ListContext) -> ProjectDraft | None:
    """The administrative cost (管理費) as a project, if the plan states one."""
    if not table.admin:
        return None
    line, amount = table.admin[0]
    draft = ProjectDraft(key="管理費", code=None, list_name="管理費", list_line=line, list_budget=amount)
    draft.kind = ProjectKind.ADMINISTRATIVE
    return draft


def bulleted_budget_list(ctx: ParseContext, lines: list[Line]) -> list[ProjectDraft]:
    """Projects from a plain list ``◇名称 (13,043千円)`` — one per line with a name and an amount."""
    drafts: list[ProjectDraft] = []
    for line in lines:
        match = _BULLET_ITEM.match(line.text)
        if match is None:
            continue
        found = [m for m in amounts(match.group("rest")) if not m.of_which]
        if len(found) != 1 or not found[0].label or looks_like_target(found[0].label):
            continue
        name, relisted = clean_name(found[0].label.rstrip("( "))
        if not name or len(name) < 3 or re.search(r"予算|合計|総額", name):
            continue
        draft = ProjectDraft(
            key=name, code=None, list_name=name, list_line=line, list_budget=found[0].amount.value_thousand_yen
        )
        draft.relisted = relisted or found[0].amount.relisted
        if is_admin_cost(name):
            draft.kind = ProjectKind.ADMINISTRATIVE
        drafts.append(draft)
    return drafts


LIST_PAGE = re.compile(
    r"(?:成果目標|成果指標|KPI|担当課|担当部署|所管課).{0,12}(?:一覧|別)|(?:事業別|各事業の).{0,6}(?:成果目標|KPI|担当)"
)


def read_name_keyed_pages(ctx: ParseContext, drafts: list[ProjectDraft], taken: set[int]) -> None:
    """Pages that list KPIs or departments by project *name* (no numbers): ``事業名`` line, then its values."""
    if not drafts:
        return
    lines = ctx.lines
    for heading in lines:
        text = heading.text
        if heading.index in taken or len(text) > 30 or not LIST_PAGE.search(text):
            continue
        mode = "department" if re.search(r"担当|所管", text) else "kpi"
        current: ProjectDraft | None = None
        values: dict[int, list[Line]] = {}
        owners: dict[int, ProjectDraft] = {}
        for line in lines[heading.index + 1 :]:
            if line.index in taken or (LIST_PAGE.search(line.text) and len(line.text) <= 30):
                break
            if not line.text or is_page_number(line.text):
                continue
            match = max(drafts, key=lambda d: _name_score(d, line.text))
            if _name_score(match, line.text) >= 0.8:
                current = match
                owners[id(current)] = current
                values.setdefault(id(current), [])
                continue
            if current is not None:
                values[id(current)].append(line)
        for key, found in values.items():
            owner = owners[key]
            if mode == "department":
                for line in found:
                    owner.add_departments(departments_in(line.text))
            elif not owner.kpis:
                targets = [line for line in found if looks_like_target(line.text) or not departments_in(line.text)]
                owner.kpis.extend(kpis_from_lines(ctx, targets, owner=owner.code or owner.name))


def _name_score(draft: ProjectDraft, text: str) -> float:
    from keikaku.ingest.business_plan.build import similar

    return max(similar(draft.list_name, text), similar(draft.detail_name, text))
