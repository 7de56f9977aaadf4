"""The ingest pipeline for one file: read → recognise the kind → parse → validate → result with warnings.

Nothing here touches a database: :func:`ingest_file` returns an :class:`IngestResult` holding the
interchange bundle (:class:`~keikaku.domain.PlanData`) that :mod:`keikaku.services.exchange.ingest` stores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from keikaku.domain import DocumentKind, DocumentRef, PlanData, Warning, WarningCode
from keikaku.ingest.business_plan.limits import OUT_OF_RANGE
from keikaku.ingest.context import ParseContext
from keikaku.ingest.detect import detect_kind
from keikaku.ingest.errors import IngestError
from keikaku.ingest.ocr_marks import check_marked, mark_ocr_facts
from keikaku.ingest.read.pdf_ocr import INSTALL_HINT, tesseract_problem
from keikaku.ingest.read.readers import SourceDocument, read_document
from keikaku.normalize import oversized_amounts

#: Warning codes that mean part of the document was not read; ``--strict`` refuses a document with any.
PARTIAL_CODES = frozenset(
    {
        WarningCode.UNREAD_SECTION.value,
        WarningCode.UNPARSED_KPI.value,
        WarningCode.MISSING_FIELD.value,
        OUT_OF_RANGE,  # a value outside the limits every channel applies (keikaku.domain.limits)
    }
)


@dataclass
class IngestResult:
    """One document read and parsed: its source, kind, the bundle, its warnings and what was found."""

    source: SourceDocument
    kind: DocumentKind
    data: PlanData
    seconds: float = 0.0
    found: dict[str, int] = field(default_factory=dict)

    @property
    def warnings(self) -> list[Warning]:
        """Every warning: the bundle's and its plans'."""
        return [*self.data.warnings, *(w for plan in self.data.plans for w in plan.warnings)]

    @property
    def partial(self) -> bool:
        """True when part of the document could not be read (what ``--strict`` refuses)."""
        return any(w.code in PARTIAL_CODES for w in self.warnings)


def ingest_file(path: Path | str, *, max_bytes: int | None = None) -> IngestResult:
    """Read and parse one file; raises :class:`IngestError` (file + reason) when it cannot be ingested."""
    started = time.perf_counter()
    source = read_document(path, max_bytes=max_bytes)
    result = parse_source(source)
    result.seconds = time.perf_counter() - started
    return result


def parse_source(source: SourceDocument) -> IngestResult:
    """Recognise and parse a document already read."""
    if source.format == "xlsx":
        from keikaku.ingest.business_plan.xlsx import parse_workbook

        ctx = ParseContext(source, [])
        kind = DocumentKind.BUSINESS_PLAN
        data = PlanData(plans=[parse_workbook(ctx)])
    else:
        ctx = ParseContext.of(source)
        detection = detect_kind(ctx.lines)
        if detection.kind is None:
            raise IngestError(
                source.path,
                "文書の種類を判別できません（事業計画・ビジョン・アクションプラン・重点施策のいずれでもありません）",
                code="unknown_kind",
            )
        kind = detection.kind
        data = _parse_kind(ctx, kind)
        data.warnings.extend(_oversized_amount_warnings(ctx))
    mark_ocr_facts(data, source)
    hint = f"。{tesseract_problem()}。{INSTALL_HINT}" if source.empty_pages and tesseract_problem() else ""
    for page in source.empty_pages:
        data.warnings.append(
            Warning(
                code=WarningCode.UNREAD_SECTION.value,
                message=f"{page}ページにテキスト層がないため読み取れません（画像のみのページ）{hint}",
                provenance=ctx.prov(None).model_copy(update={"page": page}),
            )
        )
    data.documents.insert(0, _document_ref(source, kind, data))
    try:
        data = PlanData.model_validate(data.model_dump())
    except ValidationError as exc:  # a parser bug, reported as such rather than stored
        raise IngestError(
            source.path, f"読み取り結果が検証を通りません（{exc.error_count()}件）", code="invalid_result"
        ) from None
    check_marked(data, source)
    return IngestResult(source, kind, data, found=summarize(data))


def _oversized_amount_warnings(ctx: ParseContext) -> list[Warning]:
    """A warning for each line with an amount too large to be a budget (the parsers skip such amounts)."""
    found = []
    for line in ctx.lines:
        for raw in oversized_amounts(line.text) if line.text else []:
            where = f"{line.page}ページ " if line.page else ""
            found.append(
                Warning(
                    code=WarningCode.UNREAD_SECTION.value,
                    message=f"{where}{line.number}行目の金額「{raw}」は大きすぎるため読み取りません（上限 1,000兆円）",
                    provenance=ctx.prov(line),
                    details={"line": line.number, "amount": raw},
                )
            )
    return found


def _parse_kind(ctx: ParseContext, kind: DocumentKind) -> PlanData:
    if kind is DocumentKind.BUSINESS_PLAN:
        from keikaku.ingest.business_plan.parse import parse_business_plan

        return PlanData(plans=[parse_business_plan(ctx)])
    if kind is DocumentKind.VISION:
        from keikaku.ingest.vision import parse_vision

        return parse_vision(ctx)
    if kind is DocumentKind.ACTION_PLAN:
        from keikaku.ingest.action_plan import parse_action_plan

        return PlanData(action_plan=parse_action_plan(ctx), warnings=list(ctx.warnings))
    from keikaku.ingest.partner import parse_partner

    return PlanData(partner_priorities=[parse_partner(ctx)], warnings=list(ctx.warnings))


def _document_ref(source: SourceDocument, kind: DocumentKind, data: PlanData) -> DocumentRef:
    title = issuer = None
    fiscal_year = None
    published = None
    if data.plans:
        plan = data.plans[0]
        title, issuer, fiscal_year = plan.title, plan.issuer, plan.fiscal_year
    if kind is DocumentKind.VISION and data.vision is not None:
        title, issuer, fiscal_year = data.vision.title, data.vision.issuer, None
    if data.action_plan is not None:
        title, issuer, published = data.action_plan.title, data.action_plan.issuer, data.action_plan.published
        fiscal_year = data.action_plan.start_fiscal_year
    if data.partner_priorities:
        programme = data.partner_priorities[0]
        title, issuer, fiscal_year = programme.title, programme.issuer, programme.fiscal_year
    return DocumentRef(
        id=source.doc_id,
        title=title,
        issuer=issuer,
        kind=kind,
        fiscal_year=fiscal_year,
        published=published,
        sha256=source.sha256,
        path=str(source.path),
        pages=len(source.pages) if source.has_pages else None,
        lines=source.line_count,
    )


def summarize(data: PlanData) -> dict[str, int]:
    """Counts of what a bundle holds, for the run summary."""
    found: dict[str, int] = {}
    for plan in data.plans:
        found["projects"] = found.get("projects", 0) + len(plan.projects)
        found["components"] = found.get("components", 0) + sum(len(p.components) for p in plan.projects)
        found["kpis"] = found.get("kpis", 0) + sum(
            len(p.kpis) + sum(len(c.kpis) for c in p.components) for p in plan.projects
        )
        found["events"] = found.get("events", 0) + sum(
            len(p.events) + sum(len(c.events) for c in p.components) for p in plan.projects
        )
    if data.vision is not None:
        found["challenges"] = len(data.vision.challenges)
        found["numeric_targets"] = len(data.vision.numeric_targets)
    if data.action_plan is not None:
        found["themes"] = len(data.action_plan.themes)
    for programme in data.partner_priorities:
        found["initiatives"] = found.get("initiatives", 0) + len(programme.initiatives)
        found["targets"] = found.get("targets", 0) + sum(len(i.targets) for i in programme.initiatives)
    return found
