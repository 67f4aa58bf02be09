"""Background jobs of workshops: invitation emails."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from thamvan.accounts.models import User
from thamvan.events.ical import calendar
from thamvan.events.models import Invitation, Workshop
from thamvan.notifications import outbox

ICS_NAME = "hoi-thao.ics"
ICS_TYPE = "text/calendar; method=PUBLISH"


@task()
def send_workshop_invitations(
    workshop_id: int, user_ids: list[int], guest_ids: list[int] | None = None
) -> int:
    """Email each invitee with the workshop attached as an .ics event; each guest (an
    invitation without an account) also gets a personal link to reply."""
    workshop = Workshop.objects.select_related("host").filter(pk=workshop_id).first()
    if workshop is None:
        return 0
    now = timezone.now()
    ics = calendar([workshop], name=workshop.topic, now=now)
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for user in User.objects.filter(pk__in=user_ids, is_active=True):
            body = render_to_string(
                "events/email/invitation.txt",
                {"workshop": workshop, "user": user, "site_url": settings.SITE_URL},
            )
            outbox.send(
                to=user.email,
                subject=_("Invitation: %(topic)s") % {"topic": workshop.topic[:120]},
                body=body,
                template="events/email/invitation",
                related=workshop,
                user=user,
                attachments=[(ICS_NAME, ics, ICS_TYPE)],
            )
            sent += 1
    if guest_ids:
        guest_ics = calendar([workshop], name=workshop.topic, now=now, with_url=False)
        guests = workshop.invitations.guests().filter(pk__in=guest_ids)
        for invitation in guests:
            if not invitation.guest_link_expired(now):
                _send_guest_invitation(invitation, workshop, guest_ics)
                sent += 1
    return sent


def _send_guest_invitation(invitation: Invitation, workshop: Workshop, ics: str) -> None:
    from thamvan.events.services import guest_link_issue

    # The new link and the mail that carries it are recorded together.
    with transaction.atomic():
        token = guest_link_issue(invitation)
        outbox.send_templated(
            to=invitation.guest_email,
            template="events/email/guest_invitation",
            context={
                "workshop": workshop,
                "invitation": invitation,
                "link": f"{settings.SITE_URL}{reverse('events:guest', args=[token])}",
            },
            related=invitation,
            attachments=[(ICS_NAME, ics, ICS_TYPE)],
            sensitive=True,
        )
