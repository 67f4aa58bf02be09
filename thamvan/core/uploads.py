"""Checks on uploaded files, made on their content before anything is stored.

The kind of a file is decided by its content (magic bytes and structure), never by
its name or by the content type the browser sent; the name's extension must then
agree with the content. ZIP-based files (DOCX, XLSX, ZIP) are checked in two steps:
first the central directory alone (entry count, declared sizes, entry names,
encryption), then every entry is decompressed as a stream against a hard byte
budget, so an archive whose headers understate its sizes still cannot expand
without bound. Office XML parts are parsed with defusedxml and any document type
declaration is refused.

Messages are shown to secretaries and officers; they name the file, say what is
wrong in plain words and, where possible, what to do.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import importlib.util
import json
import re
import struct
import unicodedata
import uuid
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, TYPE_CHECKING, Any, Final, Literal, Protocol, cast
from urllib.parse import quote
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from pypdf import PasswordType, PdfReader

from thamvan.core import antivirus
from thamvan.search.normalize import nfc

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

__all__ = [
    "BOUNDARY_KINDS",
    "DOCUMENT_KINDS",
    "GEOJSON_MAX_BYTES",
    "IMPORT_KINDS",
    "KINDS",
    "CheckedUpload",
    "UploadRejected",
    "check_upload",
    "generated_key",
    "safe_content_disposition",
]

RejectionCode = Literal[
    "empty",
    "too_large",
    "type_mismatch",
    "not_allowed",
    "unpacked_too_large",
    "too_many_entries",
    "corrupt",
    "unsafe_content",
]


class UploadRejected(ValidationError):
    """An upload that must not be stored; ``code`` says why, the message says it in words."""

    def __init__(
        self,
        message: str | StrPromise,
        code: RejectionCode,
        params: dict[str, Any] | None = None,
    ) -> None:
        # Positional like ValidationError's, so that pickling (which replays the
        # arguments) works, e.g. for errors sent between processes.
        super().__init__(message, code=code, params=params)


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content_type: str
    extension: str
    size: int
    sha256: str


@dataclass(frozen=True)
class _Kind:
    content_type: str
    extension: str
    extensions: frozenset[str]
    # With an article, to fit in a sentence: "is not a PDF document".
    label: StrPromise
    # Without an article, for the list of accepted types.
    title: StrPromise


KINDS: Final[dict[str, _Kind]] = {
    "pdf": _Kind(
        "application/pdf",
        "pdf",
        frozenset({"pdf"}),
        _("a PDF document"),
        _("PDF document (.pdf)"),
    ),
    "docx": _Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        frozenset({"docx"}),
        _("a Word document (.docx)"),
        _("Word document (.docx)"),
    ),
    "xlsx": _Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        frozenset({"xlsx"}),
        _("an Excel workbook (.xlsx)"),
        _("Excel workbook (.xlsx)"),
    ),
    "png": _Kind("image/png", "png", frozenset({"png"}), _("a PNG image"), _("PNG image (.png)")),
    "jpeg": _Kind(
        "image/jpeg",
        "jpg",
        frozenset({"jpg", "jpeg"}),
        _("a JPEG image"),
        _("JPEG image (.jpg)"),
    ),
    "zip": _Kind(
        "application/zip", "zip", frozenset({"zip"}), _("a ZIP archive"), _("ZIP archive (.zip)")
    ),
    "csv": _Kind("text/csv", "csv", frozenset({"csv"}), _("a CSV file"), _("CSV file (.csv)")),
    "geojson": _Kind(
        "application/geo+json",
        "geojson",
        frozenset({"geojson", "json"}),
        _("a GeoJSON file"),
        _("GeoJSON file (.geojson)"),
    ),
    "txt": _Kind(
        "text/plain", "txt", frozenset({"txt"}), _("a plain text file"), _("Text file (.txt)")
    ),
}

DOCUMENT_KINDS: Final = frozenset({"pdf", "docx", "xlsx", "png", "jpeg", "zip"})
IMPORT_KINDS: Final = frozenset({"xlsx", "csv"})
BOUNDARY_KINDS: Final = frozenset({"geojson"})

# A GeoJSON file is parsed whole, in memory; a boundary within the vertex limit of
# the dossiers app is a few megabytes, so this cap only stops abuse.
GEOJSON_MAX_BYTES: Final = 20 * 1024 * 1024

_TEXT_KINDS: Final = ("geojson", "csv", "txt")
_EXTENSION_KINDS: Final = {ext: kind for kind, info in KINDS.items() for ext in info.extensions}

_CHUNK: Final = 64 * 1024
_HEAD: Final = 8 * 1024
_MIB: Final = Decimal(1024 * 1024)

# What the content of a file looks like, for messages, when it is not one of the
# kinds above or is text whose exact kind depends on the name.
_DESCRIPTIONS: Final[dict[str, StrPromise]] = {
    "text": _("plain text"),
    "legacy_text": _("plain text"),
    "html": _("a web page (HTML)"),
    "executable": _("a program (executable file)"),
    "ole": _("an older Microsoft Office file (.doc, .xls or .ppt)"),
    "gif": _("a GIF image"),
    "webp": _("a WebP image"),
    "tiff": _("a TIFF image"),
    "heic": _("an HEIC photo"),
    "rar": _("a RAR archive"),
    "7z": _("a 7-Zip archive"),
    "gzip": _("a compressed (gzip) file"),
    "rtf": _("an RTF document"),
}

_GEOJSON_TYPES: Final = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
        "Feature",
        "FeatureCollection",
    }
)

_MSG_EMPTY = _(
    "The file “%(name)s” is empty. Check that you chose the right file and upload it again."
)
_MSG_EMPTY_ARCHIVE = _("The archive “%(name)s” is empty: it contains no files.")
_MSG_TOO_LARGE = _(
    "The file “%(name)s” is larger than the limit of %(limit)s MB. Reduce its size or "
    "split it into smaller files, then upload it again."
)
_MSG_MISMATCH = _("The file “%(name)s” is not %(expected)s: its content looks like %(actual)s.")
_MSG_MISMATCH_UNKNOWN = _(
    "The file “%(name)s” is not %(expected)s: its content is not in a format that can be "
    "recognised."
)
_MSG_WRONG_EXTENSION = _(
    "The file “%(name)s” contains %(actual)s, but its name does not end in “.%(extension)s”. "
    "Rename the file so that its name ends in “.%(extension)s” and upload it again."
)
_MSG_NOT_ALLOWED = _(
    "The file “%(name)s” cannot be accepted here because it is %(actual)s. Accepted file "
    "types: %(accepted)s."
)
_MSG_NOT_ALLOWED_UNKNOWN = _(
    "The file “%(name)s” cannot be accepted here because its format cannot be recognised. "
    "Accepted file types: %(accepted)s."
)
_MSG_OLD_OFFICE = _(
    "The file “%(name)s” is in an older Microsoft Office format (.doc, .xls or .ppt), which "
    "is not accepted. Open it in Word or Excel, save it as .docx or .xlsx, and upload the "
    "new file."
)
_MSG_NOT_UTF8 = _(
    "The text in the file “%(name)s” is not saved in the UTF-8 encoding. Save the file "
    "again choosing UTF-8 (in Excel, the type “CSV UTF-8 (Comma delimited)”), then upload "
    "it again."
)
_MSG_BINARY_TEXT = _("The file “%(name)s” contains binary data, so it is not %(expected)s.")
_MSG_CORRUPT = _(
    "The file “%(name)s” is damaged or incomplete and cannot be opened. Check that it opens "
    "on your computer, then upload it again."
)
_MSG_PDF_NO_PAGES = _("The PDF document “%(name)s” has no pages.")
_MSG_PASSWORD = _(
    "The file “%(name)s” is protected with a password, so its content cannot be checked. "
    "Remove the password and upload it again."
)
_MSG_NOT_GEOJSON = _(
    "The file “%(name)s” is not valid GeoJSON: %(problem)s (line %(line)s, column %(column)s)."
)
_MSG_NOT_GEOJSON_TYPE = _(
    "The file “%(name)s” is JSON but not GeoJSON: it has no GeoJSON “type” such as "
    "“Polygon” or “FeatureCollection”."
)
_MSG_GEOJSON_NOT_FINITE = _(
    "The file “%(name)s” is not valid GeoJSON: it contains a number that is not finite "
    "(NaN or Infinity)."
)
_MSG_GEOJSON_TOO_DEEP = _("The file “%(name)s” is not valid GeoJSON: it is nested too deeply.")
_MSG_UNPACKED_TOO_LARGE = _(
    "The file “%(name)s” would take up more than %(limit)s MB once unpacked, which is more "
    "than allowed. If it contains large pictures or attachments, make them smaller or "
    "split the file, then upload it again."
)
_MSG_TOO_MANY_ENTRIES = _(
    "The file “%(name)s” contains more than %(limit)s items inside it, which is more than "
    "allowed. Split it into smaller files and upload them separately."
)
_MSG_UNSAFE_PATH = _(
    "The archive “%(name)s” contains an item with an unsafe location (“%(entry)s”). Create "
    "the archive again from ordinary folders and upload it again."
)
_MSG_SYMLINK = _(
    "The archive “%(name)s” contains a link to another location (“%(entry)s”), which is not "
    "accepted. Create the archive again without links and upload it again."
)
_MSG_DUPLICATE_ENTRY = _(
    "The archive “%(name)s” contains the item “%(entry)s” more than once, which is not "
    "accepted. Create the archive again and upload it again."
)
_MSG_COMPRESSION = _(
    "The file “%(name)s” uses a compression method that cannot be checked. Create it again "
    "with standard ZIP compression and upload it again."
)
_MSG_MACROS = _(
    "The file “%(name)s” contains macros, which are not accepted. Save it as an ordinary "
    "document without macros (.docx or .xlsx) and upload it again."
)
_MSG_XML_DTD = _(
    "The file “%(name)s” contains internal declarations that are not allowed in Office "
    "documents and may be harmful. Open it in Word or Excel, save it as a new file and "
    "upload that file."
)
_MSG_UNNAMED = _("unnamed file")


def _format_number(value: int | Decimal) -> str:
    return number_format(value, force_grouping=True)


_lazy_number = lazy(_format_number, str)


def _megabytes(size: int) -> str | StrPromise:
    """A byte count in MB for messages: "100", "0.5" (grouped and localised when shown)."""
    value = (Decimal(size) / _MIB).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    value = max(value, Decimal("0.01"))
    whole = value == value.to_integral_value()
    value = value.quantize(Decimal(1)) if whole else value.normalize()
    return _lazy_number(value)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


class _Stream(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...
    def seek(self, offset: int, whence: int = ..., /) -> int: ...
    def tell(self) -> int: ...


@dataclass
class _Upload:
    stream: _Stream
    name: str | StrPromise
    has_name: bool
    extension: str
    allowed: frozenset[str]
    size: int = 0
    sha256: str = ""
    head: bytes = b""

    def reject(
        self, message: str | StrPromise, code: RejectionCode, **params: object
    ) -> UploadRejected:
        return UploadRejected(message, code=code, params={"name": self.name, **params})


def check_upload(
    file: File | IO[bytes],
    *,
    allowed: Collection[str],
    filename: str | None = None,
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Check an uploaded file's content and return what it is; raise UploadRejected if unfit.

    ``allowed`` holds kinds from KINDS (DOCUMENT_KINDS, IMPORT_KINDS, BOUNDARY_KINDS).
    ``filename`` defaults to the file's own name; its extension must match the
    content. The file is read in chunks and left rewound to its start.
    """
    allowed_kinds = frozenset(allowed)
    unknown = allowed_kinds - KINDS.keys()
    if unknown or not allowed_kinds:
        raise ValueError(f"allowed must be a non-empty set of {sorted(KINDS)}, not {allowed!r}")
    stream = _raw_stream(file)
    if not _seekable(stream):
        raise ValueError("check_upload needs a seekable file")
    raw_name = filename if filename is not None else getattr(file, "name", None)
    name, has_name = _display_name(raw_name if isinstance(raw_name, str) else None)
    upload = _Upload(
        stream=stream,
        name=name if has_name else _MSG_UNNAMED,
        has_name=has_name,
        extension=_extension(name) if has_name else "",
        allowed=allowed_kinds,
    )
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    try:
        checked = _check(upload, limit)
        stream.seek(0)
        antivirus.scan(cast(IO[bytes], stream), name=str(upload.name))
        return checked
    finally:
        stream.seek(0)


