"""The specialty taxonomy, kept by the secretariat."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thamvan.core.http import AuthedRequest
from thamvan.core.locking import save_form
from thamvan.experts.access import can_manage_registry, can_read_registry, get_specialty_for_update
from thamvan.experts.forms import SpecialtyForm
from thamvan.experts.models import Specialty
from thamvan.experts.services import specialty_set_active


@login_required
@require_GET
def specialty_list(request: AuthedRequest) -> TemplateResponse:
    if not can_read_registry(request.user):
        raise PermissionDenied
    specialties = Specialty.objects.annotate(expert_count=Count("expert_links")).order_by(
        "-is_active", "display_order", "name_key"
    )
    return TemplateResponse(
        request,
        "experts/specialty_list.html",
        {"specialties": specialties, "can_manage": can_manage_registry(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def specialty_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_registry(request.user):
        raise PermissionDenied
    form = SpecialtyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The specialty was created."))
        return redirect("experts:specialty_list")
    return TemplateResponse(request, "experts/specialty_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def specialty_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    if not can_manage_registry(request.user):
        raise PermissionDenied
    specialty = get_specialty_for_update(request.user, pk)
    form = SpecialtyForm(request.POST or None, instance=specialty)
    if request.method == "POST" and form.is_valid() and save_form(form) is not None:
        messages.success(request, _("The specialty was saved."))
        return redirect("experts:specialty_list")
    return TemplateResponse(
        request, "experts/specialty_form.html", {"form": form, "specialty": specialty}
    )


@login_required
@require_POST
def specialty_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    if not can_manage_registry(request.user):
        raise PermissionDenied
    specialty = get_specialty_for_update(request.user, pk)
    active = not specialty.is_active
    specialty_set_active(actor=request.user, specialty=specialty, active=active, request=request)
    if active:
        messages.success(
            request, _("The specialty “%(name)s” is active again.") % {"name": specialty.name}
        )
    else:
        messages.success(
            request,
            _("The specialty “%(name)s” was deactivated; experts who have it keep it.")
            % {"name": specialty.name},
        )
    return redirect("experts:specialty_list")
