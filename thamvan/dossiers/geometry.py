"""Facts derived from a dossier boundary, stored beside it for cheap map queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry

from thamvan.dossiers.boundary import (
    Deadline,
    boundary_area_ha,
    boundary_bbox,
    boundary_centroid,
    parse_boundary,
)

# The overview map draws every visible dossier at once: outlines are
# simplified until each has at most this many vertices.
OUTLINE_MAX_VERTICES: Final = 200
# Simplifying leaves every ring at least four points, so past this many rings
# the budget above cannot be met: the outline keeps the largest parts and holes.
OUTLINE_MAX_RINGS: Final = OUTLINE_MAX_VERTICES // 8
# About a metre at Hanoi's latitude; finer than any planning drawing needs on a city map.
OUTLINE_DECIMALS: Final = 5
_FIRST_TOLERANCE: Final = 0.00002  # degrees, about 2 m
# Doubling from 2 m, the tolerance passes the width of Vietnam (16°) after 20
# steps; more would change nothing.
_MAX_SIMPLIFY_STEPS: Final = 24


@dataclass(frozen=True)
class BoundaryFacts:
    """A checked boundary with what is derived from it."""

    boundary: dict[str, Any]
    area_ha: Decimal
    bbox: tuple[float, float, float, float]
    centroid: tuple[float, float]
    outline: dict[str, Any]


def boundary_facts(geometry: dict[str, Any]) -> BoundaryFacts:
    minx, miny, maxx, maxy = boundary_bbox(geometry)
    lon, lat = boundary_centroid(geometry)
    return BoundaryFacts(
        boundary=geometry,
        area_ha=Decimal(boundary_area_ha(geometry)).quantize(Decimal("0.01")),
        bbox=(float(minx), float(miny), float(maxx), float(maxy)),
        centroid=(float(lon), float(lat)),
        outline=map_outline(geometry),
    )


def checked_boundary(value: str | bytes | dict[str, Any]) -> BoundaryFacts:
    """Parse and check a boundary from user data and derive its facts; raises BoundaryError.

    Call it before opening a transaction: on SQLite a transaction holds the
    database's write lock, and no one should wait on geometry to sign in.
    """
    return boundary_facts(parse_boundary(value))


def _parts(geometry: BaseGeometry) -> list[Polygon]:
    parts = getattr(geometry, "geoms", [geometry])
    return [part for part in parts if isinstance(part, Polygon)]


def _like(geometry: BaseGeometry, parts: list[Polygon]) -> BaseGeometry:
    return parts[0] if isinstance(geometry, Polygon) else MultiPolygon(parts)


def _vertex_count(geometry: BaseGeometry) -> int:
    return sum(
        len(polygon.exterior.coords) + sum(len(ring.coords) for ring in polygon.interiors)
        for polygon in _parts(geometry)
    )


def _rounded(coordinates: Any) -> Any:
    if isinstance(coordinates[0], int | float):
        return [round(float(value), OUTLINE_DECIMALS) for value in coordinates[:2]]
    return [_rounded(part) for part in coordinates]


def _largest_rings(geometry: BaseGeometry) -> BaseGeometry:
    """The geometry with at most OUTLINE_MAX_RINGS rings: its largest parts, then holes."""
    parts = _parts(geometry)
    if sum(1 + len(part.interiors) for part in parts) <= OUTLINE_MAX_RINGS:
        return geometry
    kept = sorted(parts, key=lambda part: Polygon(part.exterior).area, reverse=True)
    kept = kept[:OUTLINE_MAX_RINGS]
    holes = sorted(
        ((index, hole) for index, part in enumerate(kept) for hole in part.interiors),
        key=lambda item: Polygon(item[1]).area,
        reverse=True,
    )[: OUTLINE_MAX_RINGS - len(kept)]
    polygons = [
        Polygon(part.exterior, [hole for at, hole in holes if at == index])
        for index, part in enumerate(kept)
    ]
    return _like(geometry, polygons)


def map_outline(geometry: dict[str, Any]) -> dict[str, Any]:
    """A simplified copy of the boundary with rounded coordinates, bounded in size.

    Always ends: the rings are first cut down to what the budget can hold, the
    simplification takes a bounded number of steps within the time budget, and
    should topology still keep too many points each part becomes its bounding box.
    """
    deadline = Deadline()
    original = _largest_rings(shape(geometry))
    simplified = original
    tolerance = _FIRST_TOLERANCE
    for _step in range(_MAX_SIMPLIFY_STEPS):
        if _vertex_count(simplified) <= OUTLINE_MAX_VERTICES or deadline.passed:
            break
        simplified = original.simplify(tolerance, preserve_topology=True)
        tolerance *= 2
    if _vertex_count(simplified) > OUTLINE_MAX_VERTICES:
        # Five points a part, and there are at most OUTLINE_MAX_RINGS parts.
        simplified = _like(original, [box(*part.bounds) for part in _parts(original)])
    result = mapping(simplified)
    return {"type": result["type"], "coordinates": _rounded(result["coordinates"])}
