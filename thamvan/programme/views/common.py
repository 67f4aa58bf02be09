from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from thamvan.core.uploads import safe_content_disposition


def attachment_response(file: FieldFile, filename: str, content_type: str) -> FileResponse:
    """Stream a stored attachment behind the caller's access check, never from MEDIA_URL."""
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
