"""The admin site is the system operator's tool, closed to everyone else (DESIGN §2).

Everyone else works in the pages, whose access helpers, services, locking and
audit the admin does not share. A signed-in user who is not an administrator
gets a 404 for every admin URL, so the admin's existence tells them nothing;
an anonymous visitor is sent to the product's sign-in (``config/urls.py``).

Django builds the site from ``django.contrib.admin`` in ``INSTALLED_APPS``;
its two access points are replaced here, once, when the admin modules load.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Group
from django.http import Http404, HttpRequest, HttpResponse


def is_administrator(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_admin)


def _has_permission(request: HttpRequest) -> bool:
    return is_administrator(request.user)


def _admin_view_for(site: AdminSite) -> Callable[..., Any]:
    plain_admin_view = site.admin_view

    def admin_view(view: Callable[..., HttpResponse], cacheable: bool = False) -> Any:
        checked = plain_admin_view(view, cacheable)

        @wraps(checked)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # Anonymous visitors fall through to the sign-in redirect.
            if request.user.is_authenticated and not is_administrator(request.user):
                raise Http404
            return checked(request, *args, **kwargs)

        return inner

    return admin_view


def admit_only_administrators(site: AdminSite) -> None:
    site.has_permission = _has_permission  # type: ignore[method-assign]
    site.admin_view = _admin_view_for(site)  # type: ignore[method-assign]


admit_only_administrators(admin.site)
# Admin rights come from the administrator role alone: groups would grant nothing.
admin.site.unregister(Group)
