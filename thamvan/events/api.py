"""Workshops and round tables over the API, read through the access helpers."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from config.api_common import Page, PageParams, paginate, responses
from thamvan.events.access import (
    get_invitation_for_update,
    get_workshop_for_update,
    get_workshop_for_user,
    reads_all_workshops,
)
from thamvan.events.models import Invitation, Workshop, invitable_users
from thamvan.events.schemas import (
    WorkshopFilters,
    WorkshopInvitationOut,
    WorkshopInviteIn,
    WorkshopOut,
    WorkshopWhen,
)
from thamvan.events.services import (
    guest_email_resend,
    workshop_invite,
    workshop_invite_guest,
    workshop_remove_guest,
    workshop_send_invitations,
)
from thamvan.notifications import outbox
from thamvan.organizations.models import Organization

router = Router(tags=["workshops"])


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _with_own_reply(workshops: QuerySet[Workshop], request: HttpRequest) -> QuerySet[Workshop]:
    own = Invitation.objects.filter(workshop=OuterRef("pk"), user=request.user)  # type: ignore[misc]
    return workshops.annotate(own_reply=Subquery(own.values("reply")[:1]))


@router.get("", response=responses(Page[WorkshopOut], not_found=False))
def list_workshops(
    request: HttpRequest, filters: Query[WorkshopFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Workshops the user may see, latest first (the same filters as the list page)."""
    workshops = Workshop.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.status is not None:
        workshops = workshops.filter(status=filters.status)
    if filters.when == WorkshopWhen.UPCOMING:
        workshops = workshops.upcoming(timezone.now())
    elif filters.when == WorkshopWhen.PAST:
        workshops = workshops.filter(starts_at__lt=timezone.now())
    if filters.organization_id is not None:
        hosts = Organization.objects.subtree_ids({filters.organization_id})
        workshops = workshops.filter(host_id__in=sorted(hosts))
    if filters.start is not None:
        workshops = workshops.filter(starts_at__gte=_day_start(filters.start))
    if filters.end is not None:
        workshops = workshops.filter(starts_at__lt=_day_start(filters.end + timedelta(days=1)))
    return paginate(_with_own_reply(workshops, request).order_by("-starts_at", "-pk"), page)


@router.get("/{workshop_id}", response=responses(WorkshopOut))
def get_workshop(request: HttpRequest, workshop_id: int) -> Workshop:
    workshop = get_workshop_for_user(request.user, workshop_id)  # type: ignore[arg-type]
    return _with_own_reply(Workshop.objects.filter(pk=workshop.pk), request).get()


# --- Invitations: people with an account and guests -------------------------------


def _with_email_status(invitations: list[Invitation]) -> list[Invitation]:
    """Each guest's newest invitation e-mail, in one query for the list."""
    emails = outbox.latest_for(Invitation, [i.pk for i in invitations if i.is_guest])
    for invitation in invitations:
        email = emails.get(invitation.pk)
        invitation.email_status = email.status if email is not None else None  # type: ignore[attr-defined]
    return invitations


@router.get("/{workshop_id}/invitations", response=responses(list[WorkshopInvitationOut]))
def list_invitations(request: HttpRequest, workshop_id: int) -> list[Invitation]:
    """Everyone invited, people with an account then guests, with their replies, for those
    who see the list on the page (secretariat, leadership, administrators)."""
    workshop = get_workshop_for_user(request.user, workshop_id)  # type: ignore[arg-type]
    if not reads_all_workshops(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    invitations = workshop.invitations.in_list_order().select_related("user")
    return _with_email_status(list(invitations))


@router.post(
    "/{workshop_id}/invitations", response=responses(list[WorkshopInvitationOut], status=201)
)
def add_invitations(request: HttpRequest, workshop_id: int, payload: WorkshopInviteIn) -> Status:
    """Invite people with an account (``user_ids``) or one guest (``name``, ``email``,
    optional ``organization``, ``position``). Answers the invitations added. Once the
    invitations are sent, the new invitees are e-mailed at once."""
    workshop = get_workshop_for_update(request.user, workshop_id)  # type: ignore[arg-type]
    if payload.user_ids:
        users = list(invitable_users().filter(pk__in=payload.user_ids))
        missing = sorted(set(payload.user_ids) - {u.pk for u in users})
        if missing:
            message = _("No active user with a membership has the id %(ids)s.") % {
                "ids": ", ".join(map(str, missing))
            }
            raise ValidationError({"user_ids": [message]}, code="invalid")
        before = set(workshop.invitations.values_list("pk", flat=True))
        workshop_invite(actor=request.user, workshop=workshop, users=users)  # type: ignore[arg-type]
        added = workshop.invitations.exclude(pk__in=before).select_related("user")
        return Status(201, _with_email_status(list(added.in_list_order())))
    invitation = workshop_invite_guest(
        actor=request.user,  # type: ignore[arg-type]
        workshop=workshop,
        name=payload.name,
        email=payload.email,
        organization=payload.organization,
        position=payload.position,
    )
    return Status(201, _with_email_status([invitation]))


@router.delete(
    "/{workshop_id}/invitations/{invitation_id}",
    response=responses(list[WorkshopInvitationOut]),
)
def remove_guest(request: HttpRequest, workshop_id: int, invitation_id: int) -> list[Invitation]:
    """Take a guest off the list; their personal link stops working (422 ``not_guest`` for
    a person with an account). Answers the invitations that remain."""
    invitation = get_invitation_for_update(request.user, workshop_id, invitation_id)  # type: ignore[arg-type]
    workshop_remove_guest(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
    remaining = invitation.workshop.invitations.in_list_order().select_related("user")
    return _with_email_status(list(remaining))


@router.post(
    "/{workshop_id}/invitations/{invitation_id}/resend",
    response=responses(WorkshopInvitationOut),
)
def resend_guest_email(request: HttpRequest, workshop_id: int, invitation_id: int) -> Invitation:
    """Send a guest's invitation e-mail again when the mail server refused it (422
    ``not_failed`` otherwise)."""
    invitation = get_invitation_for_update(request.user, workshop_id, invitation_id)  # type: ignore[arg-type]
    guest_email_resend(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
    return _with_email_status([invitation])[0]


@router.post("/{workshop_id}/send-invitations", response=responses(WorkshopOut))
def send_invitations(request: HttpRequest, workshop_id: int) -> Workshop:
    """E-mail every invitee, guests with their personal link (422 ``no_invitees`` with
    nobody invited, ``wrong_state`` once sent)."""
    workshop = get_workshop_for_update(request.user, workshop_id)  # type: ignore[arg-type]
    workshop_send_invitations(actor=request.user, workshop=workshop)  # type: ignore[arg-type]
    return _with_own_reply(Workshop.objects.filter(pk=workshop.pk), request).get()
