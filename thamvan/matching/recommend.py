"""Ranked expert recommendation for one request.

Every expert in the pool ends up either in ``ranked`` (eligible, with a score
and a reason) or in ``excluded`` (with every reason that rules them out).
Reasons are structured — a stable ``code``, its ``params`` and an English
``message`` — so that a user interface can translate them from code and
params. A suggested panel is built with the same panel builder as the batch
solver; when no panel satisfies every constraint, the suggestion relaxes the
ones that cannot be met and says so in ``warnings``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from thamvan.matching.instance import (
    AffinityTable,
    Expert,
    IndexedInstance,
    Instance,
    index_instance,
    units_to_score,
)
from thamvan.matching.solver import PanelPool, build_panel, explain_request


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "message": self.message}


@dataclass(frozen=True)
class RankedExpert:
    expert: str
    rank: int
    score: float
    covers: tuple[str, ...]
    senior: bool
    organization: str | None
    open_panels: int
    suggested: bool
    # What the reason is phrased from, on first use: a registry ranks thousands.
    capacity: int = field(default=0, repr=False)
    required: tuple[str, ...] = field(default=(), repr=False)
    needs_senior: bool = field(default=False, repr=False)

    @cached_property
    def reason(self) -> Reason:
        return _eligible_reason(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "expert": self.expert,
            "rank": self.rank,
            "score": self.score,
            "covers": list(self.covers),
            "senior": self.senior,
            "organization": self.organization,
            "open_panels": self.open_panels,
            "suggested": self.suggested,
            "reason": self.reason.to_dict(),
        }


@dataclass(frozen=True)
class ExcludedExpert:
    expert: str
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"expert": self.expert, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True)
class Recommendation:
    request: str
    ranked: tuple[RankedExpert, ...]
    excluded: tuple[ExcludedExpert, ...]
    suggested_panel: tuple[str, ...]
    suggested_score: float
    warnings: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "suggested_panel": list(self.suggested_panel),
            "suggested_score": self.suggested_score,
            "warnings": [w.to_dict() for w in self.warnings],
            "ranked": [r.to_dict() for r in self.ranked],
            "excluded": [x.to_dict() for x in self.excluded],
        }


def _open_panels_phrase(n: int) -> str:
    if n == 0:
        return "no open panels"
    return f"{n} open panel{'s' if n != 1 else ''}"


def _exclusions(expert: Expert, conflict: str | None) -> tuple[Reason, ...]:
    out: list[Reason] = []
    if conflict is not None:
        out.append(
            Reason(
                "conflict",
                f"conflict of interest: {conflict}" if conflict else "conflict of interest",
                {"reason": conflict},
            )
        )
    if not expert.available:
        why = expert.unavailable_reason
        out.append(
            Reason("unavailable", f"unavailable: {why}" if why else "unavailable", {"reason": why})
        )
    elif expert.capacity <= 0:
        out.append(
            Reason(
                "at_capacity",
                f"at capacity ({_open_panels_phrase(expert.open_panels)})",
                {"open_panels": expert.open_panels},
            )
        )
    return tuple(out)


def _eligible_reason(row: RankedExpert) -> Reason:
    parts: list[str] = []
    if row.required:
        parts.append(
            "covers " + ", ".join(row.covers) if row.covers else "covers no required specialty"
        )
    if row.needs_senior and row.senior:
        parts.append("senior")
    parts.append(f"affinity {row.score:.2f}")
    parts.append(_open_panels_phrase(row.open_panels))
    return Reason(
        "eligible",
        "; ".join(parts),
        {
            "covers": list(row.covers),
            "affinity": row.score,
            "senior": row.senior,
            "open_panels": row.open_panels,
            "capacity": row.capacity,
        },
    )


def _single_request(instance: Instance, request_id: str) -> Instance:
    """The instance restricted to one request, so indexing stays cheap."""
    r = instance.request_index[request_id]
    aff = instance.affinity
    rows = np.flatnonzero(aff.request_index == r)
    return Instance(
        experts=instance.experts,
        requests=(instance.requests[r],),
        affinity=AffinityTable(
            np.zeros(rows.shape[0], dtype=np.int64), aff.expert_index[rows], aff.score[rows]
        ),
        conflicts=tuple(c for c in instance.conflicts if c.request == request_id),
        expert_index=instance.expert_index,
        request_index={request_id: 0},
    )


def _suggest(
    ix: IndexedInstance, order: list[int], eligible: set[int]
) -> tuple[list[int], int, list[Reason]]:
    """Best panel under every constraint, else relax what cannot be met."""
    request = ix.instance.requests[0]
    cand_e, cand_u = ix.candidates_of(0)
    positive = set(cand_e.tolist())
    zero_order = [e for e in order if e not in positive]
    holders = [set(h.tolist()) for h in ix.holders]

    def zero(bit: int | None) -> Iterator[int]:
        for e in zero_order:
            if bit is None or e in holders[bit]:
                yield e

    pool = PanelPool(cand_e.tolist(), cand_u.tolist(), zero)
    size = request.panel_size
    limit = int(ix.org_limit[0])
    need = ix.need[0]
    built = build_panel(ix, pool, size, limit, need)
    if built is not None:
        return built[0], built[1], []

    warnings: list[Reason] = []
    reachable = 0
    for e in eligible:
        reachable |= ix.expert_mask[e]
    if need & ~reachable:
        lost = need & ~reachable
        dropped = [ix.bits[b] for b in range(ix.senior_bit) if lost >> b & 1]
        need &= reachable
        if dropped:
            warnings.append(
                Reason(
                    "relaxed_coverage",
                    "the suggested panel cannot cover " + ", ".join(repr(s) for s in dropped),
                    {"uncovered": dropped},
                )
            )
        if lost >> ix.senior_bit & 1:
            warnings.append(
                Reason("relaxed_senior", "the suggested panel has no senior member", {})
            )
        built = build_panel(ix, pool, size, limit, need)
    if built is None and limit < size:
        limit = size
        warnings.append(
            Reason(
                "relaxed_organization_limit",
                "the suggested panel exceeds the per-organisation limit of "
                f"{request.max_per_organization}",
                {"limit": request.max_per_organization},
            )
        )
        built = build_panel(ix, pool, size, limit, need)
    if built is None and need:
        warnings.append(
            Reason(
                "relaxed_requirements",
                "no panel of eligible experts meets the specialty and seniority requirements "
                "together; the suggestion ignores them",
                {},
            )
        )
        built = build_panel(ix, pool, size, limit, 0)
    if built is not None:
        return built[0], built[1], warnings
    # Fewer eligible experts than seats: suggest all of them.
    panel = order[:size]
    units = dict(zip(cand_e.tolist(), cand_u.tolist(), strict=True))
    warnings.append(
        Reason(
            "incomplete_panel",
            f"only {len(panel)} of the {size} seats can be filled",
            {"filled": len(panel), "seats": size},
        )
    )
    return panel, sum(units.get(e, 0) for e in panel), warnings


def recommend(instance: Instance, request_id: str, *, limit: int | None = None) -> Recommendation:
    """Rank the pool for one request, explain exclusions, suggest a panel.

    Ranking: affinity (highest first), then the number of required
    specialties covered, then fewer open panels, then expert id.
    ``limit`` truncates the ranked list only; exclusions are always complete.
    """
    if request_id not in instance.request_index:
        raise KeyError(f"unknown request {request_id!r}")
    single = _single_request(instance, request_id)
    ix = index_instance(single)
    request = single.requests[0]
    required = request.required_specialties
    conflicts = {e: reason for (_, e), reason in ix.conflict_reason.items()}
    units = dict(
        zip(single.affinity.expert_index.tolist(), single.affinity.score.tolist(), strict=True)
    )

    excluded: list[ExcludedExpert] = []
    keyed: list[tuple[tuple[float, int, int, str], int, tuple[str, ...], float]] = []
    for e, expert in enumerate(instance.experts):
        reasons = _exclusions(expert, conflicts.get(e))
        if reasons:
            excluded.append(ExcludedExpert(expert.id, reasons))
            continue
        score = round(units.get(e, 0.0), 6)
        held = set(expert.specialties)
        covers = tuple(s for s in required if s in held)
        keyed.append(((-score, -len(covers), expert.open_panels, expert.id), e, covers, score))
    keyed.sort(key=lambda item: item[0])
    order = [e for _, e, _, _ in keyed]

    warnings = [Reason(x.code, x.message, x.params) for x in explain_request(ix, 0)]
    panel, panel_units, relaxed = _suggest(ix, order, set(order))
    warnings.extend(relaxed)
    in_panel = set(panel)

    shown = keyed if limit is None else keyed[: max(limit, 0)]
    ranked = tuple(
        RankedExpert(
            expert=instance.experts[e].id,
            rank=i + 1,
            score=score,
            covers=covers,
            senior=instance.experts[e].senior,
            organization=instance.experts[e].organization,
            open_panels=instance.experts[e].open_panels,
            suggested=e in in_panel,
            capacity=instance.experts[e].capacity,
            required=required,
            needs_senior=request.needs_senior,
        )
        for i, (_, e, covers, score) in enumerate(shown)
    )
    return Recommendation(
        request=request_id,
        ranked=ranked,
        excluded=tuple(excluded),
        suggested_panel=tuple(sorted(instance.experts[e].id for e in panel)),
        suggested_score=units_to_score(panel_units),
        warnings=tuple(warnings),
    )
