"""Tasks and directives in the knowledge base.

A task is found by its title, description, lead organisation, programme,
the directive conclusion it carries out and the notes of its progress
reports; a directive by its number, issuer, excerpt, summary and conclusions.
Who finds them is decided by the same ``visible_to`` as the pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from thamvan.search.registry import Indexable, IndexDocument, register

if TYPE_CHECKING:
    from thamvan.accounts.models import User
    from thamvan.programme.models import Directive, Task


def task_document(task: Task) -> IndexDocument:
    parts = [task.description, task.lead_organization.name]
    if task.programme is not None:
        parts.append(task.programme.name)
    if task.conclusion is not None:
        parts += [str(task.conclusion.directive), task.conclusion.text]
    parts += [report.note for report in task.reports.all()]
    return IndexDocument(
        title=str(task),
        body="\n".join(p for p in parts if p),
        dated_at=task.updated_at,
        url=task.get_absolute_url(),
        kind=task.status,
        year=(task.deadline or task.created_at).year,
        organization_id=task.lead_organization_id,
    )


def directive_document(directive: Directive) -> IndexDocument:
    parts = [directive.issuer, directive.summary]
    parts += [conclusion.text for conclusion in directive.conclusions.all()]
    return IndexDocument(
        title=str(directive),
        body="\n".join(p for p in parts if p),
        dated_at=directive.updated_at,
        url=directive.get_absolute_url(),
        kind=directive.kind,
        year=directive.issued_on.year,
    )


def _visible_tasks(user: User) -> Any:
    from thamvan.programme.models import Task

    return Task.objects.visible_to(user)


def _visible_directives(user: User) -> Any:
    from thamvan.programme.models import Directive

    return Directive.objects.visible_to(user)


def register_indexables() -> None:
    from thamvan.programme.models import Directive, Task, TaskStatus

    register(
        Indexable(
            key="task",
            label=_("Task"),
            model=Task,
            document=task_document,
            visible=_visible_tasks,
            queryset=lambda: Task.objects.select_related(
                "lead_organization", "programme", "conclusion__directive"
            ).prefetch_related("reports"),
            kinds=dict(TaskStatus.choices),
        )
    )
    register(
        Indexable(
            key="directive",
            label=_("Directive"),
            model=Directive,
            document=directive_document,
            visible=_visible_directives,
            queryset=lambda: Directive.objects.prefetch_related("conclusions"),
            kinds=dict(Directive.Kind.choices),
        )
    )
