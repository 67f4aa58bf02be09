"""Per-user limits on expensive reads: search, exports, recommendations, downloads.

Each family is tested through a page and, where the API has one, an operation:
past the limit the user gets 429 with Retry-After, another user is not affected.
"""

from __future__ import annotations

import gc
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from thamvan.accounts.tests.factories import MembershipFactory, UserFactory
from thamvan.consultations.tests.factories import ConsultationFactory, advance
from thamvan.core.limits import RateLimited, count_request
from thamvan.dossiers.models import Document
from thamvan.dossiers.tests.factories import DocumentFactory, DossierFactory, DossierVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_window(settings: Any, tmp_path: Any) -> None:
    """Start well inside a minute: the counters are per calendar minute."""
    settings.MEDIA_ROOT = tmp_path
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left)


def _colleague(organization: Any, role: str) -> Any:
    user = UserFactory.create(full_name="Bùi Minh Châu")
    MembershipFactory.create(user=user, organization=organization, role=role)
    return user


def _refuse_after(client: Client, url: str, allowed: int) -> Any:
    """Make ``allowed`` requests that pass, then return the one that does not."""
    for _ in range(allowed):
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
    return client.get(url)


def _assert_page_429(response: Any) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "429.html" in [template.name for template in response.templates]
    assert response.context["retry_after"] == int(response["Retry-After"])


def _assert_api_429(response: Any) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "rate_limited"


# --- search ---------------------------------------------------------------------------


def test_searches_past_the_limit_get_the_429_page_and_others_still_search(
    settings: Any, as_user: Any, officer: Any, outsider: Any
) -> None:
    settings.RATE_LIMIT_SEARCH_PER_MINUTE = 2
    url = reverse("search:search") + "?q=quy+hoach"

    _assert_page_429(_refuse_after(as_user(officer), url, 2))
    assert as_user(outsider).get(url).status_code == 200


def test_api_searches_past_the_limit_get_429_and_others_still_search(
    settings: Any, api_client: Any, officer: Any, outsider: Any
) -> None:
    settings.RATE_LIMIT_SEARCH_PER_MINUTE = 2
    url = "/api/v1/search?q=quy+hoach"

    _assert_api_429(_refuse_after(api_client(officer), url, 2))
    assert api_client(outsider).get(url).status_code == 200


def test_the_page_and_the_api_share_the_search_limit(
    settings: Any, as_user: Any, api_client: Any, officer: Any
) -> None:
    settings.RATE_LIMIT_SEARCH_PER_MINUTE = 2
    assert as_user(officer).get(reverse("search:search"), {"q": "a"}).status_code == 200
    assert api_client(officer).get("/api/v1/search", {"q": "a"}).status_code == 200
    _assert_api_429(api_client(officer).get("/api/v1/search", {"q": "a"}))


# --- exports --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [reverse("experts:export"), reverse("experts:import_template")], ids=str
)
def test_registry_exports_past_the_limit_get_the_429_page(
    url: str, settings: Any, as_user: Any, secretariat: Any, admin_user: Any
) -> None:
    settings.RATE_LIMIT_EXPORT_PER_MINUTE = 1

    _assert_page_429(_refuse_after(as_user(secretariat), url, 1))
    assert as_user(admin_user).get(url).status_code == 200


def test_the_dashboard_export_counts_with_the_other_exports(
    settings: Any, as_user: Any, secretariat: Any
) -> None:
    settings.RATE_LIMIT_EXPORT_PER_MINUTE = 1
    client = as_user(secretariat)
    assert client.get(reverse("experts:export")).status_code == 200
    _assert_page_429(client.get(reverse("dashboard:export")))


# --- recommendation -------------------------------------------------------------------


def test_recommendations_past_the_limit_get_the_429_page(
    settings: Any, as_user: Any, orgs: Any, officer: Any, secretariat: Any, admin_user: Any
) -> None:
    settings.RATE_LIMIT_RECOMMENDATION_PER_MINUTE = 2
    consultation = advance(
        ConsultationFactory.create(
            dossier=DossierFactory.create(lead_agency=orgs.department),
            association=orgs.association,
        ),
        "accepted",
        officer=officer,
        secretariat=secretariat,
    )
    url = reverse("consultations:panel", args=[consultation.pk])

    _assert_page_429(_refuse_after(as_user(secretariat), url, 2))
    assert as_user(admin_user).get(url).status_code == 200


# --- downloads ------------------------------------------------------------------------


@pytest.fixture
def document(orgs: Any) -> Document:
    dossier = DossierFactory.create(lead_agency=orgs.department)
    return DocumentFactory.create(version=DossierVersionFactory.create(dossier=dossier))


def test_downloads_past_the_limit_get_the_429_page_and_colleagues_still_download(
    settings: Any, as_user: Any, orgs: Any, officer: Any, document: Document
) -> None:
    settings.RATE_LIMIT_DOWNLOAD_PER_MINUTE = 2
    url = reverse("dossiers:document_download", args=[document.pk])

    _assert_page_429(_refuse_after(as_user(officer), url, 2))
    colleague = _colleague(orgs.department, "agency_officer")
    assert as_user(colleague).get(url).status_code == 200


def test_api_downloads_past_the_limit_get_429_and_colleagues_still_download(
    settings: Any, api_client: Any, orgs: Any, officer: Any, document: Document
) -> None:
    settings.RATE_LIMIT_DOWNLOAD_PER_MINUTE = 2
    url = f"/api/v1/documents/{document.pk}/download"

    _assert_api_429(_refuse_after(api_client(officer), url, 2))
    colleague = _colleague(orgs.department, "agency_officer")
    assert api_client(colleague).get(url).status_code == 200


def test_below_the_defaults_nothing_is_refused(
    as_user: Any, officer: Any, document: Document
) -> None:
    client = as_user(officer)
    url = reverse("dossiers:document_download", args=[document.pk])
    assert all(client.get(url).status_code == 200 for _ in range(10))


def test_counting_with_the_database_cache_leaves_no_garbage_behind(settings: Any) -> None:
    """A failed insert inside the database cache would tie the request's frames into a
    reference cycle that only the cyclic collector frees (after a long pause)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_rate_limits",
        }
    }
    call_command("createcachetable", verbosity=0)
    gc.collect()
    gc.disable()
    try:
        count_request("test:user:1", limit=3)
        count_request("test:user:1", limit=3)
        count_request("test:user:1", limit=3)
        left_behind = gc.collect()
    finally:
        gc.enable()
    assert left_behind == 0
    with pytest.raises(RateLimited):
        count_request("test:user:1", limit=3)
