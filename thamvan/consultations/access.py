"""Who may see and act on consultations, their panels and opinions (DESIGN §2).

Reading a consultation:

* the administrator sees every one;
* agency officers see those on dossiers led by their organisation or one below it
  (drafts included);
* the secretariat sees those sent to its association (or a branch below it),
  once sent;
* leadership sees, once sent, those in its scope (dossiers led below it, or
  sent to an association below it), and changes nothing;
* an expert sees only those where they hold an invitation that is pending or
  accepted.

Anything else answers 404. Opinions are blind (``opinion_visibility``):
nobody sees another's draft; the chair and secretariat see all submitted ones;
an expert sees other submitted ones only after submitting their own unless
the consultation is not blind; the agency sees them once the report is issued.
The panel's names follow ``invitations_visible_to``, the timeline included
(``timeline_visible_to``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from thamvan.accounts.models import Role, User
from thamvan.audit.denied import not_found
from thamvan.consultations.models import (
    REPORT_STATES,
    Consultation,
    Invitation,
    Opinion,
    State,
    Transition,
)

SEATED = (Invitation.Status.INVITED, Invitation.Status.ACCEPTED)


def scope(user: User, role: str) -> set[int]:
    """Organisations (with subtrees) where the user holds the role."""
    return user.organization_scope(role)


def consultation_visibility_q(user: User, prefix: str = "") -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_admin:
        return Q()
    p = prefix
    visible = Q(pk__in=[])
    agency = scope(user, Role.AGENCY_OFFICER)
    if agency:
        visible |= Q(**{f"{p}dossier__lead_agency_id__in": sorted(agency)})
    sent = ~Q(**{f"{p}state": State.DRAFT})
    secretariat = scope(user, Role.SECRETARIAT)
    if secretariat:
        visible |= sent & Q(**{f"{p}association_id__in": sorted(secretariat)})
    leadership = scope(user, Role.LEADERSHIP)
    if leadership:
        visible |= sent & (
            Q(**{f"{p}dossier__lead_agency_id__in": sorted(leadership)})
            | Q(**{f"{p}association_id__in": sorted(leadership)})
        )
    if user.has_role(Role.EXPERT):
        visible |= Q(
            **{
                f"{p}pk__in": Invitation.objects.filter(expert__user=user, state__in=SEATED).values(
                    "consultation_id"
                )
            }
        )
    return visible


def dossier_access_q(user: User, prefix: str = "") -> Q:
    """Dossiers opened by a consultation: to its secretariat once sent, and to its panel.

    Called by ``thamvan.dossiers.access.consultation_access_q``.
    """
    if not user.is_authenticated or not user.is_active or user.is_admin:
        return Q(pk__in=[])
    opened = Consultation.objects.filter(consultation_visibility_q(user)).exclude(state=State.DRAFT)
    return Q(**{f"{prefix}pk__in": opened.values("dossier_id")})


# --- Roles on one consultation -------------------------------------------------------


def is_agency(user: User, consultation: Consultation) -> bool:
    return user.is_authenticated and (
        consultation.dossier.lead_agency_id in scope(user, Role.AGENCY_OFFICER)
    )


def acts_for_agency(user: User, consultation: Consultation) -> bool:
    """The lead agency's officers, or an administrator acting for them."""
    return is_agency(user, consultation) or (user.is_authenticated and user.is_admin)


def is_secretariat(user: User, consultation: Consultation) -> bool:
    return user.is_authenticated and (
        user.is_admin or consultation.association_id in scope(user, Role.SECRETARIAT)
    )


def invitation_of(user: User, consultation: Consultation) -> Invitation | None:
    """The user's own invitation on this panel, cached on the consultation object."""
    cache: dict[int, Invitation | None] = consultation.__dict__.setdefault("_invitation_cache", {})
    if user.pk not in cache:
        cache[user.pk] = (
            Invitation.objects.filter(consultation=consultation, expert__user=user)
            .select_related("expert")
            .first()
            if user.is_authenticated and user.has_role(Role.EXPERT)
            else None
        )
    return cache[user.pk]


