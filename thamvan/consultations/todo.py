"""The consultation work that waits for a user, for the home page (``thamvan.core.todo``).

Whether an action is the user's is asked of the lifecycle (``lifecycle.can``), never
decided here; each rule only narrows the action's states to those in which it is
pending work, and says what the user reads and where the link goes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from thamvan.accounts.models import Role, User
from thamvan.consultations import access, lifecycle
from thamvan.consultations.models import Consultation, Invitation, Opinion, State
from thamvan.core.todo import Kind, TodoItem

INVITATIONS = Kind("invitations", _("Invitations to answer"))
OPINIONS = Kind("opinions", _("Opinions due"))
REQUESTS = Kind("requests", _("Requests to accept"))
PANELS = Kind("panels", _("Panels to form"))
REVIEWS = Kind("reviews", _("Reviews to start"))
SYNTHESES = Kind("syntheses", _("Syntheses to draft"))
REPORTS = Kind("reports", _("Reports to issue"))
ANSWERS = Kind("answers", _("Answers to give"))

KINDS = (INVITATIONS, OPINIONS, REQUESTS, PANELS, REVIEWS, SYNTHESES, REPORTS, ANSWERS)


@dataclass(frozen=True)
class Pending:
    """What the user needs besides ``lifecycle.can`` for the rule's action to be waiting."""

    user: User
    submitted: set[int]

    def invited(self, consultation: Consultation) -> bool:
        invitation = access.invitation_of(self.user, consultation)
        return invitation is not None and invitation.state == Invitation.Status.INVITED

    def not_submitted(self, consultation: Consultation) -> bool:
        return consultation.pk not in self.submitted

    def ready(self, consultation: Consultation) -> bool:
        # issue_report's preconditions read the consultation's own fields only.
        action = lifecycle.ACTIONS["issue_report"]
        return all(p.holds(consultation) for p in action.preconditions)

    def always(self, consultation: Consultation) -> bool:
        return True


def _link(name: str) -> Callable[[User, Consultation], str]:
    return lambda user, consultation: reverse(name, args=[consultation.pk])


def _invitation_link(user: User, consultation: Consultation) -> str:
    invitation = access.invitation_of(user, consultation)
    assert invitation is not None  # the rule waits only on the user's own invitation
    return reverse("consultations:invitation", args=[consultation.pk, invitation.pk])


def _respond_by(user: User, consultation: Consultation) -> date | None:
    invitation = access.invitation_of(user, consultation)
    return invitation.respond_by if invitation is not None else None


def _answer_deadline(user: User, consultation: Consultation) -> date | None:
    return consultation.deadline


def _no_deadline(user: User, consultation: Consultation) -> date | None:
    # The answer period starts when the request is accepted and ends with the report;
    # accepting the request and answering the report have no deadline of their own.
    return None


@dataclass(frozen=True)
class Rule:
    kind: Kind
    action: str
    # The action's states in which it is work waiting, not merely possible.
    states: frozenset[str]
    does: StrPromise
    link: Callable[[User, Consultation], str]
    due: Callable[[User, Consultation], date | None] = _answer_deadline
    waits: Callable[[Pending, Consultation], bool] = Pending.always


# In order: a consultation gives a user at most one item, the first rule that waits.
RULES = (
    Rule(
        INVITATIONS,
        "answer_invitation",
        frozenset({State.PANEL_FORMING, State.IN_REVIEW}),
        _("Answer the invitation"),
        _invitation_link,
        _respond_by,
        Pending.invited,
    ),
    Rule(
        OPINIONS,
        "write_opinion",
        frozenset({State.IN_REVIEW}),
        _("Write and submit your opinion"),
        _link("consultations:opinion_workspace"),
        waits=Pending.not_submitted,
    ),
    Rule(
        REQUESTS,
        "accept",
        frozenset({State.SENT}),
        _("Accept or return the request"),
        _link("consultations:detail"),
        _no_deadline,
    ),
    Rule(
        PANELS,
        "invite",
        frozenset({State.ACCEPTED}),
        _("Invite the experts"),
        _link("consultations:panel"),
    ),
    Rule(
        REVIEWS,
        "start_review",
        frozenset({State.PANEL_FORMING}),
        _("Start the review"),
        _link("consultations:detail"),
    ),
    Rule(
        REPORTS,
        "issue_report",
        frozenset({State.SYNTHESIZING}),
        _("Issue the report"),
        _link("consultations:synthesis"),
        waits=Pending.ready,
    ),
    Rule(
        SYNTHESES,
        "synthesize",
        frozenset({State.SYNTHESIZING}),
        _("Draft the synthesis"),
        _link("consultations:synthesis"),
    ),
    Rule(
        ANSWERS,
        "answer",
        frozenset({State.REPORTED, State.RESPONDING}),
        _("Answer the opinions (accept or explain)"),
        _link("consultations:responses"),
        _no_deadline,
    ),
)


def _involving(user: User) -> Q:
    """Consultations the user has a part in: as the association's secretariat, the lead
    agency's officer or an invited expert. An administrator may act on every one, but
    that is not work waiting for them."""
    involved = Q(pk__in=Invitation.objects.filter(expert__user=user).values("consultation_id"))
    secretariat = access.scope(user, Role.SECRETARIAT)
    if secretariat:
        involved |= Q(association_id__in=sorted(secretariat))
    agency = access.scope(user, Role.AGENCY_OFFICER)
    if agency:
        involved |= Q(dossier__lead_agency_id__in=sorted(agency))
    return involved


def items(user: User) -> list[TodoItem]:
    if not user.is_authenticated or not user.is_active:
        return []
    states = set().union(*(rule.states for rule in RULES))
    consultations = list(
        Consultation.objects.visible_to(user)
        .filter(_involving(user), state__in=sorted(states))
        .select_related("dossier")
        .order_by("pk")
    )
    access.remember_invitations(user, consultations)
    submitted = set(
        Opinion.objects.filter(
            expert__user=user,
            state=Opinion.Status.SUBMITTED,
            consultation_id__in=[c.pk for c in consultations if c.state == State.IN_REVIEW],
        ).values_list("consultation_id", flat=True)
    )
    pending = Pending(user, submitted)
    found = []
    for consultation in consultations:
        for rule in RULES:
            if (
                consultation.state in rule.states
                and lifecycle.can(rule.action, user, consultation)
                and rule.waits(pending, consultation)
            ):
                found.append(
                    TodoItem(
                        rule.kind,
                        consultation.title,
                        rule.does,
                        rule.due(user, consultation),
                        rule.link(user, consultation),
                    )
                )
                break
    return found
