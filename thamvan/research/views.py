from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from thamvan.core.http import AuthedRequest
from thamvan.core.locking import EditConflict, show_conflict
from thamvan.core.pagination import paginate, query_without_page
from thamvan.dossiers.models import Dossier
from thamvan.organizations.models import Organization
from thamvan.programme.models import Task
from thamvan.research.access import can_manage_research, get_topic_for_update, get_topic_for_user
from thamvan.research.forms import MilestoneForm, OutputForm, TopicFilterForm, TopicForm
from thamvan.research.models import ResearchTopic, TopicQuerySet
from thamvan.research.services import (
    ResearchError,
    milestone_add,
    milestone_done,
    output_add,
    topic_save,
    topic_transition,
)


def filter_topics(topics: TopicQuerySet, data: dict[str, Any]) -> TopicQuerySet:
    """The topic list's filters; the dashboard counts with the same function.

    The period keeps topics whose own period overlaps it (open ends overlap).
    """
    if q := data.get("q"):
        topics = topics.search(q)
    if status := data.get("status"):
        topics = topics.filter(status=status)
    if organization := data.get("organization"):
        topics = topics.filter(
            commissioning_organization_id__in=sorted(
                Organization.objects.subtree_ids({organization.pk})
            )
        )
    if start := data.get("start"):
        topics = topics.filter(Q(end_on__isnull=True) | Q(end_on__gte=start))
    if end := data.get("end"):
        topics = topics.filter(Q(start_on__isnull=True) | Q(start_on__lte=end))
    return topics


@login_required
def topic_list(request: AuthedRequest) -> TemplateResponse:
    filters = TopicFilterForm(request.GET)
    topics = ResearchTopic.objects.visible_to(request.user).select_related(
        "lead_expert", "commissioning_organization"
    )
    if filters.is_valid():
        topics = filter_topics(topics, filters.cleaned_data)
    context = {
        "filters": filters,
        "page_obj": paginate(request, topics),
        "query_string": query_without_page(request),
        "can_manage": can_manage_research(request.user),
    }
    template = "research/list.html#results" if request.htmx else "research/list.html"
    return TemplateResponse(request, template, context)


@login_required
def topic_detail(request: AuthedRequest, pk: int) -> TemplateResponse:
    return _topic_page(request, get_topic_for_user(request.user, pk))


def _topic_page(
    request: AuthedRequest,
    topic: ResearchTopic,
    *,
    milestone_form: MilestoneForm | None = None,
    output_form: OutputForm | None = None,
) -> TemplateResponse:
    """The topic's page; a form given back with its errors keeps what the user typed."""
    manage = can_manage_research(request.user)
    return TemplateResponse(
        request,
        "research/detail.html",
        {
            "topic": topic,
            "team": topic.team.all(),
            "milestones": topic.milestones.all(),
            "outputs": topic.outputs.all(),
            "dossiers": topic.dossiers.filter(
                pk__in=Dossier.objects.visible_to(request.user).values("pk")
            ),
            "tasks": topic.tasks.filter(pk__in=Task.objects.visible_to(request.user).values("pk")),
            "can_manage": manage,
            "transitions": [
                (value, label)
                for value, label in ResearchTopic.Status.choices
                if value in ResearchTopic.TRANSITIONS[topic.status]
            ]
            if manage
            else [],
            "milestone_form": milestone_form or (MilestoneForm() if manage else None),
            "output_form": output_form or (OutputForm() if manage else None),
        },
        status=400 if milestone_form or output_form else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request: AuthedRequest) -> HttpResponse:
    if not can_manage_research(request.user):
        raise PermissionDenied
    return _topic_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _topic_form(request, get_topic_for_update(request.user, pk))


def _topic_form(request: AuthedRequest, topic: ResearchTopic | None) -> HttpResponse:
    form = TopicForm(request.POST or None, instance=topic, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = topic_save(
                actor=request.user,
                topic=form.instance,
                team=form.cleaned_data["team"],
                dossiers=form.cleaned_data["dossiers"],
                tasks=form.cleaned_data["tasks"],
                expected_version=form.cleaned_data["lock_version"],
            )
        except EditConflict as conflict:
            show_conflict(form, conflict)
        except ResearchError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The research topic was saved."))
            return redirect(saved)
    return TemplateResponse(request, "research/form.html", {"form": form, "topic": topic})


@login_required
@require_POST
def topic_transition_view(request: AuthedRequest, pk: int) -> HttpResponse:
    topic = get_topic_for_update(request.user, pk)
    status = request.POST.get("status", "")
    if status not in ResearchTopic.Status.values:
        messages.error(request, _("Choose a status."))
        return redirect(topic)
    try:
        topic_transition(actor=request.user, topic=topic, status=status)
    except ResearchError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The research topic's status was changed."))
    return redirect(topic)


@login_required
@require_POST
def milestone_create(request: AuthedRequest, pk: int) -> HttpResponse:
    topic = get_topic_for_update(request.user, pk)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        milestone_add(actor=request.user, topic=topic, **form.cleaned_data)
        messages.success(request, _("The milestone was added."))
        return redirect(topic)
    messages.error(request, _("Give the milestone a title and a due date."))
    return _topic_page(request, topic, milestone_form=form)


@login_required
@require_POST
def milestone_complete(request: AuthedRequest, pk: int, milestone_pk: int) -> HttpResponse:
    topic = get_topic_for_update(request.user, pk)
    milestone = topic.milestones.filter(pk=milestone_pk).first()
    if milestone is None:
        raise Http404
    milestone_done(actor=request.user, milestone=milestone, on=timezone.localdate())
    messages.success(request, _("The milestone was marked done."))
    return redirect(topic)


@login_required
@require_POST
def output_create(request: AuthedRequest, pk: int) -> HttpResponse:
    topic = get_topic_for_update(request.user, pk)
    form = OutputForm(request.POST)
    if form.is_valid():
        output_add(actor=request.user, topic=topic, **form.cleaned_data)
        messages.success(request, _("The output was added."))
        return redirect(topic)
    messages.error(request, _("Give the output a kind and a title."))
    return _topic_page(request, topic, output_form=form)
