"""Who may see and change workshops.

* The administrator and the secretariat see and run every workshop.
* Leadership reads every workshop and changes nothing.
* Agency officers see the workshops their organisation (or one below it)
  hosts, and those they are invited to.
* Experts, and anyone else, see only the workshops they are invited to (404
  otherwise); an invitee answers their own invitation.
* A guest (invited without an account) reaches their one invitation through the
  personal link e-mailed to them, and nothing else.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from thamvan.accounts.models import Role, User
from thamvan.accounts.tokens import hash_token
from thamvan.audit.denied import not_found
from thamvan.events.models import Invitation, MinutesConclusion, Workshop
from thamvan.programme.access import scope_ids


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_manage_workshops(user: User) -> bool:
    return _active(user) and (user.is_admin or user.has_role(Role.SECRETARIAT))


def reads_all_workshops(user: User) -> bool:
    return _active(user) and (user.is_admin or user.has_role(Role.SECRETARIAT, Role.LEADERSHIP))


def workshop_visibility_q(user: User, prefix: str = "") -> Q:
    if not _active(user):
        return Q(pk__in=[])
    if reads_all_workshops(user):
        return Q()
    invited = Invitation.objects.filter(user_id=user.pk).values("workshop_id")
    visible = Q(**{f"{prefix}pk__in": invited})
    hosts = scope_ids(user, Role.AGENCY_OFFICER)
    if hosts:
        visible |= Q(**{f"{prefix}host_id__in": sorted(hosts)})
    return visible


def get_workshop_for_user(user: User, pk: int) -> Workshop:
    try:
        return Workshop.objects.visible_to(user).select_related("host").get(pk=pk)
    except Workshop.DoesNotExist:
        raise not_found(Workshop, pk) from None


def get_workshop_for_update(user: User, pk: int) -> Workshop:
    workshop = get_workshop_for_user(user, pk)
    if not can_manage_workshops(user):
        raise PermissionDenied
    return workshop


def get_own_invitation(user: User, workshop_pk: int) -> Invitation:
    try:
        return Invitation.objects.select_related("workshop").get(
            workshop_id=workshop_pk, user_id=user.pk
        )
    except Invitation.DoesNotExist:
        raise Http404 from None


def get_invitation_for_update(user: User, workshop_pk: int, pk: int) -> Invitation:
    """An invitation of a workshop the user sees, for a workshop manager to act on."""
    workshop = get_workshop_for_update(user, workshop_pk)
    try:
        invitation = Invitation.objects.get(pk=pk, workshop=workshop)
    except Invitation.DoesNotExist:
        raise Http404 from None
    invitation.workshop = workshop
    return invitation


# What ``secrets.token_urlsafe`` writes: anything else cannot be a link and costs no query.
GUEST_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def get_guest_invitation(token: str) -> Invitation:
    """The guest invitation a personal link names; 404 for an unknown, altered or revoked
    link (the invitation of a guest taken off the list is gone, and its link with it).
    Whether the link has expired is the caller's to tell: the guest sees why."""
    if not GUEST_TOKEN.fullmatch(token):
        raise Http404
    try:
        return Invitation.objects.select_related("workshop", "workshop__host").get(
            guest_token_hash=hash_token(token), user__isnull=True
        )
    except Invitation.DoesNotExist:
        raise Http404 from None


def get_conclusion_for_update(user: User, pk: int) -> MinutesConclusion:
    """A minutes conclusion of a workshop the user sees, for a workshop manager to act on."""
    if not can_manage_workshops(user):
        raise PermissionDenied
    try:
        return MinutesConclusion.objects.select_related("workshop").get(
            pk=pk, workshop__in=Workshop.objects.visible_to(user)
        )
    except MinutesConclusion.DoesNotExist:
        raise not_found(MinutesConclusion, pk) from None
