"""Planning-area boundaries: parse, check and measure GeoJSON polygons.

A boundary arrives as user data (drawn on the map, pasted, or exported from GIS
software) and is stored as a normalised GeoJSON geometry: a Polygon or
MultiPolygon in WGS 84 longitude/latitude, coordinates rounded to 7 decimals
(about 1 cm), rings closed, exterior rings counter-clockwise and holes clockwise
(RFC 7946). Every problem becomes a BoundaryError whose message says, in words a
non-specialist can act on, what is wrong and where.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

import shapely
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

__all__ = [
    "MAX_ARRAYS",
    "MAX_HOLES",
    "MAX_PARTS",
    "MAX_VERTICES",
    "TIME_BUDGET_SECONDS",
    "VIETNAM_BBOX",
    "BoundaryError",
    "Deadline",
    "boundary_area_ha",
    "boundary_bbox",
    "boundary_centroid",
    "parse_boundary",
]

# lon/lat; covers the mainland and the offshore islands.
VIETNAM_BBOX: Final = (102.1, 8.0, 117.9, 23.5)
# Bounds on what one boundary may hold, each far above a real plan (a district
# plan has a few thousand points and a few dozen parts) and low enough that
# checking and measuring stay well under a second.
MAX_VERTICES: Final = 50_000
MAX_PARTS: Final = 1_000  # separate polygons, in all features together
MAX_HOLES: Final = 1_000  # holes, in all parts together
# The most JSON arrays a boundary within these limits needs: one a position,
# a ring and a part, with room for other members such as bounding boxes. More
# is refused before decoding, which alone would take seconds.
MAX_ARRAYS: Final = MAX_VERTICES + MAX_HOLES + 2 * MAX_PARTS + 10_000
# The last resort if the bounds above still allow something slow.
TIME_BUDGET_SECONDS: Final = 5.0
DECIMALS: Final = 7

BoundaryErrorCode = Literal[
    "malformed", "not_polygon", "invalid", "out_of_range", "outside_vietnam", "too_complex", "empty"
]


class BoundaryError(ValidationError):
    """A boundary that cannot be stored; ``code`` says why, the message says it in words."""

    def __init__(
        self,
        message: str | StrPromise,
        code: BoundaryErrorCode,
        params: dict[str, Any] | None = None,
    ) -> None:
        # Positional like ValidationError's, so that pickling (which replays the
        # arguments) works, e.g. for errors sent between processes.
        super().__init__(message, code=code, params=params)


_GEOD: Final = Geod(ellps="WGS84")
_GEOJSON_TYPES: Final = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
        "Feature",
        "FeatureCollection",
    }
)

_MSG_JSON = _("The boundary is not valid GeoJSON: %(problem)s (line %(line)s, column %(column)s).")
_MSG_MALFORMED = _("The boundary is not valid GeoJSON: %(problem)s.")
_PROBLEM_NOT_UTF8 = _("it is not UTF-8 text")
_PROBLEM_NOT_OBJECT = _("it must be a JSON object")
_PROBLEM_NOT_FINITE = _("it contains a number that is not finite (NaN or Infinity)")
_PROBLEM_TOO_DEEP = _("it is nested too deeply")
_PROBLEM_NO_TYPE = _("an object has no “type” member")
_PROBLEM_FEATURES = _("the “features” member must be a list")
_PROBLEM_NOT_FEATURE = _("a member of “features” is not a Feature")
_PROBLEM_NO_GEOMETRY = _("a Feature has no “geometry” member")
_PROBLEM_COORDINATES = _("the “coordinates” are not nested as GeoJSON requires")
_PROBLEM_POSITION = _("a position is not a pair of numbers (longitude, latitude)")
_MSG_UNKNOWN_TYPE = _("The boundary is not valid GeoJSON: “%(type)s” is not a GeoJSON type.")
_MSG_NOT_POLYGON = _("The boundary must be a polygon or multipolygon; it is a %(type)s.")
_MSG_EMPTY = _("The boundary is empty: it contains no polygon.")
_MSG_TOO_COMPLEX = _(
    "The boundary has more than %(limit)s points. Simplify it in your GIS software and try again."
)
_MSG_TOO_MANY_PARTS = _(
    "The boundary has more than %(limit)s separate parts. Merge or remove the small ones in "
    "your GIS software and try again."
)
_MSG_TOO_MANY_HOLES = _(
    "The boundary has more than %(limit)s holes. Remove the small ones in your GIS software "
    "and try again."
)
_MSG_TOO_LARGE = _(
    "The boundary is too complex: it may have at most %(points)s points, %(parts)s parts "
    "and %(holes)s holes. Simplify it in your GIS software and try again."
)
_MSG_TOO_SLOW = _(
    "The boundary is too complex to check. Simplify it in your GIS software and try again."
)
_MSG_OUT_OF_RANGE = _(
    "The boundary’s coordinates are not longitudes and latitudes. They look like projected "
    "coordinates, such as VN-2000 in metres; the boundary must use longitude and latitude "
    "in degrees (WGS 84)."
)
_MSG_SWAPPED = _(
    "The boundary’s coordinates seem to be written as latitude, longitude. GeoJSON needs "
    "longitude first, for example 105.85, 21.03 for Hà Nội."
)
_MSG_OUTSIDE_VIETNAM = _(
    "The boundary lies partly or entirely outside Vietnam. Check that its coordinates are "
    "longitude and latitude in degrees (WGS 84) and that it is the right area."
)
_MSG_CROSSES = _("The boundary crosses itself near %(lon)s, %(lat)s. Redraw that part.")
_MSG_PARTS_OVERLAP = _(
    "Parts of the boundary overlap or touch along an edge near %(lon)s, %(lat)s. Merge "
    "those parts or redraw them."
)
_MSG_HOLE_OUTSIDE = _(
    "A hole in the boundary lies outside its outer edge near %(lon)s, %(lat)s. Redraw that part."
)
_MSG_NESTED_HOLES = _(
    "The boundary has a hole inside another hole near %(lon)s, %(lat)s. Redraw that part."
)
_MSG_DISCONNECTED = _(
    "Holes cut the boundary into separate pieces near %(lon)s, %(lat)s. Draw each piece "
    "as a separate polygon."
)
_MSG_NESTED_SHELLS = _(
    "One part of the boundary lies inside another part near %(lon)s, %(lat)s. Merge the "
    "parts or redraw them."
)
_MSG_TOO_FEW_AT = _(
    "A part of the boundary has fewer than three distinct corners near %(lon)s, %(lat)s. "
    "Redraw that part."
)
_MSG_INVALID_AT = _("The boundary is not a valid shape near %(lon)s, %(lat)s. Redraw that part.")
_MSG_INVALID = _("The boundary is not a valid shape. Redraw it.")
_MSG_TOO_FEW = _("A part of the boundary has fewer than three distinct corners. Redraw that part.")
_MSG_NO_AREA = _(
    "A part of the boundary has no area: its corners lie on one straight line. Redraw that part."
)

# GEOS validity reasons, by the start of their text (wording differs between GEOS
# versions), to the message for one polygon.
_REASONS: Final[tuple[tuple[str, StrPromise], ...]] = (
    ("ring self-intersection", _MSG_CROSSES),
    ("self-intersection", _MSG_CROSSES),
    ("hole lies outside shell", _MSG_HOLE_OUTSIDE),
    ("holes are nested", _MSG_NESTED_HOLES),
    ("nested holes", _MSG_NESTED_HOLES),
    ("interior is disconnected", _MSG_DISCONNECTED),
    ("nested shells", _MSG_NESTED_SHELLS),
    ("too few", _MSG_TOO_FEW_AT),
)
_REASON_LOCATION_RE: Final = re.compile(r"\[\s*([^\s\]]+)\s+([^\s\]]+)")


def _malformed(problem: StrPromise) -> BoundaryError:
    return BoundaryError(_MSG_MALFORMED, code="malformed", params={"problem": problem})


def _format_number(value: int) -> str:
    return number_format(value, force_grouping=True)


_lazy_number = lazy(_format_number, str)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


class _NotFinite(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NotFinite(name)


def _load(value: object) -> dict[str, Any]:
    if isinstance(value, bytes | bytearray | memoryview):
        try:
            value = bytes(value).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _malformed(_PROBLEM_NOT_UTF8) from None
    if isinstance(value, str):
        text = value.removeprefix("\ufeff")
        if not text.strip():
            raise BoundaryError(_MSG_EMPTY, code="empty")
        # Counted before decoding, which would build every one of them.
        if text.count("[") > MAX_ARRAYS:
            raise BoundaryError(
                _MSG_TOO_LARGE,
                code="too_complex",
                params={
                    "points": _lazy_number(MAX_VERTICES),
                    "parts": _lazy_number(MAX_PARTS),
                    "holes": _lazy_number(MAX_HOLES),
                },
            )
        try:
            value = json.loads(text, parse_constant=_refuse_constant)
        except json.JSONDecodeError as error:
            raise BoundaryError(
                _MSG_JSON,
                code="malformed",
                params={"problem": error.msg, "line": error.lineno, "column": error.colno},
            ) from None
        except _NotFinite:
            raise _malformed(_PROBLEM_NOT_FINITE) from None
        except RecursionError:
            raise _malformed(_PROBLEM_TOO_DEEP) from None
    if not isinstance(value, dict):
        raise _malformed(_PROBLEM_NOT_OBJECT)
    return value


def _geometry(value: object) -> dict[str, Any]:
    """A Polygon or MultiPolygon geometry object; other GeoJSON is refused by name."""
    if not isinstance(value, dict):
        raise _malformed(_PROBLEM_NOT_OBJECT)
    kind = value.get("type")
    if not isinstance(kind, str):
        raise _malformed(_PROBLEM_NO_TYPE)
    if kind in ("Polygon", "MultiPolygon"):
        return value
    if kind in _GEOJSON_TYPES:
        raise BoundaryError(_MSG_NOT_POLYGON, code="not_polygon", params={"type": kind})
    raise BoundaryError(_MSG_UNKNOWN_TYPE, code="malformed", params={"type": kind[:60]})


def _feature_geometry(feature: object) -> dict[str, Any] | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _malformed(_PROBLEM_NOT_FEATURE)
    if "geometry" not in feature:
        raise _malformed(_PROBLEM_NO_GEOMETRY)
    geometry = feature["geometry"]
    return None if geometry is None else _geometry(geometry)


def _geometries(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The polygonal geometries of a bare geometry, a Feature or a FeatureCollection."""
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise _malformed(_PROBLEM_FEATURES)
        found = [_feature_geometry(feature) for feature in features]
        return [geometry for geometry in found if geometry is not None]
    if kind == "Feature":
        geometry = _feature_geometry(data)
        return [] if geometry is None else [geometry]
    return [_geometry(data)]


