"""Request rate limits: a fixed one-minute window counted in the cache.

The API counts every request of a token or session (``config.api_common``);
the expensive reads (search, exports, the panel recommendation, downloads)
also count per user and per family here, pages and API alike, so one user's
burst cannot slow everyone else's pages. Pages opened without an account
through a personal link (a workshop guest's) count per address.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from thamvan.core.http import client_address

P = ParamSpec("P")
R = TypeVar("R")

WINDOW_SECONDS = 60

Family = Literal["search", "export", "recommendation", "download", "invitation_link", "guest_link"]

# Requests per user per minute, each overridable by the setting of that name.
FAMILY_LIMITS: dict[Family, tuple[str, int]] = {
    "search": ("RATE_LIMIT_SEARCH_PER_MINUTE", 60),
    "export": ("RATE_LIMIT_EXPORT_PER_MINUTE", 10),
    "recommendation": ("RATE_LIMIT_RECOMMENDATION_PER_MINUTE", 20),
    "download": ("RATE_LIMIT_DOWNLOAD_PER_MINUTE", 60),
    # Personal invitation links, opened without signing in: counted per address.
    "invitation_link": ("RATE_LIMIT_INVITATION_LINK_PER_MINUTE", 30),
    "guest_link": ("RATE_LIMIT_GUEST_LINK_PER_MINUTE", 30),
}


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def count_request(key: str, limit: int) -> None:
    """Count a request under ``key`` this minute; raise RateLimited past ``limit``."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    cache_key = f"rate:{key}:{window}"
    # Count first and create the counter only when it is missing: the database cache's
    # add() of an existing key fails inside with an IntegrityError, whose traceback
    # keeps the whole request (its response too) alive until Python's cyclic collector
    # runs, a long pause when that request ranked thousands of experts.
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The window's first request, unless another one created the counter meanwhile.
        created = cache.add(cache_key, 1, timeout=2 * WINDOW_SECONDS)
        count = 1 if created else cache.incr(cache_key)
    if count > limit:
        raise RateLimited(retry_after=max(1, math.ceil(WINDOW_SECONDS - now % WINDOW_SECONDS)))


def family_limit(family: Family) -> int:
    setting, default = FAMILY_LIMITS[family]
    return int(getattr(settings, setting, default))


def check_family(request: HttpRequest, family: Family) -> None:
    """Count an expensive read of ``family`` for the request's user; raise RateLimited."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        identity = f"user:{user.pk}"
    else:
        identity = f"address:{client_address(request) or 'unknown'}"
    count_request(f"{family}:{identity}", family_limit(family))


def too_many_requests(request: HttpRequest, retry_after: int) -> TemplateResponse:
    response = TemplateResponse(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(family: Family) -> Callable[[Callable[P, R]], Callable[P, R | HttpResponse]]:
    """Decorate a page view: past the limit it answers the 429 page with Retry-After.

    Put it under ``login_required`` so the user is counted, not the address.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R | HttpResponse]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | HttpResponse:
            request = args[0]
            assert isinstance(request, HttpRequest)
            try:
                check_family(request, family)
            except RateLimited as limited:
                return too_many_requests(request, limited.retry_after)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def api_rate_limit(family: Family) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate an API operation (under the ``@router`` line): RateLimited becomes the API's 429."""

    def decorator(operation: Callable[P, R]) -> Callable[P, R]:
        @wraps(operation)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
            request = args[0]
            assert isinstance(request, HttpRequest)
            check_family(request, family)
            return operation(*args, **kwargs)

        # Ninja resolves string annotations in the wrapper's module, where the
        # operation's types are unknown: hand it the signature already resolved.
        wrapped.__signature__ = inspect.signature(operation, eval_str=True)  # type: ignore[attr-defined]
        return wrapped

    return decorator