def _raw_stream(file: File | IO[bytes]) -> _Stream:
    # Django's File proxies the real file; the real one is what pypdf and zipfile
    # handle best (it has a binary mode and a native seek).
    if isinstance(file, File) and file.file is not None:
        return cast(_Stream, file.file)
    return cast(_Stream, file)


def _seekable(stream: _Stream) -> bool:
    seekable = getattr(stream, "seekable", None)
    return bool(seekable()) if callable(seekable) else True


def _display_name(raw: str | None) -> tuple[str, bool]:
    """The last path segment of a client-supplied name, printable and of bounded length."""
    if not raw:
        return "", False
    name = nfc(raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in name)
    name = " ".join(name.split())
    if len(name) > 120:
        name = f"{name[:80]}…{name[-39:]}"
    return name, bool(name)


def _extension(name: str) -> str:
    _stem, dot, ext = name.rstrip(". ").rpartition(".")
    return ext.strip().lower() if dot else ""


def _check(upload: _Upload, limit: int) -> CheckedUpload:
    _measure(upload, limit)
    if upload.size == 0:
        raise upload.reject(_MSG_EMPTY, "empty")
    family = _sniff(upload.head)
    zip_entries: list[_ZipEntry] = []
    zip_kind = None
    if family == "zip":
        zip_entries = _read_zip_directory(upload)
        zip_kind = _zip_kind(zip_entries)
    kind = _decide_kind(upload, family, zip_kind)

    if kind == "pdf":
        _check_pdf(upload)
    elif kind == "png":
        _check_png(upload)
    elif kind == "jpeg":
        _check_jpeg(upload)
    elif kind in ("docx", "xlsx", "zip"):
        _check_zip(upload, zip_entries, kind)
    elif kind == "geojson":
        _check_geojson(upload)
    else:
        _read_text(upload, kind, keep=False)

    info = KINDS[kind]
    return CheckedUpload(
        kind=kind,
        content_type=info.content_type,
        extension=info.extension,
        size=upload.size,
        sha256=upload.sha256,
    )


