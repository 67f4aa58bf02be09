"""Boundary parsing, checks and measures, on real Hà Nội coordinates."""

from __future__ import annotations

import contextlib
import json
import math
import pickle
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import LinearRing, Point, shape

from thamvan.dossiers.boundary import (
    MAX_VERTICES,
    VIETNAM_BBOX,
    BoundaryError,
    boundary_area_ha,
    boundary_bbox,
    boundary_centroid,
    parse_boundary,
)

# WGS 84 ellipsoid, for an area formula independent of pyproj.
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # Messages are asserted in their English source form, whatever the .po holds.
    with translation.override("en"):
        yield


def square(lon: float, lat: float, size: float) -> list[list[float]]:
    """A counter-clockwise closed ring with its south-west corner at (lon, lat)."""
    return [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]


def polygon(*rings: list[Any]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def feature(geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"ten": "Phân khu N9"}, "geometry": geometry}


def collection(*geometries: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [feature(g) for g in geometries]}


# Around Hoàn Kiếm lake: about 107 m × 111 m.
HOAN_KIEM = polygon(square(105.851, 21.028, 0.001))


def refusal(value: Any) -> BoundaryError:
    with pytest.raises(BoundaryError) as caught:
        parse_boundary(value)
    return caught.value


def message(error: ValidationError) -> str:
    return error.messages[0]


def is_ccw(ring: list[list[float]]) -> bool:
    return LinearRing(ring).is_ccw


def graticule_area_m2(west: float, south: float, east: float, north: float) -> float:
    """Exact area of a cell bounded by meridians and parallels on the WGS 84 ellipsoid."""
    e2 = WGS84_F * (2 - WGS84_F)
    e = math.sqrt(e2)
    b = WGS84_A * (1 - WGS84_F)

    def q(latitude: float) -> float:
        s = math.sin(math.radians(latitude))
        return s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return b * b * math.radians(east - west) / 2 * (q(north) - q(south))


# ---------------------------------------------------------------------------
# Accepted boundaries and normalisation
# ---------------------------------------------------------------------------


def test_a_polygon_is_returned_normalised() -> None:
    assert parse_boundary(HOAN_KIEM) == HOAN_KIEM


def test_input_forms_are_equivalent() -> None:
    text = json.dumps(HOAN_KIEM)
    for value in (
        HOAN_KIEM,
        text,
        text.encode(),
        b"\xef\xbb\xbf" + text.encode(),
        "\ufeff" + text,
        bytearray(text.encode()),
        feature(HOAN_KIEM),
        collection(HOAN_KIEM),
        json.dumps(collection(HOAN_KIEM), ensure_ascii=False).encode(),
    ):
        assert parse_boundary(value) == HOAN_KIEM


def test_rings_are_closed_and_oriented() -> None:
    clockwise_open = square(105.851, 21.028, 0.001)[::-1][:-1]
    assert not is_ccw([*clockwise_open, clockwise_open[0]])
    result = parse_boundary(polygon(clockwise_open))
    ring = result["coordinates"][0]
    assert ring[0] == ring[-1]
    assert is_ccw(ring)
    assert shape(result).equals(shape(HOAN_KIEM))


def test_holes_are_clockwise() -> None:
    outer = square(105.85, 21.02, 0.01)
    hole = square(105.853, 21.023, 0.002)
    result = parse_boundary(polygon(outer[::-1], hole))
    exterior, interior = result["coordinates"]
    assert is_ccw(exterior)
    assert not is_ccw(interior)


def test_coordinates_are_rounded_to_seven_decimals() -> None:
    ring = [[x + 0.000000012345, y - 0.000000049] for x, y in square(105.851, 21.028, 0.001)]
    result = parse_boundary(polygon(ring))
    for x, y in result["coordinates"][0]:
        assert round(x, 7) == x
        assert round(y, 7) == y
    assert result["coordinates"][0][0] == [105.851, 21.028]