_Point = tuple[float, float]
_Ring = list[_Point]
_Rings = list[_Ring]


def _too_complex(message: StrPromise, limit: int) -> BoundaryError:
    return BoundaryError(message, code="too_complex", params={"limit": _lazy_number(limit)})


class _Counter:
    """Counts parts, holes and points before they are read; refuses past any limit."""

    def __init__(self) -> None:
        self.parts = self.holes = self.vertices = 0

    def add_parts(self, count: int) -> None:
        self.parts += count
        if self.parts > MAX_PARTS:
            raise _too_complex(_MSG_TOO_MANY_PARTS, MAX_PARTS)

    def add_holes(self, count: int) -> None:
        self.holes += count
        if self.holes > MAX_HOLES:
            raise _too_complex(_MSG_TOO_MANY_HOLES, MAX_HOLES)

    def add_vertices(self, count: int) -> None:
        self.vertices += count
        if self.vertices > MAX_VERTICES:
            raise _too_complex(_MSG_TOO_COMPLEX, MAX_VERTICES)


class Deadline:
    """When a computation on one boundary gives up, checked between its steps.

    The limits above keep every step short; this bounds the sum should a
    geometry within them still prove slow.
    """

    def __init__(self, seconds: float | None = None) -> None:
        budget = TIME_BUDGET_SECONDS if seconds is None else seconds
        self._end = time.monotonic() + budget

    @property
    def passed(self) -> bool:
        return time.monotonic() > self._end

    def check(self) -> None:
        if self.passed:
            raise BoundaryError(_MSG_TOO_SLOW, code="too_complex")


