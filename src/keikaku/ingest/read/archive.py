"""Checks of a zip archive (an XLSX workbook) before anything opens it: a zip bomb, unsafe entry names.

Only the archive's directory is read.  Python's ``zipfile`` never inflates an entry beyond its declared
size (an entry that lies fails its CRC check), so the declared sizes bound what parsing can expand to.
Used by the ingestion of workbooks and, through ``keikaku.services.actuals.upload_safety``, by every upload.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass

#: An XLSX written by Excel or keikaku has a dozen entries; a workbook with many sheets and images a few hundred.
MAX_ENTRIES = 1000
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024
#: The compression ratio beyond which a large entry is taken for a bomb (XML usually compresses 5–20 times).
MAX_RATIO = 100
#: Entries smaller than this are not checked for their ratio: they cannot expand to anything harmful.
RATIO_MIN_SIZE = 1024 * 1024
#: ``xl/worksheets/_rels/sheet1.xml.rels`` has four components.
MAX_DEPTH = 8


@dataclass(frozen=True)
class ArchiveProblem:
    """Why an archive is refused: a stable code and a message in Japanese naming the file and the entry."""

    code: str
    message: str


def printable(text: str) -> str:
    """``text`` without control, format, surrogate, private-use or unassigned characters."""
    return "".join(c for c in text if not unicodedata.category(c).startswith("C"))


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


def xlsx_archive_problem(
    content: bytes,
    *,
    filename: str = "ブック",
    max_entries: int = MAX_ENTRIES,
    max_total: int = MAX_TOTAL_UNCOMPRESSED,
    max_ratio: int = MAX_RATIO,
) -> ArchiveProblem | None:
    """Why an XLSX must not be opened (its zip directory shows a bomb or unsafe entry names), or None.

    Only the archive's directory is read; nothing is inflated.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return ArchiveProblem("format_refused", f"「{filename}」は Excel ブック（.xlsx）ではありません")
    if len(entries) > max_entries:
        return ArchiveProblem(
            "unsafe_archive",
            f"「{filename}」はブック内のファイルが多すぎます（{len(entries):,} 個、上限 {max_entries:,} 個）",
        )
    seen: set[str] = set()
    total = 0
    for entry in entries:
        shown = printable(entry.filename)[:100]
        problem = _entry_problem(entry.filename)
        if problem:
            return ArchiveProblem(
                "unsafe_archive", f"「{filename}」のブック内のファイル「{shown}」は{problem}です（展開しません）"
            )
        if entry.filename in seen:
            return ArchiveProblem(
                "unsafe_archive", f"「{filename}」のブック内にファイル「{shown}」が 2 つあります（展開しません）"
            )
        seen.add(entry.filename)
        if entry.flag_bits & 0x1:
            return ArchiveProblem(
                "unsafe_archive",
                f"「{filename}」のブック内のファイル「{shown}」は暗号化されています。パスワードを外して保存してください",
            )
        size = entry.file_size
        total += size
        if size >= RATIO_MIN_SIZE and size > max_ratio * max(entry.compress_size, 1):
            ratio = size / max(entry.compress_size, 1)
            return ArchiveProblem(
                "zip_bomb",
                f"「{filename}」のブック内のファイル「{shown}」は圧縮率が異常です（{_mb(size)} に展開、"
                f"{ratio:,.0f} 倍、上限 {max_ratio} 倍）。zip 爆弾の疑いがあるため読み込みません",
            )
        if total > max_total:
            return ArchiveProblem(
                "zip_bomb",
                f"「{filename}」は展開後の大きさが上限を超えます（{shown} までで {_mb(total)}、上限 {_mb(max_total)}）。"
                "zip 爆弾の疑いがあるため読み込みません",
            )
    return None
