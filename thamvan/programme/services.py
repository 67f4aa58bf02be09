"""Writes on tasks, progress reports and directives.

Every function checks the actor and the state, runs in one transaction and
keeps the progress roll-up of the changed tasks' ancestors current.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan import audit
from thamvan.accounts.models import Membership, Role, User
from thamvan.core.locking import EditConflict, save_with_lock
from thamvan.core.uploads import DOCUMENT_KINDS, check_upload, generated_key
from thamvan.organizations.models import Organization
from thamvan.programme.access import can_manage_programme, can_report_progress
from thamvan.programme.models import (
    TASK_TRANSITIONS,
    Conclusion,
    Directive,
    Objective,
    Programme,
    ProgressReport,
    Task,
    TaskStatus,
)
from thamvan.programme.rollup import Node, rolled_up
from thamvan.search.indexing import index_object
from thamvan.search.normalize import nfc

NOT_ALLOWED = _("You are not allowed to do this.")
TASK_CLOSED = _("This task is done or cancelled; its progress can no longer be reported.")
TASK_HAS_SUBTASKS = _(
    "The progress of a task with subtasks is computed from its subtasks; report progress on "
    "the subtasks instead."
)
BAD_TRANSITION = _("A task cannot move from “%(current)s” to “%(target)s”.")
REPORT_IN_FUTURE = _("The report date cannot be in the future.")
PROGRESS_RANGE = _("Progress must be a whole number from 0 to 100.")


class ProgrammeError(ValidationError):
    """A programme rule was broken; the message is shown to the user as it is."""


def today() -> date:
    return timezone.localdate()


def _reindex_tasks(tasks: Any) -> None:
    """Tasks' entries quote their programme and directive; refresh them when those change."""
    for task in tasks.only("pk"):
        index_object(task)


def _changed(before: Model, after: Model, names: Iterable[str]) -> list[str]:
    return sorted(n for n in names if getattr(before, n) != getattr(after, n))


# ---------------------------------------------------------------------------
# Roll-up
# ---------------------------------------------------------------------------


def refresh_rollup(tasks: Iterable[Task]) -> int:
    """Recompute the progress of every ancestor of the given tasks; return how many changed.

    Programme tasks are recomputed a whole programme at a time (one query for
    the tree); directive tasks outside a programme walk up their own chain.
    """
    programme_ids: set[int] = set()
    loose_parents: set[int] = set()
    for task in tasks:
        if task.programme_id is not None:
            programme_ids.add(task.programme_id)
        elif task.parent_id is not None:
            loose_parents.add(task.parent_id)
    changed = 0
    for programme_id in sorted(programme_ids):
        changed += _refresh_forest(Task.objects.filter(programme_id=programme_id))
    while loose_parents:
        parents = list(Task.objects.filter(pk__in=loose_parents))
        changed += _refresh_forest(
            Task.objects.filter(pk__in=loose_parents)
            | Task.objects.filter(parent_id__in=loose_parents)
        )
        loose_parents = {p.parent_id for p in parents if p.parent_id is not None}
    return changed


def _refresh_forest(queryset: Any) -> int:
    rows = list(queryset.values("id", "parent_id", "weight", "progress", "status"))
    nodes = [Node(r["id"], r["parent_id"], r["weight"], r["progress"], r["status"]) for r in rows]
    parent_ids = {n.parent_id for n in nodes if n.parent_id is not None}
    values = rolled_up(nodes)
    stale = [
        Task(
            pk=node.id,
            progress=values[node.id],
            # Work started below means the parent is under way too.
            status=TaskStatus.IN_PROGRESS
            if node.status == TaskStatus.PLANNED and values[node.id] > 0
            else node.status,
        )
        for node in nodes
        if node.id in parent_ids and values[node.id] != node.progress
    ]
    if stale:
        Task.objects.bulk_update(stale, ["progress", "status"])
        for task in stale:
            index_object(task)
    return len(stale)


# ---------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------


