"""The expert panel: invitations and their answers, the chair, the start of the review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.audit.services import Action
from thamvan.consultations.deadlines import add_days
from thamvan.consultations.lifecycle import (
    ACTIONS,
    REASON_REQUIRED,
    ConsultationError,
    check,
    require_state,
)
from thamvan.consultations.models import (
    Consultation,
    Invitation,
    Opinion,
    State,
)
from thamvan.consultations.services._common import (
    ALREADY_INVITED,
    CHAIR_MUST_HAVE_ACCEPTED,
    INDEPENDENCE_REQUIRED,
    INVITATION_CLOSED,
    PANEL_EMPTY,
    _audit,
    _lock,
    _notify,
    _panel_users,
    _record,
    _require,
    _secretariat_users,
)
from thamvan.experts.models import Expert
from thamvan.matching.services import PanelRecommendation, assess_picks
from thamvan.notifications.services import notify
from thamvan.search.normalize import nfc


@dataclass(frozen=True)
class Pick:
    """One expert chosen for the panel, with what the recommendation said about them."""

    expert: Expert
    suggested: bool = True
    rank: int | None = None
    affinity: float | None = None
    reason: str = ""
    override_reason: str = ""


CONFLICT_OF_INTEREST = _("%(expert)s cannot sit on this panel: %(conflicts)s.")
OVERRIDE_REASON_REQUIRED = _("%(expert)s: %(rules)s. Record why you choose them all the same.")
NOT_PENDING = _("Only an invitation that has not been answered can be sent again.")
NOT_REVOCABLE = _("Only a pending or accepted invitation can be revoked.")
REVOKE_AFTER_OPINION = _(
    "%(expert)s has submitted an opinion: the invitation can no longer be revoked."
)
OVERRIDE_WORDS = _("%(expert)s (overridden: %(rules)s; reason: %(reason)s)")
# What the secretariat reads when a seat opens: choose an alternate, or one was invited.
DECLINED_CHOOSE_ALTERNATE = _(
    "An expert declined the invitation; choose an alternate for: %(title)s"
)
DECLINED_ALTERNATE_INVITED = _(
    "An expert declined the invitation; an alternate was invited automatically for: %(title)s"
)
EXPIRED_CHOOSE_ALTERNATE = _("An invitation expired unanswered; choose an alternate for: %(title)s")
EXPIRED_ALTERNATE_INVITED = _(
    "An invitation expired unanswered; an alternate was invited automatically for: %(title)s"
)


def picks_from(
    recommendation: PanelRecommendation, experts: Sequence[Expert], reasons: dict[int, str]
) -> list[Pick]:
    """The picks of chosen experts as the recommendation saw them, with the reasons
    given; the page and the API build their picks alike."""
    rows = {row.expert.pk: row for row in recommendation.ranked}
    suggested = {row.expert.pk for row in recommendation.suggested}
    picks = []
    for expert in experts:
        row = rows.get(expert.pk)
        picks.append(
            Pick(
                expert=expert,
                suggested=expert.pk in suggested,
                rank=row.rank if row else None,
                affinity=row.score if row else None,
                reason=row.reason if row else "",
                override_reason=reasons.get(expert.pk, ""),
            )
        )
    return picks


@transaction.atomic
def invitations_send(
    *, actor: User, consultation: Consultation, picks: Sequence[Pick]
) -> list[Invitation]:
    """Invite the picked experts. A conflict of interest refuses the expert whatever the
    reason; a soft rule (``matching.services.assess_picks``) needs the pick's reason,
    which is stored with the rules it overrides and written on the timeline."""
    _lock(consultation)
    check("invite", actor, consultation)
    _require(bool(picks), PANEL_EMPTY, "empty")
    taken = set(consultation.invitations.values_list("expert_id", flat=True))
    for pick in picks:
        if pick.expert.pk in taken:
            raise ConsultationError(
                ALREADY_INVITED, code="duplicate", params={"expert": pick.expert.titled_name}
            )
        taken.add(pick.expert.pk)
    assessments = assess_picks(
        consultation,
        [p.expert for p in picks],
        suggested={p.expert.pk for p in picks if p.suggested},
    )
    for pick, assessment in zip(picks, assessments, strict=True):
        if assessment.conflicts:
            raise ConsultationError(
                CONFLICT_OF_INTEREST,
                code="conflict",
                params={
                    "expert": pick.expert.titled_name,
                    "conflicts": "; ".join(assessment.conflicts),
                },
            )
    for pick, assessment in zip(picks, assessments, strict=True):
        if assessment.warnings and not pick.override_reason.strip():
            raise ConsultationError(
                OVERRIDE_REASON_REQUIRED,
                code="override_reason",
                params={
                    "expert": pick.expert.titled_name,
                    "rules": "; ".join(f.message for f in assessment.warnings),
                },
            )
    if consultation.state == State.ACCEPTED:
        _record(consultation, actor, "panel_forming", State.PANEL_FORMING)
    respond_by = add_days(timezone.localdate(), settings.INVITATION_ANSWER_DAYS, "working")
    invitations = [
        Invitation.objects.create(
            consultation=consultation,
            expert=pick.expert,
            recommended=pick.suggested,
            rank=pick.rank,
            affinity=pick.affinity,
            recommendation_reason=pick.reason[:500],
            override_reason=nfc(pick.override_reason).strip() if assessment.warnings else "",
            overridden_rules=[f.to_dict() for f in assessment.warnings],
            invited_by=actor,
            respond_by=respond_by,
        )
        for pick, assessment in zip(picks, assessments, strict=True)
    ]
    _record(
        consultation,
        actor,
        "invited",
        reason="; ".join(_invited_words(i) for i in invitations),
        data={
            "experts": [p.expert.pk for p in picks],
            "overrides": {
                str(i.expert_id): {
                    "rules": [r["rule"] for r in i.overridden_rules],
                    "reason": i.override_reason,
                }
                for i in invitations
                if i.overridden_rules
            },
        },
    )
    for invitation in invitations:
        invitation_deliver(invitation)
    return invitations


INVITED_MESSAGE = _("You are invited to the expert panel of: %(title)s")
REMINDER_MESSAGE = _("Reminder: please answer the invitation to the expert panel of: %(title)s")


def invitation_deliver(invitation: Invitation, *, reminder: bool = False) -> None:
    """Tell the expert of the invitation (again, with ``reminder``): the one place that
    decides how an invited expert is reached.

    An expert with an account is notified in the application and by e-mail; one without
    gets a new personal link at their address (``links.link_send``, which revokes the
    earlier link); one with neither cannot be reached, which is recorded here and shown
    on the panel page."""
    # The link flow answers invitations through this module: imported on use.
    from thamvan.consultations.services import links

    expert = invitation.expert
    if expert.user_id is not None:
        _notify(
            [expert.user],
            invitation.consultation,
            "invitation",
            REMINDER_MESSAGE if reminder else INVITED_MESSAGE,
        )
    elif expert.email:
        links.link_send(invitation, reminder=reminder)
    else:
        _audit(
            None,
            Action.INVITATION_UNREACHABLE,
            invitation,
            invitation.consultation,
            reminder=reminder,
        )


def _invited_words(invitation: Invitation) -> str:
    """How the timeline names an invited expert, with the rules overridden and why."""
    name = invitation.expert.titled_name
    if not invitation.overridden_rules:
        return name
    return str(OVERRIDE_WORDS) % {
        "expert": name,
        "rules": "; ".join(r["message"] for r in invitation.overridden_rules),
        "reason": invitation.override_reason,
    }


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """Notify the invited expert again; the answer date stays as it was."""
    consultation = _lock(invitation.consultation)
    check("resend_invitation", actor, consultation)
    invitation.refresh_from_db(fields=["state"])
    _require(invitation.state == Invitation.Status.INVITED, NOT_PENDING, "not_pending")
    _record(
        consultation,
        actor,
        "invitation_resent",
        reason=invitation.expert.titled_name,
        target=invitation,
    )
    invitation_deliver(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation, reason: str) -> Invitation:
    """Take a pending or accepted invitation back before the expert has given an opinion;
    the seat opens again and the expert is told."""
    consultation = _lock(invitation.consultation)
    check("revoke_invitation", actor, consultation, reason=reason)
    invitation.refresh_from_db(fields=["state", "is_chair"])
    _require(
        invitation.state in (Invitation.Status.INVITED, Invitation.Status.ACCEPTED),
        NOT_REVOCABLE,
        "not_revocable",
    )
    if consultation.opinions.filter(
        expert_id=invitation.expert_id, state=Opinion.Status.SUBMITTED
    ).exists():
        raise ConsultationError(
            REVOKE_AFTER_OPINION, code="opinion", params={"expert": invitation.expert.titled_name}
        )
    invitation.state = Invitation.Status.REVOKED
    invitation.revoked_at = timezone.now()
    invitation.revoke_reason = nfc(reason).strip()
    invitation.is_chair = False
    invitation.save(update_fields=["state", "revoked_at", "revoke_reason", "is_chair"])
    _record(
        consultation,
        actor,
        "invitation_revoked",
        reason=f"{invitation.expert.titled_name}: {invitation.revoke_reason}",
        target=invitation,
    )
    from thamvan.consultations.services import links

    links.links_revoke(invitation, reason="invitation_revoked")
    _notify(
        [invitation.expert.user],
        consultation,
        "invitation_revoked",
        _("Your invitation to the expert panel was revoked: %(title)s"),
    )
    return invitation


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
    require_state("answer_invitation", consultation)
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
    return _decline(invitation, actor=actor, reason=reason)


@transaction.atomic
def invitation_decline_by_link(*, invitation: Invitation, reason: str) -> Invitation:
    """Decline for an expert without an account; the caller (``links.link_decline``)
    has checked the personal link that stands for the expert."""
    return _decline(invitation, actor=None, reason=reason)


def _decline(invitation: Invitation, *, actor: User | None, reason: str) -> Invitation:
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
        data={"via": "link"} if actor is None else None,
    )
    alternate = _auto_alternate(consultation, invitation)
    _notify(
        _secretariat_users(consultation),
        consultation,
        "invitation_declined",
        DECLINED_ALTERNATE_INVITED if alternate else DECLINED_CHOOSE_ALTERNATE,
    )
    return invitation


def _auto_alternate(consultation: Consultation, vacated: Invitation) -> Invitation | None:
    # Imported here: the alternates module invites through this one.
    from thamvan.consultations.services.alternates import alternate_auto_invite

    return alternate_auto_invite(consultation, vacated)


@transaction.atomic
def panel_set_chair(
    *, actor: User, consultation: Consultation, invitation: Invitation
) -> Invitation:
    _lock(consultation)
    check("set_chair", actor, consultation)
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
    _lock(consultation)
    check("start_review", actor, consultation)
    _record(consultation, actor, "review_started", State.IN_REVIEW)
    _notify(
        _panel_users(consultation),
        consultation,
        "review_started",
        _("The review has started; write your opinion on: %(title)s"),
    )
    return consultation


def invitations_expire(today: Any = None) -> int:
    """Pending invitations past their answer date expire; returns how many. The
    secretariat is told to choose an alternate, or that one was invited automatically."""
    day = today or timezone.localdate()
    expired = 0
    pending = Invitation.objects.filter(
        state=Invitation.Status.INVITED, respond_by__lt=day
    ).select_related("consultation__dossier", "expert")
    for invitation in pending:
        with transaction.atomic():
            consultation = _lock(invitation.consultation)
            # An answer may have landed since the read.
            invitation.refresh_from_db(fields=["state"])
            if invitation.state != Invitation.Status.INVITED:
                continue
            invitation.state = Invitation.Status.EXPIRED
            invitation.save(update_fields=["state"])
            _record(
                consultation,
                None,
                "invitation_expired",
                reason=invitation.expert.titled_name,
                target=invitation,
            )
            expired += 1
            if consultation.state not in ACTIONS["invite"].from_states:
                continue
            alternate = _auto_alternate(consultation, invitation)
            notify(
                _secretariat_users(consultation),
                kind="invitation_expired",
                message=EXPIRED_ALTERNATE_INVITED if alternate else EXPIRED_CHOOSE_ALTERNATE,
                params={"title": consultation.title},
                url=reverse("consultations:panel", args=[consultation.pk]),
                dedupe_key=f"invitation_expired:{invitation.pk}",
            )
    return expired
