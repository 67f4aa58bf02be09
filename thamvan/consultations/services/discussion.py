"""The panel's discussion: messages between the chair, the secretariat and the members who
have submitted their opinion, during review and synthesis."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.consultations import access
from thamvan.consultations.lifecycle import ConsultationError, check
from thamvan.consultations.models import (
    DISCUSSION_MESSAGE_MAX_LENGTH,
    Consultation,
    DiscussionMessage,
    Invitation,
    Opinion,
)
from thamvan.consultations.services._common import (
    _audit,
    _lock,
    _notify,
    _require,
    _secretariat_users,
)
from thamvan.notifications.models import Notification
from thamvan.search.normalize import nfc

MESSAGE_REQUIRED = _("Write the message.")
MESSAGE_TOO_LONG = _("A message has at most %(limit)d characters.")
DISCUSSION_OPENS_ON_SUBMISSION = _(
    "The panel's discussion opens to you once you have submitted your opinion."
)
REPLY_ELSEWHERE = _("The message you reply to is not in this discussion.")
NOTIFICATION_KIND = "discussion_posted"


def discussion_participants(consultation: Consultation) -> list[User]:
    """Everyone who may read the discussion: the secretariat, the chair, and the accepted
    members who have submitted an opinion."""
    submitted = Opinion.objects.filter(
        consultation=consultation, state=Opinion.Status.SUBMITTED
    ).values("expert_id")
    panel = consultation.invitations.filter(state=Invitation.Status.ACCEPTED).filter(
        Q(is_chair=True) | Q(expert_id__in=submitted)
    )
    panel_users = User.objects.filter(pk__in=panel.values("expert__user_id"), is_active=True)
    return [*_secretariat_users(consultation), *panel_users]


def _author_role(actor: User, consultation: Consultation) -> str:
    if access.is_chair(actor, consultation):
        return DiscussionMessage.Role.CHAIR
    if access.is_secretariat(actor, consultation):
        return DiscussionMessage.Role.SECRETARIAT
    return DiscussionMessage.Role.MEMBER


def _notify_participants(actor: User, consultation: Consultation) -> None:
    """Tell the others, at most one unread notice each: a lively thread does not flood
    anyone's inbox, and reading the notice re-arms it."""
    recipients = [user for user in discussion_participants(consultation) if user.pk != actor.pk]
    waiting = set(
        Notification.objects.unread()
        .filter(
            recipient__in=recipients,
            kind=NOTIFICATION_KIND,
            url=consultation.get_absolute_url(),
        )
        .values_list("recipient_id", flat=True)
    )
    _notify(
        [user for user in recipients if user.pk not in waiting],
        consultation,
        NOTIFICATION_KIND,
        _("New messages in the panel discussion on: %(title)s"),
    )


@transaction.atomic
def discussion_post(
    *,
    actor: User,
    consultation: Consultation,
    body: str,
    is_conclusion: bool = False,
    reply_to: DiscussionMessage | None = None,
) -> DiscussionMessage:
    """Post a message; the chair may mark it as the panel's conclusion, which the synthesis
    workspace offers to copy into the conclusions."""
    _lock(consultation)
    check("discuss", actor, consultation)
    if is_conclusion:
        check("conclude", actor, consultation)
    text = nfc(body).strip()
    _require(bool(text), MESSAGE_REQUIRED, "body")
    if len(text) > DISCUSSION_MESSAGE_MAX_LENGTH:
        raise ConsultationError(
            MESSAGE_TOO_LONG, code="body", params={"limit": DISCUSSION_MESSAGE_MAX_LENGTH}
        )
    _require(
        reply_to is None or reply_to.consultation_id == consultation.pk,
        REPLY_ELSEWHERE,
        "reply_to",
    )
    message = DiscussionMessage.objects.create(
        consultation=consultation,
        author=actor,
        author_role=_author_role(actor, consultation),
        body=text,
        is_conclusion=is_conclusion,
        reply_to=reply_to,
    )
    _audit(
        actor,
        "discussion_message.posted",
        message,
        consultation,
        is_conclusion=is_conclusion,
        **({"reply_to": reply_to.pk} if reply_to is not None else {}),
    )
    _notify_participants(actor, consultation)
    return message
