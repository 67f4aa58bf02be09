"""Every write on a consultation: the lifecycle of DESIGN §3, panels, opinions, responses.

Each service checks the actor and the state again (views fetched the objects
through the access helpers), records a ``Transition`` for state changes and
schedules notifications on commit. Refusals raise ``ConsultationError`` with
one of the messages below, which views show as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from thamvan import audit
from thamvan.accounts.models import Role, User
from thamvan.consultations import access
from thamvan.consultations.deadlines import add_days, rule_on
from thamvan.consultations.models import (
    Answer,
    Attachment,
    Consultation,
    Invitation,
    Opinion,
    OpinionItem,
    Question,
    Response,
    State,
    Transition,
)
from thamvan.core.locking import EditConflict, save_with_lock
from thamvan.core.uploads import DOCUMENT_KINDS, check_upload, generated_key
from thamvan.dossiers.access import can_change_dossier
from thamvan.dossiers.models import Document, Dossier, DossierVersion
from thamvan.dossiers.services import version_freeze
from thamvan.experts.models import Expert
from thamvan.notifications.services import notify, users_with_role
from thamvan.organizations.models import Organization
from thamvan.search.indexing import index_object
from thamvan.search.normalize import nfc

NOT_ALLOWED = _("You may not do this on this consultation.")
WRONG_STATE = _("This cannot be done while the consultation is “%(state)s”.")
VERSION_OF_OTHER_DOSSIER = _("The version must belong to the consulted dossier.")
NOT_AN_ASSOCIATION = _("Consultations are sent to a professional association or its branch.")
NO_QUESTIONS = _("Ask at least one question.")
REASON_REQUIRED = _("Give a reason.")
PANEL_EMPTY = _("Choose at least one expert.")
ALREADY_INVITED = _("%(expert)s is already on this panel.")
OVERRIDE_REASON_REQUIRED = _(
    "%(expert)s is not in the recommended panel: record why you choose them."
)
INDEPENDENCE_REQUIRED = _(
    "To accept, declare your independence: tick the box and describe any relationship "
    "with the agency, the consultant or the investor (or write “none”)."
)
INVITATION_CLOSED = _("This invitation has already been answered.")
CHAIR_MUST_HAVE_ACCEPTED = _("The chair must be a member who has accepted the invitation.")
NO_CHAIR = _("Designate a chair before starting the review.")
NO_MEMBER = _("At least one invited expert must have accepted before the review starts.")
NO_SUBMITTED_OPINION = _("No opinion has been submitted yet.")
STALE_OPINION = _(
    "This opinion was changed in another tab or window after you opened it. Your changes "
    "were not saved: reload the page to see the latest version, then make your changes again."
)
STALE_SYNTHESIS = _(
    "The synthesis was changed by someone else after you opened it. Your changes were not "
    "saved: reload the page and make them again."
)
OPINION_LOCKED = _("A submitted opinion cannot be changed; amend it instead.")
VERDICT_REQUIRED = _("Choose an overall verdict before submitting.")
NOT_YOUR_OPINION = _("Only its author may change this opinion.")
NO_CONCLUSIONS = _("Write the conclusions before issuing the report.")
EXPLANATION_REQUIRED = _("Explain why the remark is only partly accepted or not accepted.")
AUTHOR_REQUIRED = _("Name the expert or the organisation that gave this opinion.")
ITEM_DOCUMENT_NOT_IN_VERSION = _("The document must belong to the consulted dossier version.")
NEW_ROUND_NOT_ALLOWED = _("A new round can follow a closed, returned or withdrawn consultation.")

# Who may withdraw, and until when.
WITHDRAWABLE = (
    State.DRAFT,
    State.SENT,
    State.ACCEPTED,
    State.PANEL_FORMING,
    State.IN_REVIEW,
)


class ConsultationError(ValidationError):
    """A consultation rule was broken; the message is shown to the user as it is."""


def _wrong_state(consultation: Consultation) -> ConsultationError:
    return ConsultationError(
        WRONG_STATE, code="state", params={"state": consultation.get_state_display()}
    )


def _require(condition: bool, message: StrPromise = NOT_ALLOWED, code: str = "forbidden") -> None:
    if not condition:
        raise ConsultationError(message, code=code)


def _lock(consultation: Consultation) -> Consultation:
    """The row locked for the transaction, keeping the already-loaded relations."""
    state = (
        Consultation.objects.select_for_update()
        .values_list("state", flat=True)
        .get(pk=consultation.pk)
    )
    consultation.state = state
    return consultation


def _require_state(consultation: Consultation, *states: str) -> None:
    if consultation.state not in states:
        raise _wrong_state(consultation)


# The audit log's name for each timeline entry ('<entity>.<verb>').
AUDIT_ACTIONS = {
    "created": "consultation.create",
    "sent": "consultation.send",
    "accepted": "consultation.accept",
    "returned": "consultation.return",
    "withdrawn": "consultation.withdraw",
    "panel_forming": "consultation.form_panel",
    "invited": "invitation.send",
    "invitation_accepted": "invitation.accept",
    "invitation_declined": "invitation.decline",
    "invitation_expired": "invitation.expire",
    "chair": "invitation.set_chair",
    "review_started": "consultation.start_review",
    "opinion_submitted": "opinion.submit",
    "opinion_recorded": "opinion.record",
    "synthesis_started": "consultation.start_synthesis",
    "reported": "consultation.report",
    "responding": "consultation.start_responding",
    "closed": "consultation.close",
    "revision_linked": "consultation.link_revision",
}


def _audit(
    actor: User | None,
    action: str,
    target: Any,
    consultation: Consultation,
    **data: Any,
) -> None:
    audit.record(
        actor=actor, action=action, target=target, data={"consultation": consultation.pk, **data}
    )


def _record(
    consultation: Consultation,
    actor: User | None,
    action: str,
    to_state: str = "",
    reason: str = "",
    *,
    target: Any = None,
    data: dict[str, Any] | None = None,
) -> Transition:
    """Write the timeline entry and its audit entry; ``target`` is the part that changed."""
    from_state = consultation.state
    if to_state:
        consultation.state = to_state
        consultation.save(update_fields=["state", "updated_at"])
    transition = Transition.objects.create(
        consultation=consultation,
        action=action,
        from_state=from_state if to_state else "",
        to_state=to_state,
        actor=actor,
        reason=nfc(reason).strip(),
    )
    _audit(
        actor,
        AUDIT_ACTIONS.get(action, f"consultation.{action}"),
        target if target is not None else consultation,
        consultation,
        **({"from": from_state, "to": to_state} if to_state else {}),
        **({"reason": transition.reason} if transition.reason else {}),
        **(data or {}),
    )
    return transition


# --- Recipients ------------------------------------------------------------------------


def _agency_users(consultation: Consultation) -> list[User | None]:
    users: list[User | None] = list(
        users_with_role([consultation.dossier.lead_agency_id], Role.AGENCY_OFFICER)
    )
    return [*users, consultation.created_by]


def _secretariat_users(consultation: Consultation) -> list[User]:
    return users_with_role([consultation.association_id], Role.SECRETARIAT)


def _panel_users(consultation: Consultation, *, accepted_only: bool = True) -> list[User]:
    invitations = consultation.invitations.select_related("expert__user")
    states = (
        [Invitation.Status.ACCEPTED]
        if accepted_only
        else [Invitation.Status.ACCEPTED, Invitation.Status.INVITED]
    )
    return [
        i.expert.user for i in invitations.filter(state__in=states) if i.expert.user is not None
    ]


def _chair_users(consultation: Consultation) -> list[User]:
    return [
        i.expert.user
        for i in consultation.invitations.filter(
            is_chair=True, state=Invitation.Status.ACCEPTED
        ).select_related("expert__user")
        if i.expert.user is not None
    ]


def _notify(
    recipients: Iterable[User | None], consultation: Consultation, kind: str, message: StrPromise
) -> None:
    notify(
        recipients,
        kind=kind,
        message=message,
        params={"title": consultation.title},
        url=consultation.get_absolute_url(),
    )


# --- Requests --------------------------------------------------------------------------


def can_create_consultation(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.has_role(Role.AGENCY_OFFICER) or user.is_admin)
    )


def _clean_questions(questions: Sequence[str]) -> list[str]:
    cleaned = [nfc(q).strip() for q in questions if q and q.strip()]
    if not cleaned:
        raise ConsultationError(NO_QUESTIONS, code="questions")
    return cleaned


def _set_questions(consultation: Consultation, questions: list[str]) -> None:
    consultation.questions.all().delete()
    Question.objects.bulk_create(
        Question(consultation=consultation, order=index, text=text)
        for index, text in enumerate(questions, start=1)
    )


@transaction.atomic
def consultation_create(
    *,
    actor: User,
    dossier: Dossier,
    version: DossierVersion,
    association: Organization,
    title: str,
    questions: Sequence[str],
    required_specialties: Iterable[Any] = (),
    panel_size: int = 3,
    max_per_organization: int | None = 2,
    needs_senior: bool = True,
    deadline_days: int | None = None,
    day_kind: str = "",
    blind_review: bool = True,
    letter_number: str = "",
    note: str = "",
    previous: Consultation | None = None,
) -> Consultation:
    _require(can_change_dossier(actor, dossier))
    _require(version.dossier_id == dossier.pk, VERSION_OF_OTHER_DOSSIER, "version")
    _require(
        association.kind in (Organization.Kind.ASSOCIATION, Organization.Kind.ASSOCIATION_BRANCH),
        NOT_AN_ASSOCIATION,
        "association",
    )
    cleaned = _clean_questions(questions)
    consultation = Consultation.objects.create(
        dossier=dossier,
        version=version,
        association=association,
        title=title,
        letter_number=letter_number,
        note=note,
        panel_size=panel_size,
        max_per_organization=max_per_organization,
        needs_senior=needs_senior,
        deadline_days=deadline_days,
        day_kind=day_kind,
        blind_review=blind_review,
        previous=previous,
        round_number=(previous.round_number + 1) if previous else 1,
        created_by=actor,
    )
    consultation.required_specialties.set(list(required_specialties))
    _set_questions(consultation, cleaned)
    _record(consultation, actor, "created", reason="")
    return consultation


EDITABLE_FIELDS = frozenset(
    {
        "title",
        "letter_number",
        "note",
        "version",
        "association",
        "panel_size",
        "max_per_organization",
        "needs_senior",
        "deadline_days",
        "day_kind",
        "blind_review",
    }
)


@transaction.atomic
def consultation_update(
    *,
    actor: User,
    consultation: Consultation,
    questions: Sequence[str] | None = None,
    required_specialties: Iterable[Any] | None = None,
    lock_version: int | None = None,
    **fields: Any,
) -> Consultation:
    """Change a draft request; with ``lock_version`` (the version the form was opened at),
    raise ``EditConflict`` if someone saved it since, questions included."""
    _require(access.acts_for_agency(actor, consultation))
    _lock(consultation)
    _require_state(consultation, State.DRAFT)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "version" in fields:
        _require(
            fields["version"].dossier_id == consultation.dossier_id,
            VERSION_OF_OTHER_DOSSIER,
            "version",
        )
    for name, value in fields.items():
        setattr(consultation, name, value)
    if lock_version is None:
        consultation.save()
    else:
        save_with_lock(consultation, expected_version=lock_version)
    if questions is not None:
        _set_questions(consultation, _clean_questions(questions))
    if required_specialties is not None:
        consultation.required_specialties.set(list(required_specialties))
    _audit(actor, "consultation.update", consultation, consultation, fields=sorted(fields))
    return consultation


@transaction.atomic
def consultation_send(*, actor: User, consultation: Consultation) -> Consultation:
    _require(access.acts_for_agency(actor, consultation))
    _lock(consultation)
    _require_state(consultation, State.DRAFT)
    version_freeze(actor=actor, version=consultation.version)
    consultation.sent_at = timezone.now()
    consultation.save(update_fields=["sent_at"])
    _record(consultation, actor, "sent", State.SENT)
    _notify(
        _secretariat_users(consultation),
        consultation,
        "consultation_sent",
        _("New consultation request: %(title)s"),
    )
    return consultation


@transaction.atomic
def consultation_accept(*, actor: User, consultation: Consultation) -> Consultation:
    """The secretariat confirms the dossier complete; the answer period starts today."""
    _require(access.is_secretariat(actor, consultation))
    _lock(consultation)
    _require_state(consultation, State.SENT)
    today = timezone.localdate()
    rule = rule_on(today)
    days = consultation.deadline_days or rule.days
    day_kind = consultation.day_kind or rule.day_kind
    consultation.accepted_at = timezone.now()
    consultation.deadline = add_days(today, days, day_kind)
    consultation.save(update_fields=["accepted_at", "deadline"])
    _record(consultation, actor, "accepted", State.ACCEPTED)
    _notify(
        _agency_users(consultation),
        consultation,
        "consultation_accepted",
        _("The association accepted the consultation request: %(title)s"),
    )
    return consultation


@transaction.atomic
def consultation_return(*, actor: User, consultation: Consultation, reason: str) -> Consultation:
    _require(access.is_secretariat(actor, consultation))
    _require(bool(reason.strip()), REASON_REQUIRED, "reason")
    _lock(consultation)
    _require_state(consultation, State.SENT)
    _record(consultation, actor, "returned", State.RETURNED, reason)
    _notify(
        _agency_users(consultation),
        consultation,
        "consultation_returned",
        _("The association returned the consultation request: %(title)s"),
    )
    return consultation


@transaction.atomic
def consultation_withdraw(*, actor: User, consultation: Consultation, reason: str) -> Consultation:
    _require(access.acts_for_agency(actor, consultation))
    _require(bool(reason.strip()), REASON_REQUIRED, "reason")
    _lock(consultation)
    _require_state(consultation, *WITHDRAWABLE)
    notify_after = consultation.state != State.DRAFT
    _record(consultation, actor, "withdrawn", State.WITHDRAWN, reason)
    consultation.invitations.filter(state=Invitation.Status.INVITED).update(
        state=Invitation.Status.EXPIRED
    )
    if notify_after:
        _notify(
            [*_secretariat_users(consultation), *_panel_users(consultation)],
            consultation,
            "consultation_withdrawn",
            _("The consultation was withdrawn: %(title)s"),
        )
    return consultation


@transaction.atomic
def consultation_new_round(
    *, actor: User, previous: Consultation, version: DossierVersion
) -> Consultation:
    """A draft for the next round on a newer version, with the same questions and needs."""
    _require(access.acts_for_agency(actor, previous))
    _require_state(previous, State.CLOSED, State.RETURNED, State.WITHDRAWN)
    return consultation_create(
        actor=actor,
        dossier=previous.dossier,
        version=version,
        association=previous.association,
        title=previous.title,
        questions=[q.text for q in previous.questions.all()],
        required_specialties=previous.required_specialties.all(),
        panel_size=previous.panel_size,
        max_per_organization=previous.max_per_organization,
        needs_senior=previous.needs_senior,
        deadline_days=previous.deadline_days,
        day_kind=previous.day_kind,
        blind_review=previous.blind_review,
        previous=previous,
    )


# --- Panel -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """One expert chosen for the panel, with what the recommendation said about them."""

    expert: Expert
    suggested: bool = True
    rank: int | None = None
    affinity: float | None = None
    reason: str = ""
    override_reason: str = ""


@transaction.atomic
def invitations_send(
    *, actor: User, consultation: Consultation, picks: Sequence[Pick]
) -> list[Invitation]:
    _require(access.is_secretariat(actor, consultation))
    _require(bool(picks), PANEL_EMPTY, "empty")
    _lock(consultation)
    _require_state(consultation, State.ACCEPTED, State.PANEL_FORMING, State.IN_REVIEW)
    taken = set(consultation.invitations.values_list("expert_id", flat=True))
    for pick in picks:
        if pick.expert.pk in taken:
            raise ConsultationError(
                ALREADY_INVITED, code="duplicate", params={"expert": pick.expert.titled_name}
            )
        if not pick.suggested and not pick.override_reason.strip():
            raise ConsultationError(
                OVERRIDE_REASON_REQUIRED,
                code="override_reason",
                params={"expert": pick.expert.titled_name},
            )
    if consultation.state == State.ACCEPTED:
        _record(consultation, actor, "panel_forming", State.PANEL_FORMING)
    respond_by = add_days(timezone.localdate(), 5, "working")
    invitations = [
        Invitation.objects.create(
            consultation=consultation,
            expert=pick.expert,
            recommended=pick.suggested,
            rank=pick.rank,
            affinity=pick.affinity,
            recommendation_reason=pick.reason[:500],
            override_reason=nfc(pick.override_reason).strip(),
            invited_by=actor,
            respond_by=respond_by,
        )
        for pick in picks
    ]
    names = ", ".join(p.expert.titled_name for p in picks)
    _record(
        consultation,
        actor,
        "invited",
        reason=names,
        data={"experts": [p.expert.pk for p in picks]},
    )
    _notify(
        [i.expert.user for i in invitations],
        consultation,
        "invitation",
        _("You are invited to the expert panel of: %(title)s"),
    )
    return invitations


def _own_invitation(actor: User, invitation: Invitation) -> None:
    _require(invitation.expert.user_id is not None and invitation.expert.user_id == actor.pk)


@transaction.atomic
def invitation_accept(
    *, actor: User, invitation: Invitation, declared: bool, statement: str
) -> Invitation:
    _own_invitation(actor, invitation)
    consultation = _lock(invitation.consultation)
    # Re-read under the lock: an answer from another tab may have landed meanwhile.
    invitation.refresh_from_db(fields=["state"])
    _require_state(consultation, State.PANEL_FORMING, State.IN_REVIEW)
    _require(invitation.state == Invitation.Status.INVITED, INVITATION_CLOSED, "answered")
    _require(declared and bool(statement.strip()), INDEPENDENCE_REQUIRED, "independence")
    invitation.state = Invitation.Status.ACCEPTED
    invitation.independence_declared = True
    invitation.independence_statement = nfc(statement).strip()
    invitation.responded_at = timezone.now()
    invitation.save(
        update_fields=["state", "independence_declared", "independence_statement", "responded_at"]
    )
    _record(
        consultation,
        actor,
        "invitation_accepted",
        reason=invitation.expert.titled_name,
        target=invitation,
        data={"independence_declared": True},
    )
    _notify(
        _secretariat_users(consultation),
        consultation,
        "invitation_accepted",
        _("An expert accepted the invitation to the panel of: %(title)s"),
    )
    return invitation


@transaction.atomic
def invitation_decline(*, actor: User, invitation: Invitation, reason: str) -> Invitation:
    _own_invitation(actor, invitation)
    _require(bool(reason.strip()), REASON_REQUIRED, "reason")
    consultation = _lock(invitation.consultation)
    invitation.refresh_from_db(fields=["state"])
    _require(invitation.state == Invitation.Status.INVITED, INVITATION_CLOSED, "answered")
    invitation.state = Invitation.Status.DECLINED
    invitation.decline_reason = nfc(reason).strip()
    invitation.responded_at = timezone.now()
    invitation.is_chair = False
    invitation.save(update_fields=["state", "decline_reason", "responded_at", "is_chair"])
    _record(
        consultation,
        actor,
        "invitation_declined",
        reason=f"{invitation.expert.titled_name}: {invitation.decline_reason}",
        target=invitation,
    )
    _notify(
        _secretariat_users(consultation),
        consultation,
        "invitation_declined",
        _("An expert declined the invitation; choose an alternate for: %(title)s"),
    )
    return invitation


@transaction.atomic
def panel_set_chair(
    *, actor: User, consultation: Consultation, invitation: Invitation
) -> Invitation:
    _require(access.is_secretariat(actor, consultation))
    _lock(consultation)
    _require_state(consultation, State.PANEL_FORMING, State.IN_REVIEW)
    _require(
        invitation.consultation_id == consultation.pk
        and invitation.state == Invitation.Status.ACCEPTED,
        CHAIR_MUST_HAVE_ACCEPTED,
        "chair",
    )
    consultation.invitations.filter(is_chair=True).update(is_chair=False)
    invitation.is_chair = True
    invitation.save(update_fields=["is_chair"])
    _record(consultation, actor, "chair", reason=invitation.expert.titled_name, target=invitation)
    if invitation.expert.user:
        _notify(
            [invitation.expert.user],
            consultation,
            "chair",
            _("You are designated chair of the expert panel of: %(title)s"),
        )
    return invitation


@transaction.atomic
def consultation_start_review(*, actor: User, consultation: Consultation) -> Consultation:
    _require(access.is_secretariat(actor, consultation))
    _lock(consultation)
    _require_state(consultation, State.PANEL_FORMING)
    members = consultation.invitations.filter(state=Invitation.Status.ACCEPTED)
    _require(members.exists(), NO_MEMBER, "members")
    _require(members.filter(is_chair=True).exists(), NO_CHAIR, "chair")
    _record(consultation, actor, "review_started", State.IN_REVIEW)
    _notify(
        _panel_users(consultation),
        consultation,
        "review_started",
        _("The review has started; write your opinion on: %(title)s"),
    )
    return consultation


def invitations_expire(today: Any = None) -> int:
    """Pending invitations past their answer date expire; returns how many."""
    day = today or timezone.localdate()
    expired = 0
    pending = Invitation.objects.filter(
        state=Invitation.Status.INVITED, respond_by__lt=day
    ).select_related("consultation__dossier", "expert")
    for invitation in pending:
        with transaction.atomic():
            invitation.state = Invitation.Status.EXPIRED
            invitation.save(update_fields=["state"])
            _record(
                invitation.consultation,
                None,
                "invitation_expired",
                reason=invitation.expert.titled_name,
                target=invitation,
            )
            expired += 1
    return expired


# --- Opinions --------------------------------------------------------------------------


def _member_expert(actor: User, consultation: Consultation) -> Expert:
    invitation = access.invitation_of(actor, consultation)
    _require(invitation is not None and invitation.state == Invitation.Status.ACCEPTED)
    assert invitation is not None
    return invitation.expert


@transaction.atomic
def opinion_start(*, actor: User, consultation: Consultation) -> Opinion:
    """The member's draft, created on first use (one draft per expert at a time)."""
    expert = _member_expert(actor, consultation)
    _lock(consultation)
    _require_state(consultation, State.IN_REVIEW)
    draft = Opinion.objects.filter(
        consultation=consultation, expert=expert, state=Opinion.Status.DRAFT
    ).first()
    if draft is not None:
        return draft
    _require(
        not Opinion.objects.filter(consultation=consultation, expert=expert).exists(),
        OPINION_LOCKED,
        "locked",
    )
    return Opinion.objects.create(consultation=consultation, expert=expert, recorded_by=actor)


