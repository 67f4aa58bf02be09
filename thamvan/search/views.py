from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from thamvan.core.http import AuthedRequest
from thamvan.core.limits import rate_limit
from thamvan.core.pagination import PAGE_SIZE
from thamvan.search.forms import SearchForm
from thamvan.search.query import FACET_SAMPLE, Filters, Hit, SearchResults, search


class _ResultWindow:
    """One page of hits posing as the whole result list, for Django's Paginator."""

    def __init__(self, results: SearchResults) -> None:
        self.results = results

    def count(self) -> int:
        return self.results.total

    def __getitem__(self, _index: slice) -> list[Hit]:
        return self.results.hits


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


@login_required
@require_GET
@rate_limit("search")
def search_page(request: AuthedRequest) -> TemplateResponse:
    form = SearchForm(request.GET)
    query = ""
    filters = Filters()
    if form.is_valid():
        query = form.cleaned_data["q"]
        filters = form.filters()
    number = _page_number(request.GET.get("page"))
    results = search(
        query, user=request.user, filters=filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    last = max(1, -(-results.total // PAGE_SIZE))
    if number > last:
        number = last
        results = search(
            query,
            user=request.user,
            filters=filters,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
    paginator: Paginator[Hit] = Paginator(_ResultWindow(results), PAGE_SIZE)  # type: ignore[arg-type]
    page_obj = paginator.page(number)
    params = request.GET.copy()
    params.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "query": query,
        "results": results,
        "page_obj": page_obj,
        "query_string": params.urlencode(),
        "facet_links": _facet_links(request, results),
        "facet_sample": FACET_SAMPLE,
    }
    template = "search/search.html#results" if request.htmx else "search/search.html"
    return TemplateResponse(request, template, context)


def _facet_links(request: AuthedRequest, results: SearchResults) -> list[dict[str, Any]]:
    """Each facet's values with the query string that selects (or clears) them."""
    titles = {
        # Both were "Loại" in Vietnamese: what was found, then its own category
        # (a plan's kind, an opinion's verdict, a document's kind).
        "type": _("Kind of result"),
        "kind": _("Category of the result"),
        "year": _("Year"),
        "organization": _("Organisation"),
        "commune": _("Commune or ward"),
    }
    groups = []
    for name, values in results.facets.items():
        if not values:
            continue
        links = []
        for value in values:
            params = request.GET.copy()
            params.pop("page", None)
            if value.selected:
                params.pop(name, None)
            else:
                params[name] = value.value
            links.append({"facet": value, "query_string": params.urlencode()})
        groups.append({"name": name, "title": titles[name], "links": links})
    return groups
