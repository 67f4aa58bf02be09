"""Alternates: who takes the seat of an expert who declined or let the invitation expire.

The proposal is the best-ranked expert not yet invited whom the panel rules accept
without a reason (failing that, the best one who needs a reason), reachable through an
account or an e-mail address. Inviting them goes through ``invitations_send``, so every
rule is checked again at the click. With ``Consultation.auto_invite_alternates`` a decline
or an expiry invites the proposal at once, on the authority of whoever sent the vacated
invitation, unless a rule would need a reason: then the secretariat chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from thamvan.accounts.models import User
from thamvan.consultations import lifecycle
from thamvan.consultations.lifecycle import ConsultationError, check
from thamvan.consultations.models import Consultation, Invitation
from thamvan.consultations.services._common import _lock, _record, _require
from thamvan.consultations.services.panel import invitations_send, picks_from
from thamvan.experts.models import Expert
from thamvan.matching.services import (
    ExcludedRow,
    Finding,
    PanelRecommendation,
    RankedRow,
    assess_picks,
    recommend_panel,
)

VACATED = (Invitation.Status.DECLINED, Invitation.Status.EXPIRED)
# Candidates weighed against the panel rules beyond the proposals asked for: enough to
# pass over a few who need a reason, few enough to keep the panel page quick.
SPARE_CANDIDATES = 5

NOT_VACATED = _("Only a declined or expired invitation can be replaced by an alternate.")
ALREADY_REPLACED = _("%(alternate)s has already been invited in place of %(expert)s.")
PANEL_FULL = _("Every seat of the panel is taken: there is no seat for an alternate.")
NO_ALTERNATE = _("No eligible expert is left to propose as an alternate.")
UNREACHABLE = _(
    "%(expert)s has neither an account nor an e-mail address: the invitation could not reach them."
)
IN_PLACE_OF = _("%(alternate)s in place of %(expert)s")


@dataclass(frozen=True)
class Proposal:
    """An expert proposed for a vacated seat, why, and the soft rules they would break
    (inviting them then needs a reason)."""

    expert: Expert
    reason: str
    warnings: list[Finding] = field(default_factory=list)

    @property
    def needs_reason(self) -> bool:
        return bool(self.warnings)


@dataclass(frozen=True)
class Vacancy:
    """A declined or expired invitation whose seat is open, with the alternate proposed."""

    invitation: Invitation
    proposal: Proposal | None


def reachable(expert: Expert) -> bool:
    """Whether an invitation can reach the expert: an active account or an e-mail address."""
    return (expert.user is not None and expert.user.is_active) or bool(expert.email)


def open_seats(consultation: Consultation) -> int:
    return max(0, consultation.panel_size - consultation.invitations.seated().count())


def vacated_invitations(consultation: Consultation) -> list[Invitation]:
    """The declined and expired invitations not yet replaced, in the order they were sent,
    as many as there are open seats."""
    seats = open_seats(consultation)
    if not seats:
        return []
    return list(
        consultation.invitations.filter(state__in=VACATED, replaced_by__isnull=True)
        .select_related("expert")
        .order_by("invited_at", "pk")[:seats]
    )


def _candidates(recommendation: PanelRecommendation) -> list[RankedRow | ExcludedRow]:
    """The recommendation's suggested experts, the rest of its ranking, then the excluded
    ones a reason may still seat (away, at capacity), each in its order."""
    return [
        *(row for row in recommendation.ranked if row.suggested),
        *(row for row in recommendation.ranked if not row.suggested),
        *(row for row in recommendation.excluded if row.selectable),
    ]


def alternate_proposals(
    consultation: Consultation,
    count: int = 1,
    *,
    recommendation: PanelRecommendation | None = None,
) -> list[Proposal]:
    """Up to ``count`` distinct alternates, those no rule holds back first, each weighed
    with ``assess_picks`` as ``invitations_send`` will weigh them."""
    if count < 1:
        return []
    recommendation = recommendation or recommend_panel(consultation)
    if not recommendation.seats:
        return []
    clear: list[Proposal] = []
    held: list[Proposal] = []
    weighed = 0
    for row in _candidates(recommendation):
        if len(clear) >= count or weighed >= count + SPARE_CANDIDATES:
            break
        expert = row.expert
        if not reachable(expert):
            continue
        weighed += 1
        # Proposed by the system, the alternate is the recommendation for the seat: no
        # reason for choosing outside it, the other soft rules still ask for one.
        (assessment,) = assess_picks(consultation, [expert], suggested={expert.pk})
        if not assessment.selectable:
            continue
        why = row.reason if isinstance(row, RankedRow) else "; ".join(row.reasons)
        proposal = Proposal(expert, why, assessment.warnings)
        (held if proposal.needs_reason else clear).append(proposal)
    return [*clear, *held][:count]


def alternate_for(consultation: Consultation) -> Expert | None:
    """The expert proposed for the next vacated seat, if any."""
    proposals = alternate_proposals(consultation)
    return proposals[0].expert if proposals else None


def vacancies(
    consultation: Consultation, *, recommendation: PanelRecommendation | None = None
) -> list[Vacancy]:
    """Each vacated invitation with an open seat, and a distinct alternate for each while
    the recommendation has one."""
    vacated = vacated_invitations(consultation)
    if not vacated:
        return []
    proposals = alternate_proposals(consultation, len(vacated), recommendation=recommendation)
    return [
        Vacancy(invitation, proposals[index] if index < len(proposals) else None)
        for index, invitation in enumerate(vacated)
    ]


def _check_vacated(consultation: Consultation, vacated: Invitation) -> None:
    """Refuse unless the invitation is a vacated one of this panel, not yet replaced,
    and a seat is open. Call under the consultation's lock."""
    vacated.refresh_from_db(fields=["state"])
    _require(vacated.consultation_id == consultation.pk)
    _require(vacated.state in VACATED, NOT_VACATED, "not_vacated")
    replacement = Invitation.objects.filter(replaces=vacated).select_related("expert").first()
    if replacement is not None:
        raise ConsultationError(
            ALREADY_REPLACED,
            code="replaced",
            params={
                "alternate": replacement.expert.titled_name,
                "expert": vacated.expert.titled_name,
            },
        )
    _require(open_seats(consultation) > 0, PANEL_FULL, "panel_full")