def _chunks(stream: _Stream, start: int = 0, length: int | None = None) -> Iterator[bytes]:
    stream.seek(start)
    remaining = length
    while remaining is None or remaining > 0:
        chunk = stream.read(_CHUNK if remaining is None else min(_CHUNK, remaining))
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


def _measure(upload: _Upload, limit: int) -> None:
    """Size, SHA-256 and first bytes in one pass, stopping as soon as the limit is passed."""
    digest = hashlib.sha256()
    head = bytearray()
    size = 0
    for chunk in _chunks(upload.stream):
        size += len(chunk)
        if size > limit:
            raise upload.reject(_MSG_TOO_LARGE, "too_large", limit=_megabytes(limit))
        digest.update(chunk)
        if len(head) < _HEAD:
            head += chunk[: _HEAD - len(head)]
    upload.size = size
    upload.sha256 = digest.hexdigest()
    upload.head = bytes(head)


# ---------------------------------------------------------------------------
# Content signatures
# ---------------------------------------------------------------------------

_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"MZ", "executable"),
    (b"\x7fELF", "executable"),
    (b"\xfe\xed\xfa\xce", "executable"),
    (b"\xfe\xed\xfa\xcf", "executable"),
    (b"\xce\xfa\xed\xfe", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
    (b"\xca\xfe\xba\xbe", "executable"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"{\\rtf", "rtf"),
    (b"\xff\xfe", "legacy_text"),
    (b"\xfe\xff", "legacy_text"),
)
_CONTROL_BYTES: Final = frozenset(range(32)) - {9, 10, 12, 13}


