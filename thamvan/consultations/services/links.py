"""Personal invitation links: how an expert without an account is reached and answers.

``panel.invitation_deliver`` e-mails such an expert a link (``link_send``). The token is
``secrets.token_urlsafe(32)`` (256 random bits); only its SHA-256 is stored, bound to
the one invitation, so a new mail (sent again, a reminder) carries a new link and
revokes the earlier ones. Opening the link (``link_find`` then ``link_state``) shows
the invitation without a password until the answer date ends, the invitation is
answered or revoked, or the consultation stops taking answers. Accepting activates the
expert's account (``link_activate``); declining needs no account (``link_decline``).

An address that already has an account (made after the invitation was sent) is never
taken over from the link: its owner signs in and answers from the link while signed
in (``link_accept_signed_in``), which ties the account to the expert.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, time, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from thamvan import audit
from thamvan.accounts import services as account_services
from thamvan.accounts.models import User
from thamvan.accounts.tokens import hash_token
from thamvan.audit.services import Action
from thamvan.consultations.lifecycle import ACTIONS, ConsultationError
from thamvan.consultations.models import Consultation, Invitation, InvitationLink
from thamvan.consultations.services import panel as panel_services
from thamvan.experts.models import Expert
from thamvan.notifications import outbox
from thamvan.notifications.models import OutgoingEmail

EMAIL_TEMPLATE = "consultations/email/invitation_link"
TOKEN_BYTES = 32
# What ``secrets.token_urlsafe`` makes, with room to spare: anything else is no token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
# How long a link lives if its invitation has no answer date (``invitations_send`` sets one).
DEFAULT_LIFETIME = timedelta(days=15)

LINK_NOT_OPEN = _("This invitation link can no longer be used.")
ACCOUNT_EXISTS = _(
    "An account with the address %(email)s already exists. Sign in with it to accept "
    "this invitation."
)
ACCOUNT_TAKEN = _(
    "Your account is already tied to another expert profile. Please contact the "
    "secretariat of the association."
)
NOT_THE_INVITEE = _("This invitation is addressed to another person.")
LINK_MAIL_CANCELLED = _("Not sent: a newer link replaced this one, or the invitation was revoked.")


class LinkState(StrEnum):
    """What opening a link leads to, checked in this order by ``link_state``."""

    UNKNOWN = "unknown"  # no such link: mistyped, altered or made up
    WITHDRAWN = "withdrawn"  # the secretariat revoked the invitation
    ACTIVATED = "activated"  # the expert has an account now: sign in
    DECLINED = "declined"  # the expert declined
    SUPERSEDED = "superseded"  # a newer link was sent
    CLOSED = "closed"  # the consultation no longer takes answers
    EXPIRED = "expired"  # the answer date has passed
    OPEN = "open"  # the expert may answer


# The states whose page answers 410 Gone (an unknown link answers 404).
GONE_STATES = frozenset(
    {LinkState.WITHDRAWN, LinkState.SUPERSEDED, LinkState.EXPIRED, LinkState.CLOSED}
)


def link_url(raw: str) -> str:
    """The absolute address of a link: from configuration, never from a request's Host."""
    return str(settings.SITE_URL).rstrip("/") + reverse("invitation_links:open", args=[raw])


def link_expiry(invitation: Invitation) -> datetime:
    """The end of the invitation's answer day, in the site's time zone."""
    if invitation.respond_by is None:
        return timezone.now() + DEFAULT_LIFETIME
    next_day = invitation.respond_by + timedelta(days=1)
    return timezone.make_aware(datetime.combine(next_day, time.min))


def _audit_link(action: str, invitation: Invitation, **data: object) -> None:
    audit.record(
        actor=None,
        action=action,
        target=invitation,
        data={"consultation": invitation.consultation_id, **data},
    )


def links_revoke(invitation: Invitation, *, reason: str) -> int:
    """Revoke the invitation's live links; returns how many (audited when any).

    A link mail still waiting to be sent would carry a dead link, and its body the
    token: it is not sent, and its body goes."""
    count = (
        InvitationLink.objects.live()
        .filter(invitation=invitation)
        .update(revoked_at=timezone.now())
    )
    with translation.override(settings.LANGUAGE_CODE):
        cancelled = str(LINK_MAIL_CANCELLED)
    OutgoingEmail.objects.for_object(invitation).filter(
        template=EMAIL_TEMPLATE,
        status__in=(OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.RETRYING),
    ).update(status=OutgoingEmail.Status.FAILED, body="", last_error=cancelled)
    if count:
        _audit_link(Action.INVITATION_LINK_REVOKED, invitation, reason=reason, count=count)
    return count


def link_create(invitation: Invitation) -> tuple[InvitationLink, str]:
    """A new link for the invitation, the earlier ones revoked; returns it and the raw
    token, which is never stored."""
    links_revoke(invitation, reason="superseded")
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    link = InvitationLink.objects.create(
        invitation=invitation, token_hash=hash_token(raw), expires_at=link_expiry(invitation)
    )
    return link, raw


def link_send(invitation: Invitation, *, reminder: bool = False) -> OutgoingEmail:
    """E-mail the expert a new personal link to the invitation (sent after commit)."""
    link, raw = link_create(invitation)
    consultation = invitation.consultation
    email = outbox.send_templated(
        to=invitation.expert.email,
        template=EMAIL_TEMPLATE,
        context={
            "expert": invitation.expert,
            "consultation": consultation,
            "dossier": consultation.dossier,
            "association": consultation.association,
            "inviter": invitation.invited_by,
            "respond_by": invitation.respond_by,
            "expires_at": link.expires_at,
            "reminder": reminder,
            "link": link_url(raw),
        },
        related=invitation,
        sensitive=True,
    )
    _audit_link(
        Action.INVITATION_LINK_SENT, invitation, link=link.pk, email=email.pk, reminder=reminder
    )
    return email


