"""People management in the API: the same access rules and services as the people pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status

from config.api_common import Page, PageParams, paginate, responses
from thamvan.accounts import access, services
from thamvan.accounts.forms import PersonFilterForm
from thamvan.accounts.models import Membership, User
from thamvan.accounts.schemas import (
    DeactivateIn,
    ExpertAccountsIn,
    ExpertAccountsOut,
    MembershipDetailOut,
    MembershipIn,
    MembershipPatch,
    ReactivateIn,
    UserDetailOut,
    UserFilters,
    UserIn,
    UserOut,
    UserPatch,
)
from thamvan.experts.access import can_manage_registry
from thamvan.experts.models import Expert
from thamvan.organizations.models import Organization

router = Router(tags=["users"])
expert_accounts_router = Router(tags=["experts"])

UNKNOWN_ORGANIZATION = "No organisation has this id."


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_manager(request: HttpRequest) -> User:
    actor = _actor(request)
    if not access.can_manage_people(actor):
        raise PermissionDenied(str(services.NOT_ALLOWED))
    return actor


def _organization(pk: int) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise ValidationError({"organization_id": [UNKNOWN_ORGANIZATION]}, code="invalid")
    return organization


def _person(request: HttpRequest, user_id: int) -> User:
    actor = _require_manager(request)
    person = access.get_person_for_user(actor, user_id)
    return access.with_details(User.objects.filter(pk=person.pk)).get()


@router.get("", response=responses(Page[UserOut], not_found=False))
def list_users(
    request: HttpRequest, filters: Query[UserFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """People the secretariat (its organisations) or an administrator (everyone) manages,
    by name; anyone else is refused (403)."""
    actor = _require_manager(request)
    data = {
        "q": filters.q,
        "organization": filters.organization_id or "",
        "role": filters.role or "",
        "status": filters.status or "",
    }
    form = PersonFilterForm(data, actor=actor)
    people = form.filter(access.with_details(access.people_visible_to(actor)))
    return paginate(people.order_by("sort_name", "pk"), page)


@router.post("", response=responses(UserDetailOut, status=201, not_found=False))
def create_user(request: HttpRequest, payload: UserIn) -> Status:
    """Create an account with one membership (``user_create``), and send its activation
    email unless ``invite`` is false."""
    actor = _require_manager(request)
    person = services.user_create(
        actor=actor,
        email=payload.email,
        full_name=payload.full_name,
        organization=_organization(payload.organization_id),
        role=payload.role,
        position=payload.position,
        phone=payload.phone,
        request=request,
    )
    if payload.invite:
        services.user_invite(actor=actor, user=person, request=request)
    return Status(201, _person(request, person.pk))


@router.get("/{user_id}", response=responses(UserDetailOut))
def get_user(request: HttpRequest, user_id: int) -> User:
    return _person(request, user_id)


@router.patch("/{user_id}", response=responses(UserDetailOut))
def update_user(request: HttpRequest, user_id: int, payload: UserPatch) -> User:
    """Change the name, phone or email; fields left out keep their value. The email of an
    activated account is changed by administrators only (403)."""
    person = _person(request, user_id)
    changes = payload.dict(exclude_unset=True)
    for field in ("email", "full_name"):
        if field in changes and changes[field] is None:
            raise ValidationError({field: ["This field cannot be null."]}, code="invalid")
    services.user_update(
        actor=_actor(request),
        user=person,
        full_name=changes.get("full_name"),
        phone=changes.get("phone") or ("" if "phone" in changes else None),
        email=changes.get("email"),
        request=request,
    )
    return _person(request, user_id)


@router.post("/{user_id}/invite", response=responses(UserDetailOut))
def invite_user(request: HttpRequest, user_id: int) -> User:
    """Send the activation email (again); an earlier link stops working."""
    person = _person(request, user_id)
    services.user_invite(actor=_actor(request), user=person, request=request)
    return _person(request, user_id)


@router.post("/{user_id}/deactivate", response=responses(UserDetailOut))
def deactivate_user(request: HttpRequest, user_id: int, payload: DeactivateIn) -> User:
    """Shut the person out: sessions end, API tokens and activation links are revoked."""
    person = _person(request, user_id)
    services.user_deactivate(
        actor=_actor(request), user=person, reason=payload.reason, request=request
    )
    return _person(request, user_id)


@router.post("/{user_id}/reactivate", response=responses(UserDetailOut))
def reactivate_user(request: HttpRequest, user_id: int, payload: ReactivateIn) -> User:
    person = _person(request, user_id)
    services.user_reactivate(
        actor=_actor(request), user=person, reason=payload.reason, request=request
    )
    return _person(request, user_id)


def _membership_out(membership: Membership) -> Membership:
    return Membership.objects.select_related("organization").get(pk=membership.pk)


@router.post("/{user_id}/memberships", response=responses(MembershipDetailOut, status=201))
def add_membership(request: HttpRequest, user_id: int, payload: MembershipIn) -> Status:
    """Give a role in an organisation (an ended membership of that role there is restored)."""
    person = _person(request, user_id)
    membership = services.membership_add(
        actor=_actor(request),
        user=person,
        organization=_organization(payload.organization_id),
        role=payload.role,
        position=payload.position,
        request=request,
    )
    return Status(201, _membership_out(membership))


@router.patch("/{user_id}/memberships/{membership_id}", response=responses(MembershipDetailOut))
def change_membership(
    request: HttpRequest, user_id: int, membership_id: int, payload: MembershipPatch
) -> Membership:
    person = _person(request, user_id)
    membership = access.get_membership_for_user(_actor(request), person, membership_id)
    changed = services.membership_change_role(
        actor=_actor(request),
        membership=membership,
        role=payload.role,
        position=payload.position,
        request=request,
    )
    return _membership_out(changed)


@router.delete("/{user_id}/memberships/{membership_id}", response=responses(MembershipDetailOut))
def end_membership(request: HttpRequest, user_id: int, membership_id: int) -> Membership:
    """End the membership; it stays on record, ``is_active`` false."""
    person = _person(request, user_id)
    membership = access.get_membership_for_user(_actor(request), person, membership_id)
    services.membership_end(actor=_actor(request), membership=membership, request=request)
    return _membership_out(membership)


@expert_accounts_router.post("", response=responses(ExpertAccountsOut, not_found=False))
def create_expert_accounts(request: HttpRequest, payload: ExpertAccountsIn) -> dict[str, Any]:
    """The registry's "create accounts and invite" (``accounts_create_for_experts``): for each
    expert with an email and no account, an account with the expert role in the
    organisation, linked to the record, and an activation email. Each result says what
    became of one expert; ``email_taken`` ones can be linked with ``link_existing``."""
    actor = _actor(request)
    if not can_manage_registry(actor):
        raise PermissionDenied(str(services.NOT_A_REGISTRY_MANAGER))
    experts = list(
        Expert.objects.visible_to(actor)
        .filter(pk__in=set(payload.expert_ids))
        .select_related("user")
        .order_by("sort_key", "pk")
    )
    if len(experts) != len(set(payload.expert_ids)):
        raise ValidationError({"expert_ids": ["Unknown expert id."]}, code="invalid")
    report = services.accounts_create_for_experts(
        actor=actor,
        experts=experts,
        organization=_organization(payload.organization_id),
        link_existing=payload.link_existing,
        request=request,
    )
    return {
        "created": len(report.created),
        "linked": len(report.linked),
        "skipped": len(report.skipped),
        "results": [
            {
                "expert_id": r.expert.pk,
                "outcome": r.outcome,
                "user_id": r.user.pk if r.user is not None and r.done else None,
                "message": r.message,
            }
            for r in report.results
        ],
    }
