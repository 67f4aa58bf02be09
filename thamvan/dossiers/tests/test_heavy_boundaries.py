"""Boundaries with many parts, holes or points, through the API and the edit page.

Such a boundary once kept the outline loop running for ever inside the write
transaction, and every sign-in then failed with "database is locked".
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format

from config.api import MAX_JSON_ARRAYS
from thamvan.accounts.tokens import api_token_create
from thamvan.dossiers.boundary import MAX_HOLES, MAX_PARTS, MAX_VERTICES
from thamvan.dossiers.geometry import OUTLINE_MAX_VERTICES
from thamvan.dossiers.models import Dossier
from thamvan.dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.django_db

# The acceptance bound of the finding: far above the milliseconds a refusal takes.
REFUSED_WITHIN_SECONDS = 1.0


def square(lon: float, lat: float, size: float) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def fifty_one_squares() -> dict[str, Any]:
    """Separate lots of a plan: 51 parts, 255 points."""
    return {
        "type": "MultiPolygon",
        "coordinates": [[square(105.80 + 0.002 * i, 21.00, 0.001)] for i in range(51)],
    }


def fifty_one_holes() -> dict[str, Any]:
    """An area with 51 lots left out of it."""
    holes = [square(105.801 + 0.003 * i, 21.01, 0.001)[::-1] for i in range(51)]
    return {"type": "Polygon", "coordinates": [square(105.80, 21.00, 0.2), *holes]}


def many_parts_text(parts: int) -> str:
    # Joined as text: building the dicts and dumping them would take longer
    # than the refusal being measured.
    one = json.dumps([square(105.80, 21.00, 0.001)], separators=(",", ":"))
    return '{"type":"MultiPolygon","coordinates":[' + ",".join([one] * parts) + "]}"


def many_vertices_text(vertices: int) -> str:
    return '{"type":"Polygon","coordinates":[[' + ",".join(["[105,21]"] * vertices) + "]]}"


def api(user: Any) -> Client:
    _token, raw = api_token_create(actor=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def patch_boundary(client: Client, dossier: Dossier, boundary_json: str) -> Any:
    body = '{"boundary":' + boundary_json + "}"
    return client.patch(f"/api/v1/dossiers/{dossier.pk}", body, content_type="application/json")


def answered(message: str, **limits: int) -> str:
    """The message as a request gets it: in Vietnamese, numbers grouped with dots."""
    with translation.override("vi"):
        params = {name: number_format(value, force_grouping=True) for name, value in limits.items()}
        return translation.gettext(message) % params


TOO_MANY_ARRAYS = (
    "The request is too complex: it holds more than %(limit)s JSON arrays. A boundary may "
    "have at most %(points)s points, %(parts)s parts and %(holes)s holes; simplify it and "
    "try again."
)


def too_many_arrays() -> str:
    return answered(
        TOO_MANY_ARRAYS,
        limit=MAX_JSON_ARRAYS,
        points=MAX_VERTICES,
        parts=MAX_PARTS,
        holes=MAX_HOLES,
    )


@pytest.fixture
def dossier(orgs: Any) -> Dossier:
    return DossierFactory.create(code="QHPK-N9-2026", lead_agency=orgs.department)


def outline_points(outline: dict[str, Any]) -> int:
    polygons = outline["coordinates"]
    if outline["type"] == "Polygon":
        polygons = [polygons]
    return sum(len(ring) for polygon in polygons for ring in polygon)


@pytest.mark.parametrize("boundary", [fifty_one_squares(), fifty_one_holes()])
def test_the_api_accepts_many_parts_or_holes_with_a_bounded_outline(
    officer: Any, dossier: Dossier, boundary: dict[str, Any]
) -> None:
    response = patch_boundary(api(officer), dossier, json.dumps(boundary))
    assert response.status_code == 200, response.content
    dossier.refresh_from_db()
    assert dossier.boundary is not None
    assert dossier.boundary["type"] == boundary["type"]
    assert dossier.map_outline is not None
    assert outline_points(dossier.map_outline) <= OUTLINE_MAX_VERTICES


@pytest.mark.parametrize("boundary", [fifty_one_squares(), fifty_one_holes()])
def test_the_edit_page_accepts_many_parts_or_holes_with_a_bounded_outline(
    as_user: Any, orgs: Any, officer: Any, dossier: Dossier, boundary: dict[str, Any]
) -> None:
    from thamvan.dossiers.tests.test_form_views import form_data

    data = form_data(orgs, boundary=json.dumps(boundary))
    response = as_user(officer).post(reverse("dossiers:edit", args=[dossier.pk]), data)
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.boundary is not None
    assert len(dossier.boundary["coordinates"]) == 51 + (boundary["type"] == "Polygon")
    assert dossier.map_outline is not None
    assert outline_points(dossier.map_outline) <= OUTLINE_MAX_VERTICES


def test_the_api_refuses_ten_thousand_parts_within_a_second(officer: Any, dossier: Dossier) -> None:
    client, text = api(officer), many_parts_text(10_000)
    started = time.perf_counter()
    response = patch_boundary(client, dossier, text)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    # Refused before the body is decoded, which alone takes most of a second.
    assert response.json() == {"detail": too_many_arrays(), "code": "too_complex"}
    assert elapsed < REFUSED_WITHIN_SECONDS
    before = dossier.boundary
    dossier.refresh_from_db()
    assert dossier.boundary == before


def test_the_api_refuses_a_million_points_within_a_second(officer: Any, dossier: Dossier) -> None:
    client, text = api(officer), many_vertices_text(1_000_000)
    started = time.perf_counter()
    response = patch_boundary(client, dossier, text)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    assert response.json() == {"detail": too_many_arrays(), "code": "too_complex"}
    assert elapsed < REFUSED_WITHIN_SECONDS


def test_the_edit_page_refuses_ten_thousand_parts_next_to_the_boundary_and_keeps_the_rest(
    as_user: Any, orgs: Any, officer: Any, dossier: Dossier
) -> None:
    from thamvan.dossiers.tests.test_form_views import form_data

    data = form_data(orgs, name="Tên mới", boundary=many_parts_text(10_000))
    started = time.perf_counter()
    response = as_user(officer).post(reverse("dossiers:edit", args=[dossier.pk]), data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.context["form"].errors["boundary"] == [
        answered(
            "The boundary is too complex: it may have at most %(points)s points, %(parts)s "
            "parts and %(holes)s holes. Simplify it in your GIS software and try again.",
            points=MAX_VERTICES,
            parts=MAX_PARTS,
            holes=MAX_HOLES,
        )
    ]
    assert elapsed < REFUSED_WITHIN_SECONDS
    dossier.refresh_from_db()
    assert dossier.name != "Tên mới"


def test_the_edit_page_names_the_parts_limit_when_only_that_is_passed(
    as_user: Any, orgs: Any, officer: Any, dossier: Dossier
) -> None:
    from thamvan.dossiers.tests.test_form_views import form_data

    data = form_data(orgs, boundary=many_parts_text(MAX_PARTS + 1))
    response = as_user(officer).post(reverse("dossiers:edit", args=[dossier.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["boundary"] == [
        answered(
            "The boundary has more than %(limit)s separate parts. Merge or remove the small "
            "ones in your GIS software and try again.",
            limit=MAX_PARTS,
        )
    ]
