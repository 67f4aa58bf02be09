from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from thamvan import audit
from thamvan.audit.services import Action
from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.locking import EditConflict, show_conflict
from thamvan.core.pagination import paginate, query_without_page
from thamvan.core.uploads import IMPORT_KINDS, UploadRejected, check_upload
from thamvan.programme.access import (
    can_manage_programme,
    can_use_tasks,
    get_programme_for_update,
    get_programme_for_user,
)
from thamvan.programme.forms import ImportForm, ProgrammeForm
from thamvan.programme.models import Programme, Task, TaskQuerySet
from thamvan.programme.rollup import weighted_progress
from thamvan.programme.services import ProgrammeError, programme_save
from thamvan.programme.spreadsheet import (
    FileUnreadable,
    export_tasks,
    import_apply,
    plan_from_data,
    plan_import,
    read_rows,
)
from thamvan.search.normalize import slugify_vi

IMPORT_SALT = "thamvan.programme.import"


def programme_progress(programme_ids: list[int]) -> dict[int, int]:
    """Each programme's progress: the weighted mean of its top-level tasks, one query."""
    roots: dict[int, list[tuple[int, int, str]]] = {pk: [] for pk in programme_ids}
    for row in Task.objects.filter(programme_id__in=programme_ids, parent__isnull=True).values_list(
        "programme_id", "weight", "progress", "status"
    ):
        roots[row[0]].append((row[1], row[2], row[3]))
    return {pk: weighted_progress(items) or 0 for pk, items in roots.items()}


def _visible_tasks(request: AuthedRequest, programme: Programme) -> TaskQuerySet:
    return (
        Task.objects.visible_to(request.user)
        .filter(programme=programme)
        .select_related("lead_organization", "parent")
        .prefetch_related("cooperating_organizations")
        .order_by("code", "pk")
    )


def _tree(tasks: list[Task]) -> list[tuple[Task, int]]:
    """Tasks in tree order with their depth; a task whose parent is hidden is shown at the top."""
    by_parent: dict[int | None, list[Task]] = {}
    ids = {t.pk for t in tasks}
    for task in tasks:
        key = task.parent_id if task.parent_id in ids else None
        by_parent.setdefault(key, []).append(task)
    ordered: list[tuple[Task, int]] = []
    stack = [(t, 0) for t in reversed(by_parent.get(None, []))]
    while stack:
        task, depth = stack.pop()
        ordered.append((task, depth))
        stack.extend((c, depth + 1) for c in reversed(by_parent.get(task.pk, [])))
    return ordered


@login_required
def programme_list(request: AuthedRequest) -> TemplateResponse:
    if not can_use_tasks(request.user):
        raise PermissionDenied
    programmes = Programme.objects.visible_to(request.user).prefetch_related("parties")
    if q := request.GET.get("q", "").strip():
        programmes = programmes.search(q)
    page = paginate(request, programmes)
    progress = programme_progress([p.pk for p in page.object_list])
    for programme in page.object_list:
        programme.progress = progress.get(programme.pk, 0)
    context = {
        "page_obj": page,
        "q": q,
        "query_string": query_without_page(request),
        "can_manage": can_manage_programme(request.user),
    }
    template = "programme/list.html#results" if request.htmx else "programme/list.html"
    return TemplateResponse(request, template, context)