def _sniff(head: bytes) -> str:
    """The family of the content from its first bytes; "unknown" when unrecognised."""
    for signature, family in _SIGNATURES:
        if head.startswith(signature):
            return family
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heif", b"mif1", b"msf1"):
        return "heic"
    if b"\x00" in head:
        return "unknown"
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        # Text saved by Windows in a legacy code page (Excel's default "CSV" in
        # Vietnam is Windows-1258) has few control bytes; arbitrary binary has many.
        controls = sum(1 for byte in head if byte in _CONTROL_BYTES)
        return "legacy_text" if controls * 100 <= len(head) else "unknown"
    start = text.lstrip()[:15].lower()
    if start.startswith(("<!doctype html", "<html")):
        return "html"
    return "text"


def _description(family: str, zip_kind: str | None) -> StrPromise | None:
    if family == "zip":
        return KINDS[zip_kind or "zip"].label
    if family in KINDS:
        return KINDS[family].label
    return _DESCRIPTIONS.get(family)


def _accepted(allowed: frozenset[str]) -> str | StrPromise:
    titles = [info.title for kind, info in KINDS.items() if kind in allowed]
    return format_lazy(", ".join(["{}"] * len(titles)), *titles)


def _decide_kind(upload: _Upload, family: str, zip_kind: str | None) -> str:
    """The kind of the upload, once its name and the allowed kinds agree with its content."""
    claimed = _EXTENSION_KINDS.get(upload.extension) if upload.has_name else None
    detected: str | None
    if family in ("text", "html"):
        detected = claimed if claimed in _TEXT_KINDS else _guess_text_kind(upload)
    elif family == "legacy_text" and claimed in _TEXT_KINDS:
        # Text in a legacy encoding is the right kind saved the wrong way; say how to
        # fix it, unless the kind is not accepted here anyway.
        if claimed in upload.allowed:
            raise upload.reject(_MSG_NOT_UTF8, "type_mismatch")
        detected = claimed
    elif family == "zip":
        detected = zip_kind
    elif family in KINDS:
        detected = family
    else:
        detected = None

    if claimed is not None and detected != claimed:
        if family == "ole":
            raise upload.reject(_MSG_OLD_OFFICE, "type_mismatch")
        actual = _description(family, zip_kind)
        expected = KINDS[claimed].label
        if actual is None:
            raise upload.reject(_MSG_MISMATCH_UNKNOWN, "type_mismatch", expected=expected)
        raise upload.reject(_MSG_MISMATCH, "type_mismatch", expected=expected, actual=actual)

    if detected is None or detected not in upload.allowed:
        if family == "ole":
            raise upload.reject(_MSG_OLD_OFFICE, "not_allowed")
        accepted = _accepted(upload.allowed)
        actual = KINDS[detected].label if detected else _description(family, zip_kind)
        if actual is None:
            raise upload.reject(_MSG_NOT_ALLOWED_UNKNOWN, "not_allowed", accepted=accepted)
        raise upload.reject(_MSG_NOT_ALLOWED, "not_allowed", actual=actual, accepted=accepted)

    if upload.has_name and claimed is None:
        raise upload.reject(
            _MSG_WRONG_EXTENSION,
            "type_mismatch",
            actual=KINDS[detected].label,
            extension=KINDS[detected].extension,
        )
    return detected


def _guess_text_kind(upload: _Upload) -> str | None:
    """For text whose name says nothing: the allowed text kind it most likely is."""
    text_kinds = [kind for kind in _TEXT_KINDS if kind in upload.allowed]
    if "geojson" in text_kinds and upload.head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
        text_kinds.remove("geojson")
    return text_kinds[0] if text_kinds else None


# ---------------------------------------------------------------------------
# PDF and images
# ---------------------------------------------------------------------------


def _tail(upload: _Upload, length: int) -> bytes:
    start = max(upload.size - length, 0)
    upload.stream.seek(start)
    return upload.stream.read(upload.size - start)


def _check_pdf(upload: _Upload) -> None:
    # Readers accept a little trailing junk after the end marker, so look for it
    # near the end rather than exactly at the end; its absence means truncation.
    if b"%%EOF" not in _tail(upload, 1024):
        raise upload.reject(_MSG_CORRUPT, "corrupt")
    upload.stream.seek(0)
    try:
        reader = PdfReader(cast(IO[bytes], upload.stream), strict=False)
        if reader.is_encrypted and _pdf_needs_password(reader):
            raise upload.reject(_MSG_PASSWORD, "unsafe_content")
        pages = len(reader.pages)
    except UploadRejected:
        raise
    except Exception:
        # pypdf reads attacker-controlled structure and raises many exception
        # types on malformed input; all of them mean the same to the user.
        raise upload.reject(_MSG_CORRUPT, "corrupt") from None
    if pages < 1:
        raise upload.reject(_MSG_PDF_NO_PAGES, "corrupt")


def _pdf_needs_password(reader: PdfReader) -> bool:
    # A PDF with only an owner password ("no printing") opens with the empty user
    # password and is readable; one that needs a password to open is not. Without
    # the optional cryptography package pypdf cannot open AES-encrypted files at
    # all, and those are refused too because nothing can read them afterwards.
    try:
        return reader.decrypt("") == PasswordType.NOT_DECRYPTED
    except Exception:
        return True


_PNG_IEND: Final = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _check_png(upload: _Upload) -> None:
    head = upload.head
    # The first chunk must be a 13-byte IHDR with a non-zero width and height.
    valid_header = len(head) >= 33 and head[8:16] == b"\x00\x00\x00\rIHDR"
    if valid_header:
        width, height = struct.unpack(">II", head[16:24])
        valid_header = width > 0 and height > 0
    if not valid_header or _PNG_IEND not in _tail(upload, 1024):
        raise upload.reject(_MSG_CORRUPT, "corrupt")
    _verify_with_pillow(upload, "PNG")


