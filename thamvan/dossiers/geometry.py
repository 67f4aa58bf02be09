"""Facts derived from a dossier boundary, stored beside it for cheap map queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shapely.geometry import mapping, shape

from thamvan.dossiers.boundary import boundary_area_ha, boundary_bbox, boundary_centroid

# The overview map draws every visible dossier at once: outlines are
# simplified until each has at most this many vertices.
OUTLINE_MAX_VERTICES = 200
# About a metre at Hanoi's latitude; finer than any planning drawing needs on a city map.
OUTLINE_DECIMALS = 5
_FIRST_TOLERANCE = 0.00002  # degrees, about 2 m


@dataclass(frozen=True)
class BoundaryFacts:
    area_ha: Decimal
    bbox: tuple[float, float, float, float]
    centroid: tuple[float, float]
    outline: dict[str, Any]


def boundary_facts(geometry: dict[str, Any]) -> BoundaryFacts:
    minx, miny, maxx, maxy = boundary_bbox(geometry)
    lon, lat = boundary_centroid(geometry)
    return BoundaryFacts(
        area_ha=Decimal(boundary_area_ha(geometry)).quantize(Decimal("0.01")),
        bbox=(float(minx), float(miny), float(maxx), float(maxy)),
        centroid=(float(lon), float(lat)),
        outline=map_outline(geometry),
    )


def _vertex_count(geometry: Any) -> int:
    polygons = getattr(geometry, "geoms", [geometry])
    return sum(
        len(polygon.exterior.coords) + sum(len(ring.coords) for ring in polygon.interiors)
        for polygon in polygons
    )


def _rounded(coordinates: Any) -> Any:
    if isinstance(coordinates[0], int | float):
        return [round(float(value), OUTLINE_DECIMALS) for value in coordinates[:2]]
    return [_rounded(part) for part in coordinates]


def map_outline(geometry: dict[str, Any]) -> dict[str, Any]:
    """A simplified copy of the boundary with rounded coordinates, bounded in size."""
    original = shape(geometry)
    simplified = original
    tolerance = _FIRST_TOLERANCE
    while _vertex_count(simplified) > OUTLINE_MAX_VERTICES:
        simplified = original.simplify(tolerance, preserve_topology=True)
        tolerance *= 2
    result = mapping(simplified)
    return {"type": result["type"], "coordinates": _rounded(result["coordinates"])}