@login_required
def programme_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    programme = get_programme_for_user(request.user, pk)
    tasks = list(_visible_tasks(request, programme))
    return TemplateResponse(
        request,
        "programme/detail.html",
        {
            "programme": programme,
            "parties": programme.parties.all(),
            "objectives": programme.objectives.all(),
            "tree": _tree(tasks),
            "progress": programme_progress([programme.pk])[programme.pk],
            "can_manage": can_manage_programme(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_programme(request.user):
        raise PermissionDenied
    return _programme_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _programme_form(request, get_programme_for_update(request.user, pk))


def _programme_form(request: AuthedRequest, programme: Programme | None) -> HttpResponse:
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            saved = programme_save(
                actor=request.user,
                programme=form.instance,
                parties=form.cleaned_data["parties"],
                objectives=form.objective_lines(),
                expected_version=form.cleaned_data["lock_version"],
            )
        except EditConflict as conflict:
            show_conflict(form, conflict)
        except ProgrammeError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect(saved)
    return TemplateResponse(request, "programme/form.html", {"form": form, "programme": programme})


# Timeline geometry, in SVG user units.
LABEL_WIDTH = 320
CHART_WIDTH = 640
ROW_HEIGHT = 26


@login_required
def programme_timeline(request: AuthedRequest, pk: int) -> TemplateResponse:
    programme = get_programme_for_user(request.user, pk)
    tree = _tree(list(_visible_tasks(request, programme)))
    start, end = programme.period_start, programme.period_end
    for task, _depth in tree:
        start = min(start, task.start or start, task.deadline or start)
        end = max(end, task.deadline or end, task.start or end)
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return round(LABEL_WIDTH + CHART_WIDTH * (day - start).days / span, 1)

    rows = []
    for index, (task, depth) in enumerate(tree):
        y = 30 + index * ROW_HEIGHT
        row = {"task": task, "depth": depth, "y": y, "text_y": y + 16, "indent": 6 + 14 * depth}
        bar_start = task.start or task.deadline
        if bar_start and task.deadline:
            x0, x1 = x(bar_start), x(task.deadline)
            width = round(max(x1 - x0, 3), 1)
            row.update(
                x=x0, width=width, done_width=round(width * task.progress / 100, 1), bar_y=y + 5
            )
        rows.append(row)
    years = [
        {"label": year, "x": x(date(year, 1, 1))}
        for year in range(start.year + (start > date(start.year, 1, 1)), end.year + 1)
    ]
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "programme/timeline.html",
        {
            "programme": programme,
            "rows": rows,
            "years": years,
            "width": LABEL_WIDTH + CHART_WIDTH + 10,
            "height": 40 + len(rows) * ROW_HEIGHT,
            "today_x": x(today) if start <= today <= end else None,
            "chart_left": LABEL_WIDTH,
        },
    )


@login_required
@rate_limit("export")
def programme_export(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request.user, pk)
    tasks = [t for t, _depth in _tree(list(_visible_tasks(request, programme)))]
    audit.record(
        actor=request.user,
        action=Action.EXPORT,
        target=programme,
        data={"what": "tasks", "format": "xlsx", "count": len(tasks)},
        request=request,
    )
    response = HttpResponse(
        export_tasks(tasks),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"nhiem-vu-{slugify_vi(programme.code) or programme.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def programme_import(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_update(request.user, pk)
    tasks = Task.objects.filter(programme=programme).in_bulk()
    context: dict[str, object] = {"programme": programme}
    if request.method == "POST" and "token" in request.POST:
        try:
            data = signing.loads(request.POST["token"], salt=IMPORT_SALT, max_age=3600)
            if data["programme"] != programme.pk:
                raise signing.BadSignature
            count = import_apply(
                actor=request.user, tasks=tasks, plan=plan_from_data(data["changes"])
            )
        except signing.BadSignature:
            messages.error(request, _("The preview has expired; upload the file again."))
            return redirect("programme:import", pk=programme.pk)
        except ProgrammeError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("programme:import", pk=programme.pk)
        messages.success(request, _("%(count)s tasks were updated.") % {"count": count})
        return redirect(programme)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_upload(upload, allowed=IMPORT_KINDS - {"csv"}, filename=upload.name)
            rows = read_rows(upload)
        except (UploadRejected, FileUnreadable) as error:
            form.add_error("file", error)
        else:
            plan = plan_import(rows, tasks)
            context["plan"] = plan
            if plan.ok and plan.changes:
                context["token"] = signing.dumps(
                    {"programme": programme.pk, "changes": plan.as_data()}, salt=IMPORT_SALT
                )
    context["form"] = form
    return TemplateResponse(request, "programme/import.html", context)
