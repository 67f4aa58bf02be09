"""Serving a generated report or table: one place for the page and the API."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from thamvan import audit
from thamvan.audit.services import Action
from thamvan.consultations import access
from thamvan.consultations.models import Consultation
from thamvan.core.uploads import stored_file_response
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
    response = stored_file_response(record.file, record.filename, CONTENT_TYPES[record.kind])  # type: ignore[index]
    # The XLSX of every remark is a data export; the DOCX are the issued documents.
    audit.record(
        actor=user,
        action=Action.EXPORT if record.kind == GeneratedDocument.Kind.ITEMS else Action.DOWNLOAD,
        target=record,
        data={"consultation": consultation.pk, "kind": record.kind},
        request=request,
    )
    return response