def test_repeated_points_and_heights_are_dropped() -> None:
    ring = [[105.851, 21.028, 12.5], [105.851, 21.028, 13.0], *square(105.851, 21.028, 0.001)[1:]]
    assert parse_boundary(polygon(ring)) == HOAN_KIEM


def test_output_is_plain_json() -> None:
    result = parse_boundary(HOAN_KIEM)
    assert json.loads(json.dumps(result)) == result
    assert isinstance(result["coordinates"][0][0], list)


def test_a_multipolygon_stays_one() -> None:
    west = square(105.84, 21.02, 0.002)
    east = square(105.85, 21.02, 0.002)
    value = {"type": "MultiPolygon", "coordinates": [[west], [east[::-1]]]}
    result = parse_boundary(value)
    assert result["type"] == "MultiPolygon"
    assert len(result["coordinates"]) == 2
    assert all(is_ccw(part[0]) for part in result["coordinates"])
    single = {"type": "MultiPolygon", "coordinates": [[west]]}
    assert parse_boundary(single) == {"type": "MultiPolygon", "coordinates": [[west]]}


def test_parts_touching_at_a_corner_are_valid() -> None:
    value = {
        "type": "MultiPolygon",
        "coordinates": [[square(105.85, 21.02, 0.001)], [square(105.851, 21.021, 0.001)]],
    }
    assert parse_boundary(value)["type"] == "MultiPolygon"


def test_adjoining_features_are_merged() -> None:
    value = collection(
        polygon(square(105.851, 21.028, 0.001)), polygon(square(105.852, 21.028, 0.001))
    )
    result = parse_boundary(value)
    assert result["type"] == "Polygon"
    ring = result["coordinates"][0]
    # The vertices of the former shared edge are gone.
    assert len(ring) == 5
    assert shape(result).equals(
        shape(
            polygon(
                [
                    [105.851, 21.028],
                    [105.853, 21.028],
                    [105.853, 21.029],
                    [105.851, 21.029],
                    [105.851, 21.028],
                ]
            )
        )
    )


def test_overlapping_features_are_unioned_on_the_storage_grid() -> None:
    value = collection(
        polygon([[105.85, 21.02], [105.86, 21.02], [105.85333333, 21.03], [105.85, 21.02]]),
        polygon([[105.855, 21.021], [105.865, 21.021], [105.855, 21.0290001], [105.855, 21.021]]),
    )
    result = parse_boundary(value)
    assert result["type"] == "Polygon"
    geometry = shape(result)
    assert geometry.is_valid
    for x, y in result["coordinates"][0]:
        assert round(x, 7) == x
        assert round(y, 7) == y
    assert is_ccw(result["coordinates"][0])


def test_separate_features_become_a_multipolygon() -> None:
    value = collection(
        polygon(square(105.84, 21.02, 0.001)),
        None,
        {"type": "MultiPolygon", "coordinates": [[square(105.86, 21.02, 0.001)]]},
    )
    result = parse_boundary(value)
    assert result["type"] == "MultiPolygon"
    assert len(result["coordinates"]) == 2


def test_empty_polygons_inside_a_multipolygon_are_dropped() -> None:
    value = {"type": "MultiPolygon", "coordinates": [[], [square(105.851, 21.028, 0.001)]]}
    assert parse_boundary(value) == {
        "type": "MultiPolygon",
        "coordinates": [HOAN_KIEM["coordinates"]],
    }


@pytest.mark.parametrize(
    "place",
    [
        (105.85, 21.03),  # Hà Nội
        (106.70, 10.77),  # Thành phố Hồ Chí Minh
        (103.84, 22.33),  # Sa Pa
        (104.75, 8.60),  # Mũi Cà Mau
        (116.0, 9.5),  # Trường Sa
        (111.6, 16.5),  # Hoàng Sa
    ],
)
def test_places_across_vietnam_are_inside(place: tuple[float, float]) -> None:
    assert parse_boundary(polygon(square(*place, 0.01)))["type"] == "Polygon"