def remember_invitations(user: User, consultations: list[Consultation]) -> None:
    """Fill ``invitation_of``'s cache for many consultations with one query, so that
    lists which ask the lifecycle about each of them stay a fixed number of queries."""
    mine: dict[int, Invitation] = {}
    if user.is_authenticated and user.has_role(Role.EXPERT):
        ids = [consultation.pk for consultation in consultations]
        mine = {
            invitation.consultation_id: invitation
            for invitation in Invitation.objects.filter(
                consultation_id__in=ids, expert__user=user
            ).select_related("expert")
        }
    for consultation in consultations:
        cache = consultation.__dict__.setdefault("_invitation_cache", {})
        cache[user.pk] = mine.get(consultation.pk)


def is_member(user: User, consultation: Consultation) -> bool:
    invitation = invitation_of(user, consultation)
    return invitation is not None and invitation.state == Invitation.Status.ACCEPTED


def is_chair(user: User, consultation: Consultation) -> bool:
    invitation = invitation_of(user, consultation)
    return (
        invitation is not None
        and invitation.is_chair
        and invitation.state == Invitation.Status.ACCEPTED
    )


def get_consultation_for_user(user: User, pk: int) -> Consultation:
    try:
        return (
            Consultation.objects.visible_to(user)
            .select_related(
                "dossier__lead_agency", "version", "association", "previous", "created_by"
            )
            .get(pk=pk)
        )
    except Consultation.DoesNotExist:
        raise not_found(Consultation, pk) from None


def get_consultation_for_secretariat(user: User, pk: int) -> Consultation:
    """A consultation the user runs as its association's secretariat: 404 when they may not
    see it, 403 when they see it without running it (the panel's pages)."""
    consultation = get_consultation_for_user(user, pk)
    if not is_secretariat(user, consultation):
        raise PermissionDenied
    return consultation


def can_read_documents(user: User, consultation: Consultation) -> bool:
    """The report and response table: the parties, leadership and the accepted panel."""
    return consultation.has_report and (
        user.is_admin
        or is_agency(user, consultation)
        or is_secretariat(user, consultation)
        or is_member(user, consultation)
        or bool(scope(user, Role.LEADERSHIP))
    )


# --- Opinions --------------------------------------------------------------------------


def opinions_visible_to(user: User, consultation: Consultation) -> QuerySet[Opinion]:
    """The opinions of the consultation the user may read, per the blind rule."""
    opinions = Opinion.objects.filter(consultation=consultation)
    own = Q(expert__user=user) if user.is_authenticated else Q(pk__in=[])
    submitted = Q(state=Opinion.Status.SUBMITTED)
    if user.is_admin or is_secretariat(user, consultation) or is_chair(user, consultation):
        return opinions.filter(own | submitted)
    if consultation.state in REPORT_STATES and (
        is_agency(user, consultation) or user.has_role(Role.LEADERSHIP)
    ):
        return opinions.filter(own | submitted)
    if is_member(user, consultation):
        if not consultation.blind_review or _has_submitted(user, consultation):
            return opinions.filter(own | submitted)
        return opinions.filter(own)
    return opinions.none()


