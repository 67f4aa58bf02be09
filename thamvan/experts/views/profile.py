"""An expert's own profile: "My expert profile"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from thamvan.accounts.models import Role
from thamvan.core.http import AuthedRequest
from thamvan.core.locking import EditConflict
from thamvan.experts.access import get_own_expert
from thamvan.experts.forms import (
    AffiliationFormSet,
    OwnProfileForm,
    UnavailablePeriodFormSet,
    keep_input_after_conflict,
)
from thamvan.experts.models import Expert
from thamvan.experts.services import expert_update_own_profile
from thamvan.experts.views.registry import profile_context


def _own_expert_or_explain(request: AuthedRequest) -> Expert | TemplateResponse:
    try:
        return get_own_expert(request.user)
    except Http404:
        if not request.user.has_role(Role.EXPERT):
            raise
        # An expert whose profile the secretariat has not linked yet.
        return TemplateResponse(request, "experts/no_profile.html", status=404)


@login_required
@require_GET
def my_profile(request: AuthedRequest) -> TemplateResponse:
    expert = _own_expert_or_explain(request)
    if isinstance(expert, TemplateResponse):
        return expert
    return TemplateResponse(request, "experts/detail.html", profile_context(request, expert))


@login_required
@require_http_methods(["GET", "POST"])
def my_profile_edit(request: AuthedRequest) -> HttpResponse:
    expert = _own_expert_or_explain(request)
    if isinstance(expert, TemplateResponse):
        return expert
    data = request.POST if request.method == "POST" else None
    form = OwnProfileForm(data, instance=expert)
    affiliations = AffiliationFormSet(data, instance=expert, prefix="affiliations")
    unavailable = UnavailablePeriodFormSet(data, instance=expert, prefix="unavailable")
    if request.method == "POST" and all(
        [form.is_valid(), affiliations.is_valid(), unavailable.is_valid()]
    ):
        try:
            expert_update_own_profile(
                actor=request.user,
                form=form,
                affiliations=affiliations,
                unavailable_periods=unavailable,
                request=request,
            )
        except EditConflict as conflict:
            keep_input_after_conflict(form, [affiliations, unavailable], conflict)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("experts:me")
    return TemplateResponse(
        request,
        "experts/me_form.html",
        {"form": form, "affiliations": affiliations, "unavailable": unavailable, "expert": expert},
    )