def test_the_vertex_limit_is_inclusive() -> None:
    def circle(points: int) -> list[list[float]]:
        ring = [
            [
                105.85 + 0.01 * math.cos(2 * math.pi * i / points),
                21.03 + 0.01 * math.sin(2 * math.pi * i / points),
            ]
            for i in range(points)
        ]
        return [*ring, ring[0]]

    assert parse_boundary(polygon(circle(MAX_VERTICES - 1)))["type"] == "Polygon"
    error = refusal(polygon(circle(MAX_VERTICES)))
    assert error.code == "too_complex"
    assert message(error) == (
        f"The boundary has more than {number_format(MAX_VERTICES, force_grouping=True)} points. "
        "Simplify it in your GIS software and try again."
    )


def test_the_vertex_limit_counts_every_feature() -> None:
    per_feature = MAX_VERTICES // 4 + 1
    ring = [
        [
            105.85 + 0.01 * math.cos(2 * math.pi * i / per_feature),
            21.03 + 0.01 * math.sin(2 * math.pi * i / per_feature),
        ]
        for i in range(per_feature - 1)
    ]
    ring.append(ring[0])
    assert refusal(collection(*[polygon(ring)] * 4)).code == "too_complex"


def test_vietnam_bbox() -> None:
    assert VIETNAM_BBOX == (102.1, 8.0, 117.9, 23.5)


# ---------------------------------------------------------------------------
# Refused boundaries
# ---------------------------------------------------------------------------


def test_malformed_json_names_the_line_and_column() -> None:
    error = refusal('{"type": "Polygon",\n  "coordinates": [[[105.85, 21.03],]]}')
    assert error.code == "malformed"
    assert message(error) == (
        "The boundary is not valid GeoJSON: Expecting value (line 2, column 36)."
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (b"\xff\xfe{}", "it is not UTF-8 text"),
        ("[1, 2]", "it must be a JSON object"),
        ("42", "it must be a JSON object"),
        ("null", "it must be a JSON object"),
        ([HOAN_KIEM], "it must be a JSON object"),
        (None, "it must be a JSON object"),
        (42, "it must be a JSON object"),
        (
            '{"type": "Polygon", "coordinates": [[[NaN, 21.0]]]}',
            "it contains a number that is not finite (NaN or Infinity)",
        ),
        (
            '{"type": "Polygon", "coordinates": [[[Infinity, 21.0]]]}',
            "it contains a number that is not finite (NaN or Infinity)",
        ),
        # Deep, yet under the count of arrays refused before decoding.
        ("[" * 50_000 + "]" * 50_000, "it is nested too deeply"),
        ({}, "an object has no “type” member"),
        ({"type": 5}, "an object has no “type” member"),
        ({"type": "FeatureCollection"}, "the “features” member must be a list"),
        (
            {"type": "FeatureCollection", "features": {"a": 1}},
            "the “features” member must be a list",
        ),
        (
            {"type": "FeatureCollection", "features": [HOAN_KIEM]},
            "a member of “features” is not a Feature",
        ),
        (
            {"type": "FeatureCollection", "features": ["x"]},
            "a member of “features” is not a Feature",
        ),
        ({"type": "Feature"}, "a Feature has no “geometry” member"),
        ({"type": "Feature", "geometry": "POLYGON"}, "it must be a JSON object"),
        ({"type": "Feature", "geometry": {"coordinates": []}}, "an object has no “type” member"),
        ({"type": "Polygon"}, "the “coordinates” are not nested as GeoJSON requires"),
        (
            {"type": "Polygon", "coordinates": "105.85 21.03"},
            "the “coordinates” are not nested as GeoJSON requires",
        ),
        (
            {"type": "Polygon", "coordinates": [[105.85, 21.03]]},
            "a position is not a pair of numbers (longitude, latitude)",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [square(105.85, 21.03, 0.01)]},
            "a position is not a pair of numbers (longitude, latitude)",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [1]},
            "the “coordinates” are not nested as GeoJSON requires",
        ),
        (
            polygon([[105.85], [105.86, 21.03], [105.86, 21.04]]),
            "a position is not a pair of numbers (longitude, latitude)",
        ),
        (
            polygon([[105.85, "21.03"], [105.86, 21.03], [105.86, 21.04]]),
            "a position is not a pair of numbers (longitude, latitude)",
        ),
        (
            polygon([[True, False], [105.86, 21.03], [105.86, 21.04]]),
            "a position is not a pair of numbers (longitude, latitude)",
        ),
        (
            polygon([[105.85, None], [105.86, 21.03], [105.86, 21.04]]),
            "a position is not a pair of numbers (longitude, latitude)",
        ),
        (
            polygon([{"x": 105.85, "y": 21.03}, [105.86, 21.03], [105.86, 21.04]]),
            "a position is not a pair of numbers (longitude, latitude)",
        ),
        (
            polygon([[float("nan"), 21.03], [105.86, 21.03], [105.86, 21.04]]),
            "it contains a number that is not finite (NaN or Infinity)",
        ),
        (
            polygon([[10**400, 21.03], [105.86, 21.03], [105.86, 21.04]]),
            "it contains a number that is not finite (NaN or Infinity)",
        ),
    ],
)
def test_malformed_structures(value: Any, problem: str) -> None:
    error = refusal(value)
    assert error.code == "malformed"
    assert message(error) == f"The boundary is not valid GeoJSON: {problem}."


