"""Workshop invitations that wait for a reply, for the home page (``thamvan.core.todo``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamvan.accounts.models import User
from thamvan.core.todo import Kind, TodoItem
from thamvan.events.models import Invitation, Workshop

WORKSHOPS = Kind("workshops", _("Workshops to confirm"))

KINDS = (WORKSHOPS,)


def items(user: User) -> list[TodoItem]:
    """The user's unanswered invitations to workshops still ahead. Only once the
    invitations are sent: before that the invitee has not been asked yet."""
    if not user.is_authenticated or not user.is_active:
        return []
    workshops = (
        Workshop.objects.visible_to(user)
        .upcoming(timezone.now())
        .filter(status=Workshop.Status.INVITATIONS_SENT)
    )
    invitations = Invitation.objects.filter(
        user_id=user.pk, reply=Invitation.Reply.PENDING, workshop__in=workshops
    ).select_related("workshop")
    return [
        TodoItem(
            WORKSHOPS,
            invitation.workshop.topic,
            pgettext_lazy("workshop", "Reply to the invitation"),
            timezone.localdate(invitation.workshop.starts_at),
            invitation.workshop.get_absolute_url(),
        )
        for invitation in invitations
    ]
