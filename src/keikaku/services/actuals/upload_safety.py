"""The checks every uploaded file goes through before anything parses it: size, file name, XLSX archive.

Whatever channel a file comes in by (web form, API, command line), the service that reads it calls
:func:`check_upload` first:

* **Size**: at most :func:`max_upload_bytes` (``KEIKAKU_MAX_UPLOAD_BYTES``, default 10 MiB).  The web
  lets bodies of that size through on the upload routes only (see ``keikaku.web.middleware``).
* **File name**: data, never a path.  :func:`safe_filename` keeps the last component of whatever the
  client sent (``../../etc/passwd.xlsx`` → ``passwd.xlsx``, ``..\\..\\x.xlsx`` → ``x.xlsx``), drops
  control and format characters (NUL, CR/LF, bidi overrides) and leading dots, and shortens it to
  :data:`MAX_FILENAME` characters keeping the extension.  Only that name is shown or stored.
* **XLSX (a zip archive)**: before openpyxl opens it, :func:`check_xlsx_archive` reads the archive's
  directory — not its contents — and refuses a zip bomb: more than :data:`MAX_ENTRIES` entries, a total
  declared uncompressed size above :data:`MAX_TOTAL_UNCOMPRESSED`, a large entry compressed more than
  :data:`MAX_RATIO` times, and entry names that are absolute, contain ``..``, backslashes, drive letters
  or control characters, are nested deeper than :data:`MAX_DEPTH`, or repeat.  Python's ``zipfile``
  never inflates an entry beyond its declared size (an entry that lies fails its CRC check), so the
  declared sizes bound what parsing can expand to.

Every refusal is a :class:`~keikaku.services.core.errors.ValidationError` in Japanese naming the file, and for
an archive the entry, with the limit.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import PurePosixPath

from keikaku.ingest.read.archive import (
    MAX_ENTRIES,
    MAX_RATIO,
    MAX_TOTAL_UNCOMPRESSED,
    printable,
    xlsx_archive_problem,
)
from keikaku.services.core.errors import ValidationError

ENV_MAX_UPLOAD = "KEIKAKU_MAX_UPLOAD_BYTES"
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: The longest file name kept (characters, extension included).
MAX_FILENAME = 200
#: The name given to an upload whose name is empty once cleaned.
FALLBACK_NAME = "upload"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def max_upload_bytes() -> int:
    """The largest upload accepted: ``KEIKAKU_MAX_UPLOAD_BYTES`` if set to a positive number, else 10 MiB."""
    raw = os.environ.get(ENV_MAX_UPLOAD, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_UPLOAD_BYTES


def max_upload_mb_text() -> str:
    """The largest upload as the upload forms state it, in MiB (``10``, ``0.5``)."""
    return f"{max_upload_bytes() / (1024 * 1024):g}"


#: Browsers percent-encode these in the file name of a multipart upload (HTML form submission): decoded back.
_MULTIPART_ESCAPES = (("%22", '"'), ("%0D", "\r"), ("%0A", "\n"))


def safe_filename(name: object) -> str:
    """An uploaded file's name as data: its last path component, printable, without leading dots, at most
    :data:`MAX_FILENAME` characters (the extension kept), never empty."""
    text = str(name or "")
    for escaped, char in _MULTIPART_ESCAPES:
        text = text.replace(escaped, char)
    text = unicodedata.normalize("NFC", printable(text))
    base = text.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".").strip()
    if len(base) > MAX_FILENAME:
        suffix = PurePosixPath(base).suffix
        suffix = suffix if 1 < len(suffix) <= 16 else ""
        base = base[: MAX_FILENAME - len(suffix)].rstrip() + suffix
    return base or FALLBACK_NAME


def check_xlsx_archive(
    content: bytes,
    *,
    filename: str = "ブック",
    max_entries: int = MAX_ENTRIES,
    max_total: int = MAX_TOTAL_UNCOMPRESSED,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Refuse an XLSX whose zip directory shows a bomb or unsafe entry names (nothing is inflated)."""
    problem = xlsx_archive_problem(
        content, filename=filename, max_entries=max_entries, max_total=max_total, max_ratio=max_ratio
    )
    if problem is not None:
        raise ValidationError(problem.message, code=problem.code)


def check_upload(filename: object, content: bytes, *, max_bytes: int | None = None) -> str:
    """Check an uploaded file before it is parsed; return its :func:`safe_filename`, the only name to use.

    Refuses an empty or oversized file, and a zip archive (XLSX) that fails :func:`check_xlsx_archive`.
    """
    name = safe_filename(filename)
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    if len(content) > limit:
        raise ValidationError(
            f"ファイル「{name}」が大きすぎます（{len(content):,} バイト、上限 {limit:,} バイト）",
            code="file_too_large",
            details={"limit": limit},
        )
    if not content:
        raise ValidationError(f"ファイル「{name}」が空です", code="empty_file")
    if content.startswith(_ZIP_MAGIC):
        check_xlsx_archive(content, filename=name)
    return name
