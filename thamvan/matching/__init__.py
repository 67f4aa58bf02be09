"""Expert matching: panel assignment for a batch, recommendations, affinity.

Deliberately free of Django so that analysts can run it on exported data;
see docs/matching.md for the problem, the JSON format and the algorithms.
"""

from thamvan.matching.instance import (
    Conflict,
    Expert,
    Instance,
    InstanceError,
    Request,
    load_instance,
    parse_instance,
)
from thamvan.matching.recommend import Recommendation, recommend
from thamvan.matching.solver import Explanation, Solution, SolverOptions, solve

__all__ = [
    "Conflict",
    "Expert",
    "Explanation",
    "Instance",
    "InstanceError",
    "Recommendation",
    "Request",
    "Solution",
    "SolverOptions",
    "load_instance",
    "parse_instance",
    "recommend",
    "solve",
]
