"""People pages: the secretariat's and administrators' list of accounts, and each person's page.

What a page offers comes from ``thamvan.accounts.access``; every change goes
through ``thamvan.accounts.services``, which checks the same rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thamvan.accounts import access, services
from thamvan.accounts.forms import (
    DeactivateForm,
    MembershipChangeForm,
    MembershipForm,
    PersonCreateForm,
    PersonEditForm,
    PersonFilterForm,
)
from thamvan.accounts.models import User
from thamvan.core.http import AuthedRequest
from thamvan.core.pagination import paginate, query_without_page
from thamvan.experts.access import can_read_registry
from thamvan.experts.models import Expert
from thamvan.notifications.models import OutgoingEmail


def _require_manager(request: AuthedRequest) -> None:
    if not access.can_manage_people(request.user):
        raise PermissionDenied


def _person(request: AuthedRequest, pk: int) -> User:
    _require_manager(request)
    person = access.get_person_for_user(request.user, pk)
    return access.with_details(User.objects.filter(pk=person.pk)).get()


@login_required
@require_GET
def person_list(request: AuthedRequest) -> TemplateResponse:
    _require_manager(request)
    filters = PersonFilterForm(request.GET, actor=request.user)
    people = filters.filter(access.with_details(access.people_visible_to(request.user)))
    context = {
        "filters": filters,
        "page_obj": paginate(request, people.order_by("sort_name", "pk")),
        "query_string": query_without_page(request),
        "can_create": bool(access.grantable_roles(request.user)),
    }
    template = "accounts/people/list.html#results" if request.htmx else "accounts/people/list.html"
    return TemplateResponse(request, template, context)


def _add_service_error(form: Form, error: ValidationError, field: str | None = None) -> None:
    # Service errors name no field: put them where the person looks.
    codes = {"email_taken": "email", "email": "email", "full_name": "full_name", "role": "role"}
    target = field or codes.get(str(getattr(error, "code", "") or ""))
    form.add_error(target if target in form.fields else None, error)


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: AuthedRequest) -> HttpResponse:
    _require_manager(request)
    if not access.grantable_roles(request.user):
        raise PermissionDenied
    form = PersonCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.user_create(
                actor=request.user,
                email=data["email"],
                full_name=data["full_name"],
                organization=data["organization"],
                role=data["role"],
                position=data["position"],
                phone=data["phone"],
                request=request,
            )
            if data["send_invitation"]:
                services.user_invite(actor=request.user, user=person, request=request)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            if data["send_invitation"]:
                messages.success(
                    request,
                    _("The account was created and the activation email sent to %(email)s.")
                    % {"email": person.email},
                )
            else:
                messages.success(request, _("The account was created."))
            return redirect("people:detail", person.pk)
    return TemplateResponse(request, "accounts/people/create.html", {"form": form})


def _detail_context(
    request: AuthedRequest,
    person: User,
    *,
    membership_form: MembershipForm | None = None,
    change_forms: dict[int, MembershipChangeForm] | None = None,
) -> dict[str, Any]:
    actor = request.user
    actions = access.person_actions(actor, person)
    change_forms = change_forms or {}
    memberships = []
    for membership in person.memberships.all():
        allowed = access.membership_actions(actor, membership)
        form = change_forms.get(membership.pk)
        if form is None and access.CHANGE_MEMBERSHIP in allowed:
            form = MembershipChangeForm(actor=actor, membership=membership)
        memberships.append({"membership": membership, "actions": allowed, "form": form})
    if membership_form is None and access.ADD_MEMBERSHIP in actions:
        membership_form = MembershipForm(actor=actor)
    invitation = person.account_invitations.first()
    activation_email = (
        OutgoingEmail.objects.for_object(person)
        .filter(template=services.ACTIVATION_TEMPLATE)
        .order_by("-created_at", "-pk")
        .first()
    )
    expert: Expert | None = getattr(person, "expert_profile", None)
    return {
        "person": person,
        "actions": actions,
        "memberships": memberships,
        "membership_form": membership_form,
        "invitation": invitation,
        "invitation_state": invitation.state() if invitation is not None else "",
        "activation_email": activation_email,
        "activated": person.has_usable_password(),
        "expert": expert,
        "show_expert_link": expert is not None and can_read_registry(actor),
        "is_self": person.pk == actor.pk,
    }


@login_required
@require_GET
def person_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    person = _person(request, pk)
    context = _detail_context(request, person)
    return TemplateResponse(request, "accounts/people/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    actions = access.person_actions(request.user, person)
    if access.EDIT not in actions:
        raise PermissionDenied
    form = PersonEditForm(
        request.POST or None, person=person, may_change_email=access.CHANGE_EMAIL in actions
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=person,
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"] if access.CHANGE_EMAIL in actions else None,
                request=request,
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("people:detail", person.pk)
    return TemplateResponse(request, "accounts/people/edit.html", {"form": form, "person": person})


@login_required
@require_POST
def person_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    try:
        invitation = services.user_invite(actor=request.user, user=person, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The activation email was sent to %(email)s; the link is valid until %(date)s.")
            % {
                "email": person.email,
                "date": _date(invitation.expires_at),
            },
        )
    return redirect("people:detail", person.pk)


def _date(value: Any) -> str:
    return date_format(timezone.localtime(value), "d/m/Y")


@login_required
@require_http_methods(["GET", "POST"])
def person_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    if access.DEACTIVATE not in access.person_actions(request.user, person):
        raise PermissionDenied
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_deactivate(
                actor=request.user,
                user=person,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            _add_service_error(form, error, field="reason")
        else:
            messages.success(request, _("The account was deactivated."))
            return redirect("people:detail", person.pk)
    return TemplateResponse(
        request, "accounts/people/deactivate.html", {"form": form, "person": person}
    )


@login_required
@require_POST
def person_reactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    try:
        services.user_reactivate(actor=request.user, user=person, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The account was reactivated."))
    return redirect("people:detail", person.pk)


@login_required
@require_POST
def membership_add(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    if access.ADD_MEMBERSHIP not in access.person_actions(request.user, person):
        raise PermissionDenied
    form = MembershipForm(request.POST, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_add(
                actor=request.user,
                user=person,
                organization=data["organization"],
                role=data["role"],
                position=data["position"],
                request=request,
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("The role was added."))
            return redirect("people:detail", person.pk)
    person = _person(request, pk)
    context = _detail_context(request, person, membership_form=form)
    return TemplateResponse(request, "accounts/people/detail.html", context, status=422)


@login_required
@require_POST
def membership_change(request: AuthedRequest, pk: int, membership_pk: int) -> HttpResponse:
    person = _person(request, pk)
    membership = access.get_membership_for_user(request.user, person, membership_pk)
    if access.CHANGE_MEMBERSHIP not in access.membership_actions(request.user, membership):
        raise PermissionDenied
    form = MembershipChangeForm(request.POST, actor=request.user, membership=membership)
    if form.is_valid():
        try:
            services.membership_change_role(
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
                position=form.cleaned_data["position"],
                request=request,
            )
        except ValidationError as error:
            _add_service_error(form, error, field="role")
        else:
            messages.success(request, _("The role was changed."))
            return redirect("people:detail", person.pk)
    person = _person(request, pk)
    context = _detail_context(request, person, change_forms={membership.pk: form})
    return TemplateResponse(request, "accounts/people/detail.html", context, status=422)


@login_required
@require_POST
def membership_end(request: AuthedRequest, pk: int, membership_pk: int) -> HttpResponse:
    person = _person(request, pk)
    membership = access.get_membership_for_user(request.user, person, membership_pk)
    if access.END_MEMBERSHIP not in access.membership_actions(request.user, membership):
        raise PermissionDenied
    try:
        services.membership_end(actor=request.user, membership=membership, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The role was ended."))
    return redirect("people:detail", person.pk)
