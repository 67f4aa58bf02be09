"""Declared conflicts of interest on a profile: the expert declares and withdraws them,
the secretariat may record one on the expert's behalf."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thamvan.core.http import AuthedRequest
from thamvan.experts import services
from thamvan.experts.access import (
    can_declare_conflicts,
    get_conflict_declaration_for_user,
    get_expert_for_user,
    is_own_profile,
)
from thamvan.experts.forms import ConflictDeclarationForm
from thamvan.experts.models import Expert
from thamvan.experts.views.registry import profile_context


def _back_to_profile(request: AuthedRequest, expert: Expert) -> HttpResponseRedirect:
    page = (
        reverse("experts:me") if is_own_profile(request.user, expert) else expert.get_absolute_url()
    )
    return HttpResponseRedirect(f"{page}#conflicts")


@login_required
@require_POST
def conflict_add(request: AuthedRequest, pk: int) -> HttpResponse:
    expert = get_expert_for_user(request.user, pk)
    if not can_declare_conflicts(request.user, expert):
        raise PermissionDenied(services.CANNOT_DECLARE)
    form = ConflictDeclarationForm(request.POST, expert=expert, actor=request.user)
    if form.is_valid():
        try:
            services.conflict_declare(
                actor=request.user, expert=expert, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            # A dossier or expert removed since the form was checked.
            form.add_error(None, error)
        else:
            if is_own_profile(request.user, expert):
                messages.success(request, _("Your conflict of interest was declared."))
            else:
                messages.success(
                    request, _("The conflict of interest was recorded on the expert's behalf.")
                )
            return _back_to_profile(request, expert)
    context = {**profile_context(request, expert), "conflict_form": form}
    return TemplateResponse(request, "experts/detail.html", context)


@login_required
@require_POST
def conflict_withdraw(request: AuthedRequest, pk: int, cid: int) -> HttpResponse:
    declaration = get_conflict_declaration_for_user(request.user, pk, cid)
    try:
        services.conflict_withdraw(actor=request.user, declaration=declaration, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The declaration was withdrawn; it stays on record."))
    return _back_to_profile(request, declaration.expert)