def _check_jpeg(upload: _Upload) -> None:
    _verify_with_pillow(upload, "JPEG")


def _verify_with_pillow(upload: _Upload, image_format: str) -> None:
    """Let Pillow check the image structure when it is installed (it is optional)."""
    if importlib.util.find_spec("PIL") is None:
        return
    from PIL import Image

    upload.stream.seek(0)
    try:
        with Image.open(cast(IO[bytes], upload.stream)) as image:
            detected = image.format
            image.verify()
    except Exception:
        # Pillow raises many exception types on malformed input.
        raise upload.reject(_MSG_CORRUPT, "corrupt") from None
    if detected != image_format:
        raise upload.reject(_MSG_CORRUPT, "corrupt")


# ---------------------------------------------------------------------------
# Text, CSV and GeoJSON
# ---------------------------------------------------------------------------


def _read_text(upload: _Upload, kind: str, *, keep: bool) -> str:
    """Decode the whole file as UTF-8 (a BOM is allowed), refusing NUL characters."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    parts: list[str] = []
    try:
        for chunk in _chunks(upload.stream):
            text = decoder.decode(chunk)
            if "\x00" in text:
                raise upload.reject(_MSG_BINARY_TEXT, "type_mismatch", expected=KINDS[kind].label)
            if keep:
                parts.append(text)
        parts.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        raise upload.reject(_MSG_NOT_UTF8, "type_mismatch") from None
    return "".join(parts)


class _NotFinite(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NotFinite(name)


def _check_geojson(upload: _Upload) -> None:
    if upload.size > GEOJSON_MAX_BYTES:
        raise upload.reject(_MSG_TOO_LARGE, "too_large", limit=_megabytes(GEOJSON_MAX_BYTES))
    text = _read_text(upload, "geojson", keep=True)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise upload.reject(
            _MSG_NOT_GEOJSON, "corrupt", problem=error.msg, line=error.lineno, column=error.colno
        ) from None
    except _NotFinite:
        raise upload.reject(_MSG_GEOJSON_NOT_FINITE, "corrupt") from None
    except RecursionError:
        raise upload.reject(_MSG_GEOJSON_TOO_DEEP, "corrupt") from None
    if not isinstance(data, dict) or data.get("type") not in _GEOJSON_TYPES:
        raise upload.reject(_MSG_NOT_GEOJSON_TYPE, "type_mismatch")


# ---------------------------------------------------------------------------
# ZIP-based files
# ---------------------------------------------------------------------------

_EOCD: Final = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR: Final = struct.Struct("<4sLQL")
_EOCD64: Final = struct.Struct("<4sQ2H2L4Q")
_CENTRAL: Final = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL: Final = struct.Struct("<4s2B4HL2L2H")
_FLAG_ENCRYPTED: Final = 0x1
_FLAG_PATCHED: Final = 0x20
_FLAG_STRONG_ENCRYPTION: Final = 0x40
_FLAG_UTF8: Final = 0x800
_STORED: Final = 0
_DEFLATED: Final = 8
_UNIX: Final = 3
_S_IFMT: Final = 0o170000
_S_IFLNK: Final = 0o120000
_MAX_32: Final = 0xFFFFFFFF
_MAX_64: Final = 0xFFFFFFFFFFFFFFFF
_MAX_ENTRY_METADATA: Final = 4096


@dataclass(frozen=True)
class _ZipEntry:
    raw_name: bytes
    name: str
    # The name as Python's zipfile reports it, which is what later readers use.
    reader_name: str
    flags: int
    method: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int
    create_system: int
    external_attr: int


def _read_exact(upload: _Upload, length: int) -> bytes:
    data = upload.stream.read(length)
    if len(data) != length:
        raise upload.reject(_MSG_CORRUPT, "corrupt")
    return data


def _read_zip_directory(upload: _Upload) -> list[_ZipEntry]:
    """Walk the central directory without opening any entry, stopping at the entry limit.

    The end records are located exactly as Python's zipfile locates them, so that
    the entries checked here are the entries every later reader sees; the result
    is then compared with zipfile's own reading, which only happens once the entry
    count is known to be bounded.
    """
    size = upload.size
    stream = upload.stream
    if size < _EOCD.size:
        raise upload.reject(_MSG_CORRUPT, "corrupt")
    stream.seek(size - _EOCD.size)
    record = stream.read(_EOCD.size)
    if record[:4] == b"PK\x05\x06" and record[-2:] == b"\x00\x00":
        eocd_at = size - _EOCD.size
    else:
        search_from = max(size - 65536 - _EOCD.size, 0)
        stream.seek(search_from)
        tail = stream.read(size - search_from)
        found = tail.rfind(b"PK\x05\x06")
        if found < 0 or len(tail) - found < _EOCD.size:
            raise upload.reject(_MSG_CORRUPT, "corrupt")
        eocd_at = search_from + found
        record = tail[found : found + _EOCD.size]
    *_, directory_size, directory_offset, _comment_length = _EOCD.unpack(record)

    zip64 = False
    if eocd_at >= _EOCD64_LOCATOR.size:
        stream.seek(eocd_at - _EOCD64_LOCATOR.size)
        signature, disk, _, disks = _EOCD64_LOCATOR.unpack(
            _read_exact(upload, _EOCD64_LOCATOR.size)
        )
        if signature == b"PK\x06\x07":
            if disk != 0 or disks > 1:
                raise upload.reject(_MSG_CORRUPT, "corrupt")
            record64_at = eocd_at - _EOCD64_LOCATOR.size - _EOCD64.size
            if record64_at < 0:
                raise upload.reject(_MSG_CORRUPT, "corrupt")
            stream.seek(record64_at)
            fields = _EOCD64.unpack(_read_exact(upload, _EOCD64.size))
            if fields[0] == b"PK\x06\x06":
                directory_size, directory_offset = fields[8], fields[9]
                zip64 = True

    # Data before the archive (a self-extracting stub) shifts every offset.
    shift = eocd_at - directory_size - directory_offset
    if zip64:
        shift -= _EOCD64.size + _EOCD64_LOCATOR.size
    start = directory_offset + shift
    if start < 0 or start + directory_size > size:
        raise upload.reject(_MSG_CORRUPT, "corrupt")

    max_entries = settings.UPLOAD_MAX_ZIP_ENTRIES
    entries: list[_ZipEntry] = []
    stream.seek(start)
    consumed = 0
    while consumed < directory_size:
        if len(entries) >= max_entries:
            raise upload.reject(
                _MSG_TOO_MANY_ENTRIES, "too_many_entries", limit=_lazy_number(max_entries)
            )
        if consumed + _CENTRAL.size > directory_size:
            raise upload.reject(_MSG_CORRUPT, "corrupt")
        fields = _CENTRAL.unpack(_read_exact(upload, _CENTRAL.size))
        if fields[0] != b"PK\x01\x02":
            raise upload.reject(_MSG_CORRUPT, "corrupt")
        name_length, extra_length, comment_length = fields[12], fields[13], fields[14]
        entry_length = _CENTRAL.size + name_length + extra_length + comment_length
        # Real entries carry a path and a few small extra fields; bounding them
        # bounds the directory zipfile reads into memory to entries × 4 KiB.
        if name_length + extra_length + comment_length > _MAX_ENTRY_METADATA:
            raise upload.reject(_MSG_CORRUPT, "corrupt")
        if consumed + entry_length > directory_size:
            raise upload.reject(_MSG_CORRUPT, "corrupt")
        raw_name = _read_exact(upload, name_length)
        extra = _read_exact(upload, extra_length)
        stream.seek(comment_length, 1)
        consumed += entry_length

        flags = fields[5]
        size_, compressed, offset = _zip64_values(upload, extra, fields[11], fields[10], fields[18])
        if not 0 <= offset + shift < start:
            raise upload.reject(_MSG_CORRUPT, "corrupt")
        try:
            name = raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437")
        except UnicodeDecodeError:
            raise upload.reject(_MSG_CORRUPT, "corrupt") from None
        entries.append(
            _ZipEntry(
                raw_name=raw_name,
                name=name,
                reader_name=name,
                flags=flags,
                method=fields[6],
                crc=fields[9],
                compressed_size=compressed,
                size=size_,
                header_offset=offset + shift,
                create_system=fields[2],
                external_attr=fields[17],
            )
        )
    return _agree_with_zipfile(upload, entries)


def _zip64_values(
    upload: _Upload, extra: bytes, size: int, compressed: int, offset: int
) -> tuple[int, int, int]:
    """Sizes and offset, with the 64-bit values of ZIP64 extra fields where flagged."""
    position = 0
    while len(extra) - position >= 4:
        kind, length = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4 : position + 4 + length]
        if len(body) != length:
            raise upload.reject(_MSG_CORRUPT, "corrupt")
        if kind == 0x0001:
            values = iter(
                struct.unpack_from("<Q", body, index)[0] for index in range(0, length - 7, 8)
            )
            try:
                if size in (_MAX_32, _MAX_64):
                    size = next(values)
                if compressed == _MAX_32:
                    compressed = next(values)
                if offset == _MAX_32:
                    offset = next(values)
            except StopIteration:
                raise upload.reject(_MSG_CORRUPT, "corrupt") from None
        position += 4 + length
    return size, compressed, offset


def _agree_with_zipfile(upload: _Upload, entries: list[_ZipEntry]) -> list[_ZipEntry]:
    """Return the entries with zipfile's names; refuse the file if zipfile reads it differently."""
    import zipfile

    upload.stream.seek(0)
    try:
        with zipfile.ZipFile(cast(IO[bytes], upload.stream)) as archive:
            infos = archive.infolist()
    except Exception:
        # zipfile raises BadZipFile, NotImplementedError, ValueError and others on
        # malformed archives.
        raise upload.reject(_MSG_CORRUPT, "corrupt") from None
    if len(infos) != len(entries):
        raise upload.reject(_MSG_CORRUPT, "corrupt")
    agreed: list[_ZipEntry] = []
    for entry, info in zip(entries, infos, strict=True):
        if (
            info.header_offset,
            info.compress_size,
            info.file_size,
            info.flag_bits,
            info.compress_type,
            info.CRC,
        ) != (
            entry.header_offset,
            entry.compressed_size,
            entry.size,
            entry.flags,
            entry.method,
            entry.crc,
        ):
            raise upload.reject(_MSG_CORRUPT, "corrupt")
        agreed.append(dataclasses.replace(entry, reader_name=info.filename))
    return agreed


