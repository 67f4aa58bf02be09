from __future__ import annotations

from django_tasks import task

from thamvan.consultations.services.outcome import deadlines_check
from thamvan.consultations.services.panel import invitations_expire


@task()
def check_deadlines() -> int:
    """Reminders before answer deadlines, overdue flags, expired invitations."""
    return deadlines_check() + invitations_expire()
