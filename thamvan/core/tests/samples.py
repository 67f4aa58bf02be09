"""Sample files for tests, built in memory: valid documents and hostile ones.

Every helper returns bytes; ``as_upload`` wraps them as a Django upload with a
chosen name. The hostile samples stay small on disk and in memory: the zip bombs
repeat one pre-compressed block instead of compressing hundreds of megabytes.

Valid: ``pdf_bytes``, ``docx_bytes``, ``xlsx_bytes``, ``png_bytes``, ``jpeg_bytes``,
``zip_bytes``, ``csv_bytes``, ``txt_bytes``, ``geojson_bytes``,
``owner_password_pdf_bytes``.

Hostile or broken: ``empty_bytes``, ``text_bytes`` (name it .pdf), ``exe_bytes`` /
``elf_bytes`` (name them .docx), ``ole_doc_bytes``, ``zip_bomb_docx_bytes``,
``lying_zip_bomb_docx_bytes``, ``too_many_entries_zip_bytes``,
``path_traversal_zip_bytes``, ``encrypted_zip_bytes``, ``symlink_zip_bytes``,
``billion_laughs_xlsx_bytes``, ``external_entity_docx_bytes``, ``macro_docx_bytes``,
``password_pdf_bytes``, ``truncated_pdf_bytes``, ``pdf_without_pages_bytes``,
``windows_1258_csv_bytes``; ``xlsx_running_to_row`` and ``xlsx_with_raw_number`` turn
a valid workbook into a hostile one.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import docx
import openpyxl
import openpyxl.styles
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

MIB = 1024 * 1024

# A square of about 110 m around Hoàn Kiếm lake, Hà Nội.
HOAN_KIEM_SQUARE: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [
        [
            [105.851, 21.028],
            [105.852, 21.028],
            [105.852, 21.029],
            [105.851, 21.029],
            [105.851, 21.028],
        ]
    ],
}


def as_upload(
    data: bytes, name: str, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    """Wrap bytes as an uploaded file; the content type is what a browser might claim."""
    return SimpleUploadedFile(name, data, content_type=content_type)


# ---------------------------------------------------------------------------
# Valid files
# ---------------------------------------------------------------------------


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def owner_password_pdf_bytes() -> bytes:
    """A PDF with only an owner password: anyone can open it, printing may be restricted."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes(text: str = "Thuyết minh quy hoạch phân khu đô thị N9, tỷ lệ 1/2000") -> bytes:
    document = docx.Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(rows: Sequence[Sequence[object]] | None = None) -> bytes:
    if rows is None:
        rows = [
            ("Họ và tên", "Chuyên ngành", "Email"),
            ("Trần Quốc Bảo", "Quy hoạch đô thị", "bao@example.vn"),
        ]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_running_to_row(data: bytes, last_row: int = 1_000_000) -> bytes:
    """The workbook with a formatted blank cell at ``last_row``: a sheet of a million rows.

    The file stays a few kilobytes; a reader sees every row up to ``last_row``.
    """
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    sheet.cell(last_row, 1).fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_with_raw_number(data: bytes, number: int, raw: str) -> bytes:
    """The workbook with the number cell ``number`` stored as ``raw`` ("1E999", "abc").

    Excel never writes these; a hand-edited or generated file can.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                old, new = f"<v>{number}</v>".encode(), f"<v>{raw}</v>".encode()
                assert content.count(old) == 1, "the number must appear in exactly one cell"
                content = content.replace(old, new)
            target.writestr(item, content)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """An opaque grey RGB image."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_bytes() -> bytes:
    """A baseline 8×8 mid-grey JPEG, written by hand so that no imaging library is needed.

    With uniform grey every DCT coefficient is zero, so one-symbol Huffman tables
    suffice and the scan is two one-bit codes (DC 0, end of block) padded with ones.
    """
    return (
        b"\xff\xd8"
        + _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _jpeg_segment(0xDB, b"\x00" + bytes([1] * 64))
        + _jpeg_segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00")
        + _jpeg_segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")
        + _jpeg_segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
        + _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"
        + b"\xff\xd9"
    )