def _position(value: object) -> _Point:
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise _malformed(_PROBLEM_POSITION)
    x, y = value[0], value[1]
    # bool is an int subclass, but true/false are not coordinates.
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
        raise _malformed(_PROBLEM_POSITION)
    try:
        point = (float(x), float(y))
    except OverflowError:
        raise _malformed(_PROBLEM_NOT_FINITE) from None
    if not (math.isfinite(point[0]) and math.isfinite(point[1])):
        raise _malformed(_PROBLEM_NOT_FINITE)
    return point


def _rings(value: object, counter: _Counter) -> _Rings:
    if not isinstance(value, list):
        raise _malformed(_PROBLEM_COORDINATES)
    counter.add_holes(max(len(value) - 1, 0))
    rings: _Rings = []
    for ring in value:
        if not isinstance(ring, list):
            raise _malformed(_PROBLEM_COORDINATES)
        counter.add_vertices(len(ring))
        rings.append([_position(position) for position in ring])
    return rings


def _polygons(geometry: dict[str, Any], counter: _Counter) -> list[_Rings]:
    """The rings of each polygon of a geometry (exterior first); empty polygons dropped."""
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        raise _malformed(_PROBLEM_COORDINATES)
    parts = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    counter.add_parts(len(parts))
    polygons: list[_Rings] = []
    for part in parts:
        rings = _rings(part, counter)
        if rings:
            polygons.append(rings)
    return polygons


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def _inside(points: Sequence[_Point], bbox: tuple[float, float, float, float]) -> bool:
    west, south, east, north = bbox
    return all(west <= x <= east and south <= y <= north for x, y in points)


