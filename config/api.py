"""The REST API root, mounted at /api/v1/; each app adds its router here.

Adding an app's resources is one line in ``ROUTERS`` (see docs/api.md). Every
error, whatever raised it, answers ``{"detail": ..., "code": ...}``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from config.api_common import AUTH
from thamvan.core.limits import RateLimited
from thamvan.dossiers.boundary import MAX_ARRAYS, MAX_HOLES, MAX_PARTS, MAX_VERTICES

# Decoding a few megabytes of tiny arrays takes seconds and hundreds of
# megabytes; no resource takes more arrays than the largest boundary.
MAX_JSON_ARRAYS = MAX_ARRAYS
TOO_MANY_ARRAYS = _(
    "The request is too complex: it holds more than %(limit)s JSON arrays. A boundary may "
    "have at most %(points)s points, %(parts)s parts and %(holes)s holes; simplify it and "
    "try again."
)


JSON_MEDIA_TYPE = "application/json"


class UnsupportedMediaType(Exception):
    """A body the API would parse as JSON was not declared ``application/json``."""


class BodyNotAnObject(Exception):
    """The JSON body is valid but not an object (``[]``, ``null``, ``"x"``, ``42``)."""


class JsonObjectParser(Parser):
    """Parse a JSON body only when declared as JSON, and only as an object.

    Without the check a ``text/plain`` body, which a browser sends cross-origin
    without a preflight, was parsed as JSON; and a schema whose fields are all
    optional read ``[]`` or ``null`` as an empty change. A body with more arrays
    than the largest boundary is refused before decoding it, which would take
    seconds and hundreds of megabytes. Ninja calls this only
    for operations that take a JSON body; file uploads read ``multipart/form-data``
    through Django's own parser and never reach it.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type != JSON_MEDIA_TYPE:
            raise UnsupportedMediaType(request.content_type)
        if request.body.count(b"[") > MAX_JSON_ARRAYS:
            raise ValidationError(
                TOO_MANY_ARRAYS,
                code="too_complex",
                params={
                    name: number_format(value, force_grouping=True)
                    for name, value in (
                        ("limit", MAX_JSON_ARRAYS),
                        ("points", MAX_VERTICES),
                        ("parts", MAX_PARTS),
                        ("holes", MAX_HOLES),
                    )
                },
            )
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject(type(data).__name__)
        return data


class ThamvanAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # Every operation that reads a JSON body may answer 415 (see JsonObjectParser).
        error_ref = {"$ref": "#/components/schemas/ErrorOut"}
        for operations in schema["paths"].values():
            for operation in operations.values():
                content = operation.get("requestBody", {}).get("content", {})
                if JSON_MEDIA_TYPE in content:
                    operation["responses"]["415"] = {
                        "description": "Unsupported Media Type",
                        "content": {JSON_MEDIA_TYPE: {"schema": error_ref}},
                    }
        return schema


api = ThamvanAPI(
    title="thamvan API",
    version="1",
    description=(
        "Planning dossiers, experts, organisations and the knowledge base. "
        "Authenticate with `Authorization: Bearer <token>` (personal tokens from the "
        "profile page or `manage.py create_api_token EMAIL`) or with the browser session "
        "(unsafe methods then need the CSRF token). Errors answer "
        '`{"detail": ..., "code": ...}`.'
    ),
    urls_namespace="api",
    auth=AUTH,
    parser=JsonObjectParser(),
)

# (URL prefix, dotted path of the app's router). One line per app.
ROUTERS = [
    ("/organizations", "thamvan.organizations.api.router"),
    # Before "/experts": its "/{expert_id}" would otherwise take "accounts" for an id.
    ("/experts/accounts", "thamvan.accounts.api.expert_accounts_router"),
    ("/experts", "thamvan.experts.api.router"),
    ("/dossiers", "thamvan.dossiers.api.router"),
    ("/documents", "thamvan.dossiers.api.documents_router"),
    ("/search", "thamvan.search.api.router"),
    ("/consultations", "thamvan.consultations.api.router"),
    ("/programmes", "thamvan.programme.api.router"),
    ("/tasks", "thamvan.programme.api.tasks_router"),
    ("/directives", "thamvan.programme.api.directives_router"),
    ("/workshops", "thamvan.events.api.router"),
    ("/research-topics", "thamvan.research.api.router"),
    ("/users", "thamvan.accounts.api.router"),
    ("/me", "thamvan.core.api.router"),
]


def _error(request: HttpRequest, status: int, detail: Any, code: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code}, status=status)


def _validation_detail(exc: ValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    messages = [str(m) for m in exc.messages]
    return messages[0] if len(messages) == 1 else messages


def _validation_code(exc: ValidationError) -> str:
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    if hasattr(exc, "error_list") and exc.error_list and exc.error_list[0].code:
        return str(exc.error_list[0].code)
    return "invalid"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, _validation_detail(exc), _validation_code(exc))


@api.exception_handler(NinjaValidationError)
def on_request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _error(request, 422, exc.errors, "invalid_request")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    from thamvan.audit.denied import record_not_visible

    record_not_visible(request, exc)
    return _error(request, 404, "Not found.", "not_found")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "You may not do this.", "forbidden")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Authentication required.", "unauthenticated")


@api.exception_handler(RateLimited)
def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(request, 429, "Too many requests; retry later.", "rate_limited")
    response["Retry-After"] = str(exc.retry_after)
    return response


def _unsupported_media_type(request: HttpRequest) -> HttpResponse:
    detail = gettext("Send the request body as application/json.")
    return _error(request, 415, detail, "unsupported_media_type")


@api.exception_handler(RawPostDataException)
def on_form_body_for_json(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
    # A form body was already parsed (NFCMiddleware reads request.POST) when the
    # operation wanted JSON: ninja cannot read it again before the parser runs.
    return _unsupported_media_type(request)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja wraps whatever the parser raises in a 400; the cause tells which it was.
    if isinstance(exc.__cause__, UnsupportedMediaType):
        return _unsupported_media_type(request)
    if isinstance(exc.__cause__, BodyNotAnObject):
        detail = gettext("The request body must be a JSON object.")
        return _error(request, 422, detail, "body_not_an_object")
    if isinstance(exc.__cause__, ValidationError):
        return on_validation_error(request, exc.__cause__)
    # Ninja raises HttpError for a failed CSRF check and a malformed body.
    codes = {400: "bad_request", 403: "csrf_failed"}
    code = codes.get(exc.status_code, "http_error")
    return _error(request, exc.status_code, str(exc), code)


def _mount() -> None:
    from django.utils.module_loading import import_string

    for prefix, dotted in ROUTERS:
        api.add_router(prefix, import_string(dotted))


_mount()
