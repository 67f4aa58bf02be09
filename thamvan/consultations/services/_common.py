"""What the consultation services share: errors and messages, the row lock, checks,
the timeline and audit entries, the recipients of notifications."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from thamvan import audit
from thamvan.accounts.models import Role, User
from thamvan.consultations.lifecycle import NOT_ALLOWED, ConsultationError
from thamvan.consultations.models import (
    Consultation,
    Invitation,
    Transition,
)
from thamvan.notifications.services import notify, users_with_role
from thamvan.search.normalize import nfc

VERSION_OF_OTHER_DOSSIER = _("The version must belong to the consulted dossier.")
NOT_AN_ASSOCIATION = _("Consultations are sent to a professional association or its branch.")
NO_QUESTIONS = _("Ask at least one question.")
PANEL_EMPTY = _("Choose at least one expert.")
ALREADY_INVITED = _("%(expert)s is already on this panel.")
INDEPENDENCE_REQUIRED = _(
    "To accept, declare your independence: tick the box and describe any relationship "
    "with the agency, the consultant or the investor (or write “none”)."
)
INVITATION_CLOSED = _("This invitation has already been answered.")
CHAIR_MUST_HAVE_ACCEPTED = _("The chair must be a member who has accepted the invitation.")
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
EXPLANATION_REQUIRED = _("Explain why the remark is only partly accepted or not accepted.")
AUTHOR_REQUIRED = _("Name the expert or the organisation that gave this opinion.")
ITEM_DOCUMENT_NOT_IN_VERSION = _("The document must belong to the consulted dossier version.")
NEW_ROUND_NOT_ALLOWED = _("A new round can follow a closed, returned or withdrawn consultation.")


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
    "invitation_resent": "invitation.resend",
    "invitation_revoked": "invitation.revoke",
    "invitation_reminded": "invitation.remind",
    "alternate_invited": "invitation.invite_alternate",
    "alternate_invited_automatically": "invitation.invite_alternate",
    "auto_alternates_on": "consultation.set_auto_alternates",
    "auto_alternates_off": "consultation.set_auto_alternates",
    "chair": "invitation.set_chair",
    "review_started": "consultation.start_review",
    "opinion_submitted": "opinion.submit",
    "opinion_recorded": "opinion.record",
    "synthesis_started": "consultation.start_synthesis",
    "reported": "consultation.report",
    "responding": "consultation.start_responding",
    "closed": "consultation.close",
    "revision_linked": "consultation.link_revision",
    "deadline_extended": "consultation.deadline_extended",
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
