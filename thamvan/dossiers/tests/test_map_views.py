from __future__ import annotations

import json
import math
from typing import Any

import pytest
from django.urls import reverse

from thamvan.dossiers import views
from thamvan.dossiers.models import Dossier
from thamvan.dossiers.tests.factories import DossierFactory, hanoi_polygon

PAGE_URL = reverse("dossiers:map")
DATA_URL = reverse("dossiers:map_data")


def feature_codes(response: Any) -> set[str]:
    return {feature["properties"]["code"] for feature in response.json()["features"]}


def test_the_map_page_loads_leaflet_and_its_configuration_without_inline_script(
    as_user: Any, outsider: Any
) -> None:
    response = as_user(outsider).get(PAGE_URL)
    assert response.status_code == 200
    assert "leaflet/leaflet.js" in response.text
    assert "js/dossier-map.js" in response.text
    assert 'id="dossier-map-config" type="application/json"' in response.text
    assert "<script>" not in response.text
    assert "style=" not in response.text


def test_the_map_page_and_data_need_a_signed_in_user(client: Any) -> None:
    assert client.get(PAGE_URL).status_code == 302
    assert client.get(DATA_URL).status_code == 302


def test_the_map_data_lists_only_dossiers_the_user_may_see(
    as_user: Any, orgs: Any, officer: Any, other_officer: Any, outsider: Any
) -> None:
    DossierFactory.create(
        code="RESTRICTED", lead_agency=orgs.department, confidentiality="restricted"
    )
    DossierFactory.create(code="INTERNAL", lead_agency=orgs.department, confidentiality="internal")
    DossierFactory.create(code="PUBLIC", lead_agency=orgs.department, confidentiality="public")
    assert feature_codes(as_user(officer).get(DATA_URL)) == {"RESTRICTED", "INTERNAL", "PUBLIC"}
    assert feature_codes(as_user(other_officer).get(DATA_URL)) == {"INTERNAL", "PUBLIC"}
    assert feature_codes(as_user(outsider).get(DATA_URL)) == {"PUBLIC"}


def test_each_feature_carries_the_outline_the_centroid_and_a_link(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    dossier = DossierFactory.create(code="QHPK-N9-2026", lead_agency=orgs.department)
    (feature,) = as_user(officer).get(DATA_URL).json()["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["url"] == dossier.get_absolute_url()
    lon, lat = feature["properties"]["centroid"]
    assert math.isclose(lon, 105.853, abs_tol=1e-3)
    assert math.isclose(lat, 21.029, abs_tol=1e-3)


def test_dossiers_without_a_boundary_are_left_off_the_map(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    DossierFactory.create(code="NO-BOUNDARY", boundary=None, lead_agency=orgs.department)
    assert feature_codes(as_user(officer).get(DATA_URL)) == set()


def test_the_bbox_parameter_keeps_only_dossiers_in_that_area(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    DossierFactory.create(code="CENTRE", lead_agency=orgs.department)
    DossierFactory.create(code="EAST", lead_agency=orgs.department, boundary=hanoi_polygon(0.1))
    client = as_user(officer)
    assert feature_codes(client.get(DATA_URL, {"bbox": "105.84,21.02,105.86,21.04"})) == {"CENTRE"}
    assert feature_codes(client.get(DATA_URL, {"bbox": "105.90,21.00,106.00,21.10"})) == {"EAST"}


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "106,21,105,22", "nan,1,2,3", "inf,1,2,3"])
def test_a_malformed_bbox_is_answered_with_400_not_an_error_page(
    as_user: Any, officer: Any, bbox: str
) -> None:
    response = as_user(officer).get(DATA_URL, {"bbox": bbox})
    assert response.status_code == 400
    assert response.json()["error"] == views.BAD_BBOX


def test_the_list_filters_apply_to_the_map_data(as_user: Any, orgs: Any, officer: Any) -> None:
    DossierFactory.create(code="DONG-DA", name="Phân khu Đống Đa", lead_agency=orgs.department)
    DossierFactory.create(code="BA-DINH", name="Phân khu Ba Đình", lead_agency=orgs.department)
    assert feature_codes(as_user(officer).get(DATA_URL, {"q": "dong da"})) == {"DONG-DA"}


def test_the_payload_is_bounded_and_says_when_it_was_cut(
    as_user: Any, orgs: Any, officer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MAP_FEATURE_LIMIT", 2)
    DossierFactory.create_batch(3, lead_agency=orgs.department)
    data = as_user(officer).get(DATA_URL).json()
    assert len(data["features"]) == 2
    assert data["truncated"] is True


def test_outlines_are_simplified_for_the_map(as_user: Any, orgs: Any, officer: Any) -> None:
    # A circle-like boundary with 2,000 vertices.
    ring = [
        [
            105.85 + 0.01 * math.cos(2 * math.pi * i / 2000),
            21.03 + 0.01 * math.sin(2 * math.pi * i / 2000),
        ]
        for i in range(2000)
    ]
    ring.append(ring[0])
    DossierFactory.create(
        lead_agency=orgs.department, boundary={"type": "Polygon", "coordinates": [ring]}
    )
    (feature,) = as_user(officer).get(DATA_URL).json()["features"]
    vertices = sum(len(part) for part in feature["geometry"]["coordinates"])
    assert 4 <= vertices <= 200
    assert len(json.dumps(feature)) < 10_000


def test_the_map_data_query_count_does_not_grow_with_the_number_of_dossiers(
    as_user: Any, orgs: Any, officer: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(officer)
    DossierFactory.create_batch(3, lead_agency=orgs.department)
    client.get(DATA_URL)
    with django_assert_max_num_queries(8) as few:
        client.get(DATA_URL)
    DossierFactory.create_batch(30, lead_agency=orgs.ward, confidentiality="public")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(DATA_URL)
    assert len(response.json()["features"]) == 33


def test_each_feature_names_its_kind_in_the_users_language_and_links_its_own_page(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    first = DossierFactory.create(code="QHPK-1", lead_agency=orgs.department)
    second = DossierFactory.create(
        code="QHPK-2", lead_agency=orgs.department, kind=Dossier.Kind.DETAILED_PLAN
    )
    features = as_user(officer).get(DATA_URL).json()["features"]
    by_code = {feature["properties"]["code"]: feature["properties"] for feature in features}
    assert by_code["QHPK-1"]["url"] == first.get_absolute_url()
    assert by_code["QHPK-2"]["url"] == second.get_absolute_url()
    assert by_code["QHPK-1"]["kind"] == str(Dossier.Kind.ZONING_PLAN.label)
    assert by_code["QHPK-2"]["kind"] == str(Dossier.Kind.DETAILED_PLAN.label)
    assert by_code["QHPK-1"]["kind"] != by_code["QHPK-2"]["kind"]
