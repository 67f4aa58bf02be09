from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from thamvan.notifications import outbox
from thamvan.notifications.models import Notification


@task()
def deliver_email(email_id: int) -> str:
    """Try to send one recorded e-mail; a failure is recorded and retried later."""
    return outbox.deliver(email_id)


@task()
def deliver_due_emails() -> int:
    """Retry the e-mails whose next attempt is due (run by the scheduler)."""
    return outbox.deliver_due()


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail each notification not yet e-mailed; returns how many were queued."""
    queued = 0
    # Absolute links need the public address, which only configuration knows.
    site_url = str(getattr(settings, "SITE_URL", "")).rstrip("/")
    pending = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
    for notification in pending.select_related("recipient"):
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        body = f"{notification.message}\n\n{site_url}{notification.url}".strip()
        outbox.send(
            to=notification.recipient.email,
            subject=f"[thamvan] {notification.message[:120]}",
            body=body,
            template=f"notifications/{notification.kind}"[:120],
            related=notification,
            user=notification.recipient,
        )
        queued += 1
    return queued
