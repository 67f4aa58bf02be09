"""What every API router shares: authentication, rate limits, errors, pagination.

Routers live in their apps (``thamvan/<app>/api.py``) and import from here;
``config/api.py`` mounts them and installs the exception handlers.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.security import HttpBearer, SessionAuth
from pydantic import AfterValidator

from thamvan import audit
from thamvan.accounts.throttle import (
    check_token_failures,
    record_token_failure,
    token_retry_after,
)
from thamvan.accounts.tokens import authenticate_token
from thamvan.audit.services import Action
from thamvan.core.http import client_address
from thamvan.core.limits import RateLimited, count_request
from thamvan.core.locking import EditConflict
from thamvan.search.normalize import nfc

T = TypeVar("T")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
# The largest id an API path or body may name: beyond a 32-bit integer column
# the database would raise instead of answering 404.
MAX_ID = 2**31 - 1


def _clean_text(value: str) -> str:
    # No database stores U+0000 in text (PostgreSQL refuses it outright), and a
    # lone surrogate (valid JSON "\ud800") cannot be encoded as UTF-8 at all.
    if "\x00" in value:
        raise ValueError("Text may not contain NUL characters.")
    if _SURROGATE.search(value):
        raise ValueError("Text may not contain unpaired surrogate characters.")
    # The same NFC rule as the HTML forms (see NFCMiddleware).
    return nfc(value)


_SURROGATE = re.compile("[\ud800-\udfff]")

Text = Annotated[str, AfterValidator(_clean_text)]
"""A string input: every ``str`` field of an API schema uses this type."""


class ErrorOut(Schema):
    detail: Any = Field(..., description="A message, or a list of field errors.")
    code: str = Field(..., description="A stable, machine-readable error code.")


# Every operation may answer these; listing them keeps the OpenAPI document true.
COMMON_ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
NOT_FOUND: dict[int, type[ErrorOut]] = {404: ErrorOut}
# Writes that take an optional ``lock_version`` answer 409 when it is stale.
CONFLICT: dict[int, type[ErrorOut]] = {409: ErrorOut}


def responses(
    ok: Any, *, status: int = 200, not_found: bool = True, conflict: bool = False
) -> dict[int, Any]:
    return {
        status: ok,
        **COMMON_ERRORS,
        **(NOT_FOUND if not_found else {}),
        **(CONFLICT if conflict else {}),
    }


def conflict_response(conflict: EditConflict) -> Status:
    """409 in the standard error format: someone saved since the client read the object."""
    return Status(409, {"detail": str(conflict.message), "code": "edit_conflict"})


def rate_limit_per_minute() -> int:
    return int(getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 600))


def check_rate(identity: str) -> None:
    """Count a request for ``identity`` this minute; raise RateLimited past the limit."""
    count_request(f"api:{identity}", rate_limit_per_minute())


def _client_address(request: HttpRequest) -> str:
    return client_address(request) or "unknown"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tv_…``: a personal token from the profile page or manage.py."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        address = _client_address(request)
        if check_token_failures(address):
            raise RateLimited(retry_after=token_retry_after(address))
        api_token = authenticate_token(token)
        if api_token is None:
            record_token_failure(address)
            # Bounded by the throttle: once it answers 429 nothing more is written.
            audit.record(
                actor=None,
                action=Action.TOKEN_FAILED,
                data={"path": request.path, "throttled": check_token_failures(address)},
                request=request,
            )
            return None
        check_rate(f"token:{api_token.pk}")
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class SessionCsrfAuth(SessionAuth):
    """The browser session; unsafe methods need the CSRF token as the HTML forms do."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None:
            check_rate(f"user:{user.pk}")
        return user


AUTH = [TokenAuth(), SessionCsrfAuth(csrf=True)]


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="At most 100.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class Page(Schema, Generic[T]):
    count: int
    limit: int
    offset: int
    items: list[T]


def paginate(queryset: QuerySet[Any], params: PageParams) -> dict[str, Any]:
    return {
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": list(queryset[params.offset : params.offset + params.limit]),
    }
