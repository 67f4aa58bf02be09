"""Workshop lifecycle: planned → invitations_sent → held → minutes_published."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan import audit
from thamvan.accounts.models import User
from thamvan.accounts.tokens import hash_token
from thamvan.core.locking import save_with_lock
from thamvan.dossiers.models import Dossier
from thamvan.events.access import can_manage_workshops
from thamvan.events.models import Invitation, MinutesConclusion, Workshop
from thamvan.notifications import outbox
from thamvan.notifications.models import OutgoingEmail
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
GUEST_NAME_REQUIRED = _("Give the guest's full name.")
GUEST_EMAIL_INVALID = _("Enter a valid e-mail address, for example ten@coquan.vn.")
GUEST_HAS_ACCOUNT = _(
    "%(email)s is the address of %(name)s, who has an account: invite them among the "
    "people with an account instead."
)
GUEST_DUPLICATE = _("%(email)s is already invited to this workshop.")
NOT_A_GUEST = _("This invitation is not a guest's.")
NOTHING_TO_RESEND = _("Only an e-mail that could not be sent yet can be sent again.")

Status = Workshop.Status


class WorkshopError(ValidationError):
    """A workshop rule was broken; the message is shown to the user as it is."""


class GuestError(WorkshopError):
    """A guest's details were refused; ``field`` names the detail at fault."""

    def __init__(self, message: Any, *, field: str, code: str, params: Any = None) -> None:
        super().__init__(message, code=code, params=params)
        self.field = field


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
    existing = set(locked.invitations.exclude(user=None).values_list("user_id", flat=True))
    ids = [pk for pk in dict.fromkeys(u.pk for u in users) if pk not in existing]
    Invitation.objects.bulk_create(Invitation(workshop=locked, user_id=pk) for pk in ids)
    if ids and locked.status == Status.INVITATIONS_SENT:
        transaction.on_commit(lambda: _send_invitations(locked.pk, ids, []))
    if ids:
        audit.record(
            actor=actor, action="workshop.invitees_added", target=locked, data={"users": ids}
        )
    return len(ids)


@transaction.atomic
def workshop_send_invitations(*, actor: User, workshop: Workshop) -> Workshop:
    _require_manager(actor)
    locked = _locked(workshop)
    _require_status(locked, Status.PLANNED)
    if not locked.invitations.exists():
        raise WorkshopError(NO_INVITEES, code="no_invitees")
    locked.status = Status.INVITATIONS_SENT
    locked.save(update_fields=["status", "updated_at"])
    rows = list(locked.invitations.values_list("pk", "user_id"))
    user_ids = [user_id for _pk, user_id in rows if user_id is not None]
    guest_ids = [pk for pk, user_id in rows if user_id is None]
    transaction.on_commit(lambda: _send_invitations(locked.pk, user_ids, guest_ids))
    _recorded(
        actor,
        "workshop.invitations_sent",
        locked,
        {"invitees": len(rows), "guests": len(guest_ids)},
    )
    workshop.status = locked.status
    return workshop


def _send_invitations(workshop_id: int, user_ids: list[int], guest_ids: list[int]) -> None:
    from thamvan.events.tasks import send_workshop_invitations

    send_workshop_invitations.enqueue(workshop_id, user_ids, guest_ids)


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


# --- Guests: people without an account, reached by e-mail ----------------------------


def guest_link_issue(invitation: Invitation) -> str:
    """A new personal link for a guest (256 random bits); only its hash is kept, so the
    link of an earlier e-mail stops working. Returns the raw token for the e-mail."""
    raw = secrets.token_urlsafe(32)
    invitation.guest_token_hash = hash_token(raw)
    invitation.save(update_fields=["guest_token_hash"])
    return raw


def _guest_details(
    *, name: str, email: str, organization: str, position: str
) -> tuple[str, str, str, str]:
    name = " ".join(nfc(name).split())
    if not name:
        raise GuestError(GUEST_NAME_REQUIRED, field="name", code="name")
    email = nfc(email).strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise GuestError(GUEST_EMAIL_INVALID, field="email", code="email") from None
    field_max = {f.name: f.max_length or 0 for f in Invitation._meta.concrete_fields}
    return (
        name[: field_max["guest_name"]],
        email,
        " ".join(nfc(organization).split())[: field_max["guest_organization"]],
        " ".join(nfc(position).split())[: field_max["guest_position"]],
    )


