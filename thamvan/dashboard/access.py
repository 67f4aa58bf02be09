"""Who may open the dashboard, and over which organisations.

Leadership, the secretariat and the administrator see the whole scope of
what they may read and may narrow it to any organisation; an agency officer
sees their own organisation (and the units below it) only. Experts and users
without a role have no dashboard (403).
"""

from __future__ import annotations

from django.db.models import QuerySet

from thamvan.accounts.models import Role, User
from thamvan.organizations.models import Organization
from thamvan.programme.access import scope_ids


def can_view_dashboard(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active) and (
        user.is_admin or user.has_role(Role.LEADERSHIP, Role.SECRETARIAT, Role.AGENCY_OFFICER)
    )


def is_organisation_scoped(user: User) -> bool:
    """Agency officers only ever see their own organisation's dashboard."""
    return not (user.is_admin or user.has_role(Role.LEADERSHIP, Role.SECRETARIAT))


def organization_choices(user: User) -> QuerySet[Organization]:
    if is_organisation_scoped(user):
        return Organization.objects.filter(pk__in=sorted(scope_ids(user, Role.AGENCY_OFFICER)))
    return Organization.objects.active()


def default_organization(user: User) -> Organization | None:
    if not is_organisation_scoped(user):
        return None
    own = user.organization_ids(Role.AGENCY_OFFICER)
    return Organization.objects.filter(pk__in=sorted(own)).order_by("name_key").first()
