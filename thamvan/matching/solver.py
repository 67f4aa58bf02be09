"""Batch assignment of expert panels to consultation requests.

Two regimes, chosen by size (docs/matching.md explains them in full):

* small instances are solved exactly with a CP-SAT model over every eligible
  (request, expert) pair;
* large instances get an upper bound from a min-cost-flow relaxation (the
  organisation limit kept exactly, coverage and seniority dropped, seats for
  zero-affinity experts left unassigned) and a feasible assignment by
  repairing the flow solution request by request. Without coverage and
  seniority constraints the repaired flow solution is the exact optimum.

Everything is deterministic: ties are broken by input order and CP-SAT runs
on one worker with a deterministic time budget.
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from thamvan.matching.instance import (
    IndexedInstance,
    Instance,
    IntArray,
    index_instance,
    units_to_score,
)

OPTIMAL = "optimal"
FEASIBLE = "feasible"
INFEASIBLE = "infeasible"

# Constraint names used in explanations (fixed by the output contract).
PANEL_SIZE = "panel_size"
REQUIRED_SPECIALTIES = "required_specialties"
MAX_PER_ORGANIZATION = "max_per_organization"
NEEDS_SENIOR = "needs_senior"
CAPACITY = "capacity"


@dataclass(frozen=True)
class SolverOptions:
    #: "exact" forces the CP-SAT model, "heuristic" the flow-and-repair path.
    method: Literal["auto", "exact", "heuristic"] = "auto"
    #: In "auto", instances with at most this many eligible pairs are solved exactly.
    exact_pair_limit: int = 4_000
    #: When the heuristic cannot staff every request, instances up to this many
    #: eligible pairs are handed to CP-SAT to find a solution or prove there is none.
    fallback_pair_limit: int = 60_000
    #: CP-SAT budget in deterministic time units (about seconds, but reproducible).
    exact_time: float = 60.0


@dataclass(frozen=True)
class Explanation:
    """Why a batch cannot be staffed, in words and as structured data."""

    request: str | None  # None when the cause spans several requests
    constraint: str
    message: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    requests: tuple[str, ...] = ()
    proven: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "request": self.request,
            "constraint": self.constraint,
            "message": self.message,
            "code": self.code,
            "params": dict(self.params),
        }
        if self.requests:
            out["requests"] = list(self.requests)
        if not self.proven:
            out["proven"] = False
        return out


@dataclass(frozen=True)
class Assignment:
    request: str
    experts: tuple[str, ...]
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "experts": list(self.experts), "score": self.score}


@dataclass(frozen=True)
class Solution:
    status: str
    objective: float | None
    bound: float | None
    assignments: tuple[Assignment, ...] = ()
    explanations: tuple[Explanation, ...] = ()
    method: str = ""

    @property
    def gap(self) -> float | None:
        """Relative distance between objective and bound (0 when optimal)."""
        if self.objective is None or self.bound is None:
            return None
        if self.bound <= 0:
            return 0.0
        return round((self.bound - self.objective) / self.bound, 6)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "method": self.method,
            "assignments": [a.to_dict() for a in self.assignments],
            "explanations": [x.to_dict() for x in self.explanations],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


# --------------------------------------------------------------------------- panel building


@dataclass
class PanelPool:
    """What one request may draw from when a panel is (re)built.

    ``ranked`` holds the allowed experts with positive affinity, best first;
    ``zero`` lazily yields allowed zero-affinity experts in preference order,
    restricted to the holders of one requirement bit when one is given.
    """

    ranked_experts: list[int]
    ranked_units: list[int]
    zero: Callable[[int | None], Iterator[int]]


def build_panel(
    ix: IndexedInstance, pool: PanelPool, size: int, org_limit: int, need: int
) -> tuple[list[int], int] | None:
    """Best panel found for one request, as (experts, total units), or None.

    Greedy under the organisation limit is exact for the panel without
    coverage (a truncated partition matroid). Missing requirements are then
    forced in by trying a few of the best holders of each ("witnesses") and
    refilling greedily around them. With one missing requirement and no
    binding organisation limit the best holder is provably the right witness,
    so the result is exact; otherwise it is a heuristic (the batch solver's
    bound does not rely on it).
    """
    org = ix.organization
    mask = ix.expert_mask
    ranked_e, ranked_u = pool.ranked_experts, pool.ranked_units

    def fill(forced: Sequence[int], forced_units: int) -> tuple[list[int], int] | None:
        chosen = list(forced)
        taken = set(forced)
        counts: dict[int, int] = {}
        for e in chosen:
            o = int(org[e])
            counts[o] = counts.get(o, 0) + 1
            if counts[o] > org_limit:
                return None
        total = forced_units
        if len(chosen) < size:
            for e, u in zip(ranked_e, ranked_u, strict=True):
                if e in taken:
                    continue
                o = int(org[e])
                if counts.get(o, 0) >= org_limit:
                    continue
                chosen.append(e)
                taken.add(e)
                counts[o] = counts.get(o, 0) + 1
                total += u
                if len(chosen) == size:
                    break
        if len(chosen) < size:
            for e in pool.zero(None):
                if e in taken:
                    continue
                o = int(org[e])
                if counts.get(o, 0) >= org_limit:
                    continue
                chosen.append(e)
                taken.add(e)
                counts[o] = counts.get(o, 0) + 1
                if len(chosen) == size:
                    break
        if len(chosen) < size:
            return None
        return chosen, total

    def covered(panel: Sequence[int]) -> int:
        m = 0
        for e in panel:
            m |= mask[e]
        return m

    base = fill((), 0)
    if base is not None and covered(base[0]) & need == need:
        return base

    def witnesses(bit: int, exclude: set[int], limit: int) -> list[tuple[int, int]]:
        flag = 1 << bit
        found: list[tuple[int, int]] = []
        for e, u in zip(ranked_e, ranked_u, strict=True):
            if mask[e] & flag and e not in exclude:
                found.append((e, u))
                if len(found) == limit:
                    return found
        for e in pool.zero(bit):
            if e not in exclude:
                found.append((e, 0))
                if len(found) == limit:
                    break
        return found

    def search(bits: list[int], exclude: set[int]) -> tuple[list[int], int] | None:
        if not bits:
            return None
        per_bit = max(2, min(8, int(256 ** (1 / len(bits)))))
        options = [witnesses(b, exclude, per_bit) for b in bits]
        if any(not o for o in options):
            return None
        best: tuple[list[int], int] | None = None
        for combo in itertools.product(*options):
            forced = list(dict.fromkeys(e for e, _ in combo))
            if len(forced) > size:
                continue
            units = sum(dict(combo)[e] for e in forced)
            panel = fill(forced, units)
            if panel is None or covered(panel[0]) & need != need:
                continue
            if best is None or panel[1] > best[1]:
                best = panel
        return best

    def need_bits(m: int) -> list[int]:
        return [b for b in range(m.bit_length()) if m >> b & 1]

    if base is not None:
        missing = need & ~covered(base[0])
        found = search(need_bits(missing), set(base[0]))
        if found is not None:
            return found
    # Forcing only the missing bits can push out a member that covered another
    # bit; try witnesses for every requirement before giving up.
    return search(need_bits(need), set())


# --------------------------------------------------------------------------- diagnosis


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _requests_need(n: int) -> str:
    return "1 request needs" if n == 1 else f"{n} requests need"


@dataclass
class _Exclusions:
    conflicted: int = 0
    unavailable: int = 0
    at_capacity: int = 0

    def parts(self) -> list[tuple[str, int]]:
        return [
            (k, v)
            for k, v in (
                ("conflicted", self.conflicted),
                ("unavailable", self.unavailable),
                ("at capacity", self.at_capacity),
            )
            if v
        ]

    def as_params(self) -> dict[str, int]:
        return {
            "conflicted": self.conflicted,
            "unavailable": self.unavailable,
            "at_capacity": self.at_capacity,
        }


def _classify(ix: IndexedInstance, r: int, experts: IntArray) -> tuple[int, _Exclusions]:
    """Count eligible experts among ``experts`` for request r, and why the rest are not."""
    conflicted = set(ix.conflicts_of(r).tolist())
    ex = _Exclusions()
    eligible = 0
    pool = ix.instance.experts
    for e in experts.tolist():
        if e in conflicted:
            ex.conflicted += 1
        elif not pool[e].available:
            ex.unavailable += 1
        elif pool[e].capacity <= 0:
            ex.at_capacity += 1
        else:
            eligible += 1
    return eligible, ex


def _holders_phrase(total: int, ex: _Exclusions, singular: str, plural: str) -> str:
    """'2 have it, both conflicted' / '3 have it: 2 conflicted, 1 unavailable'."""
    if total == 0:
        return f"no expert in the pool {singular}"
    head = f"{total} {singular if total == 1 else plural}"
    parts = ex.parts()
    if len(parts) == 1:
        word = {1: "", 2: "both "}.get(total, "all ")
        return f"{head}, {word}{parts[0][0]}"
    return head + ": " + ", ".join(f"{v} {k}" for k, v in parts)


def explain_request(ix: IndexedInstance, r: int) -> list[Explanation]:
    """Reasons why request r cannot be staffed even with every expert free for it.

    Checks, in order: enough eligible experts, an eligible holder of every
    required specialty, an eligible senior, and enough organisations for the
    per-organisation limit. Later checks are skipped when the panel size
    already fails, since they would only restate it.
    """
    rq = ix.instance.requests[r]
    p = int(ix.panel_size[r])
    out: list[Explanation] = []
    everyone = np.arange(ix.n_experts, dtype=np.int64)
    eligible, ex = _classify(ix, r, everyone)
    if eligible < p:
        why = ", ".join(f"{v} {k}" for k, v in ex.parts())
        out.append(
            Explanation(
                rq.id,
                PANEL_SIZE,
                f"needs {_plural(p, 'expert')} but only {eligible} "
                f"{'is' if eligible == 1 else 'are'} eligible" + (f" ({why})" if why else ""),
                "not_enough_experts",
                {"needed": p, "eligible": eligible, **ex.as_params()},
            )
        )
        return out
    for s in rq.required_specialties:
        bit = ix.bits.index(s)
        holders = ix.holders[bit]
        n_ok, hx = _classify(ix, r, holders)
        if n_ok == 0:
            out.append(
                Explanation(
                    rq.id,
                    REQUIRED_SPECIALTIES,
                    f"no eligible expert covers {s!r} "
                    f"({_holders_phrase(len(holders), hx, 'has it', 'have it')})",
                    "specialty_uncovered",
                    {"specialty": s, "holders": len(holders), **hx.as_params()},
                )
            )
    if rq.needs_senior:
        seniors = ix.holders[ix.senior_bit]
        n_ok, sx = _classify(ix, r, seniors)
        if n_ok == 0:
            out.append(
                Explanation(
                    rq.id,
                    NEEDS_SENIOR,
                    "needs a senior member but no eligible expert is senior "
                    f"({_holders_phrase(len(seniors), sx, 'is senior', 'are senior')})",
                    "no_senior",
                    {"seniors": len(seniors), **sx.as_params()},
                )
            )
    limit = int(ix.org_limit[r])
    if limit < p:
        usable = _eligible_mask(ix, r)
        orgs, counts = np.unique(ix.organization[usable], return_counts=True)
        room = int(np.minimum(counts, limit).sum())
        if room < p:
            out.append(
                Explanation(
                    rq.id,
                    MAX_PER_ORGANIZATION,
                    f"allows at most {limit} per organisation, but the {eligible} eligible "
                    f"experts come from only {_plural(len(orgs), 'organisation')}, "
                    f"enough for {room} of the {p} seats",
                    "too_few_organizations",
                    {
                        "limit": limit,
                        "organizations": len(orgs),
                        "eligible": eligible,
                        "seats": p,
                        "room": room,
                    },
                )
            )
    return out


def _eligible_mask(ix: IndexedInstance, r: int) -> np.ndarray:
    usable = ix.capacity > 0
    usable[ix.conflicts_of(r)] = False
    return usable


def _batch_checks(ix: IndexedInstance, explained: set[tuple[int, int]]) -> list[Explanation]:
    """Counting arguments over the whole batch; each failure is a proof.

    ``explained`` holds (request, bit) pairs already reported per request, so
    that the same shortage is not reported twice.
    """
    out: list[Explanation] = []
    requests = ix.instance.requests
    seats = int(ix.panel_size.sum())
    offered = int(ix.capacity.sum())
    if seats > offered:
        out.append(
            Explanation(
                None,
                CAPACITY,
                f"the batch needs {seats} seats but the available experts can take only "
                f"{offered} panels in total",
                "seats_short",
                {"seats": seats, "capacity": offered},
                tuple(r.id for r in requests),
            )
        )
    for bit, name in enumerate(ix.bits):
        flag = 1 << bit
        demand = [i for i, m in enumerate(ix.need) if m & flag and (i, bit) not in explained]
        if not demand:
            continue
        supply = int(ix.capacity[ix.holders[bit]].sum())
        if len(demand) > supply:
            ids = tuple(requests[i].id for i in demand)
            params: dict[str, Any]
            if bit == ix.senior_bit:
                message = (
                    f"{_requests_need(len(demand))} a senior member but the senior experts "
                    f"can sit on only {supply} panels in total"
                )
                code, params = "senior_seats_short", {"requests": len(demand), "capacity": supply}
            else:
                message = (
                    f"{_requests_need(len(demand))} {name!r} but the experts who have it "
                    f"can sit on only {supply} panels in total"
                )
                code = "specialty_seats_short"
                params = {"specialty": name, "requests": len(demand), "capacity": supply}
            out.append(Explanation(None, CAPACITY, message, code, params, ids))
    return out


def precheck(ix: IndexedInstance) -> list[Explanation]:
    """Cheap proofs of infeasibility: per request, then counting over the batch."""
    out: list[Explanation] = []
    usable = ix.capacity > 0
    n_usable = int(usable.sum())
    usable_holders = [int(usable[h].sum()) for h in ix.holders]
    org_room_cache: dict[int, int] = {}
    usable_orgs, usable_org_counts = np.unique(ix.organization[usable], return_counts=True)
    org_count = dict(zip(usable_orgs.tolist(), usable_org_counts.tolist(), strict=True))
    for r in range(ix.n_requests):
        # Fast screen: only requests that may fail get the detailed (slower) check.
        conflicted = [int(e) for e in ix.conflicts_of(r) if usable[e]]
        p = int(ix.panel_size[r])
        suspect = n_usable - len(conflicted) < p
        need = ix.need[r]
        for bit in range(need.bit_length()):
            if need >> bit & 1:
                lost = sum(1 for e in conflicted if ix.expert_mask[e] >> bit & 1)
                suspect |= usable_holders[bit] - lost <= 0
        limit = int(ix.org_limit[r])
        if limit < p and not suspect:
            if limit not in org_room_cache:
                org_room_cache[limit] = sum(min(c, limit) for c in org_count.values())
            room = org_room_cache[limit]
            lost_by_org: dict[int, int] = {}
            for e in conflicted:
                o = int(ix.organization[e])
                lost_by_org[o] = lost_by_org.get(o, 0) + 1
            for o, k in lost_by_org.items():
                room += min(org_count[o] - k, limit) - min(org_count[o], limit)
            suspect |= room < p
        if suspect:
            out.extend(explain_request(ix, r))
    explained: set[tuple[int, int]] = set()
    for x in out:
        r = ix.instance.request_index[x.request or ""]
        if x.code == "specialty_uncovered":
            explained.add((r, ix.bits.index(x.params["specialty"])))
        elif x.code == "no_senior":
            explained.add((r, ix.senior_bit))
        elif x.code == "not_enough_experts":
            explained.update((r, b) for b in range(len(ix.bits)))
    out.extend(_batch_checks(ix, explained))
    return out


# --------------------------------------------------------------------------- exact model


def _eligible_pairs(ix: IndexedInstance) -> list[IntArray]:
    usable = np.flatnonzero(ix.capacity > 0)
    out = []
    for r in range(ix.n_requests):
        out.append(np.setdiff1d(usable, ix.conflicts_of(r), assume_unique=True))
    return out


def _count_eligible_pairs(ix: IndexedInstance) -> int:
    usable = ix.capacity > 0
    total = int(usable.sum()) * ix.n_requests
    return total - int(usable[ix.conflict_expert].sum())


@dataclass
class _ExactResult:
    status: str | None  # None when no solution was found and none was ruled out
    panels: list[list[int]] | None
    objective: int | None
    bound: int | None


def _solve_cpsat(
    ix: IndexedInstance,
    requests: Sequence[int],
    *,
    time_budget: float,
    drop: Literal["", "coverage", "senior", "organization"] = "",
    drop_bit: int | None = None,
    optimise: bool = True,
) -> _ExactResult:
    """CP-SAT over every eligible pair of the given requests.

    ``drop`` removes one family of side constraints; the diagnosis uses it to
    find which family makes a set of requests infeasible.
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    mask, org = ix.expert_mask, ix.organization
    eligible = _eligible_pairs(ix)
    per_expert: dict[int, list[Any]] = {}
    obj_vars: list[Any] = []
    obj_coefs: list[int] = []
    variables: dict[int, list[tuple[int, Any]]] = {}
    for r in requests:
        cand_e, cand_u = ix.candidates_of(r)
        units = dict(zip(cand_e.tolist(), cand_u.tolist(), strict=True))
        pairs = [(int(e), model.new_bool_var("")) for e in eligible[r]]
        variables[r] = pairs
        model.add(sum(v for _, v in pairs) == int(ix.panel_size[r]))
        need = ix.need[r]
        for bit in range(need.bit_length()):
            if not need >> bit & 1:
                continue
            if drop == "coverage" and bit != ix.senior_bit and drop_bit in (None, bit):
                continue
            if drop == "senior" and bit == ix.senior_bit:
                continue
            model.add(sum(v for e, v in pairs if mask[e] >> bit & 1) >= 1)
        limit = int(ix.org_limit[r])
        if drop != "organization" and limit < int(ix.panel_size[r]):
            by_org: dict[int, list[Any]] = {}
            for e, v in pairs:
                by_org.setdefault(int(org[e]), []).append(v)
            for members in by_org.values():
                if len(members) > limit:
                    model.add(sum(members) <= limit)
        for e, v in pairs:
            per_expert.setdefault(e, []).append(v)
            u = units.get(e, 0)
            if u:
                obj_vars.append(v)
                obj_coefs.append(u)
    for e, vs in per_expert.items():
        cap = int(ix.capacity[e])
        if len(vs) > cap:
            model.add(sum(vs) <= cap)
    if optimise and obj_vars:
        model.maximize(cp_model.LinearExpr.weighted_sum(obj_vars, obj_coefs))

    solver = cp_model.CpSolver()
    # One worker and a deterministic budget make the result reproducible.
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    solver.parameters.max_deterministic_time = time_budget
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return _ExactResult(INFEASIBLE, None, None, None)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _ExactResult(None, None, None, None)
    panels: list[list[int]] = [[] for _ in range(ix.n_requests)]
    for r, pairs in variables.items():
        panels[r] = [e for e, v in pairs if solver.boolean_value(v)]
    if not (optimise and obj_vars):
        return _ExactResult(OPTIMAL, panels, 0, 0)
    objective = round(solver.objective_value)
    bound = int(np.floor(solver.best_objective_bound + 1e-6))
    return _ExactResult(
        OPTIMAL if status == cp_model.OPTIMAL else FEASIBLE, panels, objective, bound
    )