@transaction.atomic
def programme_save(
    *,
    actor: User,
    programme: Programme,
    parties: Iterable[Organization],
    objectives: Iterable[str],
    expected_version: int | None = None,
) -> Programme:
    """Create or update a programme, its parties and its objectives (replaced in order)."""
    _require_manager(actor)
    created = programme.pk is None
    old_name = Programme.objects.filter(pk=programme.pk).values_list("name", flat=True).first()
    programme.full_clean()
    save_with_lock(programme, expected_version=expected_version)
    if old_name is not None and old_name != programme.name:
        _reindex_tasks(Task.objects.filter(programme=programme))
    programme.parties.set(list(parties))
    programme.objectives.all().delete()
    Objective.objects.bulk_create(
        Objective(programme=programme, position=i, text=text)
        for i, text in enumerate((nfc(t).strip() for t in objectives if t.strip()), start=1)
    )
    audit.record(
        actor=actor,
        action="programme.created" if created else "programme.updated",
        target=programme,
        data={"code": programme.code},
    )
    return programme


# ---------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not can_manage_programme(actor):
        raise ProgrammeError(NOT_ALLOWED, code="forbidden")


def _check_transition(task: Task, target: str) -> None:
    if target != task.status and target not in TASK_TRANSITIONS[task.status]:
        raise ProgrammeError(
            BAD_TRANSITION,
            code="bad_transition",
            params={
                "current": TaskStatus(task.status).label,
                "target": TaskStatus(target).label,
            },
        )


@transaction.atomic
def task_create(
    *,
    actor: User,
    title: str,
    lead_organization: Organization,
    cooperating: Iterable[Organization] = (),
    **fields: Any,
) -> Task:
    _require_manager(actor)
    parent: Task | None = fields.get("parent")
    if parent is not None and fields.get("programme") is None:
        fields["programme"] = parent.programme
    task = Task(title=nfc(title).strip(), lead_organization=lead_organization, **fields)
    task.full_clean(exclude=["cooperating_organizations"])
    task.save()
    task.cooperating_organizations.set(list(cooperating))
    refresh_rollup([task])
    audit.record(
        actor=actor,
        action="task.created",
        target=task,
        data={"programme": task.programme_id, "conclusion": task.conclusion_id},
    )
    index_object(task)
    return task


