"""Shared helpers for the matching tests: instance generation and independent checks."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import strategies as st

from thamvan.matching.instance import Instance, parse_instance, score_units
from thamvan.matching.solver import Solution


@st.composite
def instance_docs(draw: st.DrawFn, max_experts: int = 30, max_requests: int = 6) -> dict[str, Any]:
    """Random small instances, loose enough to be feasible often but not always."""
    n_e = draw(st.integers(1, max_experts))
    n_r = draw(st.integers(1, max_requests))
    n_o = draw(st.integers(1, 6))
    specs = [f"s{i}" for i in range(draw(st.integers(1, 4)))]
    experts = [
        {
            "id": f"e{i}",
            "organization": draw(st.sampled_from([*[f"o{k}" for k in range(n_o)], None])),
            "senior": draw(st.booleans()),
            "capacity": draw(st.integers(0, 3)),
            "specialties": draw(st.lists(st.sampled_from(specs), max_size=2, unique=True)),
            "available": draw(st.integers(0, 9)) > 0,
        }
        for i in range(n_e)
    ]
    requests = [
        {
            "id": f"r{j}",
            "panel_size": draw(st.integers(1, 4)),
            "required_specialties": draw(st.lists(st.sampled_from(specs), max_size=2, unique=True)),
            "max_per_organization": draw(st.sampled_from([None, 1, 2])),
            "needs_senior": draw(st.booleans()),
        }
        for j in range(n_r)
    ]
    pairs = [(j, i) for j in range(n_r) for i in range(n_e)]
    scored = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    affinity = [
        {
            "request": f"r{j}",
            "expert": f"e{i}",
            "score": draw(st.integers(0, 100)) / 100,
        }
        for j, i in scored
    ]
    conflicted = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=max(1, n_e // 3)))
    conflicts = [{"request": f"r{j}", "expert": f"e{i}", "reason": "x"} for j, i in conflicted]
    return {"experts": experts, "requests": requests, "affinity": affinity, "conflicts": conflicts}


def violations(doc: dict[str, Any], solution: Solution) -> list[str]:
    """Every contract constraint broken by the solution's assignment (empty when valid)."""
    problems: list[str] = []
    experts = {e["id"]: e for e in doc["experts"]}
    requests = {r["id"]: r for r in doc["requests"]}
    conflicts = {(c["request"], c["expert"]) for c in doc.get("conflicts", [])}
    score = {(a["request"], a["expert"]): a["score"] for a in doc.get("affinity", [])}
    load: Counter[str] = Counter()
    total = 0
    if {a.request for a in solution.assignments} != set(requests):
        problems.append("not every request has exactly one panel")
    for a in solution.assignments:
        rq = requests[a.request]
        panel = list(a.experts)
        if panel != sorted(panel):
            problems.append(f"{a.request}: experts not sorted")
        if len(panel) != rq["panel_size"]:
            problems.append(f"{a.request}: size {len(panel)} != {rq['panel_size']}")
        if len(set(panel)) != len(panel):
            problems.append(f"{a.request}: repeated expert")
        held: set[str] = set()
        for eid in panel:
            expert = experts[eid]
            held.update(expert.get("specialties", []))
            load[eid] += 1
            if (a.request, eid) in conflicts:
                problems.append(f"{a.request}: conflicted {eid}")
            if not expert.get("available", True):
                problems.append(f"{a.request}: unavailable {eid}")
            total += score_units(score.get((a.request, eid), 0.0))
        missing = set(rq.get("required_specialties", [])) - held
        if missing:
            problems.append(f"{a.request}: uncovered {sorted(missing)}")
        limit = rq.get("max_per_organization")
        if limit is not None:
            orgs = Counter(experts[e]["organization"] for e in panel)
            orgs.pop(None, None)
            if orgs and max(orgs.values()) > limit:
                problems.append(f"{a.request}: organisation limit")
        if rq.get("needs_senior") and not any(experts[e].get("senior") for e in panel):
            problems.append(f"{a.request}: no senior")
    for eid, n in load.items():
        if n > experts[eid]["capacity"]:
            problems.append(f"{eid}: capacity {n} > {experts[eid]['capacity']}")
    if solution.objective is not None and round(total / 1e6, 6) != solution.objective:
        problems.append(f"objective {solution.objective} != {total / 1e6}")
    return problems


def milp_optimum(instance: Instance) -> int | None:
    """Optimum in score units by an independent HiGHS model; None when infeasible.

    Formulated directly from the dataclasses (not from the solver's indexed
    form): one binary per non-conflicted pair with an available expert, one
    organisation row per (request, organisation) pair.
    """
    import highspy

    h = highspy.Highs()
    h.silent()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("threads", 1)
    conflicts = {(c.request, c.expert) for c in instance.conflicts}
    scores: dict[tuple[str, str], int] = {}
    aff = instance.affinity
    for r, e, s in zip(aff.request_index, aff.expert_index, aff.score, strict=True):
        scores[(instance.requests[int(r)].id, instance.experts[int(e)].id)] = score_units(float(s))
    x: dict[tuple[str, str], Any] = {}
    for rq in instance.requests:
        for ex in instance.experts:
            if ex.available and ex.capacity > 0 and (rq.id, ex.id) not in conflicts:
                x[(rq.id, ex.id)] = h.addBinary(obj=0)
    if not x:
        return None
    by_id = {e.id: e for e in instance.experts}
    for rq in instance.requests:
        mine = [(eid, v) for (rid, eid), v in x.items() if rid == rq.id]
        if len(mine) < rq.panel_size:
            return None
        h.addConstr(h.qsum(v for _, v in mine) == rq.panel_size)
        for s in rq.required_specialties:
            holders = [v for eid, v in mine if s in by_id[eid].specialties]
            if not holders:
                return None
            h.addConstr(h.qsum(holders) >= 1)
        if rq.needs_senior:
            seniors = [v for eid, v in mine if by_id[eid].senior]
            if not seniors:
                return None
            h.addConstr(h.qsum(seniors) >= 1)
        if rq.max_per_organization is not None:
            for org in sorted({by_id[eid].organization or "" for eid, _ in mine} - {""}):
                members = [v for eid, v in mine if by_id[eid].organization == org]
                h.addConstr(h.qsum(members) <= rq.max_per_organization)
    for ex in instance.experts:
        load = [v for (_, eid), v in x.items() if eid == ex.id]
        if load:
            h.addConstr(h.qsum(load) <= ex.capacity)
    h.maximize(h.qsum(scores.get(key, 0) * var for key, var in x.items()))
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    assert status == highspy.HighsModelStatus.kOptimal, h.modelStatusToString(status)
    return round(h.getInfo().objective_function_value)


def parse(doc: dict[str, Any]) -> Instance:
    return parse_instance(doc)
