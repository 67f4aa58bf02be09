"""Who may see and change organisations.

Organisations are reference data every signed-in user may read; the
administrator and the association's secretariat (who register consulting
firms and universities for experts' affiliations) may change them.
"""

from __future__ import annotations

from thamvan.accounts.models import Role, User
from thamvan.audit.denied import not_found
from thamvan.organizations.models import Organization


def can_manage_organizations(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN, Role.SECRETARIAT)


def get_organization_for_user(user: User, pk: int) -> Organization:
    try:
        return (
            Organization.objects.visible_to(user)
            .select_related("parent", "administrative_unit")
            .get(pk=pk)
        )
    except Organization.DoesNotExist:
        raise not_found(Organization, pk) from None


def get_organization_for_update(user: User, pk: int) -> Organization:
    if not can_manage_organizations(user):
        raise not_found(Organization, pk)
    return get_organization_for_user(user, pk)
