"""Matching instance: experts, requests, sparse affinity and conflicts.

The JSON shape is documented in docs/matching.md. Parsing is strict: the first
malformed entry raises :class:`InstanceError` whose message names it (for
example ``requests[3] (id 'r4'): panel_size must be a positive integer``), so
that an analyst can fix the export without guessing.

:class:`IndexedInstance` is the numeric form the solver and the recommender
work on: integer indices, effective capacities, bitmasks of what each expert
can cover and, per request, the positive-affinity candidates sorted by score.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Scores are compared in integer units of 1e-6 so that sums are exact and the
#: outcome does not depend on floating-point summation order.
SCORE_UNITS = 1_000_000
#: Affinity is meant to lie in [0, 1]; larger values are accepted up to this
#: cap, which keeps every objective sum far from integer overflow in the solvers.
MAX_SCORE = 1000


class InstanceError(ValueError):
    """The instance is malformed; the message names the offending entry."""


def score_units(score: float) -> int:
    """Convert an affinity score into integer objective units."""
    return round(score * SCORE_UNITS)


def units_to_score(units: int) -> float:
    return round(units / SCORE_UNITS, 6)


@dataclass(frozen=True, slots=True)
class Expert:
    id: str
    capacity: int
    organization: str | None = None
    senior: bool = False
    specialties: tuple[str, ...] = ()
    available: bool = True
    unavailable_reason: str | None = None
    open_panels: int = 0

    @property
    def usable(self) -> bool:
        """Whether the expert can take one more panel at all."""
        return self.available and self.capacity > 0


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    panel_size: int
    required_specialties: tuple[str, ...] = ()
    max_per_organization: int | None = None
    needs_senior: bool = False


@dataclass(frozen=True, slots=True)
class Conflict:
    request: str
    expert: str
    reason: str = ""


@dataclass(frozen=True, eq=False)
class AffinityTable:
    """Sparse affinity as parallel arrays; pairs are unique."""

    request_index: IntArray
    expert_index: IntArray
    score: FloatArray

    def __len__(self) -> int:
        return int(self.score.shape[0])


@dataclass(frozen=True, eq=False)
class Instance:
    experts: tuple[Expert, ...]
    requests: tuple[Request, ...]
    affinity: AffinityTable
    conflicts: tuple[Conflict, ...] = ()
    expert_index: Mapping[str, int] = field(default_factory=dict, repr=False)
    request_index: Mapping[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def create(
        cls,
        experts: Sequence[Expert],
        requests: Sequence[Request],
        affinity: Iterable[tuple[str, str, float]] = (),
        conflicts: Sequence[Conflict] = (),
    ) -> Instance:
        """Build and validate an instance from Python objects."""
        return parse_instance(
            {
                "experts": [_expert_to_json(e) for e in experts],
                "requests": [_request_to_json(r) for r in requests],
                "affinity": [{"request": r, "expert": e, "score": s} for r, e, s in affinity],
                "conflicts": [
                    {"request": c.request, "expert": c.expert, "reason": c.reason}
                    for c in conflicts
                ],
            }
        )

    @classmethod
    def assemble(
        cls,
        experts: Sequence[Expert],
        requests: Sequence[Request],
        affinity: Sequence[tuple[str, str, float]] = (),
        conflicts: Sequence[Conflict] = (),
    ) -> Instance:
        """Build an instance from objects already well formed (ids unique, scores in
        range, no repeated pair), without ``create``'s round trip through JSON: matching
        from the database builds thousands of experts on every request. Unknown ids
        still raise :class:`InstanceError`."""
        expert_index = _index_ids((e.id for e in experts), "experts")
        request_index = _index_ids((r.id for r in requests), "requests")
        rows: list[int] = []
        cols: list[int] = []
        scores: list[float] = []
        pairs = [*((r, e) for r, e, _ in affinity), *((c.request, c.expert) for c in conflicts)]
        for request_id, expert_id in pairs:
            if request_id not in request_index or expert_id not in expert_index:
                raise InstanceError(f"unknown pair (request {request_id!r}, expert {expert_id!r})")
        for request_id, expert_id, score in affinity:
            rows.append(request_index[request_id])
            cols.append(expert_index[expert_id])
            scores.append(score)
        return cls(
            experts=tuple(experts),
            requests=tuple(requests),
            affinity=AffinityTable(
                np.array(rows, dtype=np.int64),
                np.array(cols, dtype=np.int64),
                np.array(scores, dtype=np.float64),
            ),
            conflicts=tuple(conflicts),
            expert_index=expert_index,
            request_index=request_index,
        )

    def affinity_of(self, request_id: str) -> dict[str, float]:
        """Positive and explicit affinity scores of one request, keyed by expert id."""
        r = self.request_index[request_id]
        rows = np.flatnonzero(self.affinity.request_index == r)
        return {
            self.experts[int(self.affinity.expert_index[i])].id: float(self.affinity.score[i])
            for i in rows
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "experts": [_expert_to_json(e) for e in self.experts],
            "requests": [_request_to_json(r) for r in self.requests],
            "affinity": [
                {
                    "request": self.requests[int(r)].id,
                    "expert": self.experts[int(e)].id,
                    "score": float(s),
                }
                for r, e, s in zip(
                    self.affinity.request_index,
                    self.affinity.expert_index,
                    self.affinity.score,
                    strict=True,
                )
            ],
            "conflicts": [
                {"request": c.request, "expert": c.expert, "reason": c.reason}
                for c in self.conflicts
            ],
        }


def _expert_to_json(e: Expert) -> dict[str, Any]:
    return {
        "id": e.id,
        "organization": e.organization,
        "senior": e.senior,
        "capacity": e.capacity,
        "specialties": list(e.specialties),
        "available": e.available,
        "unavailable_reason": e.unavailable_reason,
        "open_panels": e.open_panels,
    }


def _request_to_json(r: Request) -> dict[str, Any]:
    return {
        "id": r.id,
        "panel_size": r.panel_size,
        "required_specialties": list(r.required_specialties),
        "max_per_organization": r.max_per_organization,
        "needs_senior": r.needs_senior,
    }


# --------------------------------------------------------------------------- parsing


def load_instance(text: str | bytes) -> Instance:
    """Parse an instance from JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except UnicodeDecodeError as exc:
        raise InstanceError(f"invalid JSON: not UTF-8 text ({exc.reason})") from None
    return parse_instance(data)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_int(value: object) -> bool:
    # bool is a subclass of int, but `true` is not a panel size.
    return type(value) is int


