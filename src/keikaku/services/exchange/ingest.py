"""Ingesting documents: read and parse every file, then store the results in one transaction.

The transaction rule: a run is all or nothing.  Every file is read and parsed first (nothing touches the
database meanwhile); if any file cannot be ingested — or, with ``strict``, any file was only partly
read — nothing at all is stored and the run fails (exit code 2).  Otherwise everything is stored in a
single unit of work.  A run is idempotent (a file whose SHA-256 is already stored is skipped), so the
fix for a failed run is to remove or repair the named file and run it again.

A changed document for an issuer and fiscal year already stored becomes a new revision of that plan;
the old revision stays readable (:mod:`keikaku.services.plans.revisions` shows the difference).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from keikaku.domain import DocumentKind, PlanData, Warning
from keikaku.ingest.errors import IngestError
from keikaku.ingest.pipeline import IngestResult, ingest_file
from keikaku.services.core.actors import SYSTEM, Actor
from keikaku.services.core.errors import is_database_busy
from keikaku.services.governance.audit_actions import AuditAction

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]
"""Called after each file with (path, files done, files in total)."""


class DocumentStatus(StrEnum):
    """What happened to one file of a run."""

    PARSED = "parsed"  # dry run: read and parsed, nothing stored
    STORED = "stored"
    UNCHANGED = "unchanged"  # same SHA-256 already stored
    FAILED = "failed"  # could not be ingested (the error says why)
    REFUSED = "refused"  # --strict and only partly read
    NOT_STORED = "not_stored"  # fine, but another file of the run failed


@dataclass
class DocumentReport:
    """The outcome for one file: status, kind, what was found, warnings, and the error if it failed."""

    path: str
    status: DocumentStatus
    kind: DocumentKind | None = None
    sha256: str | None = None
    found: dict[str, int] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    revisions: list[tuple[int, int]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def message(self) -> str | None:
        """The one-line error ``<file>: <reason>`` for a failed or refused file."""
        return f"{self.path}: {self.error}" if self.error else None


@dataclass
class IngestReport:
    """The outcome of a run: one report per file and the parsed bundle of every file that parsed."""

    documents: list[DocumentReport]
    data: PlanData
    dry_run: bool
    stored: bool = False

    @property
    def failed(self) -> list[DocumentReport]:
        """Files that failed or were refused."""
        return [d for d in self.documents if d.status in (DocumentStatus.FAILED, DocumentStatus.REFUSED)]

    @property
    def exit_code(self) -> int:
        """0 when every file was ingested (or parsed, in a dry run), 2 otherwise."""
        return 2 if self.failed else 0


def ingest_documents(
    paths: Iterable[Path | str],
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress: ProgressCallback | None = None,
    max_bytes: int | None = None,
    actor: Actor = SYSTEM,
    engine: Engine | None = None,
) -> IngestReport:
    """Read, parse and (unless ``dry_run``) store documents; see the module docstring for the transaction rule.

    Never raises for a bad file: each failure is in the report with a one-line reason.  Database
    problems raise :class:`~keikaku.services.core.errors.DatabaseError`.
    """
    files = [str(p) for p in paths]
    reports: list[DocumentReport] = []
    results: list[tuple[DocumentReport, IngestResult]] = []
    for done, path in enumerate(files, start=1):
        try:
            result = ingest_file(path, max_bytes=max_bytes)
        except IngestError as exc:
            reports.append(DocumentReport(path, DocumentStatus.FAILED, error=exc.reason, error_code=exc.code))
        else:
            report = DocumentReport(
                path,
                DocumentStatus.PARSED,
                kind=result.kind,
                sha256=result.source.sha256,
                found=dict(result.found),
                warnings=result.warnings,
                seconds=result.seconds,
            )
            if strict and result.partial:
                partial = sum(1 for w in result.warnings if w.code in _partial_codes())
                report.status = DocumentStatus.REFUSED
                report.error = f"一部を読み取れませんでした（--strict のため登録しません、警告 {partial} 件）"
                report.error_code = "partial"
            reports.append(report)
            results.append((report, result))
        if progress is not None:
            progress(path, done, len(files))
    data = merge_bundles([result.data for _, result in results])
    run = IngestReport(reports, data, dry_run=dry_run)
    if dry_run:
        return run
    if run.failed:
        for document in reports:
            if document.status is DocumentStatus.PARSED:
                document.status = DocumentStatus.NOT_STORED
        return run
    _store(results, engine, actor)
    run.stored = True
    return run


def _partial_codes() -> frozenset[str]:
    from keikaku.ingest.pipeline import PARTIAL_CODES

    return PARTIAL_CODES


def _store(results: list[tuple[DocumentReport, IngestResult]], engine: Engine | None, actor: Actor) -> None:
    """Store every parsed document in one unit of work, with an audit record per stored document."""
    from keikaku.services.core.db import ensure_schema
    from keikaku.storage.statistics import analyze
    from keikaku.storage.uow import unit_of_work

    eng = ensure_schema(engine)
    with unit_of_work(eng) as session:
        for report, result in results:
            store_parsed(session, report, result, actor)
    if any(report.status == DocumentStatus.STORED for report, _result in results):
        try:
            analyze(eng)  # sampled, so cheap on any size: the plans just stored are planned with statistics
        except SQLAlchemyError as exc:
            if not is_database_busy(exc):
                raise
            # The documents are stored (committed above): a busy database only delays the statistics, which
            # the next load, ingest or migration refreshes.  Failing here would tell the user nothing was stored.
            log.warning("取り込みは保存しましたが、データベースが使用中のため統計情報は更新していません: %s", exc)


def store_parsed(
    session: Session, report: DocumentReport, result: IngestResult, actor: Actor, *, original: bytes | None = None
) -> None:
    """Store one parsed document in the caller's session (no commit) and audit it; sets ``report.status``
    (stored, or unchanged when the same file is already stored) and ``report.revisions``; the file (``original``,
    else read again from its path) is kept as the document's original."""
    from keikaku.services.exchange.bundle import import_plan_data
    from keikaku.services.governance import audit
    from keikaku.services.plans.curated import keep_stored_curation

    keep_stored_curation(session, result.data)
    texts = {result.source.doc_id: result.source.text} if result.source.format != "xlsx" else None
    outcome = import_plan_data(session, result.data, document_texts=texts)
    kept = _keep_original(session, result, original)
    if outcome.skipped_documents and not outcome.documents:
        report.status = DocumentStatus.UNCHANGED
        return
    report.status = DocumentStatus.STORED
    report.revisions = list(outcome.plans)
    after = {
        "path": report.path,
        "sha256": report.sha256,
        "plans": [{"fiscal_year": y, "revision": r} for y, r in outcome.plans],
        "projects": outcome.projects,
        "kpis": outcome.kpis,
        "warnings": outcome.warnings,
        "original": kept,
    }
    audit.record(session, actor, AuditAction.DOCUMENT_INGEST, "document", result.source.doc_id, None, after)


