"""The top of a plan (fiscal year, title, issuer, total budget) and its table of contents."""

from __future__ import annotations

import re
from collections import Counter

from keikaku.domain.fiscal import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from keikaku.domain.limits import fiscal_year_allowed
from keikaku.ingest.business_plan.drafts import PlanHeader
from keikaku.ingest.business_plan.lines import amounts, is_page_number
from keikaku.ingest.common import find_issuer
from keikaku.ingest.context import Line, ParseContext
from keikaku.ingest.errors import IngestError
from keikaku.normalize import NormalizeError, parse_fiscal_year

TITLE_AREA = 12
FISCAL_YEAR = re.compile(r"(?:令和|平成|R|H)\s*(?:\d{1,2}|元)\s*年度|(?:19|20)\d{2}\s*年度")
_NEW_MARK_YEAR = re.compile(r"[【\[]\s*R\s*(\d{1,2})\s*新規")
_ORG = re.compile(
    r"^(?P<org>[^\s、。:()]{2,30}?(?:連合|都|道|府|県|市|町|村|省|庁|機構|協議会))"
    r"(?:\s*(?P<unit>[^\s、。:()]{2,30}(?:局|部|課|室|センター)))?$"
)
_ISSUER_IN_TITLE = re.compile(r"(?P<unit>[^\s、。:()]{2,30}(?:局|部|課|室|センター))(?:の)?事業計画")
_TOTAL = re.compile(r"予算(?:総)?額|予算総額|総額|予算規模|合計|総計")
_CONTENTS = re.compile(r"^(?:目次|もくじ|contents|index|目 次)(?:\s+page)?$", re.IGNORECASE)
_CONTENTS_ENTRY = re.compile(r"^(?:\d{1,2}[\s.\t]|[■◆●・\-–]|[\u2460-\u2473]|第\d)|\s\d{1,3}$|\t\d{1,3}$|\d{1,3}$")


def fiscal_year_in(text: str) -> int | None:
    """The fiscal year a line names (``令和8年度`` → 2026), or None."""
    match = FISCAL_YEAR.search(text)
    if match is None:
        return None
    try:
        return parse_fiscal_year(match.group().replace(" ", ""))
    except NormalizeError:
        return None


def read_header(ctx: ParseContext, *, first_project: int | None) -> PlanHeader:
    """Fiscal year, title, issuer and total of a plan; raises :class:`IngestError` without a fiscal year."""
    area = ctx.nonblank(0, first_project)[:TITLE_AREA] if first_project else ctx.nonblank()[:TITLE_AREA]
    fiscal_year: int | None = None
    title: str | None = None
    title_line: Line | None = None
    year_text: str | None = None
    for position, line in enumerate(area):
        year = fiscal_year_in(line.text)
        if "事業計画" in line.text or "予算事業" in line.text:
            title, title_line = line.text, line
            if year is None and position > 0 and fiscal_year_in(area[position - 1].text):
                year_text = area[position - 1].text
                year = fiscal_year_in(year_text)
            if year is not None:
                fiscal_year = year
            break
    if fiscal_year is None:
        fiscal_year = next((y for y in (fiscal_year_in(line.text) for line in area) if y is not None), None)
    if fiscal_year is None:
        fiscal_year = _fiscal_year_from_statements(ctx)
    if fiscal_year is None:
        fiscal_year = _fiscal_year_from_marks(ctx)
    if fiscal_year is None:
        raise IngestError(
            ctx.document.path,
            "事業計画の年度が見つかりません（令和N年度 などの記載がありません）",
            code="no_fiscal_year",
        )
    year_line = next((line for line in ctx.lines if fiscal_year_in(line.text) == fiscal_year), None)
    if not fiscal_year_allowed(fiscal_year):
        where = f"{year_line.number}行目の" if year_line else ""
        raise IngestError(
            ctx.document.path,
            f"{where}事業計画の年度 {fiscal_year}年度 は {MIN_FISCAL_YEAR}〜{MAX_FISCAL_YEAR}年度の範囲外です",
            code="fiscal_year_out_of_range",
        )
    if title and year_text and year_text not in title and len(year_text) <= 12:
        title = f"{year_text} {title}"
    header = PlanHeader(fiscal_year=fiscal_year, title=title, title_line=title_line, issuer=_issuer(area, title))
    _total(ctx, header, first_project)
    return header


_YEAR_STATEMENT = re.compile(
    r"^(?P<y>(?:令和|平成)\s*(?:\d{1,2}|元)\s*年度)\s*(?:予算額|予算総額|事業一覧|事業計画|予算事業)"
)


