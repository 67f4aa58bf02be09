from __future__ import annotations

from typing import cast

from django import forms
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, QueryDict

from thamvan.core.locking import EditConflict
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


def query_without_page(request: object) -> str:
    query = request.GET.copy()  # type: ignore[attr-defined]
    query.pop("page", None)
    return str(query.urlencode())


def show_conflict(form: forms.BaseForm, conflict: EditConflict) -> None:
    """Put the conflict on the form, keep what the user typed, and move its version on.

    The same as ``core.locking.save_form`` does, for views that save through a
    service: saving again after reading the warning keeps this user's changes.
    """
    form.add_error(None, conflict)
    data = cast(QueryDict, form.data).copy()
    data[form.add_prefix("lock_version")] = str(conflict.current_version)
    form.data = data