def _check_own_draft(actor: User, opinion: Opinion) -> None:
    _require(
        opinion.expert is not None and opinion.expert.user_id == actor.pk,
        NOT_YOUR_OPINION,
        "forbidden",
    )
    _require(opinion.state == Opinion.Status.DRAFT, OPINION_LOCKED, "locked")


def _bump(opinion: Opinion, lock_version: int, **values: Any) -> None:
    """Save the draft only if nobody saved it since ``lock_version`` was read."""
    updated = Opinion.objects.filter(
        pk=opinion.pk, lock_version=lock_version, state=Opinion.Status.DRAFT
    ).update(lock_version=F("lock_version") + 1, updated_at=timezone.now(), **values)
    if not updated:
        raise ConsultationError(STALE_OPINION, code="stale")
    opinion.lock_version = lock_version + 1
    for name, value in values.items():
        setattr(opinion, name, value)


@transaction.atomic
def opinion_save_draft(
    *,
    actor: User,
    opinion: Opinion,
    lock_version: int,
    verdict: str = "",
    summary: str = "",
    answers: dict[int, str] | None = None,
) -> Opinion:
    _check_own_draft(actor, opinion)
    _require_state(opinion.consultation, State.IN_REVIEW)
    _bump(opinion, lock_version, verdict=verdict, summary=nfc(summary))
    questions = {q.pk for q in opinion.consultation.questions.all()}
    for question_id, text in (answers or {}).items():
        if question_id in questions:
            Answer.objects.update_or_create(
                opinion=opinion, question_id=question_id, defaults={"text": nfc(text)}
            )
    return opinion


