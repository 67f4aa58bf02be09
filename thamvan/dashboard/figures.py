"""The dashboard's figures, each computed by one small function.

A figure function takes a :class:`Scope` (the user, an optional organisation
and an optional period) and returns figures. Every count is made with the
same queryset and filter function as the list it links to, with the same
filter in the link, so the number on the dashboard is the number of rows the
user finds behind it.

Extension point: another app adds figures by decorating a function with
``@figure_provider("group title")`` in a module listed in
``settings.DASHBOARD_FIGURE_MODULES`` (imported once, on first use; default
``DEFAULT_FIGURE_MODULES``). The consultation figures plug in this way, from
``thamvan.dashboard.consultation_figures``. A provider returns one
:class:`FigureGroup`, or None to show nothing; a figure whose ``is_count`` is
true must equal the row count of the list its ``url`` opens, which the
dashboard tests check for every such figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.events.models import Workshop
from thamvan.events.views.workshops import filter_workshops
from thamvan.organizations.models import Organization
from thamvan.programme.models import Directive, Programme, Task, TaskStatus
from thamvan.programme.views.programmes import programme_progress
from thamvan.programme.views.tasks import filter_tasks
from thamvan.research.models import ResearchTopic
from thamvan.research.views import filter_topics


@dataclass(frozen=True)
class Scope:
    user: User
    organization: Organization | None = None
    start: date | None = None
    end: date | None = None

    def filters(self) -> dict[str, Any]:
        return {"organization": self.organization, "start": self.start, "end": self.end}

    def link(self, name: str, *args: Any, **extra: Any) -> str:
        """A list URL carrying the scope's filter plus the figure's own."""
        params: dict[str, Any] = {}
        if self.organization is not None:
            params["organization"] = self.organization.pk
        if self.start:
            params["start"] = self.start.isoformat()
        if self.end:
            params["end"] = self.end.isoformat()
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        url = reverse(name, args=args)
        return f"{url}?{urlencode(params)}" if params else url


@dataclass
class Figure:
    key: str
    label: str | Promise
    value: int | float | None
    url: str = ""
    unit: str = ""
    # For a chart: the value's share of the group's largest value, 0–100.
    share: float = 0.0
    # True when the value is a count of the rows behind ``url``.
    is_count: bool = True


@dataclass
class FigureGroup:
    key: str
    title: str | Promise
    figures: list[Figure] = field(default_factory=list)
    chart: bool = False

    def with_shares(self) -> FigureGroup:
        top = max((f.value or 0 for f in self.figures), default=0)
        for item in self.figures:
            item.share = round(100 * (item.value or 0) / top, 1) if top else 0.0
        return self


Provider = Callable[[Scope], FigureGroup | None]
# Modules whose figure providers join the ones below; each registers itself on import.
DEFAULT_FIGURE_MODULES = ["thamvan.dashboard.consultation_figures"]
_PROVIDERS: list[Provider] = []
_loaded = False


def figure_provider(func: Provider) -> Provider:
    _PROVIDERS.append(func)
    return func


def providers() -> list[Provider]:
    global _loaded
    if not _loaded:
        for module in getattr(settings, "DASHBOARD_FIGURE_MODULES", DEFAULT_FIGURE_MODULES):
            import_module(module)
        _loaded = True
    return list(_PROVIDERS)


def compute(scope: Scope) -> list[FigureGroup]:
    groups = [provider(scope) for provider in providers()]
    return [group for group in groups if group is not None]


# ---------------------------------------------------------------------------
# Programme, tasks and directives
# ---------------------------------------------------------------------------


def scoped_tasks(scope: Scope) -> Any:
    return filter_tasks(Task.objects.visible_to(scope.user), scope.filters())


@figure_provider
def task_figures(scope: Scope) -> FigureGroup:
    by_status = dict(scoped_tasks(scope).order_by().values_list("status").annotate(n=Count("pk")))
    group = FigureGroup("tasks", _("Tasks by status"), chart=True)
    group.figures.append(
        Figure(
            "tasks_total",
            _("All tasks"),
            sum(by_status.values()),
            scope.link("programme:task_list"),
        )
    )
    for status, label in TaskStatus.choices:
        group.figures.append(
            Figure(
                f"tasks_{status}",
                label,
                by_status.get(status, 0),
                scope.link("programme:task_list", status=status),
            )
        )
    return group.with_shares()


@figure_provider
def programme_figures(scope: Scope) -> FigureGroup:
    programmes_qs = Programme.objects.visible_to(scope.user)
    if scope.organization is not None:
        programmes_qs = programmes_qs.filter(
            parties__in=sorted(Organization.objects.subtree_ids({scope.organization.pk}))
        ).distinct()
    if scope.start:
        programmes_qs = programmes_qs.filter(period_end__gte=scope.start)
    if scope.end:
        programmes_qs = programmes_qs.filter(period_start__lte=scope.end)
    programmes = list(programmes_qs.order_by("-period_start", "pk")[:10])
    progress = programme_progress([p.pk for p in programmes])
    group = FigureGroup("programmes", _("Programme progress"), chart=True)
    for programme in programmes:
        group.figures.append(
            Figure(
                f"programme_{programme.pk}",
                programme.name,
                progress[programme.pk],
                programme.get_absolute_url(),
                unit="%",
                is_count=False,
            )
        )
    for item in group.figures:
        item.share = float(item.value or 0)
    return group


@figure_provider
def directive_figures(scope: Scope) -> FigureGroup:
    """For each directive: its tasks in scope, and how many are done."""
    rows = (
        scoped_tasks(scope)
        .filter(conclusion__isnull=False)
        .order_by()
        .values_list("conclusion__directive_id", "status")
        .annotate(n=Count("pk"))
    )
    totals: dict[int, dict[str, int]] = {}
    for directive_id, status, count in rows:
        totals.setdefault(directive_id, {})[status] = count
    directives = Directive.objects.visible_to(scope.user).filter(pk__in=list(totals))
    group = FigureGroup("directives", _("Directive implementation"), chart=True)
    for directive in directives.order_by("-issued_on"):
        counts = totals[directive.pk]
        total = sum(counts.values())
        done = counts.get(TaskStatus.DONE, 0)
        group.figures.append(
            Figure(
                f"directive_{directive.pk}_tasks",
                _("%(number)s: tasks") % {"number": directive.number},
                total,
                scope.link("programme:task_list", directive=directive.pk),
            )
        )
        group.figures.append(
            Figure(
                f"directive_{directive.pk}_done",
                _("%(number)s: done") % {"number": directive.number},
                done,
                scope.link("programme:task_list", directive=directive.pk, status=TaskStatus.DONE),
            )
        )
    return group.with_shares()


# ---------------------------------------------------------------------------
# Workshops and research
# ---------------------------------------------------------------------------


@figure_provider
def workshop_figures(scope: Scope) -> FigureGroup:
    workshops = filter_workshops(
        Workshop.objects.visible_to(scope.user), {**scope.filters(), "when": "upcoming"}
    )
    held = filter_workshops(
        Workshop.objects.visible_to(scope.user),
        {**scope.filters(), "status": Workshop.Status.MINUTES_PUBLISHED},
    )
    group = FigureGroup("workshops", _("Workshops"))
    group.figures.append(
        Figure(
            "workshops_upcoming",
            _("Upcoming workshops"),
            workshops.count(),
            scope.link("events:list", when="upcoming"),
        )
    )
    group.figures.append(
        Figure(
            "workshops_minutes",
            _("Workshops with published minutes"),
            held.count(),
            scope.link("events:list", status=Workshop.Status.MINUTES_PUBLISHED),
        )
    )
    return group


@figure_provider
def research_figures(scope: Scope) -> FigureGroup:
    topics = filter_topics(ResearchTopic.objects.visible_to(scope.user), scope.filters())
    by_status = dict(topics.order_by().values_list("status").annotate(n=Count("pk")))
    group = FigureGroup("research", _("Research topics by state"), chart=True)
    for status, label in ResearchTopic.Status.choices:
        group.figures.append(
            Figure(
                f"research_{status}",
                label,
                by_status.get(status, 0),
                scope.link("research:list", status=status),
            )
        )
    return group.with_shares()