def _check_coordinates(points: Sequence[_Point]) -> None:
    if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in points):
        # Latitude first is the commonest mix-up; with Vietnam's longitudes (> 90)
        # it always puts a "latitude" out of range, so it lands here.
        if _inside([(y, x) for x, y in points], VIETNAM_BBOX):
            raise BoundaryError(_MSG_SWAPPED, code="out_of_range")
        raise BoundaryError(_MSG_OUT_OF_RANGE, code="out_of_range")
    if not _inside(points, VIETNAM_BBOX):
        raise BoundaryError(_MSG_OUTSIDE_VIETNAM, code="outside_vietnam")


def _clean_ring(ring: _Ring) -> _Ring:
    """Round, drop repeated points and close; refuse rings that enclose no area."""
    rounded = [(round(x, DECIMALS), round(y, DECIMALS)) for x, y in ring]
    cleaned = rounded[:1] + [
        point for previous, point in itertools.pairwise(rounded) if point != previous
    ]
    if len(cleaned) > 1 and cleaned[0] == cleaned[-1]:
        cleaned.pop()
    if len(set(cleaned)) < 3:
        raise BoundaryError(_MSG_TOO_FEW, code="invalid")
    if LineString(cleaned).convex_hull.area == 0:
        raise BoundaryError(_MSG_NO_AREA, code="invalid")
    return [*cleaned, cleaned[0]]


