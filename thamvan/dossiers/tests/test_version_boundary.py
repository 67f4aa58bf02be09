"""The boundary belongs to the version: it freezes with it, and a revision starts from it."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import escape

from thamvan.audit.models import AuditEntry
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.dossiers.models import BOUNDARY_FROZEN, Dossier, DossierVersion
from thamvan.dossiers.tests.factories import DossierFactory, hanoi_polygon
from thamvan.dossiers.tests.test_locking import posted

pytestmark = pytest.mark.django_db

# About 115 ha; the sample polygon is about 41 ha.
LARGER = {
    "type": "Polygon",
    "coordinates": [
        [[105.85, 21.02], [105.86, 21.02], [105.86, 21.03], [105.85, 21.03], [105.85, 21.02]]
    ],
}


@pytest.fixture
def dossier(officer: Any, orgs: Any) -> Dossier:
    from thamvan.dossiers.services import dossier_create

    return dossier_create(
        actor=officer,
        code="QHPK-N9-2026",
        name="Quy hoạch phân khu đô thị N9",
        kind=Dossier.Kind.ZONING_PLAN,
        scale=Dossier.Scale.S2000,
        lead_agency=orgs.department,
        boundary=hanoi_polygon(),
    )


@pytest.fixture
def sent(dossier: Dossier, officer: Any, secretariat: Any, orgs: Any) -> DossierVersion:
    """Version 1, sent for consultation through the consultation services."""
    version = dossier.versions.get(number=1)
    consultation = ConsultationFactory.create(
        dossier=dossier, version=version, association=orgs.association
    )
    advance(consultation, "sent", officer=officer, secretariat=secretariat)
    version.refresh_from_db()
    assert version.is_frozen
    return version


def edit_url(dossier: Dossier) -> str:
    return reverse("dossiers:edit", args=[dossier.pk])


def api_url(dossier: Dossier) -> str:
    return f"/api/v1/dossiers/{dossier.pk}"


def stored(dossier: Dossier) -> tuple[Any, Decimal | None, int]:
    dossier.refresh_from_db()
    return dossier.boundary, dossier.area_ha, dossier.lock_version


def test_the_first_version_starts_with_the_dossiers_boundary(dossier: Dossier) -> None:
    version = dossier.versions.get(number=1)
    assert version.boundary == dossier.boundary == hanoi_polygon()
    assert version.area_ha == dossier.area_ha
    assert (version.min_lon, version.centroid_lat) == (dossier.min_lon, dossier.centroid_lat)
    assert version.map_outline == dossier.map_outline


def test_the_boundary_of_an_unsent_latest_version_changes_and_the_dossier_follows(
    as_user: Any, officer: Any, dossier: Dossier
) -> None:
    client = as_user(officer)
    page = client.get(edit_url(dossier))

    response = client.post(edit_url(dossier), posted(page, boundary=json.dumps(LARGER)))

    assert response.status_code == 302
    version = dossier.versions.get(number=1)
    dossier.refresh_from_db()
    assert version.boundary == dossier.boundary == LARGER
    assert version.area_ha == dossier.area_ha
    assert dossier.area_ha is not None and dossier.area_ha > 100
    assert version.map_outline == dossier.map_outline


def test_the_page_refuses_to_change_the_boundary_of_a_sent_version_and_keeps_the_input(
    as_user: Any, officer: Any, dossier: Dossier, sent: DossierVersion
) -> None:
    client = as_user(officer)
    page = client.get(edit_url(dossier))
    before = stored(dossier)
    entries = AuditEntry.objects.count()
    typed = json.dumps(LARGER)

    translation.activate("en")
    response = client.post(edit_url(dossier), posted(page, boundary=typed, name="Tên mới"))

    assert response.status_code == 400
    message = str(BOUNDARY_FROZEN % {"number": 1})
    assert response.context["form"].errors["boundary"] == [message]
    assert escape(typed) in response.text
    assert "Tên mới" in response.text
    assert stored(dossier) == before
    assert dossier.name == "Quy hoạch phân khu đô thị N9"
    assert dossier.versions.get(number=1).boundary == hanoi_polygon()
    assert AuditEntry.objects.count() == entries


def test_the_edit_page_says_before_the_click_that_the_boundary_is_frozen(
    as_user: Any, officer: Any, dossier: Dossier, sent: DossierVersion
) -> None:
    translation.activate("en")
    page = as_user(officer).get(edit_url(dossier))
    assert escape(str(BOUNDARY_FROZEN % {"number": 1})) in page.text


def test_other_facts_of_a_dossier_whose_version_was_sent_still_change(
    as_user: Any, officer: Any, dossier: Dossier, sent: DossierVersion
) -> None:
    client = as_user(officer)
    page = client.get(edit_url(dossier))

    # The form sends the stored boundary back unchanged.
    response = client.post(edit_url(dossier), posted(page, name="Tên mới"))

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.name == "Tên mới"
    assert dossier.boundary == hanoi_polygon()


def test_the_api_answers_409_to_a_boundary_change_of_a_sent_version_and_changes_nothing(
    api_client: Any, officer: Any, dossier: Dossier, sent: DossierVersion
) -> None:
    client = api_client(officer)
    before = stored(dossier)
    entries = AuditEntry.objects.count()

    translation.activate("en")
    response = client.patch(
        api_url(dossier), {"boundary": LARGER, "name": "Tên mới"}, content_type="application/json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": str(BOUNDARY_FROZEN % {"number": 1}),
        "code": "version_frozen",
    }
    assert stored(dossier) == before
    assert dossier.name == "Quy hoạch phân khu đô thị N9"
    assert dossier.versions.get(number=1).boundary == hanoi_polygon()
    # Token use writes no entry; a change would have.
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"boundary": None}, id="removed"),
        pytest.param({"boundary": None, "area_ha": "115.00"}, id="replaced-by-a-typed-area"),
    ],
)
def test_the_api_refuses_removing_the_boundary_of_a_sent_version(
    api_client: Any, officer: Any, dossier: Dossier, sent: DossierVersion, change: dict[str, Any]
) -> None:
    before = stored(dossier)
    response = api_client(officer).patch(api_url(dossier), change, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "version_frozen"
    assert stored(dossier) == before


def test_the_api_refuses_a_typed_area_change_of_a_sent_version_without_boundary(
    api_client: Any, officer: Any, orgs: Any, secretariat: Any
) -> None:
    dossier = DossierFactory.create(lead_agency=orgs.department, boundary=None, area_ha=460)
    consultation = ConsultationFactory.create(dossier=dossier, association=orgs.association)
    advance(consultation, "sent", officer=officer, secretariat=secretariat)

    response = api_client(officer).patch(
        api_url(dossier), {"area_ha": "115"}, content_type="application/json"
    )

    assert response.status_code == 409
    dossier.refresh_from_db()
    assert dossier.area_ha == 460


def test_the_api_changes_the_boundary_of_an_unsent_version(
    api_client: Any, officer: Any, dossier: Dossier
) -> None:
    response = api_client(officer).patch(
        api_url(dossier), {"boundary": LARGER}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["boundary"] == LARGER
    assert dossier.versions.get(number=1).boundary == LARGER


def test_a_new_version_inherits_the_boundary_and_its_change_leaves_the_sent_one_as_sent(
    as_user: Any, api_client: Any, officer: Any, dossier: Dossier, sent: DossierVersion
) -> None:
    response = as_user(officer).post(
        reverse("dossiers:version_create", args=[dossier.pk]),
        {"label": "Hồ sơ sau tiếp thu ý kiến", "note": "", "copy_documents_from": ""},
    )
    assert response.status_code == 302
    revision = dossier.versions.get(number=2)
    assert revision.boundary == hanoi_polygon()
    assert revision.area_ha == sent.area_ha

    changed = api_client(officer).patch(
        api_url(dossier), {"boundary": LARGER}, content_type="application/json"
    )

    assert changed.status_code == 200
    revision.refresh_from_db()
    sent.refresh_from_db()
    dossier.refresh_from_db()
    assert revision.boundary == dossier.boundary == LARGER
    assert revision.area_ha == dossier.area_ha != sent.area_ha
    assert sent.boundary == hanoi_polygon()


def test_the_other_agencys_officer_still_gets_no_further_than_before(
    api_client: Any, other_officer: Any, dossier: Dossier, sent: DossierVersion
) -> None:
    # A persona who may not change the dossier learns nothing about its versions.
    response = api_client(other_officer).patch(
        api_url(dossier), {"boundary": LARGER}, content_type="application/json"
    )
    assert response.status_code in (403, 404)
    assert response.json()["code"] != "version_frozen"


def test_the_migration_gives_every_version_its_dossiers_boundary(orgs: Any) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("thamvan.dossiers.migrations.0004_fill_version_boundaries")
    dossier = DossierFactory.create(lead_agency=orgs.department, boundary=LARGER)
    without = DossierFactory.create(lead_agency=orgs.department, boundary=None, area_ha=12)
    for owner in (dossier, without):
        for number in (1, 2):
            DossierVersion.objects.create(dossier=owner, number=number, label="Bản cũ")
    DossierVersion.objects.filter(dossier=dossier, number=1).update(frozen_at="2026-01-05T00:00Z")

    migration.fill_version_boundaries(apps, None)

    for version in DossierVersion.objects.filter(dossier=dossier):
        assert version.boundary == LARGER
        assert version.area_ha == dossier.area_ha
        assert version.map_outline == dossier.map_outline
        assert version.centroid_lon == dossier.centroid_lon
    for version in DossierVersion.objects.filter(dossier=without):
        assert (version.boundary, version.area_ha) == (None, Decimal("12.00"))


# --- Reading a version's boundary ---------------------------------------------------


@pytest.fixture
def revised(
    api_client: Any, officer: Any, dossier: Dossier, sent: DossierVersion
) -> DossierVersion:
    """Version 2 with the larger boundary, version 1 as sent."""
    from thamvan.dossiers.services import version_create

    revision = version_create(actor=officer, dossier=dossier, label="Hồ sơ sau tiếp thu ý kiến")
    response = api_client(officer).patch(
        api_url(dossier), {"boundary": LARGER}, content_type="application/json"
    )
    assert response.status_code == 200
    revision.refresh_from_db()
    return revision


def version_url(dossier: Dossier, number: int) -> str:
    return reverse("dossiers:version_detail", args=[dossier.pk, number])


def test_the_dossier_page_shows_each_versions_area_and_links_to_it(
    as_user: Any, officer: Any, dossier: Dossier, sent: DossierVersion, revised: DossierVersion
) -> None:
    page = as_user(officer).get(dossier.get_absolute_url())
    for version in (sent, revised):
        assert f"{formats.localize(version.area_ha)} ha" in page.text
        assert version_url(dossier, version.number) in page.text


@pytest.mark.parametrize(
    ("persona", "status"),
    [("officer", 200), ("leadership", 200), ("secretariat", 200), ("outsider", 404)],
)
def test_the_version_page_draws_its_own_boundary_for_those_who_read_the_dossier(
    request: pytest.FixtureRequest,
    as_user: Any,
    persona: str,
    status: int,
    dossier: Dossier,
    sent: DossierVersion,
    revised: DossierVersion,
) -> None:
    client = as_user(request.getfixturevalue(persona))

    first = client.get(version_url(dossier, 1))
    second = client.get(version_url(dossier, 2))

    assert (first.status_code, second.status_code) == (status, status)
    if status == 200:
        assert first.context["version"].boundary == hanoi_polygon()
        assert second.context["version"].boundary == LARGER
        assert 'id="dossier-boundary"' in first.text


def test_an_unknown_version_number_is_404(as_user: Any, officer: Any, dossier: Dossier) -> None:
    assert as_user(officer).get(version_url(dossier, 9)).status_code == 404


def test_the_api_gives_each_versions_area_and_one_versions_boundary(
    api_client: Any,
    officer: Any,
    outsider: Any,
    dossier: Dossier,
    sent: DossierVersion,
    revised: DossierVersion,
) -> None:
    client = api_client(officer)
    listed = client.get(f"{api_url(dossier)}/versions").json()
    assert [(row["number"], Decimal(row["area_ha"])) for row in listed] == [
        (2, revised.area_ha),
        (1, sent.area_ha),
    ]
    assert "boundary" not in listed[0]

    one = client.get(f"{api_url(dossier)}/versions/1")
    assert one.status_code == 200
    assert one.json()["boundary"] == hanoi_polygon()
    assert api_client(outsider).get(f"{api_url(dossier)}/versions/1").status_code == 404
