from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.dossiers.models import Dossier
from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory, DossierVersionFactory
from thamvan.organizations.models import AdministrativeUnit

# Personas come through request.getfixturevalue, so the database must be declared.
pytestmark = pytest.mark.django_db


def url(dossier: Dossier) -> str:
    return reverse("dossiers:detail", args=[dossier.pk])


@pytest.fixture
def restricted(orgs: Any) -> Dossier:
    commune = AdministrativeUnit.objects.get(level="commune", name="Phường Hoàn Kiếm")
    dossier = DossierFactory.create(
        code="QHPK-N9-2026",
        name="Quy hoạch phân khu N9",
        lead_agency=orgs.department,
        preparing_consultant=orgs.consultant,
        confidentiality="restricted",
        communes=[commune],
    )
    version = DossierVersionFactory.create(dossier=dossier, label="Hồ sơ trình thẩm định")
    DocumentFactory.create(version=version, title="Thuyết minh tổng hợp N9")
    return dossier


def test_the_lead_agency_officer_sees_facts_communes_map_versions_and_documents(
    as_user: Any, officer: Any, restricted: Dossier
) -> None:
    response = as_user(officer).get(url(restricted))
    assert response.status_code == 200
    for text in (
        "QHPK-N9-2026",
        "Phường Hoàn Kiếm",
        "Viện Quy hoạch Xây dựng Hà Nội",
        "Hồ sơ trình thẩm định",
        "Thuyết minh tổng hợp N9",
        'id="dossier-boundary" type="application/json"',
        'data-dossier-map="detail"',
    ):
        assert text in response.text, text
    assert "style=" not in response.text


def test_the_officer_of_another_organisation_gets_404_for_a_restricted_dossier(
    as_user: Any, other_officer: Any, restricted: Dossier
) -> None:
    assert as_user(other_officer).get(url(restricted)).status_code == 404


@pytest.mark.parametrize("persona", ["leadership", "admin_user"])
def test_city_leadership_and_the_administrator_read_the_restricted_dossier(
    request: pytest.FixtureRequest, as_user: Any, persona: str, restricted: Dossier
) -> None:
    assert as_user(request.getfixturevalue(persona)).get(url(restricted)).status_code == 200


@pytest.mark.parametrize("persona", ["secretariat", "expert_user", "outsider"])
def test_the_secretariat_experts_and_outsiders_get_404_for_a_restricted_dossier(
    request: pytest.FixtureRequest, as_user: Any, persona: str, restricted: Dossier
) -> None:
    assert as_user(request.getfixturevalue(persona)).get(url(restricted)).status_code == 404


def test_an_unknown_id_answers_404_like_a_hidden_one(as_user: Any, officer: Any) -> None:
    assert as_user(officer).get(reverse("dossiers:detail", args=[999999])).status_code == 404


def test_edit_links_and_upload_forms_show_for_managers_only(
    as_user: Any, officer: Any, leadership: Any, restricted: Dossier
) -> None:
    edit_url = reverse("dossiers:edit", args=[restricted.pk])
    upload_url = reverse("dossiers:document_upload", args=[restricted.pk, 1])
    manager_page = as_user(officer).get(url(restricted)).text
    reader_page = as_user(leadership).get(url(restricted)).text
    assert edit_url in manager_page
    assert upload_url in manager_page
    assert edit_url not in reader_page
    assert upload_url not in reader_page


def test_a_frozen_version_offers_no_upload_or_removal(
    as_user: Any, officer: Any, restricted: Dossier
) -> None:
    version = restricted.versions.get()
    version.frozen_at = version.created_at
    version.save(update_fields=["frozen_at"])
    page = as_user(officer).get(url(restricted)).text
    assert reverse("dossiers:document_upload", args=[restricted.pk, 1]) not in page
    assert reverse("dossiers:document_remove", args=[version.documents.get().pk]) not in page


def test_a_dossier_without_boundary_says_so_instead_of_an_empty_map(
    as_user: Any, orgs: Any, officer: Any
) -> None:
    dossier = DossierFactory.create(boundary=None, lead_agency=orgs.department, area_ha="12.50")
    response = as_user(officer).get(url(dossier))
    assert response.status_code == 200
    assert 'data-dossier-map="detail"' not in response.text
    assert "12,50" in response.text or "12.50" in response.text


def test_the_detail_query_count_does_not_grow_with_documents(
    as_user: Any, officer: Any, restricted: Dossier, django_assert_max_num_queries: Any
) -> None:
    client = as_user(officer)
    client.get(url(restricted))
    with django_assert_max_num_queries(20) as few:
        client.get(url(restricted))
    version = restricted.versions.get()
    DocumentFactory.create_batch(5, version=version)
    DossierVersionFactory.create_batch(3, dossier=restricted)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url(restricted))
