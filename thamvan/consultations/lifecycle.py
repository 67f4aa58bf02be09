"""The consultation lifecycle of DESIGN §3, declared once.

Each action names the states it may be taken in, the state it leads to (if any), who may
take it and what must hold first, with the message the user reads. The services call
``check`` before they write; the pages and the API call ``available_actions`` to offer
exactly what the user can do now, and show the unmet preconditions before the click.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy
from django_stubs_ext import StrPromise

from thamvan.accounts.models import User
from thamvan.consultations import access
from thamvan.consultations.models import Consultation, Invitation, Opinion, OpinionItem, State

NOT_ALLOWED = _("You may not do this on this consultation.")
WRONG_STATE = _("This cannot be done while the consultation is “%(state)s”.")
REASON_REQUIRED = _("Give a reason.")
NO_CHAIR = _("Designate a chair before starting the review.")
NO_MEMBER = _("At least one invited expert must have accepted before the review starts.")
NO_SUBMITTED_OPINION = _("No opinion has been submitted yet.")
NO_CONCLUSIONS = _("Write the conclusions before issuing the report.")


class ConsultationError(ValidationError):
    """A consultation rule was broken; the message is shown to the user as it is."""


Who = Callable[[User, Consultation], bool]


@dataclass(frozen=True)
class Precondition:
    """What must hold before the action; ``code`` is the error code of the refusal;
    ``params`` fill the message's placeholders (how many remarks remain)."""

    holds: Callable[[Consultation], bool]
    message: StrPromise
    code: str
    params: Callable[[Consultation], dict[str, Any]] | None = None

    def text(self, consultation: Consultation) -> StrPromise | str:
        if self.params is None:
            return self.message
        return self.message % self.params(consultation)


@dataclass(frozen=True)
class Action:
    name: str
    label: StrPromise
    from_states: frozenset[str]
    may: Who
    to_state: str = ""
    needs_reason: bool = False
    preconditions: tuple[Precondition, ...] = ()
    success: StrPromise | None = None
    # Taken by name with at most a reason: a button on the page, ``POST …/transitions``.
    button: bool = False


