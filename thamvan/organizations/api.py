from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from config.api_common import Page, PageParams, paginate, responses
from thamvan.organizations.access import get_organization_for_user
from thamvan.organizations.models import Organization
from thamvan.organizations.schemas import OrganizationFilters, OrganizationOut

router = Router(tags=["organizations"])


@router.get("", response=responses(Page[OrganizationOut], not_found=False))
def list_organizations(
    request: HttpRequest, filters: Query[OrganizationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Organisations, by name; every signed-in user may read them."""
    organizations = Organization.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.kind:
        organizations = organizations.filter(kind=filters.kind)
    return paginate(organizations.order_by("name_key", "pk"), page)


@router.get("/{organization_id}", response=responses(OrganizationOut))
def get_organization(request: HttpRequest, organization_id: int) -> Organization:
    return get_organization_for_user(request.user, organization_id)  # type: ignore[arg-type]