def zip_bytes(files: Mapping[str, bytes] | None = None) -> bytes:
    if files is None:
        files = {
            "ban-ve/QH-N9-su-dung-dat.pdf": pdf_bytes(),
            "thuyet-minh/ghi-chu.txt": "Hồ sơ kèm theo".encode(),
        }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[object]] | None = None, *, bom: bool = False) -> bytes:
    if rows is None:
        rows = [
            ("Họ và tên", "Chuyên ngành", "Email"),
            ("Lê Thị Mai", "Giao thông đô thị", "mai@example.vn"),
        ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def windows_1258_csv_bytes() -> bytes:
    """What Excel's plain "CSV" type writes on a Vietnamese Windows: not UTF-8."""
    # Windows-1258 has the letters with quality marks (ê, ơ, đ) but writes most
    # tone marks as separate combining characters, hence the explicit dot below.
    return "Tên,Đơn vi\u0323,Ghi chú\r\nMai,Sơ\u0309 Quy hoa\u0323ch,\r\n".encode("cp1258")


def txt_bytes(text: str = "Ý kiến góp ý về đồ án quy hoạch phân khu N9.\n") -> bytes:
    return text.encode()


def geojson_bytes(geometry: Mapping[str, Any] | None = None) -> bytes:
    feature = {
        "type": "Feature",
        "properties": {"name": "Khu vực hồ Hoàn Kiếm"},
        "geometry": dict(geometry) if geometry is not None else HOAN_KIEM_SQUARE,
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


# ---------------------------------------------------------------------------
# Wrong or broken content
# ---------------------------------------------------------------------------


def empty_bytes() -> bytes:
    return b""


def text_bytes() -> bytes:
    """Plain text, for the "text renamed .pdf" case."""
    return "Đây là một tệp văn bản, không phải PDF.\n".encode()


def exe_bytes() -> bytes:
    """The start of a Windows program (DOS stub and PE header), for "program renamed .docx"."""
    stub = bytearray(b"MZ" + bytes(58) + struct.pack("<I", 64))
    stub += b"PE\x00\x00" + struct.pack("<HH", 0x8664, 0) + bytes(200)
    return bytes(stub)


def elf_bytes() -> bytes:
    """The start of a Linux program."""
    return b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 0x3E, 1) + bytes(200)


def ole_doc_bytes() -> bytes:
    """The header of an old binary Office file (.doc/.xls)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def truncated_pdf_bytes() -> bytes:
    """A PDF cut off halfway, as after an interrupted upload."""
    data = pdf_bytes()
    return data[: len(data) // 2]


def password_pdf_bytes(password: str = "matkhau") -> bytes:
    """A PDF that cannot be opened without a password."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_without_pages_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pages = writer.root_object["/Pages"].get_object()
    assert isinstance(pages, DictionaryObject)
    pages[NameObject("/Kids")] = ArrayObject()
    pages[NameObject("/Count")] = NumberObject(0)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Hand-built ZIP archives
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RawEntry:
    """One entry of a hand-built ZIP; the declared values may lie about the data.

    ``compressed`` is the raw stored or deflated data as written. ``size``,
    ``compressed_size`` and ``crc`` are what the headers declare (the real values
    by default); ``central_extra`` is the central directory's extra field.
    ``local_name`` lets the local header name differ from the central directory's.
    """

    name: str
    compressed: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    create_system: int = 0
    external_attr: int = 0
    local_name: str | None = None
    compressed_size: int | None = None
    central_extra: bytes = b""
    comment: bytes = b""

    @classmethod
    def of(cls, name: str, data: bytes, *, method: int = zipfile.ZIP_DEFLATED) -> RawEntry:
        if method == zipfile.ZIP_STORED:
            compressed = data
        else:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
            compressed = compressor.compress(data) + compressor.flush()
        return cls(name, compressed, len(data), zlib.crc32(data), method=method)


def zip64_extra(*values: int) -> bytes:
    """A ZIP64 extended-information extra field holding the given 64-bit values."""
    return struct.pack("<HH", 0x0001, 8 * len(values)) + b"".join(
        struct.pack("<Q", value) for value in values
    )


def raw_zip(entries: Iterable[RawEntry], *, prefix: bytes = b"", zip64_end: bool = False) -> bytes:
    """Write a ZIP archive byte by byte, trusting every declared value.

    ``prefix`` is written before the archive, as a self-extracting stub would be,
    with offsets relative to the archive. ``zip64_end`` adds the ZIP64 end
    records and puts placeholders in the classic one, as large archives do.
    """
    out = io.BytesIO()
    out.write(prefix)
    central = io.BytesIO()
    count = 0
    for entry in entries:
        count += 1
        name = entry.name.encode()
        local_name = (entry.local_name if entry.local_name is not None else entry.name).encode()
        flags = entry.flags | (0x800 if not entry.name.isascii() else 0)
        compressed_size = (
            len(entry.compressed) if entry.compressed_size is None else entry.compressed_size
        )
        offset = out.tell() - len(prefix)
        out.write(
            struct.pack(
                "<4s2B4HL2L2H",
                b"PK\x03\x04",
                20,
                0,
                flags,
                entry.method,
                0,
                0x5A21,
                entry.crc,
                min(compressed_size, 0xFFFFFFFF),
                min(entry.size, 0xFFFFFFFF),
                len(local_name),
                0,
            )
        )
        out.write(local_name)
        out.write(entry.compressed)
        central.write(
            struct.pack(
                "<4s4B4HL2L5H2L",
                b"PK\x01\x02",
                20,
                entry.create_system,
                20,
                0,
                flags,
                entry.method,
                0,
                0x5A21,
                entry.crc,
                min(compressed_size, 0xFFFFFFFF),
                min(entry.size, 0xFFFFFFFF),
                len(name),
                len(entry.central_extra),
                len(entry.comment),
                0,
                0,
                entry.external_attr,
                offset,
            )
        )
        central.write(name)
        central.write(entry.central_extra)
        central.write(entry.comment)
    directory = central.getvalue()
    directory_offset = out.tell() - len(prefix)
    out.write(directory)
    if zip64_end:
        record_offset = out.tell() - len(prefix)
        out.write(
            struct.pack(
                "<4sQ2H2L4Q",
                b"PK\x06\x06",
                44,
                45,
                45,
                0,
                0,
                count,
                count,
                len(directory),
                directory_offset,
            )
        )
        out.write(struct.pack("<4sLQL", b"PK\x06\x07", 0, record_offset, 1))
        out.write(
            struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
        )
    else:
        out.write(
            struct.pack(
                "<4s4H2LH",
                b"PK\x05\x06",
                0,
                0,
                min(count, 0xFFFF),
                min(count, 0xFFFF),
                len(directory),
                directory_offset,
                0,
            )
        )
    return out.getvalue()


def zip_entries(data: bytes) -> list[RawEntry]:
    """The entries of an archive (written by zipfile) as RawEntry, to rebuild or alter it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [RawEntry.of(info.filename, archive.read(info)) for info in archive.infolist()]


def replace_parts(data: bytes, parts: Mapping[str, bytes | None]) -> bytes:
    """A copy of an archive with some entries replaced, added or (None) removed."""
    entries = [entry for entry in zip_entries(data) if entry.name not in parts]
    entries += [
        RawEntry.of(name, content) for name, content in parts.items() if content is not None
    ]
    return raw_zip(entries)


@functools.cache
def _zeros_deflated(mib: int) -> tuple[bytes, int]:
    """Raw deflate data for ``mib`` MiB of zeros, and its CRC-32, built in milliseconds.

    A full flush leaves the compressor byte-aligned with an empty history, so the
    output for every further mebibyte of zeros is the same bytes: compress one and
    repeat it. The CRC is computed over a reused buffer, so memory stays at 1 MiB.
    """
    block = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    final_empty_block = b"\x03\x00"
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    return repeated * mib + final_empty_block, crc


def _docx_with_bomb(unpacked_mib: int, declared_size: int | None) -> bytes:
    compressed, crc = _zeros_deflated(unpacked_mib)
    size = unpacked_mib * MIB if declared_size is None else declared_size
    bomb = RawEntry("word/media/image1.bin", compressed, size=size, crc=crc)
    return raw_zip([*zip_entries(docx_bytes()), bomb])


def zip_bomb_docx_bytes(unpacked_mib: int = 600) -> bytes:
    """A real DOCX plus one entry that honestly declares ``unpacked_mib`` MiB of zeros.

    About 0.6 MB on disk for the default 600 MiB.
    """
    return _docx_with_bomb(unpacked_mib, None)


def lying_zip_bomb_docx_bytes(unpacked_mib: int = 600, declared_size: int = 1024) -> bytes:
    """Like ``zip_bomb_docx_bytes``, but both headers claim the entry is ``declared_size`` bytes.

    Only a decompressor that counts what it actually produces can stop it.
    """
    return _docx_with_bomb(unpacked_mib, declared_size)


def too_many_entries_zip_bytes(entries: int = 5001) -> bytes:
    """A ZIP of ``entries`` tiny stored files (about 100 bytes each on disk)."""
    return raw_zip(
        RawEntry.of(f"f/{index:07d}.txt", b"x", method=zipfile.ZIP_STORED)
        for index in range(entries)
    )


def path_traversal_zip_bytes(entry_name: str = "../../etc/cron.d/evil") -> bytes:
    return raw_zip(
        [RawEntry.of("readme.txt", b"ok"), RawEntry.of(entry_name, b"* * * * * root sh")]
    )


def encrypted_zip_bytes() -> bytes:
    """A ZIP whose entry is marked as encrypted with a password (traditional PKWARE)."""
    entry = RawEntry.of("bao-cao.pdf", b"\x00" * 12 + b"ciphertext")
    return raw_zip([dataclasses.replace(entry, flags=0x1)])


def symlink_zip_bytes(target: str = "/etc/passwd") -> bytes:
    """A ZIP holding a Unix symbolic link, which extraction would follow."""
    link = RawEntry.of("link", target.encode(), method=zipfile.ZIP_STORED)
    unix_link = (0o120777 << 16) | 0
    return raw_zip([dataclasses.replace(link, create_system=3, external_attr=unix_link)])


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def billion_laughs_xlsx_bytes(part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A real XLSX whose ``part`` starts with nested entity declarations (billion laughs).

    The rest of the part is kept, with the entity used in a cell, so only the
    declarations make it hostile.
    """
    original = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        xml = archive.read(part)
    body = xml.split(b"?>", 1)[-1].lstrip()
    if part.endswith("sheet1.xml"):
        body = body.replace(b"<v>", b"<v>&lol9;", 1) if b"<v>" in body else body
    return replace_parts(original, {part: BILLION_LAUGHS + body})


def external_entity_docx_bytes(part: str = "word/document.xml") -> bytes:
    """A real DOCX whose ``part`` declares an external entity pointing at a local file."""
    original = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        xml = archive.read(part)
    body = xml.split(b"?>", 1)[-1].lstrip()
    doctype = b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    return replace_parts(original, {part: doctype + body})


def macro_docx_bytes() -> bytes:
    """A DOCX carrying a VBA project, as a .docm renamed .docx would."""
    return replace_parts(docx_bytes(), {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(60)})