def _fiscal_year_from_statements(ctx: ParseContext) -> int | None:
    """The year of lines such as ``令和9年度予算額:…`` or ``令和9年度事業一覧【予算事業】`` anywhere (no title line)."""
    counts: Counter[int] = Counter()
    for line in ctx.lines:
        match = _YEAR_STATEMENT.match(line.text)
        year = fiscal_year_in(match.group("y")) if match else None
        if year is not None:
            counts[year] += 1
    return counts.most_common(1)[0][0] if counts else None


def _fiscal_year_from_marks(ctx: ParseContext) -> int | None:
    counts = Counter(int(m.group(1)) + 2018 for line in ctx.lines for m in _NEW_MARK_YEAR.finditer(line.text))
    return counts.most_common(1)[0][0] if counts else None


def _issuer(area: list[Line], title: str | None) -> str | None:
    two_lines = find_issuer([line for line in area if "事業計画" not in line.text])
    if two_lines is not None and " " in two_lines:
        return two_lines
    for line in area:
        match = _ORG.match(line.text)
        if match is not None and "事業計画" not in line.text:
            return " ".join(p for p in (match.group("org"), match.group("unit")) if p)
    if title:
        match = _ISSUER_IN_TITLE.search(title)
        if match is not None:
            return match.group("unit")
    return None


def issuer_parts(issuer: str | None) -> set[str]:
    """The issuer's name and its parts (never taken for a project's department)."""
    if not issuer:
        return set()
    return {issuer, *issuer.split()}


def _total(ctx: ParseContext, header: PlanHeader, first_project: int | None) -> None:
    """The plan's total budget and national subsidy, from the lines before the first project (else anywhere)."""
    candidates = [line for line in ctx.lines[: first_project or len(ctx.lines)] if line.text]
    if not _total_from(ctx, header, candidates):
        totals = [
            line.index
            for line in ctx.lines
            if line.text and re.match(r"^(?:合計|総計|総額|計)(?:\s|$|\d|:)", line.text)
        ]
        rest = [line for index in totals for line in ctx.lines[index : index + 3] if line.text]
        _total_from(ctx, header, rest, _declared_unit(ctx))


def _total_from(ctx: ParseContext, header: PlanHeader, lines: list[Line], header_unit: str | None = None) -> bool:
    for position, line in enumerate(lines):
        if not _TOTAL.search(line.text) or "一覧" in line.text:
            continue
        bare = "千円" if re.search(r"[(]\s*(?:単位\s*:?\s*)?千円\s*[)]", line.text) else header_unit
        found = [m for m in amounts(line.text) if not m.of_which]
        following = lines[position + 1 : position + 3]
        if not found:
            for probe in following:
                found = [m for m in amounts(probe.text, bare_unit=bare) if not m.of_which]
                if found:
                    break
        if not found:
            continue
        header.total = found[0].amount.value_thousand_yen
        header.total_line = line
        for probe in [line, *following]:
            subsidy = next((m for m in amounts(probe.text) if m.of_which and "国" in m.label), None)
            if subsidy is None and "国庫" in probe.text and "うち" in probe.text:
                subsidy = next(iter(amounts(probe.text)), None)
            if subsidy is not None:
                header.subsidy = subsidy.amount.value_thousand_yen
                break
        return True
    return False


def _declared_unit(ctx: ParseContext) -> str | None:
    for line in ctx.lines:
        found = re.search(r"単位\s*:?\s*(千円|円|万円|百万円)|予算額?\s*\((千円|円|万円|百万円)\)", line.text)
        if found is not None and len(line.text) <= 40:
            return found.group(1) or found.group(2)
    return None


def contents_lines(ctx: ParseContext) -> tuple[set[int], list[str]]:
    """Indexes of the table-of-contents lines (never read as projects) and the entries' titles in order."""
    skip: set[int] = set()
    entries: list[str] = []
    lines = ctx.lines
    for start, line in enumerate(lines):
        if not _CONTENTS.match(line.text):
            continue
        skip.add(start)
        pending_number = False
        for probe in lines[start + 1 :]:
            text = probe.text
            if not text:
                skip.add(probe.index)
                continue
            if _CONTENTS_ENTRY.search(text) or pending_number or is_page_number(text):
                skip.add(probe.index)
                pending_number = bool(re.fullmatch(r"\d{1,2}", text))
                title = re.sub(r"^(?:\d{1,2}[\s.]+|[■◆●・\-–]\s*)|[\s\t]+\d{1,3}$", "", text).strip()
                if title and not re.fullmatch(r"\d{1,3}", title):
                    entries.append(title.replace("\t", " "))
                continue
            break
        break
    return skip, entries
