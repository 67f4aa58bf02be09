"""Matching from the database: build the instance for a consultation, explain in words.

The solver and recommender (``thamvan.matching.recommend``) work on plain data;
this module gathers it: affinity from specialties and text, hard constraints
(conflicts of interest, unavailability, load) and panel constraints, and turns
the structured reasons into translated sentences for the secretariat.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from thamvan.accounts.models import Membership
from thamvan.consultations.models import (
    PANEL_OPEN_STATES,
    Consultation,
    Invitation,
)
from thamvan.core import collector
from thamvan.experts.models import (
    Affiliation,
    ConflictDeclaration,
    Expert,
    ExpertSpecialty,
    Specialty,
    UnavailablePeriod,
    senior_ranks,
)
from thamvan.matching.affinity import Profile, blend_scores, text_similarities
from thamvan.matching.instance import Conflict, Instance, Request
from thamvan.matching.instance import Expert as Member
from thamvan.matching.recommend import Reason, recommend

REQUEST_ID = "request"


def coi_window_days() -> int:
    return int(getattr(settings, "MATCHING_COI_WINDOW_DAYS", 730))


def review_period(consultation: Consultation) -> tuple[date, date]:
    start = timezone.localdate()
    end = consultation.deadline or start + timedelta(days=15)
    return start, max(start, end)


@dataclass(frozen=True)
class Finding:
    """A soft rule the expert would break on this panel: the secretariat may override it
    with a recorded reason. ``rule`` is stable (stored, sent over the API)."""

    rule: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message}


@dataclass
class Assessment:
    """Hard and soft: ``conflicts`` forbid the seat whatever the reason; ``warnings`` need
    one."""

    expert: Expert
    conflicts: list[str] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    # Already on the panel, or invited before: the same expert cannot be invited twice.
    invited: str = ""

    @property
    def selectable(self) -> bool:
        return not self.conflicts and not self.invited


def _not_assessed(expert: Expert) -> Assessment:
    raise RuntimeError(f"no assessment for the candidate row of {expert.pk}")


@dataclass
class RankedRow:
    """An eligible candidate. Its rules are assessed on first use: a page shows 25 of
    thousands of candidates."""

    expert: Expert
    rank: int
    score: float
    covers: list[str]
    suggested: bool
    senior: bool = False
    open_panels: int = 0
    assess: Callable[[Expert], Assessment] = field(default=_not_assessed, repr=False, compare=False)

    @property
    def reason(self) -> str:
        parts = []
        if self.covers:
            parts.append(_("covers %(specialties)s") % {"specialties": ", ".join(self.covers)})
        if self.senior:
            parts.append(_("senior"))
        # Localised here: "%.2f" inside a message would print "0.71", not "0,71".
        parts.append(_("affinity %(score)s") % {"score": number_format(self.score, 2)})
        parts.append(_open_panels_words(self.open_panels))
        return "; ".join(parts)

    @cached_property
    def warnings(self) -> list[Finding]:
        return self.assess(self.expert).warnings


@dataclass
class ExcludedRow:
    """A candidate left out of the ranking, with the solver's reasons; assessed on first
    use like ``RankedRow``."""

    expert: Expert
    excluded_because: tuple[Reason, ...] = ()
    open_panels: int = 0
    seats: int = 0
    assess: Callable[[Expert], Assessment] = field(default=_not_assessed, repr=False, compare=False)

    @cached_property
    def assessment(self) -> Assessment:
        return self.assess(self.expert)

    @property
    def reasons(self) -> list[str]:
        if self.assessment.selectable:
            return [*self.assessment.conflicts, *(f.message for f in self.assessment.warnings)]
        return [_excluded_words(r) for r in self.excluded_because]

    @property
    def selectable(self) -> bool:
        """Left out by a soft rule only (away, at capacity): selectable with a reason."""
        return self.assessment.selectable and self.seats > 0

    @property
    def conflicts(self) -> list[str]:
        return self.assessment.conflicts

    @property
    def warnings(self) -> list[Finding]:
        return self.assessment.warnings


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
    # The experts asked for (None: every active one), as ``_gather`` was called.
    scope: list[int] | None
    # Each expert's specialty slugs (the pool's and the seated ones').
    specialties: dict[int, tuple[str, ...]]
    conflicts: dict[int, list[str]]
    away: dict[int, str]
    invited: dict[int, str]
    open_panels: dict[int, int]
    specialty_names: dict[str, str]
    # Each expert's employer (current affiliation) as (key, name); an expert without one
    # is keyed as their own organisation, never grouped with others.
    employers: dict[int, tuple[str, str]]
    # The experts seated on the panel already (pending or accepted), with what the
    # panel rules need of them.
    seated: list[Expert]

    @property
    def unavailable(self) -> dict[int, str]:
        return {**self.away, **self.invited}

    def employer_key(self, expert: Expert) -> str:
        found = self.employers.get(expert.pk)
        return found[0] if found is not None else f"expert-{expert.pk}"

    def employer(self, expert: Expert) -> tuple[str, str]:
        found = self.employers.get(expert.pk)
        return found if found is not None else (f"expert-{expert.pk}", expert.titled_name)


def _organization_conflicts(consultation: Consultation) -> dict[int, str]:
    dossier = consultation.dossier
    roles: dict[int, str] = {}
    for organization, label in (
        (dossier.investor, _("the investor")),
        (dossier.preparing_consultant, _("the planning consultant")),
        (dossier.lead_agency, _("the lead agency")),
    ):
        if organization is not None:
            roles[organization.pk] = f"{label} ({organization.name})"
    return roles


def _affiliation_words(affiliation: Affiliation, party: str) -> str:
    if affiliation.end_date is None or affiliation.end_date >= timezone.localdate():
        return _("works at %(party)s since %(year)s") % {
            "party": party,
            "year": affiliation.start_date.year,
        }
    return _("worked at %(party)s until %(date)s") % {
        "party": party,
        "date": affiliation.end_date.strftime("%d/%m/%Y"),
    }


def _period_words(declaration: ConflictDeclaration) -> str:
    start = declaration.start_date.strftime("%d/%m/%Y")
    if declaration.end_date is None:
        return _("since %(start)s") % {"start": start}
    return _("from %(start)s to %(end)s") % {
        "start": start,
        "end": declaration.end_date.strftime("%d/%m/%Y"),
    }


def _declaration_words(declaration: ConflictDeclaration, roles: dict[int, str]) -> str:
    """What the expert declared, about whom or what, for which period: in their own words."""
    words = {"period": _period_words(declaration), "reason": declaration.reason}
    kind = ConflictDeclaration.Kind
    if declaration.kind == kind.ORGANIZATION:
        party = roles.get(declaration.organization_id or 0, declaration.counterpart)
        return _("declared a conflict with %(party)s, %(period)s: %(reason)s") % {
            "party": party,
            **words,
        }
    if declaration.kind == kind.PROJECT:
        return _("declared a conflict with the project “%(project)s”, %(period)s: %(reason)s") % {
            "project": declaration.name,
            **words,
        }
    return _("declared a conflict with %(person)s, on this panel, %(period)s: %(reason)s") % {
        "person": declaration.counterpart,
        **words,
    }


def _declared_conflicts(
    declaration: ConflictDeclaration, roles: dict[int, str]
) -> list[tuple[int, str]]:
    """Whom a declaration keeps off the panel, and in which words: its declarer, and for a
    person on the panel who declared a conflict with someone, that someone too."""
    found = []
    is_person = declaration.kind == ConflictDeclaration.Kind.PERSON
    # Annotated by ``concerning_panel``.
    named_seated = getattr(declaration, "named_seated", False)
    declarer_seated = getattr(declaration, "declarer_seated", False)
    if not is_person or named_seated:
        found.append((declaration.expert_id, _declaration_words(declaration, roles)))
    if is_person and declarer_seated and declaration.other_expert_id is not None:
        words = _(
            "%(person)s, on this panel, declared a conflict with them, %(period)s: %(reason)s"
        )
        found.append(
            (
                declaration.other_expert_id,
                words
                % {
                    "person": declaration.expert.titled_name,
                    "period": _period_words(declaration),
                    "reason": declaration.reason,
                },
            )
        )
    return found


def _conflicts(
    consultation: Consultation, experts: list[Expert], expert_ids: list[int] | None
) -> dict[int, list[str]]:
    """Every conflict of interest of the experts (all active ones when ``expert_ids`` is
    None): a recent affiliation with a party, a declared conflict (with a party, this
    dossier, or someone on the panel, either of the two declaring), the same person."""
    start, end = review_period(consultation)
    roles = _organization_conflicts(consultation)
    conflicts: dict[int, list[str]] = {}
    affiliations = Affiliation.objects.relevant(start, coi_window_days()).filter(
        organization_id__in=list(roles)
    )
    declarations = ConflictDeclaration.objects.concerning_panel(
        dossier=consultation.dossier,
        party_ids=roles,
        seated=Invitation.objects.filter(
            consultation=consultation,
            state__in=(Invitation.Status.INVITED, Invitation.Status.ACCEPTED),
        ),
        # The same window as affiliations: a declared tie that ended within it still counts.
        since=start - timedelta(days=coi_window_days()),
        until=end,
        expert_ids=expert_ids,
    ).select_related("organization", "expert", "other_expert")
    if expert_ids is not None:
        affiliations = affiliations.filter(expert_id__in=expert_ids)
    for affiliation in affiliations.order_by("expert_id", "-start_date", "pk"):
        conflicts.setdefault(affiliation.expert_id, []).append(
            _affiliation_words(affiliation, roles[affiliation.organization_id])
        )
    wanted = None if expert_ids is None else set(expert_ids)
    for declaration in declarations.order_by("expert_id", "start_date", "pk"):
        for expert_id, words in _declared_conflicts(declaration, roles):
            if wanted is None or expert_id in wanted:
                conflicts.setdefault(expert_id, []).append(words)
    # The same person on both sides: the requester or a member of a party.
    party_users = set(
        Membership.objects.filter(organization_id__in=list(roles), is_active=True).values_list(
            "user_id", flat=True
        )
    )
    for expert in experts:
        if expert.user_id is None:
            continue
        if expert.user_id == consultation.created_by_id:
            conflicts.setdefault(expert.pk, []).append(_("requested this consultation"))
        elif expert.user_id in party_users:
            conflicts.setdefault(expert.pk, []).append(_("is a member of a party to the dossier"))
    return conflicts


def _employers(expert_ids: list[int] | None) -> dict[int, tuple[str, str]]:
    """The organisation employing each expert today: the current affiliation that began
    last (DESIGN §4 counts employers, not the association the expert belongs to)."""
    affiliations = Affiliation.objects.current()
    if expert_ids is not None:
        affiliations = affiliations.filter(expert_id__in=expert_ids)
    employers: dict[int, tuple[str, str]] = {}
    for expert_id, organization_id, name in affiliations.order_by(
        "expert_id", "-start_date", "-pk"
    ).values_list("expert_id", "organization_id", "organization__name"):
        employers.setdefault(expert_id, (str(organization_id), name))
    return employers


# What matching and the candidate rows read of an expert: the long texts are read only
# when the text similarities are computed (``_similarities``).
POOL_FIELDS = (
    "user",
    "full_name",
    "academic_rank",
    "degree",
    "email",
    "max_concurrent_consultations",
    "is_active",
    "sort_key",
)


def _gather(consultation: Consultation, expert_ids: list[int] | None = None) -> _Pool:
    """What matching needs to know, for every active expert or only for ``expert_ids``
    (and the panel's seated members), in a number of queries that does not grow."""
    start, end = review_period(consultation)
    invitations = list(consultation.invitations.all())
    seated_ids = {
        i.expert_id
        for i in invitations
        if i.state in (Invitation.Status.INVITED, Invitation.Status.ACCEPTED)
    }
    loaded = Expert.objects.only(*POOL_FIELDS)
    ids: list[int] | None
    if expert_ids is None:
        experts = list(loaded.active().order_by("pk"))
        seated = [e for e in experts if e.pk in seated_ids]
        # A member made inactive since the invitation still holds their seat.
        missing = seated_ids - {e.pk for e in seated}
        seated += list(loaded.filter(pk__in=missing)) if missing else []
        ids = None
    else:
        everyone = list(loaded.filter(pk__in={*expert_ids, *seated_ids}).order_by("pk"))
        wanted = set(expert_ids)
        experts = [e for e in everyone if e.pk in wanted]
        seated = [e for e in everyone if e.pk in seated_ids]
        ids = [e.pk for e in everyone]
    away: dict[int, str] = {}
    periods = UnavailablePeriod.objects.overlapping(start, end)
    if ids is not None:
        periods = periods.filter(expert_id__in=ids)
    for period in periods:
        away[period.expert_id] = _("unavailable %(start)s–%(end)s%(reason)s") % {
            "start": period.start_date.strftime("%d/%m/%Y"),
            "end": period.end_date.strftime("%d/%m/%Y"),
            "reason": f" ({period.reason})" if period.reason else "",
        }
    invited: dict[int, str] = {}
    for invitation in invitations:
        if invitation.state in (Invitation.Status.INVITED, Invitation.Status.ACCEPTED):
            invited[invitation.expert_id] = _("already invited to this panel")
        elif invitation.state == Invitation.Status.REVOKED:
            invited[invitation.expert_id] = _("invitation revoked")
        else:
            invited[invitation.expert_id] = _("declined or let the invitation expire")
    open_panels_qs = Invitation.objects.filter(
        consultation__state__in=PANEL_OPEN_STATES,
        state__in=(Invitation.Status.INVITED, Invitation.Status.ACCEPTED),
    ).exclude(consultation=consultation)
    if ids is not None:
        open_panels_qs = open_panels_qs.filter(expert_id__in=ids)
    open_panels = dict(
        open_panels_qs.values("expert_id").annotate(n=Count("pk")).values_list("expert_id", "n")
    )
    # Plain ids, not model instances or joins: a registry holds thousands of experts,
    # the taxonomy a few dozen specialties.
    taxonomy = {
        pk: (slug, name) for pk, slug, name in Specialty.objects.values_list("pk", "slug", "name")
    }
    links = ExpertSpecialty.objects.all()
    if ids is not None:
        links = links.filter(expert_id__in=ids)
    specialties: dict[int, list[str]] = {}
    for expert_id, specialty_id in links.order_by().values_list("expert_id", "specialty_id"):
        specialties.setdefault(expert_id, []).append(taxonomy[specialty_id][0])
    names = dict(taxonomy.values())
    return _Pool(
        experts=experts,
        scope=expert_ids,
        specialties={pk: tuple(slugs) for pk, slugs in specialties.items()},
        conflicts=_conflicts(consultation, experts, expert_ids),
        away=away,
        invited=invited,
        open_panels=open_panels,
        specialty_names=names,
        employers=_employers(ids),
        seated=seated,
    )


def _seats(consultation: Consultation) -> int:
    taken = consultation.invitations.filter(
        state__in=(Invitation.Status.INVITED, Invitation.Status.ACCEPTED)
    ).count()
    return max(0, consultation.panel_size - taken)


# --- Hard and soft rules ----------------------------------------------------------------


UNREACHABLE = gettext_lazy("no email address or account: the invitation cannot be delivered")


def is_reachable(expert: Expert) -> bool:
    """Whether an invitation can reach the expert: by e-mail, or through their account."""
    return bool(expert.email) or expert.user_id is not None


def _assess(
    consultation: Consultation,
    pool: _Pool,
    expert: Expert,
    organizations: Counter[str],
    *,
    suggested: bool = True,
) -> Assessment:
    """The one place that decides, for an expert and a consultation, what forbids the
    seat (a conflict of interest) and what only needs a recorded reason. ``organizations``
    counts the panel's members per employer, this expert left out."""
    assessment = Assessment(
        expert=expert,
        conflicts=list(pool.conflicts.get(expert.pk, [])),
        invited=pool.invited.get(expert.pk, ""),
    )
    warnings = assessment.warnings
    if not suggested:
        warnings.append(Finding("outside_recommendation", _("not in the suggested panel")))
    if expert.pk in pool.away:
        warnings.append(Finding("unavailable", pool.away[expert.pk]))
    if not is_reachable(expert):
        warnings.append(Finding("no_email", str(UNREACHABLE)))
    load = pool.open_panels.get(expert.pk, 0)
    if load >= expert.max_concurrent_consultations:
        warnings.append(
            Finding(
                "workload",
                _("already on %(count)s open panels (at most %(limit)s)")
                % {"count": load, "limit": expert.max_concurrent_consultations},
            )
        )
    limit = consultation.max_per_organization
    key, name = pool.employer(expert)
    if limit is not None and organizations[key] >= limit:
        warnings.append(
            Finding(
                "organization_limit",
                _("%(organization)s already has %(count)s of at most %(limit)s members")
                % {"organization": name, "count": organizations[key], "limit": limit},
            )
        )
    return assessment


def _seated_organizations(pool: _Pool) -> Counter[str]:
    return Counter(pool.employer_key(expert) for expert in pool.seated)


def assess_picks(
    consultation: Consultation, experts: list[Expert], *, suggested: set[int]
) -> list[Assessment]:
    """The rules each expert of a batch of invitations would break, in the batch's order:
    earlier picks count towards the organisation limit, and the batch that fills the last
    seat must leave the panel covering every required specialty and, if asked, senior."""
    pool = _gather(consultation, [e.pk for e in experts])
    by_pk = {e.pk: e for e in pool.experts}
    organizations = _seated_organizations(pool)
    assessments = []
    for picked in experts:
        expert = by_pk.get(picked.pk, picked)
        assessments.append(
            _assess(consultation, pool, expert, organizations, suggested=picked.pk in suggested)
        )
        organizations[pool.employer_key(expert)] += 1
    panel = [*pool.seated, *(by_pk.get(e.pk, e) for e in experts)]
    if len(panel) >= consultation.panel_size:
        held = {slug for e in panel for slug in pool.specialties.get(e.pk, ())}
        missing = [
            pool.specialty_names.get(slug, slug)
            for slug in sorted(consultation.required_specialties.values_list("slug", flat=True))
            if slug not in held
        ]
        panel_findings = []
        if missing:
            panel_findings.append(
                Finding(
                    "specialty_coverage",
                    _("the panel would leave %(specialties)s uncovered")
                    % {"specialties": ", ".join(missing)},
                )
            )
        if consultation.needs_senior and not any(e.is_senior for e in panel):
            panel_findings.append(Finding("seniority", _("the panel would have no senior member")))
        for assessment in assessments:
            assessment.warnings.extend(panel_findings)
    return assessments


# The key changes whenever an expert is saved; the expiry bounds how long a change that
# bypasses ``Expert.save`` (a bulk update of texts) can go unseen.
SIMILARITIES_CACHE_SECONDS = 3600


def _similarities(
    request_text: str, pool: _Pool, expert_ids: list[int] | None
) -> dict[int, float] | None:
    """The text similarity of the request with each pooled expert, by expert id (None when
    the request has no word). Tokenising every profile is most of a recommendation's time,
    so the result is cached under the request's text and a stamp of the pool: saving any
    expert moves its latest save, adding or deactivating one its count and ids."""
    rows = Expert.objects.all() if expert_ids is not None else Expert.objects.active()
    if expert_ids is not None:
        rows = rows.filter(pk__in=expert_ids)
    stamp = rows.aggregate(
        count=Count("pk"), ids=Sum("pk"), saved=Max("updated_at"), versions=Sum("lock_version")
    )
    digest = hashlib.sha256(f"{request_text}\x00{sorted(stamp.items())}".encode()).hexdigest()
    key = f"matching:similarities:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached[0]
    pooled = {e.pk for e in pool.experts}
    profiles = [
        Profile(str(pk), "\n".join(parts))
        for pk, *parts in rows.order_by("pk").values_list(
            "pk", "keywords", "biography", "publications"
        )
        if pk in pooled
    ]
    similarities = text_similarities(request_text, profiles)
    by_expert = (
        None
        if similarities is None
        else {int(profiles[i].id): value for i, value in similarities.items()}
    )
    cache.set(key, (by_expert,), SIMILARITIES_CACHE_SECONDS)
    return by_expert


def build_instance(consultation: Consultation, pool: _Pool | None = None) -> Instance:
    """The matching instance of one consultation (``to_json()`` gives the documented
    JSON format)."""
    pool = pool or _gather(consultation)
    required = sorted(consultation.required_specialties.values_list("slug", flat=True))
    dossier = consultation.dossier
    specialties = [pool.specialties.get(e.pk, ()) for e in pool.experts]
    scores: list[float] = []
    if pool.experts:
        similarities = _similarities(f"{dossier.name}\n{dossier.description}", pool, pool.scope)
        scores = blend_scores(
            required,
            specialties,
            None
            if similarities is None
            else {i: similarities.get(e.pk, 0.0) for i, e in enumerate(pool.experts)},
        )
    # Read once: the loop below runs over the whole registry. An expert no invitation can
    # reach is never suggested; the secretariat may still choose them with a reason.
    unavailable = pool.unavailable
    unreachable = str(UNREACHABLE)
    for e in pool.experts:
        if not is_reachable(e):
            unavailable.setdefault(e.pk, unreachable)
    seniors = set(senior_ranks())
    members = [
        Member(
            id=str(e.pk),
            organization=pool.employer_key(e),
            senior=e.academic_rank in seniors,
            capacity=max(0, e.max_concurrent_consultations - pool.open_panels.get(e.pk, 0)),
            open_panels=pool.open_panels.get(e.pk, 0),
            specialties=specialties[i],
            available=e.pk not in unavailable,
            unavailable_reason=unavailable.get(e.pk, ""),
        )
        for i, e in enumerate(pool.experts)
    ]
    request = Request(
        id=REQUEST_ID,
        panel_size=max(1, _seats(consultation)),
        required_specialties=tuple(required),
        max_per_organization=consultation.max_per_organization,
        needs_senior=consultation.needs_senior
        and not consultation.invitations.filter(
            state__in=(Invitation.Status.INVITED, Invitation.Status.ACCEPTED),
            expert__academic_rank__in=list(senior_ranks()),
        ).exists(),
    )
    pooled = {expert.pk for expert in pool.experts}
    return Instance.assemble(
        members,
        [request],
        affinity=[
            (REQUEST_ID, member.id, score)
            for member, score in zip(members, scores, strict=True)
            if score > 0
        ],
        conflicts=[
            Conflict(REQUEST_ID, str(pk), "; ".join(reasons))
            for pk, reasons in pool.conflicts.items()
            if pk in pooled
        ],
    )


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
    """Ranked experts with reasons, the excluded ones with theirs, and warnings, translated.
    Every expert is ranked at once; the rules of each row are assessed when it is read."""
    with collector.paused():
        return _recommend_panel(consultation, limit)


def _recommend_panel(consultation: Consultation, limit: int | None) -> PanelRecommendation:
    seats = _seats(consultation)
    pool = _gather(consultation)
    if not pool.experts:
        return PanelRecommendation(seats=seats, warnings=[_("The expert registry is empty.")])
    instance = build_instance(consultation, pool)
    result = recommend(instance, REQUEST_ID, limit=limit)
    by_id = {str(e.pk): e for e in pool.experts}
    organizations = _seated_organizations(pool)

    def assess(expert: Expert) -> Assessment:
        return _assess(consultation, pool, expert, organizations)

    ranked = []
    for row in result.ranked:
        expert = by_id[row.expert]
        ranked.append(
            RankedRow(
                expert=expert,
                rank=row.rank,
                score=row.score,
                covers=[pool.specialty_names.get(slug, slug) for slug in row.covers],
                suggested=row.suggested and seats > 0,
                senior=row.senior,
                open_panels=row.open_panels,
                assess=assess,
            )
        )
    excluded = [
        ExcludedRow(
            expert=by_id[x.expert],
            excluded_because=x.reasons,
            open_panels=pool.open_panels.get(by_id[x.expert].pk, 0),
            seats=seats,
            assess=assess,
        )
        for x in result.excluded
    ]
    warnings = [_(WARNING_WORDS.get(w.code, w.message)) for w in result.warnings] if seats else []
    return PanelRecommendation(ranked=ranked, excluded=excluded, warnings=warnings, seats=seats)
