"""In real Chromium: the knowledge base updates as you type, accents optional."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.search.indexing import reindex


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_results_update_as_you_type_and_hide_what_you_may_not_see(
    page_for: Any, other_officer: Any, orgs: Any
) -> None:
    DossierFactory(
        code="QHPK-HK",
        name="Quy hoạch phân khu Hoàn Kiếm",
        confidentiality=Confidentiality.PUBLIC,
        lead_agency=orgs.department,
    )
    DossierFactory(
        code="QHCT-HK-MAT",
        name="Quy hoạch chi tiết Hoàn Kiếm (mật)",
        confidentiality=Confidentiality.RESTRICTED,
        lead_agency=orgs.department,
    )
    reindex()
    page = page_for(other_officer)
    page.goto("/search/")
    page.locator("input[name=q]").press_sequentially("hoan kiem", delay=40)
    page.wait_for_selector("#results .search-hit")
    hits = page.locator("#results .search-hit")
    assert hits.count() == 1
    assert "QHPK-HK" in hits.first.inner_text()
    assert "<mark>" in hits.first.inner_html()
    assert "QHCT-HK-MAT" not in page.content()
    # The address follows the query, so the page can be bookmarked and reloaded.
    assert parse_qs(urlparse(page.url).query)["q"] == ["hoan kiem"]
    page.reload()
    assert page.locator("#results .search-hit").count() == 1