def test_an_unknown_type() -> None:
    error = refusal({"type": "Polygone", "coordinates": []})
    assert error.code == "malformed"
    assert message(error) == "The boundary is not valid GeoJSON: “Polygone” is not a GeoJSON type."


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({"type": "LineString", "coordinates": [[105.85, 21.03], [105.86, 21.04]]}, "LineString"),
        ({"type": "Point", "coordinates": [105.85, 21.03]}, "Point"),
        ({"type": "MultiPoint", "coordinates": [[105.85, 21.03]]}, "MultiPoint"),
        (
            {"type": "MultiLineString", "coordinates": [[[105.85, 21.03], [105.86, 21.04]]]},
            "MultiLineString",
        ),
        ({"type": "GeometryCollection", "geometries": [HOAN_KIEM]}, "GeometryCollection"),
        (
            collection(
                HOAN_KIEM, {"type": "LineString", "coordinates": [[105.85, 21.03], [105.86, 21.04]]}
            ),
            "LineString",
        ),
        (feature({"type": "Point", "coordinates": [105.85, 21.03]}), "Point"),
    ],
)
def test_not_a_polygon(value: Any, kind: str) -> None:
    error = refusal(value)
    assert error.code == "not_polygon"
    assert message(error) == f"The boundary must be a polygon or multipolygon; it is a {kind}."


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   \n",
        b"",
        {"type": "FeatureCollection", "features": []},
        collection(None, None),
        feature(None),
        {"type": "Polygon", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": [[], []]},
    ],
)
def test_empty_boundaries(value: Any) -> None:
    error = refusal(value)
    assert error.code == "empty"
    assert message(error) == "The boundary is empty: it contains no polygon."


def test_self_intersection_names_the_crossing() -> None:
    bow_tie = polygon(
        [[105.8, 21.0], [105.8246, 21.0602], [105.8246, 21.0], [105.8, 21.0602], [105.8, 21.0]]
    )
    error = refusal(bow_tie)
    assert error.code == "invalid"
    assert message(error) == "The boundary crosses itself near 105.8123, 21.0301. Redraw that part."


def test_crossing_coordinates_are_rounded_to_six_decimals() -> None:
    bow_tie = polygon(
        [[105.8123456789, 21.0301], [105.86, 21.04], [105.86, 21.03], [105.8123456789, 21.04]]
    )
    error = refusal(bow_tie)
    assert error.params is not None
    assert (error.params["lon"], error.params["lat"]) == ("105.836053", "21.035025")


