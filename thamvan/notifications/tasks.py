from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

from thamvan.notifications.models import Notification


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each notification not yet emailed; returns how many were sent."""
    sent = 0
    # Absolute links need the public address, which only configuration knows.
    site_url = str(getattr(settings, "SITE_URL", "")).rstrip("/")
    pending = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
    for notification in pending.select_related("recipient"):
        body = f"{notification.message}\n\n{site_url}{notification.url}".strip()
        send_mail(
            subject=f"[thamvan] {notification.message[:120]}",
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
