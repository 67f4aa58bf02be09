"""Matching from the database: build the instance for a consultation, explain in words.

The solver and recommender (``thamvan.matching.recommend``) work on plain data;
this module gathers it: affinity from specialties and text, hard constraints
(conflicts of interest, unavailability, load) and panel constraints, and turns
the structured reasons into translated sentences for the secretariat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from thamvan.accounts.models import Membership
from thamvan.consultations.models import (
    PANEL_OPEN_STATES,
    ConflictDeclaration,
    Consultation,
    Invitation,
)
from thamvan.experts.models import (
    Affiliation,
    Expert,
    ExpertSpecialty,
    UnavailablePeriod,
    senior_ranks,
)
from thamvan.matching.affinity import Profile, affinity_scores
from thamvan.matching.instance import Instance, parse_instance
from thamvan.matching.recommend import Reason, recommend

REQUEST_ID = "request"


def coi_window_days() -> int:
    return int(getattr(settings, "MATCHING_COI_WINDOW_DAYS", 730))


def review_period(consultation: Consultation) -> tuple[date, date]:
    start = timezone.localdate()
    end = consultation.deadline or start + timedelta(days=15)
    return start, max(start, end)


@dataclass
class RankedRow:
    expert: Expert
    rank: int
    score: float
    covers: list[str]
    suggested: bool
    reason: str


@dataclass
class ExcludedRow:
    expert: Expert
    reasons: list[str]


@dataclass
class PanelRecommendation:
    ranked: list[RankedRow] = field(default_factory=list)
    excluded: list[ExcludedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seats: int = 0

    @property
    def suggested(self) -> list[RankedRow]:
        return [row for row in self.ranked if row.suggested]


@dataclass
class _Pool:
    experts: list[Expert]
    conflicts: dict[int, list[str]]
    unavailable: dict[int, str]
    open_panels: dict[int, int]
    specialty_names: dict[str, str]


def _organization_conflicts(consultation: Consultation) -> dict[int, str]:
    dossier = consultation.dossier
    roles: dict[int, str] = {}
    for organization, label in (
        (dossier.investor, _("the investor")),
        (dossier.preparing_consultant, _("the consultant")),
        (dossier.lead_agency, _("the lead agency")),
    ):
        if organization is not None:
            roles[organization.pk] = f"{label} ({organization.name})"
    return roles


def _gather(consultation: Consultation) -> _Pool:
    start, end = review_period(consultation)
    experts = list(
        Expert.objects.active()
        .select_related("user", "home_organization")
        .prefetch_related(
            Prefetch(
                "expert_specialties", queryset=ExpertSpecialty.objects.select_related("specialty")
            )
        )
        .order_by("pk")
    )
    roles = _organization_conflicts(consultation)
    conflicts: dict[int, list[str]] = {}
    window = coi_window_days()
    for affiliation in Affiliation.objects.relevant(start, window).filter(
        organization_id__in=list(roles)
    ):
        conflicts.setdefault(affiliation.expert_id, []).append(
            _("works or worked within %(days)s days for %(organization)s")
            % {"days": window, "organization": roles[affiliation.organization_id]}
        )
    for declaration in ConflictDeclaration.objects.filter(
        Q(organization_id__in=list(roles)) | Q(dossier_id=consultation.dossier_id)
    ):
        conflicts.setdefault(declaration.expert_id, []).append(
            _("declared conflict: %(reason)s") % {"reason": declaration.reason}
        )
    # The same person on both sides: the requester or a member of a party.
    party_users = set(
        Membership.objects.filter(organization_id__in=list(roles), is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if consultation.created_by_id:
        party_users.add(consultation.created_by_id)
    for expert in experts:
        if expert.user_id is not None and expert.user_id in party_users:
            conflicts.setdefault(expert.pk, []).append(_("is a member of a party to the dossier"))
    unavailable: dict[int, str] = {}
    for period in UnavailablePeriod.objects.overlapping(start, end):
        unavailable[period.expert_id] = _("unavailable %(start)s–%(end)s%(reason)s") % {
            "start": period.start_date.strftime("%d/%m/%Y"),
            "end": period.end_date.strftime("%d/%m/%Y"),
            "reason": f" ({period.reason})" if period.reason else "",
        }
    for invitation in consultation.invitations.all():
        unavailable[invitation.expert_id] = (
            _("already invited to this panel")
            if invitation.state in (Invitation.Status.INVITED, Invitation.Status.ACCEPTED)
            else _("declined or let the invitation expire")
        )
    open_panels = dict(
        Invitation.objects.filter(
            consultation__state__in=PANEL_OPEN_STATES,
            state__in=(Invitation.Status.INVITED, Invitation.Status.ACCEPTED),
        )
        .exclude(consultation=consultation)
        .values("expert_id")
        .annotate(n=Count("pk"))
        .values_list("expert_id", "n")
    )
    names = {
        link.specialty.slug: link.specialty.name
        for expert in experts
        for link in expert.expert_specialties.all()
    }
    for specialty in consultation.required_specialties.all():
        names[specialty.slug] = specialty.name
    return _Pool(experts, conflicts, unavailable, open_panels, names)


def _seats(consultation: Consultation) -> int:
    taken = consultation.invitations.filter(
        state__in=(Invitation.Status.INVITED, Invitation.Status.ACCEPTED)
    ).count()
    return max(0, consultation.panel_size - taken)


def build_instance(consultation: Consultation, pool: _Pool | None = None) -> Instance:
    """The matching instance of one consultation, in the documented JSON format."""
    pool = pool or _gather(consultation)
    required = sorted(consultation.required_specialties.values_list("slug", flat=True))
    dossier = consultation.dossier
    request_profile = Profile(REQUEST_ID, f"{dossier.name}\n{dossier.description}", tuple(required))
    profiles = [
        Profile(
            str(e.pk),
            "\n".join((e.keywords, e.biography, e.publications)),
            tuple(link.specialty.slug for link in e.expert_specialties.all()),
        )
        for e in pool.experts
    ]
    scores = affinity_scores(request_profile, profiles) if profiles else []
    pooled = {expert.pk for expert in pool.experts}
    data: dict[str, Any] = {
        "experts": [
            {
                "id": str(e.pk),
                "organization": str(e.home_organization_id) if e.home_organization_id else None,
                "senior": e.is_senior,
                "capacity": max(0, e.max_concurrent_consultations - pool.open_panels.get(e.pk, 0)),
                "open_panels": pool.open_panels.get(e.pk, 0),
                "specialties": list(profiles[i].specialties),
                "available": e.pk not in pool.unavailable,
                "unavailable_reason": pool.unavailable.get(e.pk, ""),
            }
            for i, e in enumerate(pool.experts)
        ],
        "requests": [
            {
                "id": REQUEST_ID,
                "panel_size": max(1, _seats(consultation)),
                "required_specialties": required,
                "max_per_organization": consultation.max_per_organization,
                "needs_senior": consultation.needs_senior
                and not consultation.invitations.filter(
                    state__in=(Invitation.Status.INVITED, Invitation.Status.ACCEPTED),
                    expert__academic_rank__in=list(senior_ranks()),
                ).exists(),
            }
        ],
        "affinity": [
            {"request": REQUEST_ID, "expert": str(e.pk), "score": scores[i]}
            for i, e in enumerate(pool.experts)
            if scores[i] > 0
        ],
        "conflicts": [
            {"request": REQUEST_ID, "expert": str(pk), "reason": "; ".join(reasons)}
            for pk, reasons in pool.conflicts.items()
            if pk in pooled
        ],
    }
    return parse_instance(data)


def _open_panels_words(n: int) -> str:
    if n == 0:
        return _("no open panels")
    return ngettext("%(n)s open panel", "%(n)s open panels", n) % {"n": n}


def _excluded_words(reason: Reason) -> str:
    params = reason.params
    if reason.code == "conflict":
        return _("conflict of interest: %(reason)s") % {"reason": params.get("reason") or ""}
    if reason.code == "unavailable":
        return str(params.get("reason") or _("unavailable"))
    if reason.code == "at_capacity":
        return _("at capacity: %(panels)s") % {
            "panels": _open_panels_words(int(params.get("open_panels", 0)))
        }
    return reason.message


WARNING_WORDS = {
    "not_enough_experts": gettext_noop("Not enough eligible experts for the seats left."),
    "specialty_uncovered": gettext_noop("No eligible expert covers a required specialty."),
    "no_senior": gettext_noop("No eligible expert is senior."),
    "too_few_organizations": gettext_noop("The eligible experts come from too few organisations."),
    "panel_impossible": gettext_noop("No panel meets every constraint at once."),
    "relaxed_coverage": gettext_noop("The suggestion leaves a required specialty uncovered."),
    "relaxed_organization_limit": gettext_noop(
        "The suggestion exceeds the members-per-organisation limit."
    ),
    "relaxed_requirements": gettext_noop("The suggestion relaxes the panel requirements."),
    "incomplete_panel": gettext_noop("The suggestion does not fill every seat."),
}


def recommend_panel(consultation: Consultation, *, limit: int | None = 50) -> PanelRecommendation:
    """Ranked experts with reasons, the excluded ones with theirs, and warnings, translated."""
    seats = _seats(consultation)
    pool = _gather(consultation)
    if not pool.experts:
        return PanelRecommendation(seats=seats, warnings=[_("The expert registry is empty.")])
    instance = build_instance(consultation, pool)
    result = recommend(instance, REQUEST_ID, limit=limit)
    by_id = {str(e.pk): e for e in pool.experts}
    ranked = []
    for row in result.ranked:
        covers = [pool.specialty_names.get(slug, slug) for slug in row.covers]
        parts = []
        if covers:
            parts.append(_("covers %(specialties)s") % {"specialties": ", ".join(covers)})
        if row.senior:
            parts.append(_("senior"))
        # Localised here: "%.2f" inside a message would print "0.71", not "0,71".
        parts.append(_("affinity %(score)s") % {"score": number_format(row.score, 2)})
        parts.append(_open_panels_words(row.open_panels))
        ranked.append(
            RankedRow(
                expert=by_id[row.expert],
                rank=row.rank,
                score=row.score,
                covers=covers,
                suggested=row.suggested and seats > 0,
                reason="; ".join(parts),
            )
        )
    excluded = [
        ExcludedRow(expert=by_id[x.expert], reasons=[_excluded_words(r) for r in x.reasons])
        for x in result.excluded
    ]
    warnings = [_(WARNING_WORDS.get(w.code, w.message)) for w in result.warnings] if seats else []
    return PanelRecommendation(ranked=ranked, excluded=excluded, warnings=warnings, seats=seats)
