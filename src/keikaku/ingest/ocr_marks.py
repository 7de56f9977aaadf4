"""The ``ocr`` warning: every fact read from a page that OCR read says so, with the confidence of its line.

A fact whose provenance is an OCR'd line gets that line's confidence.  The plan, and a project cited on a
page with a text layer but named on an OCR'd page, may hold facts fused from there (an overview row, a KPI
page), so they get a warning as well, with the lowest page confidence.  Nothing read from an
OCR'd page leaves the pipeline without its warning: :func:`check_marked` refuses the result otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from keikaku.domain import PlanData, Provenance, Warning
from keikaku.domain.provenance import WarningCode
from keikaku.ingest.errors import IngestError
from keikaku.ingest.read.source import SourceDocument

#: The code of the warning (one of the stable codes).
OCR = WarningCode.OCR


def _objects(model: BaseModel) -> Iterator[BaseModel]:
    """Every model inside ``model`` (itself included) that has a provenance, depth first."""
    if "provenance" in type(model).model_fields:
        yield model
    for name in type(model).model_fields:
        if name == "warnings":
            continue
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel) and not isinstance(item, Provenance):
                yield from _objects(item)


def _label(obj: BaseModel) -> str:
    for name in ("name", "title", "description", "statement"):
        value = getattr(obj, name, None)
        if isinstance(value, str) and value:
            return value[:40]
    return type(obj).__name__


def mark_ocr_facts(data: PlanData, source: SourceDocument) -> int:
    """Add an ``ocr`` warning for every fact read by OCR; returns how many were added."""
    if not source.ocr_pages:
        return 0
    confidence: dict[tuple[int | None, int | None], float] = {
        (line.page, line.line): line.confidence for line in source.iter_lines() if line.confidence is not None
    }
    per_page: dict[int | None, list[float]] = {}
    for (page, _line), value in confidence.items():
        per_page.setdefault(page, []).append(value)
    lowest = min(sum(values) / len(values) for values in per_page.values())
    ocr_text = "".join(line.text for line in source.iter_lines() if line.confidence is not None).replace(" ", "")
    added = 0
    for holder, root in _roots(data):
        for obj in _objects(root):
            prov: Provenance | None = getattr(obj, "provenance", None)
            on_ocr = prov is not None and prov.page in source.ocr_pages
            if not on_ocr and not _fused_from_ocr(obj, ocr_text):
                continue
            if on_ocr and prov is not None:
                value = confidence.get((prov.page, prov.line), lowest)
                message = (
                    f"{prov.page}ページ {prov.line}行目の「{_label(obj)}」は OCR で読み取りました"
                    f"（信頼度 {value:.0%}）。原本と照らし合わせてください"
                )
            else:
                value = lowest
                message = (
                    f"「{_label(obj)}」には OCR で読み取ったページ（{', '.join(map(str, source.ocr_pages))}）の"
                    f"記載が含まれることがあります（信頼度 {value:.0%} 以上）。原本と照らし合わせてください"
                )
            holder.append(
                Warning(
                    code=OCR,
                    message=message,
                    provenance=prov,
                    details={
                        "confidence": round(value, 3),
                        "object": type(obj).__name__,
                        "ocr_pages": source.ocr_pages,
                    },
                )
            )
            added += 1
    return added


def _fused_from_ocr(obj: BaseModel, ocr_text: str) -> bool:
    """A plan, or a project named on an OCR'd page, may hold facts read there though cited elsewhere."""
    kind = type(obj).__name__
    if kind == "Plan":
        return True
    name = getattr(obj, "name", "") or ""
    return kind == "Project" and bool(name) and name.replace(" ", "")[:8] in ocr_text


def _roots(data: PlanData) -> Iterator[tuple[list[Warning], BaseModel]]:
    """Each top-level model of a bundle and the warning list its warnings go to."""
    for plan in data.plans:
        yield plan.warnings, plan
    for model in (data.vision, data.action_plan, *data.partner_priorities):
        if model is not None:
            yield data.warnings, model


def check_marked(data: PlanData, source: SourceDocument) -> None:
    """Refuse a result holding a fact from an OCR'd page without its ``ocr`` warning."""
    if not source.ocr_pages:
        return
    warned = {
        (w.provenance.page, w.provenance.line)
        for plan_warnings, _root in _roots(data)
        for w in plan_warnings
        if w.code == OCR and w.provenance is not None
    }
    for _holder, root in _roots(data):
        for obj in _objects(root):
            prov = getattr(obj, "provenance", None)
            if prov is not None and prov.page in source.ocr_pages and (prov.page, prov.line) not in warned:
                raise IngestError(
                    source.path,
                    f"OCR で読んだ「{_label(obj)}」に ocr 警告がありません（読み取りの不具合）",
                    code="invalid_result",
                )
