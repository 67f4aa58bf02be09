from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
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
from thamvan.programme.access import (
    can_manage_programme,
    can_read_directives,
    get_conclusion_for_update,
    get_directive_for_update,
    get_directive_for_user,
)
from thamvan.programme.forms import AssignForm, ConclusionForm, DirectiveFilterForm, DirectiveForm
from thamvan.programme.models import Directive, Task, TaskStatus
from thamvan.programme.services import (
    Attachment,
    ProgrammeError,
    conclusion_add,
    conclusion_assign,
    directive_save,
)


@login_required
def directive_list(request: AuthedRequest) -> TemplateResponse:
    if not can_read_directives(request.user):
        raise PermissionDenied
    filters = DirectiveFilterForm(request.GET)
    directives = Directive.objects.visible_to(request.user)
    if filters.is_valid():
        directives = directives.search(filters.cleaned_data["q"])
        if kind := filters.cleaned_data["kind"]:
            directives = directives.filter(kind=kind)
    context = {
        "filters": filters,
        "page_obj": paginate(request, directives),
        "query_string": query_without_page(request),
        "can_manage": can_manage_programme(request.user),
    }
    template = (
        "programme/directive_list.html#results" if request.htmx else "programme/directive_list.html"
    )
    return TemplateResponse(request, template, context)


@login_required
def directive_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    """The directive and how each of its conclusions is being carried out."""
    return _directive_page(request, get_directive_for_user(request.user, pk))


def _directive_page(
    request: AuthedRequest, directive: Directive, *, conclusion_form: ConclusionForm | None = None
) -> TemplateResponse:
    """The directive's page; a conclusion given back with its errors keeps what was typed."""
    visible = Task.objects.visible_to(request.user).select_related("lead_organization")
    conclusions = list(
        directive.conclusions.prefetch_related(
            Prefetch("tasks", queryset=visible.order_by("deadline", "pk"), to_attr="visible_tasks")
        )
    )
    counts: Counter[str] = Counter()
    for conclusion in conclusions:
        counts.update(t.status for t in conclusion.visible_tasks)
    total = sum(counts.values())
    return TemplateResponse(
        request,
        "programme/directive_detail.html",
        {
            "directive": directive,
            "conclusions": conclusions,
            "total": total,
            "done": counts[TaskStatus.DONE],
            "overdue": counts[TaskStatus.OVERDUE],
            "cancelled": counts[TaskStatus.CANCELLED],
            "open": total - counts[TaskStatus.DONE] - counts[TaskStatus.CANCELLED],
            "can_manage": can_manage_programme(request.user),
            "conclusion_form": conclusion_form or ConclusionForm(),
        },
        status=400 if conclusion_form else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def directive_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_programme(request.user):
        raise PermissionDenied
    return _directive_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def directive_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _directive_form(request, get_directive_for_update(request.user, pk))


def _directive_form(request: AuthedRequest, directive: Directive | None) -> HttpResponse:
    form = DirectiveForm(request.POST or None, request.FILES or None, instance=directive)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["attachment_file"]
        try:
            saved = directive_save(
                actor=request.user,
                directive=form.instance,
                attachment=Attachment(upload, upload.name) if upload else None,
                expected_version=form.cleaned_data["lock_version"],
            )
        except EditConflict as conflict:
            show_conflict(form, conflict)
        except UploadRejected as error:
            form.add_error("attachment_file", error)
        except ProgrammeError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The directive was saved."))
            return redirect(saved)
    return TemplateResponse(
        request, "programme/directive_form.html", {"form": form, "directive": directive}
    )


@login_required
@rate_limit("download")
def directive_attachment(request: AuthedRequest, pk: int) -> FileResponse:
    directive = get_directive_for_user(request.user, pk)
    response = stored_file_response(
        directive.attachment, directive.attachment_name, directive.attachment_type
    )
    audit.record(
        actor=request.user,
        action=Action.DOWNLOAD,
        target=directive,
        data={"file": directive.attachment_name},
        request=request,
    )
    return response


@login_required
@require_POST
def conclusion_create(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = get_directive_for_update(request.user, pk)
    form = ConclusionForm(request.POST)
    if form.is_valid() and form.cleaned_data["text"].strip():
        conclusion_add(actor=request.user, directive=directive, text=form.cleaned_data["text"])
        messages.success(request, _("The conclusion was added."))
        return redirect(directive)
    messages.error(request, _("Enter the conclusion's text."))
    return _directive_page(request, directive, conclusion_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def conclusion_assign_view(request: AuthedRequest, pk: int) -> HttpResponse:
    conclusion = get_conclusion_for_update(request.user, pk)
    form = AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            task = conclusion_assign(
                actor=request.user,
                conclusion=conclusion,
                lead_organization=form.cleaned_data["lead_organization"],
                cooperating=form.cleaned_data["cooperating"],
                deadline=form.cleaned_data["deadline"],
                title=form.cleaned_data["title"].strip(),
            )
        except ProgrammeError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The conclusion was assigned as a task."))
            return redirect(task)
    return TemplateResponse(
        request, "programme/assign_form.html", {"form": form, "conclusion": conclusion}
    )
