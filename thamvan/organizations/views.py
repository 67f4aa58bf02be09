from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from thamvan.core.http import AuthedRequest
from thamvan.core.locking import save_form
from thamvan.core.pagination import paginate
from thamvan.organizations.access import (
    can_manage_organizations,
    get_organization_for_update,
    get_organization_for_user,
)
from thamvan.organizations.forms import OrganizationFilterForm, OrganizationForm
from thamvan.organizations.models import Organization


@login_required
def organization_list(request: AuthedRequest) -> TemplateResponse:
    filters = OrganizationFilterForm(request.GET)
    organizations = (
        Organization.objects.visible_to(request.user)
        .select_related("parent", "administrative_unit")
        .annotate(member_count=Count("memberships", distinct=True))
    )
    if filters.is_valid():
        organizations = organizations.search(filters.cleaned_data["q"])
        if kind := filters.cleaned_data["kind"]:
            organizations = organizations.filter(kind=kind)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page_obj": paginate(request, organizations),
        "query_string": query.urlencode(),
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
        organization = form.save()
        messages.success(request, _("The organisation was created."))
        return redirect(organization)
    return TemplateResponse(request, "organizations/form.html", {"form": form})


@login_required
def organization_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_update(request.user, pk)
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid() and save_form(form) is not None:
        messages.success(request, _("The organisation was saved."))
        return redirect(organization)
    return TemplateResponse(
        request, "organizations/form.html", {"form": form, "organization": organization}
    )
