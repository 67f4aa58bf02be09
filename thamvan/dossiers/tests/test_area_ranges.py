"""An area implausible for the plan's kind and scale is saved with a warning (page and API)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from thamvan.audit.models import AuditEntry
from thamvan.dossiers.areas import area_warnings
from thamvan.dossiers.models import AREA_RANGE_REVERSED, AreaRange, Dossier
from thamvan.dossiers.tests.factories import DossierFactory, hanoi_polygon
from thamvan.dossiers.tests.test_form_views import form_data

pytestmark = pytest.mark.django_db

# South-west of Hanoi, about 14,360 ha: a district, not a detailed plan at 1/500.
HUGE = {
    "type": "Polygon",
    "coordinates": [
        [
            [105.75, 20.95],
            [105.8653, 20.95],
            [105.8653, 21.0582],
            [105.75, 21.0582],
            [105.75, 20.95],
        ]
    ],
}


def detailed_plan(orgs: Any, **overrides: Any) -> dict[str, Any]:
    values = {
        "kind": Dossier.Kind.DETAILED_PLAN,
        "scale": Dossier.Scale.S500,
        "boundary": json.dumps(HUGE),
        **overrides,
    }
    return form_data(orgs, **values)


def test_the_page_saves_a_14359_ha_detailed_plan_at_1_500_and_warns_about_its_area(
    as_user: Any, officer: Any, orgs: Any
) -> None:
    translation.activate("en")
    response = as_user(officer).post(
        reverse("dossiers:create"),
        detailed_plan(orgs),
        follow=True,
        headers={"accept-language": "en"},
    )

    dossier = Dossier.objects.get(code="QHPK-N9-2026")
    assert dossier.area_ha is not None and dossier.area_ha > 14_000
    warnings = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert [m.message for m in warnings] == [d.detail for d in area_warnings(dossier)]
    assert "200 ha" in warnings[0].message
    # The dossier page keeps saying so to those who can fix it.
    assert warnings[0].message in response.text


def test_the_warning_names_the_area_and_the_limit_in_the_users_language(
    officer: Any, orgs: Any
) -> None:
    dossier = DossierFactory.create(
        lead_agency=orgs.department,
        kind=Dossier.Kind.DETAILED_PLAN,
        scale=Dossier.Scale.S500,
        boundary=HUGE,
    )
    with translation.override("vi"):
        [warning] = area_warnings(dossier)
    assert warning.code == "area_above_usual"
    assert "14.360,48 ha" in warning.detail
    assert "200 ha" in warning.detail


def test_a_plausible_area_brings_no_warning(as_user: Any, officer: Any, orgs: Any) -> None:
    response = as_user(officer).post(
        reverse("dossiers:create"),
        detailed_plan(orgs, boundary=json.dumps(hanoi_polygon())),
        follow=True,
    )
    assert response.status_code == 200
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]


def test_the_api_saves_the_implausible_area_and_lists_the_warning(
    api_client: Any, officer: Any, orgs: Any
) -> None:
    client = api_client(officer)
    payload = {
        "code": "QHCT-1-2026",
        "name": "Quy hoạch chi tiết khu nhà ở",
        "kind": "detailed_plan",
        "scale": "1/500",
        "lead_agency_id": orgs.department.pk,
        "boundary": hanoi_polygon(),
    }
    created = client.post("/api/v1/dossiers", payload, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["warnings"] == []

    changed = client.patch(
        f"/api/v1/dossiers/{created.json()['id']}",
        {"boundary": HUGE},
        content_type="application/json",
    )

    assert changed.status_code == 200
    body = changed.json()
    assert Decimal(body["area_ha"]) > 14_000
    assert [warning["code"] for warning in body["warnings"]] == ["area_above_usual"]


def test_a_small_area_for_a_zoning_plan_is_warned_about_too(orgs: Any) -> None:
    dossier = DossierFactory.create(
        lead_agency=orgs.department, scale=Dossier.Scale.S2000, boundary=None, area_ha=Decimal(2)
    )
    assert [warning.code for warning in area_warnings(dossier)] == ["area_below_usual"]


def test_the_range_in_force_is_the_latest_begun_for_the_scale_else_for_any_scale(
    orgs: Any,
) -> None:
    today = timezone.localdate()
    dossier = DossierFactory.create(
        lead_agency=orgs.department,
        kind=Dossier.Kind.DETAILED_PLAN,
        scale=Dossier.Scale.S500,
        boundary=None,
        area_ha=Decimal(300),
    )
    assert area_warnings(dossier)
    AreaRange.objects.create(
        valid_from=today + timedelta(days=1), kind="detailed_plan", scale="1/500", max_ha=1000
    )
    assert area_warnings(dossier), "a range takes effect only from its date"
    assert not area_warnings(dossier, day=today + timedelta(days=1))

    # No range for 1/2000 detailed plans: the one for any scale applies (at most 500 ha).
    dossier.scale = Dossier.Scale.S2000
    assert not area_warnings(dossier)
    dossier.area_ha = Decimal(600)
    assert area_warnings(dossier)


def test_an_area_for_a_kind_without_a_range_is_never_warned_about(orgs: Any) -> None:
    dossier = DossierFactory.create(
        lead_agency=orgs.department, kind=Dossier.Kind.OTHER, boundary=HUGE
    )
    assert area_warnings(dossier) == []


ADD_URL = reverse("admin:dossiers_arearange_add")
RANGE = {
    "valid_from": "01/01/2030",
    "kind": "detailed_plan",
    "scale": "1/500",
    "min_ha": "0.5",
    "max_ha": "50",
    "legal_basis": "Quyết định của UBND thành phố",
}


@pytest.mark.parametrize("persona", ["officer", "secretariat", "leadership"])
def test_only_the_administrator_edits_the_ranges_and_the_change_is_audited(
    request: pytest.FixtureRequest, as_user: Any, admin_user: Any, persona: str
) -> None:
    before = AreaRange.objects.count()

    refused = as_user(request.getfixturevalue(persona)).post(ADD_URL, RANGE)
    assert refused.status_code == 404
    assert AreaRange.objects.count() == before

    added = as_user(admin_user).post(ADD_URL, RANGE)
    assert added.status_code == 302
    stored = AreaRange.objects.get(valid_from=date(2030, 1, 1))
    assert (stored.min_ha, stored.max_ha) == (Decimal("0.5"), Decimal(50))
    entry = AuditEntry.objects.get(action="admin.object.added")
    assert (entry.target_type, entry.actor) == ("dossiers.arearange", admin_user)


def test_the_admin_refuses_a_range_whose_largest_is_below_its_smallest(
    as_user: Any, admin_user: Any
) -> None:
    translation.activate("en")
    response = as_user(admin_user).post(
        ADD_URL, {**RANGE, "min_ha": "100", "max_ha": "10"}, headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["max_ha"] == [str(AREA_RANGE_REVERSED)]
    assert not AreaRange.objects.filter(valid_from=date(2030, 1, 1)).exists()
