"""The one contract every report follows: an identifier, a title, options, and ``render`` → file.

A report never reads the database.  It asks a :class:`ReportSource` (which the service layer
implements) for the evaluation or comparison it needs, and returns a :class:`RenderedReport`:
a file name, a media type and the bytes.  Built-in reports and later extensions register in the
same registry (:mod:`keikaku.reports.registry`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Protocol

from keikaku.evaluation.views import PlanEvaluation
from keikaku.evaluation.yoy import Comparison
from keikaku.reports.files import media_type
from keikaku.reports.html import html_to_pdf


class ReportFormat(StrEnum):
    """The file formats reports are rendered in."""

    HTML = "html"
    PDF = "pdf"
    XLSX = "xlsx"


MEDIA_TYPES = {f: media_type(f.value) for f in ReportFormat}


class ReportOptionError(ValueError):
    """An option value a report cannot use; the message is Japanese."""


@dataclass(frozen=True)
class ReportOption:
    """One option a report takes: its name, Japanese label, type, whether it is required, default, choices."""

    name: str
    label: str
    type: type = str
    required: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def parse(self, raw: object) -> object:
        """The option's value from user input (``None`` gives the default; required options must be given)."""
        if raw is None or raw == "":
            if self.required:
                raise ReportOptionError(f"{self.label}（{self.name}）を指定してください")
            return self.default
        if self.type is int:
            try:
                value: object = int(str(raw))
            except ValueError:
                raise ReportOptionError(f"{self.label} は整数で指定してください（{raw}）") from None
        else:
            value = str(raw)
        if self.choices and str(value) not in self.choices:
            raise ReportOptionError(f"{self.label} は {'、'.join(self.choices)} のいずれかです（{raw}）")
        return value


FORMAT_OPTION = ReportOption(
    "format", "形式", str, default=ReportFormat.HTML.value, choices=tuple(f.value for f in ReportFormat)
)
ISSUER_OPTION = ReportOption("issuer", "発行者", str, help="同じ年度に複数の計画があるときに指定する")


@dataclass(frozen=True)
class RenderedReport:
    """A rendered report: the suggested file name, the media type and the content."""

    filename: str
    media_type: str
    content: bytes


class ReportSource(Protocol):
    """What a report may ask for; the service layer implements it over the database."""

    def evaluation(self, fiscal_year: int, issuer: str | None = None) -> PlanEvaluation:
        """The evaluation of one plan's fiscal year."""
        ...

    def comparison(self, before: int, after: int, issuer: str | None = None) -> Comparison:
        """The comparison of two fiscal years' plans."""
        ...

    def is_draft(self, plan_id: int, fiscal_year: int) -> bool:
        """Whether the plan's evaluation of the year is not published yet (what staff read is a preview: 案)."""
        ...


class Report(ABC):
    """Base of every report type: subclasses set the class attributes and implement :meth:`render`."""

    identifier: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    options: ClassVar[tuple[ReportOption, ...]] = ()

    def parse_options(self, raw: Mapping[str, object]) -> dict[str, object]:
        """Every declared option's value from user input; unknown options are errors."""
        unknown = sorted(set(raw) - {o.name for o in self.options})
        if unknown:
            raise ReportOptionError(f"報告書「{self.title}」に次のオプションはありません: {'、'.join(unknown)}")
        return {o.name: o.parse(raw.get(o.name)) for o in self.options}

    @abstractmethod
    def render(self, source: ReportSource, options: Mapping[str, object]) -> RenderedReport:
        """Render the report with parsed options (see :meth:`parse_options`)."""


def chosen_format(options: Mapping[str, object]) -> ReportFormat:
    """The format the parsed options ask for (HTML when none)."""
    return ReportFormat(str(options.get("format") or "html"))


def chosen_issuer(options: Mapping[str, object]) -> str | None:
    """The issuer the parsed options name (None: the database's only or default issuer)."""
    issuer = options.get("issuer")
    return str(issuer) if issuer else None


def in_format(fmt: ReportFormat, stem: str, html: Callable[[bool], str], xlsx: Callable[[], bytes]) -> RenderedReport:
    """A report as the file ``<stem>.<format>``: the workbook ``xlsx()``, or ``html(printable)`` as a PDF (printable)
    or as the page itself."""
    if fmt is ReportFormat.XLSX:
        content = xlsx()
    elif fmt is ReportFormat.PDF:
        content = html_to_pdf(html(True))
    else:
        content = html(False).encode("utf-8")
    return RenderedReport(f"{stem}.{fmt.value}", MEDIA_TYPES[fmt], content)
