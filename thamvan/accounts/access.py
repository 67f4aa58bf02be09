"""Who may manage people: create accounts, send activation links, deactivate, set memberships.

* Administrators manage everyone and give any role in any organisation.
* The secretariat manages the people of its organisations (where it holds the
  secretariat role, and every unit below them): it sees whoever has or had a
  membership there, and gives only the expert and secretariat roles, only
  there. Agency officers and leadership are the city's people, and what they
  read (dossiers before approval, dashboards) is the city's to decide: their
  roles are given by an administrator.
* The secretariat changes a person's account itself (details, activation
  link, deactivation) only when every active membership of the person lies
  within its organisations and the person is no administrator: deactivating
  shuts a person out of every organisation, so it needs authority over all
  of them.
* The e-mail address of an account already activated is changed by an
  administrator only: whoever holds the address can reset the password.
* Nobody deactivates their own account or gives up their own last
  administrator role.
* Everyone else sees no person (404) and may not open the list (403).

Pages and API ask ``person_actions`` / ``membership_actions`` what to offer;
the services in ``thamvan.accounts.services`` check the same functions.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from thamvan.accounts.models import AccountInvitation, Membership, Role, User
from thamvan.audit.denied import not_found
from thamvan.organizations.models import Organization, OrganizationQuerySet

SECRETARIAT_GRANTABLE_ROLES = (Role.EXPERT, Role.SECRETARIAT)

# Names of what a person page or API answer may offer.
EDIT = "edit"
CHANGE_EMAIL = "change_email"
INVITE = "invite"
DEACTIVATE = "deactivate"
REACTIVATE = "reactivate"
ADD_MEMBERSHIP = "add_membership"
CHANGE_MEMBERSHIP = "change"
END_MEMBERSHIP = "end"


def _is_admin(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.is_admin


def can_manage_people(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_role(Role.ADMIN, Role.SECRETARIAT)


def scope_ids(actor: User) -> set[int] | None:
    """Organisations whose people ``actor`` manages; None means every organisation."""
    if _is_admin(actor):
        return None
    if not can_manage_people(actor):
        return set()
    return actor.organization_scope(Role.SECRETARIAT)


def grantable_roles(actor: User) -> list[str]:
    if _is_admin(actor):
        return list(Role.values)
    if can_manage_people(actor):
        return list(SECRETARIAT_GRANTABLE_ROLES)
    return []


def grantable_organizations(actor: User) -> OrganizationQuerySet:
    """Active organisations where ``actor`` may give roles."""
    scope = scope_ids(actor)
    organizations = Organization.objects.active()
    return organizations if scope is None else organizations.filter(pk__in=scope)


def can_grant(actor: User, organization_id: int, role: str) -> bool:
    if role not in grantable_roles(actor):
        return False
    scope = scope_ids(actor)
    return scope is None or organization_id in scope


def people_visible_to(actor: User) -> QuerySet[User]:
    scope = scope_ids(actor)
    if scope is None:
        return User.objects.all()
    if not scope:
        return User.objects.none()
    return User.objects.filter(
        Exists(Membership.objects.filter(user=OuterRef("pk"), organization_id__in=scope))
    )


def with_details(people: QuerySet[User]) -> QuerySet[User]:
    """Everything a list row, a person page or an API answer shows (and the rules above
    read), in a fixed number of queries."""
    latest_invitation = AccountInvitation.objects.filter(user=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return (
        people.select_related("expert_profile")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("organization").order_by(
                    "-is_active", "organization__name_key", "role", "pk"
                ),
            )
        )
        .annotate(invited_at=Subquery(latest_invitation.values("created_at")[:1]))
    )


def get_person_for_user(actor: User, pk: int) -> User:
    """The person, if ``actor`` may see them in the people pages; 404 otherwise."""
    person = people_visible_to(actor).filter(pk=pk).first()
    if person is None:
        raise not_found(User, pk)
    return person


def get_membership_for_user(actor: User, person: User, pk: int) -> Membership:
    """One of the person's memberships (the person already fetched through the helper above)."""
    membership = (
        Membership.objects.select_related("organization", "user").filter(user=person, pk=pk).first()
    )
    if membership is None:
        raise not_found(Membership, pk)
    return membership


def _memberships(person: User) -> list[Membership]:
    # Prefetched by the pages and the API; a query otherwise.
    return list(person.memberships.all())


def is_administrator(person: User) -> bool:
    return person.is_superuser or any(
        m.is_active and m.role == Role.ADMIN for m in _memberships(person)
    )


def can_manage_account(actor: User, person: User) -> bool:
    """Whether ``actor`` may change the account itself: details, activation, deactivation."""
    if _is_admin(actor):
        return True
    scope = scope_ids(actor)
    if not scope or is_administrator(person):
        return False
    memberships = _memberships(person)
    in_scope = [m for m in memberships if m.organization_id in scope]
    return bool(in_scope) and all(m.organization_id in scope for m in memberships if m.is_active)


def gives_up_last_admin_role(actor: User, membership: Membership, new_role: str | None) -> bool:
    """Whether changing ``membership`` to ``new_role`` (None: ending it) leaves ``actor``,
    its holder, without the administrator role."""
    if membership.user_id != actor.pk or membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return False
    if actor.is_superuser:
        return False
    others = Membership.objects.filter(user_id=actor.pk, role=Role.ADMIN, is_active=True).exclude(
        pk=membership.pk
    )
    return not others.exists()


def person_actions(actor: User, person: User) -> list[str]:
    """What ``actor`` may do with the person now, in the order the page shows them."""
    if not can_manage_people(actor):
        return []
    actions: list[str] = []
    if can_manage_account(actor, person):
        actions.append(EDIT)
        if _is_admin(actor) or not person.has_usable_password():
            actions.append(CHANGE_EMAIL)
        if person.is_active and not person.has_usable_password():
            actions.append(INVITE)
        if person.is_active and person.pk != actor.pk:
            actions.append(DEACTIVATE)
        if not person.is_active:
            actions.append(REACTIVATE)
    if grantable_roles(actor):
        actions.append(ADD_MEMBERSHIP)
    return actions


def membership_actions(actor: User, membership: Membership) -> list[str]:
    """``change`` (role or position) and ``end`` for an active membership ``actor`` may give."""
    if not membership.is_active:
        return []
    if not can_grant(actor, membership.organization_id, membership.role):
        return []
    actions = [CHANGE_MEMBERSHIP]
    if not gives_up_last_admin_role(actor, membership, None):
        actions.append(END_MEMBERSHIP)
    return actions
