"""A project's detail page(s): title and component budget lines, departments, KPIs, events, start year.

A project may have several detail blocks (its heading repeated on the next page).  The budget lines
of all its blocks are read together first, to tell the project's own budget line (its title) from
its components' (:func:`split_budget_lines`); then each block is walked in order, every fact going to
the project or to the component whose heading came last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keikaku.domain import Event, WarningCode
from keikaku.ingest.business_plan.drafts import ComponentDraft, ProjectDraft
from keikaku.ingest.business_plan.kpi_block import had_bullet, is_complete, kpis_from_lines, looks_like_target
from keikaku.ingest.business_plan.limits import checked_year, out_of_range
from keikaku.ingest.business_plan.lines import (
    BRACKET_LABEL,
    COMPONENT_HEADER,
    DATED_EVENT,
    DETAIL_KEYWORDS,
    EVENT_DATE,
    EVENT_PLACE,
    EVENT_THEME,
    KPI_HEADING,
    NEW_FIELD,
    NOT_BUDGET,
    REFERENCE_LABEL,
    START_YEAR,
    STOP_KPI,
    BudgetLine,
    amounts,
    budget_line,
    challenge_in,
    departments_in,
    is_admin_cost,
    is_page_number,
    is_prose,
    new_mark,
    strip_marks,
)
from keikaku.ingest.context import Line, ParseContext
from keikaku.normalize import NormalizeError, parse_date_range, parse_start_year

SUMMARY_CHARS = 400
_KPI_WORDS = ("以上", "以下", "目標", "KPI", "件数", "割合", "満足度")


@dataclass
class DetailBlock:
    """A detail heading (``① 事業名``) and the lines under it up to the next heading."""

    heading: Line
    rest: str
    lines: list[Line]


def block_budget_lines(block: DetailBlock) -> list[tuple[Line, BudgetLine]]:
    """The budget lines of a block that name a project or component (not KPI lines, not subsidy notes)."""
    found: list[tuple[Line, BudgetLine]] = []
    in_kpi = False
    for line in block.lines:
        text = line.text
        if not text:
            continue
        if KPI_HEADING.match(text):
            in_kpi = True
            continue
        if in_kpi and (STOP_KPI.match(text) or not looks_like_target(text)):
            in_kpi = False
        if in_kpi or any(word in text for word in _KPI_WORDS) or text.startswith("うち") or NOT_BUDGET.search(text):
            continue
        parsed = budget_line(text)
        if parsed is not None and is_admin_cost(parsed.name):
            continue
        if parsed is not None and (parsed.name or text.startswith(("予算", "事業費", "("))):
            found.append((line, parsed))
    return found


def split_budget_lines(draft: ProjectDraft, budget_lines: list[tuple[Line, BudgetLine]]) -> set[int]:
    """Decide which budget lines start components; the first may be the project's own (its title).

    Returns the indexes (``Line.index``) of component lines; sets the draft's title and title budget.
    """
    if not budget_lines:
        return set()
    if draft.heading_budget is not None:
        return {line.index for line, _ in budget_lines}
    unnamed = [(line, bl) for line, bl in budget_lines if not bl.name]
    if unnamed:  # 予算額：N千円 — the project's own budget, in a form layout
        line, first = unnamed[0]
        draft.title_budget, draft.title_line = first.amount, line
        draft.subsidy = draft.subsidy if first.subsidy is None else first.subsidy
        return {line.index for line, bl in budget_lines if bl.name}
    first_line, first = budget_lines[0]
    others = [bl.amount for _, bl in budget_lines[1:] if not bl.relisted]
    listed = draft.list_budget
    is_title = (
        len(budget_lines) == 1
        or first.amount == sum(others)
        or (listed is not None and first.amount == listed and sum(others) <= first.amount)
    )
    if not is_title and listed is not None and sum([first.amount, *others]) != listed and first.amount == listed:
        is_title = True
    if is_title:
        draft.title, draft.title_budget, draft.title_line = first.name or None, first.amount, first_line
        if first.subsidy is not None:
            draft.subsidy = first.subsidy
        return {line.index for line, _ in budget_lines[1:]}
    return {line.index for line, _ in budget_lines}


_VENUE_NOTE = re.compile(r"^\([^()]{1,30}\)$")
_SUB_NUMBER = re.compile(r"^(?:\(\d{1,2}\)|\d{1,2}\)|[\u2460-\u2473])")


def _indent(line: Line) -> int:
    """How far a raw line is indented (a full-width space counts as two)."""
    stripped = line.raw.lstrip(" \t\u3000")
    lead = line.raw[: len(line.raw) - len(stripped)]
    return sum(2 if ch in "\u3000\t" else 1 for ch in lead)


_LABEL_ONLY = re.compile(
    r"^[【\[]?(予算額|予算|事業費|担当課室?|担当部署|担当|所管課|事業開始年度|開始年度|事業期間|実施期間|開催時期|開催日時|開催日|日時|"
    r"開催期間|期間|開催場所|会場|場所|区分)[】\]]?\s*:?$"
)


_GLUED_DEPARTMENT = re.compile(r"^(?P<head>.+\d\s*千円\s*\))\s*(?P<department>[^\s()]{3,30})$")
_LONE_AMOUNT = re.compile(r"^\(?\d{1,3}(?:,\d{3})*\s*(?:千円|百万円|万円|円)\)?$")


def _names_a_part(text: str) -> bool:
    """A short line that can be the name of a budget line: no amount, no label, no sentence."""
    return (
        len(text) <= 40
        and not amounts(text)
        and not text.endswith(("。", ":"))
        and not (_LABEL_ONLY.match(text) or BRACKET_LABEL.match(text) or DETAIL_KEYWORDS.match(text))
        and not KPI_HEADING.match(text)
        and not departments_in(text)
    )


def _unglued(lines: list[Line]) -> list[Line]:
    """A department set below a budget line but read onto its end (a PDF line filled to the margin,
    ``名称（250千円）産業振興企画課``) as a line of its own; both keep the line's index."""
    out: list[Line] = []
    for line in lines:
        glued = _GLUED_DEPARTMENT.match(line.text) if line.text else None
        if glued is None or not departments_in(glued.group("department")):
            out.append(line)
            continue
        out.append(Line(line.index, line.page, line.number, line.raw, glued.group("head")))
        out.append(Line(line.index, line.page, line.number, line.raw, glued.group("department")))
    return out


