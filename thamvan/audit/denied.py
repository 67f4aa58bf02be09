"""Refused access, logged in one place.

Access helpers raise ``not_found(Model, pk)`` instead of a bare ``Http404``:
when the object exists the 404 is a ``NotVisible`` that names it, and
``DeniedAccessMiddleware`` (pages) or the API's 404 handler
(``config/api.py``) records an ``access.denied`` entry. Ids that match
nothing are typos or stale links, not refusals, and are not logged.

Only signed-in users are logged, and at most ``AUDIT_DENIED_PER_MINUTE``
entries per user and minute, so a script walking ids cannot flood the log;
the first entries of such a walk are the evidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from thamvan.audit.models import AuditEntry
from thamvan.audit.services import record_denied


class NotVisible(Http404):
    """The 404 for an object that exists outside the user's scope."""

    def __init__(self, target_type: str, target_id: str | int) -> None:
        super().__init__("Not found.")
        self.target_type = target_type
        self.target_id = target_id


def not_found(model: type[models.Model], pk: object) -> Http404:
    """The exception an access helper raises for `pk` (one query, on the refusal path only)."""
    if model._default_manager.filter(pk=pk).exists():
        return NotVisible(model._meta.label_lower, str(pk))
    return Http404()


def denied_per_minute() -> int:
    return int(getattr(settings, "AUDIT_DENIED_PER_MINUTE", 30))


def _within_cap(user_pk: int) -> bool:
    key = f"audit-denied:{user_pk}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this is the minute's first refusal.
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= denied_per_minute()


def record_not_visible(request: HttpRequest, exc: Http404) -> AuditEntry | None:
    """Record a refusal the access helpers raised; None when it is not one or not logged."""
    if not isinstance(exc, NotVisible):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not _within_cap(user.pk):
        return None
    return record_denied(request=request, target_type=exc.target_type, target_id=exc.target_id)


class DeniedAccessMiddleware:
    """Logs the pages' refusals; placed after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotVisible):
            record_not_visible(request, exception)