def _zip_kind(entries: list[_ZipEntry]) -> str:
    names = {entry.name for entry in entries}
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return "zip"


_DRIVE_RE: Final = re.compile(r"^[A-Za-z]:")


def _unsafe_name(name: str) -> bool:
    """Absolute, drive-qualified or parent-relative names escape an extraction folder."""
    if "\x00" in name:
        return True
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or _DRIVE_RE.match(normalised):
        return True
    return ".." in normalised.split("/")


_MAIN_PARTS: Final = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_MAIN_ROOTS: Final = {"docx": "document", "xlsx": "workbook"}
_MAIN_CONTENT_TYPES: Final = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_MACRO_CONTENT_TYPES: Final = frozenset(
    {
        "application/vnd.ms-word.document.macroenabled.main+xml",
        "application/vnd.ms-word.template.macroenabledtemplate.main+xml",
        "application/vnd.ms-excel.sheet.macroenabled.main+xml",
        "application/vnd.ms-excel.template.macroenabled.main+xml",
        "application/vnd.ms-excel.addin.macroenabled.main+xml",
    }
)


def _check_zip(upload: _Upload, entries: list[_ZipEntry], kind: str) -> None:
    if not entries:
        raise upload.reject(_MSG_EMPTY_ARCHIVE, "empty")
    unpacked_limit = settings.UPLOAD_MAX_UNPACKED_BYTES
    if sum(entry.size for entry in entries) > unpacked_limit:
        raise upload.reject(
            _MSG_UNPACKED_TOO_LARGE, "unpacked_too_large", limit=_megabytes(unpacked_limit)
        )
    seen: set[str] = set()
    for entry in entries:
        for name in (entry.name, entry.reader_name):
            if _unsafe_name(name):
                raise upload.reject(_MSG_UNSAFE_PATH, "unsafe_content", entry=_printable(name))
        if entry.reader_name in seen:
            raise upload.reject(
                _MSG_DUPLICATE_ENTRY, "unsafe_content", entry=_printable(entry.reader_name)
            )
        seen.add(entry.reader_name)
        if entry.create_system == _UNIX and (entry.external_attr >> 16) & _S_IFMT == _S_IFLNK:
            raise upload.reject(_MSG_SYMLINK, "unsafe_content", entry=_printable(entry.name))
        if entry.flags & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
            raise upload.reject(_MSG_PASSWORD, "unsafe_content")
        if entry.method not in (_STORED, _DEFLATED) or entry.flags & _FLAG_PATCHED:
            # zipfile decompresses bzip2 and LZMA without an output bound, so they
            # could expand without limit before any budget is checked.
            raise upload.reject(_MSG_COMPRESSION, "not_allowed")
        if kind != "zip" and entry.name.lower().endswith("vbaproject.bin"):
            raise upload.reject(_MSG_MACROS, "unsafe_content")

    office = kind in _MAIN_PARTS
    probes: dict[str, _XmlProbe] = {}
    budget = _Budget(upload, unpacked_limit)
    for entry in entries:
        probe: _XmlProbe | None = None
        if office and entry.name.lower().endswith((".xml", ".rels")):
            watch = _MAIN_PARTS[kind] if entry.name == "[Content_Types].xml" else None
            probe = probes[entry.name] = _XmlProbe(watch_part=watch)
        _inflate(upload, entry, budget, probe)

    if office:
        _check_office_parts(upload, kind, probes)


