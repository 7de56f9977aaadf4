"""Read models of the action-plan matrix (themes × periods × actors) and of a source document's line in context,
and the one write of a document's original file (:func:`keep_original`, called inside an ingestion's unit of work)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, or_, select, true
from sqlalchemy.orm import Session, selectinload

from keikaku.ingest.read.source import LINE_BREAK
from keikaku.reports.files import media_type
from keikaku.services.core.actors import Actor, Permission, require
from keikaku.services.core.db import checked_engine
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.core.provenance import SourceRef, document_keys, is_draft_title, source_of
from keikaku.services.publication.visibility import Visibility, visibility_for
from keikaku.storage import models as m
from keikaku.storage.base import ProvenanceMixin
from keikaku.storage.uow import read_session

CONTEXT_LINES = 6
ACTORS = ("union", "member_governments")
PDF = media_type("pdf")
XLSX = media_type("xlsx")


@dataclass(frozen=True)
class MatrixColumn:
    """A column of the matrix: a period and an actor."""

    period: str
    actor: str


@dataclass(frozen=True)
class MatrixCell:
    """What one actor does in one period of a theme."""

    period: str
    actor: str
    theme_of_period: str | None
    actions: list[str]
    source: SourceRef | None


@dataclass
class ThemeRow:
    """A theme with its desired state and one cell per period × actor (None where the plan says nothing)."""

    id: int
    name: str
    desired_state: str | None
    cells: list[MatrixCell | None]
    source: SourceRef | None


@dataclass
class ActionPlanMatrix:
    """The action plan: its periods and actors (the columns) and its themes (the rows)."""

    title: str | None
    issuer: str | None
    published: str | None
    start_fiscal_year: int | None
    end_fiscal_year: int | None
    periods: list[str]
    actors: list[str]
    columns: list[MatrixColumn]
    themes: list[ThemeRow] = field(default_factory=list)
    source: SourceRef | None = None


def get_action_plan(*, viewer: Actor, engine: Engine | None = None) -> ActionPlanMatrix:
    """The current action plan as a matrix; NotFoundError when none is loaded.

    The action plan is a published document: every ``viewer`` sees it (``viewer`` is taken so that every read
    service is called the same way).
    """
    require(viewer, Permission.VIEW)
    eng = checked_engine(engine)
    with read_session(eng) as session:
        plan = session.scalar(
            select(m.ActionPlan)
            .where(m.ActionPlan.is_current.is_(True))
            .order_by(m.ActionPlan.id.desc())
            .options(selectinload(m.ActionPlan.themes).selectinload(m.Theme.entries))
        )
        if plan is None:
            raise NotFoundError("アクションプランは登録されていません", code="action_plan_not_found")
        keys = document_keys(session)
        periods: list[str] = []
        for theme in plan.themes:
            for entry in theme.entries:
                if entry.period not in periods:
                    periods.append(entry.period)
        periods.sort()
        columns = [MatrixColumn(p, a) for p in periods for a in ACTORS]
        matrix = ActionPlanMatrix(
            plan.title,
            plan.issuer,
            plan.published,
            plan.start_fiscal_year,
            plan.end_fiscal_year,
            periods,
            list(ACTORS),
            columns,
            source=source_of(plan, keys),
        )
        for theme in plan.themes:
            cells: dict[tuple[str, str], MatrixCell] = {}
            for e in theme.entries:
                cells[(e.period, e.actor)] = MatrixCell(
                    e.period, e.actor, e.theme_of_period, list(e.actions or []), source_of(e, keys)
                )
            matrix.themes.append(
                ThemeRow(
                    theme.id,
                    theme.name,
                    theme.desired_state,
                    [cells.get((c.period, c.actor)) for c in columns],
                    source_of(theme, keys),
                )
            )
        return matrix


@dataclass(frozen=True)
class Fact:
    """A fact recorded from a line: what it is, its name, the excerpt, and the page that shows it."""

    kind: str
    name: str
    excerpt: str | None
    project_id: int | None = None
    kpi_id: int | None = None


@dataclass(frozen=True)
class ContextLine:
    """A line of a document's text."""

    line: int
    text: str


@dataclass(frozen=True)
class OriginalFile:
    """The original file of a document as the page names it for download: name, media type and size."""

    filename: str
    media_type: str
    size: int


@dataclass
class DocumentContext:
    """A source document and one of its lines in context: the neighbouring lines (when the text is kept)
    and every fact taken from that line."""

    key: str
    title: str | None
    issuer: str | None
    kind: str
    fiscal_year: int | None
    published: str | None
    lines: int | None
    has_text: bool
    line: int | None
    page: int | None = None
    pages: int | None = None
    draft: bool = False
    bundled: bool = False
    original: OriginalFile | None = None
    context: list[ContextLine] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)

    @property
    def page_image(self) -> bool:
        """True when the cited page can be shown as an image (the original is a PDF and a page is named)."""
        return self.page is not None and self.original is not None and self.original.media_type == PDF