# --------------------------------------------------------------------------- flow relaxation


def relaxation(ix: IndexedInstance) -> tuple[int, list[list[int]]]:
    """Upper bound and panels of the min-cost-flow relaxation.

    Source-less formulation: request r supplies panel_size units; each unit
    goes either to an expert with positive affinity (capacity 1 per pair,
    cost -units) or straight to the sink at cost 0, which stands for any
    zero-affinity expert. Experts forward at most their capacity to the sink.

    The organisation limit is laminar (each expert has one organisation), so
    it fits the network exactly: a request reaches the candidates of one
    organisation through a node of capacity max_per_organization; only groups
    with more candidates than the limit need such a node. Coverage and
    seniority are dropped.

    Every valid assignment is a flow of the same value, so the optimum is an
    upper bound. Without side constraints it is reached whenever the
    zero-affinity seats can be filled.
    """
    from ortools.graph.python import min_cost_flow

    n_r, n_e = ix.n_requests, ix.n_experts
    sink = n_r + n_e
    n_c = int(ix.cand_expert.shape[0])
    pair_request = np.repeat(np.arange(n_r, dtype=np.int64), np.diff(ix.cand_ptr))
    _, org_dense = np.unique(ix.organization, return_inverse=True)
    n_orgs = int(org_dense.max()) + 1 if n_e else 1
    group_key = pair_request * n_orgs + org_dense[ix.cand_expert]
    keys, group_of_pair, group_size = np.unique(group_key, return_inverse=True, return_counts=True)
    group_request = keys // n_orgs
    limited = group_size > ix.org_limit[group_request]
    n_g = int(limited.sum())
    group_node = np.full(keys.shape[0], -1, dtype=np.int64)
    group_node[limited] = sink + 1 + np.arange(n_g)
    pair_tail = np.where(limited[group_of_pair], group_node[group_of_pair], pair_request)
    n_nodes = sink + 1 + n_g
    tails = np.concatenate(
        [pair_tail, n_r + np.arange(n_e), np.arange(n_r), group_request[limited]]
    )
    heads = np.concatenate([n_r + ix.cand_expert, np.full(n_e + n_r, sink), group_node[limited]])
    caps = np.concatenate(
        [
            np.ones(n_c, dtype=np.int64),
            ix.capacity,
            ix.panel_size,
            ix.org_limit[group_request[limited]],
        ]
    )
    costs = np.concatenate([-ix.cand_units, np.zeros(n_e + n_r + n_g, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[:n_r] = ix.panel_size
    supplies[sink] = -int(ix.panel_size.sum())
    flow.set_nodes_supplies(np.arange(n_nodes), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow relaxation failed with status {status}")
    used = flow.flows(np.arange(n_c, dtype=np.int64)) > 0
    panels = []
    for r in range(n_r):
        lo, hi = int(ix.cand_ptr[r]), int(ix.cand_ptr[r + 1])
        panels.append(ix.cand_expert[lo:hi][used[lo:hi]].tolist())
    return -int(flow.optimal_cost()), panels


# --------------------------------------------------------------------------- repair


def panel_is_valid(ix: IndexedInstance, r: int, panel: Sequence[int]) -> bool:
    if len(panel) != int(ix.panel_size[r]) or len(set(panel)) != len(panel):
        return False
    limit = int(ix.org_limit[r])
    counts: dict[int, int] = {}
    covered = 0
    for e in panel:
        o = int(ix.organization[e])
        counts[o] = counts.get(o, 0) + 1
        if counts[o] > limit:
            return False
        covered |= ix.expert_mask[e]
    return covered & ix.need[r] == ix.need[r]


class _Residual:
    """Remaining capacity per expert, bucketed so that zero-affinity seats can go
    to the experts with the most capacity left (ties by input order).

    Group 0 holds every expert; group 1 + b holds the holders of bit b.
    """

    def __init__(self, ix: IndexedInstance, used: Sequence[Sequence[int]]) -> None:
        self.left = ix.capacity.tolist()
        for panel in used:
            for e in panel:
                self.left[e] -= 1
        self.groups_of = [
            [0] + [1 + b for b in range(m.bit_length()) if m >> b & 1] for m in ix.expert_mask
        ]
        self.buckets: list[dict[int, list[int]]] = [{} for _ in range(len(ix.bits) + 1)]
        for e, left in enumerate(self.left):
            for g in self.groups_of[e]:
                self.buckets[g].setdefault(left, []).append(e)

    def __getitem__(self, e: int) -> int:
        return self.left[e]

    def add(self, e: int, delta: int) -> None:
        old = self.left[e]
        new = old + delta
        self.left[e] = new
        for g in self.groups_of[e]:
            levels = self.buckets[g]
            bucket = levels[old]
            del bucket[bisect.bisect_left(bucket, e)]
            bisect.insort(levels.setdefault(new, []), e)

    def most_left(self, bit: int | None, *, include_full: bool = False) -> Iterator[int]:
        levels = self.buckets[0 if bit is None else 1 + bit]
        for level in sorted(levels, reverse=True):
            if level <= 0 and not include_full:
                return
            yield from tuple(levels[level])


class _Repairer:
    """Makes every panel valid while keeping as much of the flow value as possible."""

    def __init__(self, ix: IndexedInstance, panels: list[list[int]]) -> None:
        self.ix = ix
        self.panels = panels
        self.residual = _Residual(ix, panels)

    def pool(self, r: int) -> PanelPool:
        ix, residual = self.ix, self.residual
        cand_e, cand_u = ix.candidates_of(r)
        ranked_e: list[int] = []
        ranked_u: list[int] = []
        for e, u in zip(cand_e.tolist(), cand_u.tolist(), strict=True):
            if residual[e] > 0:
                ranked_e.append(e)
                ranked_u.append(u)
        skip = set(cand_e.tolist()) | set(ix.conflicts_of(r).tolist())

        def zero(bit: int | None) -> Iterator[int]:
            for e in residual.most_left(bit):
                if e not in skip:
                    yield e

        return PanelPool(ranked_e, ranked_u, zero)

    def rebuild(self, r: int) -> bool:
        ix = self.ix
        for e in self.panels[r]:
            self.residual.add(e, 1)
        built = build_panel(
            ix, self.pool(r), int(ix.panel_size[r]), int(ix.org_limit[r]), ix.need[r]
        )
        if built is None:
            for e in self.panels[r]:
                self.residual.add(e, -1)
            return False
        self.panels[r] = built[0]
        for e in built[0]:
            self.residual.add(e, -1)
        return True

    def replacement(self, r: int, out: int, reserved: Mapping[int, int]) -> int | None:
        """Best expert with spare capacity that can take ``out``'s seat on r's panel."""
        ix, residual = self.ix, self.residual
        panel = self.panels[r]
        rest = [e for e in panel if e != out]
        members = set(panel)
        blocked = set(ix.conflicts_of(r).tolist())
        cand_e, _ = ix.candidates_of(r)
        positive = cand_e.tolist()
        zero = (e for e in residual.most_left(None) if e not in blocked)
        for x in itertools.chain(positive, zero):
            if x in members or residual[x] <= reserved.get(x, 0):
                continue
            if panel_is_valid(ix, r, [*rest, x]):
                return x
        return None

    def rebuild_with_ejection(self, r: int) -> bool:
        """Staff r with experts that are full, moving each to a substitute elsewhere.

        Full experts are used only where free ones cannot do (their score is
        pushed below every free expert's); each one is freed by swapping it,
        on one panel that holds it, for an expert with spare capacity.
        """
        ix, residual = self.ix, self.residual
        for e in self.panels[r]:
            residual.add(e, 1)
        cand_e, cand_u = ix.candidates_of(r)
        free = [(e, u) for e, u in zip(cand_e.tolist(), cand_u.tolist(), strict=True)]
        penalty = int(ix.cand_units.max(initial=0)) + 1
        ranked = [(e, u) for e, u in free if residual[e] > 0]
        ranked += [(e, u - penalty) for e, u in free if residual[e] <= 0]
        skip = set(cand_e.tolist()) | set(ix.conflicts_of(r).tolist())

        def zero(bit: int | None) -> Iterator[int]:
            for e in residual.most_left(bit, include_full=True):
                if e not in skip and ix.capacity[e] > 0:
                    yield e

        pool = PanelPool([e for e, _ in ranked], [u for _, u in ranked], zero)
        built = build_panel(ix, pool, int(ix.panel_size[r]), int(ix.org_limit[r]), ix.need[r])
        moves: list[tuple[int, int, int]] = []  # (request, removed, added)
        ok = built is not None
        if built is not None:
            reserved = dict.fromkeys(built[0], 1)
            for e in built[0]:
                if residual[e] > 0:
                    continue
                # Free one seat of e: the first panel holding it that can swap it out.
                users = [q for q in range(ix.n_requests) if q != r and e in self.panels[q]]
                for q in users:
                    x = self.replacement(q, e, reserved)
                    if x is not None:
                        self.panels[q] = [x if m == e else m for m in self.panels[q]]
                        residual.add(x, -1)
                        residual.add(e, 1)
                        moves.append((q, e, x))
                        break
                else:
                    ok = False
                    break
        if built is None or not ok:
            for q, removed, added in reversed(moves):
                self.panels[q] = [removed if m == added else m for m in self.panels[q]]
                residual.add(added, 1)
                residual.add(removed, -1)
            for e in self.panels[r]:
                residual.add(e, -1)
            return False
        self.panels[r] = built[0]
        for e in built[0]:
            residual.add(e, -1)
        return True

    def run(self) -> list[int]:
        """Repair every invalid panel; return the requests that could not be staffed."""
        ix = self.ix
        broken = [r for r in range(ix.n_requests) if not panel_is_valid(ix, r, self.panels[r])]
        # Least slack first: few candidates, then large panels (more distinct experts).
        broken.sort(
            key=lambda r: (int(ix.cand_ptr[r + 1] - ix.cand_ptr[r]), -int(ix.panel_size[r]), r)
        )
        failed = [r for r in broken if not self.rebuild(r)]
        if failed:
            # Capacity freed or reshuffled by later repairs may now suffice.
            failed = [r for r in failed if not self.rebuild(r)]
        if failed:
            failed = [r for r in failed if not self.rebuild_with_ejection(r)]
        return failed


# --------------------------------------------------------------------------- failure diagnosis


def _specialty_hall(ix: IndexedInstance, bit: int) -> Explanation | None:
    """Max-flow test: can every request needing ``bit`` get its own holder?"""
    from ortools.graph.python import max_flow

    flag = 1 << bit
    demand = [r for r in range(ix.n_requests) if ix.need[r] & flag]
    holders = ix.holders[bit][ix.capacity[ix.holders[bit]] > 0]
    if not demand:
        return None
    n_d, n_h = len(demand), len(holders)
    source, sink = n_d + n_h, n_d + n_h + 1
    pos = {int(e): i for i, e in enumerate(holders.tolist())}
    tails: list[int] = []
    heads: list[int] = []
    for i, r in enumerate(demand):
        blocked = set(ix.conflicts_of(r).tolist())
        for e, j in pos.items():
            if e not in blocked:
                tails.append(i)
                heads.append(n_d + j)
    graph = max_flow.SimpleMaxFlow()
    graph.add_arcs_with_capacity(
        np.array([source] * n_d + tails + [n_d + j for j in range(n_h)], dtype=np.int64),
        np.array(list(range(n_d)) + heads + [sink] * n_h, dtype=np.int64),
        np.concatenate(
            [
                np.ones(n_d + len(tails), dtype=np.int64),
                ix.capacity[holders].astype(np.int64),
            ]
        ),
    )
    if graph.solve(source, sink) != graph.OPTIMAL or graph.optimal_flow() >= n_d:
        return None
    side = set(graph.get_source_side_min_cut())
    group = [demand[i] for i in range(n_d) if i in side]
    reach = {j for j in range(n_h) if n_d + j in side}
    seats = int(ix.capacity[holders[sorted(reach)]].sum()) if reach else 0
    ids = tuple(ix.instance.requests[r].id for r in group)
    name = "a senior member" if bit == ix.senior_bit else repr(ix.bits[bit])
    return Explanation(
        None,
        CAPACITY,
        f"{_requests_need(len(group))} {name} but the eligible experts who qualify can sit on "
        f"only {seats} of their panels",
        "senior_seats_short" if bit == ix.senior_bit else "specialty_seats_short",
        {
            "specialty": None if bit == ix.senior_bit else ix.bits[bit],
            "requests": len(group),
            "capacity": seats,
        },
        ids,
    )


def _group_explanation(ix: IndexedInstance, group: list[int], opts: SolverOptions) -> Explanation:
    """Say which constraint family makes a minimal infeasible group infeasible."""
    ids = tuple(ix.instance.requests[r].id for r in group)
    listed = ", ".join(ids)
    budget = opts.exact_time / 4

    def feasible(**kw: Any) -> bool:
        return _solve_cpsat(ix, group, time_budget=budget, optimise=False, **kw).status == OPTIMAL

    union_need = 0
    for r in group:
        union_need |= ix.need[r]
    specialty_bits = [b for b in range(ix.senior_bit) if union_need >> b & 1]
    for b in specialty_bits:
        if feasible(drop="coverage", drop_bit=b):
            return Explanation(
                None,
                CAPACITY,
                f"requests {listed} cannot all be staffed at once: they compete for the few "
                f"experts who cover {ix.bits[b]!r} and can still take panels",
                "specialty_contention",
                {"specialty": ix.bits[b]},
                ids,
            )
    if union_need >> ix.senior_bit & 1 and feasible(drop="senior"):
        return Explanation(
            None,
            CAPACITY,
            f"requests {listed} cannot all be staffed at once: they compete for the few "
            "senior experts who can still take panels",
            "senior_contention",
            {},
            ids,
        )
    if feasible(drop="organization"):
        return Explanation(
            None,
            CAPACITY,
            f"requests {listed} cannot all be staffed at once within their per-organisation "
            "limits: the experts with free capacity come from too few organisations",
            "organization_contention",
            {},
            ids,
        )
    return Explanation(
        None,
        CAPACITY,
        f"requests {listed} cannot all be staffed at once: together they need more distinct "
        "experts with free capacity than the pool offers",
        "capacity_contention",
        {},
        ids,
    )


def _minimal_group(ix: IndexedInstance, opts: SolverOptions) -> list[int] | None:
    """Deletion filter: a set of requests that is infeasible, minimal by inclusion."""
    group = list(range(ix.n_requests))
    budget = opts.exact_time / 4
    if _solve_cpsat(ix, group, time_budget=budget, optimise=False).status != INFEASIBLE:
        return None
    for r in range(ix.n_requests):
        trial = [x for x in group if x != r]
        if not trial:
            continue
        result = _solve_cpsat(ix, trial, time_budget=budget, optimise=False)
        if result.status == INFEASIBLE:
            group = trial
        elif result.status is None:
            return None
    return group


def _single_request_infeasible(ix: IndexedInstance, r: int, opts: SolverOptions) -> bool:
    capacity_free = _Repairer(ix, [[] for _ in range(ix.n_requests)])
    pool = capacity_free.pool(r)
    if build_panel(ix, pool, int(ix.panel_size[r]), int(ix.org_limit[r]), ix.need[r]) is not None:
        return False
    return _solve_cpsat(ix, [r], time_budget=opts.exact_time / 4, optimise=False).status == (
        INFEASIBLE
    )


def _single_request_explanation(ix: IndexedInstance, r: int) -> Explanation:
    rq = ix.instance.requests[r]
    parts = []
    if rq.required_specialties:
        parts.append("cover " + ", ".join(repr(s) for s in rq.required_specialties))
    if rq.needs_senior:
        parts.append("include a senior member")
    limit = int(ix.org_limit[r])
    if limit < rq.panel_size:
        parts.append(f"take at most {limit} per organisation")
    constraint = (
        REQUIRED_SPECIALTIES
        if rq.required_specialties
        else NEEDS_SENIOR
        if rq.needs_senior
        else MAX_PER_ORGANIZATION
    )
    return Explanation(
        rq.id,
        constraint,
        f"no panel of {rq.panel_size} eligible experts can " + " and ".join(parts),
        "panel_impossible",
        {"panel_size": rq.panel_size},
    )


def diagnose(
    ix: IndexedInstance,
    unstaffed: Sequence[int],
    opts: SolverOptions,
    *,
    infeasible: bool = False,
) -> list[Explanation]:
    """Explain why the batch could not be staffed.

    ``unstaffed`` lists the requests the heuristic could not staff (empty
    when the exact model decided); ``infeasible`` says whether infeasibility
    is already proven, in which case a generic explanation is still a proof.
    """
    suspects = unstaffed or range(ix.n_requests)
    out = [
        _single_request_explanation(ix, r)
        for r in suspects
        if _single_request_infeasible(ix, r, opts)
    ]
    if out:
        return out
    for bit in range(len(ix.bits)):
        found = _specialty_hall(ix, bit)
        if found is not None:
            out.append(found)
    if out:
        return out
    if _count_eligible_pairs(ix) <= opts.exact_pair_limit:
        group = _minimal_group(ix, opts)
        if group:
            return [_group_explanation(ix, group, opts)]
    ids = tuple(ix.instance.requests[r].id for r in suspects)
    listed = ", ".join(ids)
    if infeasible:
        return [
            Explanation(
                None,
                CAPACITY,
                "the requests cannot all be staffed at once with the experts' capacities; "
                "raising the capacity of qualifying experts or splitting the batch should help",
                "capacity_contention",
                {},
                ids,
            )
        ]
    return [
        Explanation(
            ids[0] if len(ids) == 1 else None,
            CAPACITY,
            f"no panel could be formed for {listed} with the capacity left by the other "
            "requests; raising the capacity of qualifying experts or splitting the batch "
            "should help",
            "unstaffed",
            {"requests": len(ids)},
            ids,
            proven=False,
        )
    ]


# --------------------------------------------------------------------------- entry point


def _result(
    ix: IndexedInstance, panels: list[list[int]], bound_units: int, method: str
) -> Solution:
    experts, requests = ix.instance.experts, ix.instance.requests
    per_request = _units_per_request(ix, panels)
    total = sum(per_request)
    bound_units = max(bound_units, total)
    assignments = tuple(
        Assignment(
            requests[r].id,
            tuple(sorted(experts[e].id for e in panel)),
            units_to_score(per_request[r]),
        )
        for r, panel in enumerate(panels)
    )
    return Solution(
        OPTIMAL if total == bound_units else FEASIBLE,
        units_to_score(total),
        units_to_score(bound_units),
        assignments,
        (),
        method,
    )


def _units_per_request(ix: IndexedInstance, panels: Sequence[Sequence[int]]) -> list[int]:
    """Affinity units of each panel (pairs without positive affinity count 0)."""
    n_e = max(ix.n_experts, 1)
    pair_key = np.repeat(np.arange(ix.n_requests, dtype=np.int64) * n_e, np.diff(ix.cand_ptr))
    pair_key += ix.cand_expert
    order = np.argsort(pair_key, kind="stable")
    sorted_key = pair_key[order]
    owner = np.repeat(np.arange(len(panels), dtype=np.int64), [len(p) for p in panels])
    wanted = owner * n_e + np.array([e for p in panels for e in p], dtype=np.int64)
    out = np.zeros(len(panels), dtype=np.int64)
    if sorted_key.size and wanted.size:
        pos = np.minimum(np.searchsorted(sorted_key, wanted), sorted_key.size - 1)
        hit = sorted_key[pos] == wanted
        np.add.at(out, owner[hit], ix.cand_units[order[pos[hit]]])
    return out.tolist()


def _infeasible(explanations: Sequence[Explanation], method: str) -> Solution:
    return Solution(INFEASIBLE, None, None, (), tuple(explanations), method)


def solve(instance: Instance, options: SolverOptions | None = None) -> Solution:
    """Assign a panel to every request, maximising total affinity."""
    opts = options or SolverOptions()
    ix = index_instance(instance)
    if ix.n_requests == 0:
        return Solution(OPTIMAL, 0.0, 0.0, (), (), "trivial")
    problems = precheck(ix)
    if problems:
        return _infeasible(problems, "precheck")
    n_pairs = _count_eligible_pairs(ix)
    exact = opts.method == "exact" or (opts.method == "auto" and n_pairs <= opts.exact_pair_limit)
    if exact:
        result = _solve_cpsat(ix, range(ix.n_requests), time_budget=opts.exact_time)
        if result.status == INFEASIBLE:
            return _infeasible(diagnose(ix, [], opts, infeasible=True), "exact")
        if result.status == OPTIMAL and result.panels is not None and result.bound is not None:
            return _result(ix, result.panels, result.bound, "exact")
        if result.panels is not None and result.bound is not None:
            # Out of budget: the flow relaxation may prove a tighter bound.
            return _result(ix, result.panels, min(result.bound, relaxation(ix)[0]), "exact")
        # No solution within the budget: fall through to the heuristic.
    bound, panels = relaxation(ix)
    repairer = _Repairer(ix, panels)
    unstaffed = repairer.run()
    if not unstaffed:
        return _result(ix, repairer.panels, bound, "flow+repair")
    if not exact and n_pairs <= opts.fallback_pair_limit:
        result = _solve_cpsat(ix, range(ix.n_requests), time_budget=opts.exact_time)
        if result.status == INFEASIBLE:
            return _infeasible(diagnose(ix, unstaffed, opts, infeasible=True), "exact")
        if result.panels is not None and result.bound is not None:
            return _result(ix, result.panels, min(result.bound, bound), "exact")
    return _infeasible(diagnose(ix, unstaffed, opts), "flow+repair")