def opinion_visibility_q(user: User, prefix: str = "") -> Q:
    """The submitted opinions the user may read in any consultation, as a filter.

    The queryset form of ``opinions_visible_to`` for lists across consultations
    (the knowledge base): drafts are never included, not even the user's own.
    """
    p = prefix
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    submitted = Q(**{f"{p}state": Opinion.Status.SUBMITTED})
    if user.is_admin:
        return submitted
    accepted = Invitation.objects.filter(expert__user=user, state=Invitation.Status.ACCEPTED)
    readers = Q(pk__in=[])
    secretariat = scope(user, Role.SECRETARIAT)
    if secretariat:
        readers |= Q(**{f"{p}consultation__association_id__in": sorted(secretariat)})
    readers |= Q(
        **{f"{p}consultation_id__in": accepted.filter(is_chair=True).values("consultation_id")}
    )
    reported = Q(**{f"{p}consultation__state__in": REPORT_STATES})
    agency = scope(user, Role.AGENCY_OFFICER)
    if agency:
        readers |= reported & Q(**{f"{p}consultation__dossier__lead_agency_id__in": sorted(agency)})
    if user.has_role(Role.LEADERSHIP):
        readers |= reported
    if user.has_role(Role.EXPERT):
        own_submitted = Opinion.objects.filter(
            expert__user=user, state=Opinion.Status.SUBMITTED
        ).values("consultation_id")
        member = Q(**{f"{p}consultation_id__in": accepted.values("consultation_id")})
        readers |= member & (
            Q(**{f"{p}consultation__blind_review": False})
            | Q(**{f"{p}consultation_id__in": own_submitted})
            | Q(**{f"{p}expert__user": user})
        )
    # Every reader must see the consultation itself: that also keeps restricted
    # dossiers to those they are opened to.
    return submitted & readers & consultation_visibility_q(user, f"{p}consultation__")


def report_visibility_q(user: User, prefix: str = "") -> Q:
    """Consultations whose report the user may read: ``can_read_documents`` as a filter."""
    p = prefix
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    reported = Q(**{f"{p}state__in": REPORT_STATES})
    if user.is_admin:
        return reported
    visible = reported & consultation_visibility_q(user, p)
    if user.has_role(Role.LEADERSHIP):
        return visible
    readers = Q(pk__in=[])
    agency = scope(user, Role.AGENCY_OFFICER)
    if agency:
        readers |= Q(**{f"{p}dossier__lead_agency_id__in": sorted(agency)})
    secretariat = scope(user, Role.SECRETARIAT)
    if secretariat:
        readers |= Q(**{f"{p}association_id__in": sorted(secretariat)})
    if user.has_role(Role.EXPERT):
        accepted = Invitation.objects.filter(expert__user=user, state=Invitation.Status.ACCEPTED)
        readers |= Q(**{f"{p}pk__in": accepted.values("consultation_id")})
    return visible & readers


def _has_submitted(user: User, consultation: Consultation) -> bool:
    return Opinion.objects.filter(
        consultation=consultation, expert__user=user, state=Opinion.Status.SUBMITTED
    ).exists()


def get_opinion_for_user(user: User, consultation: Consultation, pk: int) -> Opinion:
    try:
        return (
            opinions_visible_to(user, consultation)
            .select_related("expert", "consultation", "recorded_by")
            .get(pk=pk)
        )
    except Opinion.DoesNotExist:
        raise not_found(Opinion, pk) from None


def get_own_draft_for_update(user: User, consultation: Consultation, pk: int) -> Opinion:
    """A draft the user may edit: their own; the secretariat's offline records too."""
    opinion = get_opinion_for_user(user, consultation, pk)
    own = opinion.expert is not None and opinion.expert.user_id == user.pk
    if not own or opinion.state != Opinion.Status.DRAFT:
        raise Http404
    return opinion


# --- The panel -------------------------------------------------------------------------


