"""Panel formation: the recommendation page, invitations, answers and the chair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from thamvan.consultations import access, lifecycle
from thamvan.consultations.forms import CandidateFilterForm, DeclarationForm, ReasonForm
from thamvan.consultations.lifecycle import ConsultationError
from thamvan.consultations.models import Consultation, Invitation
from thamvan.consultations.services import panel as panel_services
from thamvan.consultations.views.alternates import alternates_context
from thamvan.core import collector
from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.pagination import paginate, query_without_page
from thamvan.experts.models import Expert
from thamvan.matching.candidates import select_candidates
from thamvan.matching.history import PanelHistory, panel_histories
from thamvan.matching.services import (
    ExcludedRow,
    Finding,
    PanelRecommendation,
    RankedRow,
    recommend_panel,
)
from thamvan.notifications import outbox


@dataclass(frozen=True)
class _Candidate:
    """A candidate as the page shows it, copied out of the recommendation's row with the
    expert's history, and after a refused submit the tick and the reason as typed.

    Django keeps a template's context in a reference cycle that only the cyclic
    collector frees; holding a row there would hold the whole registry's ranking."""

    expert: Expert
    excluded: bool
    rank: int | None
    score: float
    reason: str
    suggested: bool
    selectable: bool
    warnings: list[Finding]
    # Why an expert who cannot be chosen is excluded.
    reasons: list[str]
    history: PanelHistory | None
    checked: bool
    typed_reason: str

    @classmethod
    def of(
        cls, row: RankedRow | ExcludedRow, history: PanelHistory | None, data: QueryDict
    ) -> _Candidate:
        rank: int | None
        if isinstance(row, RankedRow):
            rank, score, reason, suggested = row.rank, row.score, row.reason, row.suggested
            selectable, reasons = True, []
        else:
            rank, score, reason, suggested = None, 0.0, "", False
            selectable, reasons = row.selectable, row.reasons
        chosen = data.getlist("expert")
        return cls(
            expert=row.expert,
            excluded=isinstance(row, ExcludedRow),
            rank=rank,
            score=score,
            reason=reason,
            suggested=suggested,
            selectable=selectable,
            warnings=row.warnings,
            reasons=reasons,
            history=history,
            # Before any submit the suggested panel is ticked.
            checked=str(row.expert.pk) in chosen if chosen else suggested,
            typed_reason=data.get(f"override_{row.expert.pk}", ""),
        )


def _candidates_page(
    request: AuthedRequest, consultation: Consultation, recommendation: PanelRecommendation
) -> tuple[Page[int], list[_Candidate], CandidateFilterForm]:
    """One page of the ranked then the excluded candidates the filters keep, sorted, with
    the history of the page's experts; the pager counts rows without holding them."""
    filters = CandidateFilterForm(request.GET)
    ranked, excluded = select_candidates(recommendation, filters.candidate_filters(), consultation)
    rows: list[RankedRow | ExcludedRow] = [*ranked, *excluded]
    pager = paginate(request, range(len(rows)))
    shown = [rows[i] for i in pager]
    histories = panel_histories(
        [row.expert.pk for row in shown], viewer=request.user, exclude=consultation
    )
    candidates = [_Candidate.of(row, histories.get(row.expert.pk), request.POST) for row in shown]
    return pager, candidates, filters


def _invitations_with_delivery(
    request: AuthedRequest, consultation: Consultation
) -> list[Invitation]:
    """The panel's invitations, each with ``delivery``: the newest e-mail about it (the
    personal link of an expert without an account), in one query for them all."""
    invitations = list(
        access.invitations_visible_to(request.user, consultation).select_related("expert")
    )
    deliveries = outbox.latest_for(Invitation, [i.pk for i in invitations])
    for invitation in invitations:
        invitation.delivery = deliveries.get(invitation.pk)  # type: ignore[attr-defined]
    return invitations


@dataclass(frozen=True)
class _PanelForm:
    """What the page shows of the ranking: its figures and the page's candidates."""

    seats: int
    warnings: list[str]
    excluded_count: int
    has_candidates: bool
    errors: list[str]
    page: Page[int]
    candidates: list[_Candidate]
    filters: CandidateFilterForm
    # The proposals for declined or expired seats, read from the same ranking.
    alternates: dict[str, Any]


