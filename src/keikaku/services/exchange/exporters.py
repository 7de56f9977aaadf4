"""One registry of every file keikaku exports, in the manner of pretix's data exporters.

An :class:`Exporter` has an identifier, a Japanese name, the formats it writes and a file name; it writes
through :mod:`keikaku.reports.files`, which owns the media type, the encoding and BOM, the atomic write and
the formula neutralisation.  The web, the API and the CLI ask the registry (:func:`get`) for a file:

* ``data``: the current plans as JSON (interchange format) or CSV;
* ``audit``: the audit trail as CSV or XLSX, for auditors;
* ``actuals_template``: the actual-value entry workbook (XLSX) or CSV;
* ``evaluation``, ``comparison``: the reports of :mod:`keikaku.reports` (HTML, PDF, XLSX);
* ``participants``: an event's participant list (CSV, personal data);
* ``registry_entries``: a communications registry with who entered each entry (CSV);
* ``directory``: a directory of firms or of visit destinations (CSV or XLSX).

``options`` are the exporter's own (a fiscal year, filters, an event id); the services behind each exporter
check the permissions and record the audit entries, as they do when called directly.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine

from keikaku.reports import Report, all_reports
from keikaku.reports.files import FileFormat, atomic_path, atomic_write, media_type, text_stream
from keikaku.services.actuals.template import build_csv_template, build_template
from keikaku.services.communications.directories import export_directory
from keikaku.services.communications.registries import export_entries_csv
from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.evaluations.reports import render_report
from keikaku.services.events.participants import export_participants_csv
from keikaku.services.exchange.export import ExportFormat, export_data
from keikaku.services.governance.audit import export_audit


@dataclass(frozen=True)
class Written:
    """What an exporter wrote: the file name it suggests, the media type, and counts (``{"plans": 3}``)."""

    filename: str
    media_type: str
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportFile(Written):
    """A rendered file: :class:`Written` and the bytes."""

    content: bytes = b""

    def save(self, path: Path) -> None:
        """Write the file to ``path`` atomically (it appears only when complete)."""
        atomic_write(path, self.content)


class Exporter(ABC):
    """Base of every exporter: subclasses set the class attributes and implement :meth:`render`."""

    identifier: str
    name: str
    formats: tuple[FileFormat, ...]

    @abstractmethod
    def render(self, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None) -> ExportFile:
        """The file in format ``fmt``."""

    def write(
        self, out: BinaryIO, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None
    ) -> Written:
        """Write the file to a binary stream."""
        file = self.render(fmt, options, actor=actor, engine=engine)
        out.write(file.content)
        return Written(file.filename, file.media_type, file.counts)

    def save(
        self, path: Path, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None
    ) -> Written:
        """Write the file to ``path`` atomically (it appears only when complete)."""
        if path.is_dir():
            raise ValidationError(f"出力先がフォルダです: {path}")
        if not path.parent.is_dir():
            raise ValidationError(f"出力先のフォルダがありません: {path.parent}")
        with atomic_path(path) as partial, partial.open("wb") as handle:
            return self.write(handle, fmt, options, actor=actor, engine=engine)


class StreamExporter(Exporter):
    """An exporter that streams its rows (large files): subclasses implement :meth:`stream` and :meth:`file_name`."""

    @abstractmethod
    def file_name(self, fmt: str, options: Mapping[str, Any]) -> str:
        """The file name suggested for a download."""

    @abstractmethod
    def stream(
        self, out: BinaryIO, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None
    ) -> dict[str, int]:
        """Write the file to ``out``; return its counts."""

    def write(
        self, out: BinaryIO, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None
    ) -> Written:
        """Write the file to a binary stream, row by row."""
        counts = self.stream(out, fmt, options, actor=actor, engine=engine)
        return Written(self.file_name(fmt, options), media_type(fmt), counts)

    def render(self, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None) -> ExportFile:
        """The file in memory."""
        out = io.BytesIO()
        written = self.write(out, fmt, options, actor=actor, engine=engine)
        return ExportFile(written.filename, written.media_type, written.counts, out.getvalue())


class DataExporter(StreamExporter):
    """The current data (plans with their KPIs and targets) of one fiscal year or all."""

    identifier = "data"
    name = "データ（JSON・CSV）"
    formats = (FileFormat.JSON, FileFormat.CSV)

    def file_name(self, fmt: str, options: Mapping[str, Any]) -> str:
        """``keikaku_<year or all>.<fmt>``."""
        return f"keikaku_{options.get('fiscal_year') or 'all'}.{fmt}"

    def stream(
        self, out: BinaryIO, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None
    ) -> dict[str, int]:
        """The plans ``actor`` may see, through :func:`~keikaku.services.exchange.export.export_data`."""
        with text_stream(out, fmt) as text:
            result = export_data(
                ExportFormat(fmt), text, viewer=actor, fiscal_year=options.get("fiscal_year"), engine=engine
            )
        return {"plans": result.plans, "rows": result.rows}


class AuditExporter(StreamExporter):
    """The audit trail, oldest first, optionally filtered (``object_type``, ``object_id``, ``actor``)."""

    identifier = "audit"
    name = "監査記録"
    formats = (FileFormat.CSV, FileFormat.XLSX)

    def file_name(self, fmt: str, options: Mapping[str, Any]) -> str:
        """``keikaku-audit.<fmt>``."""
        return f"keikaku-audit.{fmt}"

    def stream(
        self, out: BinaryIO, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None
    ) -> dict[str, int]:
        """Through :func:`~keikaku.services.governance.audit.export_audit` (auditors only)."""
        filters = {k: options.get(k) for k in ("object_type", "object_id", "actor", "since", "until")}
        return {"entries": export_audit(actor, fmt, out, engine=engine, **filters)}  # type: ignore[arg-type]


class ActualsTemplateExporter(Exporter):
    """The actual-value entry workbook of a fiscal year (``fiscal_year``; ``department`` optional)."""

    identifier = "actuals_template"
    name = "実績入力ブック"
    formats = (FileFormat.XLSX, FileFormat.CSV)

    def render(self, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None) -> ExportFile:
        """The workbook or CSV; the file name is fixed (``keikaku_actuals_<year>``), nothing else enters it."""
        year = int(options["fiscal_year"])
        builder = build_csv_template if FileFormat(fmt) is FileFormat.CSV else build_template
        viewer = options.get("viewer", actor)  # the local command line passes None: it sees every KPI
        result = builder(year, viewer=viewer, department=options.get("department"), engine=engine)
        counts = {"kpis": result.kpis, "monthly_kpis": result.monthly_kpis}
        return ExportFile(f"keikaku_actuals_{year}.{fmt}", media_type(fmt), counts, result.content)


class ReportExporter(Exporter):
    """A report of :mod:`keikaku.reports` (its options are the report's own)."""

    formats = (FileFormat.HTML, FileFormat.PDF, FileFormat.XLSX)

    def __init__(self, report: Report) -> None:
        self.identifier, self.name = report.identifier, report.title

    def render(self, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None) -> ExportFile:
        """Through :func:`~keikaku.services.evaluations.reports.render_report`."""
        rendered = render_report(self.identifier, {**options, "format": fmt}, actor=actor, engine=engine)
        return ExportFile(rendered.filename, rendered.media_type, {}, rendered.content)


class ParticipantsExporter(Exporter):
    """An event's participant list (``event_id``), personal data; the export is an audit record."""

    identifier = "participants"
    name = "参加者名簿"
    formats = (FileFormat.CSV,)

    def render(self, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None) -> ExportFile:
        """Through :func:`~keikaku.services.events.participants.export_participants_csv`."""
        event_id = int(options["event_id"])
        content = export_participants_csv(event_id, actor=actor, engine=engine)
        return ExportFile(f"participants_{event_id}.csv", media_type(fmt), {}, content)


class RegistryEntriesExporter(Exporter):
    """A communications registry's entries (``kind``) with who entered them; an audit record."""

    identifier = "registry_entries"
    name = "広報の記録"
    formats = (FileFormat.CSV,)

    def render(self, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None) -> ExportFile:
        """Through :func:`~keikaku.services.communications.registries.export_entries_csv`."""
        kind = str(options["kind"])
        content = export_entries_csv(kind, actor=actor, engine=engine)
        return ExportFile(f"{kind}.csv", media_type(fmt), {}, content)


class DirectoryExporter(Exporter):
    """A directory of firms (``directory``, ``q`` and facets) or of visit destinations (``with_contact``)."""

    identifier = "directory"
    name = "企業・訪問先の名簿"
    formats = (FileFormat.CSV, FileFormat.XLSX)

    def render(self, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None) -> ExportFile:
        """Through :func:`~keikaku.services.communications.directories.export_directory` or
        :func:`~keikaku.services.communications.visits.export_visits`."""
        from keikaku.services.communications.visits import VISITS, export_visits

        directory, q = str(options["directory"]), str(options.get("q") or "")
        if directory == VISITS:
            staff = bool(options.get("with_contact"))
            content, media = export_visits(fmt, q, with_contact=staff, viewer=actor, engine=engine)
        else:
            content, media = export_directory(directory, fmt, q, engine=engine, **dict(options.get("filters") or {}))
        return ExportFile(f"{directory}.{fmt}", media, {}, content)


_REGISTRY: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    """Add an exporter (an identifier registered twice is an error)."""
    if exporter.identifier in _REGISTRY:
        raise ValueError(f"exporter {exporter.identifier!r} is registered already")
    _REGISTRY[exporter.identifier] = exporter
    return exporter


def get(identifier: str) -> Exporter:
    """The exporter registered under ``identifier``."""
    try:
        return _REGISTRY[identifier]
    except KeyError:
        raise NotFoundError(f"書き出しの種類「{identifier}」はありません", code="exporter_not_found") from None


def all_exporters() -> list[Exporter]:
    """Every registered exporter, in registration order."""
    return list(_REGISTRY.values())


def _register_builtins() -> None:
    builtins: list[Exporter] = [DataExporter(), AuditExporter(), ActualsTemplateExporter()]
    builtins += [ReportExporter(report) for report in all_reports()]
    builtins += [ParticipantsExporter(), RegistryEntriesExporter(), DirectoryExporter()]
    for exporter in builtins:
        register(exporter)


_register_builtins()
