"""Every endpoint with an allowed and a forbidden persona side by side."""

from __future__ import annotations

from typing import Any

import pytest

from thamvan.core.tests.samples import docx_bytes, exe_bytes
from thamvan.dossiers.models import Confidentiality, Document, Dossier
from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory, DossierVersionFactory
from thamvan.experts.tests.factories import ExpertFactory
from thamvan.organizations.tests.factories import OrganizationFactory
from thamvan.search.indexing import reindex

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(orgs: Any) -> Any:
    return DossierFactory(
        code="MAT-1",
        name="Quy hoạch khu đặc biệt",
        lead_agency=orgs.department,
        confidentiality=Confidentiality.RESTRICTED,
    )


@pytest.fixture
def document(restricted: Dossier) -> Any:
    version = DossierVersionFactory(dossier=restricted)
    return DocumentFactory(version=version)


def test_organizations_are_listed_for_any_signed_in_user(
    orgs: Any, outsider: Any, api_client: Any, client: Any
) -> None:
    response = api_client(outsider).get("/api/v1/organizations", {"q": "ha noi", "limit": 2})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] >= 3
    assert len(body["items"]) == 2
    assert body["limit"] == 2
    assert api_client(outsider).get(f"/api/v1/organizations/{orgs.city.pk}").status_code == 200
    assert api_client(outsider).get("/api/v1/organizations/999999").json()["code"] == "not_found"
    assert client.get(f"/api/v1/organizations/{orgs.city.pk}").status_code == 401


def test_the_expert_registry_is_for_its_readers_and_an_expert_sees_only_themself(
    secretariat: Any, expert_user: Any, outsider: Any, api_client: Any
) -> None:
    own: Any = ExpertFactory(
        full_name="Trần Quốc Bảo", user=expert_user, specialties=["giao-thong"]
    )
    other: Any = ExpertFactory(full_name="Lê Văn Tám")
    listed = api_client(secretariat).get("/api/v1/experts").json()
    assert {item["id"] for item in listed["items"]} == {own.pk, other.pk}
    assert api_client(expert_user).get("/api/v1/experts").json()["count"] == 1
    assert (
        api_client(expert_user).get(f"/api/v1/experts/{own.pk}").json()["specialties"][0]["slug"]
        == "giao-thong"
    )
    assert api_client(expert_user).get(f"/api/v1/experts/{other.pk}").status_code == 404
    assert api_client(outsider).get("/api/v1/experts").json()["count"] == 0
    assert api_client(outsider).get(f"/api/v1/experts/{own.pk}").status_code == 404


def test_a_restricted_dossier_is_read_by_its_agency_and_hidden_from_others(
    restricted: Dossier, officer: Any, other_officer: Any, api_client: Any
) -> None:
    assert api_client(officer).get(f"/api/v1/dossiers/{restricted.pk}").json()["code"] == "MAT-1"
    assert api_client(officer).get("/api/v1/dossiers").json()["count"] == 1
    response = api_client(other_officer).get(f"/api/v1/dossiers/{restricted.pk}")
    assert response.status_code == 404
    assert api_client(other_officer).get("/api/v1/dossiers").json()["count"] == 0
    versions = f"/api/v1/dossiers/{restricted.pk}/versions"
    assert api_client(officer).get(versions).status_code == 200
    assert api_client(other_officer).get(versions).status_code == 404


