"""The create and edit forms: who may use them, and bad input refused without losing anything."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from thamvan.core.tests.samples import pdf_bytes
from thamvan.dossiers.boundary import BoundaryError, parse_boundary
from thamvan.dossiers.forms import SCALE_NOTE_REQUIRED
from thamvan.dossiers.models import Dossier
from thamvan.dossiers.services import CODE_TAKEN
from thamvan.dossiers.tests.factories import HANOI_POLYGON, DossierFactory, hanoi_polygon
from thamvan.organizations.models import AdministrativeUnit

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db

CREATE_URL = reverse("dossiers:create")

SELF_INTERSECTING = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [
            [[105.85, 21.02], [105.86, 21.03], [105.86, 21.02], [105.85, 21.03], [105.85, 21.02]]
        ],
    }
)
OUTSIDE_VIETNAM = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [
            [[2.34, 48.85], [2.36, 48.85], [2.36, 48.87], [2.34, 48.87], [2.34, 48.85]]
        ],
    }
)
MALFORMED = '{"type": "Polygon", "coordinates": [[[105.85, 21.02], [105.86'


def boundary_message(value: str) -> str:
    with pytest.raises(BoundaryError) as refused:
        parse_boundary(value)
    return str(refused.value.messages[0])


def form_data(orgs: Any, **overrides: Any) -> dict[str, Any]:
    communes = AdministrativeUnit.objects.filter(name__in=["Phường Hoàn Kiếm", "Phường Cửa Nam"])
    data: dict[str, Any] = {
        "code": "QHPK-N9-2026",
        "name": "Quy hoạch phân khu đô thị N9",
        "kind": Dossier.Kind.ZONING_PLAN,
        "stage": Dossier.Stage.PREPARATION,
        "scale": Dossier.Scale.S2000,
        "scale_note": "",
        "lead_agency": orgs.department.pk,
        "preparing_consultant": orgs.consultant.pk,
        "investor": "",
        "confidentiality": "internal",
        "communes": [commune.pk for commune in communes],
        "area_ha": "",
        "description": "Khu vực phía Đông sông Hồng.",
        "boundary": json.dumps(HANOI_POLYGON),
        # The version a fresh dossier starts at; the locking tests send others.
        "lock_version": "0",
    }
    data.update(overrides)
    return data


def assert_kept(response: Any, data: dict[str, Any]) -> None:
    """Everything typed is back in the form."""
    for field in ("code", "name", "description", "boundary"):
        assert escape(data[field]) in response.text, field


# --- who may use the forms --------------------------------------------------


def test_an_officer_gets_the_form_with_the_boundary_editor(as_user: Any, officer: Any) -> None:
    response = as_user(officer).get(CREATE_URL)
    assert response.status_code == 200
    assert "leaflet/draw/leaflet.draw.js" in response.text
    assert 'data-dossier-map="editor"' in response.text
    # Without JavaScript the GeoJSON text field is the way in.
    assert '<textarea name="boundary"' in response.text
    assert 'name="boundary_file"' in response.text
    assert (
        response.context["form"]["lead_agency"].value() == officer.memberships.get().organization_id
    )
    assert "<script>" not in response.text


@pytest.mark.parametrize("persona", ["secretariat", "expert_user", "leadership", "outsider"])
def test_other_roles_may_not_use_the_create_form(
    request: pytest.FixtureRequest, as_user: Any, orgs: Any, persona: str
) -> None:
    client = as_user(request.getfixturevalue(persona))
    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, form_data(orgs)).status_code == 403
    assert not Dossier.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client: Any) -> None:
    assert client.get(CREATE_URL).status_code == 302


def test_an_officer_registers_a_dossier_with_area_and_map_columns_from_the_boundary(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    response = as_user(officer).post(CREATE_URL, form_data(orgs, area_ha="999"))
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == dossier.get_absolute_url()
    assert dossier.created_by == officer
    assert dossier.boundary == parse_boundary(json.dumps(HANOI_POLYGON))
    # About 620 m × 670 m; the typed area is replaced by the computed one.
    assert dossier.area_ha is not None
    assert Decimal("38") < dossier.area_ha < Decimal("45")
    assert (dossier.min_lon, dossier.min_lat) == pytest.approx((105.85, 21.026))
    assert (dossier.max_lon, dossier.max_lat) == pytest.approx((105.856, 21.032))
    assert dossier.centroid_lon == pytest.approx(105.853, abs=1e-4)
    assert {commune.name for commune in dossier.communes.all()} == {
        "Phường Hoàn Kiếm",
        "Phường Cửa Nam",
    }
    assert list(dossier.versions.values_list("number", flat=True)) == [1]


def test_without_a_boundary_the_entered_area_is_kept(as_user: Any, orgs: Any, officer: Any) -> None:
    as_user(officer).post(CREATE_URL, form_data(orgs, boundary="", area_ha="125.5"))
    dossier = Dossier.objects.get()
    assert dossier.boundary is None
    assert dossier.min_lon is None
    assert dossier.area_ha == Decimal("125.50")


def test_an_officer_may_not_register_a_dossier_for_another_organisation(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    response = as_user(officer).post(CREATE_URL, form_data(orgs, lead_agency=orgs.ward.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["lead_agency"]
    assert not Dossier.objects.exists()


def test_the_administrator_may_register_a_dossier_for_any_organisation(
    as_user: Any, orgs: Any, admin_user: Any
) -> None:
    response = as_user(admin_user).post(CREATE_URL, form_data(orgs, lead_agency=orgs.ward.pk))
    assert response.status_code == 302
    assert Dossier.objects.get().lead_agency == orgs.ward


def test_a_name_typed_in_decomposed_unicode_is_stored_composed(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    name = unicodedata.normalize("NFD", "Quy hoạch phân khu Đống Đa")
    as_user(officer).post(CREATE_URL, form_data(orgs, name=name))
    stored = Dossier.objects.get().name
    assert stored == unicodedata.normalize("NFC", name)
    assert unicodedata.is_normalized("NFC", stored)


# --- bad input: a clear message next to the field, nothing typed lost -------


@pytest.mark.parametrize(
    "boundary",
    [SELF_INTERSECTING, OUTSIDE_VIETNAM, MALFORMED],
    ids=["self-intersecting", "outside-vietnam", "malformed"],
)
def test_a_bad_boundary_is_refused_with_its_message_and_everything_kept(
    as_user: Any, orgs: Any, officer: Any, boundary: str
) -> None:
    data = form_data(orgs, boundary=boundary)
    response = as_user(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert not Dossier.objects.exists()
    errors = response.context["form"].errors["boundary"]
    assert errors == [boundary_message(boundary)]
    assert escape(errors[0]) in response.text
    assert_kept(response, data)


def test_a_drawn_boundary_survives_an_error_in_another_field(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    drawn = json.dumps(hanoi_polygon(0.01))
    data = form_data(orgs, name="", boundary=drawn)
    response = as_user(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert escape(drawn) in response.text


def test_a_taken_code_is_refused_next_to_the_code_field(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    DossierFactory.create(code="QHPK-N9-2026")
    data = form_data(orgs, code="qhpk-n9-2026")
    response = as_user(officer).post(CREATE_URL, data)
    assert response.context["form"].errors["code"] == [str(CODE_TAKEN)]
    assert Dossier.objects.count() == 1


def test_another_scale_needs_words(as_user: Any, orgs: Any, officer: Any) -> None:
    response = as_user(officer).post(CREATE_URL, form_data(orgs, scale="other"))
    assert response.context["form"].errors["scale_note"] == [str(SCALE_NOTE_REQUIRED)]


def test_a_geojson_file_gives_the_boundary(as_user: Any, orgs: Any, officer: Any) -> None:
    upload = SimpleUploadedFile(
        "ranh-gioi.geojson",
        json.dumps({"type": "Feature", "properties": {}, "geometry": HANOI_POLYGON}).encode(),
        content_type="application/geo+json",
    )
    data = form_data(orgs, boundary="", boundary_file=upload)
    response = as_user(officer).post(CREATE_URL, data)
    assert response.status_code == 302
    boundary = Dossier.objects.get().boundary
    assert boundary is not None
    assert boundary["type"] == "Polygon"


def test_a_geojson_file_that_is_not_geojson_is_refused_and_the_fields_kept(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    upload = SimpleUploadedFile("ranh-gioi.geojson", pdf_bytes(), content_type="application/json")
    data = form_data(orgs, boundary_file=upload)
    response = as_user(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors["boundary_file"]
    assert not Dossier.objects.exists()
    assert_kept(response, data)


def test_a_geojson_file_outside_vietnam_is_refused_with_the_boundary_message(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    upload = SimpleUploadedFile("paris.geojson", OUTSIDE_VIETNAM.encode())
    response = as_user(officer).post(CREATE_URL, form_data(orgs, boundary_file=upload))
    assert response.context["form"].errors["boundary_file"] == [boundary_message(OUTSIDE_VIETNAM)]
    assert not Dossier.objects.exists()


def test_a_valid_geojson_file_is_kept_as_text_when_another_field_fails(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    upload = SimpleUploadedFile("ranh-gioi.geojson", json.dumps(hanoi_polygon(0.02)).encode())
    response = as_user(officer).post(
        CREATE_URL, form_data(orgs, name="", boundary="", boundary_file=upload)
    )
    assert response.status_code == 200
    kept = response.context["form"]["boundary"].value()
    assert json.loads(kept)["coordinates"][0][0][0] == pytest.approx(105.87)


# --- edit -------------------------------------------------------------------


@pytest.fixture
def dossier(orgs: Any) -> Dossier:
    return DossierFactory.create(code="QHPK-N9-2026", lead_agency=orgs.department)


def edit_url(dossier: Dossier) -> str:
    return reverse("dossiers:edit", args=[dossier.pk])


def test_the_edit_form_shows_the_stored_boundary_for_the_map(
    as_user: Any, officer: Any, dossier: Dossier
) -> None:
    response = as_user(officer).get(edit_url(dossier))
    assert response.status_code == 200
    assert json.loads(response.context["form"]["boundary"].value()) == dossier.boundary


def test_the_officer_saves_changes_and_the_map_columns_follow_the_boundary(
    as_user: Any, orgs: Any, officer: Any, dossier: Dossier
) -> None:
    data = form_data(orgs, name="Quy hoạch phân khu N9 (điều chỉnh)")
    data["boundary"] = json.dumps(hanoi_polygon(0.1))
    response = as_user(officer).post(edit_url(dossier), data)
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.name == "Quy hoạch phân khu N9 (điều chỉnh)"
    assert dossier.min_lon == pytest.approx(105.95)
    assert "dieu chinh" in dossier.search_key


def test_clearing_the_boundary_clears_the_map_columns(
    as_user: Any, orgs: Any, officer: Any, dossier: Dossier
) -> None:
    as_user(officer).post(edit_url(dossier), form_data(orgs, boundary="", area_ha="12"))
    dossier.refresh_from_db()
    assert dossier.boundary is None
    assert dossier.centroid_lat is None
    assert dossier.area_ha == Decimal("12.00")


def test_a_bad_boundary_on_edit_changes_nothing(
    as_user: Any, orgs: Any, officer: Any, dossier: Dossier
) -> None:
    before = dossier.boundary
    data = form_data(orgs, name="Tên mới", boundary=SELF_INTERSECTING)
    response = as_user(officer).post(edit_url(dossier), data)
    assert response.status_code == 200
    assert_kept(response, data)
    dossier.refresh_from_db()
    assert dossier.boundary == before
    assert dossier.name != "Tên mới"


@pytest.mark.parametrize(
    ("persona", "confidentiality", "status"),
    [
        ("other_officer", "internal", 403),
        ("other_officer", "restricted", 404),
        ("leadership", "restricted", 403),
        ("secretariat", "internal", 403),
        ("secretariat", "restricted", 404),
        ("expert_user", "public", 403),
        ("expert_user", "internal", 404),
        ("outsider", "internal", 404),
    ],
)
def test_readers_may_not_edit_and_hidden_dossiers_answer_404(
    request: pytest.FixtureRequest,
    as_user: Any,
    orgs: Any,
    persona: str,
    confidentiality: str,
    status: int,
) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department, confidentiality=confidentiality)
    client = as_user(request.getfixturevalue(persona))
    assert client.get(edit_url(dossier)).status_code == status
    assert client.post(edit_url(dossier), form_data(orgs, name="Đổi tên")).status_code == status
    dossier.refresh_from_db()
    assert dossier.name != "Đổi tên"


def test_the_administrator_may_edit_any_dossier(as_user: Any, orgs: Any, admin_user: Any) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.ward, confidentiality="restricted")
    data = form_data(orgs, code=dossier.code, lead_agency=orgs.ward.pk, name="Tên mới")
    assert as_user(admin_user).post(edit_url(dossier), data).status_code == 302
    dossier.refresh_from_db()
    assert dossier.name == "Tên mới"


def test_a_geojson_file_over_the_size_limit_is_refused_and_the_fields_kept(
    as_user: Any, orgs: Any, officer: Any, settings: Any
) -> None:
    content = json.dumps(HANOI_POLYGON).encode()
    settings.UPLOAD_MAX_BYTES = len(content) - 1
    upload = SimpleUploadedFile("ranh-gioi.geojson", content)
    data = form_data(orgs, boundary_file=upload)
    response = as_user(officer).post(CREATE_URL, data)
    assert response.status_code == 200
    (message,) = response.context["form"].errors["boundary_file"]
    assert escape(message) in response.text
    assert not Dossier.objects.exists()
    assert_kept(response, data)