def test_a_ring_that_touches_itself() -> None:
    ring = [
        [105.85, 21.03],
        [105.86, 21.03],
        [105.86, 21.04],
        [105.85, 21.04],
        [105.85, 21.03],
        [105.85, 21.02],
        [105.851, 21.02],
        [105.85, 21.03],
    ]
    error = refusal(polygon(ring))
    assert error.code == "invalid"
    assert message(error) == "The boundary crosses itself near 105.85, 21.03. Redraw that part."


def test_a_hole_outside_the_outer_edge() -> None:
    error = refusal(polygon(square(105.85, 21.02, 0.01), square(105.87, 21.05, 0.001)))
    assert error.code == "invalid"
    assert message(error) == (
        "A hole in the boundary lies outside its outer edge near 105.87, 21.05. Redraw that part."
    )


def test_a_hole_inside_a_hole() -> None:
    error = refusal(
        polygon(
            square(105.80, 21.00, 0.1), square(105.81, 21.01, 0.08), square(105.82, 21.02, 0.01)
        )
    )
    assert error.code == "invalid"
    assert message(error) == (
        "The boundary has a hole inside another hole near 105.82, 21.02. Redraw that part."
    )


def test_holes_that_cut_the_boundary_apart() -> None:
    outer = square(105.80, 21.00, 0.1)
    diamond = [[105.80, 21.05], [105.85, 21.00], [105.90, 21.05], [105.85, 21.10], [105.80, 21.05]]
    error = refusal(polygon(outer, diamond))
    assert error.code == "invalid"
    assert message(error).startswith("Holes cut the boundary into separate pieces near ")


def test_parts_inside_parts() -> None:
    value = {
        "type": "MultiPolygon",
        "coordinates": [[square(105.80, 21.00, 0.1)], [square(105.82, 21.02, 0.01)]],
    }
    error = refusal(value)
    assert error.code == "invalid"
    assert message(error) == (
        "One part of the boundary lies inside another part near 105.82, 21.02. Merge the parts "
        "or redraw them."
    )


@pytest.mark.parametrize(
    "second",
    [square(105.805, 21.005, 0.01), square(105.81, 21.0, 0.01)],
    ids=["overlapping", "sharing-an-edge"],
)
def test_parts_that_overlap(second: list[list[float]]) -> None:
    value = {"type": "MultiPolygon", "coordinates": [[square(105.80, 21.00, 0.01)], [second]]}
    error = refusal(value)
    assert error.code == "invalid"
    assert message(error).startswith("Parts of the boundary overlap or touch along an edge near ")


@pytest.mark.parametrize(
    "ring",
    [
        [],
        [[105.85, 21.03]],
        [[105.85, 21.03], [105.86, 21.03]],
        [[105.85, 21.03], [105.86, 21.03], [105.85, 21.03]],
        [[105.85, 21.03], [105.85, 21.03], [105.85, 21.03], [105.85, 21.03]],
        [[105.85, 21.03], [105.85000000001, 21.03], [105.86, 21.03], [105.86, 21.03000000002]],
    ],
)
def test_rings_with_too_few_corners(ring: list[list[float]]) -> None:
    error = refusal(polygon(ring))
    assert error.code == "invalid"
    assert message(error) == (
        "A part of the boundary has fewer than three distinct corners. Redraw that part."
    )


def test_a_ring_on_one_line_has_no_area() -> None:
    error = refusal(polygon([[105.85, 21.03], [105.86, 21.03], [105.87, 21.03], [105.85, 21.03]]))
    assert error.code == "invalid"
    assert message(error) == (
        "A part of the boundary has no area: its corners lie on one straight line. Redraw that "
        "part."
    )


