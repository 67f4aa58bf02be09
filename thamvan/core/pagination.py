from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 25


def paginate(
    request: HttpRequest, queryset: QuerySet | Sequence[Any], per_page: int = PAGE_SIZE
) -> Page:
    """The requested page; an out-of-range or malformed number gives the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The list's query string without its page, for the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return str(query.urlencode())
