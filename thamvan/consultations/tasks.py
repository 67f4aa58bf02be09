from __future__ import annotations

from django_tasks import task

from thamvan.consultations.services.outcome import deadlines_check
from thamvan.consultations.services.panel import invitations_expire
from thamvan.consultations.services.reminders import invitations_remind


@task()
def check_deadlines() -> int:
    """Reminders before answer deadlines, overdue flags, expired invitations (and their
    alternates), reminders of unanswered invitations."""
    return deadlines_check() + invitations_expire() + invitations_remind()
