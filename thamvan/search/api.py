from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from config.api_common import responses
from thamvan.core.limits import api_rate_limit
from thamvan.search.query import Filters, search
from thamvan.search.schemas import SearchOut, SearchParams

router = Router(tags=["search"])


@router.get("", response=responses(SearchOut, not_found=False))
@api_rate_limit("search")
def search_knowledge_base(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Ranked results the user may see, with highlighted snippets and facets."""
    filters = Filters(
        type=params.type,
        kind=params.kind,
        year=params.year,
        organization=params.organization,
        commune=params.commune,
    )
    results = search(
        params.q,
        user=request.user,  # type: ignore[arg-type]
        filters=filters,
        limit=params.limit,
        offset=params.offset,
    )
    return {
        "query": results.query,
        "count": results.total,
        "count_capped": results.total_capped,
        "facets_approximate": results.facets_approximate,
        "limit": results.limit,
        "offset": results.offset,
        "items": [
            {
                "type": hit.entry.type,
                "id": hit.entry.object_id,
                "title": hit.entry.title,
                "title_html": str(hit.title_html),
                "snippet_html": str(hit.snippet_html),
                "url": hit.entry.url,
                "kind": hit.entry.kind,
                "kind_label": hit.kind_label,
                "year": hit.entry.year,
                "organization_id": hit.entry.organization_id,
                "dated_at": hit.entry.dated_at,
                "score": hit.score,
            }
            for hit in results.hits
        ],
        "facets": {
            name: [vars(value) for value in values] for name, values in results.facets.items()
        },
    }
