"""Fixtures for ingest tests: the documents folder, generated PDFs and workbooks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DOCUMENTS = Path(__file__).parent / "documents"


def has_cjk_font() -> bool:
    """True when fontconfig knows a Noto CJK font (WeasyPrint needs one to write Japanese)."""
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout
    return "Noto Sans CJK" in listing or "Noto Serif CJK" in listing


@pytest.fixture(scope="session")
def documents() -> Path:
    """This package's own test documents."""
    return DOCUMENTS


@pytest.fixture(scope="session")
def r10_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FY2028 plan (one table cell per line, radicals, full-width digits) rendered to PDF by WeasyPrint."""
    if not has_cjk_font():
        pytest.skip("no Noto CJK font: install fonts-noto-cjk to render Japanese PDFs")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import weasyprint

        target = tmp_path_factory.mktemp("pdf") / "bp_r10_cells.pdf"
        weasyprint.HTML(filename=str(DOCUMENTS / "bp_r10_cells.html")).write_pdf(str(target))
    return target
