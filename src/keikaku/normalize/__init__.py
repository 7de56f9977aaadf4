"""Japanese text, numbers, amounts, era dates and KPI lines: the one place keikaku reads them.

Every part of keikaku (document readers, web forms, spreadsheet imports, search) uses this package
and re-implements none of it.  Everything public is exported here:

* text: :func:`normalize_text` (once, at the edge), :func:`strip_markup`, :func:`normalize_line`,
  :func:`fold_for_search`, :func:`fold_radicals`;
* numbers: :func:`parse_number`, :func:`parse_quantity` (:class:`Quantity`), :func:`unit_scale`,
  :func:`canonical_unit`, :func:`unit_kind`, :func:`numeral_value`, :func:`value_as_written`;
* amounts: :func:`parse_amount` (:class:`Amount`), :func:`find_amounts` (:class:`AmountMatch`);
* eras and fiscal years: :func:`era_to_gregorian`, :func:`gregorian_to_era`, :func:`parse_fiscal_year`,
  :func:`parse_year`, :func:`format_fiscal_year`, :func:`parse_start_year` (:class:`StartYear`);
* dates: :func:`parse_date` (:class:`ParsedDate`), :func:`parse_date_range` (:class:`DateRange`),
  :func:`find_dates` (:class:`DateMatch`);
* KPIs: :func:`parse_kpi`, :func:`parse_kpis`, :func:`parse_kpi_reference`, :func:`parse_kpi_derivation`,
  :func:`kpi_kind`;
* errors: :class:`NormalizeError` (a ``ValueError``), raised with a Japanese message and English in
  parentheses naming the input.

Functions that parse a whole string normalise it first, so raw input is fine; ``find_*`` functions
return spans into the normalised line.  Only the standard library, Pydantic (through
:mod:`keikaku.domain`) and :mod:`keikaku.domain` are used.
"""

from keikaku.normalize.amounts import Amount, AmountMatch, find_amounts, oversized_amounts, parse_amount
from keikaku.normalize.dates import DateMatch, DateRange, ParsedDate, find_dates, parse_date, parse_date_range
from keikaku.normalize.eras import (
    StartYear,
    era_to_gregorian,
    format_fiscal_year,
    gregorian_to_era,
    parse_fiscal_year,
    parse_start_year,
    parse_year,
)
from keikaku.normalize.errors import NormalizeError
from keikaku.normalize.kpi import kpi_kind, parse_kpi, parse_kpis
from keikaku.normalize.kpi_reference import parse_kpi_derivation, parse_kpi_reference
from keikaku.normalize.numbers import (
    Quantity,
    canonical_unit,
    numeral_value,
    parse_number,
    parse_quantity,
    unit_scale,
    value_as_written,
)
from keikaku.normalize.radicals import fold_radicals
from keikaku.normalize.text import fold_for_search, normalize_line, normalize_text, strip_markup
from keikaku.normalize.units import unit_kind

__all__ = [
    "Amount",
    "AmountMatch",
    "DateMatch",
    "DateRange",
    "NormalizeError",
    "ParsedDate",
    "Quantity",
    "StartYear",
    "canonical_unit",
    "era_to_gregorian",
    "find_amounts",
    "find_dates",
    "fold_for_search",
    "fold_radicals",
    "format_fiscal_year",
    "gregorian_to_era",
    "kpi_kind",
    "normalize_line",
    "normalize_text",
    "numeral_value",
    "oversized_amounts",
    "parse_amount",
    "parse_date",
    "parse_date_range",
    "parse_fiscal_year",
    "parse_kpi",
    "parse_kpi_derivation",
    "parse_kpi_reference",
    "parse_kpis",
    "parse_number",
    "parse_quantity",
    "parse_start_year",
    "parse_year",
    "strip_markup",
    "unit_kind",
    "unit_scale",
    "value_as_written",
]