def _facts(session: Session, doc_id: int, line: int, page: int | None, vis: Visibility) -> list[Fact]:
    """The facts taken from a line (of ``page``, when given), leaving out those of plans hidden from the viewer."""
    facts: list[Fact] = []
    shown = vis.plan_filter()

    def at(table: type[ProvenanceMixin]) -> list[ColumnElement[bool]]:
        where = [table.source_document_id == doc_id, table.source_line == line]
        return [*where, table.source_page == page] if page is not None else where

    on_line = at(m.Project)
    for project in session.scalars(
        select(m.Project).join(m.Plan, m.Plan.id == m.Project.plan_id).where(*on_line, *shown)
    ):
        facts.append(Fact("project", project.name, project.source_excerpt, project_id=project.id))
    for kpi in session.scalars(
        select(m.Kpi)
        .outerjoin(m.Project, m.Project.id == m.Kpi.project_id)
        .outerjoin(m.Plan, m.Plan.id == m.Project.plan_id)
        .where(
            *at(m.Kpi),
            or_(m.Kpi.project_id.is_(None), *shown) if shown else true(),
        )
    ):
        facts.append(Fact("kpi", kpi.indicator, kpi.source_excerpt, project_id=kpi.project_id, kpi_id=kpi.id))
    for event in session.scalars(
        select(m.Event)
        .join(m.Project, m.Project.id == m.Event.project_id)
        .join(m.Plan, m.Plan.id == m.Project.plan_id)
        .where(*at(m.Event), *shown)
    ):
        facts.append(Fact("event", event.name, event.source_excerpt, project_id=event.project_id))
    for plan in session.scalars(select(m.Plan).where(*at(m.Plan), *shown)):
        facts.append(Fact("plan", str(plan.title or "plan"), plan.source_excerpt))
    simple: tuple[tuple[type[m.Challenge | m.Theme | m.Initiative], str], ...] = (
        (m.Challenge, "challenge"),
        (m.Theme, "theme"),
        (m.Initiative, "initiative"),
    )
    for table, kind in simple:
        for row in session.scalars(select(table).where(*at(table))):
            facts.append(Fact(kind, str(getattr(row, "name", None) or kind), getattr(row, "source_excerpt", None)))
    for warning in session.scalars(
        select(m.PlanWarning)
        .outerjoin(m.Plan, m.Plan.id == m.PlanWarning.plan_id)
        .where(
            *at(m.PlanWarning),
            or_(m.PlanWarning.plan_id.is_(None), *shown) if shown else true(),
        )
    ):
        facts.append(Fact("warning", warning.message, warning.source_excerpt))
    return facts


def get_document_context(
    key: str, *, viewer: Actor, line: int | None = None, page: int | None = None, engine: Engine | None = None
) -> DocumentContext:
    """A document by its key; with ``line`` (and ``page``), that line among its neighbours and the facts taken
    from it.

    A PDF's lines are numbered within their page (so ``page`` says which page's line); a text's through the
    file.  A document that is the source of plans hidden from ``viewer`` only is not found (its lines would
    show the draft); facts of hidden plans are left out of any document.
    """
    if line is not None and not 1 <= line <= 10_000_000:
        raise ValidationError("行番号は 1 以上で指定してください", code="invalid_line")
    if page is not None and not 1 <= page <= 100_000:
        raise ValidationError("ページ番号は 1 以上で指定してください", code="invalid_page")
    eng = checked_engine(engine)
    vis = visibility_for(viewer)
    with read_session(eng) as session:
        doc = session.scalar(select(m.Document).where(m.Document.key == key))
        if doc is None or not vis.document_visible(session, doc.id):
            raise NotFoundError(f"文書「{key}」はありません", code="document_not_found")
        original = session.execute(
            select(m.DocumentFile.filename, m.DocumentFile.media_type, m.DocumentFile.size).where(
                m.DocumentFile.document_id == doc.id
            )
        ).first()
        result = DocumentContext(
            doc.key,
            doc.title,
            doc.issuer,
            doc.kind,
            doc.fiscal_year,
            doc.published,
            doc.lines,
            bool(doc.text),
            line,
            page=page,
            pages=doc.pages,
            draft=is_draft_title(doc.title),
            bundled=doc.bundled,
            original=OriginalFile(*original) if original else None,
        )
        if line is None:
            return result
        if doc.text:
            per_page = (original is not None and original.media_type == PDF) or (doc.path or "").lower().endswith(
                ".pdf"
            )
            lines = _numbered_lines(doc.text, page if per_page else None)
            start, end = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
            result.context = [ContextLine(n, lines[n - 1]) for n in range(start, end + 1)]
        result.facts = _facts(session, doc.id, line, page, vis)
        return result


def _numbered_lines(text: str, page: int | None) -> list[str]:
    """The lines as the reader numbered them: a PDF's within ``page`` (pages are joined by form feeds), a
    text's through the file, where a form feed does not end the line it sits on."""
    if page is not None:
        pages = text.split("\f")
        return LINE_BREAK.split(pages[page - 1]) if page <= len(pages) else []
    return LINE_BREAK.split(text.replace("\f", ""))


def media_type_of(data: bytes) -> str:
    """The media type of an ingested file, recognised by content as the readers do (never by extension)."""
    if data.lstrip()[:5] == b"%PDF-":
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return XLSX
    return "text/plain"


def keep_original(session: Session, document: m.Document, source: bytes | Path, filename: str) -> m.DocumentFile:
    """Keep ``source`` (the bytes, or the file holding them) as ``document``'s original, in the caller's unit
    of work; a document that already has its original keeps it.

    Raises :class:`ValidationError` when the bytes are not the document's (their SHA-256 differs from the
    one recorded when the document was read): the file changed after it was parsed.
    """
    existing = session.scalar(select(m.DocumentFile).where(m.DocumentFile.document_id == document.id))
    if existing is not None:
        return existing
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if document.sha256 and digest != document.sha256:
        raise ValidationError(
            f"「{filename}」は読み取った後に変更されています（SHA-256 が一致しません）", code="original_changed"
        )
    row = m.DocumentFile(
        document_id=document.id,
        filename=Path(filename).name[:400],
        media_type=media_type_of(data),
        size=len(data),
        sha256=digest,
        content=data,
    )
    session.add(row)
    session.flush()
    return row
