"""HTML rendering with Jinja templates, and PDF from the same HTML with WeasyPrint.

The PDF embeds Noto Sans CJK (Debian's fonts-noto-cjk), numbers its pages and fills the table of
contents with page numbers through CSS (``target-counter``).  It is PDF/UA-1: tagged (headings, tables,
lists and the charts as figures with their titles as alternative text), marked, with the document's
language and title, so that a screen reader gets the report's structure.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from keikaku.evaluation.achievement import format_ratio, format_value
from keikaku.evaluation.types import Status
from keikaku.normalize.date_style import house_date, house_fiscal_year, house_moment


def money(value: float | None) -> str:
    """千円 with thousands separators (``100,674``); ``—`` when unknown."""
    return "—" if value is None else f"{round(value):,}"


def signed_money(value: float | None) -> str:
    """A change in 千円 with its sign (``+2,502``)."""
    return "—" if value is None else f"{round(value):+,}"


def percent(value: float | None) -> str:
    """A percentage with its sign and one decimal (``+186.9%``)."""
    return "—" if value is None else f"{value:+.1f}%"


def status_class(status: Status | None) -> str:
    """The CSS class of a status badge."""
    names = {
        Status.ACHIEVED: "achieved",
        Status.MOSTLY_ACHIEVED: "mostly",
        Status.NOT_ACHIEVED: "not-achieved",
        Status.NOT_MEASURED: "not-measured",
        Status.UNDETERMINABLE: "undeterminable",
        Status.EVALUATING: "evaluating",
    }
    return names.get(status, "none") if status else "none"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment of the report templates (autoescaped, strict about undefined names)."""
    env = Environment(
        loader=PackageLoader("keikaku.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money,
        signed_money=signed_money,
        percent=percent,
        ratio=format_ratio,
        value=format_value,
        status_class=status_class,
        fy=house_fiscal_year,
        date=house_date,
        moment=house_moment,
    )
    return env


def render_html(template: str, **context: object) -> str:
    """Render a report template to HTML text."""
    return environment().get_template(template).render(**context)


#: WeasyPrint's PDF/UA variant: it tags the document and sets ``MarkInfo``, ``Lang`` (from ``<html lang>``)
#: and ``DisplayDocTitle``.
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str) -> bytes:
    """The PDF of a report's HTML (A4, Japanese fonts embedded, page numbers, table of contents, tagged)."""
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT))
