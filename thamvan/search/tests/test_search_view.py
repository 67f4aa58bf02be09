from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from thamvan.dossiers.models import Confidentiality
from thamvan.dossiers.tests.factories import DossierFactory
from thamvan.search.indexing import reindex

pytestmark = pytest.mark.django_db

URL = reverse("search:search")


def _dossiers(orgs: Any, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        DossierFactory(
            code=f"QH-{n}",
            name=f"Quy hoạch phân khu số {n}",
            confidentiality=Confidentiality.PUBLIC,
            lead_agency=orgs.department,
        )
    reindex(["dossier"])


def test_the_search_page_asks_for_a_login(client: Any) -> None:
    response = client.get(URL, {"q": "quy hoach"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_search_page_shows_marked_results_and_facets(
    orgs: Any, as_user: Any, outsider: Any
) -> None:
    _dossiers(orgs, 2)
    response = as_user(outsider).get(URL, {"q": "quy hoach phan khu"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Quy</mark> <mark>hoạch</mark> <mark>phân</mark> <mark>khu</mark>" in html
    assert "search-facets" in html
    assert "<html" in html


def test_an_htmx_request_gets_only_the_results(orgs: Any, as_user: Any, outsider: Any) -> None:
    _dossiers(orgs, 1)
    response = as_user(outsider).get(URL, {"q": "quy hoach"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="results"' in html
    assert "<html" not in html
    assert "QH-0" in html


def test_restricted_dossiers_stay_hidden_on_the_page(
    orgs: Any, as_user: Any, officer: Any, other_officer: Any
) -> None:
    DossierFactory(
        code="MAT-1",
        name="Quy hoạch khu quân sự",
        confidentiality=Confidentiality.RESTRICTED,
        lead_agency=orgs.department,
    )
    reindex(["dossier"])
    assert "MAT-1" in as_user(officer).get(URL, {"q": "quan su"}).content.decode()
    hidden = as_user(other_officer).get(URL, {"q": "quan su"}).content.decode()
    assert "MAT-1" not in hidden


def test_bad_filters_and_pages_never_fail(orgs: Any, as_user: Any, outsider: Any) -> None:
    _dossiers(orgs, 1)
    client = as_user(outsider)
    for params in (
        {"q": "quy", "year": "abc", "organization": "-1"},
        {"q": "quy", "page": "999"},
        {"q": "quy", "page": "x"},
        {"q": "x" * 500},
        {"q": "\x00"},
    ):
        assert client.get(URL, params).status_code == 200


def test_paging_through_results(orgs: Any, as_user: Any, outsider: Any) -> None:
    _dossiers(orgs, 30)
    client = as_user(outsider)
    first = client.get(URL, {"q": "quy hoach"}).content.decode()
    second = client.get(URL, {"q": "quy hoach", "page": "2"}).content.decode()
    assert first.count('class="card search-hit"') == 25
    assert second.count('class="card search-hit"') == 5


def test_the_query_count_does_not_grow_with_results(
    orgs: Any, as_user: Any, outsider: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user(outsider)
    client.get(URL)
    _dossiers(orgs, 3)
    # At most one query per ranking tier (six), whatever the number of matches.
    with django_assert_max_num_queries(16):
        client.get(URL, {"q": "quy hoach"})
    _dossiers(orgs, 30, start=3)
    with django_assert_max_num_queries(16):
        client.get(URL, {"q": "quy hoach"})


def test_a_capped_count_and_sampled_facets_are_labelled(
    orgs: Any, as_user: Any, outsider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from thamvan.search import query

    _dossiers(orgs, 3)
    client = as_user(outsider)

    def status(html: str) -> str:
        start = html.index('role="status">') + len('role="status">')
        return html[start : html.index("</p>", start)]

    exact = client.get(URL, {"q": "quy hoach"}).content.decode()
    assert "3" in status(exact)
    assert "search-facets-approximate" not in exact
    monkeypatch.setattr(query, "COUNT_LIMIT", 2)
    monkeypatch.setattr(query, "FACET_SAMPLE", 2)
    monkeypatch.setattr("thamvan.search.views.PAGE_SIZE", 1)
    html = client.get(URL, {"q": "quy hoach"}).content.decode()
    # "More than 2 results", in whichever language the page speaks.
    assert "2" in status(html)
    assert "3" not in status(html)
    assert status(html) != status(exact).replace("3", "2")
    assert "search-facets-approximate" in html
    assert html.count('class="card search-hit"') == 1
