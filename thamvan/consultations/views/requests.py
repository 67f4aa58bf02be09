"""Consultation requests: list, create, edit, detail with timeline, lifecycle actions."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thamvan.consultations import access, lifecycle
from thamvan.consultations.forms import (
    ConsultationFilterForm,
    ConsultationForm,
    ExtensionForm,
    ReasonForm,
    error_text,
)
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation
from thamvan.consultations.services import requests as request_services
from thamvan.consultations.services.transitions import SERVICES, transition_take
from thamvan.core.http import AuthedRequest
from thamvan.core.locking import EditConflict, show_conflict
from thamvan.core.pagination import paginate, query_without_page
from thamvan.dossiers.access import can_change_dossier, get_dossier_for_user


@login_required
@require_GET
def consultation_list(request: AuthedRequest) -> TemplateResponse:
    filters = ConsultationFilterForm(request.GET)
    consultations = Consultation.objects.visible_to(request.user).select_related(
        "dossier__lead_agency", "association"
    )
    if filters.is_valid():
        consultations = consultations.search(filters.cleaned_data["q"])
        if state := filters.cleaned_data["state"]:
            consultations = consultations.filter(state=state)
        if organization := filters.cleaned_data["organization"]:
            consultations = consultations.involving(organization.descendant_ids())
        consultations = consultations.sent_between(
            filters.cleaned_data["start"], filters.cleaned_data["end"]
        )
    context = {
        "filters": filters,
        "page_obj": paginate(request, consultations),
        "query_string": query_without_page(request),
    }
    template = "consultations/list.html#results" if request.htmx else "consultations/list.html"
    return TemplateResponse(request, template, context)


def _save_form(
    request: AuthedRequest, form: ConsultationForm, save: Callable[..., Consultation]
) -> Consultation | None:
    data = dict(form.cleaned_data)
    data.pop("questions_text", None)
    specialties = data.pop("required_specialties", [])
    lock_version = data.pop("lock_version", None)
    if form.instance.pk is not None:
        data["lock_version"] = lock_version
    try:
        return save(questions=form.questions, required_specialties=specialties, **data)
    except EditConflict as conflict:
        show_conflict(form, conflict)
        return None
    except ConsultationError as error:
        form.add_error(None, error)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def consultation_create(request: AuthedRequest, dossier_pk: int) -> HttpResponse:
    dossier = get_dossier_for_user(request.user, dossier_pk)
    if not can_change_dossier(request.user, dossier):
        raise PermissionDenied
    form = ConsultationForm(
        request.POST or None,
        dossier=dossier,
        initial={"title": _("Request for opinions on %(name)s") % {"name": dossier.name}},
    )
    if request.method == "POST" and form.is_valid():
        consultation = _save_form(
            request,
            form,
            lambda **data: request_services.consultation_create(
                actor=request.user, dossier=dossier, **data
            ),
        )
        if consultation is not None:
            messages.success(request, _("The consultation request was saved as a draft."))
            return redirect(consultation)
    return TemplateResponse(request, "consultations/form.html", {"form": form, "dossier": dossier})


@login_required
@require_http_methods(["GET", "POST"])
def consultation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not lifecycle.can("edit", request.user, consultation):
        raise PermissionDenied
    form = ConsultationForm(
        request.POST or None, instance=consultation, dossier=consultation.dossier
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_form(
            request,
            form,
            lambda **data: request_services.consultation_update(
                actor=request.user, consultation=consultation, **data
            ),
        )
        if saved is not None:
            messages.success(request, _("The consultation request was saved."))
            return redirect(saved)
    return TemplateResponse(
        request,
        "consultations/form.html",
        {"form": form, "dossier": consultation.dossier, "consultation": consultation},
    )


@login_required
@require_GET
def consultation_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    from thamvan.documents.services import latest_documents

    consultation = access.get_consultation_for_user(request.user, pk)
    user = request.user
    invitation = access.invitation_of(user, consultation)
    opinions = (
        access.opinions_visible_to(user, consultation)
        .select_related("expert")
        .order_by("expert_id", "revision", "pk")
    )
    context = {
        "consultation": consultation,
        "questions": consultation.questions.all(),
        "specialties": consultation.required_specialties.all(),
        "transitions": access.timeline_visible_to(user, consultation),
        "invitations": access.invitations_visible_to(user, consultation).select_related("expert"),
        "my_invitation": invitation,
        "opinions": opinions,
        "actions": lifecycle.available_actions(user, consultation),
        "can": lifecycle.allowed(user, consultation),
        "is_agency": access.is_agency(user, consultation),
        "is_secretariat": access.is_secretariat(user, consultation),
        "is_member": access.is_member(user, consultation),
        "is_chair": access.is_chair(user, consultation),
        "documents": (
            latest_documents(consultation) if access.can_read_documents(user, consultation) else []
        ),
        "reason_form": ReasonForm(),
        "extension": lifecycle.ActionState(
            lifecycle.ACTIONS["extend_deadline"],
            lifecycle.unmet("extend_deadline", consultation),
        )
        if lifecycle.can("extend_deadline", user, consultation)
        else None,
        "extension_form": ExtensionForm(),
        "next_rounds": consultation.next_rounds.all(),
    }
    return TemplateResponse(request, "consultations/detail.html", context)


@login_required
@require_POST
def consultation_transition(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if action not in SERVICES:
        raise Http404
    reason = ""
    if lifecycle.ACTIONS[action].needs_reason:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, lifecycle.REASON_REQUIRED)
            return redirect(consultation)
        reason = form.cleaned_data["reason"]
    try:
        transition_take(actor=request.user, consultation=consultation, action=action, reason=reason)
    except ConsultationError as error:
        if error.code == "forbidden":
            raise PermissionDenied from error
        messages.error(request, " ".join(error.messages))
        return redirect(consultation)
    success = lifecycle.ACTIONS[action].success
    if success:
        messages.success(request, success)
    return redirect(consultation)


@login_required
@require_POST
def consultation_new_round(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not lifecycle.may("new_round", request.user, consultation):
        raise PermissionDenied
    version = consultation.dossier.versions.order_by("-number").first()
    if version is None:
        raise Http404
    try:
        newer = request_services.consultation_new_round(
            actor=request.user, previous=consultation, version=version
        )
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(consultation)
    messages.success(request, _("A new round was drafted; review it before sending."))
    return redirect(newer)


@login_required
@require_POST
def consultation_extend_deadline(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    if not lifecycle.may("extend_deadline", request.user, consultation):
        raise PermissionDenied
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("The deadline was not extended: %(errors)s") % {"errors": error_text(form)},
        )
        return redirect(consultation)
    try:
        request_services.consultation_extend_deadline(
            actor=request.user,
            consultation=consultation,
            deadline=form.cleaned_data["deadline"],
            reason=form.cleaned_data["reason"],
        )
    except ConsultationError as error:
        if error.code == "forbidden":
            raise PermissionDenied from error
        messages.error(request, " ".join(error.messages))
        return redirect(consultation)
    messages.success(request, str(lifecycle.ACTIONS["extend_deadline"].success))
    return redirect(consultation)
