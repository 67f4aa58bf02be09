from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from thamvan import audit
from thamvan.audit.services import Action
from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.locking import EditConflict, show_conflict
from thamvan.core.pagination import paginate, query_without_page
from thamvan.core.uploads import UploadRejected, stored_file_response
from thamvan.organizations.models import Organization
from thamvan.programme.access import (
    can_manage_programme,
    can_report_progress,
    can_use_tasks,
    get_programme_for_update,
    get_report_for_user,
    get_task_for_report,
    get_task_for_update,
    get_task_for_user,
)
from thamvan.programme.forms import ProgressReportForm, StatusForm, TaskFilterForm, TaskForm
from thamvan.programme.models import TASK_TRANSITIONS, Task, TaskQuerySet, TaskStatus
from thamvan.programme.services import (
    Attachment,
    ProgrammeError,
    progress_report_add,
    task_create,
    task_set_status,
    task_update,
    today,
)


def filter_tasks(tasks: TaskQuerySet, data: dict[str, Any]) -> TaskQuerySet:
    """The task list's filters; the dashboard counts with the same function."""
    if q := data.get("q"):
        tasks = tasks.search(q)
    if status := data.get("status"):
        tasks = tasks.filter(status=status)
    if organization := data.get("organization"):
        tasks = tasks.for_organizations(Organization.objects.subtree_ids({organization.pk}))
    if programme := data.get("programme"):
        tasks = tasks.filter(programme=programme)
    if directive := data.get("directive"):
        tasks = tasks.filter(conclusion__directive=directive)
    return tasks.deadline_within(data.get("start"), data.get("end"))


@login_required
def task_list(request: AuthedRequest) -> TemplateResponse:
    if not can_use_tasks(request.user):
        raise PermissionDenied
    filters = TaskFilterForm(request.GET)
    tasks = Task.objects.visible_to(request.user).select_related(
        "lead_organization", "programme", "conclusion__directive"
    )
    if filters.is_valid():
        tasks = filter_tasks(tasks, filters.cleaned_data)
    context = {
        "filters": filters,
        "page_obj": paginate(request, tasks),
        "query_string": query_without_page(request),
    }
    template = "programme/task_list.html#results" if request.htmx else "programme/task_list.html"
    return TemplateResponse(request, template, context)


@login_required
def task_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    # Workshops and research link to tasks, not the other way round.
    from thamvan.events.models import Workshop
    from thamvan.research.models import ResearchTopic

    task = get_task_for_user(request.user, pk)
    children = (
        Task.objects.visible_to(request.user)
        .filter(parent=task)
        .select_related("lead_organization")
        .order_by("code", "pk")
    )
    can_manage = can_manage_programme(request.user)
    return TemplateResponse(
        request,
        "programme/task_detail.html",
        {
            "task": task,
            "children": children,
            "cooperating": task.cooperating_organizations.all(),
            "reports": task.reports.select_related("author"),
            "workshops": Workshop.objects.visible_to(request.user).filter(tasks=task),
            "topics": ResearchTopic.objects.visible_to(request.user).filter(tasks=task),
            "can_manage": can_manage,
            "can_report": can_report_progress(request.user, task) and task.is_open,
            "status_choices": [
                (value, label)
                for value, label in TaskStatus.choices
                if value in TASK_TRANSITIONS[task.status]
            ]
            if can_manage
            else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_create_view(request: AuthedRequest, programme_pk: int) -> HttpResponse:
    programme = get_programme_for_update(request.user, programme_pk)
    initial = {}
    if (parent_id := request.GET.get("parent", "").strip()) and parent_id.isdigit():
        initial["parent"] = parent_id
    form = TaskForm(request.POST or None, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cooperating = data.pop("cooperating_organizations")
        data.pop("lock_version")
        try:
            task = task_create(
                actor=request.user,
                programme=programme,
                cooperating=cooperating,
                **data,
            )
        except ProgrammeError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The task was created."))
            return redirect(task)
    return TemplateResponse(
        request, "programme/task_form.html", {"form": form, "programme": programme}
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task_for_update(request.user, pk)
    form = TaskForm(request.POST or None, instance=task, programme=task.programme)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cooperating = data.pop("cooperating_organizations")
        expected_version = data.pop("lock_version")
        try:
            task_update(
                actor=request.user,
                task=task,
                cooperating=cooperating,
                expected_version=expected_version,
                **data,
            )
        except EditConflict as conflict:
            show_conflict(form, conflict)
        except ProgrammeError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The task was saved."))
            return redirect(task)
    return TemplateResponse(
        request,
        "programme/task_form.html",
        {"form": form, "task": task, "programme": task.programme},
    )


@login_required
@require_POST
def task_status(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task_for_update(request.user, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(task)
    try:
        task_set_status(actor=request.user, task=task, status=form.cleaned_data["status"])
    except ProgrammeError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The task's status was changed."))
    return redirect(task)


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task_for_report(request.user, pk)
    form = ProgressReportForm(
        request.POST or None,
        request.FILES or None,
        initial={"reported_on": today(), "progress": task.progress},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["attachment"]
        try:
            progress_report_add(
                actor=request.user,
                task=task,
                progress=form.cleaned_data["progress"],
                note=form.cleaned_data["note"],
                reported_on=form.cleaned_data["reported_on"],
                attachment=Attachment(upload, upload.name) if upload else None,
            )
        except UploadRejected as error:
            form.add_error("attachment", error)
        except ProgrammeError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The progress report was recorded."))
            return redirect(task)
    return TemplateResponse(request, "programme/report_form.html", {"form": form, "task": task})


@login_required
@rate_limit("download")
def report_attachment(request: AuthedRequest, pk: int) -> FileResponse:
    report = get_report_for_user(request.user, pk)
    response = stored_file_response(
        report.attachment, report.attachment_name, report.attachment_type
    )
    audit.record(
        actor=request.user,
        action=Action.DOWNLOAD,
        target=report,
        data={"file": report.attachment_name, "task": report.task_id},
        request=request,
    )
    return response