def _object(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InstanceError(f"{where}: expected an object, got {_kind(raw)}")
    return raw


def _entry_id(raw: dict[str, Any], where: str) -> str:
    if "id" not in raw:
        raise InstanceError(f"{where}: missing required field 'id'")
    value = raw["id"]
    if not isinstance(value, str) or not value:
        raise InstanceError(f"{where}: id must be a non-empty string, got {_kind(value)}")
    return value


def _int_field(
    raw: dict[str, Any], name: str, where: str, *, minimum: int, default: int | None = None
) -> int:
    if name not in raw or (default is not None and raw[name] is None):
        if default is None:
            raise InstanceError(f"{where}: missing required field {name!r}")
        return default
    value = raw[name]
    if not _is_int(value) or value < minimum:
        wanted = "a positive integer" if minimum == 1 else "a non-negative integer"
        raise InstanceError(f"{where}: {name} must be {wanted}, got {_kind(value)}")
    return int(value)


def _bool_field(raw: dict[str, Any], name: str, where: str, *, default: bool) -> bool:
    value = raw.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InstanceError(f"{where}: {name} must be true or false, got {_kind(value)}")
    return value


def _optional_str(raw: dict[str, Any], name: str, where: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InstanceError(f"{where}: {name} must be a string or null, got {_kind(value)}")
    return value


def _str_list(raw: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = raw.get(name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InstanceError(f"{where}: {name} must be a list of strings, got {_kind(value)}")
    for j, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise InstanceError(
                f"{where}: {name}[{j}] must be a non-empty string, got {_kind(item)}"
            )
    # Order is kept for messages; repeats carry no meaning.
    return tuple(dict.fromkeys(value))


def _parse_expert(raw_entry: object, i: int) -> Expert:
    raw = _object(raw_entry, f"experts[{i}]")
    eid = _entry_id(raw, f"experts[{i}]")
    where = f"experts[{i}] (id {eid!r})"
    return Expert(
        id=eid,
        capacity=_int_field(raw, "capacity", where, minimum=0),
        organization=_optional_str(raw, "organization", where),
        senior=_bool_field(raw, "senior", where, default=False),
        specialties=_str_list(raw, "specialties", where),
        available=_bool_field(raw, "available", where, default=True),
        unavailable_reason=_optional_str(raw, "unavailable_reason", where),
        open_panels=_int_field(raw, "open_panels", where, minimum=0, default=0),
    )


def _parse_request(raw_entry: object, i: int) -> Request:
    raw = _object(raw_entry, f"requests[{i}]")
    rid = _entry_id(raw, f"requests[{i}]")
    where = f"requests[{i}] (id {rid!r})"
    limit: int | None = None
    if raw.get("max_per_organization") is not None:
        limit = _int_field(raw, "max_per_organization", where, minimum=1)
    return Request(
        id=rid,
        panel_size=_int_field(raw, "panel_size", where, minimum=1),
        required_specialties=_str_list(raw, "required_specialties", where),
        max_per_organization=limit,
        needs_senior=_bool_field(raw, "needs_senior", where, default=False),
    )


def _list_field(data: dict[str, Any], name: str, *, required: bool) -> list[Any]:
    if name not in data or data[name] is None:
        if required:
            raise InstanceError(f"instance: missing required field {name!r}")
        return []
    value = data[name]
    if not isinstance(value, list):
        raise InstanceError(f"instance: {name} must be a list, got {_kind(value)}")
    return value


def _index_ids(ids: Iterable[str], kind: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item in enumerate(ids):
        first = index.setdefault(item, i)
        if first != i:
            raise InstanceError(
                f"{kind}[{i}] (id {item!r}): duplicate id {item!r} (first at {kind}[{first}])"
            )
    return index


def _pair_entry(
    raw_entry: object,
    i: int,
    kind: str,
    request_index: Mapping[str, int],
    expert_index: Mapping[str, int],
) -> tuple[dict[str, Any], int, int]:
    where = f"{kind}[{i}]"
    raw = _object(raw_entry, where)
    for name in ("request", "expert"):
        if name not in raw:
            raise InstanceError(f"{where}: missing required field {name!r}")
        if not isinstance(raw[name], str):
            raise InstanceError(f"{where}: {name} must be an id string, got {_kind(raw[name])}")
    r = request_index.get(raw["request"])
    if r is None:
        raise InstanceError(f"{where}: unknown request {raw['request']!r}")
    e = expert_index.get(raw["expert"])
    if e is None:
        raise InstanceError(f"{where}: unknown expert {raw['expert']!r}")
    return raw, r, e


def _check_score(raw: dict[str, Any], where: str) -> float:
    if "score" not in raw:
        raise InstanceError(f"{where}: missing required field 'score'")
    value = raw["score"]
    if type(value) not in (int, float) or not math.isfinite(value) or not 0 <= value <= MAX_SCORE:
        raise InstanceError(
            f"{where}: score must be a number between 0 and {MAX_SCORE}, got {_kind(value)}"
        )
    return float(value)


def _parse_affinity(
    raw: list[Any], request_index: Mapping[str, int], expert_index: Mapping[str, int]
) -> AffinityTable:
    n = len(raw)
    try:
        # Fast path for well-formed input: hundreds of thousands of entries are
        # common, and a per-entry validation loop would dominate the run time.
        rows = list(map(request_index.__getitem__, map(itemgetter("request"), raw)))
        cols = list(map(expert_index.__getitem__, map(itemgetter("expert"), raw)))
        scores = list(map(itemgetter("score"), raw))
        if not set(map(type, scores)) <= {float, int}:
            raise TypeError
        score = np.array(scores, dtype=np.float64)
        if not np.all((score >= 0) & (score <= MAX_SCORE)):
            raise ValueError
        fast_ok = True
    except (KeyError, TypeError, ValueError):
        fast_ok = False
    if not fast_ok:
        rows, cols, score_list = [], [], []
        for i, entry in enumerate(raw):
            obj, r, e = _pair_entry(entry, i, "affinity", request_index, expert_index)
            rows.append(r)
            cols.append(e)
            score_list.append(_check_score(obj, f"affinity[{i}]"))
        score = np.array(score_list, dtype=np.float64)
    request_arr = np.array(rows, dtype=np.int64).reshape(n)
    expert_arr = np.array(cols, dtype=np.int64).reshape(n)
    key = request_arr * max(len(expert_index), 1) + expert_arr
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    dup = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    if dup.size:
        # Report the earliest entry (in input order) that repeats a pair.
        positions = order[dup + 1]
        firsts = order[dup]
        k = int(np.argmin(positions))
        i, first = int(positions[k]), int(firsts[k])
        entry = raw[i]
        raise InstanceError(
            f"affinity[{i}]: duplicate pair (request {entry['request']!r}, "
            f"expert {entry['expert']!r}); first at affinity[{first}]"
        )
    return AffinityTable(request_arr, expert_arr, score.reshape(n))


def parse_instance(data: object) -> Instance:
    """Validate a decoded JSON document and build an :class:`Instance`."""
    if not isinstance(data, dict):
        raise InstanceError(f"instance: expected a JSON object, got {_kind(data)}")
    experts = tuple(
        _parse_expert(raw, i) for i, raw in enumerate(_list_field(data, "experts", required=True))
    )
    requests = tuple(
        _parse_request(raw, i) for i, raw in enumerate(_list_field(data, "requests", required=True))
    )
    expert_index = _index_ids((e.id for e in experts), "experts")
    request_index = _index_ids((r.id for r in requests), "requests")
    affinity = _parse_affinity(
        _list_field(data, "affinity", required=False), request_index, expert_index
    )
    conflicts: list[Conflict] = []
    for i, entry in enumerate(_list_field(data, "conflicts", required=False)):
        obj, _, _ = _pair_entry(entry, i, "conflicts", request_index, expert_index)
        reason = _optional_str(obj, "reason", f"conflicts[{i}]") or ""
        conflicts.append(Conflict(obj["request"], obj["expert"], reason))
    return Instance(
        experts=experts,
        requests=requests,
        affinity=affinity,
        conflicts=tuple(conflicts),
        expert_index=expert_index,
        request_index=request_index,
    )


# --------------------------------------------------------------------------- numeric form


@dataclass(frozen=True, eq=False)
class IndexedInstance:
    """Numeric view of an instance.

    Requirements are bitmasks over ``bits``: one bit per specialty named by an
    expert or a request, plus one bit (``senior_bit``) for seniority, so that
    coverage of a panel is a bitwise OR.
    """

    instance: Instance
    n_requests: int
    n_experts: int
    capacity: IntArray  # effective: 0 when unavailable
    organization: IntArray  # experts without one get a code of their own
    senior: BoolArray
    expert_mask: list[int]
    bits: tuple[str, ...]  # specialty names, then the senior pseudo-specialty
    senior_bit: int
    holders: list[IntArray]  # per bit, ascending expert indices
    panel_size: IntArray
    org_limit: IntArray  # max_per_organization capped by panel_size
    need: list[int]
    conflict_ptr: IntArray
    conflict_expert: IntArray
    conflict_reason: Mapping[tuple[int, int], str]
    cand_ptr: IntArray  # CSR over requests
    cand_expert: IntArray  # per request: positive affinity, eligible, best first
    cand_units: IntArray

    def conflicts_of(self, r: int) -> IntArray:
        return self.conflict_expert[self.conflict_ptr[r] : self.conflict_ptr[r + 1]]

    def candidates_of(self, r: int) -> tuple[IntArray, IntArray]:
        lo, hi = self.cand_ptr[r], self.cand_ptr[r + 1]
        return self.cand_expert[lo:hi], self.cand_units[lo:hi]

    @property
    def senior_flag(self) -> int:
        return 1 << self.senior_bit


def index_instance(instance: Instance) -> IndexedInstance:
    experts, requests = instance.experts, instance.requests
    n_e, n_r = len(experts), len(requests)

    capacity = np.array(
        [e.capacity if e.available else 0 for e in experts], dtype=np.int64
    ).reshape(n_e)
    org_codes: dict[str, int] = {}
    organization = np.empty(n_e, dtype=np.int64)
    for i, e in enumerate(experts):
        if e.organization is None:
            # Unaffiliated experts count against no organisation limit.
            organization[i] = -1 - i
        else:
            organization[i] = org_codes.setdefault(e.organization, len(org_codes))
    senior = np.array([e.senior for e in experts], dtype=np.bool_).reshape(n_e)

    names: dict[str, int] = {}
    for e in experts:
        for s in e.specialties:
            names.setdefault(s, len(names))
    for rq in requests:
        for s in rq.required_specialties:
            names.setdefault(s, len(names))
    senior_bit = len(names)
    bits = (*names, "senior")
    holder_lists: list[list[int]] = [[] for _ in bits]
    expert_mask: list[int] = []
    for i, e in enumerate(experts):
        m = 0
        for s in e.specialties:
            b = names[s]
            m |= 1 << b
            holder_lists[b].append(i)
        if e.senior:
            m |= 1 << senior_bit
            holder_lists[senior_bit].append(i)
        expert_mask.append(m)
    holders = [np.array(h, dtype=np.int64) for h in holder_lists]

    panel_size = np.array([r.panel_size for r in requests], dtype=np.int64).reshape(n_r)
    org_limit = np.array(
        [min(r.max_per_organization or r.panel_size, r.panel_size) for r in requests],
        dtype=np.int64,
    ).reshape(n_r)
    need = []
    for rq in requests:
        m = 0
        for s in rq.required_specialties:
            m |= 1 << names[s]
        if rq.needs_senior:
            m |= 1 << senior_bit
        need.append(m)

    conflict_reason: dict[tuple[int, int], str] = {}
    for c in instance.conflicts:
        key = (instance.request_index[c.request], instance.expert_index[c.expert])
        if key in conflict_reason:
            # Several records for one pair: keep every distinct reason.
            if c.reason and c.reason not in conflict_reason[key].split("; "):
                conflict_reason[key] = "; ".join(x for x in (conflict_reason[key], c.reason) if x)
        else:
            conflict_reason[key] = c.reason
    pairs = np.array(sorted(conflict_reason), dtype=np.int64).reshape(-1, 2)
    conflict_ptr = np.searchsorted(pairs[:, 0], np.arange(n_r + 1)).astype(np.int64)
    conflict_expert = pairs[:, 1].copy()

    aff = instance.affinity
    units = np.rint(aff.score * SCORE_UNITS).astype(np.int64)
    keep = (units > 0) & (capacity[aff.expert_index] > 0)
    if pairs.shape[0]:
        conflict_keys = pairs[:, 0] * n_e + pairs[:, 1]
        keep &= ~np.isin(aff.request_index * n_e + aff.expert_index, conflict_keys)
    rows, cols, units = aff.request_index[keep], aff.expert_index[keep], units[keep]
    # Best first, ties by expert index, so that every greedy step is deterministic.
    top = int(units.max()) + 1 if units.size else 1
    if (n_r + 1) * top * (n_e + 1) < 2**62:
        # One composite integer key sorts several times faster than lexsort.
        order = np.argsort((rows * top + (top - 1 - units)) * n_e + cols, kind="stable")
    else:
        order = np.lexsort((cols, -units, rows))
    rows, cols, units = rows[order], cols[order], units[order]
    cand_ptr = np.searchsorted(rows, np.arange(n_r + 1)).astype(np.int64)

    return IndexedInstance(
        instance=instance,
        n_requests=n_r,
        n_experts=n_e,
        capacity=capacity,
        organization=organization,
        senior=senior,
        expert_mask=expert_mask,
        bits=bits,
        senior_bit=senior_bit,
        holders=holders,
        panel_size=panel_size,
        org_limit=org_limit,
        need=need,
        conflict_ptr=conflict_ptr,
        conflict_expert=conflict_expert,
        conflict_reason=conflict_reason,
        cand_ptr=cand_ptr,
        cand_expert=cols.astype(np.int64),
        cand_units=units.astype(np.int64),
    )