def test_an_invalid_feature_in_a_collection() -> None:
    bow_tie = polygon([[105.8, 21.0], [105.8246, 21.0602], [105.8246, 21.0], [105.8, 21.0602]])
    error = refusal(collection(HOAN_KIEM, bow_tie))
    assert message(error) == "The boundary crosses itself near 105.8123, 21.0301. Redraw that part."


def test_unexplained_validity_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    from thamvan.dossiers import boundary

    for reason, expected in [
        (
            "Something new[105.85 21.03]",
            "The boundary is not a valid shape near 105.85, 21.03. Redraw that part.",
        ),
        (
            "Too few points in geometry component[105.85 21.03]",
            "A part of the boundary has fewer than three distinct corners near 105.85, 21.03. "
            "Redraw that part.",
        ),
        ("Something new", "The boundary is not a valid shape. Redraw it."),
        ("Self-intersection[nan x]", "The boundary is not a valid shape. Redraw it."),
    ]:
        monkeypatch.setattr(boundary.shapely, "is_valid_reason", lambda geometry, r=reason: r)
        error = refusal(HOAN_KIEM)
        assert error.code == "invalid"
        assert message(error) == expected


@pytest.mark.parametrize(
    "ring",
    [
        # VN-2000 / UTM zone 48N metres around Hà Nội.
        [
            [586_000.0, 2_326_000.0],
            [587_000.0, 2_326_000.0],
            [587_000.0, 2_327_000.0],
            [586_000.0, 2_326_000.0],
        ],
        # Web Mercator metres.
        [
            [11_783_000.0, 2_422_000.0],
            [11_784_000.0, 2_422_000.0],
            [11_784_000.0, 2_423_000.0],
            [11_783_000.0, 2_422_000.0],
        ],
        [[200.0, 21.0], [200.1, 21.0], [200.1, 21.1], [200.0, 21.0]],
    ],
)
def test_projected_coordinates(ring: list[list[float]]) -> None:
    error = refusal(polygon(ring))
    assert error.code == "out_of_range"
    assert message(error) == (
        "The boundary’s coordinates are not longitudes and latitudes. They look like projected "
        "coordinates, such as VN-2000 in metres; the boundary must use longitude and latitude "
        "in degrees (WGS 84)."
    )


def test_latitude_written_first() -> None:
    swapped = [[y, x] for x, y in square(105.851, 21.028, 0.001)]
    error = refusal(polygon(swapped))
    assert error.code == "out_of_range"
    assert message(error) == (
        "The boundary’s coordinates seem to be written as latitude, longitude. GeoJSON needs "
        "longitude first, for example 105.85, 21.03 for Hà Nội."
    )


@pytest.mark.parametrize(
    "ring",
    [
        square(100.50, 13.75, 0.01),  # Bangkok
        square(2.35, 48.85, 0.01),  # Paris
        square(0.0, 0.0, 0.01),  # Null Island, a common default
        square(117.85, 21.0, 0.1),  # Crosses the eastern edge
    ],
)
def test_outside_vietnam(ring: list[list[float]]) -> None:
    error = refusal(polygon(ring))
    assert error.code == "outside_vietnam"
    assert message(error) == (
        "The boundary lies partly or entirely outside Vietnam. Check that its coordinates are "
        "longitude and latitude in degrees (WGS 84) and that it is the right area."
    )


def test_boundary_error_is_a_validation_error() -> None:
    error = refusal("")
    assert isinstance(error, ValidationError)
    assert error.messages == [message(error)]


# ---------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------


def test_area_of_a_graticule_square_matches_the_ellipsoid_formula() -> None:
    west, south, size = 105.84, 21.02, 0.01
    geometry = parse_boundary(polygon(square(west, south, size)))
    expected_ha = graticule_area_m2(west, south, west + size, south + size) / 10_000
    area = boundary_area_ha(geometry)
    assert isinstance(area, Decimal)
    assert area == area.quantize(Decimal("0.01"))
    assert abs(float(area) - expected_ha) / expected_ha < 0.005
    # The formula itself is exact; the geodesic edges of so small a cell differ from
    # its parallels by far less than the 0.01 ha rounding.
    assert abs(float(area) - expected_ha) < 0.01


