"""Normalise submitted text to NFC at the boundary.

Browsers on some platforms send Vietnamese in decomposed form (NFD); stored
text must be NFC so equality, uniqueness and search behave.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from thamvan.search.normalize import nfc


def _normalised(query: QueryDict) -> Any:
    copy = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        copy.setlist(nfc(key), [nfc(value) for value in values])
    copy._mutable = False
    return copy


class NFCMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _normalised(request.GET)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            request.POST = _normalised(request.POST)
        return self.get_response(request)


class LanguageMiddleware:
    """Vietnamese unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, and many
    officials' browsers are set to English; the product's language is a
    choice made in the product, kept in the language cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class PrivateCacheMiddleware:
    """Signed-in pages are not kept by the browser or any shared cache.

    A dossier before approval must not be readable from the browser's cache
    on a shared office computer after sign-out (ASVS 14.3). Responses that set
    their own Cache-Control (file downloads) keep it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