def link_find(raw: str) -> InvitationLink | None:
    """The link of a token with what its pages show, or None for anything that is not
    one of ours (altered, made up, or not a token at all)."""
    if not TOKEN_PATTERN.fullmatch(raw):
        return None
    return (
        InvitationLink.objects.select_related(
            "invitation__expert",
            "invitation__invited_by",
            "invitation__consultation__dossier__lead_agency",
            "invitation__consultation__version",
            "invitation__consultation__association",
        )
        .filter(token_hash=hash_token(raw))
        .first()
    )


def link_state(link: InvitationLink | None, now: datetime | None = None) -> LinkState:
    now = now or timezone.now()
    if link is None:
        return LinkState.UNKNOWN
    invitation = link.invitation
    if invitation.state == Invitation.Status.REVOKED:
        return LinkState.WITHDRAWN
    if invitation.expert.user_id is not None:
        return LinkState.ACTIVATED
    if invitation.state == Invitation.Status.DECLINED:
        return LinkState.DECLINED
    if link.revoked_at is not None or link.used_at is not None:
        return LinkState.SUPERSEDED
    # A withdrawn consultation expires its pending invitations: say why.
    if invitation.consultation.state not in ACTIONS["answer_invitation"].from_states:
        return LinkState.CLOSED
    if invitation.state == Invitation.Status.EXPIRED or now >= link.expires_at:
        return LinkState.EXPIRED
    if invitation.state != Invitation.Status.INVITED:
        return LinkState.CLOSED
    return LinkState.OPEN


def existing_account(expert: Expert) -> User | None:
    """An account already made for the expert's address, which the link never takes over."""
    return User.objects.filter(email=expert.email.lower()).first() if expert.email else None


def link_record_use(
    link: InvitationLink | None,
    state: LinkState,
    *,
    request: HttpRequest | None = None,
    **data: object,
) -> None:
    """Audit one opening of a link: every use is on record, refusals included (the
    address, never the token)."""
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    if link is None:
        audit.record(
            actor=actor,
            action=Action.INVITATION_LINK_REFUSED,
            data={"reason": str(state)},
            request=request,
        )
        return
    gone = state in GONE_STATES or "refused" in data
    audit.record(
        actor=actor,
        action=Action.INVITATION_LINK_REFUSED if gone else Action.INVITATION_LINK_OPENED,
        target=link.invitation,
        data={
            "consultation": link.invitation.consultation_id,
            "link": link.pk,
            "state": str(state),
            **data,
        },
        request=request,
    )


def _lock_open(link: InvitationLink) -> InvitationLink:
    """The link re-read under a row lock, still open; refused otherwise (a second tab
    or a second click answered first)."""
    locked = (
        InvitationLink.objects.select_for_update()
        .select_related("invitation__expert", "invitation__consultation")
        .get(pk=link.pk)
    )
    if link_state(locked) != LinkState.OPEN:
        raise ConsultationError(LINK_NOT_OPEN, code="link_closed")
    return locked


def _create_expert_account(expert: Expert, consultation: Consultation, password: str) -> User:
    """The expert's account: their registry name and address, the expert role in the
    consulted association, tied to their registry profile."""
    if existing_account(expert) is not None:
        raise ConsultationError(
            ACCOUNT_EXISTS, code="account_exists", params={"email": expert.email}
        )
    return account_services.expert_account_claim(
        expert=expert, organization=consultation.association, password=password
    )


def _mark_used(link: InvitationLink) -> None:
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])


@transaction.atomic
def link_activate(*, link: InvitationLink, password: str, declared: bool, statement: str) -> User:
    """Accept through the link: the expert's account is made with ``password`` (already
    checked by the password validators) and the invitation accepted with the declaration.
    Nothing is kept if any step is refused."""
    link = _lock_open(link)
    invitation = link.invitation
    user = _create_expert_account(invitation.expert, invitation.consultation, password)
    panel_services.invitation_accept(
        actor=user, invitation=invitation, declared=declared, statement=statement
    )
    _mark_used(link)
    audit.record(
        actor=user,
        action=Action.INVITATION_LINK_ACTIVATED,
        target=user,
        data={"invitation": invitation.pk, "consultation": invitation.consultation_id},
    )
    return user


@transaction.atomic
def link_accept_signed_in(
    *, link: InvitationLink, user: User, declared: bool, statement: str
) -> Invitation:
    """Accept through the link while signed in to the account that already holds the
    expert's address: that account becomes the expert's."""
    link = _lock_open(link)
    invitation = link.invitation
    expert = invitation.expert
    if not expert.email or user.email.lower() != expert.email.lower():
        raise ConsultationError(NOT_THE_INVITEE, code="forbidden")
    if Expert.objects.filter(user=user).exists():
        raise ConsultationError(ACCOUNT_TAKEN, code="account_taken")
    account_services.expert_account_claim(
        expert=expert, organization=invitation.consultation.association, user=user
    )
    panel_services.invitation_accept(
        actor=user, invitation=invitation, declared=declared, statement=statement
    )
    _mark_used(link)
    audit.record(
        actor=user,
        action=Action.INVITATION_LINK_ACTIVATED,
        target=user,
        data={
            "invitation": invitation.pk,
            "consultation": invitation.consultation_id,
            "existing_account": True,
        },
    )
    return invitation


@transaction.atomic
def link_decline(*, link: InvitationLink, reason: str) -> Invitation:
    """Decline through the link, with a reason; no account is made."""
    link = _lock_open(link)
    invitation = panel_services.invitation_decline_by_link(
        invitation=link.invitation, reason=reason
    )
    _mark_used(link)
    return invitation
