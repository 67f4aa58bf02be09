"""Creating notifications: one row per recipient, the email sent by a task on commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from thamvan.accounts.models import User
from thamvan.notifications.models import Notification


def users_with_role(organization_ids: Iterable[int], role: str) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organization_id__in=list(organization_ids),
            memberships__role=role,
            memberships__is_active=True,
        ).distinct()
    )


def notify(
    recipients: Iterable[User | None],
    *,
    kind: str,
    message: str | Promise,
    params: dict[str, object] | None = None,
    url: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Notify each distinct active recipient in the site language; email on commit.

    ``params`` fill the message's placeholders after translation. With a ``dedupe_key``
    a recipient is notified at most once for that key.
    """
    created: list[Notification] = []
    seen: set[int] = set()
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message) % params if params else str(message)
    text = text[:500]
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        if dedupe_key:
            if Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
                continue
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        recipient=user, kind=kind, message=text, url=url, dedupe_key=dedupe_key
                    )
            except IntegrityError:
                continue
        else:
            notification = Notification.objects.create(
                recipient=user, kind=kind, message=text, url=url
            )
        created.append(notification)
    if created:
        from thamvan.notifications.tasks import send_notification_emails

        ids = [n.pk for n in created]
        transaction.on_commit(lambda: send_notification_emails.enqueue(ids))
    return created


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


__all__ = ["notification_mark_read", "notifications_mark_all_read", "notify"]