def _check_item_target(opinion: Opinion, document: Document | None) -> None:
    if document is not None:
        _require(
            document.version_id == opinion.consultation.version_id,
            ITEM_DOCUMENT_NOT_IN_VERSION,
            "document",
        )


@transaction.atomic
def opinion_item_add(
    *,
    actor: User,
    opinion: Opinion,
    lock_version: int,
    content: str,
    question: Question | None = None,
    document: Document | None = None,
    section: str = "",
    geometry: dict[str, Any] | None = None,
) -> OpinionItem:
    _check_own_draft(actor, opinion)
    _require(bool(content.strip()), _("Write the remark."), "content")
    _check_item_target(opinion, document)
    _bump(opinion, lock_version)
    last = opinion.items.aggregate(last=Max("order"))["last"] or 0
    return OpinionItem.objects.create(
        opinion=opinion,
        order=last + 1,
        question=question,
        document=document,
        section=section,
        geometry=geometry,
        content=content,
    )


@transaction.atomic
def opinion_item_remove(
    *, actor: User, opinion: Opinion, lock_version: int, item: OpinionItem
) -> None:
    _check_own_draft(actor, opinion)
    _require(item.opinion_id == opinion.pk)
    _bump(opinion, lock_version)
    item.delete()


def _store_attachment(
    actor: User, opinion: Opinion, file: IO[bytes], filename: str, *, scanned: bool
) -> Attachment:
    checked = check_upload(file, allowed=DOCUMENT_KINDS, filename=filename)
    attachment = Attachment(
        opinion=opinion,
        is_scanned_letter=scanned,
        original_filename=nfc(filename)[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(generated_key("opinions", checked.extension), file, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(
    *, actor: User, opinion: Opinion, lock_version: int, file: IO[bytes], filename: str
) -> Attachment:
    _check_own_draft(actor, opinion)
    _bump(opinion, lock_version)
    return _store_attachment(actor, opinion, file, filename, scanned=False)


@transaction.atomic
def opinion_submit(*, actor: User, opinion: Opinion, lock_version: int) -> Opinion:
    _check_own_draft(actor, opinion)
    consultation = _lock(opinion.consultation)
    _require_state(consultation, State.IN_REVIEW)
    current = Opinion.objects.get(pk=opinion.pk)
    _require(bool(current.verdict), VERDICT_REQUIRED, "verdict")
    now = timezone.now()
    _bump(opinion, lock_version, state=Opinion.Status.SUBMITTED, submitted_at=now, is_current=True)
    if opinion.previous_id:
        Opinion.objects.filter(pk=opinion.previous_id).update(is_current=False)
        # The amended revision leaves the knowledge base; this one replaces it.
        index_object(Opinion(pk=opinion.previous_id))
    index_object(opinion)
    _record(
        consultation,
        actor,
        "opinion_submitted",
        reason=opinion.author_label,
        target=opinion,
        data={"revision": opinion.revision},
    )
    _notify(
        [*_chair_users(consultation), *_secretariat_users(consultation)],
        consultation,
        "opinion_submitted",
        _("An expert submitted an opinion on: %(title)s"),
    )
    return opinion


@transaction.atomic
def opinion_amend(*, actor: User, opinion: Opinion) -> Opinion:
    """A new draft revision copying the submitted one, which stays as it was."""
    _require(opinion.expert is not None and opinion.expert.user_id == actor.pk, NOT_YOUR_OPINION)
    consultation = _lock(opinion.consultation)
    _require_state(consultation, State.IN_REVIEW)
    _require(opinion.is_submitted and opinion.is_current, OPINION_LOCKED, "locked")
    _require(not hasattr(opinion, "amendment") or opinion.amendment is None, OPINION_LOCKED)
    amendment = Opinion.objects.create(
        consultation=consultation,
        expert=opinion.expert,
        revision=opinion.revision + 1,
        previous=opinion,
        is_current=False,
        verdict=opinion.verdict,
        summary=opinion.summary,
        recorded_by=actor,
    )
    Answer.objects.bulk_create(
        Answer(opinion=amendment, question_id=a.question_id, text=a.text)
        for a in opinion.answers.all()
    )
    OpinionItem.objects.bulk_create(
        OpinionItem(
            opinion=amendment,
            order=i.order,
            question_id=i.question_id,
            document_id=i.document_id,
            section=i.section,
            geometry=i.geometry,
            content=i.content,
            topic=i.topic,
        )
        for i in opinion.items.all()
    )
    _audit(actor, "opinion.amend", amendment, consultation, amends=opinion.pk)
    return amendment


@dataclass(frozen=True)
class OfflineItem:
    content: str
    section: str = ""
    question: Question | None = None


@transaction.atomic
def opinion_record_offline(
    *,
    actor: User,
    consultation: Consultation,
    source: str,
    verdict: str,
    summary: str = "",
    expert: Expert | None = None,
    author_name: str = "",
    items: Sequence[OfflineItem] = (),
    letter: IO[bytes] | None = None,
    letter_filename: str = "",
) -> Opinion:
    """An opinion received on paper or by email, entered by the secretariat, submitted."""
    _require(access.is_secretariat(actor, consultation))
    _lock(consultation)
    _require_state(consultation, State.IN_REVIEW, State.SYNTHESIZING)
    _require(expert is not None or bool(author_name.strip()), AUTHOR_REQUIRED, "author")
    _require(bool(verdict), VERDICT_REQUIRED, "verdict")
    revision = 1
    if expert is not None:
        earlier = Opinion.objects.filter(consultation=consultation, expert=expert)
        previous = earlier.order_by("-revision").first()
        if previous is not None:
            revision = previous.revision + 1
            for pk in earlier.filter(is_current=True).values_list("pk", flat=True):
                index_object(Opinion(pk=pk))
            earlier.update(is_current=False)
    opinion = Opinion.objects.create(
        consultation=consultation,
        expert=expert,
        author_name=author_name,
        revision=revision,
        state=Opinion.Status.SUBMITTED,
        verdict=verdict,
        summary=summary,
        source=source,
        submitted_at=timezone.now(),
        recorded_by=actor,
    )
    for order, item in enumerate(items, start=1):
        OpinionItem.objects.create(
            opinion=opinion,
            order=order,
            content=item.content,
            section=item.section,
            question=item.question,
        )
    if letter is not None:
        _store_attachment(actor, opinion, letter, letter_filename, scanned=True)
    index_object(opinion)
    _record(
        consultation,
        actor,
        "opinion_recorded",
        reason=opinion.author_label,
        target=opinion,
        data={"source": source},
    )
    return opinion


# --- Synthesis and report --------------------------------------------------------------


def can_synthesize(user: User, consultation: Consultation) -> bool:
    return access.is_chair(user, consultation) or access.is_secretariat(user, consultation)


@transaction.atomic
def consultation_start_synthesis(*, actor: User, consultation: Consultation) -> Consultation:
    _require(can_synthesize(actor, consultation))
    _lock(consultation)
    _require_state(consultation, State.IN_REVIEW)
    _require(
        consultation.opinions.filter(state=Opinion.Status.SUBMITTED).exists(),
        NO_SUBMITTED_OPINION,
        "opinions",
    )
    _record(consultation, actor, "synthesis_started", State.SYNTHESIZING)
    _notify(
        [*_chair_users(consultation), *_secretariat_users(consultation)],
        consultation,
        "synthesis_started",
        _("The synthesis has started for: %(title)s"),
    )
    return consultation


@transaction.atomic
def synthesis_save(
    *,
    actor: User,
    consultation: Consultation,
    lock_version: int,
    introduction: str,
    conclusions: str,
    recommendations: str,
    topics: dict[int, str] | None = None,
) -> Consultation:
    _require(can_synthesize(actor, consultation))
    _require_state(consultation, State.SYNTHESIZING)
    updated = Consultation.objects.filter(
        pk=consultation.pk, synthesis_lock_version=lock_version, state=State.SYNTHESIZING
    ).update(
        introduction=nfc(introduction),
        conclusions=nfc(conclusions),
        recommendations=nfc(recommendations),
        synthesis_lock_version=F("synthesis_lock_version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ConsultationError(STALE_SYNTHESIS, code="stale")
    consultation.introduction = nfc(introduction)
    consultation.conclusions = nfc(conclusions)
    consultation.recommendations = nfc(recommendations)
    consultation.synthesis_lock_version = lock_version + 1
    if topics:
        items = OpinionItem.objects.filter(opinion__consultation=consultation, pk__in=list(topics))
        for item in items:
            item.topic = nfc(topics[item.pk]).strip()[:255]
        OpinionItem.objects.bulk_update(items, ["topic"])
    _audit(
        actor,
        "consultation.save_synthesis",
        consultation,
        consultation,
        version=consultation.synthesis_lock_version,
    )
    return consultation


@transaction.atomic
def consultation_issue_report(
    *, actor: User, consultation: Consultation, report_number: str = ""
) -> Consultation:
    from thamvan.documents.services import documents_generate

    _require(access.is_secretariat(actor, consultation))
    _lock(consultation)
    _require_state(consultation, State.SYNTHESIZING)
    consultation.refresh_from_db(fields=["conclusions"])
    _require(bool(consultation.conclusions.strip()), NO_CONCLUSIONS, "conclusions")
    consultation.report_number = nfc(report_number).strip()
    consultation.reported_at = timezone.now()
    consultation.save(update_fields=["report_number", "reported_at"])
    _record(consultation, actor, "reported", State.REPORTED)
    documents_generate(actor=actor, consultation=consultation)
    _notify(
        [*_agency_users(consultation), *_panel_users(consultation)],
        consultation,
        "reported",
        _("The synthesis report was issued for: %(title)s"),
    )
    return consultation


# --- Responses -------------------------------------------------------------------------


def items_to_answer(consultation: Consultation) -> Any:
    """The items of current submitted opinions: each needs a response."""
    return OpinionItem.objects.filter(
        opinion__consultation=consultation,
        opinion__state=Opinion.Status.SUBMITTED,
        opinion__is_current=True,
    )


@transaction.atomic
def response_record(
    *,
    actor: User,
    item: OpinionItem,
    result: str,
    explanation: str = "",
    lock_version: int | None = None,
) -> Response:
    """Answer one item. ``lock_version`` is the version the form was opened at (0: there was
    no answer yet); a different stored one raises ``EditConflict``."""
    consultation = _lock(item.opinion.consultation)
    _require(access.acts_for_agency(actor, consultation))
    _require_state(consultation, State.REPORTED, State.RESPONDING)
    _require(result in Response.Result.values, EXPLANATION_REQUIRED, "result")
    _require(
        result == Response.Result.ACCEPTED or bool(explanation.strip()),
        EXPLANATION_REQUIRED,
        "explanation",
    )
    _require(items_to_answer(consultation).filter(pk=item.pk).exists())
    response = Response.objects.filter(item=item).first()
    if response is None:
        if lock_version:
            raise EditConflict(0)
        response = Response(item=item, lock_version=1)
    elif lock_version is not None and response.lock_version != lock_version:
        raise EditConflict(response.lock_version)
    else:
        response.lock_version += 1
    response.result = result
    response.explanation = explanation
    response.responded_by = actor
    response.responded_at = timezone.now()
    response.save()
    index_object(response)
    _audit(actor, "response.record", response, consultation, item=item.pk, result=result)
    if consultation.state == State.REPORTED:
        _record(consultation, actor, "responding", State.RESPONDING)
    if not items_to_answer(consultation).filter(response__isnull=True).exists():
        _close(actor, consultation)
    return response


def _close(actor: User, consultation: Consultation) -> None:
    from thamvan.documents.services import documents_generate

    consultation.closed_at = timezone.now()
    consultation.save(update_fields=["closed_at"])
    _record(consultation, actor, "closed", State.CLOSED)
    documents_generate(actor=actor, consultation=consultation, kinds=("response_table", "items"))
    _notify(
        [*_secretariat_users(consultation), *_panel_users(consultation)],
        consultation,
        "closed",
        _("The agency answered every remark; the consultation is closed: %(title)s"),
    )


@transaction.atomic
def consultation_link_revision(
    *, actor: User, consultation: Consultation, version: DossierVersion
) -> Consultation:
    _require(access.acts_for_agency(actor, consultation))
    _require_state(consultation, State.REPORTED, State.RESPONDING, State.CLOSED)
    _require(version.dossier_id == consultation.dossier_id, VERSION_OF_OTHER_DOSSIER, "version")
    consultation.revised_version = version
    consultation.save(update_fields=["revised_version", "updated_at"])
    _record(consultation, actor, "revision_linked", reason=str(version))
    return consultation


# --- Deadlines -------------------------------------------------------------------------


def deadlines_check(today: Any = None) -> int:
    """Send 3- and 1-day reminders and flag overdue consultations; returns notifications sent."""
    day = today or timezone.localdate()
    sent = 0
    rule = rule_on(day)
    active = Consultation.objects.filter(
        state__in=(State.PANEL_FORMING, State.IN_REVIEW), deadline__isnull=False
    ).select_related("dossier")
    for consultation in active:
        left = (consultation.deadline - day).days if consultation.deadline else None
        if left is None:
            continue
        if left in rule.reminders:
            submitted = set(
                consultation.opinions.filter(state=Opinion.Status.SUBMITTED).values_list(
                    "expert_id", flat=True
                )
            )
            waiting = [
                i.expert.user
                for i in consultation.invitations.filter(
                    state=Invitation.Status.ACCEPTED
                ).select_related("expert__user")
                if i.expert_id not in submitted and i.expert.user is not None
            ]
            sent += len(
                notify(
                    waiting,
                    kind="reminder",
                    message=_("%(days)s day(s) left to submit your opinion on: %(title)s"),
                    params={"days": left, "title": consultation.title},
                    url=consultation.get_absolute_url(),
                    dedupe_key=f"reminder:{consultation.pk}:{consultation.deadline}:{left}",
                )
            )
        if left < 0 and not consultation.overdue:
            Consultation.objects.filter(pk=consultation.pk).update(overdue=True)
            sent += len(
                notify(
                    [*_secretariat_users(consultation), *_chair_users(consultation)],
                    kind="overdue",
                    message=_("The answer deadline has passed for: %(title)s"),
                    params={"title": consultation.title},
                    url=consultation.get_absolute_url(),
                    dedupe_key=f"overdue:{consultation.pk}:{consultation.deadline}",
                )
            )
    return sent
