"""Serving a generated report or table: one place for the page and the API."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from thamvan import audit
from thamvan.audit.services import Action
from thamvan.consultations import access
from thamvan.consultations.models import Consultation
from thamvan.core.uploads import safe_content_disposition
from thamvan.documents.models import GeneratedDocument
from thamvan.documents.services import CONTENT_TYPES


def generated_document_response(
    request: HttpRequest, user: Any, consultation: Consultation, document_pk: int
) -> FileResponse:
    """The ready document `document_pk` of `consultation` as a download, audited; else 404."""
    if not access.can_read_documents(user, consultation):
        raise Http404
    record = GeneratedDocument.objects.filter(
        consultation=consultation, pk=document_pk, status=GeneratedDocument.Status.READY
    ).first()
    if record is None:
        raise Http404
    try:
        handle = record.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # The XLSX of every remark is a data export; the DOCX are the issued documents.
    audit.record(
        actor=user,
        action=Action.EXPORT if record.kind == GeneratedDocument.Kind.ITEMS else Action.DOWNLOAD,
        target=record,
        data={"consultation": consultation.pk, "kind": record.kind},
        request=request,
    )
    response = FileResponse(handle, content_type=CONTENT_TYPES[record.kind])  # type: ignore[index]
    response["Content-Disposition"] = safe_content_disposition(record.filename)
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response
