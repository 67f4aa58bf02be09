from __future__ import annotations

from django_tasks import task

from thamvan.documents.models import GeneratedDocument
from thamvan.documents.services import document_build


@task()
def generate_document(document_id: int) -> str:
    """Build one pending consultation document; returns its status."""
    record = GeneratedDocument.objects.filter(
        pk=document_id, status=GeneratedDocument.Status.PENDING
    ).first()
    if record is None:
        return "missing"
    return document_build(record).status