def _keep_original(session: Session, result: IngestResult, original: bytes | None = None) -> str | None:
    """Keep the file of a stored (or already stored) document as its original; the file's name, or None when
    the file changed on disk since it was read (what is stored must be what was parsed)."""
    from sqlalchemy import select

    from keikaku.services.context.documents import keep_original
    from keikaku.services.core.errors import ValidationError
    from keikaku.storage import models as m

    document = session.scalar(select(m.Document).where(m.Document.sha256 == result.source.sha256))
    if document is None:
        return None
    try:
        content = original if original is not None else result.source.path
        return keep_original(session, document, content, result.source.path.name).filename
    except (ValidationError, OSError):
        return None


def merge_bundles(bundles: list[PlanData]) -> PlanData:
    """One bundle holding several: lists are concatenated; the first vision and action plan are kept."""
    if len(bundles) == 1:
        return bundles[0]
    merged = PlanData()
    for bundle in bundles:
        merged.documents.extend(bundle.documents)
        merged.plans.extend(bundle.plans)
        merged.partner_priorities.extend(bundle.partner_priorities)
        merged.warnings.extend(bundle.warnings)
        if bundle.vision is not None and merged.vision is None:
            merged.vision = bundle.vision
        if bundle.action_plan is not None and merged.action_plan is None:
            merged.action_plan = bundle.action_plan
    return merged


def interchange_json(data: PlanData) -> dict[str, object]:
    """The bundle as interchange-format JSON: unset optional fields left out, required ones always there.

    ``plan-data.schema.json`` types most optional strings as strings (not null), so ``None`` is omitted,
    except for the fields the schema requires (a plan's total, a project's budget may be null).
    """
    cleaned = _drop_none(data.model_dump(mode="json"))
    assert isinstance(cleaned, dict)
    return cleaned


_KEEP_NULL = frozenset({"total_budget_thousand_yen", "budget_thousand_yen"})


def _drop_none(node: object) -> object:
    if isinstance(node, dict):
        return {k: _drop_none(v) for k, v in node.items() if v is not None or k in _KEEP_NULL}
    if isinstance(node, list):
        return [_drop_none(v) for v in node]
    return node
