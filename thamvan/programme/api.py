"""Programmes, their tasks and the directives behind them, over the API.

Reads go through the access helpers (an invisible object answers 404, a list
holds only what the user may see); a progress report goes through
``progress_report_add`` as the HTML form does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from config.api_common import Page, PageParams, paginate, responses
from thamvan.organizations.models import Organization
from thamvan.programme import access, services
from thamvan.programme.models import Directive, Programme, ProgressReport, Task
from thamvan.programme.schemas import (
    DirectiveDetailOut,
    DirectiveFilters,
    DirectiveOut,
    ProgrammeFilters,
    ProgrammeOut,
    ProgressReportIn,
    ProgressReportOut,
    TaskFilters,
    TaskOut,
)
from thamvan.programme.services import ProgrammeError

router = Router(tags=["programme"])
tasks_router = Router(tags=["programme"])
directives_router = Router(tags=["programme"])


@router.get("", response=responses(Page[ProgrammeOut], not_found=False))
def list_programmes(
    request: HttpRequest, filters: Query[ProgrammeFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Programmes the user's organisations are party to or have tasks in."""
    programmes = Programme.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    return paginate(programmes.prefetch_related("parties").order_by("-period_start", "code"), page)


@router.get("/{programme_id}", response=responses(ProgrammeOut))
def get_programme(request: HttpRequest, programme_id: int) -> Programme:
    programme = access.get_programme_for_user(request.user, programme_id)  # type: ignore[arg-type]
    return Programme.objects.prefetch_related("parties").get(pk=programme.pk)


def _tasks(queryset: QuerySet[Task]) -> QuerySet[Task]:
    return queryset.select_related("conclusion").prefetch_related("cooperating_organizations")


@tasks_router.get("", response=responses(Page[TaskOut], not_found=False))
def list_tasks(
    request: HttpRequest, filters: Query[TaskFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Tasks the user may see, nearest deadline first."""
    tasks = Task.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.status is not None:
        tasks = tasks.filter(status=filters.status)
    if filters.organization_id is not None:
        tasks = tasks.for_organizations(Organization.objects.subtree_ids({filters.organization_id}))
    if filters.programme_id is not None:
        tasks = tasks.filter(programme_id=filters.programme_id)
    if filters.directive_id is not None:
        tasks = tasks.filter(conclusion__directive_id=filters.directive_id)
    tasks = tasks.deadline_within(filters.deadline_from, filters.deadline_until)
    return paginate(_tasks(tasks).order_by("deadline", "code", "pk"), page)


@tasks_router.get("/{task_id}", response=responses(TaskOut))
def get_task(request: HttpRequest, task_id: int) -> Task:
    task = access.get_task_for_user(request.user, task_id)  # type: ignore[arg-type]
    return _tasks(Task.objects.filter(pk=task.pk)).get()


@tasks_router.get("/{task_id}/reports", response=responses(list[ProgressReportOut]))
def list_progress_reports(request: HttpRequest, task_id: int) -> list[ProgressReport]:
    """The task's progress reports, newest first."""
    task = access.get_task_for_user(request.user, task_id)  # type: ignore[arg-type]
    return list(task.reports.order_by("-reported_on", "-pk"))


@tasks_router.post("/{task_id}/reports", response=responses(ProgressReportOut, status=201))
def report_progress(request: HttpRequest, task_id: int, payload: ProgressReportIn) -> Status:
    """Report progress (the lead organisation's officers, the owner, the secretariat)."""
    task = access.get_task_for_report(request.user, task_id)  # type: ignore[arg-type]
    try:
        report = services.progress_report_add(
            actor=request.user,  # type: ignore[arg-type]
            task=task,
            progress=payload.progress,
            note=payload.note,
            reported_on=payload.reported_on,
        )
    except ProgrammeError as error:
        if error.code == "forbidden":
            raise PermissionDenied(" ".join(error.messages)) from error
        raise
    return Status(201, report)


@directives_router.get("", response=responses(Page[DirectiveOut], not_found=False))
def list_directives(
    request: HttpRequest, filters: Query[DirectiveFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Directives, newest first (secretariat, leadership, agency officers, administrators)."""
    directives = Directive.objects.visible_to(request.user).search(filters.q)  # type: ignore[arg-type]
    if filters.kind is not None:
        directives = directives.filter(kind=filters.kind)
    return paginate(directives.order_by("-issued_on", "-pk"), page)


@directives_router.get("/{directive_id}", response=responses(DirectiveDetailOut))
def get_directive(request: HttpRequest, directive_id: int) -> Directive:
    directive = access.get_directive_for_user(request.user, directive_id)  # type: ignore[arg-type]
    return Directive.objects.prefetch_related("conclusions").get(pk=directive.pk)