@transaction.atomic
def workshop_invite_guest(
    *,
    actor: User,
    workshop: Workshop,
    name: str,
    email: str,
    organization: str = "",
    position: str = "",
) -> Invitation:
    """Invite a person without an account by name and e-mail address. Once the invitations
    are out, the guest is e-mailed at once; before, with everyone else."""
    _require_manager(actor)
    name, email, organization, position = _guest_details(
        name=name, email=email, organization=organization, position=position
    )
    locked = _locked(workshop)
    _require_status(locked, Status.PLANNED, Status.INVITATIONS_SENT)
    member = (
        User.objects.filter(email__iexact=email, is_active=True).only("full_name", "email").first()
    )
    if member is not None:
        raise GuestError(
            GUEST_HAS_ACCOUNT,
            field="email",
            code="has_account",
            params={"email": email, "name": member.full_name or member.email},
        )
    if locked.invitations.guests().filter(guest_email=email).exists():
        raise GuestError(GUEST_DUPLICATE, field="email", code="duplicate", params={"email": email})
    invitation = Invitation.objects.create(
        workshop=locked,
        guest_name=name,
        guest_email=email,
        guest_organization=organization,
        guest_position=position,
    )
    if locked.status == Status.INVITATIONS_SENT:
        transaction.on_commit(lambda: _send_invitations(locked.pk, [], [invitation.pk]))
    audit.record(
        actor=actor,
        action="workshop.guest_invited",
        target=locked,
        data={"invitation": invitation.pk, "email": email},
    )
    invitation.workshop = locked
    return invitation


def _require_guest(invitation: Invitation) -> None:
    if not invitation.is_guest:
        raise WorkshopError(NOT_A_GUEST, code="not_guest")


@transaction.atomic
def workshop_remove_guest(*, actor: User, invitation: Invitation) -> None:
    """Take a guest off the list; their link stops working with the invitation."""
    _require_manager(actor)
    _require_guest(invitation)
    locked = _locked(invitation.workshop)
    _require_status(locked, Status.PLANNED, Status.INVITATIONS_SENT)
    data = {"invitation": invitation.pk, "email": invitation.guest_email}
    Invitation.objects.filter(pk=invitation.pk).delete()
    audit.record(actor=actor, action="workshop.guest_removed", target=locked, data=data)


@transaction.atomic
def guest_email_resend(*, actor: User, invitation: Invitation) -> OutgoingEmail:
    """Send again the guest's invitation e-mail that the mail server refused (the same
    link: an unsent mail still holds it)."""
    _require_manager(actor)
    _require_guest(invitation)
    _require_status(invitation.workshop, Status.INVITATIONS_SENT)
    email = OutgoingEmail.objects.for_object(invitation).first()
    if email is None or not email.is_problem:
        raise WorkshopError(NOTHING_TO_RESEND, code="not_failed")
    email = outbox.retry_now(email)
    audit.record(
        actor=actor,
        action="workshop.guest_email_resent",
        target=invitation.workshop,
        data={"invitation": invitation.pk, "email": email.pk},
    )
    return email


@transaction.atomic
def guest_reply(
    *, invitation: Invitation, accept: bool, note: str = "", request: HttpRequest | None = None
) -> Invitation:
    """A guest answers through their link; they may change their mind until the start."""
    _require_guest(invitation)
    locked = Invitation.objects.select_for_update().select_related("workshop").get(pk=invitation.pk)
    if locked.guest_link_expired(timezone.now()):
        raise WorkshopError(REPLY_CLOSED, code="closed")
    previous = locked.reply
    locked.reply = Invitation.Reply.ACCEPTED if accept else Invitation.Reply.DECLINED
    locked.reply_note = nfc(note).strip()[:500]
    locked.replied_at = timezone.now()
    locked.save(update_fields=["reply", "reply_note", "replied_at"])
    audit.record(
        actor=None,
        action="workshop.guest_replied",
        target=locked.workshop,
        data={"invitation": locked.pk, "reply": locked.reply, "from": previous},
        request=request,
    )
    return locked


@transaction.atomic
def workshop_record_attendance(
    *, actor: User, workshop: Workshop, attended_invitation_ids: Iterable[int]
) -> Workshop:
    """Record who attended (people with an account and guests alike); the workshop is then
    held."""
    _require_manager(actor)
    locked = _locked(workshop)
    _require_status(locked, Status.INVITATIONS_SENT, Status.HELD)
    if locked.starts_at > timezone.now():
        raise WorkshopError(NOT_YET_HELD, code="not_yet")
    present = set(attended_invitation_ids)
    invitations = list(locked.invitations.all())
    for invitation in invitations:
        invitation.attended = invitation.pk in present
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
