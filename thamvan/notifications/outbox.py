"""Every e-mail the site sends goes through here: recorded first, then sent by the task
queue, retried when the mail server fails, its fate shown where the mail was caused.

``send_templated`` renders ``<template>_subject.txt`` and ``<template>.txt`` in the site
language; ``send`` takes a subject and a body already written. Both return the
recorded :class:`OutgoingEmail` and send after the surrounding transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from thamvan.accounts.models import User
from thamvan.notifications.models import OutgoingEmail

logger = logging.getLogger(__name__)

Status = OutgoingEmail.Status
# Minutes to wait after the first, second, … failure; the last failure is final.
RETRY_DELAYS_MINUTES = (1, 5, 30, 120)
# A send claimed longer ago than this was interrupted (a worker stopped): try again.
STALE_SENDING = timedelta(minutes=10)


def max_attempts() -> int:
    return int(getattr(settings, "EMAIL_MAX_ATTEMPTS", len(RETRY_DELAYS_MINUTES) + 1))


def _attachment(name: str, content: str, mimetype: str) -> dict[str, str]:
    return {"name": name, "content": content, "mimetype": mimetype}


def send(
    *,
    to: str,
    subject: str,
    body: str,
    template: str,
    related: models.Model | None = None,
    user: User | None = None,
    attachments: Sequence[tuple[str, str, str]] = (),
    sensitive: bool = False,
) -> OutgoingEmail:
    """Record the mail and send it once the transaction commits.

    ``attachments`` are (file name, text, MIME type); ``sensitive`` mails (a personal
    link) lose their body once sent, so the database does not keep the link.
    """
    email = OutgoingEmail.objects.create(
        recipient=to.strip().lower(),
        recipient_user=user,
        template=template[:120],
        # Mail headers take one line.
        subject=" ".join(subject.split())[:255],
        body=body,
        attachments=[_attachment(*a) for a in attachments],
        sensitive=sensitive,
        content_type=ContentType.objects.get_for_model(related) if related is not None else None,
        object_id=related.pk if related is not None else None,
    )
    from thamvan.notifications.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email.enqueue(email.pk))
    return email


def render(template: str, context: dict[str, Any], language: str | None = None) -> tuple[str, str]:
    """The subject and body of ``template`` in ``language`` (the site's by default)."""
    context = {"site_url": str(settings.SITE_URL).rstrip("/"), **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    return subject, body


def send_templated(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    related: models.Model | None = None,
    user: User | None = None,
    attachments: Sequence[tuple[str, str, str]] = (),
    sensitive: bool = False,
    language: str | None = None,
) -> OutgoingEmail:
    subject, body = render(template, context, language)
    return send(
        to=to,
        subject=subject,
        body=body,
        template=template,
        related=related,
        user=user,
        attachments=attachments,
        sensitive=sensitive,
    )


def _claim(pk: int, now: datetime) -> bool:
    """Mark the mail as being sent, unless another worker has it or it is not due."""
    due = models.Q(status__in=(Status.QUEUED, Status.RETRYING), next_attempt_at__lte=now) | (
        models.Q(status=Status.SENDING, next_attempt_at__lte=now - STALE_SENDING)
    )
    return bool(
        OutgoingEmail.objects.filter(due, pk=pk).update(status=Status.SENDING, next_attempt_at=now)
    )


def deliver(pk: int, now: datetime | None = None) -> str:
    """Try to send the mail once; returns its status afterwards. Never raises for a
    failing mail server: the failure is recorded and a retry planned."""
    now = now or timezone.now()
    if not _claim(pk, now):
        return str(OutgoingEmail.objects.filter(pk=pk).values_list("status", flat=True).first())
    email = OutgoingEmail.objects.get(pk=pk)
    message = EmailMessage(email.subject, email.body, None, [email.recipient])
    for attachment in email.attachments:
        message.attach(attachment["name"], attachment["content"], attachment["mimetype"])
    attempts = email.attempts + 1
    try:
        message.send()
    # Any failure of the mail server (refused, timed out, rejected) is retried.
    except Exception as error:
        logger.warning("E-mail %s failed (attempt %s): %s", pk, attempts, error)
        final = attempts >= max_attempts()
        delay = RETRY_DELAYS_MINUTES[min(attempts, len(RETRY_DELAYS_MINUTES)) - 1]
        OutgoingEmail.objects.filter(pk=pk).update(
            status=Status.FAILED if final else Status.RETRYING,
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:500],
            next_attempt_at=now + timedelta(minutes=delay),
        )
        return Status.FAILED if final else Status.RETRYING
    changes: dict[str, Any] = {
        "status": Status.SENT,
        "attempts": attempts,
        "sent_at": timezone.now(),
        "last_error": "",
    }
    if email.sensitive:
        changes["body"] = ""
    OutgoingEmail.objects.filter(pk=pk).update(**changes)
    return Status.SENT


def deliver_due(now: datetime | None = None) -> int:
    """Send every mail whose retry is due (and any whose first send was lost); returns
    how many were sent."""
    now = now or timezone.now()
    due = OutgoingEmail.objects.filter(
        models.Q(status__in=(Status.QUEUED, Status.RETRYING), next_attempt_at__lte=now)
        | models.Q(status=Status.SENDING, next_attempt_at__lte=now - STALE_SENDING)
    ).values_list("pk", flat=True)
    return sum(deliver(pk, now) == Status.SENT for pk in list(due[:500]))


def retry_now(email: OutgoingEmail) -> OutgoingEmail:
    """Send a failed or waiting mail again at once (the person fixed the address or the
    server is back); a sent mail is left alone."""
    if email.status in (Status.RETRYING, Status.FAILED, Status.QUEUED):
        now = timezone.now()
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=Status.RETRYING, next_attempt_at=now
        )
        from thamvan.notifications.tasks import deliver_email

        transaction.on_commit(lambda: deliver_email.enqueue(email.pk))
        email.refresh_from_db()
    return email


def latest_for(model: type[models.Model], ids: Iterable[int]) -> dict[int, OutgoingEmail]:
    """The newest mail about each of the objects, in one query (for list pages)."""
    ids = list(ids)
    if not ids:
        return {}
    latest: dict[int, OutgoingEmail] = {}
    emails = OutgoingEmail.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=ids
    ).only(
        "pk",
        "object_id",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "template",
    )
    for email in emails.order_by("object_id", "-created_at", "-pk"):
        if email.object_id is not None:
            latest.setdefault(email.object_id, email)
    return latest


__all__ = ["deliver", "deliver_due", "latest_for", "render", "retry_now", "send", "send_templated"]
