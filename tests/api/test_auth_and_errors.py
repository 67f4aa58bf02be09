from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from thamvan.accounts.models import ApiToken
from thamvan.accounts.tests.sessions import verified_client
from thamvan.accounts.tokens import api_token_create, api_token_revoke, hash_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations"


def test_a_request_without_credentials_is_refused_with_the_error_format(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required.", "code": "unauthenticated"}


def test_a_bearer_token_authenticates_and_records_its_use(outsider: Any) -> None:
    token, raw = api_token_create(actor=outsider, name="script")
    response = Client().get(URL, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.token_hash == hash_token(raw)
    assert raw not in str(ApiToken.objects.values_list())
    assert raw.startswith(token.prefix)


@pytest.mark.parametrize(
    "header", ["Bearer tv_nope", "Bearer ", "Token abc", "Bearer " + "x" * 300]
)
def test_an_unknown_or_malformed_token_is_refused(header: str) -> None:
    response = Client().get(URL, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_revoked_token_no_longer_works(outsider: Any) -> None:
    token, raw = api_token_create(actor=outsider, name="script")
    api_token_revoke(actor=outsider, token=token)
    assert Client().get(URL, headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_token_of_a_deactivated_user_no_longer_works(outsider: Any) -> None:
    _token, raw = api_token_create(actor=outsider, name="script")
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    assert Client().get(URL, headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_the_session_works_for_reading_and_needs_csrf_for_writing(officer: Any, orgs: Any) -> None:
    client = verified_client(officer)
    client.handler.enforce_csrf_checks = True
    assert client.get(URL).status_code == 200
    response = client.post(
        "/api/v1/dossiers",
        {"code": "X-1", "name": "Thử", "kind": "zoning_plan", "lead_agency_id": orgs.department.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_a_session_without_the_second_step_gets_a_401(officer: Any) -> None:
    client = Client()
    client.force_login(officer)
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_required"


def test_a_bearer_token_needs_no_csrf_for_writing(officer: Any, orgs: Any, api_client: Any) -> None:
    response = api_client(officer).post(
        "/api/v1/dossiers",
        {"code": "X-1", "name": "Thử", "kind": "zoning_plan", "lead_agency_id": orgs.department.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_requests_past_the_rate_limit_get_429_with_retry_after(
    outsider: Any, settings: Any, api_client: Any
) -> None:
    cache.clear()
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    client = api_client(outsider)
    statuses = [client.get(URL).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    response = client.get(URL)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_repeated_bad_tokens_from_one_address_are_throttled(settings: Any) -> None:
    settings.API_TOKEN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        assert client.get(URL, headers={"Authorization": "Bearer tv_bad"}).status_code == 401
    response = client.get(URL, headers={"Authorization": "Bearer tv_bad"})
    assert response.status_code == 429
    assert "Retry-After" in response


def test_invalid_parameters_answer_422_in_the_error_format(outsider: Any, api_client: Any) -> None:
    response = api_client(outsider).get(URL, {"limit": "1000"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert isinstance(body["detail"], list)


def test_the_openapi_document_lists_every_resource(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/organizations",
        "/api/v1/experts",
        "/api/v1/dossiers",
        "/api/v1/dossiers/{dossier_id}/versions",
        "/api/v1/dossiers/{dossier_id}/versions/{number}/documents",
        "/api/v1/documents/{document_id}/download",
        "/api/v1/search",
    ):
        assert path in schema["paths"], path
    assert {"TokenAuth", "SessionCsrfAuth"} <= set(schema["components"]["securitySchemes"])


@pytest.mark.parametrize("url", ["/api/v1/organizations", "/api/v1/dossiers", "/api/v1/search"])
def test_a_nul_character_in_text_is_a_422_not_a_server_error(
    url: str, outsider: Any, api_client: Any
) -> None:
    response = api_client(outsider).get(url, {"q": "quy\x00hoach"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_a_nul_character_in_a_json_body_is_a_422(officer: Any, orgs: Any, api_client: Any) -> None:
    response = api_client(officer).post(
        "/api/v1/dossiers",
        {
            "code": "X\x00",
            "name": "Thử",
            "kind": "zoning_plan",
            "lead_agency_id": orgs.department.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 422


def test_a_lone_surrogate_in_a_json_body_is_a_422(officer: Any, orgs: Any, api_client: Any) -> None:
    # json.loads accepts "\ud800", but no database can store it as UTF-8.
    body = '{"code": "X1", "name": "\\ud800", "kind": "zoning_plan", "lead_agency_id": %d}'
    response = api_client(officer).post(
        "/api/v1/dossiers", body % orgs.department.pk, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_json_text_is_stored_nfc(officer: Any, orgs: Any, api_client: Any) -> None:
    from thamvan.dossiers.models import Dossier

    decomposed = unicodedata.normalize("NFD", "Quy hoạch phân khu Hoàn Kiếm")
    response = api_client(officer).post(
        "/api/v1/dossiers",
        {
            "code": "NFD-1",
            "name": decomposed,
            "kind": "zoning_plan",
            "lead_agency_id": orgs.department.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    stored = Dossier.objects.get(code="NFD-1").name
    assert stored == unicodedata.normalize("NFC", decomposed) != decomposed