def _printable(name: str) -> str:
    cleaned = "".join("?" if unicodedata.category(c) in ("Cc", "Cf") else c for c in name)
    return cleaned if len(cleaned) <= 80 else f"{cleaned[:60]}…{cleaned[-19:]}"


class _Budget:
    """Counts bytes actually produced by decompression, across all entries."""

    def __init__(self, upload: _Upload, limit: int) -> None:
        self.upload = upload
        self.limit = limit
        self.used = 0

    def spend(self, amount: int) -> None:
        self.used += amount
        if self.used > self.limit:
            raise self.upload.reject(
                _MSG_UNPACKED_TOO_LARGE, "unpacked_too_large", limit=_megabytes(self.limit)
            )


def _inflate(upload: _Upload, entry: _ZipEntry, budget: _Budget, probe: _XmlProbe | None) -> None:
    """Decompress one entry as a stream, whatever its headers claim, and check it.

    Output is counted against the budget before it is used, and never held beyond
    one chunk, so memory stays flat and a lying header cannot push the work past
    the budget.
    """
    upload.stream.seek(entry.header_offset)
    local = _LOCAL.unpack(_read_exact(upload, _LOCAL.size))
    name_length, extra_length = local[10], local[11]
    if local[0] != b"PK\x03\x04" or _read_exact(upload, name_length) != entry.raw_name:
        raise upload.reject(_MSG_CORRUPT, "corrupt")
    data_start = entry.header_offset + _LOCAL.size + name_length + extra_length
    if data_start + entry.compressed_size > upload.size:
        raise upload.reject(_MSG_CORRUPT, "corrupt")

    produced = 0
    crc = 0

    def emit(data: bytes) -> None:
        nonlocal produced, crc
        if not data:
            return
        budget.spend(len(data))
        produced += len(data)
        crc = zlib.crc32(data, crc)
        if probe is not None:
            probe.feed(upload, data)

    compressed = _chunks(upload.stream, data_start, entry.compressed_size)
    if entry.method == _STORED:
        for chunk in compressed:
            emit(chunk)
    else:
        decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            for chunk in compressed:
                data = chunk
                while data and not decompressor.eof:
                    emit(decompressor.decompress(data, _CHUNK))
                    data = decompressor.unconsumed_tail
                if decompressor.eof:
                    break
            # Output the decompressor still holds once all input is consumed.
            while not decompressor.eof:
                data = decompressor.decompress(b"", _CHUNK)
                if not data:
                    break
                emit(data)
        except zlib.error:
            raise upload.reject(_MSG_CORRUPT, "corrupt") from None
        if not decompressor.eof:
            raise upload.reject(_MSG_CORRUPT, "corrupt")
    if produced != entry.size or crc != entry.crc:
        raise upload.reject(_MSG_CORRUPT, "corrupt")
    if probe is not None:
        probe.close(upload)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _XmlTarget:
    """Parser target that keeps only what the checks need, so memory stays flat."""

    def __init__(self, watch_part: str | None) -> None:
        self.watch_part = f"/{watch_part}" if watch_part else None
        self.root: str | None = None
        self.override: str | None = None
        self.default_xml: str | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.root is None:
            self.root = _local_name(tag)
        if self.watch_part is None:
            return
        element = _local_name(tag)
        if element == "Override" and attrib.get("PartName", "").lower() == self.watch_part:
            self.override = attrib.get("ContentType", "")
        elif element == "Default" and attrib.get("Extension", "").lower() == "xml":
            self.default_xml = attrib.get("ContentType", "")

    def close(self) -> None:
        return None


