"""The map outline ends and stays within its budget whatever the boundary holds."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from django.utils import translation
from django.utils.formats import number_format
from shapely.geometry import box, shape

from thamvan.dossiers import boundary
from thamvan.dossiers.boundary import (
    MAX_HOLES,
    MAX_PARTS,
    MAX_VERTICES,
    BoundaryError,
    parse_boundary,
)
from thamvan.dossiers.geometry import OUTLINE_MAX_VERTICES, map_outline
from thamvan.dossiers.tests.test_heavy_boundaries import (
    fifty_one_holes,
    fifty_one_squares,
    square,
)


def points(outline: dict[str, Any]) -> int:
    polygons = outline["coordinates"]
    if outline["type"] == "Polygon":
        polygons = [polygons]
    return sum(len(ring) for polygon in polygons for ring in polygon)


def rings(outline: dict[str, Any]) -> int:
    polygons = outline["coordinates"]
    if outline["type"] == "Polygon":
        polygons = [polygons]
    return sum(len(polygon) for polygon in polygons)


def test_fifty_one_parts_keep_the_largest_within_the_budget() -> None:
    lots = fifty_one_squares()
    # The last lot is the largest; it must survive the cut.
    lots["coordinates"][-1] = [square(105.95, 21.00, 0.01)]
    outline = map_outline(lots)
    assert outline["type"] == "MultiPolygon"
    assert points(outline) <= OUTLINE_MAX_VERTICES
    assert [[105.95, 21.0], [105.96, 21.0], [105.96, 21.01], [105.95, 21.01], [105.95, 21.0]] in [
        part[0] for part in outline["coordinates"]
    ]


def test_fifty_one_holes_keep_the_outer_edge_within_the_budget() -> None:
    area = fifty_one_holes()
    outline = map_outline(area)
    assert outline["type"] == "Polygon"
    assert outline["coordinates"][0] == [
        [105.8, 21.0],
        [106.0, 21.0],
        [106.0, 21.2],
        [105.8, 21.2],
        [105.8, 21.0],
    ]
    assert points(outline) <= OUTLINE_MAX_VERTICES


def test_a_small_boundary_is_only_rounded() -> None:
    lots = {"type": "MultiPolygon", "coordinates": fifty_one_squares()["coordinates"][:3]}
    rounded = [
        [[[round(x, 5), round(y, 5)] for x, y in ring] for ring in part]
        for part in lots["coordinates"]
    ]
    assert map_outline(lots) == {"type": "MultiPolygon", "coordinates": rounded}


def random_boundary(rng: random.Random) -> dict[str, Any]:
    """Separate parts on a grid, each with holes inside it, of random sizes and detail."""
    parts = []
    for index in range(rng.randint(1, 200)):
        lon, lat = 105.0 + 0.01 * (index % 40), 20.0 + 0.01 * (index // 40)
        size = rng.choice([0.00001, 0.0001, 0.001, 0.008])
        exterior = square(lon, lat, size)
        if rng.random() < 0.3:
            # A detailed edge: many points along the bottom side.
            steps = rng.randint(2, 500)
            exterior = [
                [lon + size * i / steps, lat + rng.uniform(-size, 0) / 10] for i in range(steps)
            ] + exterior[1:]
        holes = [
            square(lon + size * (0.1 + 0.2 * k), lat + size * 0.4, size * 0.1)[::-1]
            for k in range(rng.choice([0, 0, 1, 4]))
        ]
        parts.append([exterior, *holes])
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def test_random_boundaries_always_get_an_outline_within_the_budget() -> None:
    rng = random.Random(20_260_101)
    for _ in range(30):
        geometry = random_boundary(rng)
        outline = map_outline(geometry)
        assert outline["type"] == geometry["type"]
        assert 0 < points(outline) <= OUTLINE_MAX_VERTICES
        assert rings(outline) >= 1


def test_parts_whose_topology_resists_simplifying_become_boxes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With no time left the simplification stops at once; the outline still fits.
    monkeypatch.setattr(boundary, "TIME_BUDGET_SECONDS", 0.0)
    ring = [[105.0 + 0.0001 * i, 20.0 + 0.00001 * (i % 2)] for i in range(300)]
    geometry = {"type": "Polygon", "coordinates": [[*ring, [105.0, 20.01], ring[0]]]}
    outline = map_outline(geometry)
    assert outline["type"] == "Polygon"
    assert shape(outline).equals(box(105.0, 20.0, 105.0299, 20.01))


# --- the limits of parse_boundary ----------------------------------------------------


def lots_text(parts: int) -> str:
    one = "[[[105.8,21.0],[105.801,21.0],[105.801,21.001],[105.8,21.001],[105.8,21.0]]]"
    return '{"type":"MultiPolygon","coordinates":[' + ",".join([one] * parts) + "]}"


def grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def refusal(value: Any) -> BoundaryError:
    with pytest.raises(BoundaryError) as refused:
        parse_boundary(value)
    return refused.value


def text(error: BoundaryError) -> str:
    return str(error.messages[0])


def grid_squares(count: int, size: float = 0.004) -> list[list[list[float]]]:
    return [square(105.0 + 0.01 * (i % 40), 20.0 + 0.01 * (i // 40), size) for i in range(count)]


def test_the_parts_limit_is_inclusive() -> None:
    at_limit = {"type": "MultiPolygon", "coordinates": [[s] for s in grid_squares(MAX_PARTS)]}
    assert len(parse_boundary(at_limit)["coordinates"]) == MAX_PARTS
    with translation.override("en"):
        error = refusal(lots_text(MAX_PARTS + 1))
        assert error.code == "too_complex"
        assert text(error) == (
            f"The boundary has more than {grouped(MAX_PARTS)} separate parts. Merge or remove "
            "the small ones in your GIS software and try again."
        )


def test_the_holes_limit_is_inclusive() -> None:
    outer = square(104.9, 19.9, 1.0)
    holes = [hole[::-1] for hole in grid_squares(MAX_HOLES)]
    assert len(
        parse_boundary({"type": "Polygon", "coordinates": [outer, *holes]})["coordinates"]
    ) == (MAX_HOLES + 1)
    extra = square(105.5, 19.95, 0.001)[::-1]
    with translation.override("en"):
        error = refusal({"type": "Polygon", "coordinates": [outer, *holes, extra]})
        assert error.code == "too_complex"
        assert text(error) == (
            f"The boundary has more than {grouped(MAX_HOLES)} holes. Remove the small ones in "
            "your GIS software and try again."
        )


@pytest.mark.parametrize(
    "value",
    [
        lots_text(10_000),
        '{"type":"Polygon","coordinates":[[' + ",".join(["[105,21]"] * 1_000_000) + "]]}",
    ],
    ids=["10,000 parts", "1,000,000 points"],
)
def test_huge_boundaries_are_refused_within_a_second(value: str) -> None:
    started = time.perf_counter()
    error = refusal(value)
    elapsed = time.perf_counter() - started
    assert error.code == "too_complex"
    with translation.override("en"):
        assert text(error) == (
            f"The boundary is too complex: it may have at most {grouped(MAX_VERTICES)} points, "
            f"{grouped(MAX_PARTS)} parts and {grouped(MAX_HOLES)} holes. Simplify it in your "
            "GIS software and try again."
        )
    assert elapsed < 1.0


def test_a_boundary_past_the_time_budget_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boundary, "TIME_BUDGET_SECONDS", 0.0)
    with translation.override("en"):
        error = refusal(fifty_one_squares())
        assert error.code == "too_complex"
        assert text(error) == (
            "The boundary is too complex to check. Simplify it in your GIS software and try again."
        )
