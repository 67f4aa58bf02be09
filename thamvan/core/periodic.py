"""Periodic jobs: enqueue each registered task when its interval has passed.

The schedule lives in settings.PERIODIC_TASKS as {"dotted.task.path": seconds}.
Several scheduler processes may run; the row lock on ScheduledRun makes sure a
job is enqueued once per interval whatever their number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from thamvan.core.models import ScheduledRun


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every periodic task that is due; return the names enqueued."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for name, seconds in settings.PERIODIC_TASKS.items():
        with transaction.atomic():
            run, created = ScheduledRun.objects.select_for_update().get_or_create(
                name=name, defaults={"last_enqueued_at": now}
            )
            if not created and run.last_enqueued_at + timedelta(seconds=seconds) > now:
                continue
            run.last_enqueued_at = now
            run.save(update_fields=["last_enqueued_at"])
            task = import_string(name)
            transaction.on_commit(task.enqueue)
            enqueued.append(name)
    return enqueued
