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

Every refusal is a :class:`~keikaku.services.errors.ValidationError` in Japanese naming the file, and for
an archive the entry, with the limit.
"""

from __future__ import annotations

import io
import os
import unicodedata
import zipfile
from pathlib import PurePosixPath

from keikaku.services.errors import ValidationError

ENV_MAX_UPLOAD = "KEIKAKU_MAX_UPLOAD_BYTES"
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: The longest file name kept (characters, extension included).
MAX_FILENAME = 200
#: The name given to an upload whose name is empty once cleaned.
FALLBACK_NAME = "upload"
#: An XLSX written by Excel or keikaku has a dozen entries; a workbook with many sheets and images a few hundred.
MAX_ENTRIES = 1000
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024
#: The compression ratio beyond which a large entry is taken for a bomb (XML usually compresses 5–20 times).
MAX_RATIO = 100
#: Entries smaller than this are not checked for their ratio: they cannot expand to anything harmful.
RATIO_MIN_SIZE = 1024 * 1024
#: ``xl/worksheets/_rels/sheet1.xml.rels`` has four components.
MAX_DEPTH = 8
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def max_upload_bytes() -> int:
    """The largest upload accepted: ``KEIKAKU_MAX_UPLOAD_BYTES`` if set to a positive number, else 10 MiB."""
    raw = os.environ.get(ENV_MAX_UPLOAD, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_UPLOAD_BYTES


def _printable(text: str) -> str:
    """``text`` without control, format, surrogate, private-use or unassigned characters."""
    return "".join(c for c in text if not unicodedata.category(c).startswith("C"))


#: Browsers percent-encode these in the file name of a multipart upload (HTML form submission): decoded back.
_MULTIPART_ESCAPES = (("%22", '"'), ("%0D", "\r"), ("%0A", "\n"))


def safe_filename(name: object) -> str:
    """An uploaded file's name as data: its last path component, printable, without leading dots, at most
    :data:`MAX_FILENAME` characters (the extension kept), never empty."""
    text = str(name or "")
    for escaped, char in _MULTIPART_ESCAPES:
        text = text.replace(escaped, char)
    text = unicodedata.normalize("NFC", _printable(text))
    base = text.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".").strip()
    if len(base) > MAX_FILENAME:
        suffix = PurePosixPath(base).suffix
        suffix = suffix if 1 < len(suffix) <= 16 else ""
        base = base[: MAX_FILENAME - len(suffix)].rstrip() + suffix
    return base or FALLBACK_NAME


def _entry_problem(name: str) -> str | None:
    """Why an archive entry's name is unsafe, or None."""
    if not name or any(unicodedata.category(c) == "Cc" for c in name):
        return "制御文字を含む名前"
    if "\\" in name:
        return "バックスラッシュを含む名前"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "絶対パスの名前"
    parts = name.rstrip("/").split("/")
    if any(part in {"..", "."} for part in parts):
        return "「..」を含む名前"
    if len(parts) > MAX_DEPTH:
        return f"{MAX_DEPTH} 階層より深い名前"
    return None


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f}MB"


def check_xlsx_archive(
    content: bytes,
    *,
    filename: str = "ブック",
    max_entries: int = MAX_ENTRIES,
    max_total: int = MAX_TOTAL_UNCOMPRESSED,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Refuse an XLSX whose zip directory shows a bomb or unsafe entry names (nothing is inflated)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ValidationError(f"「{filename}」は Excel ブック（.xlsx）ではありません", code="format_refused") from None
    if len(entries) > max_entries:
        raise ValidationError(
            f"「{filename}」はブック内のファイルが多すぎます（{len(entries):,} 個、上限 {max_entries:,} 個）",
            code="unsafe_archive",
        )
    seen: set[str] = set()
    total = 0
    for entry in entries:
        shown = _printable(entry.filename)[:100]
        problem = _entry_problem(entry.filename)
        if problem:
            raise ValidationError(
                f"「{filename}」のブック内のファイル「{shown}」は{problem}です（展開しません）", code="unsafe_archive"
            )
        if entry.filename in seen:
            raise ValidationError(
                f"「{filename}」のブック内にファイル「{shown}」が 2 つあります（展開しません）", code="unsafe_archive"
            )
        seen.add(entry.filename)
        if entry.flag_bits & 0x1:
            raise ValidationError(
                f"「{filename}」のブック内のファイル「{shown}」は暗号化されています。パスワードを外して保存してください",
                code="unsafe_archive",
            )
        size = entry.file_size
        total += size
        if size >= RATIO_MIN_SIZE and size > max_ratio * max(entry.compress_size, 1):
            ratio = size / max(entry.compress_size, 1)
            raise ValidationError(
                f"「{filename}」のブック内のファイル「{shown}」は圧縮率が異常です（{_mb(size)} に展開、"
                f"{ratio:,.0f} 倍、上限 {max_ratio} 倍）。zip 爆弾の疑いがあるため読み込みません",
                code="zip_bomb",
            )
        if total > max_total:
            raise ValidationError(
                f"「{filename}」は展開後の大きさが上限を超えます（{shown} までで {_mb(total)}、上限 {_mb(max_total)}）。"
                "zip 爆弾の疑いがあるため読み込みません",
                code="zip_bomb",
            )


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
