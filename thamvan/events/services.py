"""Workshop lifecycle: planned → invitations_sent → held → minutes_published."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan import audit
from thamvan.accounts.models import User
from thamvan.core.locking import save_with_lock
from thamvan.dossiers.models import Dossier
from thamvan.events.access import can_manage_workshops
from thamvan.events.models import Invitation, MinutesConclusion, Workshop
from thamvan.organizations.models import Organization
from thamvan.programme.models import Task
from thamvan.programme.services import task_create
from thamvan.search.indexing import index_object
from thamvan.search.normalize import nfc

NOT_ALLOWED = _("You are not allowed to do this.")
NO_INVITEES = _("Invite at least one person before sending the invitations.")
WRONG_STATE = _("This cannot be done while the workshop is “%(status)s”.")
NOT_YET_HELD = _("Attendance can be recorded only once the workshop has started.")
MINUTES_EMPTY = _("Write the minutes before publishing them.")
ALREADY_A_TASK = _("This conclusion is already a task.")
REPLY_CLOSED = _("Replies are closed: the workshop has already taken place.")

Status = Workshop.Status


class WorkshopError(ValidationError):
    """A workshop rule was broken; the message is shown to the user as it is."""


def _require_manager(actor: User) -> None:
    if not can_manage_workshops(actor):
        raise WorkshopError(NOT_ALLOWED, code="forbidden")


def _require_status(workshop: Workshop, *allowed: str) -> None:
    if workshop.status not in allowed:
        raise WorkshopError(
            WRONG_STATE, code="wrong_state", params={"status": Status(workshop.status).label}
        )


def _locked(workshop: Workshop) -> Workshop:
    return Workshop.objects.select_for_update().get(pk=workshop.pk)


def _recorded(
    actor: User | None, action: str, workshop: Workshop, data: dict[str, Any] | None = None
) -> None:
    """Audit a change of the workshop and refresh its search entry, in the caller's transaction."""
    audit.record(actor=actor, action=action, target=workshop, data=data)
    index_object(workshop)


@transaction.atomic
def workshop_save(
    *,
    actor: User,
    workshop: Workshop,
    dossiers: Iterable[Dossier] = (),
    tasks: Iterable[Task] = (),
    expected_version: int | None = None,
) -> Workshop:
    """Create or update a workshop's facts; EditConflict if it changed since the form opened."""
    _require_manager(actor)
    created = workshop.pk is None
    workshop.full_clean(exclude=["dossiers", "tasks"])
    save_with_lock(workshop, expected_version=expected_version)
    workshop.dossiers.set(list(dossiers))
    workshop.tasks.set(list(tasks))
    _recorded(
        actor,
        "workshop.created" if created else "workshop.updated",
        workshop,
        {"starts_at": workshop.starts_at, "status": workshop.status},
    )
    return workshop


@transaction.atomic
def workshop_invite(*, actor: User, workshop: Workshop, users: Iterable[User]) -> int:
    """Add invitees; invitations already sent are kept. Return how many were added."""
    _require_manager(actor)
    locked = _locked(workshop)
    _require_status(locked, Status.PLANNED, Status.INVITATIONS_SENT)
    existing = set(locked.invitations.values_list("user_id", flat=True))
    new = [Invitation(workshop=locked, user=u) for u in users if u.pk not in existing]
    Invitation.objects.bulk_create(new)
    if new and locked.status == Status.INVITATIONS_SENT:
        ids = [i.user_id for i in new]
        transaction.on_commit(lambda: _send_invitations(locked.pk, ids))
    if new:
        audit.record(
            actor=actor,
            action="workshop.invitees_added",
            target=locked,
            data={"users": [i.user_id for i in new]},
        )
    return len(new)


@transaction.atomic
def workshop_send_invitations(*, actor: User, workshop: Workshop) -> Workshop:
    _require_manager(actor)
    locked = _locked(workshop)
    _require_status(locked, Status.PLANNED)
    if not locked.invitations.exists():
        raise WorkshopError(NO_INVITEES, code="no_invitees")
    locked.status = Status.INVITATIONS_SENT
    locked.save(update_fields=["status", "updated_at"])
    ids = list(locked.invitations.values_list("user_id", flat=True))
    transaction.on_commit(lambda: _send_invitations(locked.pk, ids))
    _recorded(actor, "workshop.invitations_sent", locked, {"invitees": len(ids)})
    workshop.status = locked.status
    return workshop


def _send_invitations(workshop_id: int, user_ids: list[int]) -> None:
    from thamvan.events.tasks import send_workshop_invitations

    send_workshop_invitations.enqueue(workshop_id, user_ids)


