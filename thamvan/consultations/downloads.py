"""Files of a consultation that pages and the API hand out the same way."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from thamvan import audit
from thamvan.audit.services import Action
from thamvan.consultations.models import Attachment, Consultation, Opinion
from thamvan.core.uploads import stored_file_response


def attachment_download(
    request: HttpRequest, consultation: Consultation, opinion: Opinion, attachment_pk: int
) -> FileResponse:
    """An attachment of an opinion read through ``access.get_opinion_for_user`` (so blind
    review applies), streamed and audited as a download."""
    attachment = Attachment.objects.filter(opinion=opinion, pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    response = stored_file_response(
        attachment.file, attachment.original_filename, attachment.content_type
    )
    audit.record(
        actor=request.user,
        action=Action.DOWNLOAD,
        target=attachment,
        data={"consultation": consultation.pk, "opinion": opinion.pk},
        request=request,
    )
    return response
