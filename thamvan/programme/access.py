"""Who may see and change programmes, directives, tasks and progress reports.

Reading:

* the administrator and the secretariat see everything;
* leadership sees the programmes their organisation (or one below it) is a
  party to, with all their tasks, and every task led by or shared with their
  organisations;
* agency officers see the tasks their organisation or a unit below it leads
  or cooperates on, and the programmes and directives those tasks belong to;
* a task's owner always sees it;
* experts and users without a role see none of it (404).

Changing: the secretariat (and the administrator) manage programmes,
directives and tasks; progress is reported by the lead organisation's
officers, the task's owner and the secretariat. Leadership changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from thamvan.accounts.models import Role, User
from thamvan.audit.denied import not_found
from thamvan.programme.models import Conclusion, Directive, Programme, ProgressReport, Task


def scope_ids(user: User, *roles: str) -> set[int]:
    """Organisations (with their subtrees) where the user holds any of the roles."""
    return user.organization_scope(*roles)


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_manage_programme(user: User) -> bool:
    """Programmes, directives and tasks are managed by the secretariat."""
    return _active(user) and (user.is_admin or user.has_role(Role.SECRETARIAT))


def sees_everything(user: User) -> bool:
    return can_manage_programme(user)


def can_read_directives(user: User) -> bool:
    return _active(user) and (
        user.is_admin or user.has_role(Role.SECRETARIAT, Role.LEADERSHIP, Role.AGENCY_OFFICER)
    )


def can_use_tasks(user: User) -> bool:
    """Whether the task pages are for this user at all (experts have none)."""
    return can_read_directives(user)


def task_visibility_q(user: User, prefix: str = "") -> Q:
    if not _active(user):
        return Q(pk__in=[])
    if sees_everything(user):
        return Q()
    visible = Q(**{f"{prefix}owner_id": user.pk})
    leadership = scope_ids(user, Role.LEADERSHIP)
    own = scope_ids(user, Role.LEADERSHIP, Role.AGENCY_OFFICER)
    if own:
        ids = sorted(own)
        shared = Task.cooperating_organizations.through.objects.filter(
            organization_id__in=ids
        ).values("task_id")
        visible |= Q(**{f"{prefix}lead_organization_id__in": ids}) | Q(
            **{f"{prefix}pk__in": shared}
        )
    if leadership:
        parties = Programme.parties.through.objects.filter(
            organization_id__in=sorted(leadership)
        ).values("programme_id")
        visible |= Q(**{f"{prefix}programme_id__in": parties})
    return visible


def programme_visibility_q(user: User) -> Q:
    if not _active(user):
        return Q(pk__in=[])
    if sees_everything(user):
        return Q()
    own = scope_ids(user, Role.LEADERSHIP, Role.AGENCY_OFFICER)
    visible = Q(
        pk__in=Task.objects.visible_to(user).filter(programme__isnull=False).values("programme_id")
    )
    if own:
        parties = Programme.parties.through.objects.filter(organization_id__in=sorted(own)).values(
            "programme_id"
        )
        visible |= Q(pk__in=parties)
    return visible


def can_report_progress(user: User, task: Task) -> bool:
    if not _active(user):
        return False
    if can_manage_programme(user) or (task.owner_id is not None and task.owner_id == user.pk):
        return True
    return task.lead_organization_id in scope_ids(user, Role.AGENCY_OFFICER)


def get_programme_for_user(user: User, pk: int) -> Programme:
    try:
        return Programme.objects.visible_to(user).get(pk=pk)
    except Programme.DoesNotExist:
        raise not_found(Programme, pk) from None


def get_programme_for_update(user: User, pk: int) -> Programme:
    programme = get_programme_for_user(user, pk)
    if not can_manage_programme(user):
        raise PermissionDenied
    return programme


def get_task_for_user(user: User, pk: int) -> Task:
    try:
        return (
            Task.objects.visible_to(user)
            .select_related(
                "programme", "conclusion__directive", "parent", "lead_organization", "owner"
            )
            .get(pk=pk)
        )
    except Task.DoesNotExist:
        raise not_found(Task, pk) from None


def get_task_for_update(user: User, pk: int) -> Task:
    task = get_task_for_user(user, pk)
    if not can_manage_programme(user):
        raise PermissionDenied
    return task


def get_task_for_report(user: User, pk: int) -> Task:
    task = get_task_for_user(user, pk)
    if not can_report_progress(user, task):
        raise PermissionDenied
    return task


def get_report_for_user(user: User, pk: int) -> ProgressReport:
    try:
        return ProgressReport.objects.select_related("task").get(
            pk=pk, task__in=Task.objects.visible_to(user)
        )
    except ProgressReport.DoesNotExist:
        raise not_found(ProgressReport, pk) from None


def get_directive_for_user(user: User, pk: int) -> Directive:
    try:
        return Directive.objects.visible_to(user).select_related("programme").get(pk=pk)
    except Directive.DoesNotExist:
        raise not_found(Directive, pk) from None


def get_directive_for_update(user: User, pk: int) -> Directive:
    directive = get_directive_for_user(user, pk)
    if not can_manage_programme(user):
        raise PermissionDenied
    return directive


def get_conclusion_for_update(user: User, pk: int) -> Conclusion:
    """A directive's conclusion the user sees, for the programme's managers to assign."""
    if not can_manage_programme(user):
        raise PermissionDenied
    try:
        return Conclusion.objects.select_related("directive").get(
            pk=pk, directive__in=Directive.objects.visible_to(user)
        )
    except Conclusion.DoesNotExist:
        raise not_found(Conclusion, pk) from None