class _XmlProbe:
    """Parses one XML part as it is decompressed.

    The parser refuses any document type declaration, which rules out entity
    expansion and external entities; Office never writes one.
    """

    def __init__(self, watch_part: str | None) -> None:
        self.target = _XmlTarget(watch_part)
        self.parser = DefusedXMLParser(target=self.target, forbid_dtd=True)

    def feed(self, upload: _Upload, data: bytes) -> None:
        self._guard(upload, self.parser.feed, data)

    def close(self, upload: _Upload) -> None:
        self._guard(upload, self.parser.close)

    @staticmethod
    def _guard(upload: _Upload, action: Callable[..., object], *args: object) -> None:
        try:
            action(*args)
        except DefusedXmlException:
            raise upload.reject(_MSG_XML_DTD, "unsafe_content") from None
        except ParseError:
            raise upload.reject(_MSG_CORRUPT, "corrupt") from None

    @property
    def root(self) -> str | None:
        return self.target.root

    @property
    def content_type(self) -> str:
        target = self.target
        found = target.override if target.override is not None else target.default_xml
        return (found or "").lower()


def _check_office_parts(upload: _Upload, kind: str, probes: dict[str, _XmlProbe]) -> None:
    types = probes["[Content_Types].xml"]
    main = probes[_MAIN_PARTS[kind]]
    content_type = types.content_type.split(";", 1)[0].strip()
    if content_type in _MACRO_CONTENT_TYPES:
        raise upload.reject(_MSG_MACROS, "unsafe_content")
    if (
        types.root != "Types"
        or content_type != _MAIN_CONTENT_TYPES[kind]
        or main.root != _MAIN_ROOTS[kind]
    ):
        raise upload.reject(_MSG_CORRUPT, "corrupt")


# ---------------------------------------------------------------------------
# Storage keys and download headers
# ---------------------------------------------------------------------------

_KEY_PREFIX_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*")
_KEY_EXTENSION_RE: Final = re.compile(r"[a-z0-9]{1,10}")


def generated_key(prefix: str, extension: str) -> str:
    """A storage key of the form "prefix/yyyy/mm/<random hex>.ext".

    Nothing a user typed goes into it, so it cannot collide, traverse folders or
    leak a file name; the prefix and extension come from code (the extension from
    CheckedUpload) and are checked here anyway.
    """
    if not _KEY_PREFIX_RE.fullmatch(prefix):
        raise ValueError(f"unsafe storage prefix {prefix!r}")
    if not _KEY_EXTENSION_RE.fullmatch(extension):
        raise ValueError(f"unsafe storage extension {extension!r}")
    today = timezone.localdate()
    return f"{prefix}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{extension}"


_FALLBACK_UNSAFE_RE: Final = re.compile(r'[^\x20-\x7e]|["\\%;]')


def _clean_download_name(filename: str) -> str:
    name = nfc(filename)
    name = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Zs") else c for c in name
    )
    name = " ".join(name.replace("/", "_").replace("\\", "_").split())
    return name.strip(". ") or "download"


def _ascii_fallback(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    ascii_name = _FALLBACK_UNSAFE_RE.sub("_", folded)
    ascii_name = " ".join(ascii_name.split()).strip(". ")
    stem, dot, ext = ascii_name.rpartition(".")
    if not ascii_name or (dot and not stem.strip("_ ")):
        return f"download{dot}{ext}" if dot else "download"
    return ascii_name


def safe_content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition header value that every browser reads correctly (RFC 6266).

    ``filename=`` carries an ASCII approximation for old clients (diacritics
    removed, no quotes, slashes, backslashes or control characters) and
    ``filename*=`` the exact name in UTF-8, percent-encoded (RFC 8187).
    """
    name = _clean_download_name(filename)
    disposition = "inline" if inline else "attachment"
    encoded = quote(name, safe="")
    return f"{disposition}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"


def stored_file_response(file: FieldFile, filename: str, content_type: str) -> FileResponse:
    """Stream a stored file behind the caller's access check, never from MEDIA_URL; else 404."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = safe_content_disposition(filename or "file")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response
