"""Neutralise spreadsheet formula injection in exported cells.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or with a tab or carriage
return, which some spreadsheet programs strip before parsing) is read as a formula by
Excel and LibreOffice when a CSV or XLSX file is opened.  Their full-width forms
(``＝``, ``＋``, ``－``, ``＠``) count too: Japanese Excel folds full-width input to ASCII, and
text that never went through NFKC (a name given on the command line, data written by
another tool) keeps them. Every CSV and XLSX export
passes its text cells through :func:`neutralise_cell`, which prefixes such text with a
single quote so that it is shown, not run (OWASP "CSV Injection").

Numbers, dates, booleans and ``None`` pass through unchanged: they are values, not text,
and a negative number is not a formula.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Leading characters that make a spreadsheet treat a text cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def is_dangerous_text(value: object) -> bool:
    """True if ``value`` is text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise_cell(value: object) -> object:
    """Return ``value`` safe for a CSV or XLSX cell: dangerous text gets a leading ``'``.

    >>> neutralise_cell("=SUM(A1)")
    "'=SUM(A1)"
    >>> neutralise_cell(-3)
    -3
    >>> neutralise_cell("関西")
    '関西'
    """
    if is_dangerous_text(value):
        return "'" + str(value)
    return value


def neutralise_row(values: Iterable[object]) -> list[object]:
    """Neutralise every cell of a row (see :func:`neutralise_cell`)."""
    return [neutralise_cell(v) for v in values]