@transaction.atomic
def task_update(
    *,
    actor: User,
    task: Task,
    cooperating: Iterable[Organization] | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Task:
    """Change a task's facts; EditConflict if it changed since ``expected_version``."""
    _require_manager(actor)
    previous = Task.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and previous.lock_version != expected_version:
        raise EditConflict(previous.lock_version)
    if "status" in fields:
        _check_transition(previous, fields["status"])
    for name, value in fields.items():
        setattr(task, name, value)
    if task.status == TaskStatus.DONE and task.completed_on is None:
        task.completed_on = today()
    # A new deadline that has not passed reopens an overdue task.
    if task.status == TaskStatus.OVERDUE and task.deadline and task.deadline >= today():
        task.status = TaskStatus.IN_PROGRESS if task.progress else TaskStatus.PLANNED
    task.full_clean(exclude=["cooperating_organizations"])
    task.lock_version = previous.lock_version + 1
    task.save()
    if cooperating is not None:
        task.cooperating_organizations.set(list(cooperating))
    refresh_rollup([task, previous])
    data: dict[str, Any] = {"fields": _changed(previous, task, fields)}
    if previous.status != task.status:
        data.update({"from": previous.status, "to": task.status})
    audit.record(actor=actor, action="task.updated", target=task, data=data)
    index_object(task)
    return task


@transaction.atomic
def task_set_status(*, actor: User, task: Task, status: str) -> Task:
    _require_manager(actor)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    _check_transition(locked, status)
    task.status = status
    fields = ["status", "updated_at"]
    if status == TaskStatus.DONE:
        task.completed_on = today()
        fields.append("completed_on")
        if not task.children.exists():
            task.progress = 100
            fields.append("progress")
    task.save(update_fields=fields)
    refresh_rollup([task])
    audit.record(
        actor=actor,
        action="task.status_changed",
        target=task,
        data={"from": locked.status, "to": status},
    )
    index_object(task)
    return task


def _store_attachment(
    model: type[Model], file: IO[bytes], filename: str, prefix: str
) -> tuple[str, str, str]:
    """Check an upload's content and store it under a generated key: (key, name, type)."""
    checked = check_upload(file, allowed=DOCUMENT_KINDS, filename=filename)
    file.seek(0)
    storage = model._meta.get_field("attachment").storage  # type: ignore[union-attr]
    stored = storage.save(generated_key(prefix, checked.extension), file)
    display = nfc(filename).replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "file"
    return stored, display, checked.content_type


@dataclass(frozen=True)
class Attachment:
    file: IO[bytes]
    filename: str


def progress_report_add(
    *,
    actor: User,
    task: Task,
    progress: int,
    note: str = "",
    reported_on: date | None = None,
    attachment: Attachment | None = None,
) -> ProgressReport:
    """Record a dated progress report; the task's progress and status follow it."""
    if not can_report_progress(actor, task):
        raise ProgrammeError(NOT_ALLOWED, code="forbidden")
    if not 0 <= progress <= 100:
        raise ProgrammeError(PROGRESS_RANGE, code="progress_range")
    reported_on = reported_on or today()
    if reported_on > today():
        raise ProgrammeError(REPORT_IN_FUTURE, code="future")
    stored = ("", "", "")
    if attachment is not None:
        # Checked and stored before the transaction, removed again if it fails.
        stored = _store_attachment(ProgressReport, attachment.file, attachment.filename, "progress")
    try:
        return _record_report(actor, task, progress, nfc(note).strip(), reported_on, stored)
    except BaseException:
        if stored[0]:
            ProgressReport._meta.get_field("attachment").storage.delete(stored[0])
        raise


@transaction.atomic
def _record_report(
    actor: User,
    task: Task,
    progress: int,
    note: str,
    reported_on: date,
    stored: tuple[str, str, str],
) -> ProgressReport:
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if not locked.is_open:
        raise ProgrammeError(TASK_CLOSED, code="closed")
    if locked.children.exclude(status=TaskStatus.CANCELLED).exists():
        raise ProgrammeError(TASK_HAS_SUBTASKS, code="has_subtasks")
    report = ProgressReport.objects.create(
        task=locked,
        reported_on=reported_on,
        progress=progress,
        note=note,
        attachment=stored[0],
        attachment_name=stored[1],
        attachment_type=stored[2],
        author=actor,
    )
    _apply_progress(locked, progress)
    task.progress, task.status, task.completed_on = (
        locked.progress,
        locked.status,
        locked.completed_on,
    )
    refresh_rollup([locked])
    audit.record(
        actor=actor,
        action="task.progress_reported",
        target=locked,
        data={"report": report.pk, "progress": progress, "reported_on": reported_on},
    )
    index_object(locked)
    return report


def _apply_progress(task: Task, progress: int) -> None:
    task.progress = progress
    fields = ["progress", "updated_at"]
    if progress >= 100:
        task.status = TaskStatus.DONE
        task.completed_on = today()
        fields += ["status", "completed_on"]
    elif progress > 0 and task.status == TaskStatus.PLANNED:
        task.status = TaskStatus.IN_PROGRESS
        fields.append("status")
    task.save(update_fields=fields)


# ---------------------------------------------------------------------------
# Directives
# ---------------------------------------------------------------------------


def directive_save(
    *,
    actor: User,
    directive: Directive,
    attachment: Attachment | None = None,
    expected_version: int | None = None,
) -> Directive:
    """Create or update a directive, storing a new attachment if one is given.

    EditConflict if the directive changed since ``expected_version``.
    """
    _require_manager(actor)
    stored = ("", "", "")
    if attachment is not None:
        stored = _store_attachment(Directive, attachment.file, attachment.filename, "directives")
        directive.attachment, directive.attachment_name, directive.attachment_type = stored
    try:
        with transaction.atomic():
            created = directive.pk is None
            directive.full_clean()
            save_with_lock(directive, expected_version=expected_version)
            if not created:
                _reindex_tasks(Task.objects.filter(conclusion__directive=directive))
            audit.record(
                actor=actor,
                action="directive.created" if created else "directive.updated",
                target=directive,
                data={"number": directive.number, "attachment": bool(stored[0])},
            )
            index_object(directive)
    except BaseException:
        if stored[0]:
            Directive._meta.get_field("attachment").storage.delete(stored[0])
        raise
    return directive


@transaction.atomic
def conclusion_add(*, actor: User, directive: Directive, text: str) -> Conclusion:
    _require_manager(actor)
    last = directive.conclusions.order_by("-position").values_list("position", flat=True).first()
    conclusion = Conclusion(directive=directive, position=(last or 0) + 1, text=nfc(text).strip())
    conclusion.full_clean()
    conclusion.save()
    audit.record(
        actor=actor,
        action="directive.conclusion_added",
        target=directive,
        data={"conclusion": conclusion.pk, "position": conclusion.position},
    )
    index_object(directive)
    return conclusion


@transaction.atomic
def conclusion_assign(
    *,
    actor: User,
    conclusion: Conclusion,
    lead_organization: Organization,
    deadline: date | None,
    title: str = "",
    cooperating: Iterable[Organization] = (),
    owner: User | None = None,
) -> Task:
    """Turn a directive's conclusion into a task for an organisation."""
    directive = conclusion.directive
    task = task_create(
        actor=actor,
        title=title or conclusion.text[:500],
        lead_organization=lead_organization,
        cooperating=cooperating,
        conclusion=conclusion,
        programme=directive.programme,
        deadline=deadline,
        start=today() if deadline is None or deadline >= today() else None,
        owner=owner,
        code=f"{directive.number}/{conclusion.position}"[:30],
    )
    audit.record(
        actor=actor,
        action="directive.conclusion_assigned",
        target=task,
        data={"directive": directive.pk, "conclusion": conclusion.pk},
    )
    return task


# ---------------------------------------------------------------------------
# Overdue detection and reminders
# ---------------------------------------------------------------------------


def tasks_mark_overdue(*, on: date | None = None) -> list[int]:
    """Mark open tasks past their deadline as overdue; return their ids."""
    on = on or today()
    with transaction.atomic():
        tasks = list(Task.objects.past_deadline(on).select_for_update())
        ids = [task.pk for task in tasks]
        Task.objects.filter(pk__in=ids).update(status=TaskStatus.OVERDUE, updated_at=timezone.now())
        for task in tasks:
            # The periodic job acts for nobody: the entry has no actor.
            audit.record(
                actor=None,
                action="task.status_changed",
                target=task,
                data={"from": task.status, "to": TaskStatus.OVERDUE, "deadline": task.deadline},
            )
            index_object(task)
    return ids


# Days before a deadline on which the lead organisation is reminded (DESIGN §4).
REMINDER_DAYS = (3, 1)


def tasks_due_for_reminder(*, on: date | None = None) -> list[Task]:
    """Open tasks whose deadline is a reminder day away or passed, not yet reminded today."""
    on = on or today()
    due_dates = [on + timedelta(days=days) for days in REMINDER_DAYS]
    return list(
        Task.objects.open()
        .filter(Q(deadline__in=due_dates) | Q(status=TaskStatus.OVERDUE))
        .exclude(reminded_on=on)
        .select_related("lead_organization", "owner")
        .order_by("deadline", "pk")
    )


def reminder_recipients(task: Task) -> set[str]:
    """The owner and the lead organisation's agency officers."""
    emails = set(
        Membership.objects.filter(
            organization_id=task.lead_organization_id,
            role=Role.AGENCY_OFFICER,
            is_active=True,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )
    if task.owner is not None and task.owner.is_active:
        emails.add(task.owner.email)
    return emails
