"""Progress roll-up: a parent's progress is the weighted mean of its children's.

Cancelled tasks are left out of their parent's mean; a parent whose children
are all cancelled keeps its own reported progress. Pure functions, so the
rule is tested without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

CANCELLED = "cancelled"


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    weight: int
    progress: int
    status: str


def weighted_progress(items: Iterable[tuple[int, int, str]]) -> int | None:
    """The weighted mean of (weight, progress, status), cancelled left out; None if empty."""
    total_weight = 0
    total = 0
    for weight, progress, status in items:
        if status == CANCELLED:
            continue
        total_weight += weight
        total += weight * progress
    if total_weight == 0:
        return None
    # Half-up rounding, so 2.5 % shows as 3 % on every platform.
    return (2 * total + total_weight) // (2 * total_weight)


def rolled_up(nodes: Iterable[Node]) -> dict[int, int]:
    """Every node's effective progress, computed bottom-up over the whole forest."""
    by_id = {node.id: node for node in nodes}
    children: dict[int, list[int]] = defaultdict(list)
    for node in by_id.values():
        if node.parent_id is not None and node.parent_id in by_id:
            children[node.parent_id].append(node.id)
    result: dict[int, int] = {}

    def effective(node_id: int) -> int:
        # Iterative post-order, so deep trees cannot exhaust the stack.
        stack: list[tuple[int, bool]] = [(node_id, False)]
        while stack:
            current, expanded = stack.pop()
            if current in result:
                continue
            if not expanded:
                stack.append((current, True))
                stack.extend((child, False) for child in children[current] if child not in result)
                continue
            node = by_id[current]
            mean = weighted_progress(
                (by_id[c].weight, result[c], by_id[c].status) for c in children[current]
            )
            result[current] = node.progress if mean is None else mean
        return result[node_id]

    for node_id in by_id:
        effective(node_id)
    return result