def join_labels(lines: list[Line]) -> list[Line]:
    """Forms laid out one cell per line (``予算額`` / ``12,300千円``) joined back into ``予算額:12,300千円``."""
    out: list[Line] = []
    pending: Line | None = None
    for line in _unglued(lines):
        if not line.text:
            out.append(line)
            continue
        if pending is not None:
            if _LABEL_ONLY.match(line.text):
                out.append(pending)
            else:
                label = _LABEL_ONLY.match(pending.text)
                name = label.group(1) if label else pending.text
                out.append(Line(line.index, line.page, line.number, line.raw, f"{name}:{line.text}"))
                pending = None
                continue
        pending = line if _LABEL_ONLY.match(line.text) else None
        above = next((k for k in range(len(out) - 1, -1, -1) if out[k].text), None)
        if pending is None and above is not None and _LONE_AMOUNT.match(line.text) and _names_a_part(out[above].text):
            # a name and its amount, each a cell on a line of its own: ``(1) 設備導入補助`` / ``60,000千円``
            prev = out[above]
            out[above] = Line(prev.index, prev.page, prev.number, prev.raw, f"{prev.text} {line.text}")
            continue
        if pending is None:
            out.append(line)
    if pending is not None:
        out.append(pending)
    return out


class DetailWalker:
    """Walks a project's detail blocks and files every fact under the project or the current component."""

    def __init__(self, ctx: ParseContext, draft: ProjectDraft, fiscal_year: int, issuer_parts: set[str]) -> None:
        self.ctx = ctx
        self.draft = draft
        self.fiscal_year = fiscal_year
        self.issuer_parts = issuer_parts
        self.component: ComponentDraft | None = None
        self.event: Event | None = None
        self.event_name: str | None = None
        self.want_event_name = False
        self.component_indent: int | None = None
        self.last_was_place = False

    # -- targets ----------------------------------------------------------------
    def _departments(self) -> list[str]:
        return self.component.departments if self.component else self.draft.departments

    def _name(self) -> str:
        if self.component is not None:
            return self.component.name
        return self.draft.title or self.draft.name or ""

    def _add_event(self, event: Event) -> None:
        (self.component.events if self.component else self.draft.events).append(event)

    # -- walking ----------------------------------------------------------------
    def walk(self, blocks: list[DetailBlock]) -> None:
        """Read every block of the project in order."""
        for block in blocks:
            block.lines = join_labels(block.lines)
        budget_lines = [bl for block in blocks for bl in block_budget_lines(block)]
        component_lines = split_budget_lines(self.draft, budget_lines)
        by_index = {line.index: (line, bl) for line, bl in budget_lines}
        for block in blocks:
            self.component = None
            self.event = None
            if new_mark(block.heading.text, self.fiscal_year):
                self.draft.new = True
            self._walk_lines(block.lines, component_lines, by_index)

    def _walk_lines(
        self, lines: list[Line], component_lines: set[int], by_index: dict[int, tuple[Line, BudgetLine]]
    ) -> None:
        index = 0
        while index < len(lines):
            line = lines[index]
            text = line.text
            index += 1
            if not text or is_page_number(text):
                continue
            if self.event is not None and self.last_was_place and _VENUE_NOTE.match(text):
                self.event.venue = f"{self.event.venue or ''}{text}"
                self.last_was_place = False
                continue
            self.last_was_place = bool(EVENT_PLACE.match(text))
            budget = by_index.get(line.index)
            if budget is not None and budget[0] is line:  # (a line split in two keeps its index)
                self._budget(line, budget[1], line.index in component_lines)
                continue
            header = COMPONENT_HEADER.match(text)
            if header is not None:
                index = self._component_header(lines, index, header.group("label") or header.group("rest"), line)
                continue
            kpi = KPI_HEADING.match(text)
            if kpi is not None and len(text) <= 40 + len(kpi.group("rest")):
                if self.component_indent is not None and _indent(line) <= self.component_indent:
                    self.component = None  # a project-level heading after numbered sub-items (1)(2)
                index = self._kpi_section(lines, index, kpi.group("rest").strip(), line)
                continue
            if self._fact(line):
                continue
            if self.want_event_name:
                self.want_event_name = False
                if not is_prose(text) and len(text) <= 40 and ":" not in text:
                    self.event_name = strip_marks(text)
                    continue
            if text.startswith(("事業概要", "事業内容")) and len(text) <= 12:
                self.want_event_name = True
                continue
            if is_prose(text) and len(text) > 20:
                self._summary(text)

    def _budget(self, line: Line, parsed: BudgetLine, is_component: bool) -> None:
        new = new_mark(line.text, self.fiscal_year)
        if is_component:
            self.component = ComponentDraft(
                parsed.name or strip_marks(line.text), line, parsed.amount, new, parsed.relisted
            )
            numbered = _SUB_NUMBER.match(line.text) is not None or line.raw.lstrip(" \t\u3000")[:1] in "-・•◇○●"
            self.component_indent = _indent(line) if numbered else None
            self.draft.components.append(self.component)
            self.event, self.event_name = None, None
        else:
            self.component = None
            self.draft.new = self.draft.new or new
            if parsed.subsidy is not None:
                self.draft.subsidy = parsed.subsidy

    def _component_header(self, lines: list[Line], index: int, label: str | None, line: Line) -> int:
        name = strip_marks(label or "")
        if not name:
            for probe in range(index, min(index + 3, len(lines))):
                match = BRACKET_LABEL.match(lines[probe].text)
                if match is not None:
                    name, index = match.group("label").strip(), probe + 1
                    break
                if lines[probe].text:
                    break
        name = name.strip("【】[] ") or strip_marks(line.text)
        self.component = ComponentDraft(name, line, None, new_mark(line.text, self.fiscal_year))
        self.draft.components.append(self.component)
        self.event, self.event_name = None, None
        return index

    def _kpi_section(self, lines: list[Line], index: int, rest: str, heading: Line) -> int:
        section: list[Line] = []
        if rest:
            section.append(Line(heading.index, heading.page, heading.number, heading.raw, rest))
        blanks = 0
        reference_next = False
        while index < len(lines):
            line = lines[index]
            text = line.text
            if text and (reference_next or REFERENCE_LABEL.match(text)):
                reference_next = bool(REFERENCE_LABEL.match(text)) and not REFERENCE_LABEL.match(text).group("rest")  # type: ignore[union-attr]
                section.append(line)
                index += 1
                continue
            if not text:
                blanks += 1
                if blanks >= 2 and section:
                    break
                index += 1
                continue
            blanks = 0
            if (
                STOP_KPI.match(text)
                or EVENT_DATE.match(text)
                or EVENT_PLACE.match(text)
                or NEW_FIELD.match(text)
                or departments_in(text)
                or COMPONENT_HEADER.match(text)
                or (budget_line(text) and not re.search(r"以上|以下|未満|超|目標", text))
            ):
                break
            if is_page_number(text):
                index += 1
                continue
            last = section[-1].text if section else ""
            continuing = section and not had_bullet(line) and not is_complete(last)
            if section and not continuing and not had_bullet(line) and not looks_like_target(text):
                following = next((p.text for p in lines[index + 1 : index + 3] if p.text), "")
                if not (len(following) <= 16 and is_complete(following) and not looks_like_target(text)):
                    break  # a caption or the next paragraph (not an indicator whose target cell follows)
            section.append(line)
            index += 1
        self._kpis(section)
        return index

    def _kpis(self, section: list[Line]) -> None:
        owner = self.draft.code or self.draft.name
        kpis = kpis_from_lines(self.ctx, section, owner=owner)
        (self.component.kpis if self.component else self.draft.kpis).extend(kpis)

    def _fact(self, line: Line) -> bool:
        """Departments, events, start year and challenge labels; True when the line was one of them."""
        text = line.text
        names = [n for n in departments_in(text) if n not in self.issuer_parts]
        if names:
            for name in names:
                if name not in self._departments():
                    self._departments().append(name)
            return True
        date = EVENT_DATE.match(text)
        if date is not None:
            self._event_date(line, date.group("v").strip())
            return True
        place = EVENT_PLACE.match(text)
        if place is not None:
            self._event_place(line, place.group("v").strip())
            return True
        dated = DATED_EVENT.match(text) if had_bullet(line) else None
        if dated is not None and not looks_like_target(dated.group("name")):
            self.event, self.event_name = None, dated.group("name").strip()
            self._event_date(line, dated.group("when"))
            if dated.group("venue").strip() and self.event is not None:
                self.event.venue = dated.group("venue").strip()[:200]
            self.event_name = None
            return True
        theme = EVENT_THEME.match(text) if self.event is not None else None
        if theme is not None and self.event is not None:
            self.event.theme = self.event.theme or theme.group("v").strip()[:400]
            return True
        flag = NEW_FIELD.match(text)
        if flag is not None:
            if flag.group("v").startswith("新規"):
                if self.component is not None:
                    self.component.new = True
                else:
                    self.draft.new = True
            return True
        start = START_YEAR.search(text) if re.search(r"開始年度|事業期間|実施期間", text) else None
        if start is not None:
            self._start_year(line, start.group("v"))
            return True
        challenge = challenge_in(text) if len(text) <= 30 else None
        if challenge is not None:
            self.draft.challenge = self.draft.challenge or challenge
            return True
        return False

    def _event_date(self, line: Line, value: str) -> None:
        start = end = None
        note = None
        try:
            found = parse_date_range(value, fiscal_year=self.fiscal_year)
            start = found.start.date
            end = found.end.date if found.end else None
            for part in (found.start, found.end):
                if part is not None and part.weekday_matches is False:
                    self.ctx.warn(
                        WarningCode.WEEKDAY_MISMATCH,
                        f"曜日が日付と一致しません: {value}（{part.date.isoformat()}）",
                        line,
                        {"date": part.date.isoformat(), "weekday_given": part.weekday_given},
                    )
        except NormalizeError as error:
            note = value
            if re.search(r"\d+\s*年\s*\d+\s*月\s*\d+\s*日", value):
                out_of_range(self.ctx, line, "開催時期", value, f"読み取れない日付である（{error}）")
        event = Event(
            name=self.event_name or self._name(), start=start, end=end, note=note, provenance=self.ctx.prov(line)
        )
        if self.event is not None and self.event.start is None and self.event.note is None:
            self.event.start, self.event.end, self.event.note = start, end, note
            return
        self.event = event
        self._add_event(event)

    def _event_place(self, line: Line, value: str) -> None:
        if self.event is not None and self.event.venue is None:
            self.event.venue = value
            return
        self.event = Event(name=self.event_name or self._name(), venue=value, provenance=self.ctx.prov(line))
        self._add_event(self.event)

    def read_start_year(self, line: Line, value: str) -> None:
        """The start year (and year count) a form line states, checked against the plan's fiscal year."""
        self._start_year(line, value)

    def _start_year(self, line: Line, value: str) -> None:
        try:
            start = parse_start_year(value, plan_fiscal_year=self.fiscal_year)
        except NormalizeError:
            self.ctx.warn(WarningCode.MISSING_FIELD, f"事業開始年度を読み取れません: {value}", line)
            return
        if checked_year(self.ctx, start.start_fiscal_year, line, "事業開始年度", value) is None:
            return
        self.draft.start_fiscal_year = start.start_fiscal_year
        self.draft.year_count = start.year_count
        if start.consistent is False:
            self.ctx.warn(
                WarningCode.YEAR_COUNT_MISMATCH,
                f"事業「{self.draft.name}」: 事業開始年度 {start.start_fiscal_year}年度 と {start.year_count}年目 が"
                f" {self.fiscal_year}年度 の計画として一致しません（{start.expected_year_count}年目のはず）",
                line,
                {"start_fiscal_year": start.start_fiscal_year, "year_count": start.year_count},
            )

    def _summary(self, text: str) -> None:
        if self.component is not None:
            if self.component.summary is None:
                self.component.summary = text[:SUMMARY_CHARS]
        elif self.draft.summary is None:
            self.draft.summary = text[:SUMMARY_CHARS]