def test_area_of_a_square_kilometre_drawn_in_vn2000_metres() -> None:
    # EPSG:3405 is VN-2000 / UTM zone 48N: a 1 km square there is 100 ha, up to
    # the projection's scale factor of about 0.9996 near its central meridian.
    to_degrees = Transformer.from_crs("EPSG:3405", "EPSG:4326", always_xy=True)
    x0, y0 = 588_000.0, 2_326_000.0
    corners = [(x0, y0), (x0 + 1000, y0), (x0 + 1000, y0 + 1000), (x0, y0 + 1000), (x0, y0)]
    ring = [list(to_degrees.transform(x, y)) for x, y in corners]
    area = boundary_area_ha(parse_boundary(polygon(ring)))
    assert abs(float(area) - 100) / 100 < 0.005


def test_area_subtracts_holes_and_adds_parts() -> None:
    outer = square(105.84, 21.02, 0.02)
    hole = square(105.845, 21.025, 0.01)
    whole = boundary_area_ha(parse_boundary(polygon(outer)))
    quarter = boundary_area_ha(parse_boundary(polygon(hole)))
    holed = boundary_area_ha(parse_boundary(polygon(outer, hole)))
    assert abs(holed - (whole - quarter)) <= Decimal("0.02")
    two = {
        "type": "MultiPolygon",
        "coordinates": [[square(105.80, 21.0, 0.01)], [square(105.90, 21.0, 0.01)]],
    }
    parts = [
        boundary_area_ha(parse_boundary(polygon(square(x, 21.0, 0.01)))) for x in (105.80, 105.90)
    ]
    assert abs(boundary_area_ha(parse_boundary(two)) - sum(parts)) <= Decimal("0.02")


def test_area_ignores_ring_orientation() -> None:
    clockwise = {"type": "Polygon", "coordinates": [square(105.84, 21.02, 0.01)[::-1]]}
    assert boundary_area_ha(clockwise) == boundary_area_ha(parse_boundary(clockwise)) > 0


def test_bbox() -> None:
    geometry = parse_boundary(
        polygon([[105.84, 21.02], [105.86, 21.03], [105.85, 21.05], [105.84, 21.02]])
    )
    assert boundary_bbox(geometry) == (105.84, 21.02, 105.86, 21.05)
    assert all(isinstance(value, float) for value in boundary_bbox(geometry))


def test_centroid_of_a_square_is_its_centre() -> None:
    assert boundary_centroid(HOAN_KIEM) == (105.8515, 21.0285)


def test_centroid_of_a_crescent_lies_inside_it() -> None:
    # A U shape, open to the north: its centroid falls in the empty middle.
    u_shape = polygon(
        [
            [105.80, 21.00],
            [105.83, 21.00],
            [105.83, 21.03],
            [105.82, 21.03],
            [105.82, 21.01],
            [105.81, 21.01],
            [105.81, 21.03],
            [105.80, 21.03],
            [105.80, 21.00],
        ]
    )
    geometry = parse_boundary(u_shape)
    assert not shape(geometry).contains(shape(geometry).centroid)
    lon, lat = boundary_centroid(geometry)
    assert shape(geometry).contains(Point(lon, lat))


def test_centroid_of_separate_parts_lies_in_one_of_them() -> None:
    value = {
        "type": "MultiPolygon",
        "coordinates": [[square(105.80, 21.0, 0.01)], [square(105.90, 21.0, 0.01)]],
    }
    lon, lat = boundary_centroid(parse_boundary(value))
    assert shape(value).contains(Point(lon, lat))


