"""Opinions: the expert's workspace with autosave, items on text and map, submission,
amendments, and the secretariat's record of opinions received on paper or by email."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thamvan.consultations import access, downloads, lifecycle
from thamvan.consultations.forms import (
    AttachmentForm,
    ItemForm,
    OfflineOpinionForm,
    OpinionForm,
    error_text,
)
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, Invitation, Opinion
from thamvan.consultations.services import opinions as opinion_services
from thamvan.consultations.services.opinions import OfflineItem
from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.uploads import UploadRejected
from thamvan.search.query import Hit, similar


def _map_config() -> dict[str, Any]:
    latitude, longitude = settings.MAP_DEFAULT_CENTER
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        "center": [latitude, longitude],
        "zoom": settings.MAP_DEFAULT_ZOOM,
        "iconPath": static("leaflet/images/"),
    }


def _lock_version(request: AuthedRequest) -> int:
    value = request.POST.get("lock_version", "")
    return int(value) if value.isdigit() else -1


SIMILAR_LIMIT = 5


def similar_opinions(user: Any, opinion: Opinion, answers: list[str]) -> list[Hit]:
    """Past opinions the user may read that share the most phrases with this draft.

    The draft itself is never indexed; the revision it amends is left out.
    """
    items = [item.content for item in opinion.items.all()]
    text = "\n".join(p for p in [opinion.summary, *answers, *items] if p.strip())
    if not text:
        return []
    hits = similar(
        text,
        user=user,
        limit=SIMILAR_LIMIT + 1,
        types=["opinion"],
        exclude=("opinion", opinion.pk),
    )
    return [h for h in hits if h.entry.object_id != opinion.previous_id][:SIMILAR_LIMIT]


def _workspace_context(
    user: Any, consultation: Consultation, opinion: Opinion, **extra: Any
) -> dict[str, Any]:
    answers = {a.question_id: a.text for a in opinion.answers.all()}
    initial: dict[str, Any] = {"verdict": opinion.verdict, "summary": opinion.summary}
    initial |= {f"answer_{qid}": text for qid, text in answers.items()}
    questions = consultation.questions.all()
    return {
        "consultation": consultation,
        "opinion": opinion,
        "form": extra.pop("form", None) or OpinionForm(initial=initial, questions=questions),
        "item_form": extra.pop("item_form", None) or ItemForm(consultation=consultation),
        "attachment_form": AttachmentForm(),
        "items": opinion.items.select_related("document", "question"),
        "attachments": opinion.attachments.all(),
        "map_config": _map_config(),
        "boundary": consultation.version.boundary,
        "similar": similar_opinions(user, opinion, list(answers.values())),
        **extra,
    }


@login_required
@require_GET
def opinion_workspace(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not access.is_member(request.user, consultation):
        raise PermissionDenied
    try:
        opinion = opinion_services.opinion_start(actor=request.user, consultation=consultation)
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(consultation)
    return TemplateResponse(
        request,
        "consultations/opinion_form.html",
        _workspace_context(request.user, consultation, opinion),
    )


def _draft(request: AuthedRequest, pk: int, opinion_pk: int) -> tuple[Consultation, Opinion]:
    consultation = access.get_consultation_for_user(request.user, pk)
    return consultation, access.get_own_draft_for_update(request.user, consultation, opinion_pk)


@login_required
@require_POST
def opinion_autosave(request: AuthedRequest, pk: int, opinion_pk: int) -> HttpResponse:
    consultation, opinion = _draft(request, pk, opinion_pk)
    form = OpinionForm(request.POST, questions=consultation.questions.all())
    error = ""
    if form.is_valid():
        try:
            opinion_services.opinion_save_draft(
                actor=request.user,
                opinion=opinion,
                lock_version=_lock_version(request),
                verdict=form.cleaned_data["verdict"],
                summary=form.cleaned_data["summary"],
                answers=form.answers(),
            )
        except ConsultationError as exc:
            error = " ".join(exc.messages)
            # Keep the tab's stale version so every later save fails too.
            opinion.lock_version = _lock_version(request)
    else:
        error = _("The draft could not be saved.")
    if request.htmx:
        # htmx swaps only successful responses; the message carries the conflict.
        return TemplateResponse(
            request,
            "consultations/opinion_form.html#save-status",
            {"opinion": opinion, "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The draft was saved."))
    return redirect("consultations:opinion_workspace", consultation.pk)


@login_required
@require_POST
def opinion_item_add(request: AuthedRequest, pk: int, opinion_pk: int) -> HttpResponse:
    consultation, opinion = _draft(request, pk, opinion_pk)
    item_form = ItemForm(request.POST, consultation=consultation)
    if item_form.is_valid():
        try:
            opinion_services.opinion_item_add(
                actor=request.user,
                opinion=opinion,
                lock_version=_lock_version(request),
                content=item_form.cleaned_data["content"],
                question=item_form.cleaned_data["question"],
                document=item_form.cleaned_data["document"],
                section=item_form.cleaned_data["section"],
                geometry=item_form.cleaned_data["geometry"],
            )
        except ConsultationError as error:
            item_form.add_error(None, error)
        else:
            messages.success(request, _("The remark was added."))
            return redirect("consultations:opinion_workspace", consultation.pk)
    opinion.refresh_from_db()
    return TemplateResponse(
        request,
        "consultations/opinion_form.html",
        _workspace_context(request.user, consultation, opinion, item_form=item_form),
        status=400,
    )


@login_required
@require_POST
def opinion_item_remove(
    request: AuthedRequest, pk: int, opinion_pk: int, item_pk: int
) -> HttpResponse:
    consultation, opinion = _draft(request, pk, opinion_pk)
    item = opinion.items.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    try:
        opinion_services.opinion_item_remove(
            actor=request.user, opinion=opinion, lock_version=_lock_version(request), item=item
        )
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("consultations:opinion_workspace", consultation.pk)


@login_required
@require_POST
def opinion_attach(request: AuthedRequest, pk: int, opinion_pk: int) -> HttpResponse:
    consultation, opinion = _draft(request, pk, opinion_pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            opinion_services.attachment_add(
                actor=request.user,
                opinion=opinion,
                lock_version=_lock_version(request),
                file=upload,
                filename=upload.name,
            )
        except (ConsultationError, UploadRejected) as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The file was attached."))
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("consultations:opinion_workspace", consultation.pk)


@login_required
@require_POST
def opinion_submit(request: AuthedRequest, pk: int, opinion_pk: int) -> HttpResponse:
    consultation, opinion = _draft(request, pk, opinion_pk)
    form = OpinionForm(request.POST, questions=consultation.questions.all())
    if "verdict" in request.POST and not form.is_valid():
        # Submitting the stored draft would silently drop what was just typed.
        messages.error(
            request, _("Your opinion was not submitted: %(errors)s") % {"errors": error_text(form)}
        )
        return redirect("consultations:opinion_workspace", consultation.pk)
    try:
        if "verdict" in request.POST:
            opinion_services.opinion_save_draft(
                actor=request.user,
                opinion=opinion,
                lock_version=_lock_version(request),
                verdict=form.cleaned_data["verdict"],
                summary=form.cleaned_data["summary"],
                answers=form.answers(),
            )
            lock_version = opinion.lock_version
        else:
            lock_version = _lock_version(request)
        opinion_services.opinion_submit(
            actor=request.user, opinion=opinion, lock_version=lock_version
        )
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("consultations:opinion_workspace", consultation.pk)
    messages.success(request, _("Your opinion was submitted."))
    return redirect(consultation)


@login_required
@require_POST
def opinion_amend(request: AuthedRequest, pk: int, opinion_pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    opinion = access.get_opinion_for_user(request.user, consultation, opinion_pk)
    try:
        opinion_services.opinion_amend(actor=request.user, opinion=opinion)
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(consultation)
    return redirect("consultations:opinion_workspace", consultation.pk)


@login_required
@require_GET
def opinion_detail(request: AuthedRequest, pk: int, opinion_pk: int) -> TemplateResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    opinion = access.get_opinion_for_user(request.user, consultation, opinion_pk)
    return TemplateResponse(
        request,
        "consultations/opinion_detail.html",
        {
            "consultation": consultation,
            "opinion": opinion,
            "answers": opinion.answers.select_related("question"),
            "items": opinion.items.select_related("document", "question"),
            "attachments": opinion.attachments.all(),
            "can_amend": opinion.expert is not None
            and opinion.expert.user_id == request.user.pk
            and opinion.is_submitted
            and opinion.is_current
            and lifecycle.can("write_opinion", request.user, consultation),
            "map_config": _map_config(),
        },
    )


@login_required
@require_GET
@rate_limit("download")
def attachment_download(
    request: AuthedRequest, pk: int, opinion_pk: int, attachment_pk: int
) -> FileResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    opinion = access.get_opinion_for_user(request.user, consultation, opinion_pk)
    return downloads.attachment_download(request, consultation, opinion, attachment_pk)


@login_required
@require_http_methods(["GET", "POST"])
def opinion_record(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not lifecycle.may("record_opinion", request.user, consultation):
        raise PermissionDenied
    experts = consultation.invitations.filter(state=Invitation.Status.ACCEPTED).values("expert_id")
    from thamvan.experts.models import Expert

    form = OfflineOpinionForm(
        request.POST or None,
        request.FILES or None,
        experts=Expert.objects.filter(pk__in=experts),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        letter = data.get("letter")
        try:
            opinion_services.opinion_record_offline(
                actor=request.user,
                consultation=consultation,
                source=data["source"],
                verdict=data["verdict"],
                summary=data["summary"],
                expert=data["expert"],
                author_name=data["author_name"],
                items=[
                    OfflineItem(content=line.strip())
                    for line in data["items_text"].splitlines()
                    if line.strip()
                ],
                letter=letter,
                letter_filename=letter.name if letter else "",
            )
        except (ConsultationError, UploadRejected) as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, _("The opinion was recorded."))
            return redirect(consultation)
    return TemplateResponse(
        request, "consultations/opinion_record.html", {"consultation": consultation, "form": form}
    )
