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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine

from keikaku.reports import Report, all_reports
from keikaku.reports.files import XLSX_MEDIA, FileFormat, atomic_path, atomic_write, attachment, media_type, text_stream
from keikaku.reports.registry import Registry
from keikaku.services.actuals.template import build_csv_template, build_template
from keikaku.services.communications.directories import export_directory
from keikaku.services.communications.registries import export_entries_csv
from keikaku.services.core.actors import Actor
from keikaku.services.core.errors import NotFoundError, ValidationError
from keikaku.services.evaluations.reports import render_report
from keikaku.services.events.participants import export_participants_csv
from keikaku.services.exchange.export import ExportFormat, export_data
from keikaku.services.governance.audit import export_audit

__all__ = ["XLSX_MEDIA", "attachment"]  # for the web and the API, which do not import the reports layer


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


Stream = Callable[[BinaryIO, str, Mapping[str, Any], Actor, "Engine | None"], dict[str, int]]


class StreamExporter(Exporter):
    """An exporter that streams its rows (large files): ``stream(out, fmt, options, actor, engine)`` writes
    them and returns the counts."""

    def __init__(
        self,
        identifier: str,
        name: str,
        formats: tuple[FileFormat, ...],
        filename: Callable[[Mapping[str, Any], str], str],
        stream: Stream,
    ) -> None:
        self.identifier, self.name, self.formats = identifier, name, formats
        self._filename, self._stream = filename, stream

    def write(
        self, out: BinaryIO, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None
    ) -> Written:
        """Write the file to a binary stream, row by row."""
        counts = self._stream(out, fmt, options, actor, engine)
        return Written(self._filename(options, fmt), media_type(fmt), counts)

    def render(self, fmt: str, options: Mapping[str, Any], *, actor: Actor, engine: Engine | None = None) -> ExportFile:
        """The file in memory."""
        out = io.BytesIO()
        written = self.write(out, fmt, options, actor=actor, engine=engine)
        return ExportFile(written.filename, written.media_type, written.counts, out.getvalue())


def _stream_data(
    out: BinaryIO, fmt: str, options: Mapping[str, Any], actor: Actor, engine: Engine | None
) -> dict[str, int]:
    with text_stream(out, fmt) as text:
        result = export_data(
            ExportFormat(fmt), text, viewer=actor, fiscal_year=options.get("fiscal_year"), engine=engine
        )
    return {"plans": result.plans, "rows": result.rows}


def _stream_audit(
    out: BinaryIO, fmt: str, options: Mapping[str, Any], actor: Actor, engine: Engine | None
) -> dict[str, int]:
    filters = {k: options.get(k) for k in ("object_type", "object_id", "actor", "since", "until")}
    return {"entries": export_audit(actor, fmt, out, engine=engine, **filters)}  # type: ignore[arg-type]


#: The current data (plans with their KPIs and targets) of one fiscal year or all, as ``actor`` may see it.
DATA = StreamExporter(
    "data",
    "データ（JSON・CSV）",
    (FileFormat.JSON, FileFormat.CSV),
    lambda options, fmt: f"keikaku_{options.get('fiscal_year') or 'all'}.{fmt}",
    _stream_data,
)
#: The audit trail, oldest first, optionally filtered (``object_type``, ``object_id``, ``actor``); auditors only.
AUDIT = StreamExporter(
    "audit", "監査記録", (FileFormat.CSV, FileFormat.XLSX), lambda options, fmt: f"keikaku-audit.{fmt}", _stream_audit
)


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


def file_exporter(
    identifier: str,
    name: str,
    formats: tuple[FileFormat, ...],
    filename: Callable[[Mapping[str, Any], str], str],
    produce: Callable[[Mapping[str, Any], Actor, Engine | None], bytes],
) -> StreamExporter:
    """An exporter whose service gives the whole file: ``produce(options, actor, engine)`` → bytes."""

    def stream(
        out: BinaryIO, fmt: str, options: Mapping[str, Any], actor: Actor, engine: Engine | None
    ) -> dict[str, int]:
        out.write(produce(options, actor, engine))
        return {}

    return StreamExporter(identifier, name, formats, filename, stream)


def _participants(options: Mapping[str, Any], actor: Actor, engine: Engine | None) -> bytes:
    return export_participants_csv(int(options["event_id"]), actor=actor, engine=engine)


def _registry_entries(options: Mapping[str, Any], actor: Actor, engine: Engine | None) -> bytes:
    return export_entries_csv(str(options["kind"]), actor=actor, engine=engine)


CSV_ONLY = (FileFormat.CSV,)
#: An event's participant list (``event_id``), personal data; the export is an audit record.
PARTICIPANTS = file_exporter(
    "participants", "参加者名簿", CSV_ONLY, lambda o, fmt: f"participants_{int(o['event_id'])}.{fmt}", _participants
)
#: A communications registry's entries (``kind``) with who entered them; an audit record.
REGISTRY_ENTRIES = file_exporter(
    "registry_entries", "広報の記録", CSV_ONLY, lambda o, fmt: f"{o['kind']}.{fmt}", _registry_entries
)


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


_REGISTRY: Registry[Exporter] = Registry("書き出しの種類")


def register(exporter: Exporter) -> Exporter:
    """Add an exporter (an identifier registered twice is an error)."""
    return _REGISTRY.register(exporter)


def get(identifier: str) -> Exporter:
    """The exporter registered under ``identifier``."""
    try:
        return _REGISTRY.get(identifier)
    except KeyError as exc:
        raise NotFoundError(str(exc.args[0]), code="exporter_not_found") from None


def all_exporters() -> list[Exporter]:
    """Every registered exporter, by identifier."""
    return _REGISTRY.all()


def _register_builtins() -> None:
    builtins: list[Exporter] = [DATA, AUDIT, ActualsTemplateExporter()]
    builtins += [ReportExporter(report) for report in all_reports()]
    builtins += [PARTICIPANTS, REGISTRY_ENTRIES, DirectoryExporter()]
    for exporter in builtins:
        register(exporter)


_register_builtins()
