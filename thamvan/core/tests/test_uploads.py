"""Upload checks: every accepted kind, every refusal code, and hostile archives."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import pickle
import re
import sys
import time
import tracemalloc
import types
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any, cast
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.formats import number_format
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from thamvan.core import uploads
from thamvan.core.tests import samples
from thamvan.core.uploads import (
    BOUNDARY_KINDS,
    DOCUMENT_KINDS,
    IMPORT_KINDS,
    CheckedUpload,
    UploadRejected,
    check_upload,
    generated_key,
    safe_content_disposition,
)

ALL_KINDS = frozenset(uploads.KINDS)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # Messages are asserted in their English source form, whatever the .po holds.
    with translation.override("en"):
        yield


def check(
    data: bytes, name: str | None, allowed: frozenset[str] = ALL_KINDS, **kwargs: Any
) -> CheckedUpload:
    return check_upload(io.BytesIO(data), allowed=allowed, filename=name, **kwargs)


def refusal(
    data: bytes, name: str | None, allowed: frozenset[str] = ALL_KINDS, **kwargs: Any
) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        check(data, name, allowed, **kwargs)
    return caught.value


def message(error: ValidationError) -> str:
    return error.messages[0]


# ---------------------------------------------------------------------------
# Accepted files
# ---------------------------------------------------------------------------

ACCEPTED: list[tuple[Callable[[], bytes], str, str, str, str]] = [
    (samples.pdf_bytes, "Thuyết minh QH phân khu N9.pdf", "pdf", "application/pdf", "pdf"),
    (lambda: samples.pdf_bytes(pages=3), "ban-ve.PDF", "pdf", "application/pdf", "pdf"),
    (samples.owner_password_pdf_bytes, "chi-doc.pdf", "pdf", "application/pdf", "pdf"),
    (samples.docx_bytes, "Báo cáo thẩm định.docx", "docx", DOCX_TYPE, "docx"),
    (samples.xlsx_bytes, "Danh sách chuyên gia.xlsx", "xlsx", XLSX_TYPE, "xlsx"),
    (samples.png_bytes, "so-do-vi-tri.png", "png", "image/png", "png"),
    (samples.jpeg_bytes, "anh-hien-trang.jpg", "jpeg", "image/jpeg", "jpg"),
    (samples.jpeg_bytes, "anh-hien-trang.JPEG", "jpeg", "image/jpeg", "jpg"),
    (samples.zip_bytes, "ho-so-kem-theo.zip", "zip", "application/zip", "zip"),
    (samples.csv_bytes, "chuyen-gia.csv", "csv", "text/csv", "csv"),
    (lambda: samples.csv_bytes(bom=True), "chuyen-gia-bom.csv", "csv", "text/csv", "csv"),
    (samples.txt_bytes, "y-kien.txt", "txt", "text/plain", "txt"),
    (samples.geojson_bytes, "ranh-gioi.geojson", "geojson", "application/geo+json", "geojson"),
    (samples.geojson_bytes, "ranh-gioi.json", "geojson", "application/geo+json", "geojson"),
]


@pytest.mark.parametrize(("factory", "name", "kind", "content_type", "extension"), ACCEPTED)
def test_accepts_valid_files(
    factory: Callable[[], bytes], name: str, kind: str, content_type: str, extension: str
) -> None:
    data = factory()
    assert check(data, name) == CheckedUpload(
        kind=kind,
        content_type=content_type,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def test_kind_sets() -> None:
    assert frozenset({"pdf", "docx", "xlsx", "png", "jpeg", "zip"}) == DOCUMENT_KINDS
    assert frozenset({"xlsx", "csv"}) == IMPORT_KINDS
    assert frozenset({"geojson"}) == BOUNDARY_KINDS
    assert check(samples.xlsx_bytes(), "a.xlsx", IMPORT_KINDS).kind == "xlsx"
    assert check(samples.csv_bytes(), "a.csv", IMPORT_KINDS).kind == "csv"
    assert check(samples.geojson_bytes(), "a.geojson", BOUNDARY_KINDS).kind == "geojson"


def test_the_browser_content_type_is_ignored() -> None:
    upload = samples.as_upload(samples.text_bytes(), "x.pdf", content_type="application/pdf")
    with pytest.raises(UploadRejected) as caught:
        check_upload(upload, allowed=DOCUMENT_KINDS)
    assert caught.value.code == "type_mismatch"
    pdf = samples.as_upload(samples.pdf_bytes(), "x.pdf", content_type="text/plain")
    assert check_upload(pdf, allowed=DOCUMENT_KINDS).content_type == "application/pdf"


# ---------------------------------------------------------------------------
# File objects, names and rewinding
# ---------------------------------------------------------------------------


def test_reads_from_the_start_and_rewinds() -> None:
    data = samples.pdf_bytes()
    stream = io.BytesIO(data)
    stream.seek(100)
    assert check_upload(stream, allowed=DOCUMENT_KINDS, filename="a.pdf").size == len(data)
    assert stream.tell() == 0


def test_rewinds_after_a_refusal() -> None:
    stream = io.BytesIO(samples.text_bytes())
    with pytest.raises(UploadRejected):
        check_upload(stream, allowed=DOCUMENT_KINDS, filename="a.pdf")
    assert stream.tell() == 0


def test_uses_the_upload_name_unless_a_filename_is_given() -> None:
    upload = SimpleUploadedFile("Tờ trình.docx", samples.docx_bytes())
    assert check_upload(upload, allowed=DOCUMENT_KINDS).kind == "docx"
    upload.seek(0)
    with pytest.raises(UploadRejected) as caught:
        check_upload(upload, allowed=DOCUMENT_KINDS, filename="Tờ trình.pdf")
    assert message(caught.value) == (
        "The file “Tờ trình.pdf” is not a PDF document: its content looks like a Word "
        "document (.docx)."
    )


def test_accepts_uploads_stored_on_disk() -> None:
    data = samples.xlsx_bytes()
    upload = TemporaryUploadedFile("ds.xlsx", XLSX_TYPE, len(data), None)
    try:
        upload.write(data)
        upload.flush()
        result = check_upload(upload, allowed=IMPORT_KINDS)
        assert result.kind == "xlsx"
        assert upload.tell() == 0
        assert upload.read() == data
    finally:
        upload.close()


def test_accepts_django_file_wrappers() -> None:
    data = samples.png_bytes()
    assert check_upload(ContentFile(data, name="a.png"), allowed=DOCUMENT_KINDS).kind == "png"
    wrapped = File(io.BytesIO(data), name="folder/b.png")
    assert check_upload(wrapped, allowed=DOCUMENT_KINDS).kind == "png"


def test_a_stream_without_a_name_skips_the_extension_check() -> None:
    assert check_upload(io.BytesIO(samples.pdf_bytes()), allowed=DOCUMENT_KINDS).kind == "pdf"
    error = refusal(b"", None)
    assert message(error) == (
        "The file “unnamed file” is empty. Check that you chose the right file and upload it again."
    )


def test_text_without_a_name_is_the_first_allowed_text_kind() -> None:
    assert check(samples.csv_bytes(), None, frozenset({"csv", "txt"})).kind == "csv"
    assert check(samples.txt_bytes(), None, frozenset({"txt"})).kind == "txt"
    assert check(samples.geojson_bytes(), None, ALL_KINDS).kind == "geojson"
    assert check(samples.csv_bytes(), None, frozenset({"geojson", "csv"})).kind == "csv"
    assert refusal(samples.txt_bytes(), None, DOCUMENT_KINDS).code == "not_allowed"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("C:\\fakepath\\Báo cáo.pdf", "Báo cáo.pdf"),
        ("../../etc/Báo cáo.pdf", "Báo cáo.pdf"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),
        ("Báo\r\ncáo\u202e.pdf", "Báo cáo .pdf"),
        ("x" * 200 + ".pdf", "x" * 80 + "…" + "x" * 35 + ".pdf"),
    ],
)
def test_names_in_messages_are_cleaned(raw: str, shown: str) -> None:
    error = refusal(b"", raw)
    assert error.params is not None
    assert error.params["name"] == shown


def test_refuses_programming_errors() -> None:
    with pytest.raises(ValueError, match="allowed"):
        check(samples.pdf_bytes(), "a.pdf", frozenset({"pdf", "exe"}))
    with pytest.raises(ValueError, match="allowed"):
        check(samples.pdf_bytes(), "a.pdf", frozenset())

    class Unseekable(io.BytesIO):
        def seekable(self) -> bool:
            return False

    with pytest.raises(ValueError, match="seekable"):
        check_upload(Unseekable(b"x"), allowed=DOCUMENT_KINDS, filename="a.pdf")


def test_reads_in_bounded_chunks() -> None:
    data = samples.csv_bytes([("Hà Nội", index) for index in range(200_000)])
    sizes: list[int] = []

    class Spy(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            sizes.append(-1 if size is None else size)
            return super().read(size)

    assert len(data) > 2 * MIB
    check_upload(Spy(data), allowed=IMPORT_KINDS, filename="big.csv")
    assert sizes
    assert all(0 <= size <= 64 * 1024 for size in sizes)


def test_upload_rejected_is_a_validation_error() -> None:
    error = refusal(b"", "a.pdf")
    assert isinstance(error, ValidationError)
    assert error.code == "empty"
    assert error.messages == [message(error)]


# ---------------------------------------------------------------------------
# Empty and too large
# ---------------------------------------------------------------------------


def test_refuses_an_empty_file() -> None:
    error = refusal(samples.empty_bytes(), "Tờ trình.pdf")
    assert error.code == "empty"
    assert message(error) == (
        "The file “Tờ trình.pdf” is empty. Check that you chose the right file and upload it again."
    )


def test_refuses_a_file_over_max_bytes() -> None:
    data = samples.pdf_bytes()
    assert check(data, "a.pdf", max_bytes=len(data)).kind == "pdf"
    error = refusal(data, "a.pdf", max_bytes=len(data) - 1)
    assert error.code == "too_large"


def test_too_large_uses_the_setting_and_names_the_limit_in_mb(settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 2 * MIB
    data = b"%PDF-1.7\n" + bytes(2 * MIB)
    error = refusal(data, "Bản vẽ.pdf")
    assert error.code == "too_large"
    assert message(error) == (
        "The file “Bản vẽ.pdf” is larger than the limit of 2 MB. Reduce its size or split it "
        "into smaller files, then upload it again."
    )
    half = number_format(Decimal("0.5"))
    assert f"limit of {half} MB." in message(refusal(data, "a.pdf", max_bytes=MIB // 2))


def test_too_large_stops_reading_at_the_limit() -> None:
    read = 0

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def readinto(self, buffer: Any) -> int:
            nonlocal read
            read += len(buffer)
            buffer[:] = bytes(len(buffer))
            return len(buffer)

    with pytest.raises(UploadRejected) as caught:
        check_upload(
            cast(IO[bytes], Endless()), allowed=DOCUMENT_KINDS, filename="a.pdf", max_bytes=MIB
        )
    assert caught.value.code == "too_large"
    assert read <= MIB + 64 * 1024


def test_limit_in_mb_follows_the_project_number_format() -> None:
    # The project writes numbers the Vietnamese way in both languages.
    tiny = refusal(samples.pdf_bytes(), "a.pdf", max_bytes=150)
    big = refusal(bytes(3 * MIB), "a.pdf", max_bytes=int(2.5 * MIB))
    assert tiny.params is not None
    assert big.params is not None
    for language in ("en", "vi"):
        with translation.override(language):
            assert str(tiny.params["limit"]) == number_format(Decimal("0.01"))
            assert str(big.params["limit"]) == number_format(Decimal("2.5"))
    with translation.override("vi"):
        assert str(big.params["limit"]) == "2,5"


# ---------------------------------------------------------------------------
# Content against name, and allowed kinds
# ---------------------------------------------------------------------------


def test_text_renamed_pdf_is_a_type_mismatch() -> None:
    error = refusal(samples.text_bytes(), "x.pdf")
    assert error.code == "type_mismatch"
    assert message(error) == (
        "The file “x.pdf” is not a PDF document: its content looks like plain text."
    )


@pytest.mark.parametrize(
    ("data", "name", "expected", "actual"),
    [
        (samples.exe_bytes(), "Quyết định.docx", "a Word document (.docx)", "a program"),
        (samples.elf_bytes(), "Quyết định.docx", "a Word document (.docx)", "a program"),
        (b"\xcf\xfa\xed\xfe" + bytes(60), "a.xlsx", "an Excel workbook (.xlsx)", "a program"),
        (samples.pdf_bytes(), "a.docx", "a Word document (.docx)", "a PDF document"),
        (samples.docx_bytes(), "a.xlsx", "an Excel workbook (.xlsx)", "a Word document"),
        (samples.xlsx_bytes(), "a.docx", "a Word document (.docx)", "an Excel workbook"),
        (samples.zip_bytes(), "a.docx", "a Word document (.docx)", "a ZIP archive"),
        (samples.docx_bytes(), "a.zip", "a ZIP archive", "a Word document"),
        (samples.png_bytes(), "a.jpg", "a JPEG image", "a PNG image"),
        (samples.jpeg_bytes(), "a.png", "a PNG image", "a JPEG image"),
        (samples.csv_bytes(), "a.xlsx", "an Excel workbook (.xlsx)", "plain text"),
        (b"<!DOCTYPE html><html><body>Hi</body></html>", "a.pdf", "a PDF document", "a web page"),
        (b"GIF89a" + bytes(20), "a.png", "a PNG image", "a GIF image"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(20), "a.jpg", "a JPEG image", "a WebP image"),
        (b"\x00\x00\x00\x18ftypheic" + bytes(20), "a.jpg", "a JPEG image", "an HEIC photo"),
        (b"II*\x00" + bytes(20), "a.png", "a PNG image", "a TIFF image"),
        (b"Rar!\x1a\x07\x01\x00" + bytes(20), "a.zip", "a ZIP archive", "a RAR archive"),
        (b"7z\xbc\xaf\x27\x1c" + bytes(20), "a.zip", "a ZIP archive", "a 7-Zip archive"),
        (b"\x1f\x8b\x08" + bytes(20), "a.zip", "a ZIP archive", "a compressed (gzip) file"),
        (b"{\\rtf1\\ansi Hello}", "a.docx", "a Word document (.docx)", "an RTF document"),
        (samples.pdf_bytes(), "a.geojson", "a GeoJSON file", "a PDF document"),
    ],
)
def test_content_that_does_not_match_the_extension(
    data: bytes, name: str, expected: str, actual: str
) -> None:
    error = refusal(data, name)
    assert error.code == "type_mismatch"
    text = message(error)
    assert text.startswith(f"The file “{name}” is not {expected}: its content looks like {actual}")


def test_unrecognised_binary_content() -> None:
    garbage = bytes(range(256)) * 4
    error = refusal(garbage, "a.pdf")
    assert error.code == "type_mismatch"
    assert message(error) == (
        "The file “a.pdf” is not a PDF document: its content is not in a format that can be "
        "recognised."
    )
    error = refusal(garbage, "a.bin")
    assert error.code == "not_allowed"
    assert message(error).startswith(
        "The file “a.bin” cannot be accepted here because its format cannot be recognised. "
        "Accepted file types: PDF document (.pdf), Word document (.docx)"
    )


@pytest.mark.parametrize("name", ["Quyết định 1259", "Quyết định.exe", "a.pdf.exe", "a."])
def test_an_allowed_kind_needs_its_extension(name: str) -> None:
    error = refusal(samples.pdf_bytes(), name)
    assert error.code == "type_mismatch"
    assert message(error) == (
        f"The file “{name}” contains a PDF document, but its name does not end in “.pdf”. "
        "Rename the file so that its name ends in “.pdf” and upload it again."
    )


def test_a_kind_that_is_not_allowed_here() -> None:
    error = refusal(samples.pdf_bytes(), "Tờ trình.pdf", IMPORT_KINDS)
    assert error.code == "not_allowed"
    assert message(error) == (
        "The file “Tờ trình.pdf” cannot be accepted here because it is a PDF document. "
        "Accepted file types: Excel workbook (.xlsx), CSV file (.csv)."
    )
    assert refusal(samples.csv_bytes(), "a.csv", DOCUMENT_KINDS).code == "not_allowed"
    assert refusal(samples.docx_bytes(), "a.docx", BOUNDARY_KINDS).code == "not_allowed"


def test_a_program_is_never_allowed() -> None:
    error = refusal(samples.exe_bytes(), "setup.exe", DOCUMENT_KINDS)
    assert error.code == "not_allowed"
    assert message(error) == (
        "The file “setup.exe” cannot be accepted here because it is a program (executable "
        "file). Accepted file types: PDF document (.pdf), Word document (.docx), Excel "
        "workbook (.xlsx), PNG image (.png), JPEG image (.jpg), ZIP archive (.zip)."
    )


@pytest.mark.parametrize(
    ("name", "code"), [("Báo cáo.doc", "not_allowed"), ("a.docx", "type_mismatch")]
)
def test_old_binary_office_files(name: str, code: str) -> None:
    error = refusal(samples.ole_doc_bytes(), name)
    assert error.code == code
    assert message(error) == (
        f"The file “{name}” is in an older Microsoft Office format (.doc, .xls or .ppt), which "
        "is not accepted. Open it in Word or Excel, save it as .docx or .xlsx, and upload the "
        "new file."
    )


# ---------------------------------------------------------------------------
# Text, CSV and GeoJSON
# ---------------------------------------------------------------------------

NOT_UTF8 = (
    "The text in the file “{}” is not saved in the UTF-8 encoding. Save the file again "
    "choosing UTF-8 (in Excel, the type “CSV UTF-8 (Comma delimited)”), then upload it again."
)


@pytest.mark.parametrize(
    "data",
    [
        samples.windows_1258_csv_bytes(),
        "Họ và tên,Email\r\n".encode("utf-16"),
        b"a,b\n" * 5000 + "Hà Nội".encode("cp1258", errors="replace") + b"\xff\n",
    ],
    ids=["windows-1258", "utf-16", "invalid-after-first-chunk"],
)
def test_csv_must_be_utf8(data: bytes) -> None:
    error = refusal(data, "chuyen-gia.csv", IMPORT_KINDS)
    assert error.code == "type_mismatch"
    assert message(error) == NOT_UTF8.format("chuyen-gia.csv")


def test_legacy_text_of_a_kind_not_accepted_here_is_not_allowed() -> None:
    error = refusal(samples.windows_1258_csv_bytes(), "a.csv", DOCUMENT_KINDS)
    assert error.code == "not_allowed"
    assert message(error).startswith(
        "The file “a.csv” cannot be accepted here because it is a CSV file."
    )


def test_legacy_text_with_another_extension_is_plain_text() -> None:
    error = refusal(samples.windows_1258_csv_bytes(), "a.pdf")
    assert (
        message(error)
        == "The file “a.pdf” is not a PDF document: its content looks like plain text."
    )


def test_text_with_nul_bytes_is_binary() -> None:
    data = b"a,b\n" * 5000 + b"\x00\n"
    error = refusal(data, "a.csv", IMPORT_KINDS)
    assert error.code == "type_mismatch"
    assert message(error) == "The file “a.csv” contains binary data, so it is not a CSV file."
    assert refusal(data[:-1] + b"\xe1\n", "a.txt").code == "type_mismatch"


def test_text_cut_inside_a_character_is_not_utf8() -> None:
    data = "Hà Nộ".encode()[:-1]
    assert message(refusal(data, "a.txt")) == NOT_UTF8.format("a.txt")


def test_geojson_must_parse() -> None:
    error = refusal(
        b'{"type": "Polygon",\n "coordinates": [1, }', "ranh-gioi.geojson", BOUNDARY_KINDS
    )
    assert error.code == "corrupt"
    assert message(error) == (
        "The file “ranh-gioi.geojson” is not valid GeoJSON: Expecting value (line 2, column 21)."
    )


@pytest.mark.parametrize(
    "data", [b'{"type": "Topology"}', b"[1, 2]", b'{"name": "x"}', b'"Polygon"']
)
def test_geojson_needs_a_geojson_type(data: bytes) -> None:
    error = refusal(data, "a.geojson", BOUNDARY_KINDS)
    assert error.code == "type_mismatch"
    assert message(error) == (
        "The file “a.geojson” is JSON but not GeoJSON: it has no GeoJSON “type” such as "
        "“Polygon” or “FeatureCollection”."
    )


def test_geojson_numbers_must_be_finite() -> None:
    error = refusal(b'{"type": "Point", "coordinates": [NaN, 1]}', "a.geojson")
    assert error.code == "corrupt"
    assert "not finite" in message(error)


def test_geojson_nesting_is_bounded() -> None:
    data = b'{"type": "Point", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    error = refusal(data, "a.geojson")
    assert error.code == "corrupt"
    assert message(error) == "The file “a.geojson” is not valid GeoJSON: it is nested too deeply."


def test_geojson_has_its_own_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "GEOJSON_MAX_BYTES", 100)
    data = samples.geojson_bytes()
    error = refusal(data, "a.geojson")
    assert error.code == "too_large"
    assert (
        check(data[:0] + b'{"type":"Point","coordinates":[105.8,21.0]}', "a.geojson").kind
        == "geojson"
    )


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

CORRUPT = (
    "The file “{}” is damaged or incomplete and cannot be opened. Check that it opens on your "
    "computer, then upload it again."
)


def test_pdf_without_end_marker_is_incomplete() -> None:
    error = refusal(samples.truncated_pdf_bytes(), "a.pdf")
    assert error.code == "corrupt"
    assert message(error) == CORRUPT.format("a.pdf")


def test_pdf_that_pypdf_cannot_read() -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    assert refusal(data, "a.pdf").code == "corrupt"


def test_pdf_with_trailing_bytes_after_the_end_marker() -> None:
    assert check(samples.pdf_bytes() + b"\r\n" + b" " * 500, "a.pdf").kind == "pdf"


def test_pdf_without_pages() -> None:
    error = refusal(samples.pdf_without_pages_bytes(), "Trống.pdf")
    assert error.code == "corrupt"
    assert message(error) == "The PDF document “Trống.pdf” has no pages."


def test_pdf_needing_a_password() -> None:
    error = refusal(samples.password_pdf_bytes(), "Mật.pdf")
    assert error.code == "unsafe_content"
    assert message(error) == (
        "The file “Mật.pdf” is protected with a password, so its content cannot be checked. "
        "Remove the password and upload it again."
    )


def test_pdf_that_pypdf_cannot_decrypt_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # AES-encrypted files need the optional cryptography package; without it pypdf
    # raises instead of decrypting, and nothing could read the file afterwards.
    def unavailable(self: object, password: str) -> None:
        raise RuntimeError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(uploads.PdfReader, "decrypt", unavailable)
    assert refusal(samples.owner_password_pdf_bytes(), "a.pdf").code == "unsafe_content"
    assert check(samples.pdf_bytes(), "a.pdf").kind == "pdf"


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        samples.png_bytes()[:-12],
        samples.png_bytes()[:20],
        samples.png_bytes(width=0),
        samples.png_bytes().replace(b"IHDR", b"IHDX"),
    ],
    ids=["no-end-chunk", "cut-header", "zero-width", "no-header-chunk"],
)
def test_broken_png(data: bytes) -> None:
    error = refusal(data, "so-do.png")
    assert error.code == "corrupt"
    assert message(error) == CORRUPT.format("so-do.png")


class _FakeImage:
    def __init__(self, image_format: str, broken: bool) -> None:
        self.format = image_format
        self.broken = broken

    def __enter__(self) -> _FakeImage:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def verify(self) -> None:
        if self.broken:
            raise SyntaxError("broken PNG file")


def _fake_pillow(monkeypatch: pytest.MonkeyPatch, image_format: str, broken: bool) -> list[bytes]:
    seen: list[bytes] = []
    real_find_spec = uploads.importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return object() if name == "PIL" else real_find_spec(name, *args)

    def open_image(stream: Any) -> _FakeImage:
        seen.append(stream.read())
        return _FakeImage(image_format, broken)

    image_module = types.ModuleType("PIL.Image")
    image_module.open = open_image  # type: ignore[attr-defined]
    pil = types.ModuleType("PIL")
    pil.Image = image_module  # type: ignore[attr-defined]
    monkeypatch.setattr(uploads.importlib.util, "find_spec", find_spec)
    monkeypatch.setitem(sys.modules, "PIL", pil)
    monkeypatch.setitem(sys.modules, "PIL.Image", image_module)
    return seen


def test_pillow_verifies_images_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_pillow(monkeypatch, "PNG", broken=False)
    assert check(samples.png_bytes(), "a.png").kind == "png"
    assert seen == [samples.png_bytes()]


def test_pillow_refuses_broken_images(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pillow(monkeypatch, "JPEG", broken=True)
    assert refusal(samples.jpeg_bytes(), "a.jpg").code == "corrupt"


def test_pillow_must_agree_on_the_format(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pillow(monkeypatch, "MPO", broken=False)
    assert refusal(samples.jpeg_bytes(), "a.jpg").code == "corrupt"


def test_samples_are_real_images_for_pillow() -> None:
    image_module = pytest.importorskip("PIL.Image")
    for data, image_format in ((samples.png_bytes(), "PNG"), (samples.jpeg_bytes(), "JPEG")):
        with image_module.open(io.BytesIO(data)) as image:
            image.load()
            assert image.format == image_format
    assert check(samples.jpeg_bytes(), "a.jpg").kind == "jpeg"
    assert refusal(samples.jpeg_bytes()[:60], "a.jpg").code == "corrupt"


# ---------------------------------------------------------------------------
# ZIP-based files: central directory
# ---------------------------------------------------------------------------

UNPACKED_TOO_LARGE = (
    "The file “{}” would take up more than {} MB once unpacked, which is more than allowed. "
    "If it contains large pictures or attachments, make them smaller or split the file, then "
    "upload it again."
)


def _peak_during(action: Callable[[], object]) -> tuple[float, int]:
    """Seconds taken and peak traced memory (bytes) while running ``action``."""
    tracemalloc.start()
    try:
        started = time.perf_counter()
        action()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return elapsed, peak


def test_zip_bomb_is_refused_quickly_without_expanding() -> None:
    data = samples.zip_bomb_docx_bytes(unpacked_mib=600)
    assert len(data) < 2 * MIB
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(info.file_size for info in archive.infolist()) > 600 * MIB
    errors: list[UploadRejected] = []

    def attempt() -> None:
        with pytest.raises(UploadRejected) as caught:
            check(data, "Thuyết minh.docx")
        errors.append(caught.value)

    elapsed, peak = _peak_during(attempt)
    assert errors[0].code == "unpacked_too_large"
    assert message(errors[0]) == UNPACKED_TOO_LARGE.format("Thuyết minh.docx", "500")
    assert elapsed < 2
    assert peak < 64 * MIB


def test_lying_sizes_are_caught_by_the_streaming_budget() -> None:
    data = samples.lying_zip_bomb_docx_bytes(unpacked_mib=600, declared_size=1024)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        declared = sum(info.file_size for info in archive.infolist())
    # The headers pass the declared-size check; only decompression tells the truth.
    assert declared < MIB
    error = refusal(data, "Thuyết minh.docx")
    assert error.code == "unpacked_too_large"
    assert message(error) == UNPACKED_TOO_LARGE.format("Thuyết minh.docx", "500")


def test_lying_sizes_are_refused_quickly(settings: Any) -> None:
    settings.UPLOAD_MAX_UNPACKED_BYTES = 64 * MIB
    data = samples.lying_zip_bomb_docx_bytes(unpacked_mib=600, declared_size=1024)
    started = time.perf_counter()
    assert refusal(data, "a.docx").code == "unpacked_too_large"
    assert time.perf_counter() - started < 2


def test_lying_sizes_never_hold_the_expanded_data(settings: Any) -> None:
    settings.UPLOAD_MAX_UNPACKED_BYTES = 100 * MIB
    data = samples.lying_zip_bomb_docx_bytes(unpacked_mib=600)
    errors: list[str | None] = []

    def attempt() -> None:
        with pytest.raises(UploadRejected) as caught:
            check(data, "a.docx")
        errors.append(caught.value.code)

    _, peak = _peak_during(attempt)
    assert errors == ["unpacked_too_large"]
    assert peak < 64 * MIB


def test_the_budget_covers_all_entries_together(settings: Any) -> None:
    entries = [samples.RawEntry.of(f"f{index}.txt", bytes(400 * 1024)) for index in range(3)]
    data = samples.raw_zip(entries)
    settings.UPLOAD_MAX_UNPACKED_BYTES = 1200 * 1024
    assert check(data, "a.zip").kind == "zip"
    settings.UPLOAD_MAX_UNPACKED_BYTES = 1200 * 1024 - 1
    assert refusal(data, "a.zip").code == "unpacked_too_large"
    # The last entry declares 1 byte, so the declared total passes and only the
    # running total of what was actually produced can refuse the archive.
    lying = samples.raw_zip([*entries[:2], dataclasses.replace(entries[2], size=1)])
    settings.UPLOAD_MAX_UNPACKED_BYTES = 1000 * 1024
    assert refusal(lying, "a.zip").code == "unpacked_too_large"


def test_a_small_lie_about_sizes_is_corruption() -> None:
    data = samples.lying_zip_bomb_docx_bytes(unpacked_mib=1, declared_size=1024)
    error = refusal(data, "a.docx")
    assert error.code == "corrupt"
    assert message(error) == CORRUPT.format("a.docx")


def test_too_many_entries(settings: Any) -> None:
    settings.UPLOAD_MAX_ZIP_ENTRIES = 10
    assert check(samples.too_many_entries_zip_bytes(10), "a.zip").kind == "zip"
    error = refusal(samples.too_many_entries_zip_bytes(11), "a.zip")
    assert error.code == "too_many_entries"
    assert message(error) == (
        "The file “a.zip” contains more than 10 items inside it, which is more than allowed. "
        "Split it into smaller files and upload them separately."
    )


def test_too_many_entries_with_the_default_limit() -> None:
    error = refusal(samples.too_many_entries_zip_bytes(5001), "Hồ sơ.zip")
    assert error.code == "too_many_entries"
    assert f"more than {number_format(5000, force_grouping=True)} items" in message(error)


def test_a_huge_directory_is_not_read_past_the_limit() -> None:
    data = samples.too_many_entries_zip_bytes(100_000)
    started = time.perf_counter()
    assert refusal(data, "a.zip").code == "too_many_entries"
    elapsed = time.perf_counter() - started
    _, peak = _peak_during(lambda: refusal(data, "a.zip"))
    # zipfile itself would build 100,000 entry objects before anything could count them.
    assert elapsed < 1
    assert peak < 8 * MIB


@pytest.mark.parametrize(
    "entry_name",
    [
        "../../etc/cron.d/evil",
        "ban-ve/../../evil.txt",
        "..",
        "/etc/passwd",
        "\\\\server\\share\\evil.dll",
        "C:\\Windows\\System32\\evil.dll",
        "c:/evil.txt",
        "..\\..\\evil.bat",
        "ok.txt\x00../../evil",
    ],
)
def test_unsafe_entry_locations(entry_name: str) -> None:
    error = refusal(samples.path_traversal_zip_bytes(entry_name), "Hồ sơ.zip")
    assert error.code == "unsafe_content"
    assert message(error).startswith(
        "The archive “Hồ sơ.zip” contains an item with an unsafe location"
    )


def test_dots_inside_names_are_safe() -> None:
    data = samples.zip_bytes({"ban-ve/v1..2.pdf": b"x", "..an/a.txt": b"y", "a/b../c": b"z"})
    assert check(data, "a.zip").kind == "zip"


def test_unsafe_location_message() -> None:
    error = refusal(samples.path_traversal_zip_bytes(), "Hồ sơ.zip")
    assert message(error) == (
        "The archive “Hồ sơ.zip” contains an item with an unsafe location "
        "(“../../etc/cron.d/evil”). Create the archive again from ordinary folders and "
        "upload it again."
    )


def test_encrypted_entries() -> None:
    error = refusal(samples.encrypted_zip_bytes(), "Hồ sơ.zip")
    assert error.code == "unsafe_content"
    assert message(error) == (
        "The file “Hồ sơ.zip” is protected with a password, so its content cannot be checked. "
        "Remove the password and upload it again."
    )


def test_symbolic_links() -> None:
    error = refusal(samples.symlink_zip_bytes(), "a.zip")
    assert error.code == "unsafe_content"
    assert message(error) == (
        "The archive “a.zip” contains a link to another location (“link”), which is not "
        "accepted. Create the archive again without links and upload it again."
    )


def test_a_regular_unix_file_is_not_a_link() -> None:
    entry = samples.RawEntry.of("a.txt", b"x")
    data = samples.raw_zip(
        [dataclasses.replace(entry, create_system=3, external_attr=0o100644 << 16)]
    )
    assert check(data, "a.zip").kind == "zip"


def test_duplicate_entries() -> None:
    data = samples.raw_zip([samples.RawEntry.of("a.txt", b"1"), samples.RawEntry.of("a.txt", b"2")])
    error = refusal(data, "a.zip")
    assert error.code == "unsafe_content"
    assert "contains the item “a.txt” more than once" in message(error)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_compression_without_an_output_bound(method: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("a.txt", b"x" * 1000)
    error = refusal(buffer.getvalue(), "a.zip")
    assert error.code == "not_allowed"
    assert message(error) == (
        "The file “a.zip” uses a compression method that cannot be checked. Create it again "
        "with standard ZIP compression and upload it again."
    )


def test_patched_data_is_not_supported() -> None:
    entry = samples.RawEntry.of("a.txt", b"x")
    assert (
        refusal(samples.raw_zip([dataclasses.replace(entry, flags=0x20)]), "a.zip").code
        == "not_allowed"
    )


def test_stored_entries_are_checked_too(settings: Any) -> None:
    entry = samples.RawEntry.of("a.bin", bytes(1000), method=zipfile.ZIP_STORED)
    assert check(samples.raw_zip([entry]), "a.zip").kind == "zip"
    settings.UPLOAD_MAX_UNPACKED_BYTES = 999
    assert refusal(samples.raw_zip([entry]), "a.zip").code == "unpacked_too_large"
    lying = dataclasses.replace(entry, size=10)
    settings.UPLOAD_MAX_UNPACKED_BYTES = 500
    assert refusal(samples.raw_zip([lying]), "a.zip").code == "unpacked_too_large"


def test_an_empty_archive() -> None:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    error = refusal(buffer.getvalue(), "Hồ sơ.zip")
    assert error.code == "empty"
    assert message(error) == "The archive “Hồ sơ.zip” is empty: it contains no files."


def test_a_self_extracting_prefix_is_followed_like_zipfile_does() -> None:
    # Offsets in such archives are relative to the archive, not to the file.
    prefix = b"PK\x03\x04" + b"stub" * 100
    data = samples.raw_zip([samples.RawEntry.of("a.txt", b"hello")], prefix=prefix)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("a.txt") == b"hello"
    assert check(data, "a.zip").kind == "zip"


def test_zip64_records_are_read() -> None:
    entries = [samples.RawEntry.of(f"{index}.txt", b"x" * index) for index in range(5)]
    data = samples.raw_zip(entries, zip64_end=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.infolist()) == 5
    assert check(data, "a.zip").kind == "zip"


def test_zip64_extra_fields_are_read(settings: Any) -> None:
    entry = samples.RawEntry.of("a.txt", b"x" * 100)
    real_sizes = samples.zip64_extra(100, len(entry.compressed))
    flagged = dataclasses.replace(
        entry, size=0xFFFFFFFF, compressed_size=0xFFFFFFFF, central_extra=real_sizes
    )
    data = samples.raw_zip([flagged])
    assert check(data, "a.zip").kind == "zip"
    # The 64-bit size, not the placeholder, is what the declared-size check sees.
    settings.UPLOAD_MAX_UNPACKED_BYTES = 99
    assert refusal(data, "a.zip").code == "unpacked_too_large"


def test_zip64_extra_field_missing_a_value_is_corrupt() -> None:
    entry = samples.RawEntry.of("a.txt", b"x" * 100)
    flagged = dataclasses.replace(
        entry, size=0xFFFFFFFF, compressed_size=0xFFFFFFFF, central_extra=samples.zip64_extra(100)
    )
    assert refusal(samples.raw_zip([flagged]), "a.zip").code == "corrupt"
    truncated = dataclasses.replace(entry, central_extra=b"\x01\x00\x10\x00abc")
    assert refusal(samples.raw_zip([truncated]), "a.zip").code == "corrupt"


def test_a_multi_disk_archive_is_corrupt() -> None:
    data = bytearray(samples.raw_zip([samples.RawEntry.of("a.txt", b"x")], zip64_end=True))
    locator = data.rindex(b"PK\x06\x07")
    data[locator + 16 : locator + 20] = (2).to_bytes(4, "little")
    assert refusal(bytes(data), "a.zip").code == "corrupt"


def test_oversized_entry_metadata_is_corrupt() -> None:
    entry = dataclasses.replace(samples.RawEntry.of("a.txt", b"x"), comment=b"c" * 5000)
    assert refusal(samples.raw_zip([entry]), "a.zip").code == "corrupt"


def _corrupted(data: bytes, old: bytes, new: bytes, *, last: bool = False) -> bytes:
    index = data.rindex(old) if last else data.index(old)
    return data[:index] + new + data[index + len(old) :]


@pytest.mark.parametrize(
    "make",
    [
        lambda: samples.zip_bytes()[:-10],
        lambda: samples.zip_bytes()[: len(samples.zip_bytes()) // 2],
        lambda: b"PK\x03\x04" + bytes(10),
        lambda: _corrupted(samples.zip_bytes(), b"PK\x01\x02", b"PK\x01\x09"),
        lambda: _corrupted(samples.zip_bytes(), b"PK\x03\x04", b"PK\x03\x09", last=True),
        lambda: samples.raw_zip(
            [dataclasses.replace(samples.RawEntry.of("a.txt", b"x"), local_name="b.txt")]
        ),
        lambda: samples.raw_zip([dataclasses.replace(samples.RawEntry.of("a.txt", b"x"), crc=1)]),
        lambda: samples.raw_zip(
            [dataclasses.replace(samples.RawEntry.of("a.txt", b"x" * 100), compressed=b"\xff" * 20)]
        ),
        lambda: samples.raw_zip(
            [dataclasses.replace(samples.RawEntry.of("a.txt", b"x" * 1000), compressed_size=5)]
        ),
        lambda: samples.raw_zip(
            [dataclasses.replace(samples.RawEntry.of("a.txt", b"x"), compressed_size=10**6)]
        ),
        lambda: samples.raw_zip([samples.RawEntry("a\xff.txt", b"", 0, 0, flags=0x800)]),
    ],
    ids=[
        "end-record-cut",
        "cut-in-half",
        "no-directory",
        "bad-directory-signature",
        "bad-local-signature",
        "local-name-differs",
        "wrong-crc",
        "not-deflate-data",
        "deflate-stream-cut",
        "data-past-the-end",
        "bad-utf8-name",
    ],
)
def test_corrupt_archives(make: Callable[[], bytes]) -> None:
    error = refusal(make(), "a.zip")
    assert error.code == "corrupt"
    assert message(error) == CORRUPT.format("a.zip")


def test_directory_offsets_that_point_outside_the_file() -> None:
    data = bytearray(samples.zip_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 16 : end + 20] = (10**8).to_bytes(4, "little")
    assert refusal(bytes(data), "a.zip").code == "corrupt"
    data[end + 12 : end + 16] = (10**8).to_bytes(4, "little")
    assert refusal(bytes(data), "a.zip").code == "corrupt"


def test_an_archive_comment_is_allowed() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", b"hello")
        archive.comment = "Hồ sơ quy hoạch".encode() * 10
    assert check(buffer.getvalue(), "a.zip").kind == "zip"


def test_disagreeing_with_zipfile_is_corrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    # If Python's zipfile ever reads a directory differently from the walk here,
    # what was checked is not what later readers see: refuse rather than guess.
    real = zipfile.ZipFile.infolist
    monkeypatch.setattr(zipfile.ZipFile, "infolist", lambda self: real(self)[:-1])
    assert refusal(samples.zip_bytes(), "a.zip").code == "corrupt"

    def shifted(self: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
        infos = real(self)
        infos[0].header_offset += 1
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", shifted)
    assert refusal(samples.zip_bytes(), "a.zip").code == "corrupt"


def test_zipfile_refusing_the_archive_is_corrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise zipfile.BadZipFile("nope")

    data = samples.zip_bytes()
    monkeypatch.setattr(zipfile.ZipFile, "__init__", refuse)
    assert refusal(data, "a.zip").code == "corrupt"


# ---------------------------------------------------------------------------
# Office documents
# ---------------------------------------------------------------------------

XML_DTD = (
    "The file “{}” contains internal declarations that are not allowed in Office documents "
    "and may be harmful. Open it in Word or Excel, save it as a new file and upload that file."
)


@pytest.mark.parametrize(
    "part",
    [
        "xl/worksheets/sheet1.xml",
        "xl/workbook.xml",
        "[Content_Types].xml",
        "xl/_rels/workbook.xml.rels",
    ],
)
def test_billion_laughs_xlsx(part: str) -> None:
    data = samples.billion_laughs_xlsx_bytes(part)
    errors: list[UploadRejected] = []

    def attempt() -> None:
        with pytest.raises(UploadRejected) as caught:
            check(data, "Danh sách.xlsx", IMPORT_KINDS)
        errors.append(caught.value)

    elapsed, peak = _peak_during(attempt)
    assert errors[0].code == "unsafe_content"
    assert message(errors[0]) == XML_DTD.format("Danh sách.xlsx")
    assert elapsed < 2
    assert peak < 16 * MIB


@pytest.mark.parametrize("part", ["word/document.xml", "[Content_Types].xml", "word/styles.xml"])
def test_external_entities_docx(part: str) -> None:
    error = refusal(samples.external_entity_docx_bytes(part), "a.docx")
    assert error.code == "unsafe_content"
    assert message(error) == XML_DTD.format("a.docx")


def test_any_document_type_declaration_is_refused() -> None:
    original = samples.docx_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        xml = archive.read("word/document.xml")
    body = xml.split(b"?>", 1)[1]
    data = samples.replace_parts(original, {"word/document.xml": b"<!DOCTYPE w:document>" + body})
    assert refusal(data, "a.docx").code == "unsafe_content"


def test_plain_archives_are_not_parsed() -> None:
    data = samples.zip_bytes({"lol.xml": samples.BILLION_LAUGHS + b"<a>&lol9;</a>"})
    assert check(data, "a.zip").kind == "zip"


def test_macros_are_refused() -> None:
    error = refusal(samples.macro_docx_bytes(), "Tờ trình.docx")
    assert error.code == "unsafe_content"
    assert message(error) == (
        "The file “Tờ trình.docx” contains macros, which are not accepted. Save it as an "
        "ordinary document without macros (.docx or .xlsx) and upload it again."
    )


def _with_content_type(data: bytes, old: bytes, new: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types_xml = archive.read("[Content_Types].xml")
    assert old in types_xml
    return samples.replace_parts(data, {"[Content_Types].xml": types_xml.replace(old, new)})


def test_macro_enabled_content_type_is_refused() -> None:
    data = _with_content_type(
        samples.xlsx_bytes(),
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert refusal(data, "a.xlsx").code == "unsafe_content"


def test_wrong_main_content_type_is_corrupt() -> None:
    data = _with_content_type(
        samples.docx_bytes(),
        b"wordprocessingml.document.main+xml",
        b"wordprocessingml.template.main+xml",
    )
    error = refusal(data, "a.docx")
    assert error.code == "corrupt"
    assert message(error) == CORRUPT.format("a.docx")


def test_main_part_declared_by_a_default_content_type() -> None:
    original = samples.xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        types_xml = archive.read("[Content_Types].xml").decode()
    main_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    types_xml = types_xml.replace(
        f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>', ""
    )
    types_xml = re.sub(r'<Default Extension="xml" ContentType="[^"]*"/>', "", types_xml)
    types_xml = types_xml.replace(
        "</Types>", f'<Default Extension="xml" ContentType="{main_type}"/></Types>'
    )
    data = samples.replace_parts(original, {"[Content_Types].xml": types_xml.encode()})
    assert check(data, "a.xlsx").kind == "xlsx"


@pytest.mark.parametrize(
    ("part", "content"),
    [
        ("word/document.xml", b"<w:document xmlns:w='x'><w:body></w:document>"),
        ("word/document.xml", b"<w:notadocument xmlns:w='x'/>"),
        ("[Content_Types].xml", b"<Kinds/>"),
        ("word/styles.xml", b"<styles><unclosed></styles>"),
        ("word/_rels/document.xml.rels", b"not xml at all"),
    ],
)
def test_broken_office_xml_is_corrupt(part: str, content: bytes) -> None:
    data = samples.replace_parts(samples.docx_bytes(), {part: content})
    assert refusal(data, "a.docx").code == "corrupt"


def test_without_its_main_part_a_docx_is_a_plain_zip() -> None:
    data = samples.replace_parts(samples.docx_bytes(), {"word/document.xml": None})
    error = refusal(data, "a.docx")
    assert error.code == "type_mismatch"
    assert message(error) == (
        "The file “a.docx” is not a Word document (.docx): its content looks like a ZIP archive."
    )
    data = samples.replace_parts(samples.xlsx_bytes(), {"[Content_Types].xml": None})
    assert refusal(data, "a.xlsx").code == "type_mismatch"


def test_large_office_parts_stream_through_the_parser() -> None:
    original = samples.docx_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        head, tail = archive.read("word/document.xml").split(b"<w:body>", 1)
    paragraph = "<w:p><w:r><w:t>Điều 1. Quy định về quản lý quy hoạch phân khu.</w:t></w:r></w:p>"
    body = (paragraph * 100_000).encode()
    data = samples.replace_parts(original, {"word/document.xml": head + b"<w:body>" + body + tail})
    assert len(body) > 8 * MIB
    _elapsed, peak = _peak_during(lambda: check(data, "a.docx"))
    assert peak < 16 * MIB


# ---------------------------------------------------------------------------
# Robustness on arbitrary input
# ---------------------------------------------------------------------------

FUZZ_NAMES = [
    "a.pdf",
    "a.docx",
    "a.xlsx",
    "a.png",
    "a.jpg",
    "a.zip",
    "a.csv",
    "a.geojson",
    "a.txt",
    "a",
]


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048), name=st.sampled_from(FUZZ_NAMES))
def test_arbitrary_bytes_are_accepted_or_refused_cleanly(data: bytes, name: str) -> None:
    stream = io.BytesIO(data)
    with contextlib.suppress(UploadRejected):
        check_upload(stream, allowed=ALL_KINDS, filename=name)
    assert stream.tell() == 0


@pytest.fixture(scope="module")
def office_samples() -> list[tuple[bytes, str]]:
    return [
        (samples.docx_bytes("Hà Nội"), "a.docx"),
        (samples.xlsx_bytes(), "a.xlsx"),
        (samples.zip_bytes(), "a.zip"),
        (samples.pdf_bytes(), "a.pdf"),
    ]


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    choice=st.integers(0, 3), position=st.floats(0, 1), value=st.integers(0, 255), cut=st.booleans()
)
def test_damaged_documents_are_refused_cleanly(
    office_samples: list[tuple[bytes, str]], choice: int, position: float, value: int, cut: bool
) -> None:
    original, name = office_samples[choice]
    index = min(int(position * len(original)), len(original) - 1)
    damaged = original[:index] if cut else original[:index] + bytes([value]) + original[index + 1 :]
    try:
        result = check(damaged, name)
    except UploadRejected as error:
        assert error.code in {
            "corrupt",
            "type_mismatch",
            "empty",
            "unsafe_content",
            "not_allowed",
            "unpacked_too_large",
        }
    else:
        assert result.size == len(damaged)


# ---------------------------------------------------------------------------
# Storage keys
# ---------------------------------------------------------------------------


def test_generated_key_shape() -> None:
    today = timezone.localdate()
    key = generated_key("dossiers/documents", "pdf")
    assert re.fullmatch(rf"dossiers/documents/{today:%Y}/{today:%m}/[0-9a-f]{{32}}\.pdf", key), key
    assert generated_key("dossiers/documents", "pdf") != key


def test_generated_key_uses_only_the_checked_extension() -> None:
    upload = samples.as_upload(samples.docx_bytes(), "../../Tờ trình số 12.docx")
    checked = check_upload(upload, allowed=DOCUMENT_KINDS)
    key = generated_key("uploads", checked.extension)
    assert key.endswith(".docx")
    assert "trình" not in key
    assert ".." not in key
    assert key.count("/") == 3


@pytest.mark.parametrize(
    "prefix", ["", "/abs", "a//b", "../x", "a/../b", "x/", "A", "tờ-trình", "a b", "a\\b", "a/.b"]
)
def test_generated_key_refuses_unsafe_prefixes(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        generated_key(prefix, "pdf")


@pytest.mark.parametrize("extension", ["", ".pdf", "p/df", "pdf.exe", "PDF", "x" * 11, "pdf\n"])
def test_generated_key_refuses_unsafe_extensions(extension: str) -> None:
    with pytest.raises(ValueError, match="extension"):
        generated_key("documents", extension)


# ---------------------------------------------------------------------------
# Content-Disposition
# ---------------------------------------------------------------------------


def _filename_from_header(value: str) -> str | None:
    """The name a browser shows: ``filename*`` wins over ``filename`` (RFC 6266, 4.3)."""
    match = re.search(r"filename\*=UTF-8''([^\s;]+)", value)
    return unquote(match.group(1), errors="strict") if match else None


def test_content_disposition_for_a_vietnamese_name() -> None:
    value = safe_content_disposition("Thuyết minh QH phân khu N9.pdf")
    assert value == (
        'attachment; filename="Thuyet minh QH phan khu N9.pdf"; '
        "filename*=UTF-8''Thuy%E1%BA%BFt%20minh%20QH%20ph%C3%A2n%20khu%20N9.pdf"
    )
    assert _filename_from_header(value) == "Thuyết minh QH phân khu N9.pdf"


def test_content_disposition_inline() -> None:
    value = safe_content_disposition("Bản đồ.pdf", inline=True)
    assert value.startswith('inline; filename="Ban do.pdf"; ')


def test_content_disposition_folds_d_with_stroke_and_composes_nfd() -> None:
    value = safe_content_disposition("Đề án Đô thị ĐẸP.docx".replace("ệ", "e\u0323\u0302"))
    assert 'filename="De an Do thi DEP.docx"' in value
    assert _filename_from_header(value) == "Đề án Đô thị ĐẸP.docx"


@pytest.mark.parametrize(
    ("name", "fallback", "exact"),
    [
        ('Báo cáo "mới".pdf', "Bao cao _moi_.pdf", 'Báo cáo "mới".pdf'),
        ("a\r\nContent-Type: text/html.pdf", "a Content-Type: text_html.pdf", None),
        ("1259/QĐ-TTg.pdf", "1259_QD-TTg.pdf", "1259_QĐ-TTg.pdf"),
        ("..\\..\\boot.ini", "_.._boot.ini", "_.._boot.ini"),
        ("../../etc/passwd", "_.._etc_passwd", "_.._etc_passwd"),
        ("100%; x=1.pdf", "100__ x=1.pdf", "100%; x=1.pdf"),
        ("报告.pdf", "download.pdf", "报告.pdf"),
        ("", "download", "download"),
        ("  \r\n\t ", "download", "download"),
        ("\u202egpj.exe", "gpj.exe", "gpj.exe"),
    ],
)
def test_content_disposition_is_safe(name: str, fallback: str, exact: str | None) -> None:
    value = safe_content_disposition(name)
    assert f'filename="{fallback}"' in value
    assert "\r" not in value
    assert "\n" not in value
    assert value.isascii()
    decoded = _filename_from_header(value)
    assert decoded is not None
    assert "/" not in decoded
    assert "\\" not in decoded
    if exact is not None:
        assert decoded == exact
    HttpResponse()["Content-Disposition"] = value


@given(st.text(max_size=80))
def test_content_disposition_for_any_name(name: str) -> None:
    value = safe_content_disposition(name)
    match = re.fullmatch(r"attachment; filename=\"([^\"]*)\"; filename\*=UTF-8''([^\s;]+)", value)
    assert match is not None, value
    fallback = match.group(1)
    assert fallback
    assert re.fullmatch(r"[\x20-\x7e]+", fallback)
    assert not set(fallback) & set('"\\/%;')
    decoded = _filename_from_header(value)
    assert decoded
    assert not set(decoded) & {"/", "\\", "\r", "\n", "\x00"}
    HttpResponse()["Content-Disposition"] = value


def test_refusals_survive_pickling() -> None:
    error = refusal(samples.text_bytes(), "x.pdf")
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, UploadRejected)
    assert copy.code == "type_mismatch"
    assert message(copy) == message(error)
