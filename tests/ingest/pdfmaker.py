"""A minimal PDF writer for tests: pages of text lines with a real text layer (Type0 font + ToUnicode).

No font is embedded; the text layer maps each glyph id to its character, which is all text extraction
needs.  Also builds the broken PDFs the reader must refuse: scanned (no text), truncated, encrypted.
"""

from __future__ import annotations

import zlib


def _obj(number: int, body: bytes) -> bytes:
    return f"{number} 0 obj\n".encode() + body + b"\nendobj\n"


def _hex(text: str, glyphs: dict[str, int]) -> str:
    return "".join(f"{glyphs.setdefault(ch, len(glyphs) + 1):04X}" for ch in text)


def _to_unicode(glyphs: dict[str, int]) -> bytes:
    entries = []
    for ch, gid in sorted(glyphs.items(), key=lambda item: item[1]):
        utf16 = ch.encode("utf-16-be").hex().upper()
        entries.append(f"<{gid:04X}> <{utf16}>")
    chunks = [entries[i : i + 100] for i in range(0, len(entries), 100)]
    body = "".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks)
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + body
        + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
    return cmap.encode()


def make_pdf(pages: list[list[str]], *, encrypt: bool = False, image_only_pages: frozenset[int] = frozenset()) -> bytes:
    """A PDF whose pages hold the given lines as text (pages in ``image_only_pages``, 1-based, hold none)."""
    glyphs: dict[str, int] = {}
    streams: list[bytes] = []
    for number, lines in enumerate(pages, start=1):
        if number in image_only_pages:
            streams.append(b"q 0.5 g 50 50 400 600 re f Q")
            continue
        ops = ["BT", "/F1 10 Tf", "14 TL", "40 800 Td"]
        for line in lines:
            ops.append(f"<{_hex(line, glyphs)}> Tj T*")
        ops.append("ET")
        streams.append("\n".join(ops).encode())
    objects: list[bytes] = []
    count = len(pages)
    # 1 catalog, 2 pages, 3 font, 4 descendant, 5 tounicode, 6 descriptor, then page/content pairs.
    kids = " ".join(f"{7 + 2 * i} 0 R" for i in range(count))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /TestFont /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 5 0 R >>"
    )
    objects.append(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestFont /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        b" /FontDescriptor 6 0 R /DW 1000 /CIDToGIDMap /Identity >>"
    )
    cmap = zlib.compress(_to_unicode(glyphs))
    objects.append(f"<< /Length {len(cmap)} /Filter /FlateDecode >>\nstream\n".encode() + cmap + b"\nendstream")
    objects.append(
        b"<< /Type /FontDescriptor /FontName /TestFont /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
    )
    for index, stream in enumerate(streams):
        content = 8 + 2 * index
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    encrypt_ref = b""
    if encrypt:
        objects.append(
            b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <" + b"A" * 64 + b"> /U <" + b"B" * 64 + b"> >>"
        )
        encrypt_ref = f" /Encrypt {len(objects)} 0 R /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>]".encode()
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += _obj(number, body)
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R".encode() + encrypt_ref + b" >>\n"
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def truncated(pdf: bytes) -> bytes:
    """The first half of a PDF, as an interrupted download leaves it."""
    return pdf[: len(pdf) // 2]