def _invite(
    actor: User,
    consultation: Consultation,
    vacated: Invitation,
    expert: Expert,
    reason: str,
    recommendation: PanelRecommendation,
    *,
    proposed: bool,
    automatic: bool,
) -> Invitation:
    """Invite ``expert`` in place of ``vacated``; ``proposed`` when the system proposes
    them now, which makes them the recommendation for the seat."""
    (pick,) = picks_from(recommendation, [expert], {expert.pk: reason})
    if proposed:
        pick = replace(pick, suggested=True)
    (invitation,) = invitations_send(actor=actor, consultation=consultation, picks=[pick])
    invitation.replaces = vacated
    invitation.save(update_fields=["replaces"])
    _record(
        consultation,
        None if automatic else actor,
        "alternate_invited_automatically" if automatic else "alternate_invited",
        reason=str(IN_PLACE_OF)
        % {"alternate": expert.titled_name, "expert": vacated.expert.titled_name},
        target=invitation,
        data={"replaces": vacated.pk, "automatic": automatic, "on_behalf_of": actor.pk},
    )
    return invitation


@transaction.atomic
def alternate_invite(
    *,
    actor: User,
    consultation: Consultation,
    invitation: Invitation,
    expert: Expert | None = None,
    reason: str = "",
) -> Invitation:
    """Invite an alternate in place of the declined or expired ``invitation``: ``expert``
    as proposed on the page, or the current proposal. Every panel rule is checked again
    now; a soft rule needs ``reason``, a conflict of interest refuses the expert."""
    _lock(consultation)
    check("invite", actor, consultation)
    _check_vacated(consultation, invitation)
    recommendation = recommend_panel(consultation)
    # The proposals as they stand now, one per vacated seat (the page shows each).
    proposed = [
        proposal.expert
        for proposal in alternate_proposals(
            consultation,
            len(vacated_invitations(consultation)),
            recommendation=recommendation,
        )
    ]
    if expert is None:
        _require(bool(proposed), NO_ALTERNATE, "no_alternate")
        expert = proposed[0]
    elif not reachable(expert):
        raise ConsultationError(
            UNREACHABLE, code="unreachable", params={"expert": expert.titled_name}
        )
    return _invite(
        actor,
        consultation,
        invitation,
        expert,
        reason,
        recommendation,
        proposed=expert in proposed,
        automatic=False,
    )


def alternate_auto_invite(consultation: Consultation, vacated: Invitation) -> Invitation | None:
    """The alternate invited at once for the invitation just declined or expired, when the
    consultation asks for it and no rule needs a reason; None leaves the choice to the
    secretariat. Runs under the consultation's lock, in the caller's transaction.

    The invitation is sent as its vacated one was, by the same person, who must still be
    allowed to invite; the timeline records it as automatic.
    """
    consultation.refresh_from_db(fields=["auto_invite_alternates", "panel_size"])
    if not consultation.auto_invite_alternates or vacated.invited_by_id is None:
        return None
    # Read afresh: whether they may still invite is today's question.
    inviter = User.objects.filter(pk=vacated.invited_by_id, is_active=True).first()
    if inviter is None or not lifecycle.can("invite", inviter, consultation):
        return None
    try:
        # A savepoint: a refusal leaves the decline or the expiry standing.
        with transaction.atomic():
            _check_vacated(consultation, vacated)
            recommendation = recommend_panel(consultation)
            proposals = alternate_proposals(consultation, recommendation=recommendation)
            if not proposals or proposals[0].needs_reason:
                return None
            return _invite(
                inviter,
                consultation,
                vacated,
                proposals[0].expert,
                "",
                recommendation,
                proposed=True,
                automatic=True,
            )
    except ConsultationError:
        return None


@transaction.atomic
def consultation_set_auto_alternates(
    *, actor: User, consultation: Consultation, enabled: bool
) -> Consultation:
    """Turn the automatic invitation of alternates on or off for the declines and
    expiries to come."""
    _lock(consultation)
    check("invite", actor, consultation)
    consultation.refresh_from_db(fields=["auto_invite_alternates"])
    if consultation.auto_invite_alternates != enabled:
        consultation.auto_invite_alternates = enabled
        consultation.save(update_fields=["auto_invite_alternates", "updated_at"])
        _record(consultation, actor, "auto_alternates_on" if enabled else "auto_alternates_off")
    return consultation