def invitations_visible_to(user: User, consultation: Consultation) -> QuerySet[Invitation]:
    """The invitations of the panel the user may see: the one rule for every page and
    API response that names the panel's experts (their opinions follow
    ``opinions_visible_to``).

    * The secretariat handling the request and administrators: every invitation in
      every state, since they form the panel.
    * The chair: the members who accepted, the panel they lead.
    * An invited or seated expert: their own invitation.
    * Once the report is issued, whoever may read it (``can_read_documents``: the lead
      agency, leadership, the accepted members): the experts the report names, which
      are the chair who signs it and the members whose submitted opinions it lists.
    * Nobody else, and nothing more before the report: the agency, leadership and
      the other members see no name of the panel, so that nobody can lobby an expert
      and review stays blind.

    The consultation must come from ``get_consultation_for_user``.
    """
    invitations = Invitation.objects.filter(consultation=consultation)
    if is_secretariat(user, consultation):
        return invitations
    if not user.is_authenticated:
        return invitations.none()
    visible = Q(expert__user=user)
    accepted = Q(state=Invitation.Status.ACCEPTED)
    if is_chair(user, consultation):
        visible |= accepted
    if can_read_documents(user, consultation):
        authors = Opinion.objects.filter(
            consultation=consultation, state=Opinion.Status.SUBMITTED, expert__isnull=False
        ).values("expert_id")
        visible |= accepted & (Q(is_chair=True) | Q(expert_id__in=authors))
    return invitations.filter(visible)


def get_invitation_for_user(user: User, consultation: Consultation, pk: int) -> Invitation:
    try:
        return invitations_visible_to(user, consultation).select_related("expert").get(pk=pk)
    except Invitation.DoesNotExist:
        raise not_found(Invitation, pk) from None


# Timeline entries whose reason names experts of the panel.
PANEL_EVENTS = frozenset(
    {
        "invited",
        "invitation_accepted",
        "invitation_declined",
        "invitation_expired",
        "invitation_resent",
        "invitation_revoked",
        "invitation_reminded",
        "alternate_invited",
        "alternate_invited_automatically",
        "chair",
        "opinion_submitted",
        "opinion_recorded",
    }
)
# Of those, the ones an expert records about themselves: the reason is the actor's name.
SELF_NAMED_EVENTS = frozenset({"invitation_accepted", "invitation_declined", "opinion_submitted"})


def timeline_visible_to(user: User, consultation: Consultation) -> list[Transition]:
    """The timeline, oldest first, without the panel names the user may not see.

    The secretariat and administrators read it whole. For anyone else an entry
    loses its actor when the actor is an expert of the panel outside
    ``invitations_visible_to``, and a panel event loses its reason (the names)
    unless it names its own actor and that actor is visible. The entries stay:
    when the panel was formed or an opinion came in is no secret. The returned
    objects are for display only and never saved.
    """
    transitions = list(consultation.transitions.select_related("actor"))
    if is_secretariat(user, consultation):
        return transitions
    panel_users = dict(
        Invitation.objects.filter(consultation=consultation, expert__user__isnull=False)
        .values_list("expert__user_id", "pk")
        .order_by()
    )
    shown = set(invitations_visible_to(user, consultation).values_list("pk", flat=True))
    hidden_users = {user_id for user_id, pk in panel_users.items() if pk not in shown}
    for transition in transitions:
        names_visible_actor = (
            transition.action in SELF_NAMED_EVENTS
            and transition.actor_id in panel_users
            and transition.actor_id not in hidden_users
        )
        if transition.action in PANEL_EVENTS and not names_visible_actor:
            transition.reason = ""
        if transition.actor_id in hidden_users:
            transition.actor = None
    return transitions


# --- The panel discussion ----------------------------------------------------------------


def discussion_visible_to(user: User, consultation: Consultation) -> bool:
    """Whether the user may read the panel's discussion: the one rule of page and API.

    * The secretariat handling the request (administrators included) and the chair:
      always, since they lead the review.
    * A member who accepted: once they have submitted their opinion, blind review or
      not, so that nobody's view is formed by the thread; before that, not even the
      number of messages.
    * Nobody else: the agency, leadership and other experts never see it, nor do
      experts who were invited but did not accept.

    The consultation must come from ``get_consultation_for_user``.
    """
    if is_secretariat(user, consultation) or is_chair(user, consultation):
        return True
    return is_member(user, consultation) and _has_submitted(user, consultation)


def discussion_opens_on_submission(user: User, consultation: Consultation) -> bool:
    """A member who will see the discussion once they submit: they are told so."""
    return is_member(user, consultation) and not discussion_visible_to(user, consultation)
