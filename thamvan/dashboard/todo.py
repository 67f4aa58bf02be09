"""Leadership's part of the home page: a few figures of its scope and the dashboard link.

Leadership acts on nothing, so nothing waits for it in ``thamvan.core.todo``; what it
needs on arrival is where things stand, read through the same ``visible_to`` QuerySets
as the dashboard.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import Role, User
from thamvan.consultations.models import Consultation
from thamvan.dashboard.figures import Figure
from thamvan.programme.models import Task, TaskStatus


def leadership_summary(user: User) -> list[Figure]:
    """Consultations in progress and past their deadline, and overdue tasks, in the
    user's scope; empty for anyone but leadership."""
    if not (user.is_authenticated and user.is_active and user.has_role(Role.LEADERSHIP)):
        return []
    consultations = (
        Consultation.objects.visible_to(user)
        .open()
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(overdue=True)))
    )
    # The daily job marks a task overdue once its deadline passes; the task list's
    # status filter reads the same mark, so the figure and its link agree.
    late_tasks = Task.objects.visible_to(user).filter(status=TaskStatus.OVERDUE).count()
    # The consultations list has no filter for these two; the dashboard breaks them down.
    dashboard = reverse("dashboard:index")
    return [
        Figure(
            "consultations_open",
            _("Consultations in progress"),
            consultations["open"],
            dashboard,
        ),
        Figure(
            "consultations_overdue",
            _("Consultations past their deadline"),
            consultations["overdue"],
            dashboard,
        ),
        Figure(
            "tasks_overdue",
            _("Overdue tasks"),
            late_tasks,
            f"{reverse('programme:task_list')}?status={TaskStatus.OVERDUE}",
        ),
    ]
