"""Benchmark of the expert matcher (docs/matching.md, "Benchmark").

    python bench/matching.py           # full size: 2,000 requests x 5,000 experts
    python bench/matching.py --quick   # small smoke run

Figures printed:

* the batch solved through the CLI as a subprocess (wall time, peak RSS of the
  child, status, objective, bound, gap), with the assignment checked here
  independently of the solver;
* one ranked recommendation over the whole expert pool;
* the same batch without coverage, organisation and seniority constraints,
  solved by the matcher and by a plain min-cost-flow baseline over every
  eligible pair, side by side.

The instance is generated from a seed, so every run sees the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from thamvan.matching.instance import (  # noqa: E402
    SCORE_UNITS,
    Instance,
    parse_instance,
    score_units,
)
from thamvan.matching.recommend import recommend  # noqa: E402
from thamvan.matching.solver import solve  # noqa: E402

REASONS = (
    "employed by the consultant",
    "co-authored the plan under review",
    "family tie with the applicant",
    "advised the investor",
)


@dataclass(frozen=True)
class Size:
    requests: int
    experts: int
    organizations: int
    specialties: int
    min_affinity: int
    max_affinity: int


FULL = Size(2_000, 5_000, 300, 20, 200, 400)
QUICK = Size(150, 600, 40, 12, 40, 90)


def generate(size: Size, seed: int) -> dict[str, Any]:
    """A feasible, realistic batch as a JSON document.

    Specialty popularity and organisation sizes are skewed; affinity is
    sparse, concentrated on experts who hold the requested specialties and on
    a minority of generally strong experts, which makes popular experts
    scarce and the capacities bind.
    """
    rng = np.random.default_rng(seed)
    n_s, n_o, n_e = size.specialties, size.organizations, size.experts
    popularity = rng.dirichlet(np.full(n_s, 1.5))
    org_weight = rng.pareto(1.2, n_o) + 1.0
    org_weight /= org_weight.sum()
    quality = rng.beta(2.0, 3.0, n_e)

    expert_org = rng.choice(n_o, size=n_e, p=org_weight)
    expert_senior = rng.random(n_e) < 0.3
    expert_capacity = rng.integers(1, 6, n_e)
    expert_specs: list[list[int]] = []
    holds = np.zeros((n_e, n_s), dtype=np.bool_)
    for e in range(n_e):
        picked = sorted(set(rng.choice(n_s, size=int(rng.integers(1, 4)), p=popularity).tolist()))
        expert_specs.append(picked)
        holds[e, picked] = True
    experts = [
        {
            "id": f"e{e + 1}",
            "organization": f"o{int(expert_org[e]) + 1}",
            "senior": bool(expert_senior[e]),
            "capacity": int(expert_capacity[e]),
            "specialties": [f"s{s + 1}" for s in expert_specs[e]],
        }
        for e in range(n_e)
    ]
    org_members = [np.flatnonzero(expert_org == o) for o in range(n_o)]
    small_orgs = [o for o in range(n_o) if 0 < len(org_members[o]) <= 30]

    requests: list[dict[str, Any]] = []
    affinity: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    for j in range(size.requests):
        rid = f"r{j + 1}"
        required = sorted(
            set(rng.choice(n_s, size=1 if rng.random() < 0.6 else 2, p=popularity).tolist())
        )
        requests.append(
            {
                "id": rid,
                "panel_size": int(rng.integers(3, 8)),
                "required_specialties": [f"s{s + 1}" for s in required],
                "max_per_organization": 1 if rng.random() < 0.7 else 2,
                "needs_senior": bool(rng.random() < 0.5),
            }
        )
        k = int(rng.integers(size.min_affinity, size.max_affinity + 1))
        holders = np.flatnonzero(holds[:, required].any(axis=1))
        n_holders = min(len(holders), int(k * 0.6))
        chosen = np.union1d(
            rng.choice(holders, n_holders, replace=False),
            rng.choice(n_e, k - n_holders, replace=False),
        )
        overlap = holds[chosen][:, required].sum(axis=1) / len(required)
        score = 0.45 * overlap + 0.35 * quality[chosen] + 0.2 * rng.random(len(chosen))
        score = np.clip(np.round(score, 4), 0.0001, 1.0)
        affinity.extend(
            {"request": rid, "expert": f"e{int(e) + 1}", "score": float(s)}
            for e, s in zip(chosen, score, strict=True)
        )
        blocked: set[int] = set()
        if small_orgs and rng.random() < 0.1:
            blocked.update(org_members[small_orgs[int(rng.integers(len(small_orgs)))]].tolist())
            reason = REASONS[0]
        else:
            reason = REASONS[int(rng.integers(1, len(REASONS)))]
        blocked.update(rng.choice(n_e, int(rng.integers(0, 4)), replace=False).tolist())
        conflicts.extend(
            {"request": rid, "expert": f"e{e + 1}", "reason": reason} for e in sorted(blocked)
        )
    return {"experts": experts, "requests": requests, "affinity": affinity, "conflicts": conflicts}


def without_side_constraints(doc: dict[str, Any]) -> dict[str, Any]:
    requests = [{"id": r["id"], "panel_size": r["panel_size"]} for r in doc["requests"]]
    return {**doc, "requests": requests}


def check_assignment(doc: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Verify every contract constraint and the objective, independently of the solver."""
    problems: list[str] = []
    experts = {e["id"]: e for e in doc["experts"]}
    requests = {r["id"]: r for r in doc["requests"]}
    score = {(a["request"], a["expert"]): a["score"] for a in doc["affinity"]}
    conflict = {(c["request"], c["expert"]) for c in doc["conflicts"]}
    load: Counter[str] = Counter()
    total = 0
    seen = set()
    for a in result["assignments"]:
        rid, panel = a["request"], a["experts"]
        seen.add(rid)
        rq = requests[rid]
        if len(panel) != rq["panel_size"] or len(set(panel)) != len(panel):
            problems.append(f"{rid}: panel size or distinctness")
        specs = set()
        for eid in panel:
            specs.update(experts[eid].get("specialties", []))
            load[eid] += 1
            if (rid, eid) in conflict:
                problems.append(f"{rid}: conflicted expert {eid}")
            total += score_units(score.get((rid, eid), 0.0))
        if not set(rq.get("required_specialties", [])) <= specs:
            problems.append(f"{rid}: coverage")
        limit = rq.get("max_per_organization")
        if limit is not None:
            orgs = Counter(experts[e]["organization"] for e in panel)
            if max(orgs.values()) > limit:
                problems.append(f"{rid}: organisation limit")
        if rq.get("needs_senior") and not any(experts[e].get("senior") for e in panel):
            problems.append(f"{rid}: senior")
    for eid, n in load.items():
        if n > experts[eid]["capacity"]:
            problems.append(f"{eid}: capacity")
    if seen != set(requests):
        problems.append("not every request has a panel")
    if abs(total / SCORE_UNITS - result["objective"]) > 1e-6:
        problems.append(f"objective {result['objective']} but panels sum to {total / SCORE_UNITS}")
    return problems