def _rank_and_invite(request: AuthedRequest, consultation: Consultation) -> _PanelForm | None:
    """Rank every eligible expert, send the invitations ticked (None once sent) and copy
    out the page to show; the ranking of the registry is freed when this returns."""
    # Every eligible expert is ranked: the page is paged, and a filter must find anyone.
    recommendation = recommend_panel(consultation, limit=None)
    errors: list[str] = []
    if request.method == "POST":
        # Ids past a database integer are no expert's (and would make PostgreSQL raise).
        chosen = list(
            dict.fromkeys(
                int(v) for v in request.POST.getlist("expert") if v.isdigit() and len(v) < 10
            )
        )
        # The service notifies each expert's account: load them with the experts.
        experts = {
            e.pk: e for e in Expert.objects.active().filter(pk__in=chosen).select_related("user")
        }
        picks = panel_services.picks_from(
            recommendation,
            [experts[pk] for pk in chosen if pk in experts],
            {pk: request.POST.get(f"override_{pk}", "") for pk in chosen},
        )
        try:
            panel_services.invitations_send(
                actor=request.user, consultation=consultation, picks=picks
            )
        except ConsultationError as error:
            errors = list(error.messages)
        else:
            return None
    page, candidates, filters = _candidates_page(request, consultation, recommendation)
    return _PanelForm(
        seats=recommendation.seats,
        warnings=recommendation.warnings,
        excluded_count=len(recommendation.excluded),
        has_candidates=bool(recommendation.ranked or recommendation.excluded),
        errors=errors,
        page=page,
        candidates=candidates,
        filters=filters,
        alternates=alternates_context(request.user, consultation, recommendation),
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("recommendation")
def panel(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_secretariat(request.user, pk)
    with collector.paused():
        form = _rank_and_invite(request, consultation)
    if form is None:
        messages.success(request, pgettext("invitation", "The invitations were sent."))
        return redirect("consultations:panel", consultation.pk)
    template = "consultations/panel.html#candidates" if request.htmx else "consultations/panel.html"
    return TemplateResponse(
        request,
        template,
        {
            "consultation": consultation,
            "seats": form.seats,
            "recommendation_warnings": form.warnings,
            "excluded_count": form.excluded_count,
            "has_candidates": form.has_candidates,
            "page_obj": form.page,
            "ranked": [c for c in form.candidates if not c.excluded],
            "excluded": [c for c in form.candidates if c.excluded],
            "filters": form.filters,
            "query_string": query_without_page(request),
            "invitations": _invitations_with_delivery(request, consultation),
            "errors": form.errors,
            "alternates": form.alternates,
            "can_invite": lifecycle.can("invite", request.user, consultation),
            "can_resend": lifecycle.can("resend_invitation", request.user, consultation),
            "can_revoke": lifecycle.can("revoke_invitation", request.user, consultation),
            "revoke_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def invitation_resend(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_secretariat(request.user, pk)
    invitation = access.get_invitation_for_user(request.user, consultation, invitation_pk)
    try:
        panel_services.invitation_resend(actor=request.user, invitation=invitation)
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation was sent again."))
    return redirect("consultations:panel", consultation.pk)


@login_required
@require_POST
def invitation_revoke(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_secretariat(request.user, pk)
    invitation = access.get_invitation_for_user(request.user, consultation, invitation_pk)
    try:
        panel_services.invitation_revoke(
            actor=request.user, invitation=invitation, reason=request.POST.get("reason", "")
        )
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation was revoked."))
    return redirect("consultations:panel", consultation.pk)


@login_required
@require_POST
def set_chair(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_secretariat(request.user, pk)
    invitation = access.get_invitation_for_user(request.user, consultation, invitation_pk)
    try:
        panel_services.panel_set_chair(
            actor=request.user, consultation=consultation, invitation=invitation
        )
    except ConsultationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The chair was designated."))
    return redirect("consultations:panel", consultation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_respond(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    consultation = access.get_consultation_for_user(request.user, pk)
    invitation = access.get_invitation_for_user(request.user, consultation, invitation_pk)
    if invitation.expert.user_id != request.user.pk:
        raise PermissionDenied
    declaration = DeclarationForm(request.POST if request.POST.get("answer") == "accept" else None)
    decline = ReasonForm(request.POST if request.POST.get("answer") == "decline" else None)
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept" and declaration.is_valid():
                panel_services.invitation_accept(
                    actor=request.user,
                    invitation=invitation,
                    declared=declaration.cleaned_data["declared"],
                    statement=declaration.cleaned_data["statement"],
                )
                messages.success(request, _("You joined the expert panel."))
                return redirect(consultation)
            if request.POST.get("answer") == "decline" and decline.is_valid():
                panel_services.invitation_decline(
                    actor=request.user, invitation=invitation, reason=decline.cleaned_data["reason"]
                )
                messages.success(request, _("You declined the invitation."))
                return redirect("consultations:list")
        except ConsultationError as error:
            form = declaration if request.POST.get("answer") == "accept" else decline
            form.add_error(None, error)
    return TemplateResponse(
        request,
        "consultations/invitation.html",
        {
            "consultation": consultation,
            "invitation": invitation,
            "declaration": declaration,
            "decline": decline,
        },
    )