def _format_coordinate(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _check_valid(geometry: BaseGeometry, *, between_parts: bool = False) -> None:
    """Turn GEOS's verdict into a message that says what is wrong and where."""
    reason = shapely.is_valid_reason(geometry)
    if reason == "Valid Geometry":
        return
    location = _REASON_LOCATION_RE.search(reason)
    if location is None:
        raise BoundaryError(_MSG_INVALID, code="invalid")
    try:
        lon, lat = float(location.group(1)), float(location.group(2))
    except ValueError:
        raise BoundaryError(_MSG_INVALID, code="invalid") from None
    message = _MSG_INVALID_AT
    lowered = reason.lower()
    for start, candidate in _REASONS:
        if lowered.startswith(start):
            message = candidate
            break
    if between_parts and message is _MSG_CROSSES:
        message = _MSG_PARTS_OVERLAP
    raise BoundaryError(
        message,
        code="invalid",
        params={"lon": _format_coordinate(lon), "lat": _format_coordinate(lat)},
    )


def _polygon(rings: _Rings) -> Polygon:
    polygon = Polygon(_clean_ring(rings[0]), [_clean_ring(ring) for ring in rings[1:]])
    _check_valid(polygon)
    return polygon


def _checked_shape(
    geometry: dict[str, Any], polygons: list[_Rings], deadline: Deadline
) -> Polygon | MultiPolygon:
    shapes = []
    for rings in polygons:
        deadline.check()
        shapes.append(_polygon(rings))
    if geometry["type"] == "Polygon":
        return shapes[0]
    deadline.check()
    multi = MultiPolygon(shapes)
    _check_valid(multi, between_parts=True)
    return multi


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def _oriented(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons of a geometry with exterior rings counter-clockwise and holes clockwise."""
    if isinstance(geometry, Polygon):
        parts: list[BaseGeometry] = [geometry]
    else:
        parts = list(getattr(geometry, "geoms", []))
    return [orient(part, 1.0) for part in parts if isinstance(part, Polygon) and not part.is_empty]


def _ring_coordinates(ring: Any) -> list[list[float]]:
    # Adding 0.0 turns -0.0 into 0.0 so equal boundaries serialise identically.
    return [[round(x, DECIMALS) + 0.0, round(y, DECIMALS) + 0.0] for x, y in ring.coords]


def _polygon_coordinates(polygon: Polygon) -> list[list[list[float]]]:
    return [_ring_coordinates(polygon.exterior)] + [
        _ring_coordinates(ring) for ring in polygon.interiors
    ]


def _to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    polygons = _oriented(geometry)
    if not polygons:
        raise BoundaryError(_MSG_EMPTY, code="empty")
    if isinstance(geometry, Polygon):
        return {"type": "Polygon", "coordinates": _polygon_coordinates(polygons[0])}
    return {
        "type": "MultiPolygon",
        "coordinates": [_polygon_coordinates(polygon) for polygon in polygons],
    }


def parse_boundary(value: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """Parse and check a boundary; return it as a normalised GeoJSON geometry.

    Accepts a Polygon or MultiPolygon geometry, a Feature holding one, or a
    FeatureCollection whose features are all polygonal (their union is returned,
    so adjoining parcels become one polygon). Raises BoundaryError.
    """
    deadline = Deadline()
    data = _load(value)
    geometries = _geometries(data)
    counter = _Counter()
    parsed = [(geometry, _polygons(geometry, counter)) for geometry in geometries]
    parsed = [(geometry, polygons) for geometry, polygons in parsed if polygons]
    if not parsed:
        raise BoundaryError(_MSG_EMPTY, code="empty")
    _check_coordinates(
        [point for _, polygons in parsed for rings in polygons for ring in rings for point in ring]
    )
    shapes = [_checked_shape(geometry, polygons, deadline) for geometry, polygons in parsed]
    if len(shapes) == 1:
        return _to_geojson(shapes[0])
    deadline.check()
    # Simplifying with zero tolerance drops the vertices left on former shared
    # edges. The union also introduces intersection points with arbitrary
    # decimals; snapping to the storage grid keeps the result valid, which plain
    # rounding might not.
    union = shapely.union_all(shapes).simplify(0, preserve_topology=True)
    deadline.check()
    return _to_geojson(shapely.set_precision(union, 10.0**-DECIMALS))


# ---------------------------------------------------------------------------
# Measures of a stored boundary
# ---------------------------------------------------------------------------


def _shape(geometry: dict[str, Any]) -> Polygon | MultiPolygon:
    """Build a normalised geometry (from parse_boundary) without re-checking its shape."""
    if not isinstance(geometry, dict):
        raise _malformed(_PROBLEM_NOT_OBJECT)
    checked = _geometry(geometry)
    # Within the limits parse_boundary applied, so measuring it stays bounded too.
    polygons = _polygons(checked, _Counter())
    try:
        parts = [Polygon(rings[0], rings[1:]) for rings in polygons]
    except (ValueError, TypeError, shapely.errors.GEOSException):
        raise _malformed(_PROBLEM_COORDINATES) from None
    if not parts:
        raise BoundaryError(_MSG_EMPTY, code="empty")
    if checked["type"] == "Polygon":
        return parts[0]
    return MultiPolygon(parts)


def boundary_area_ha(geometry: dict[str, Any]) -> Decimal:
    """Geodesic area on the WGS 84 ellipsoid, in hectares, to 2 decimals."""
    total = 0.0
    for polygon in _oriented(_shape(geometry)):
        area, _perimeter = _GEOD.geometry_area_perimeter(polygon)
        total += area
    return (Decimal(repr(abs(total))) / Decimal(10_000)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def boundary_bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees."""
    west, south, east, north = _shape(geometry).bounds
    return (float(west), float(south), float(east), float(north))


def boundary_centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    """(lon, lat) of a point inside the boundary: the centroid when it lies inside.

    The centroid of a crescent or of separate parts can fall outside, which would
    put a map pin in the wrong place; a point on the surface is used then.
    """
    shape = _shape(geometry)
    point = shape.centroid
    if not shape.contains(point):
        point = shape.representative_point()
    return (round(point.x, DECIMALS), round(point.y, DECIMALS))