@transaction.atomic
def invitation_reply(
    *, actor: User, invitation: Invitation, accept: bool, note: str = ""
) -> Invitation:
    if invitation.user_id != actor.pk:
        raise WorkshopError(NOT_ALLOWED, code="forbidden")
    workshop = invitation.workshop
    _require_status(workshop, Status.PLANNED, Status.INVITATIONS_SENT)
    if workshop.starts_at <= timezone.now():
        raise WorkshopError(REPLY_CLOSED, code="closed")
    invitation.reply = Invitation.Reply.ACCEPTED if accept else Invitation.Reply.DECLINED
    invitation.reply_note = nfc(note).strip()[:500]
    invitation.replied_at = timezone.now()
    invitation.save(update_fields=["reply", "reply_note", "replied_at"])
    audit.record(
        actor=actor,
        action="workshop.invitation_replied",
        target=workshop,
        data={"invitation": invitation.pk, "reply": invitation.reply},
    )
    return invitation


@transaction.atomic
def workshop_record_attendance(
    *, actor: User, workshop: Workshop, attended_user_ids: Iterable[int]
) -> Workshop:
    """Record who attended; the workshop is then held."""
    _require_manager(actor)
    locked = _locked(workshop)
    _require_status(locked, Status.INVITATIONS_SENT, Status.HELD)
    if locked.starts_at > timezone.now():
        raise WorkshopError(NOT_YET_HELD, code="not_yet")
    present = set(attended_user_ids)
    invitations = list(locked.invitations.all())
    for invitation in invitations:
        invitation.attended = invitation.user_id in present
    Invitation.objects.bulk_update(invitations, ["attended"])
    previous = locked.status
    locked.status = Status.HELD
    locked.save(update_fields=["status", "updated_at"])
    _recorded(
        actor,
        "workshop.attendance_recorded",
        locked,
        {"from": previous, "attended": sum(1 for i in invitations if i.attended)},
    )
    workshop.status = locked.status
    return workshop


@transaction.atomic
def workshop_publish_minutes(
    *, actor: User, workshop: Workshop, minutes: str, conclusions: Iterable[str]
) -> Workshop:
    _require_manager(actor)
    locked = _locked(workshop)
    _require_status(locked, Status.HELD)
    minutes = nfc(minutes).strip()
    if not minutes:
        raise WorkshopError(MINUTES_EMPTY, code="empty")
    locked.minutes = minutes
    locked.minutes_published_at = timezone.now()
    locked.status = Status.MINUTES_PUBLISHED
    locked.save(update_fields=["minutes", "minutes_published_at", "status", "updated_at"])
    created = MinutesConclusion.objects.bulk_create(
        MinutesConclusion(workshop=locked, position=i, text=text)
        for i, text in enumerate((nfc(c).strip() for c in conclusions if c.strip()), start=1)
    )
    _recorded(actor, "workshop.minutes_published", locked, {"conclusions": len(created)})
    workshop.status, workshop.minutes = locked.status, locked.minutes
    return workshop


@transaction.atomic
def workshop_cancel(*, actor: User, workshop: Workshop) -> Workshop:
    _require_manager(actor)
    locked = _locked(workshop)
    _require_status(locked, Status.PLANNED, Status.INVITATIONS_SENT)
    previous = locked.status
    locked.status = Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    _recorded(actor, "workshop.cancelled", locked, {"from": previous})
    workshop.status = locked.status
    return workshop


@transaction.atomic
def minutes_conclusion_to_task(
    *,
    actor: User,
    conclusion: MinutesConclusion,
    lead_organization: Organization,
    deadline: date | None,
    programme_task_parent: Task | None = None,
) -> Task:
    """Make a conclusion of the minutes a task, linked back to the workshop."""
    _require_manager(actor)
    locked = MinutesConclusion.objects.select_for_update().get(pk=conclusion.pk)
    if locked.task_id is not None:
        raise WorkshopError(ALREADY_A_TASK, code="already")
    task = task_create(
        actor=actor,
        title=locked.text[:500],
        lead_organization=lead_organization,
        deadline=deadline,
        parent=programme_task_parent,
        start=timezone.localdate()
        if deadline is None or deadline >= timezone.localdate()
        else None,
    )
    locked.task = task
    locked.save(update_fields=["task"])
    conclusion.workshop.tasks.add(task)
    audit.record(
        actor=actor,
        action="workshop.conclusion_assigned",
        target=task,
        data={"workshop": locked.workshop_id, "conclusion": locked.pk},
    )
    conclusion.task = task
    return task
