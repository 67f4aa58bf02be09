"""Accounts for registry records: the bulk "create accounts and invite", one record's
button, and linking a record to an existing account with the same e-mail address.

The work is done by ``thamvan.accounts.services``; these views only collect
the choice and show what became of each expert.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thamvan.accounts import access as people_access
from thamvan.accounts.forms import ExpertAccountForm, ExpertAccountsForm
from thamvan.accounts.models import User
from thamvan.accounts.services import (
    OUTCOME_MESSAGES,
    Outcome,
    accounts_create_for_experts,
    expert_link_account,
)
from thamvan.core.http import AuthedRequest
from thamvan.experts.access import can_manage_registry, get_expert_for_update
from thamvan.experts.models import Expert


def _require_manager(request: AuthedRequest) -> None:
    if not can_manage_registry(request.user):
        raise PermissionDenied


@dataclass
class AccountPanel:
    """What a registry record's page shows about the expert's account."""

    user: User | None
    person_url: str
    linkable: User | None
    form: ExpertAccountForm | None


def account_panel(request: AuthedRequest, expert: Expert) -> AccountPanel:
    actor = request.user
    user = expert.user
    person_url = ""
    if user is not None and people_access.people_visible_to(actor).filter(pk=user.pk).exists():
        person_url = reverse("people:detail", args=[user.pk])
    linkable = None
    form = None
    if user is None and can_manage_registry(actor):
        if expert.email:
            linkable = (
                User.objects.filter(email=expert.email.lower(), is_active=True)
                .exclude(expert_profile__isnull=False)
                .first()
            )
        form = ExpertAccountForm(actor=actor, expert=expert)
    return AccountPanel(user=user, person_url=person_url, linkable=linkable, form=form)


def _back_to_list(request: AuthedRequest) -> HttpResponse:
    # The list's own filters, from a hidden field; only ever a query on the list's path.
    query = str(request.POST.get("query", ""))[:2000]
    return redirect(reverse("experts:list") + (f"?{query}" if query else ""))


@login_required
@require_POST
def create_accounts(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    form = ExpertAccountsForm(request.POST, actor=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back_to_list(request)
    report = accounts_create_for_experts(
        actor=request.user,
        experts=form.cleaned_data["experts"].select_related("user").order_by("sort_key", "pk"),
        organization=form.cleaned_data["organization"],
        link_existing=form.cleaned_data["link_existing"],
        request=request,
    )
    return TemplateResponse(
        request,
        "experts/accounts_result.html",
        {
            "report": report,
            "organization": form.cleaned_data["organization"],
            "can_see_people": people_access.can_manage_people(request.user),
        },
    )


def _expert_for_accounts(request: AuthedRequest, pk: int) -> Expert:
    expert = get_expert_for_update(request.user, pk)
    _require_manager(request)
    return expert


@login_required
@require_POST
def create_account(request: AuthedRequest, pk: int) -> HttpResponse:
    expert = _expert_for_accounts(request, pk)
    form = ExpertAccountForm(request.POST, actor=request.user, expert=expert)
    if not form.is_valid():
        messages.error(request, _("Choose the membership organisation."))
        return redirect(expert)
    [result] = accounts_create_for_experts(
        actor=request.user,
        experts=[expert],
        organization=form.cleaned_data["organization"],
        request=request,
    ).results
    if result.outcome == Outcome.CREATED:
        messages.success(
            request,
            _("The account was created and the activation email sent to %(email)s.")
            % {"email": result.user.email if result.user else expert.email},
        )
    else:
        messages.error(request, result.message)
    return redirect(expert)


@login_required
@require_POST
def link_account(request: AuthedRequest, pk: int) -> HttpResponse:
    expert = _expert_for_accounts(request, pk)
    form = ExpertAccountForm(request.POST, actor=request.user, expert=expert)
    if not form.is_valid():
        messages.error(request, _("Choose the membership organisation."))
        return redirect(expert)
    try:
        expert_link_account(
            actor=request.user,
            expert=expert,
            organization=form.cleaned_data["organization"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, str(OUTCOME_MESSAGES[Outcome.LINKED]))
    return redirect(expert)
