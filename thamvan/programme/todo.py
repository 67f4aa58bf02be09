"""Programme tasks that wait for a user, for the home page (``thamvan.core.todo``)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import Role, User
from thamvan.core.todo import Kind, TodoItem
from thamvan.programme.models import Task, TaskStatus

TASKS = Kind("tasks", _("Tasks due"))

KINDS = (TASKS,)

# A task shows once its deadline is this close, so there is time to report on it.
HORIZON_DAYS = 14


def items(user: User) -> list[TodoItem]:
    """Open tasks the user owns or their organisation leads or shares (as its officer or
    secretariat), overdue or due within the horizon."""
    if not user.is_authenticated or not user.is_active:
        return []
    mine = Q(owner_id=user.pk)
    organizations = user.organization_ids(Role.AGENCY_OFFICER, Role.SECRETARIAT)
    if organizations:
        mine |= Q(pk__in=Task.objects.for_organizations(organizations).values("pk"))
    horizon = timezone.localdate() + timedelta(days=HORIZON_DAYS)
    due = Q(deadline__lte=horizon) | Q(status=TaskStatus.OVERDUE)
    tasks = (
        Task.objects.visible_to(user)
        .open()
        .filter(mine, due)
        .only("pk", "code", "title", "deadline")
    )
    return [
        TodoItem(TASKS, str(task), _("Report progress"), task.deadline, task.get_absolute_url())
        for task in tasks
    ]