@dataclass(frozen=True)
class ActionState:
    """One action the user could take in this state, and what still stands in the way."""

    action: Action
    unmet: list[StrPromise | str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.action.name

    @property
    def possible(self) -> bool:
        return not self.unmet


def _states(*states: str) -> frozenset[str]:
    return frozenset(states)


def _secretariat_or_chair(user: User, consultation: Consultation) -> bool:
    return access.is_chair(user, consultation) or access.is_secretariat(user, consultation)


def _invited(user: User, consultation: Consultation) -> bool:
    return access.invitation_of(user, consultation) is not None


def _has_member(consultation: Consultation) -> bool:
    return consultation.invitations.filter(state=Invitation.Status.ACCEPTED).exists()


def _has_chair(consultation: Consultation) -> bool:
    return consultation.invitations.filter(state=Invitation.Status.ACCEPTED, is_chair=True).exists()


def _has_submitted_opinion(consultation: Consultation) -> bool:
    return consultation.opinions.filter(state=Opinion.Status.SUBMITTED).exists()


def _has_conclusions(consultation: Consultation) -> bool:
    return bool(consultation.conclusions.strip())


# --- Deadline extension and explicit closing: helpers of their block below.

# The states in which the answer deadline runs (it is set when the request is accepted).
DEADLINE_STATES = (State.ACCEPTED, State.PANEL_FORMING, State.IN_REVIEW)
NO_DEADLINE = _("This consultation has no answer deadline to extend.")
DEADLINE_NOT_LATER = _("The new deadline must be later than the current one, %(current)s.")
DEADLINE_IN_PAST = _("The new deadline cannot be in the past.")
UNANSWERED = ngettext_lazy(
    "Answer every remark before closing: %(count)s remark is still unanswered.",
    "Answer every remark before closing: %(count)s remarks are still unanswered.",
    "count",
)


def _secretariat_or_agency(user: User, consultation: Consultation) -> bool:
    return access.is_secretariat(user, consultation) or access.acts_for_agency(user, consultation)


def _has_deadline(consultation: Consultation) -> bool:
    return consultation.deadline is not None


def items_to_answer(consultation: Consultation) -> QuerySet[OpinionItem]:
    """The items of current submitted opinions: each needs a response before closing."""
    return OpinionItem.objects.filter(
        opinion__consultation=consultation,
        opinion__state=Opinion.Status.SUBMITTED,
        opinion__is_current=True,
    )


def _unanswered(consultation: Consultation) -> QuerySet[OpinionItem]:
    return items_to_answer(consultation).filter(response__isnull=True)


def _all_answered(consultation: Consultation) -> bool:
    return not _unanswered(consultation).exists()


def check_new_deadline(consultation: Consultation, new: date, today: date) -> None:
    """The input half of ``extend_deadline``: later than the current date, not past."""
    if new < today:
        raise ConsultationError(DEADLINE_IN_PAST, code="deadline")
    if consultation.deadline is not None and new <= consultation.deadline:
        raise ConsultationError(
            DEADLINE_NOT_LATER,
            code="deadline",
            params={"current": consultation.deadline.strftime("%d/%m/%Y")},
        )


_ACTIONS = (
    # --- Request
    Action(
        "edit",
        _("Edit"),
        _states(State.DRAFT),
        access.acts_for_agency,
    ),
    Action(
        "send",
        _("Send to the association"),
        _states(State.DRAFT),
        access.acts_for_agency,
        to_state=State.SENT,
        success=_("The consultation request was sent."),
        button=True,
    ),
    Action(
        "accept",
        pgettext_lazy("request", "Accept"),
        _states(State.SENT),
        access.is_secretariat,
        to_state=State.ACCEPTED,
        success=_("The consultation request was accepted."),
        button=True,
    ),
    Action(
        "return",
        _("Return"),
        _states(State.SENT),
        access.is_secretariat,
        to_state=State.RETURNED,
        needs_reason=True,
        success=_("The consultation request was returned."),
        button=True,
    ),
    Action(
        "withdraw",
        _("Withdraw"),
        _states(State.DRAFT, State.SENT, State.ACCEPTED, State.PANEL_FORMING, State.IN_REVIEW),
        access.acts_for_agency,
        to_state=State.WITHDRAWN,
        needs_reason=True,
        success=_("The consultation was withdrawn."),
        button=True,
    ),
    Action(
        "new_round",
        _("Start a new round"),
        _states(State.CLOSED, State.RETURNED, State.WITHDRAWN),
        access.acts_for_agency,
    ),
    # --- Panel (the first invitations move an accepted request to panel_forming)
    Action(
        "invite",
        _("Expert panel"),
        _states(State.ACCEPTED, State.PANEL_FORMING, State.IN_REVIEW),
        access.is_secretariat,
    ),
    Action(
        "answer_invitation",
        _("Answer the invitation"),
        _states(State.PANEL_FORMING, State.IN_REVIEW),
        _invited,
    ),
    Action(
        "set_chair",
        _("Designate as chair"),
        _states(State.PANEL_FORMING, State.IN_REVIEW),
        access.is_secretariat,
    ),
    Action(
        "start_review",
        _("Start the review"),
        _states(State.PANEL_FORMING),
        access.is_secretariat,
        to_state=State.IN_REVIEW,
        preconditions=(
            Precondition(_has_member, NO_MEMBER, "members"),
            Precondition(_has_chair, NO_CHAIR, "chair"),
        ),
        success=_("The review has started."),
        button=True,
    ),
    # --- Opinions
    Action(
        "write_opinion",
        _("My opinion"),
        _states(State.IN_REVIEW),
        access.is_member,
    ),
    Action(
        "record_opinion",
        _("Record an opinion received"),
        _states(State.IN_REVIEW, State.SYNTHESIZING),
        access.is_secretariat,
    ),
    # --- Synthesis and report
    Action(
        "start_synthesis",
        _("Start the synthesis"),
        _states(State.IN_REVIEW),
        _secretariat_or_chair,
        to_state=State.SYNTHESIZING,
        preconditions=(Precondition(_has_submitted_opinion, NO_SUBMITTED_OPINION, "opinions"),),
        success=_("The synthesis has started."),
        button=True,
    ),
    Action(
        "synthesize",
        _("Synthesis"),
        _states(State.SYNTHESIZING),
        _secretariat_or_chair,
    ),
    Action(
        "issue_report",
        _("Issue the report"),
        _states(State.SYNTHESIZING),
        access.is_secretariat,
        to_state=State.REPORTED,
        preconditions=(Precondition(_has_conclusions, NO_CONCLUSIONS, "conclusions"),),
    ),
    # --- Outcome (the agency closes the round once every item is answered)
    Action(
        "answer",
        _("Response table"),
        _states(State.REPORTED, State.RESPONDING),
        access.acts_for_agency,
    ),
    Action(
        "link_revision",
        _("Link the revised version"),
        _states(State.REPORTED, State.RESPONDING, State.CLOSED),
        access.acts_for_agency,
    ),
    # --- Panel discussion (who may read it: ``access.discussion_visible_to``)
    Action(
        "discuss",
        _("Post in the discussion"),
        _states(State.IN_REVIEW, State.SYNTHESIZING),
        access.discussion_visible_to,
    ),
    Action(
        "conclude",
        _("Post as the panel's conclusion"),
        _states(State.IN_REVIEW, State.SYNTHESIZING),
        access.is_chair,
    ),
    # --- One invitation at a time (the panel page and ``…/invitations/{id}/…``)
    Action(
        "resend_invitation",
        _("Send the invitation again"),
        _states(State.PANEL_FORMING, State.IN_REVIEW),
        access.is_secretariat,
    ),
    Action(
        "revoke_invitation",
        _("Revoke the invitation"),
        _states(State.PANEL_FORMING, State.IN_REVIEW),
        access.is_secretariat,
        needs_reason=True,
    ),
    # --- Deadline extension and explicit closing
    Action(
        "extend_deadline",
        _("Extend the deadline"),
        _states(*DEADLINE_STATES),
        _secretariat_or_agency,
        needs_reason=True,
        preconditions=(Precondition(_has_deadline, NO_DEADLINE, "deadline"),),
        success=_("The answer deadline was extended."),
    ),
    Action(
        "close",
        _("Close the consultation"),
        _states(State.REPORTED, State.RESPONDING),
        access.acts_for_agency,
        to_state=State.CLOSED,
        preconditions=(
            Precondition(
                _all_answered,
                UNANSWERED,
                "unanswered",
                params=lambda consultation: {"count": _unanswered(consultation).count()},
            ),
        ),
        success=_("The consultation is closed."),
        button=True,
    ),
)

ACTIONS: dict[str, Action] = {action.name: action for action in _ACTIONS}
BUTTONS: tuple[Action, ...] = tuple(action for action in _ACTIONS if action.button)


def wrong_state(consultation: Consultation) -> ConsultationError:
    return ConsultationError(
        WRONG_STATE, code="state", params={"state": consultation.get_state_display()}
    )


def require_state(name: str, consultation: Consultation) -> None:
    """The state half of ``check``, for services whose actor is checked against an
    object of the consultation (their own opinion or invitation)."""
    if consultation.state not in ACTIONS[name].from_states:
        raise wrong_state(consultation)


def check(name: str, user: User, consultation: Consultation, *, reason: str | None = None) -> None:
    """Raise the ``ConsultationError`` that refuses the action now, if any: who, then
    the state, then the reason, then the preconditions in their order."""
    action = ACTIONS[name]
    if not action.may(user, consultation):
        raise ConsultationError(NOT_ALLOWED, code="forbidden")
    require_state(name, consultation)
    if action.needs_reason and not (reason or "").strip():
        raise ConsultationError(REASON_REQUIRED, code="reason")
    for precondition in action.preconditions:
        if not precondition.holds(consultation):
            raise ConsultationError(precondition.text(consultation), code=precondition.code)


def may(name: str, user: User, consultation: Consultation) -> bool:
    """Whether the action is ever the user's on this consultation, whatever its state."""
    return ACTIONS[name].may(user, consultation)


def can(name: str, user: User, consultation: Consultation) -> bool:
    """Whether the action is the user's in this state (preconditions aside)."""
    action = ACTIONS[name]
    return consultation.state in action.from_states and action.may(user, consultation)


def allowed(user: User, consultation: Consultation) -> set[str]:
    """The names of every action that is the user's in this state, for the page's links."""
    return {action.name for action in _ACTIONS if can(action.name, user, consultation)}


def unmet(name: str, consultation: Consultation) -> list[StrPromise | str]:
    """The messages of the action's preconditions that do not hold now."""
    return [p.text(consultation) for p in ACTIONS[name].preconditions if not p.holds(consultation)]


def available_actions(user: User, consultation: Consultation) -> list[ActionState]:
    """The buttons the user could press in this state, each with its unmet preconditions."""
    return [
        ActionState(action, unmet(action.name, consultation))
        for action in BUTTONS
        if can(action.name, user, consultation)
    ]


def possible_actions(user: User, consultation: Consultation) -> list[str]:
    """The names of the buttons the user can press now."""
    return [state.name for state in available_actions(user, consultation) if state.possible]