def run_cli(path: Path) -> tuple[float, float, float, dict[str, Any]]:
    """Run the CLI as a child process.

    Returns wall seconds, CPU seconds (user + system; unlike wall time, hardly
    affected by other load on the machine), peak RSS in MB and the output.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "thamvan.matching", "solve", str(path)],
            stdout=out,
            stderr=err,
            cwd=ROOT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"CLI failed with exit code {proc.returncode}: {err.read().decode()}")
        cpu = usage.ru_utime + usage.ru_stime
        return wall, cpu, usage.ru_maxrss / 1024, json.loads(out.read())


def baseline_flow(instance: Instance) -> tuple[int, float]:
    """Plain min-cost flow over every eligible (request, expert) pair.

    Returns the optimum in score units and the seconds taken to build and solve.
    """
    from ortools.graph.python import min_cost_flow

    start = time.perf_counter()
    n_r, n_e = len(instance.requests), len(instance.experts)
    cost = np.zeros((n_r, n_e), dtype=np.int64)
    aff = instance.affinity
    cost[aff.request_index, aff.expert_index] = -np.rint(aff.score * SCORE_UNITS).astype(np.int64)
    allowed = np.ones((n_r, n_e), dtype=np.bool_)
    for c in instance.conflicts:
        allowed[instance.request_index[c.request], instance.expert_index[c.expert]] = False
    capacity = np.array([e.capacity if e.available else 0 for e in instance.experts])
    allowed[:, capacity == 0] = False
    rows, cols = np.nonzero(allowed)
    panel = np.array([r.panel_size for r in instance.requests], dtype=np.int64)
    source, sink = n_r + n_e, n_r + n_e + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([np.full(n_r, source), rows, n_r + np.arange(n_e)]),
        np.concatenate([np.arange(n_r), n_r + cols, np.full(n_e, sink)]),
        np.concatenate([panel, np.ones(len(rows), dtype=np.int64), capacity]),
        np.concatenate(
            [np.zeros(n_r, dtype=np.int64), cost[rows, cols], np.zeros(n_e, dtype=np.int64)]
        ),
    )
    flow.set_node_supply(source, int(panel.sum()))
    flow.set_node_supply(sink, -int(panel.sum()))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SystemExit(f"baseline min-cost flow failed: {status}")
    return -int(flow.optimal_cost()), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--seed", type=int, default=20_240)
    parser.add_argument("--runs", type=int, default=3, help="CLI runs (median is reported)")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL

    doc = generate(size, args.seed)
    rows: list[tuple[str, ...]] = []
    verdicts: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "instance.json"
        path.write_text(json.dumps(doc))
        mb = path.stat().st_size / 1e6
        print(
            f"instance: {size.requests} requests x {size.experts} experts, "
            f"{len(doc['affinity'])} affinity pairs, {len(doc['conflicts'])} conflicts, "
            f"{mb:.1f} MB JSON, seed {args.seed}"
        )
        runs = [run_cli(path) for _ in range(args.runs)]
    walls = sorted(run[0] for run in runs)
    wall, slowest = walls[len(walls) // 2], walls[-1]
    cpu = sorted(run[1] for run in runs)[len(runs) // 2]
    rss = max(run[2] for run in runs)
    result = runs[0][3]
    if any(run[3] != result for run in runs):
        raise SystemExit("CLI output differs between runs")
    problems = check_assignment(doc, result) if result["status"] != "infeasible" else ["infeasible"]
    gap = result.get("gap")
    rows.append(
        (
            f"batch via CLI, all constraints (median of {args.runs})",
            f"{wall:.2f} s (max {slowest:.2f}; CPU {cpu:.2f})",
            f"{rss:.0f} MB",
            result["status"],
            f"{result['objective']}",
            f"{result['bound']}",
            f"{100 * gap:.3f} %" if gap is not None else "-",
        )
    )
    verdicts.append(
        f"batch: {'OK' if not problems else 'INVALID: ' + '; '.join(problems[:5])}"
        f" (wall < 5 s: {wall < 5}, CPU < 5 s: {cpu < 5}, RSS < 1 GB: {rss < 1024}, "
        f"optimal or gap <= 1 %: {result['status'] == 'optimal' or (gap or 1) <= 0.01})"
    )

    instance = parse_instance(doc)
    step = max(1, len(instance.requests) // 5)
    worst = 0.0
    for i in range(0, 5 * step, step):
        start = time.perf_counter()
        rec = recommend(instance, instance.requests[i].id)
        worst = max(worst, time.perf_counter() - start)
    rows.append(
        (
            f"recommend: 1 request x {len(instance.experts)} experts (worst of 5)",
            f"{worst:.3f} s",
            "",
            f"{len(rec.ranked)} ranked",
            f"{len(rec.excluded)} excluded",
            f"panel of {len(rec.suggested_panel)}",
            "",
        )
    )
    verdicts.append(f"recommend: < 0.5 s: {worst < 0.5}")

    plain = parse_instance(without_side_constraints(doc))
    start = time.perf_counter()
    ours = solve(plain)
    ours_time = time.perf_counter() - start
    base_units, base_time = baseline_flow(plain)
    ours_units = round((ours.objective or 0) * SCORE_UNITS)
    rows.append(
        (
            "transportation: matcher",
            f"{ours_time:.2f} s",
            "",
            ours.status,
            f"{ours.objective}",
            f"{ours.bound}",
            f"{100 * (ours.gap or 0):.3f} %",
        )
    )
    rows.append(
        (
            "transportation: baseline flow",
            f"{base_time:.2f} s",
            "",
            "optimal",
            f"{base_units / SCORE_UNITS}",
            "",
            "",
        )
    )
    verdicts.append(
        f"transportation: objectives equal: {ours_units == base_units}, "
        f"time ratio {ours_time / base_time:.2f} (<= 2: {ours_time <= 2 * base_time})"
    )

    header = ("case", "time", "peak RSS", "status", "objective", "bound", "gap")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for line in verdicts:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
