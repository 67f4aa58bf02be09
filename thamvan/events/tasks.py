"""Background jobs of workshops: invitation emails."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from thamvan.accounts.models import User
from thamvan.events.ical import calendar
from thamvan.events.models import Workshop
from thamvan.notifications import outbox


@task()
def send_workshop_invitations(workshop_id: int, user_ids: list[int]) -> int:
    """Email each invitee with the workshop attached as an .ics event."""
    workshop = Workshop.objects.select_related("host").filter(pk=workshop_id).first()
    if workshop is None:
        return 0
    ics = calendar([workshop], name=workshop.topic, now=timezone.now())
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
                attachments=[("hoi-thao.ics", ics, "text/calendar; method=PUBLISH")],
            )
            sent += 1
    return sent