def test_an_officer_creates_a_dossier_and_an_expert_may_not(
    orgs: Any, officer: Any, expert_user: Any, api_client: Any
) -> None:
    payload = {
        "code": "QHPK-API-1",
        "name": "Quy hoa\u0323ch phân khu qua API",
        "kind": "zoning_plan",
        "lead_agency_id": orgs.department.pk,
        "confidentiality": "public",
    }
    response = api_client(officer).post(
        "/api/v1/dossiers", payload, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    created = Dossier.objects.get(code="QHPK-API-1")
    assert created.name == "Quy hoạch phân khu qua API"
    assert created.versions.count() == 1
    forbidden = api_client(expert_user).post(
        "/api/v1/dossiers", {**payload, "code": "X"}, content_type="application/json"
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "forbidden"


def test_creating_a_dossier_for_another_agency_is_a_422_from_the_service(
    orgs: Any, officer: Any, api_client: Any
) -> None:
    response = api_client(officer).post(
        "/api/v1/dossiers",
        {"code": "X-2", "name": "Khác", "kind": "zoning_plan", "lead_agency_id": orgs.ward.pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "lead_agency"


def test_updating_a_dossier_needs_the_right_to_change_it(
    restricted: Dossier, officer: Any, leadership: Any, other_officer: Any, api_client: Any
) -> None:
    url = f"/api/v1/dossiers/{restricted.pk}"
    response = api_client(officer).patch(url, {"name": "Tên mới"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["name"] == "Tên mới"
    # Leadership reads the dossier but changes nothing; another agency does not see it.
    patch = {"name": "X"}
    assert (
        api_client(leadership).patch(url, patch, content_type="application/json").status_code == 403
    )
    assert (
        api_client(other_officer).patch(url, patch, content_type="application/json").status_code
        == 404
    )


def test_adding_a_version_and_uploading_a_document(
    restricted: Dossier, officer: Any, leadership: Any, api_client: Any
) -> None:
    client = api_client(officer)
    response = client.post(
        f"/api/v1/dossiers/{restricted.pk}/versions",
        {"label": "Hồ sơ trình thẩm định"},
        content_type="application/json",
    )
    assert response.status_code == 201
    number = response.json()["number"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload_url = f"/api/v1/dossiers/{restricted.pk}/versions/{number}/documents"
    upload = SimpleUploadedFile("thuyet-minh.docx", docx_bytes())
    response = client.post(upload_url, {"file": upload, "kind": "explanatory_report"})
    assert response.status_code == 201, response.content
    download = client.get(response.json()["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")
    assert client.get(upload_url).json()[0]["original_filename"] == "thuyet-minh.docx"
    bad = SimpleUploadedFile("virus.pdf", exe_bytes())
    rejected = client.post(upload_url, {"file": bad, "kind": "other"})
    assert rejected.status_code == 422
    assert rejected.json()["code"] in {"type_mismatch", "not_allowed"}
    upload = SimpleUploadedFile("x.docx", docx_bytes())
    forbidden = api_client(leadership).post(upload_url, {"file": upload, "kind": "other"})
    assert forbidden.status_code == 403


def test_a_document_download_follows_its_dossier(
    document: Document, officer: Any, other_officer: Any, api_client: Any
) -> None:
    url = f"/api/v1/documents/{document.pk}/download"
    assert api_client(officer).get(url).status_code == 200
    assert api_client(other_officer).get(url).status_code == 404


def test_search_hides_what_the_user_may_not_see(
    restricted: Dossier, officer: Any, other_officer: Any, api_client: Any
) -> None:
    reindex()
    found = api_client(officer).get("/api/v1/search", {"q": "khu dac biet"}).json()
    assert found["count"] == 1
    assert "<mark>" in found["items"][0]["title_html"]
    hidden = api_client(other_officer).get("/api/v1/search", {"q": "khu dac biet"}).json()
    assert hidden["count"] == 0
    assert hidden["items"] == []
    assert all(values == [] for values in hidden["facets"].values())


@pytest.mark.parametrize("field", ["organization", "commune"])
def test_search_refuses_an_id_beyond_the_database_integer(
    field: str, officer: Any, api_client: Any
) -> None:
    # SQLite cannot bind an integer past 64 bits: it must be a 422, not a 500.
    response = api_client(officer).get("/api/v1/search", {"q": "a", field: 2**70})
    assert response.status_code == 422


def test_list_queries_do_not_grow_with_rows(
    orgs: Any, officer: Any, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_client(officer)
    for n in range(3):
        DossierFactory(code=f"N-{n}", lead_agency=orgs.department)
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/dossiers").status_code == 200
    for n in range(3, 33):
        DossierFactory(code=f"N-{n}", lead_agency=orgs.department)
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/dossiers", {"limit": 100}).json()["count"] == 33


def test_search_says_when_the_count_is_capped(
    orgs: Any, officer: Any, api_client: Any, monkeypatch: Any
) -> None:
    from thamvan.search import query

    for n in range(3):
        DossierFactory(code=f"CAP-{n}", name="Quy hoạch khu đặc biệt", lead_agency=orgs.department)
    reindex()
    client = api_client(officer)
    exact = client.get("/api/v1/search", {"q": "khu dac biet"}).json()
    assert (exact["count"], exact["count_capped"], exact["facets_approximate"]) == (3, False, False)
    monkeypatch.setattr(query, "COUNT_LIMIT", 2)
    monkeypatch.setattr(query, "FACET_SAMPLE", 2)
    capped = client.get("/api/v1/search", {"q": "khu dac biet"}).json()
    assert capped["count"] == 2
    assert capped["count_capped"] and capped["facets_approximate"]


def _queries(client: Any, url: str, params: dict[str, Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("url", "params", "make"),
    [
        ("/api/v1/experts", {"limit": 100}, lambda orgs, n: ExpertFactory(full_name=f"Lê Văn {n}")),
        (
            "/api/v1/organizations",
            {"limit": 100},
            lambda orgs, n: OrganizationFactory(name=f"Viện {n}", parent=orgs.city),
        ),
        (
            "/api/v1/search",
            {"q": "quy hoach", "limit": 100},
            lambda orgs, n: DossierFactory(
                code=f"SQ-{n}", name=f"Quy hoạch khu {n}", lead_agency=orgs.department
            ),
        ),
    ],
)
def test_more_rows_take_no_more_queries(
    url: str, params: dict[str, Any], make: Any, orgs: Any, secretariat: Any, api_client: Any
) -> None:
    client = api_client(secretariat)
    for n in range(2):
        make(orgs, n)
    reindex()
    few = _queries(client, url, params)
    for n in range(2, 22):
        make(orgs, n)
    reindex()
    assert _queries(client, url, params) <= few


def test_a_dossiers_versions_and_documents_take_no_more_queries_with_more_rows(
    orgs: Any, officer: Any, api_client: Any
) -> None:
    client = api_client(officer)
    dossier: Any = DossierFactory(lead_agency=orgs.department)
    version: Any = DossierVersionFactory(dossier=dossier)
    DocumentFactory(version=version)
    base = f"/api/v1/dossiers/{dossier.pk}/versions"
    few = (_queries(client, base, {}), _queries(client, f"{base}/{version.number}/documents", {}))
    for _ in range(5):
        DocumentFactory(version=version)
    for _ in range(3):
        DossierVersionFactory(dossier=dossier)
    many = (_queries(client, base, {}), _queries(client, f"{base}/{version.number}/documents", {}))
    assert many[0] <= few[0] and many[1] <= few[1]
