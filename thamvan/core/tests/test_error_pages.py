"""The 400, 403, 404 and 500 pages are in Vietnamese and keep the site's navigation.

Under DEBUG=False, as in production: with DEBUG on Django shows its technical pages.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.urls("thamvan.core.tests.error_urls")


@pytest.fixture(autouse=True)
def _production_errors(settings: Any) -> None:
    settings.DEBUG = False


NAVIGATION = 'class="main-nav"'


def assert_vietnamese_page_with_navigation(body: str, heading: str) -> None:
    assert f"<h1>{heading}</h1>" in body
    assert '<html lang="vi">' in body
    assert NAVIGATION in body
    assert f'href="{reverse("consultations:list")}"' in body
    assert "Forbidden" not in body and "Not Found" not in body and "Server Error" not in body


def test_a_missing_page_answers_a_vietnamese_404_with_the_navigation(
    as_user: Any, officer: Any
) -> None:
    response = as_user(officer).get("/no-such-page/")
    assert response.status_code == 404
    assert_vietnamese_page_with_navigation(response.content.decode(), "Không tìm thấy trang")


def test_another_organisations_dossier_edit_page_answers_a_vietnamese_403(
    as_user: Any, orgs: Any, officer: Any, other_officer: Any
) -> None:
    # The ward's officer reads the department's internal dossier but may not change it.
    dossier = DossierFactory.create(
        lead_agency=orgs.department, confidentiality=Confidentiality.INTERNAL
    )
    url = reverse("dossiers:edit", args=[dossier.pk])
    assert as_user(officer).get(url).status_code == 200

    response = as_user(other_officer).get(url)
    assert response.status_code == 403
    assert_vietnamese_page_with_navigation(response.content.decode(), "Không có quyền truy cập")


def test_a_malformed_request_answers_a_vietnamese_400_with_the_navigation(
    as_user: Any, officer: Any
) -> None:
    response = as_user(officer).get("/test-errors/400/")
    assert response.status_code == 400
    assert_vietnamese_page_with_navigation(response.content.decode(), "Yêu cầu không hợp lệ")


def test_a_failing_view_answers_a_vietnamese_500_with_the_navigation(
    as_user: Any, officer: Any
) -> None:
    client = as_user(officer)
    client.raise_request_exception = False
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    assert_vietnamese_page_with_navigation(response.content.decode(), "Lỗi hệ thống")


def test_the_error_pages_need_no_sign_in(db: None) -> None:
    client = Client(raise_request_exception=False)
    missing = client.get("/no-such-page/")
    failing = client.get("/test-errors/500/")
    assert missing.status_code == 404
    assert "<h1>Không tìm thấy trang</h1>" in missing.content.decode()
    assert failing.status_code == 500
    assert "<h1>Lỗi hệ thống</h1>" in failing.content.decode()
