from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from thamvan import audit
from thamvan.accounts.models import Membership
from thamvan.core.http import AuthedRequest
from thamvan.core.locking import save_form
from thamvan.core.pagination import paginate, query_without_page
from thamvan.organizations.access import (
    can_manage_organizations,
    get_organization_for_update,
    get_organization_for_user,
)
from thamvan.organizations.forms import OrganizationFilterForm, OrganizationForm
from thamvan.organizations.models import Organization


def _member_count() -> Coalesce:
    # A subquery is counted for the page's rows only; an aggregate over the
    # join would group every organisation, and drop the name order, first.
    members = (
        Membership.objects.filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(members), 0)


@login_required
def organization_list(request: AuthedRequest) -> TemplateResponse:
    filters = OrganizationFilterForm(request.GET)
    organizations = (
        Organization.objects.visible_to(request.user)
        .select_related("parent")
        .annotate(member_count=_member_count())
    )
    if filters.is_valid():
        organizations = organizations.search(filters.cleaned_data["q"])
        if kind := filters.cleaned_data["kind"]:
            organizations = organizations.filter(kind=kind)
    context = {
        "filters": filters,
        "page_obj": paginate(request, organizations),
        "query_string": query_without_page(request),
        "can_manage": can_manage_organizations(request.user),
    }
    template = "organizations/list.html#results" if request.htmx else "organizations/list.html"
    return TemplateResponse(request, template, context)


@login_required
def organization_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    organization = get_organization_for_user(request.user, pk)
    children = organization.children.order_by("name_key")
    return TemplateResponse(
        request,
        "organizations/detail.html",
        {
            "organization": organization,
            "children": children,
            "can_manage": can_manage_organizations(request.user),
        },
    )


@login_required
def organization_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_organizations(request.user):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            organization = form.save()
            audit.record(
                actor=request.user,
                action="organization.created",
                target=organization,
                data={"kind": organization.kind, "parent": organization.parent_id},
                request=request,
            )
        messages.success(request, _("The organisation was created."))
        return redirect(organization)
    return TemplateResponse(request, "organizations/form.html", {"form": form})


@login_required
def organization_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_update(request.user, pk)
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = save_form(form)
            if saved is not None:
                audit.record(
                    actor=request.user,
                    action="organization.updated",
                    target=saved,
                    data={"fields": sorted(form.changed_data)},
                    request=request,
                )
        if saved is not None:
            messages.success(request, _("The organisation was saved."))
            return redirect(organization)
    return TemplateResponse(
        request, "organizations/form.html", {"form": form, "organization": organization}
    )
