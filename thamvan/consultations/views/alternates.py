"""Alternates on the panel page: the expert proposed for each declined or expired seat,
invited in one click, and the consultation's choice to invite them automatically."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from thamvan.accounts.models import User
from thamvan.consultations import access, lifecycle
from thamvan.consultations.forms import AlternateForm
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation
from thamvan.consultations.services import alternates as alternate_services
from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.matching.services import PanelRecommendation


def alternates_context(
    user: User, consultation: Consultation, recommendation: PanelRecommendation | None = None
) -> dict[str, Any]:
    """What the panel page shows of the alternates: a proposal for each vacated seat while
    the user may invite, and the automatic setting."""
    can_invite = lifecycle.can("invite", user, consultation)
    return {
        "can_invite_alternates": can_invite,
        "vacancies": (
            alternate_services.vacancies(consultation, recommendation=recommendation)
            if can_invite
            else []
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("recommendation")
def alternate_invite(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """Invite the alternate proposed for a declined or expired invitation. A refusal (a
    conflict that appeared since, a missing reason) comes back here with the message,
    the reason typed and the proposal as it stands now."""
    consultation = access.get_consultation_for_secretariat(request.user, pk)
    invitation = access.get_invitation_for_user(request.user, consultation, invitation_pk)
    form = AlternateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            alternate = alternate_services.alternate_invite(
                actor=request.user,
                consultation=consultation,
                invitation=invitation,
                expert=form.cleaned_data["expert"],
                reason=form.cleaned_data["reason"],
            )
        except ConsultationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(alternate)s was invited in place of %(expert)s.")
                % {
                    "alternate": alternate.expert.titled_name,
                    "expert": invitation.expert.titled_name,
                },
            )
            return redirect("consultations:panel", consultation.pk)
    vacancy = next(
        (v for v in alternate_services.vacancies(consultation) if v.invitation.pk == invitation.pk),
        None,
    )
    return TemplateResponse(
        request,
        "consultations/alternate.html",
        {
            "consultation": consultation,
            "invitation": invitation,
            "vacancy": vacancy,
            "form": form,
            "can_invite_alternates": lifecycle.can("invite", request.user, consultation),
        },
    )


@login_required
@require_POST
def auto_alternates(request: AuthedRequest, pk: int) -> HttpResponse:
    """Turn the automatic invitation of alternates on (the box ticked) or off, from the
    panel page or the consultation page, and go back there."""
    consultation = access.get_consultation_for_secretariat(request.user, pk)
    enabled = request.POST.get("enabled") == "on"
    try:
        alternate_services.consultation_set_auto_alternates(
            actor=request.user, consultation=consultation, enabled=enabled
        )
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Alternates will be invited automatically.")
            if enabled
            else _("Alternates will be proposed for you to invite."),
        )
    if request.POST.get("return_to") == "detail":
        return redirect(consultation)
    return redirect("consultations:panel", consultation.pk)
