"""Plain text of uploaded PDF and DOCX files, for the index.

Files reached here already passed ``check_upload``; a file that still fails to
parse gives no text (and a log line) rather than failing the index task.
"""

from __future__ import annotations

import logging
from typing import IO

from thamvan.search.normalize import nfc

logger = logging.getLogger(__name__)

# Enough for any explanatory report's substance; keeps index rows bounded.
MAX_CHARS = 200_000

PDF_TYPES = frozenset({"application/pdf"})
DOCX_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"})


def _pdf_text(file: IO[bytes]) -> str:
    from pypdf import PdfReader

    reader = PdfReader(file)
    parts: list[str] = []
    length = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        length += len(text)
        if length >= MAX_CHARS:
            break
    return "\n".join(parts)


def _docx_text(file: IO[bytes]) -> str:
    import docx

    document = docx.Document(file)
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def extract_text(file: IO[bytes], *, content_type: str, filename: str = "") -> str:
    """The file's text, NFC, at most MAX_CHARS; "" for other kinds or unreadable files."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    try:
        if content_type in PDF_TYPES or extension == "pdf":
            text = _pdf_text(file)
        elif content_type in DOCX_TYPES or extension == "docx":
            text = _docx_text(file)
        else:
            return ""
    except Exception:
        logger.warning("Could not extract text from %s", filename or content_type, exc_info=True)
        return ""
    return nfc(text[:MAX_CHARS])