@pytest.mark.parametrize(
    ("geometry", "code"),
    [
        ({}, "malformed"),
        ("POLYGON", "malformed"),
        ({"type": "Point", "coordinates": [105.85, 21.03]}, "not_polygon"),
        ({"type": "Polygon", "coordinates": [[["a", "b"]]]}, "malformed"),
        ({"type": "Polygon", "coordinates": [[[105.85, 21.03], [105.86, 21.03]]]}, "malformed"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ({"type": "Polygon"}, "malformed"),
    ],
)
def test_measures_refuse_malformed_geometries(geometry: Any, code: str) -> None:
    for measure in (boundary_area_ha, boundary_bbox, boundary_centroid):
        with pytest.raises(BoundaryError) as caught:
            measure(geometry)
        assert caught.value.code == code


# ---------------------------------------------------------------------------
# Properties on generated input
# ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["type", "coordinates", "features", "geometry", "x"])
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=40,
)
geojson_like = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["Polygon", "MultiPolygon", "Feature", "FeatureCollection", "LineString", "Polygone"]
        ),
    },
    optional={
        "coordinates": json_values,
        "features": st.lists(json_values, max_size=3),
        "geometry": json_values,
    },
)


@hypothesis_settings(max_examples=400, deadline=None)
@given(st.one_of(json_values, geojson_like))
def test_any_input_gives_a_geometry_or_a_boundary_error(value: Any) -> None:
    for candidate in (value, json.dumps(value, allow_nan=True)):
        try:
            result = parse_boundary(candidate)
        except BoundaryError:
            continue
        assert result["type"] in ("Polygon", "MultiPolygon")


@given(st.binary(max_size=200))
def test_any_bytes_give_a_geometry_or_a_boundary_error(value: bytes) -> None:
    with contextlib.suppress(BoundaryError):
        parse_boundary(value)


hanoi_rectangles = st.tuples(
    st.floats(105.70, 105.95),
    st.floats(20.90, 21.15),
    st.floats(0.0005, 0.05),
    st.floats(0.0005, 0.05),
)


@hypothesis_settings(max_examples=150, deadline=None)
@given(hanoi_rectangles, st.booleans())
def test_rectangles_in_hanoi(rectangle: tuple[float, float, float, float], clockwise: bool) -> None:
    west, south, width, height = rectangle
    east, north = west + width, south + height
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    geometry = parse_boundary(polygon(ring[::-1] if clockwise else ring))
    assert is_ccw(geometry["coordinates"][0])
    assert parse_boundary(geometry) == geometry
    rounded = [round(value, 7) for value in (west, south, east, north)]
    expected_ha = graticule_area_m2(*rounded) / 10_000
    area = float(boundary_area_ha(geometry))
    assert abs(area - expected_ha) <= max(0.005 * expected_ha, 0.01)
    bbox_west, bbox_south, bbox_east, bbox_north = boundary_bbox(geometry)
    lon, lat = boundary_centroid(geometry)
    assert bbox_west <= lon <= bbox_east
    assert bbox_south <= lat <= bbox_north


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(0.2, 1.0), min_size=3, max_size=40),
    st.floats(0, 2 * math.pi),
)
def test_star_shaped_polygons_are_valid_and_stable(radii: list[float], turn: float) -> None:
    # Vertices at increasing angles around a centre always form a simple polygon.
    count = len(radii)
    ring = [
        [
            105.85 + 0.01 * radius * math.cos(turn + 2 * math.pi * index / count),
            21.03 + 0.01 * radius * math.sin(turn + 2 * math.pi * index / count),
        ]
        for index, radius in enumerate(radii)
    ]
    geometry = parse_boundary(polygon(ring[::-1]))
    assert shape(geometry).is_valid
    assert is_ccw(geometry["coordinates"][0])
    assert parse_boundary(geometry) == geometry
    assert boundary_area_ha(geometry) > 0
    lon, lat = boundary_centroid(geometry)
    assert shape(geometry).contains(Point(lon, lat))


def test_errors_survive_pickling() -> None:
    error = refusal({"type": "LineString", "coordinates": []})
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, BoundaryError)
    assert copy.code == "not_polygon"
    assert message(copy) == message(error)
