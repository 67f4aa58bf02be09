"""The site's URLs plus two views that fail, to reach the 400 and 500 pages over HTTP."""

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a malformed request")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failing view")


urlpatterns = [
    path("test-errors/400/", suspicious),
    path("test-errors/500/", broken),
    *site_urlpatterns,
]
