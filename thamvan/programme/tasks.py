"""Background jobs of the programme: overdue detection and deadline reminders."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from thamvan.notifications import outbox
from thamvan.programme.models import Task
from thamvan.programme.services import (
    reminder_recipients,
    tasks_due_for_reminder,
    tasks_mark_overdue,
)


@task()
def check_task_deadlines() -> dict[str, int]:
    """Mark tasks past their deadline overdue, then remind those near or past it.

    Run daily from settings.PERIODIC_TASKS; safe to run more often, since a task
    is reminded at most once a day.
    """
    today = timezone.localdate()
    overdue = tasks_mark_overdue(on=today)
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for item in tasks_due_for_reminder(on=today):
            recipients = sorted(reminder_recipients(item))
            if recipients:
                body = render_to_string(
                    "programme/email/task_reminder.txt",
                    {"task": item, "site_url": settings.SITE_URL, "today": today},
                )
                for recipient in recipients:
                    outbox.send(
                        to=recipient,
                        subject=_("Task reminder: %(title)s") % {"title": item.title[:120]},
                        body=body,
                        template="programme/email/task_reminder",
                        related=item,
                    )
                sent += 1
            Task.objects.filter(pk=item.pk).update(reminded_on=today)
    return {"overdue": len(overdue), "reminded": sent}
