"""A request body is read only as JSON declared as such, and only as an object."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext

from thamvan.core.tests.samples import docx_bytes
from thamvan.dossiers.models import Dossier
from thamvan.dossiers.tests.factories import DossierFactory, DossierVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(orgs: Any) -> Dossier:
    return DossierFactory.create(code="CT-1", name="Tên cũ", lead_agency=orgs.department)


def _url(dossier: Dossier) -> str:
    return f"/api/v1/dossiers/{dossier.pk}"


def test_a_text_plain_patch_is_refused_with_415_and_changes_nothing(
    dossier: Dossier, officer: Any, api_client: Any
) -> None:
    response = api_client(officer).patch(
        _url(dossier), json.dumps({"name": "Tên mới"}), content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    dossier.refresh_from_db()
    assert dossier.name == "Tên cũ"


def test_a_body_without_a_content_type_is_refused(
    dossier: Dossier, officer: Any, api_client: Any
) -> None:
    # A WSGI server gives Django no CONTENT_TYPE or an empty one; both read as "".
    response = api_client(officer).patch(
        _url(dossier), json.dumps({"name": "Tên mới"}), content_type=""
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    dossier.refresh_from_db()
    assert dossier.name == "Tên cũ"


def test_a_form_encoded_post_is_refused(orgs: Any, officer: Any, api_client: Any) -> None:
    response = api_client(officer).post(
        "/api/v1/dossiers",
        "code=X-1&name=Thu&kind=zoning_plan",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert not Dossier.objects.filter(code="X-1").exists()


def test_json_with_a_charset_parameter_is_accepted(
    dossier: Dossier, officer: Any, api_client: Any
) -> None:
    response = api_client(officer).patch(
        _url(dossier),
        json.dumps({"name": "Tên mới"}),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 200, response.content
    dossier.refresh_from_db()
    assert dossier.name == "Tên mới"


def test_a_multipart_upload_is_still_accepted_where_a_file_is_expected(
    dossier: Dossier, officer: Any, api_client: Any
) -> None:
    version = DossierVersionFactory(dossier=dossier)
    url = f"/api/v1/dossiers/{dossier.pk}/versions/{version.number}/documents"
    upload = SimpleUploadedFile("thuyet-minh.docx", docx_bytes())
    response = api_client(officer).post(url, {"file": upload, "kind": "explanatory_report"})
    assert response.status_code == 201, response.content


def test_a_multipart_body_is_refused_where_json_is_expected(
    dossier: Dossier, officer: Any, api_client: Any
) -> None:
    # The test client encodes a dict as multipart/form-data when no content type is given.
    response = api_client(officer).post(f"/api/v1/dossiers/{dossier.pk}/versions", {"label": "X"})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body", ["[]", "null", '"x"', "42", "true"])
def test_a_patch_body_that_is_not_an_object_is_a_422(
    body: str, dossier: Dossier, officer: Any, api_client: Any
) -> None:
    response = api_client(officer).patch(_url(dossier), body, content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {
        "detail": gettext("The request body must be a JSON object."),
        "code": "body_not_an_object",
    }


@pytest.mark.parametrize("body", ["[]", "null", '"x"', "42"])
def test_a_post_body_that_is_not_an_object_is_a_422(
    body: str, orgs: Any, officer: Any, api_client: Any
) -> None:
    response = api_client(officer).post("/api/v1/dossiers", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "body_not_an_object"


def test_malformed_json_is_still_a_400(dossier: Dossier, officer: Any, api_client: Any) -> None:
    response = api_client(officer).patch(_url(dossier), "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_the_openapi_document_lists_415_where_a_json_body_is_read(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    dossier = schema["paths"]["/api/v1/dossiers/{dossier_id}"]
    refused = dossier["patch"]["responses"]["415"]["content"]["application/json"]["schema"]
    assert refused["$ref"].rsplit("/", 1)[1] in schema["components"]["schemas"]
    assert "415" not in dossier["get"]["responses"]
